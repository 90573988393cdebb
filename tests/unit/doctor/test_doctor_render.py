"""Reports as terminal text, JSON and the page's components (pure builders)."""

from __future__ import annotations

from typing import Any

import orjson

from i3plat.components.doctor_view import check_dom_id, checklist, summary
from i3plat.doctor import CHECK_IDS, Check, Evidence, SiteReport, Status, Text, render_text, to_json
from i3plat.doctor.model import text
from i3plat.i18n import Translator

T_EN = Translator("en")
T_ZH = Translator("zh_CN")


def report(*statuses: Status) -> SiteReport:
    checks = []
    for check_id, status in zip(CHECK_IDS, statuses, strict=False):
        fix = text("Check the agent") if status in (Status.WARN, Status.FAIL) else None
        evidence = (Evidence(note=text("Member Kubernetes {version}", version="v1.31.4"), http_status=200),)
        checks.append(Check(check_id, "Cluster is Ready", status, evidence, fix, 0.01))
    return SiteReport("site-a", tuple(checks), 1_700_000_000.0, 0.25)


def test_text_params_may_be_messages_themselves() -> None:
    nested = text("Skipped because “{check}” did not pass.", check=Text("Cluster is Ready"))
    assert nested.render(T_EN) == "Skipped because “Cluster is Ready” did not pass."
    assert nested.render(T_ZH) == "已跳过，因为 “集群处于 Ready 状态” 未通过。"
    assert nested.to_plain() == {
        "msgid": "Skipped because “{check}” did not pass.",
        "params": {"check": {"msgid": "Cluster is Ready", "params": {}}},
    }


def test_worst_status_and_counts() -> None:
    mixed = report(Status.OK, Status.WARN, Status.SKIPPED)
    assert mixed.worst is Status.WARN and not mixed.failed
    assert mixed.counts() == {"ok": 1, "warn": 1, "fail": 0, "skipped": 1}
    assert report(Status.OK, Status.FAIL).failed
    assert report(Status.SKIPPED).worst is Status.SKIPPED


def test_terminal_text_has_one_line_per_check_and_fixes_only_for_problems() -> None:
    out = render_text([report(Status.OK, Status.WARN, Status.FAIL, Status.SKIPPED)], T_EN)
    lines = out.splitlines()
    assert lines[0].startswith("✗ site-a  (passed 1 · warnings 1 · failed 1 · skipped 1; 0.2 s)")
    marks = [line[2] for line in lines if line.startswith("  ") and not line.startswith("    ")]
    assert marks == ["✓", "!", "✗", "-"]
    assert sum(1 for line in lines if line.strip().startswith("Fix: Check the agent")) == 2
    assert "      HTTP 200 · Member Kubernetes v1.31.4" in lines


def test_json_shape_for_scripts() -> None:
    data = orjson.loads(orjson.dumps(to_json([report(Status.OK, Status.FAIL), report(Status.OK)], T_ZH)))
    assert data["summary"] == {"sites": 2, "failed": 1, "ok": 2, "warn": 0, "fail": 1, "skipped": 0}
    site = data["sites"][0]
    assert set(site) == {"site", "status", "failed", "counts", "started_at", "seconds", "checks"}
    check = site["checks"][1]
    assert check["id"] == CHECK_IDS[1] and check["status"] == "fail"
    assert check["title"] == "集群处于 Ready 状态"
    assert check["fix_msgid"] == {"msgid": "Check the agent", "params": {}}
    assert check["evidence"] == [
        {
            "note": "成员集群 Kubernetes v1.31.4",
            "http_status": 200,
            "message": None,
            "request": None,
            "code": None,
        }
    ]


def props(component: Any) -> dict[str, Any]:
    return dict(component.to_plotly_json()["props"])


def test_pending_checklist_lists_every_check_before_a_run() -> None:
    items = props(checklist(None, T_ZH))["children"]
    assert [props(i)["id"] for i in items] == [check_dom_id(cid) for cid in CHECK_IDS]
    assert {props(i)["data-status"] for i in items} == {"pending"}


def test_checklist_items_carry_status_icon_and_fix() -> None:
    items = props(checklist(report(Status.OK, Status.FAIL), T_EN))["children"]
    failed = props(items[1])
    assert failed["data-status"] == "fail" and failed["id"] == "doctor-check-cluster-ready"
    icon = props(failed["children"][0])
    assert icon["children"] == "✗" and icon["aria-label"] == "failed"
    body = props(failed["children"][1])["children"]
    fix = props(body[-1])
    assert "doctor-fix-fail" in fix["className"] and fix["children"][1] == "Check the agent"
    assert all(
        "doctor-fix" not in str(props(child).get("className"))
        for child in props(props(items[0])["children"][1])["children"]
    )


def test_summary_states_the_verdict() -> None:
    plain = props(summary(report(Status.OK, Status.WARN, Status.FAIL), T_EN))
    assert plain["data-status"] == "fail"
    assert props(plain["children"][0])["children"] == "Some checks failed: start with the first ✗ below."
    passed = props(summary(report(Status.OK), T_EN))
    assert passed["data-status"] == "ok"
    assert props(passed["children"][0])["children"] == "Every check passed."
