"""Sign-in, CSRF, rate limits, tokens, header mode and security headers on a real app."""

from __future__ import annotations

import dataclasses
import re
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from i3plat.auth.csrf import CSRF_COOKIE, CSRF_HEADER
from i3plat.auth.install import SESSION_COOKIE
from i3plat.auth.principal import TokenScope
from i3plat.auth.roles import Role
from i3plat.serving import ServeError, check_bind
from i3plat.settings import Settings
from tests.integration.auth.conftest import (
    METRIC,
    PASSWORD,
    SITE,
    Console,
    build_console,
    callback_body,
    csrf_of,
    post_callback,
    server_callbacks,
    sign_in,
    token_client,
)

pytestmark = pytest.mark.integration


def vera(console: Console) -> str:
    return console.tokens["vera"]


LEAKS = (b"signature", b"expired", b"revoked", b"Traceback", b"BadSignature", b"not known")


@pytest.fixture(scope="module")
def shared(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Console]:
    console = build_console(tmp_path_factory.mktemp("flows"))
    yield console
    console.ctx.close()


@pytest.fixture
def fresh(shared: Console, request: pytest.FixtureRequest) -> Iterator[Console]:
    """The shared app with a viewer "vera" of this test's own (a fresh rate-limit key)."""
    name = "vera-" + re.sub(r"[^a-z0-9]", "", request.node.name.lower())[:40]
    shared.ctx.users.create(name, Role.VIEWER, PASSWORD)
    shared.ctx.tokens.clock = time.time
    yield dataclasses.replace(shared, tokens={"vera": name})


def test_sign_in_sets_hardened_cookies_and_audits(fresh: Console) -> None:
    client = fresh.app.server.test_client()
    response = sign_in(client, vera(fresh))
    assert response.status_code == 302 and response.headers["Location"] == "/"
    cookies = "\n".join(response.headers.getlist("Set-Cookie"))
    session_line = next(
        line for line in response.headers.getlist("Set-Cookie") if line.startswith(SESSION_COOKIE)
    )
    assert "HttpOnly" in session_line and "SameSite=Lax" in session_line
    csrf_line = next(line for line in response.headers.getlist("Set-Cookie") if line.startswith(CSRF_COOKIE))
    assert "SameSite=Strict" in csrf_line and "HttpOnly" not in csrf_line
    assert PASSWORD not in cookies
    assert client.get("/").status_code == 200
    entry = fresh.ctx.audit.recent(action="login")[0]
    assert (entry.actor, entry.outcome, entry.address) == (vera(fresh), "ok", "127.0.0.1")


def test_cookies_are_secure_by_default(tmp_path: Path) -> None:
    console = build_console(tmp_path, cookie_secure=True)
    console.ctx.users.create("vera", Role.VIEWER, PASSWORD)
    client = console.app.server.test_client()
    response = client.get("/login", base_url="https://localhost")
    assert all("Secure" in line for line in response.headers.getlist("Set-Cookie"))


def test_wrong_passwords_are_refused_logged_and_rate_limited(fresh: Console) -> None:
    client = fresh.app.server.test_client()
    statuses = [sign_in(client, vera(fresh), "wrong password!").status_code for _ in range(6)]
    assert statuses == [401, 401, 401, 401, 401, 429]
    assert sign_in(client, vera(fresh)).status_code == 429, "the right password waits too"
    other = fresh.app.server.test_client()
    other.environ_base["REMOTE_ADDR"] = "127.0.0.2"
    assert sign_in(other, vera(fresh)).status_code == 302, "the limit is per user and address"
    outcomes = [e.outcome for e in fresh.ctx.audit.recent(action="login") if e.actor == vera(fresh)]
    assert outcomes.count("failed") == 5 and "rate_limited" in outcomes
    page = sign_in(client, "nobody", "whatever password").data
    assert b"nobody" in page or b"429" not in page  # re-shows the name, never the password
    assert b"whatever password" not in page


def test_login_without_the_csrf_field_fails(fresh: Console) -> None:
    client = fresh.app.server.test_client()
    client.get("/login")
    response = client.post("/login", data={"username": vera(fresh), "password": PASSWORD})
    assert response.status_code == 403
    assert client.get("/").status_code == 302


def test_callbacks_need_the_csrf_header_for_sessions_but_not_tokens(fresh: Console) -> None:
    client = fresh.app.server.test_client()
    sign_in(client, vera(fresh))
    key = next(k for k in server_callbacks(fresh.app) if "overview-grid.children" in k)
    body = callback_body(fresh.app, key)
    assert post_callback(client, body, csrf=False).status_code == 403
    assert post_callback(client, body, csrf=False, headers={CSRF_HEADER: "forged"}).status_code == 403
    assert post_callback(client, body).status_code == 200
    token, _ = fresh.ctx.tokens.issue(TokenScope("kiosk"), 3600, "admin")
    assert post_callback(token_client(fresh, token), body, csrf=False).status_code == 200


