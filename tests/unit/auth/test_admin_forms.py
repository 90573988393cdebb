"""The admin pages' pure pieces: labelled token form, its scope and the one mistake it allows,
the note on the sign-in mode (with a first-admin command the real CLI accepts), and the
compact "authentication off" bar of kiosk and embed pages."""

from __future__ import annotations

import shlex
from pathlib import Path
from typing import Any

import dash_bootstrap_components as dbc
import pytest

from i3plat.auth.principal import TokenScope
from i3plat.cli import build_parser
from i3plat.components.auth_tokens import ANY, MAX_RANGES, form_problem, scope_from_form, token_form
from i3plat.components.auth_widgets import auth_off_banner, sign_in_mode_note
from i3plat.i18n import Translator
from i3plat.settings import Settings
from tests.support.dash_tree import walk

EN = Translator("en")
ZH = Translator("zh_CN")
METRICS = [{"label": "CPU (cpu.util.cluster)", "value": "cpu.util.cluster"}]


def text_of(node: Any) -> str:
    parts = []
    for item in walk(node):
        children = getattr(item, "children", None)
        for child in children if isinstance(children, list) else [children]:
            if isinstance(child, str):
                parts.append(child)
    return " ".join(parts)


def controls_and_labels(tree: Any) -> tuple[dict[str, Any], dict[str, str]]:
    controls = {c.id: c for c in walk(tree) if isinstance(c, dbc.Input | dbc.Select)}
    labels = {c.html_for: c.children for c in walk(tree) if isinstance(c, dbc.Label)}
    return controls, labels


# ---------------------------------------------------------------------------- token form


@pytest.mark.parametrize("t", [EN, ZH])
def test_every_token_form_control_has_a_visible_label(t: Translator) -> None:
    controls, labels = controls_and_labels(token_form(t, METRICS, ["fab-a", "fab-b"]))
    ids = {"token-kind", "token-metric", "token-site", "token-range", "token-lifetime", "token-note"}
    assert set(controls) == ids, "the ids the page's callback and tests use are kept"
    assert set(labels) == ids and all(isinstance(text, str) and text for text in labels.values())
    assert getattr(controls["token-note"], "placeholder", None) is None, (
        "a label, not a placeholder that vanishes"
    )
    assert labels["token-lifetime"] == t("Valid for")


def test_any_site_and_range_are_real_choices_and_become_no_restriction() -> None:
    controls, _ = controls_and_labels(token_form(EN, METRICS, ["fab-a"]))
    site, ranges = controls["token-site"], controls["token-range"]
    assert site.value == ANY and [o["value"] for o in site.options] == [ANY, "fab-a"]
    assert ranges.value == ANY and [o["value"] for o in ranges.options] == [ANY, *MAX_RANGES]
    assert [o["label"] for o in ranges.options][1] == EN.timedelta(3600)

    assert scope_from_form("embed", "cpu.util.cluster", ANY, ANY) == TokenScope("embed", "cpu.util.cluster")
    assert scope_from_form("embed", "cpu.util.cluster", "fab-a", "24h") == TokenScope(
        "embed", "cpu.util.cluster", "fab-a", None, 86_400
    )
    # a kiosk token ignores what the embed-only fields still hold
    assert scope_from_form("kiosk", "cpu.util.cluster", "fab-a", "24h") == TokenScope("kiosk")
    assert scope_from_form(None, None, None, None) == TokenScope("kiosk")


def test_an_embed_token_without_a_metric_is_named_in_the_readers_language() -> None:
    missing = scope_from_form("embed", None, ANY, ANY)
    assert form_problem(missing, EN) == "Metric: choose the metric the embedded panel shows."
    assert "指标" in (form_problem(missing, ZH) or "")
    assert form_problem(scope_from_form("embed", "cpu.util.cluster", ANY, ANY), EN) is None
    assert form_problem(TokenScope("kiosk"), EN) is None


# ---------------------------------------------------------------------------- sign-in mode note


def settings(tmp_path: Path, **values: Any) -> Settings:
    return Settings(data_dir=tmp_path / "console data", **values)


