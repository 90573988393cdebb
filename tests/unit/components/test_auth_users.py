"""Pure builders and form checks of the user admin page (components.auth_users)."""

from __future__ import annotations

from typing import Any

import dash_bootstrap_components as dbc
import pytest

from i3plat.auth.passwords import MIN_PASSWORD_LENGTH
from i3plat.auth.roles import Role
from i3plat.auth.users import InvalidUserName, LastAdmin, NoSuchUser, UserError, UserExists, UserInfo
from i3plat.components.auth_users import (
    FormError,
    NewUser,
    delete_question,
    format_moment,
    parse_form_role,
    parse_new_password,
    parse_new_user,
    parse_state_click,
    result_alert,
    role_options,
    self_disable_text,
    state_result_text,
    store_error_text,
    store_refusal,
    user_editor,
    user_table,
)
from i3plat.i18n import Translator
from tests.support.dash_tree import walk

EN = Translator("en")
ZH = Translator("zh_CN")
GOOD = "a long enough secret"


def css(node: Any) -> Any:
    return node.className


def by_id(tree: Any) -> dict[Any, Any]:
    found = {}
    for node in walk(tree):
        component_id = getattr(node, "id", None)
        if component_id is not None:
            found[str(component_id) if isinstance(component_id, dict) else component_id] = node
    return found


def text_of(tree: Any) -> str:
    parts: list[str] = []

    def collect(node: Any) -> None:
        if isinstance(node, str):
            parts.append(node)
        elif isinstance(node, list | tuple):
            for child in node:
                collect(child)
        elif node is not None and not isinstance(node, int | float):
            collect(getattr(node, "children", None))

    collect(tree)
    return " ".join(parts)


def user(
    name: str,
    role: Role = Role.VIEWER,
    source: Any = "local",
    last: float | None = None,
    disabled_at: float | None = None,
) -> UserInfo:
    return UserInfo(name, role, source, "key-" + name, 1_700_000_000.0, last, source == "local", disabled_at)


# ---------------------------------------------------------------------------- form checks


def test_a_good_form_gives_the_new_user_with_blanks_trimmed_from_the_name() -> None:
    assert parse_new_user("  ada@example.com ", "engineer", GOOD, GOOD) == NewUser(
        "ada@example.com", Role.ENGINEER, GOOD
    )


BAD_FORMS = [
    (("", "viewer", GOOD, GOOD), "name", "User name: required", "用户名"),
    (("../ada", "viewer", GOOD, GOOD), "name", "User name: use 1 to 128", "用户名"),
    (("ada", None, GOOD, GOOD), "role", "Role: choose a role", "角色"),
    (("ada", "root", GOOD, GOOD), "role", "Role: root is not a role", "角色"),
    (("ada", "viewer", None, None), "password", "Password: required", "密码"),
    (("ada", "viewer", "short", "short"), "password", f"at least {MIN_PASSWORD_LENGTH}", "密码"),
    (("ada", "viewer", "x" * 1025, "x" * 1025), "password", "at most 1024", "密码"),
    (("Adalovelace", "viewer", "adalovelace", "adalovelace"), "password", "not be the user name", "密码"),
    (("ada", "viewer", GOOD, GOOD + "!"), "repeat", "Repeat password: the two entries differ", "确认密码"),
]


@pytest.mark.parametrize(("form", "field", "english", "chinese"), BAD_FORMS)
def test_a_bad_form_names_the_field_in_both_languages(
    form: tuple[Any, ...], field: str, english: str, chinese: str
) -> None:
    with pytest.raises(FormError) as caught:
        parse_new_user(*form)
    assert caught.value.field == field
    assert english in caught.value.translated(EN)
    assert caught.value.translated(ZH).startswith(chinese)


def test_only_the_first_bad_field_is_reported_in_form_order() -> None:
    with pytest.raises(FormError) as caught:
        parse_new_user("", "root", "short", "other")
    assert caught.value.field == "name"


