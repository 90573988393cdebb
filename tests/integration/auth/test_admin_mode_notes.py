"""The admin pages on a real app in each sign-in mode: with sign-in off (or users coming from a
proxy) the users and tokens pages say why and what to do; every form control has a label; the
token form's "any" choices reach the token service as no restriction."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from i3plat.auth.principal import TokenScope
from i3plat.auth.roles import Role
from i3plat.components.auth_tokens import ANY
from i3plat.i18n import LANG_COOKIE
from tests.integration.auth.conftest import (
    PASSWORD,
    Console,
    build_console,
    callback_body,
    post_callback,
    server_callbacks,
    sign_in,
)

pytestmark = pytest.mark.integration


def english(client: FlaskClient) -> FlaskClient:
    client.set_cookie(LANG_COOKIE, "en")
    client.get("/admin/users")  # a page: the CSRF cookie dash-renderer would send back
    return client


def render(console: Console, client: FlaskClient, path: str) -> Any:
    """The page as the router callback renders it on client-side navigation."""
    key = next(k for k in server_callbacks(console.app) if "_pages_content" in k)
    body = callback_body(console.app, key, {("_pages_location", "pathname"): path})
    response = post_callback(client, body)
    assert response.status_code == 200, response.data[:300]
    return response.json["response"]["_pages_content"]["children"]  # type: ignore[index]


def components(tree: Any) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    if isinstance(tree, list):
        for item in tree:
            found += components(item)
    elif isinstance(tree, dict) and "type" in tree and "props" in tree:
        found.append(tree)
        found += components(tree["props"].get("children"))
    return found


def by_id(tree: Any, ident: str) -> dict[str, Any] | None:
    return next((c for c in components(tree) if c["props"].get("id") == ident), None)


def text(tree: Any) -> str:
    return json.dumps(tree, ensure_ascii=False)


def assert_labelled(tree: Any) -> None:
    controls = {c["props"]["id"] for c in components(tree) if c["type"] in ("Input", "Select")}
    labels = {c["props"].get("html_for") for c in components(tree) if c["type"] == "Label"}
    assert controls and controls <= labels, controls - labels


def test_sign_in_off_explains_the_empty_user_list_and_the_tokens(tmp_path: Path) -> None:
    console = build_console(tmp_path, auth="off")
    client = english(console.app.server.test_client())
    users = render(console, client, "/admin/users")
    note = by_id(users, "auth-mode-note")
    assert note is not None and note["props"]["data-mode"] == "off"
    shown = text(note)
    assert "Sign-in is off" in shown and "I3PLAT_AUTH=off" in shown
    assert f"I3PLAT_DATA_DIR={tmp_path} i3plat users create --admin NAME" in shown
    assert_labelled(users)

    tokens = render(console, client, "/admin/tokens")
    note = by_id(tokens, "auth-mode-note")
    assert note is not None and "opens without a token now" in text(note)
    assert_labelled(tokens)


def test_local_sign_in_shows_no_note(tmp_path: Path) -> None:
    console = build_console(tmp_path)
    console.ctx.users.create("root", Role.ADMIN, PASSWORD)
    client = console.app.server.test_client()
    sign_in(client, "root")
    for path in ("/admin/users", "/admin/tokens"):
        page = render(console, english(client), path)
        assert by_id(page, "auth-mode-note") is None, path
        assert_labelled(page)


def test_header_mode_says_the_proxy_signs_people_in(tmp_path: Path) -> None:
    console = build_console(
        tmp_path, auth="header", trusted_proxies=("10.0.0.0/24",), auth_role_header="X-Groups"
    )
    client = console.app.server.test_client()
    client.environ_base["REMOTE_ADDR"] = "10.0.0.2"
    client.environ_base["HTTP_X_FORWARDED_USER"] = "proxied-admin"
    client.environ_base["HTTP_X_GROUPS"] = "admin"
    page = render(console, english(client), "/admin/users")
    note = by_id(page, "auth-mode-note")
    assert note is not None and note["props"]["data-mode"] == "header"
    assert "X-Forwarded-User header" in text(note) and "The X-Groups header can give" in text(note)
    assert by_id(render(console, client, "/admin/tokens"), "auth-mode-note") is None


def create_token(console: Console, client: FlaskClient, **values: Any) -> TestResponse:
    key = next(k for k in server_callbacks(console.app) if "token-created.children" in k)
    states = {
        ("token-lifetime", "value"): "30d",
        ("token-note", "value"): "",
        ("token-create", "n_clicks"): 1,
    }
    states |= {(f"token-{name}", "value"): value for name, value in values.items()}
    body = callback_body(console.app, key, states)
    body["changedPropIds"] = ["token-create.n_clicks"]
    return post_callback(client, body)


def test_any_site_and_range_make_an_unrestricted_embed_token(tmp_path: Path) -> None:
    console = build_console(tmp_path, auth="off")
    client = english(console.app.server.test_client())
    refused = create_token(console, client, kind="embed", metric=None, site=ANY, range=ANY)
    assert refused.status_code == 200 and "Metric: choose the metric" in refused.get_data(as_text=True)
    assert console.ctx.tokens.list() == [], "nothing is made from a refused form"

    made = create_token(console, client, kind="embed", metric="cpu.util.cluster", site=ANY, range=ANY)
    assert made.status_code == 200 and "token-link" in made.get_data(as_text=True)
    (info,) = console.ctx.tokens.list()
    assert info.scope == TokenScope("embed", "cpu.util.cluster", None, None, None)
