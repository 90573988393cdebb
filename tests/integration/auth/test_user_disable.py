"""Disabling users on a real app: through `/admin/users` (CSRF, policy, audit), the effect on a
signed-in session and on sign-in, the admin's own row, the last enabled admin, header mode,
and the audit retention setting reaching the app."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from i3plat.auth.csrf import CSRF_COOKIE
from i3plat.auth.roles import Role
from i3plat.i18n import LANG_COOKIE
from tests.integration.auth.conftest import (
    PASSWORD,
    Console,
    build_console,
    callback_body,
    post_callback,
    sign_in,
)
from tests.integration.auth.test_admin_users import actions, answer, key_for, result_of, signed_in

pytestmark = pytest.mark.integration

STATE_INPUT = '{"action":["ALL"],"name":["ALL"],"type":"user-state"}'
PEOPLE = {"root": Role.ADMIN, "ada": Role.ADMIN, "bob": Role.VIEWER, "vic": Role.VIEWER}


@pytest.fixture(scope="module")
def console(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Console]:
    built = build_console(tmp_path_factory.mktemp("disable"))
    for name, role in PEOPLE.items():
        built.ctx.users.create(name, role, PASSWORD)
    for name in ("root", "vic"):
        built.clients[name] = signed_in(built, name)
        built.clients[name].set_cookie(LANG_COOKIE, "en")
    yield built
    built.ctx.close()


def state_click(console: Console, who: str, name: str, action: str) -> TestResponse:
    """What dash-renderer sends when a row's Disable/Enable button is clicked."""
    button = {"action": action, "name": name, "type": "user-state"}
    body = callback_body(console.app, key_for(console, STATE_INPUT))
    body["inputs"] = [[{"id": button, "property": "n_clicks", "value": 1}]]
    body["changedPropIds"] = [json.dumps(button, sort_keys=True, separators=(",", ":")) + ".n_clicks"]
    return post_callback(console.client(who), body)


def table(console: Console, who: str) -> str:
    listed = callback_body(console.app, key_for(console, "user-changed", "user-list"))
    return json.dumps(answer(post_callback(console.client(who), listed))["user-list"])


def state_buttons(console: Console, who: str) -> dict[str, str]:
    """user → the action of their row's button, read from the rendered table."""
    found: dict[str, str] = {}

    def visit(node: Any) -> None:
        if isinstance(node, dict):
            component_id = node.get("id")
            if isinstance(component_id, dict) and component_id.get("type") == "user-state":
                found[component_id["name"]] = component_id["action"]
            for value in node.values():
                visit(value)
        elif isinstance(node, list):
            for value in node:
                visit(value)

    visit(json.loads(table(console, who)))
    return found


def test_a_disabled_users_session_ends_and_sign_in_is_refused_until_enabled(console: Console) -> None:
    bob = signed_in(console, "bob")
    assert bob.get("/").status_code == 200
    assert state_buttons(console, "root") == {"ada": "disable", "bob": "disable", "vic": "disable"}

    assert result_of(state_click(console, "root", "bob", "disable")) == (
        None,
        '"bob is disabled: their sessions have ended and they cannot sign in."',
    )
    assert bob.get("/").status_code == 302 and bob.get("/api/v1/sites").status_code == 401
    refused = sign_in(console.app.server.test_client(), "bob")
    assert refused.status_code == 401 and "用户名或密码错误" in refused.get_data(as_text=True)
    login = console.ctx.audit.recent(action="login")[0]
    assert (login.actor, login.outcome, login.detail) == ("bob", "failed", {"reason": "disabled"})
    assert state_buttons(console, "root")["bob"] == "enable"
    assert "Disabled" in table(console, "root")

    again = result_of(state_click(console, "root", "bob", "disable"))  # a second click, same request
    assert again == (None, '"bob is already disabled."')
    assert (
        result_of(state_click(console, "root", "bob", "enable"))[1]
        == '"bob is active again and can sign in."'
    )
    assert signed_in(console, "bob").get("/").status_code == 200
    assert bob.get("/").status_code == 302, "the old session stays ended"
    assert [a for a in actions(console, "bob") if a[0] in ("user.disable", "user.enable")] == [
        ("user.disable", "root", "ok"),
        ("user.enable", "root", "ok"),
    ]