def test_sign_out_is_a_post_with_csrf(fresh: Console) -> None:
    client = fresh.app.server.test_client()
    sign_in(client, vera(fresh))
    assert client.get("/logout").status_code in (404, 405)
    assert client.post("/logout").status_code == 403
    response = client.post("/logout", data={"csrf_token": csrf_of(client)})
    assert response.status_code == 302 and response.headers["Location"] == "/login"
    assert client.get("/").status_code == 302


def test_role_changes_end_sessions(fresh: Console) -> None:
    client = fresh.app.server.test_client()
    sign_in(client, vera(fresh))
    assert client.get(f"/sites/{SITE}/logs").status_code == 403
    fresh.ctx.users.set_role(vera(fresh), Role.ENGINEER)
    assert client.get(f"/sites/{SITE}/logs").status_code == 302, "the old session is gone"
    sign_in(client, vera(fresh))
    assert client.get(f"/sites/{SITE}/logs").status_code == 200


def test_open_redirects_are_refused(fresh: Console) -> None:
    client = fresh.app.server.test_client()
    client.get("/login")
    for target in ("//evil.example", "https://evil.example/", "/\\evil.example"):
        response = client.post(
            "/login",
            data={
                "username": vera(fresh),
                "password": PASSWORD,
                "csrf_token": csrf_of(client),
                "next": target,
            },
        )
        assert response.headers["Location"] == "/", target


@pytest.mark.parametrize("kind", ["tampered", "expired", "revoked", "garbage", "other-key"])
def test_bad_tokens_get_401_without_detail(fresh: Console, kind: str) -> None:
    token, info = fresh.ctx.tokens.issue(TokenScope("kiosk"), 3600, "admin")
    if kind == "tampered":
        token = token[:-3] + ("aaa" if not token.endswith("aaa") else "bbb")
    elif kind == "expired":
        fresh.ctx.tokens.clock = lambda: info.expires_at + 1
    elif kind == "revoked":
        fresh.ctx.tokens.revoke(info.id, "admin")
    elif kind == "garbage":
        token = "%%%not-a-token%%%"
    else:
        from i3plat.auth.tokens import TokenService

        token, _ = TokenService(fresh.ctx.db, b"x" * 40).issue(TokenScope("kiosk"), 3600, "mallory")
    page = fresh.app.server.test_client().get(f"/?kiosk=1&token={token}")
    assert page.status_code == 401 and not any(leak in page.data for leak in LEAKS)
    api = token_client(fresh, token).get("/api/v1/sites")
    assert api.status_code == 401 and not any(leak in api.data for leak in LEAKS)
    layout = token_client(fresh, token).get("/_dash-layout")
    assert layout.status_code == 401


def test_a_valid_kiosk_link_works_without_cookies_and_is_audited(fresh: Console) -> None:
    token, info = fresh.ctx.tokens.issue(TokenScope("kiosk"), 3600, "admin")
    client = fresh.app.server.test_client(use_cookies=False)
    assert client.get(f"/?kiosk=1&token={token}").status_code == 200
    assert client.get(f"/sites/{SITE}?kiosk=1&token={token}").status_code == 200
    assert client.get(f"/sites/{SITE}/logs?token={token}").status_code == 403
    assert client.get(f"/api/v1/sites?token={token}").status_code == 403
    uses = [e for e in fresh.ctx.audit.recent(action="token.use") if e.detail.get("token_id") == info.id]
    assert len(uses) == 1 and uses[0].detail["token_id"] == info.id
    assert token not in str(uses[0])


def test_header_mode_trusts_only_configured_proxies(tmp_path: Path) -> None:
    console = build_console(
        tmp_path,
        auth="header",
        trusted_proxies=("10.0.0.0/24",),
        auth_role_header="X-Groups",
        auth_group_roles={"i3-eng": "engineer"},
    )
    trusted = console.app.server.test_client()
    trusted.environ_base["REMOTE_ADDR"] = "10.0.0.2"
    assert trusted.get("/", headers={"X-Forwarded-User": "vera"}).status_code == 200
    assert trusted.get(f"/sites/{SITE}/logs", headers={"X-Forwarded-User": "vera"}).status_code == 403
    engineer = {"X-Forwarded-User": "erik", "X-Groups": "staff,i3-eng"}
    assert trusted.get(f"/sites/{SITE}/logs", headers=engineer).status_code == 200
    assert trusted.get("/", headers={"X-Forwarded-User": "../../etc"}).status_code == 401
    assert trusted.get("/").status_code == 401
    outsider = console.app.server.test_client()
    outsider.environ_base["REMOTE_ADDR"] = "192.0.2.7"
    response = outsider.get("/", headers={"X-Forwarded-User": "admin", "X-Groups": "admin"})
    assert response.status_code == 401
    assert outsider.get("/api/v1/sites", headers={"X-Forwarded-User": "admin"}).status_code == 401