def test_sign_in_off_explains_itself_and_how_to_turn_it_on(tmp_path: Path) -> None:
    note = sign_in_mode_note(EN, settings(tmp_path), "users")
    assert note is not None and getattr(note, "data-mode") == "off"
    text = text_of(note)
    assert "Sign-in is off" in text and "I3PLAT_AUTH=off" in text
    assert "acts as a system administrator" in text and "127.0.0.1" in text
    assert "Set I3PLAT_AUTH to local" in text
    command = next(c for c in walk(note) if getattr(c, "id", None) == "auth-first-admin")
    line = text_of(command)
    words = shlex.split(line)
    assert words[0] == f"I3PLAT_DATA_DIR={tmp_path / 'console data'}", "the console's own data dir, quoted"
    assert words[1] == "i3plat"
    args = build_parser().parse_args([*words[2:-1], "root"])
    assert (args.command, args.action, args.admin, args.name) == ("users", "create", True, "root")


def test_sign_in_off_reads_naturally_in_chinese(tmp_path: Path) -> None:
    text = text_of(sign_in_mode_note(ZH, settings(tmp_path), "users"))
    assert "登录未启用" in text and "系统管理员" in text and "I3PLAT_AUTH" in text
    assert "users create --admin 用户名" in text
    tokens = text_of(sign_in_mode_note(ZH, settings(tmp_path), "tokens"))
    assert "不需要令牌" in tokens


def test_the_token_page_says_tokens_are_not_needed_while_sign_in_is_off(tmp_path: Path) -> None:
    note = sign_in_mode_note(EN, settings(tmp_path), "tokens")
    assert note is not None
    assert "opens without a token now" in text_of(note)
    link = next(c for c in walk(note) if getattr(c, "id", None) == "auth-mode-users-link")
    assert link.href == "/admin/users"


def test_header_mode_names_the_proxy_header_and_the_least_role(tmp_path: Path) -> None:
    plain = sign_in_mode_note(EN, settings(tmp_path, auth="header", trusted_proxies="10.0.0.0/8"), "users")
    assert plain is not None and getattr(plain, "data-mode") == "header"
    text = text_of(plain)
    assert "X-Forwarded-User" in text and "at least Viewer" in text and "Passwords are not used" in text
    assert "can give a higher role" not in text
    grouped = settings(
        tmp_path, auth="header", trusted_proxies="10.0.0.0/8", auth_header="X-User",
        auth_role_header="X-Groups", auth_default_role="engineer",
    )  # fmt: skip
    text = text_of(sign_in_mode_note(EN, grouped, "users"))
    assert "X-User header" in text and "at least Engineer" in text
    assert "The X-Groups header can give a higher role." in text
    assert "“工程师”" in text_of(sign_in_mode_note(ZH, grouped, "users"))


def test_oidc_mode_names_the_role_claim(tmp_path: Path) -> None:
    text = text_of(sign_in_mode_note(EN, settings(tmp_path, auth="oidc", oidc_role_claim="roles"), "users"))
    assert "I3PLAT_AUTH=oidc" in text and "the roles claim" in text


@pytest.mark.parametrize(
    ("mode", "page"),
    [("local", "users"), ("local", "tokens"), ("header", "tokens"), ("oidc", "tokens")],
)
def test_no_note_where_the_page_speaks_for_itself(tmp_path: Path, mode: str, page: Any) -> None:
    extra = {"trusted_proxies": "10.0.0.0/8"} if mode == "header" else {}
    assert sign_in_mode_note(EN, settings(tmp_path, auth=mode, **extra), page) is None


# ---------------------------------------------------------------------------- the "off" bar


def test_the_compact_bar_carries_the_short_and_the_whole_warning() -> None:
    bar = auth_off_banner(EN, compact=True)
    whole = "Authentication is off: anyone who can reach this console is an administrator."
    assert bar.id == "auth-off-banner" and bar.className == "auth-off-badge" and bar.title == whole
    spans = {span.className: span.children for span in bar.children}
    assert spans == {"auth-off-short": "Authentication off", "auth-off-long": whole}
    full = auth_off_banner(ZH)
    assert full.className == "auth-off-banner" and "身份认证已关闭" in full.children