def test_no_one_disables_themselves_and_other_roles_are_refused(console: Console) -> None:
    assert "root" not in state_buttons(console, "root"), "no Disable button on the admin's own row"
    before = console.ctx.users.list()
    field, text = result_of(state_click(console, "root", "root", "disable"))
    assert field is None and "You (root) cannot disable your own account" in text
    assert ("user.disable", "root", "refused") in actions(console, "root")
    for who, name in (("vic", "root"), ("vic", "vic")):
        response = state_click(console, who, name, "disable")
        assert response.status_code == 403 and response.json == {
            "error": {"code": "forbidden", "message": "not allowed"}
        }
    assert console.ctx.users.list() == before


def test_the_state_click_needs_the_csrf_header(console: Console) -> None:
    client = console.client("root")
    cookie = client.get_cookie(CSRF_COOKIE)
    assert cookie is not None
    client.delete_cookie(CSRF_COOKIE)
    try:
        refused = state_click(console, "root", "vic", "disable")
        assert refused.status_code == 403 and refused.json["error"]["code"] == "csrf"  # type: ignore[index]
    finally:
        client.set_cookie(CSRF_COOKIE, cookie.value)
    assert not console.ctx.users.get("vic").disabled  # type: ignore[union-attr]


def test_the_last_enabled_admin_cannot_be_disabled_from_the_page(tmp_path: Path) -> None:
    """Sign-in off: the local operator is an admin who is no user, so only the store's rule
    (enabled admins only) stands between them and locking everyone out."""
    console = build_console(tmp_path, auth="off")
    try:
        console.ctx.users.create("root", Role.ADMIN, PASSWORD)
        console.ctx.users.create("ada", Role.ADMIN, PASSWORD)
        operator: FlaskClient = console.app.server.test_client()
        operator.set_cookie(LANG_COOKIE, "en")
        assert operator.get("/admin/users").status_code == 200  # hands out the CSRF cookie
        console.clients["local"] = operator
        assert result_of(state_click(console, "local", "ada", "disable"))[0] is None
        field, text = result_of(state_click(console, "local", "root", "disable"))
        assert field is None and "root is the last system administrator" in text
        assert not console.ctx.users.get("root").disabled  # type: ignore[union-attr]
        assert actions(console, "root") == [("user.disable", "local", "refused")]
    finally:
        console.ctx.close()


def test_header_mode_refuses_a_disabled_user_with_a_clear_page(tmp_path: Path) -> None:
    console = build_console(tmp_path, auth="header", trusted_proxies=("10.0.0.0/24",), audit_retention_days=7)
    try:
        assert console.ctx.audit.retention_days == 7, "the setting reaches the app's audit log"
        console.ctx.users.create("vera", Role.VIEWER, PASSWORD)
        proxy = console.app.server.test_client()
        proxy.environ_base["REMOTE_ADDR"] = "10.0.0.2"
        vera = {"X-Forwarded-User": "vera"}
        assert proxy.get("/", headers=vera).status_code == 200
        console.ctx.users.disable("vera")
        refused = proxy.get("/", headers=vera)
        assert refused.status_code == 403 and "账号（vera）已停用" in refused.get_data(as_text=True)
        english = proxy.get("/?lang=en", headers=vera)
        assert "Your account (vera) is disabled." in english.get_data(as_text=True)
        assert proxy.get("/api/v1/sites", headers=vera).status_code == 401
        assert proxy.get("/", headers={"X-Forwarded-User": "walt"}).status_code == 200
        login = console.ctx.audit.recent(action="login")[0]
        assert (login.actor, login.outcome, login.detail) == (
            "vera",
            "refused",
            {"source": "header", "reason": "disabled"},
        )
        console.ctx.users.enable("vera")
        assert proxy.get("/", headers=vera).status_code == 200
    finally:
        console.ctx.close()