def test_header_mode_needs_trusted_proxies(tmp_path: Path) -> None:
    from i3plat.auth.web import AuthConfigError

    with pytest.raises(AuthConfigError, match="I3PLAT_TRUSTED_PROXIES"):
        build_console(tmp_path, auth="header")


def test_off_mode_refuses_a_public_bind_and_shows_a_banner(tmp_path: Path) -> None:
    with pytest.raises(ServeError, match="loopback"):
        check_bind(Settings(data_dir=tmp_path, auth="off"), "0.0.0.0")
    console = build_console(tmp_path, auth="off")
    layout = console.app.server.test_client().get("/_dash-layout")
    assert layout.status_code == 200 and b"auth-off-banner" in layout.data


def test_metrics_can_require_a_bearer_token(tmp_path: Path) -> None:
    console = build_console(tmp_path, metrics_token="s3cret-scrape-token-123")
    client = console.app.server.test_client()
    assert client.get("/metrics").status_code == 401
    assert client.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 401
    assert (
        client.get("/metrics", headers={"Authorization": "Bearer s3cret-scrape-token-123"}).status_code == 200
    )


def test_security_headers_on_every_kind_of_response(fresh: Console) -> None:
    client = fresh.app.server.test_client()
    sign_in(client, vera(fresh))
    key = next(k for k in server_callbacks(fresh.app) if "overview-grid.children" in k)
    responses = {
        "page": client.get("/"),
        "embed": client.get(f"/embed/{METRIC}?site={SITE}"),
        "login": client.get("/login"),
        "refused page": client.get(f"/sites/{SITE}/logs"),
        "not found": client.get("/nope/nope"),
        "api": client.get("/api/v1/sites"),
        "api error": client.get("/api/v1/nope"),
        "asset": client.get("/assets/app.css"),
        "layout": client.get("/_dash-layout"),
        "callback": post_callback(client, callback_body(fresh.app, key)),
        "csrf refusal": post_callback(client, callback_body(fresh.app, key), csrf=False),
        "health": client.get("/healthz"),
        "metrics": client.get("/metrics"),
        "anonymous": fresh.app.server.test_client().get("/"),
    }
    for name, response in responses.items():
        policy = response.headers.get("Content-Security-Policy", "")
        assert "frame-ancestors 'none'" in policy or name == "embed", name
        assert "script-src 'self'" in policy and "object-src 'none'" in policy, name
        assert response.headers["X-Content-Type-Options"] == "nosniff", name
        assert response.headers["Referrer-Policy"] == "same-origin", name
        assert PASSWORD.encode() not in response.data


def test_admins_create_and_revoke_tokens_in_the_ui(fresh: Console) -> None:
    fresh.ctx.users.create("ada-ui", Role.ADMIN, PASSWORD)
    client = fresh.app.server.test_client()
    sign_in(client, "ada-ui")
    assert client.get("/admin/tokens").status_code == 200
    key = next(k for k in server_callbacks(fresh.app) if "token-created.children" in k)
    states = {
        ("token-kind", "value"): "embed",
        ("token-metric", "value"): METRIC,
        ("token-site", "value"): SITE,
        ("token-range", "value"): "24h",
        ("token-lifetime", "value"): "30d",
        ("token-note", "value"): "portal",
        ("token-create", "n_clicks"): 1,
    }
    body = callback_body(fresh.app, key, states)
    body["changedPropIds"] = ["token-create.n_clicks"]
    response = post_callback(client, body)
    assert response.status_code == 200
    link = re.search(
        r"/embed/cpu\.util\.cluster\?site=fab-a&token=([\w.\-]+)",
        response.get_data(as_text=True).replace("\\u002f", "/"),
    )
    assert link is not None, response.get_data(as_text=True)[:600]
    created = fresh.ctx.tokens.verify(link.group(1))
    assert created.scope == TokenScope("embed", METRIC, SITE, None, 86_400) and created.created_by == "ada-ui"
    actions = [(e.action, e.actor) for e in fresh.ctx.audit.recent() if e.actor == "ada-ui"]
    assert ("token.create", "ada-ui") in actions and ("callback", "ada-ui") in actions
    viewer = fresh.app.server.test_client()
    sign_in(viewer, vera(fresh))
    assert post_callback(viewer, body).status_code == 403
    assert link.group(1) not in str(fresh.ctx.audit.recent())