def test_role_and_password_checks_stand_alone() -> None:
    assert parse_form_role("Admin") is Role.ADMIN
    assert parse_new_password("ada", GOOD, GOOD) == GOOD
    with pytest.raises(FormError, match="two entries differ"):
        parse_new_password("ada", GOOD, None)


def test_store_refusals_name_the_user_and_the_reason() -> None:
    last = LastAdmin("x")
    assert store_error_text(last, EN, "root", actor="root").startswith("You (root) are the last system")
    assert store_error_text(last, EN, "root", actor="someone").startswith("root is the last system")
    assert "最后一位系统管理员" in store_error_text(last, ZH, "root", actor="root")
    assert "already exists" in store_error_text(UserExists("x"), EN, "ada", actor="root")
    assert "no user named ada" in store_error_text(NoSuchUser("x"), EN, "ada", actor="root")
    assert "none to set" in store_error_text(UserError("x"), EN, "carol", actor="root")
    refusal = store_refusal(UserExists("x"), EN, "ada", actor="root")
    assert getattr(refusal, "data-field") == "name" and css(refusal) == "user-result-refused"
    other = store_refusal(LastAdmin("x"), EN, "root", actor="root")
    assert not hasattr(other, "data-field")
    assert css(store_refusal(InvalidUserName("x"), EN, "a b", actor="r")) == "user-result-refused"


# ---------------------------------------------------------------------------- components


def test_the_table_lists_each_user_with_role_source_and_times() -> None:
    moment = 1_700_003_600.0
    infos = [
        user("ada", Role.ADMIN, last=moment),
        user("carol@example.com", Role.ENGINEER, "oidc"),
        user("proxy-user", source="header"),
    ]
    table = user_table(infos, ZH, me="ada")
    found = by_id(table)
    assert "user-table" in found
    rows = [node for node in walk(table) if isinstance(getattr(node, "id", None), dict)]
    assert [r.id["name"] for r in rows if r.id["type"] == "user-row"] == [i.name for i in infos]
    assert [r.id["name"] for r in rows if r.id["type"] == "user-manage"] == [i.name for i in infos]
    ada = text_of(by_id(table)[str({"type": "user-row", "name": "ada"})])
    assert "系统管理员" in ada and "本人" in ada and "密码（本地账号）" in ada
    assert "2023/11/15 07:13" in ada  # the viewer's zone (Asia/Shanghai by default), zh_CN short style
    carol = text_of(by_id(table)[str({"type": "user-row", "name": "carol@example.com"})])
    assert "工程师" in carol and "OIDC" in carol and "从未" in carol and "本人" not in carol
    assert "反向代理" in text_of(by_id(table)[str({"type": "user-row", "name": "proxy-user"})])


def test_an_empty_table_says_so() -> None:
    assert by_id(user_table([], EN, me="x"))["user-empty"].children == "No users yet."


def test_format_moment_and_role_options() -> None:
    assert format_moment(None, EN) == "never"
    assert format_moment(0.0, EN) == "1/1/70, 8:00\u202fAM"
    assert format_moment(0.0, Translator("en", "UTC")) == "1/1/70, 12:00\u202fAM"
    assert [o["value"] for o in role_options(EN)] == ["viewer", "engineer", "operator", "admin"]
    assert role_options(ZH)[2]["label"] == "资源配置员"


def test_the_editor_offers_a_password_only_to_local_users() -> None:
    local = by_id(user_editor(user("ada", Role.OPERATOR), EN))
    assert local["user-edit-role"].value == "operator"
    assert {"user-reset-password", "user-reset-repeat", "user-password-save", "user-delete"} <= set(local)
    assert local["user-reset-password"].type == "password"
    assert local["user-reset-password"].autocomplete == "new-password"
    oidc_editor = user_editor(user("carol", source="oidc"), EN)
    oidc = by_id(oidc_editor)
    assert "user-reset-password" not in oidc and "user-delete" in oidc
    assert "replaces this one at the next sign-in" in text_of(oidc_editor)
    assert set(by_id(user_editor(None, EN))) == {"user-editor-empty"}


