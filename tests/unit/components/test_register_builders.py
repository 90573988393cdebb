"""Pure builders of the registration wizard and the collector's change log."""

from __future__ import annotations

from typing import Any

from dash import dcc

from i3plat.collector.registration import Observation, record_observation
from i3plat.components.register_form import (
    FIELDS,
    feedback_outputs,
    field_feedback,
    problem_text,
    registration_form,
    warning_text,
)
from i3plat.components.register_progress import describe_change, phase_of, progress_view
from i3plat.components.register_steps import steps_view
from i3plat.i18n import Translator
from i3plat.karmada_client.bootstrap import (
    BootstrapToken,
    EndpointWarning,
    Problem,
    RegistrationPlan,
    RegistrationRequest,
    plan_steps,
)
from tests.support.dash_tree import walk

EN = Translator("en")
ZH = Translator("zh_CN")


def text_of(node: Any) -> str:
    if isinstance(node, str | int | float):
        return str(node)
    if isinstance(node, list | tuple):
        return " ".join(text_of(child) for child in node)
    if node is None:
        return ""
    return text_of(getattr(node, "children", None))


def by_id(node: Any, wanted: str) -> Any:
    return next(c for c in walk(node) if getattr(c, "id", None) == wanted)


def pull_plan() -> dict[str, Any]:
    request = RegistrationRequest("fab-wuxi", "https://10.20.9.5:6443", proxy_url="http://172.18.0.2:8088")
    token = BootstrapToken("abcdef", "0123456789abcdef")
    steps = plan_steps(request, "10.0.0.8:5443", "sha256:" + "ab" * 32, token)
    plan = RegistrationPlan(
        request, "10.0.0.8:5443", "sha256:" + "ab" * 32, (), steps, token, "kube-system/x", None
    )
    return plan.to_dict()


def test_problems_name_the_field_in_both_languages() -> None:
    problem = Problem(
        "api_endpoint", "scheme", "http://x", "member API endpoint 'http://x' must start with https://"
    )
    assert problem_text(problem, EN) == "Member API endpoint: must start with https://"
    assert problem_text(problem, ZH) == "成员集群 API 地址：必须以 https:// 开头"
    taken = Problem("site", "already_registered", "fab-suzhou", "taken")
    assert "fab-suzhou" in problem_text(taken, ZH) and problem_text(taken, ZH).startswith("站点名称")
    unknown = Problem("site", "something_new", "x", "raw English")
    assert problem_text(unknown, EN) == "Site name: raw English"


def test_feedback_keeps_the_first_problem_per_field_in_form_order() -> None:
    problems = [
        Problem("site", "required", "", "a"),
        Problem("site", "too_long", "x", "b"),
        Problem("proxy_url", "scheme", "ftp://p", "c"),
    ]
    feedback = field_feedback(problems, EN)
    assert feedback == {
        "site": "Site name: is required",
        "proxy_url": "Proxy URL: must start with http:// · https:// · socks5://",
    }
    flat = feedback_outputs(feedback)
    assert len(flat) == 2 * len(FIELDS)
    assert flat[:2] == [True, "Site name: is required"] and flat[2:4] == [False, ""]


def test_warnings_explain_and_show_the_resolved_address() -> None:
    plain = EndpointWarning("api_endpoint", "loopback", "127.0.0.1", "x")
    assert "127.0.0.1" in warning_text(plain, ZH) and "回环" in warning_text(plain, ZH)
    via = EndpointWarning("api_endpoint", "loopback", "k8s.local", "x", "127.0.1.1")
    assert warning_text(via, EN).endswith("(k8s.local resolves to 127.0.1.1)")


def test_form_has_every_input_and_its_feedback() -> None:
    form = registration_form(ZH, karmada_address="10.0.0.8:5443")
    ids = {getattr(c, "id", None) for c in walk(form)}
    for field in FIELDS:
        input_id = "register-" + field.replace("_", "-")
        assert {input_id, input_id + "-feedback"} <= ids
    assert by_id(form, "register-karmada-address").value == "10.0.0.8:5443"
    assert by_id(form, "register-sync-mode").value == "Pull"


