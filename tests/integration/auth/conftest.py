"""A real console app (create_app) with sign-in on, users of every role, and clients for each
principal: anonymous, viewer, engineer, operator, admin, a kiosk token and an embed token."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import dash
import pytest
from argon2 import PasswordHasher
from argon2.profiles import CHEAPEST
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from i3plat.app import create_app
from i3plat.auth.csrf import CSRF_COOKIE, CSRF_HEADER
from i3plat.auth.passwords import Passwords
from i3plat.auth.principal import TokenScope
from i3plat.auth.roles import Role
from i3plat.auth.web import TOKEN_HEADER, AuthContext, auth_context
from tests.support.api_services import fill_fleet, live_panel, make_services, series, site_record

PASSWORD = "correct horse battery staple"
SITE = "fab-a"
METRIC = "cpu.util.cluster"
PRINCIPALS = ("anonymous", "viewer", "engineer", "operator", "admin", "kiosk", "embed")
ROLES = {"viewer": Role.VIEWER, "engineer": Role.ENGINEER, "operator": Role.OPERATOR, "admin": Role.ADMIN}


@dataclass
class Console:
    app: dash.Dash
    ctx: AuthContext
    clients: dict[str, FlaskClient] = field(default_factory=dict)
    tokens: dict[str, str] = field(default_factory=dict)

    def client(self, who: str) -> FlaskClient:
        return self.clients[who]


def build_console(tmp_path: Path, **settings: Any) -> Console:
    services = make_services(tmp_path, **{"auth": "local", "cookie_secure": False, **settings})
    fill_fleet(services.store, site_record(SITE), site_record("fab-b"))
    services.store.put_panel(live_panel(SITE, METRIC, [series(None, [0.5, 0.6])]))
    app = create_app(services.settings, services)
    ctx = auth_context(app.server)
    ctx.users.passwords = Passwords(
        PasswordHasher.from_parameters(CHEAPEST)
    )  # argon2's cost is not under test
    app.server.test_client().get("/healthz")  # Dash registers its callbacks on the first request
    return Console(app, ctx)


def csrf_of(client: FlaskClient) -> str:
    cookie = client.get_cookie(CSRF_COOKIE)
    if cookie is None:
        client.get("/login")
        cookie = client.get_cookie(CSRF_COOKIE)
    assert cookie is not None, "no CSRF cookie was set"
    return cookie.value


def sign_in(client: FlaskClient, name: str, password: str = PASSWORD) -> TestResponse:
    client.get("/login")
    return client.post(
        "/login", data={"username": name, "password": password, "csrf_token": csrf_of(client), "next": "/"}
    )


def token_client(console: Console, token: str) -> FlaskClient:
    client = console.app.server.test_client(use_cookies=False)
    client.environ_base[f"HTTP_{TOKEN_HEADER.upper().replace('-', '_')}"] = token
    return client


@pytest.fixture(scope="module")
def console(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Console]:
    built = build_console(tmp_path_factory.mktemp("auth"))
    for name, role in ROLES.items():
        built.ctx.users.create(name, role, PASSWORD)
    built.clients["anonymous"] = built.app.server.test_client()
    for name in ROLES:
        client = built.app.server.test_client()
        assert sign_in(client, name).status_code == 302
        built.clients[name] = client
    kiosk, _ = built.ctx.tokens.issue(TokenScope("kiosk"), 3600, "admin")
    embed, _ = built.ctx.tokens.issue(TokenScope("embed", METRIC, SITE, None, 86_400), 3600, "admin")
    built.tokens = {"kiosk": kiosk, "embed": embed}
    built.clients["kiosk"] = token_client(built, kiosk)
    built.clients["embed"] = token_client(built, embed)
    yield built
    built.ctx.close()


# ---------------------------------------------------------------------------- Dash callbacks


def split_outputs(key: str) -> list[dict[str, Any]]:
    parts = key[2:-2].split("...") if key.startswith("..") else [key]
    outputs = []
    for part in parts:
        component, prop = re.sub(r"@[0-9a-f]{64}$", "", part).rsplit(".", 1)
        outputs.append(
            {"id": json.loads(component) if component.startswith("{") else component, "property": prop}
        )
    return outputs


def is_wildcard(component: Any) -> bool:
    return isinstance(component, dict) and any(isinstance(v, list) for v in component.values())


VALUES: dict[tuple[str, str], Any] = {
    ("site-view", "data"): {
        "site": SITE,
        "node": None,
        "range": "1h",
        "start": None,
        "end": None,
        "refresh": 15,
    },
    ("embed-query", "data"): {"metric": METRIC, "site": SITE, "node": None, "range": "1h", "theme": "light"},
    ("_pages_location", "pathname"): "/",
    ("_pages_location", "search"): "",
}


def dependency(dep: dict[str, Any], overrides: dict[tuple[str, str], Any]) -> Any:
    component, prop = dep["id"], dep["property"]
    if isinstance(component, str) and component.startswith("{"):
        component = json.loads(component)
    if is_wildcard(component):
        return []
    key = (component if isinstance(component, str) else json.dumps(component), prop)
    value = overrides.get(key, VALUES.get(key))
    return {"id": component, "property": prop, "value": value}


def callback_body(
    app: dash.Dash, key: str, overrides: dict[tuple[str, str], Any] | None = None
) -> dict[str, Any]:
    """A request like dash-renderer's for the registered callback `key`."""
    entry = app.callback_map[key]
    given = overrides or {}
    outputs = [[] if is_wildcard(o["id"]) else o for o in split_outputs(key)]
    return {
        "output": key,
        "outputs": outputs if key.startswith("..") else outputs[0],
        "inputs": [dependency(d, given) for d in entry["inputs"]],
        "state": [dependency(d, given) for d in entry["state"]],
        "changedPropIds": [],
    }


def post_callback(
    client: FlaskClient, body: dict[str, Any], *, csrf: bool = True, headers: dict[str, str] | None = None
) -> TestResponse:
    sent = dict(headers or {})
    cookie = client.get_cookie(CSRF_COOKIE) if client._cookies is not None else None
    if csrf and cookie is not None:
        sent[CSRF_HEADER] = cookie.value
    return client.post("/_dash-update-component", json=body, headers=sent)


def server_callbacks(app: dash.Dash) -> list[str]:
    return sorted(key for key, entry in app.callback_map.items() if entry.get("callback") is not None)