def test_result_alerts_and_the_delete_question() -> None:
    refused = result_alert("Password: required.", ok=False, field="password")
    assert getattr(refused, "data-field") == "password" and css(refused) == "user-result-refused"
    assert css(result_alert("ok", ok=True)) == "user-result-ok"
    assert "ada" in delete_question("ada", EN) and "cannot be undone" in delete_question("ada", EN)
    assert "无法撤销" in delete_question("ada", ZH)


# ---------------------------------------------------------------------------- disable / enable


def test_rows_show_the_state_and_offer_the_opposite_action_but_not_on_your_own_row() -> None:
    moment = 1_700_007_200.0
    infos = [user("ada", Role.ADMIN), user("bob", disabled_at=moment), user("vic")]
    table = user_table(infos, EN, me="ada")
    buttons = {
        node.id["name"]: (node.id["action"], node.children)
        for node in walk(table)
        if isinstance(getattr(node, "id", None), dict) and node.id["type"] == "user-state"
    }
    assert buttons == {"bob": ("enable", "Enable"), "vic": ("disable", "Disable")}
    rows = by_id(table)
    bob = rows[str({"type": "user-row", "name": "bob"})]
    assert "Disabled" in text_of(bob) and "11/15/23, 8:13\u202fAM" in text_of(bob)  # Asia/Shanghai
    assert "user-disabled" in css(bob)
    vic = rows[str({"type": "user-row", "name": "vic"})]
    assert "Active" in text_of(vic) and "user-disabled" not in css(vic)
    assert "已停用" in text_of(user_table(infos, ZH, me="ada")) and "状态" in text_of(
        user_table(infos, ZH, "x")
    )


@pytest.mark.parametrize(
    ("trigger", "clicks", "expected"),
    [
        ({"type": "user-state", "name": "bob", "action": "disable"}, 1, ("bob", "disable")),
        ({"type": "user-state", "name": "bob", "action": "enable"}, 3, ("bob", "enable")),
        ({"type": "user-state", "name": "bob", "action": "disable"}, None, None),  # a re-rendered table
        ({"type": "user-state", "name": "bob", "action": "delete"}, 1, None),
        ({"type": "user-state", "name": "", "action": "disable"}, 1, None),
        ({"type": "user-state", "name": ["bob"], "action": "disable"}, 1, None),
        (None, 1, None),
        ("user-state", 1, None),
    ],
)
def test_only_a_real_click_on_a_well_formed_button_counts(trigger: Any, clicks: Any, expected: Any) -> None:
    assert parse_state_click(trigger, clicks) == expected


def test_state_messages_in_both_languages() -> None:
    off, on = user("bob", disabled_at=1.0), user("bob")
    assert state_result_text(off, EN, changed=True).startswith("bob is disabled: their sessions have ended")
    assert state_result_text(off, EN, changed=False) == "bob is already disabled."
    assert state_result_text(on, EN, changed=True) == "bob is active again and can sign in."
    assert state_result_text(on, EN, changed=False) == "bob is already active."
    assert "已停用 bob" in state_result_text(off, ZH, changed=True)
    assert self_disable_text("ada", EN).startswith("You (ada) cannot disable your own account")
    assert "不能停用自己的账号" in self_disable_text("ada", ZH)


def test_every_editor_control_has_a_visible_label_and_no_placeholder() -> None:
    editor = user_editor(user("ada", Role.OPERATOR), ZH)
    controls = {c.id: c for c in walk(editor) if isinstance(c, dbc.Input | dbc.Select)}
    labels = {c.html_for: c.children for c in walk(editor) if isinstance(c, dbc.Label)}
    assert set(controls) == {"user-edit-role", "user-reset-password", "user-reset-repeat"}
    assert labels == {
        "user-edit-role": "角色",
        "user-reset-password": "新密码",
        "user-reset-repeat": "确认密码",
    }
    assert all(getattr(c, "placeholder", None) is None for c in controls.values())