def test_steps_show_commands_with_copy_buttons() -> None:
    view = steps_view(pull_plan(), EN)
    blocks = [
        c
        for c in walk(view)
        if getattr(c, "id", "").startswith("register-cmd-") and not c.id.endswith("-copy")
    ]
    assert [b.id for b in blocks] == [
        "register-cmd-install",
        "register-cmd-token",
        "register-cmd-register",
        "register-cmd-agent",
    ]
    clipboards: list[Any] = [c for c in walk(view) if isinstance(c, dcc.Clipboard)]
    assert sorted(c.target_id for c in clipboards) == sorted(b.id for b in blocks)
    register = by_id(view, "register-cmd-register").children
    assert register.startswith("karmadactl register 10.0.0.8:5443 --token abcdef.0123456789abcdef")
    assert "--proxy-server-address http://172.18.0.2:8088" in register
    assert "--cluster-api-endpoint=https://10.20.9.5:6443" in by_id(view, "register-cmd-agent").children
    assert "sha256:" + "ab" * 32 in text_of(view)  # the hash is explained in the register step


def entry(present: bool, ready: str | None = None, reason: str = "", at: float = 0.0) -> Observation:
    conditions: tuple[dict[str, Any], ...] = ()
    if ready is not None:
        conditions = ({"type": "Ready", "status": ready, "reason": reason, "message": "m", "since": None},)
    return Observation(
        "fab-wuxi", at, present, conditions, sync_mode="Pull", api_endpoint="https://10.20.9.5:6443"
    )


def test_history_records_only_changes_and_keeps_the_last_good_view() -> None:
    history = record_observation(None, entry(False, at=1))
    history = record_observation(history, entry(False, at=2))
    history = record_observation(history, entry(True, "Unknown", "ClusterStatusNeverUpdated", at=3))
    failed = Observation("fab-wuxi", 4, error=("connect", "could not connect"))
    history = record_observation(history, failed)
    history = record_observation(history, entry(True, "True", "ClusterReady", at=5))
    assert [c["at"] for c in history["changes"]] == [1, 3, 5]
    assert history["latest"]["at"] == 5 and phase_of(history) == "ready"
    lines = [
        describe_change(c, prev, EN)
        for c, prev in zip(history["changes"], [None, *history["changes"][:-1]], strict=True)
    ]
    assert lines[0] == "Not registered in Karmada yet"
    assert lines[1].startswith("Registered in Karmada (Pull, endpoint https://10.20.9.5:6443)")
    assert lines[1].endswith("Ready: Unknown (ClusterStatusNeverUpdated)")
    assert lines[2] == "Ready: True (ClusterReady)"


def test_progress_phases_and_links() -> None:
    plan = pull_plan() | {"expires": "2099-01-01T00:00:00Z"}
    waiting = progress_view(None, plan, EN, now=0)
    assert waiting.to_plotly_json()["props"]["data-phase"] == "waiting"
    assert "Waiting for “fab-wuxi” to appear" in text_of(waiting)
    registered = record_observation(None, entry(True, "False", "ClusterNotReachable"))
    view = progress_view(registered, plan, EN, now=0)
    row = next(
        c
        for c in walk(view)
        if getattr(c, "to_plotly_json", None) and c.to_plotly_json()["props"].get("data-type")
    )
    assert row.to_plotly_json()["props"]["data-status"] == "False"
    assert "ClusterNotReachable" in text_of(view)
    ready = record_observation(registered, entry(True, "True", "ClusterReady"))
    done = progress_view(ready, plan, ZH, now=0)
    assert by_id(done, "register-site-link").href == "/sites/fab-wuxi"
    assert by_id(done, "register-doctor-link").href == "/sites/fab-wuxi/doctor"
    expired = progress_view(None, plan | {"expires": "2000-01-01T00:00:00Z"}, EN, now=1e9 + 1e9)
    assert "expired" in text_of(expired)


def test_push_mode_steps_need_no_token() -> None:
    request = RegistrationRequest("fab-wuxi", "https://10.20.9.5:6443", sync_mode="Push")
    plan = RegistrationPlan(request, "10.0.0.8:5443", "", (), plan_steps(request, "10.0.0.8:5443", "", None))
    view = steps_view(plan.to_dict(), ZH)
    ids = [c.id for c in walk(view) if str(getattr(c, "id", "")).startswith("register-step-")]
    assert ids == ["register-step-install", "register-step-join", "register-step-endpoint"]
    assert "Push 模式不需要引导令牌" in text_of(view)
    assert by_id(view, "register-cmd-join").children.startswith("karmadactl join fab-wuxi --kubeconfig")
