"""`/admin/users` on a real app: admins manage users through the page's Dash callbacks (with
CSRF, as dash-renderer sends them); other roles are refused; the last administrator stays;
bad input names the field and the database does not change."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import dash
import pytest
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from i3plat.auth.callbacks import callback_index
from i3plat.auth.roles import Role
from i3plat.i18n import LANG_COOKIE
from tests.integration.auth.conftest import (
    PASSWORD,
    Console,
    build_console,
    callback_body,
    csrf_of,
    post_callback,
    server_callbacks,
    sign_in,
)

pytestmark = pytest.mark.integration

NEW_PASSWORD = "a fresh password 42"
PEOPLE = {"root": Role.ADMIN, "olga": Role.OPERATOR, "emil": Role.ENGINEER, "vic": Role.VIEWER}


@pytest.fixture(scope="module")
def console(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Console]:
    built = build_console(tmp_path_factory.mktemp("users"))
    for name, role in PEOPLE.items():
        built.ctx.users.create(name, role, PASSWORD)
    built.clients["anonymous"] = built.app.server.test_client()
    csrf_of(built.clients["anonymous"])  # so the refusal is the policy's, not the CSRF check's
    for name in PEOPLE:
        built.clients[name] = signed_in(built, name)
    built.clients["root"].set_cookie(LANG_COOKIE, "en")
    yield built
    built.ctx.close()


def signed_in(console: Console, name: str, password: str = PASSWORD) -> FlaskClient:
    client: FlaskClient = console.app.server.test_client()
    response = sign_in(client, name, password)
    assert response.status_code == 302 and response.headers["Location"] == "/", (name, response.status)
    return client


def key_for(console: Console, input_id: str, output: str = "") -> str:
    """The registered callback triggered by `input_id` (and writing `output`, when given)."""
    for key, entry in console.app.callback_map.items():
        if entry.get("callback") is None or output not in key:
            continue
        if any(dep["id"] == input_id for dep in entry["inputs"]):
            return str(key)
    raise AssertionError(f"no callback with input {input_id!r} and output {output!r}")


def click(
    console: Console, who: str, button: str, values: dict[str, Any], output: str = "", *, csrf: bool = True
) -> TestResponse:
    key = key_for(console, button, output)
    overrides = {(button, "n_clicks"): 1, **{tuple(k.split(".", 1)): v for k, v in values.items()}}
    body = callback_body(console.app, key, overrides)  # type: ignore[arg-type]
    body["changedPropIds"] = [f"{button}.n_clicks"]
    return post_callback(console.client(who), body, csrf=csrf)


def answer(response: TestResponse) -> dict[str, Any]:
    assert response.status_code == 200, (response.status_code, response.data[:300])
    return response.json["response"]  # type: ignore[index,no-any-return]


def result_of(response: TestResponse) -> tuple[str | None, str]:
    """(refused field or None, the message text) of the `user-result` alert."""
    alert = answer(response)["user-result"]["children"]["props"]
    text = json.dumps(alert["children"]["props"]["children"], ensure_ascii=False)
    return alert.get("data-field"), text


def create(console: Console, who: str, name: Any, role: Any, password: Any, repeat: Any) -> TestResponse:
    return click(
        console, who, "user-create",
        {"user-new-name.value": name, "user-new-role.value": role,
         "user-new-password.value": password, "user-new-repeat.value": repeat},
    )  # fmt: skip


def set_role(console: Console, who: str, name: str, role: Any) -> TestResponse:
    return click(console, who, "user-role-save", {"user-selected.data": name, "user-edit-role.value": role})


def delete(console: Console, who: str, name: str) -> TestResponse:
    return click(console, who, "user-delete-confirm", {"user-delete-target.data": name})


def snapshot(console: Console) -> list[Any]:
    return console.ctx.users.list()


def actions(console: Console, target: str) -> list[tuple[str, str, str]]:
    return [(e.action, e.actor, e.outcome) for e in console.ctx.audit.recent() if e.target == target][::-1]


# ---------------------------------------------------------------------------- admins


def test_the_page_and_the_menu_link_are_for_admins(console: Console) -> None:
    root = console.client("root")
    assert root.get("/admin/users").status_code == 200
    assert b'"id":"nav-users"' in root.get("/_dash-layout").data
    assert b"nav-users" not in console.client("olga").get("/_dash-layout").data
    listed = post_callback(root, callback_body(console.app, key_for(console, "user-changed", "user-list")))
    table = json.dumps(answer(listed)["user-list"]["children"])
    assert all(f'"name": "{name}"' in table for name in PEOPLE)


def test_an_admin_creates_changes_resets_and_deletes_a_user(console: Console) -> None:
    field, text = result_of(create(console, "root", " nina ", "engineer", PASSWORD, PASSWORD))
    assert field is None and "Created nina as Engineer." in text
    nina = console.ctx.users.get("nina")
    assert nina is not None and (nina.role, nina.source) == (Role.ENGINEER, "local")
    nina_client = signed_in(console, "nina")
    assert nina_client.get("/sites/fab-a/logs").status_code == 200

    picked = callback_body(console.app, key_for(console, '{"name":["ALL"],"type":"user-manage"}'))
    picked["inputs"] = [[{"id": {"name": "nina", "type": "user-manage"}, "property": "n_clicks", "value": 1}]]
    picked["changedPropIds"] = ['{"name":"nina","type":"user-manage"}.n_clicks']
    assert answer(post_callback(console.client("root"), picked))["user-selected"]["data"] == "nina"
    editor = callback_body(
        console.app, key_for(console, "user-selected", "user-edit"), {("user-selected", "data"): "nina"}
    )
    shown = json.dumps(answer(post_callback(console.client("root"), editor))["user-edit"])
    assert "Manage nina" in shown and "user-reset-password" in shown

    field, text = result_of(set_role(console, "root", "nina", "operator"))
    assert field is None and "nina is now Resource configurator" in text
    assert console.ctx.users.get("nina").role == Role.OPERATOR  # type: ignore[union-attr]
    assert nina_client.get("/").status_code == 302, "a role change ends the user's sessions"

    reset = click(
        console, "root", "user-password-save",
        {"user-selected.data": "nina", "user-reset-password.value": NEW_PASSWORD,
         "user-reset-repeat.value": NEW_PASSWORD},
    )  # fmt: skip
    assert result_of(reset)[0] is None and answer(reset)["user-reset-password"]["value"] == ""
    assert console.ctx.users.authenticate("nina", PASSWORD) is None
    assert console.ctx.users.authenticate("nina", NEW_PASSWORD) is not None

    asked = answer(click(console, "root", "user-delete", {"user-selected.data": "nina"}))
    assert asked["user-delete-modal"]["is_open"] is True and asked["user-delete-target"]["data"] == "nina"
    assert "Delete the user nina?" in json.dumps(asked["user-delete-text"])
    assert console.ctx.users.get("nina") is not None, "asking deletes nothing"
    gone = delete(console, "root", "nina")
    assert result_of(gone) == (None, '"Deleted nina."')
    assert answer(gone)["user-delete-modal"]["is_open"] is False
    assert console.ctx.users.get("nina") is None
    assert actions(console, "nina") == [
        ("user.create", "root", "ok"),
        ("user.set-role", "root", "ok"),
        ("user.set-password", "root", "ok"),
        ("user.delete", "root", "ok"),
    ]
    assert PASSWORD not in str(console.ctx.audit.recent()) and NEW_PASSWORD not in str(
        console.ctx.audit.recent()
    )


def test_messages_are_chinese_by_default(console: Console) -> None:
    chinese = signed_in(console, "root")
    key = key_for(console, "user-create")
    body = callback_body(console.app, key, {("user-create", "n_clicks"): 1, ("user-new-name", "value"): ""})
    alert = answer(post_callback(chinese, body))["user-result"]["children"]["props"]
    assert alert["data-field"] == "name"
    assert "用户名：必填。" in json.dumps(alert, ensure_ascii=False)


# ---------------------------------------------------------------------------- bad input

BAD_CREATES = [
    (("bad name!", "viewer", PASSWORD, PASSWORD), "name", "User name: use 1 to 128"),
    (("root", "viewer", PASSWORD, PASSWORD), "name", "a user named root already exists"),
    (("newcomer", None, PASSWORD, PASSWORD), "role", "Role: choose a role."),
    (("newcomer", "superuser", PASSWORD, PASSWORD), "role", "Role: superuser is not a role."),
    (("newcomer", "viewer", "short", "short"), "password", "Password: at least 10 characters."),
    (("newcomer", "viewer", PASSWORD, PASSWORD + "x"), "repeat", "Repeat password: the two entries differ."),
]


@pytest.mark.parametrize(("form", "field", "message"), BAD_CREATES)
def test_a_bad_create_names_the_field_and_changes_nothing(
    console: Console, form: tuple[Any, ...], field: str, message: str
) -> None:
    before = snapshot(console)
    got_field, text = result_of(create(console, "root", *form))
    assert (got_field, message in text) == (field, True), text
    assert snapshot(console) == before
    assert ("user.create", "root", "ok") not in actions(console, str(form[0]).strip())


def test_bad_role_and_password_changes_name_the_field_and_change_nothing(console: Console) -> None:
    before = snapshot(console)
    assert result_of(set_role(console, "root", "emil", "god"))[0] == "role"
    mismatch = click(
        console, "root", "user-password-save",
        {"user-selected.data": "emil", "user-reset-password.value": NEW_PASSWORD,
         "user-reset-repeat.value": NEW_PASSWORD + "?"},
    )  # fmt: skip
    assert result_of(mismatch)[0] == "repeat"
    assert result_of(set_role(console, "root", "nobody", "viewer"))[1].startswith(
        '"There is no user named nobody'
    )
    assert snapshot(console) == before, "nothing changed, not even a session key"


def test_an_external_user_has_no_password_to_reset(console: Console) -> None:
    console.ctx.users.upsert_external("carol@example.com", Role.VIEWER, "oidc")
    before = snapshot(console)
    refused = click(
        console, "root", "user-password-save",
        {"user-selected.data": "carol@example.com", "user-reset-password.value": NEW_PASSWORD,
         "user-reset-repeat.value": NEW_PASSWORD},
    )  # fmt: skip
    assert "does not sign in with a password here" in result_of(refused)[1]
    assert snapshot(console) == before
    assert ("user.set-password", "root", "refused") in actions(console, "carol@example.com")


# ---------------------------------------------------------------------------- refusals


def page_callbacks(console: Console) -> list[str]:
    index = callback_index(console.app.callback_map, dash.page_registry.values())
    return [key for key in server_callbacks(console.app) if index[key].page == "/admin/users"]


@pytest.mark.parametrize("who", ["anonymous", "vic", "emil", "olga"])
def test_other_roles_are_refused_every_user_callback(console: Console, who: str) -> None:
    keys = page_callbacks(console)
    assert len(keys) == 10
    for key in keys:
        response = post_callback(console.client(who), callback_body(console.app, key))
        assert response.status_code == (401 if who == "anonymous" else 403), (who, key)
    before = snapshot(console)
    assert create(console, who, "sneaky", "admin", PASSWORD, PASSWORD).status_code in (401, 403)
    assert set_role(console, who, who, "admin").status_code in (401, 403)
    assert delete(console, who, "root").status_code in (401, 403)
    assert snapshot(console) == before
    page = console.client(who).get("/admin/users")
    assert page.status_code == (302 if who == "anonymous" else 403)


def test_an_admin_without_the_csrf_header_is_refused(console: Console) -> None:
    before = snapshot(console)
    response = create(console, "root", "csrf-victim", "admin", PASSWORD, PASSWORD)
    assert response.status_code == 200  # the same request with the header works...
    assert console.ctx.users.get("csrf-victim") is not None
    refused = click(
        console, "root", "user-delete-confirm", {"user-delete-target.data": "csrf-victim"}, csrf=False
    )
    assert refused.status_code == 403 and refused.json["error"]["code"] == "csrf"  # type: ignore[index]
    assert console.ctx.users.get("csrf-victim") is not None, "...and without it nothing happens"
    delete(console, "root", "csrf-victim")
    assert snapshot(console) == before


# ---------------------------------------------------------------------------- the last admin


def test_the_last_admin_may_not_delete_or_demote_themselves(tmp_path: Path) -> None:
    console = build_console(tmp_path)
    try:
        console.ctx.users.create("solo", Role.ADMIN, PASSWORD)
        console.clients["solo"] = signed_in(console, "solo")
        console.clients["solo"].set_cookie(LANG_COOKIE, "en")
        demoted = result_of(set_role(console, "solo", "solo", "engineer"))
        deleted = result_of(delete(console, "solo", "solo"))
        for field, text in (demoted, deleted):
            assert field is None
            assert "You (solo) are the last system administrator" in text
        assert console.ctx.users.get("solo").role == Role.ADMIN  # type: ignore[union-attr]
        assert [a[2] for a in actions(console, "solo") if a[0].startswith("user.")] == ["refused", "refused"]

        create(console, "solo", "duo", "admin", PASSWORD, PASSWORD)
        assert result_of(set_role(console, "solo", "solo", "engineer"))[0] is None
        assert console.ctx.users.get("solo").role == Role.ENGINEER  # type: ignore[union-attr]
        duo = signed_in(console, "duo")
        duo.set_cookie(LANG_COOKIE, "en")
        console.clients["duo"] = duo
        assert "duo) are the last system administrator" in result_of(delete(console, "duo", "duo"))[1]
        assert console.ctx.users.get("duo") is not None
    finally:
        console.ctx.close()
