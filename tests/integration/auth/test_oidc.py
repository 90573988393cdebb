"""OIDC sign-in end to end: the console (create_app, I3PLAT_AUTH=oidc) against a real provider.

The console talks to the provider over real HTTP (discovery, JWKS, token exchange); the
browser's hops (/login/oidc → provider /authorize → /login/oidc/callback) are followed by hand.
"""

from __future__ import annotations

import logging
import socket
from collections.abc import Iterator
from urllib.parse import parse_qs, quote, urlsplit

import httpx
import pytest
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from i3plat.auth.oidc import install_oidc_flow, installed_flow
from i3plat.auth.oidc_flow import PENDING_KEY, AuthlibOidcFlow, flow_from_settings
from i3plat.auth.roles import Role
from i3plat.auth.web import AuthConfigError
from tests.integration.auth.conftest import PASSWORD, Console, build_console
from tests.support.oidc_provider import MISBEHAVIOURS, Misbehaviour, OidcTestProvider, TestUser, s256

pytestmark = pytest.mark.integration

CLIENT_ID = "i3plat-console"
CLIENT_SECRET = "s3cret:with%odd&chars"
CALLBACK = "http://localhost/login/oidc/callback"
GROUP_ROLES = {"i3plat-engineers": "engineer", "i3plat-admins": "admin"}
LEAKS = (b"signature", b"audience", b"expired", b"nonce", b"issuer", b"Traceback", b"invalid_", b"aud")
ENGINEER_ONLY = "/api/v1/sites/fab-a/series?metric=cpu.util.cluster&step=60"


@pytest.fixture(scope="module")
def provider() -> Iterator[OidcTestProvider]:
    started = OidcTestProvider.start(CLIENT_ID, CLIENT_SECRET, CALLBACK)
    yield started
    started.stop()


@pytest.fixture(scope="module")
def console(provider: OidcTestProvider, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Console]:
    built = build_console(
        tmp_path_factory.mktemp("oidc"), auth="oidc", oidc_issuer=provider.issuer,
        oidc_client_id=CLIENT_ID, oidc_client_secret=CLIENT_SECRET, auth_group_roles=GROUP_ROLES,
    )  # fmt: skip
    yield built
    flow = installed_flow(built.app.server)
    if isinstance(flow, AuthlibOidcFlow):
        flow.provider.close()
    built.ctx.close()


@pytest.fixture(autouse=True)
def default_user(provider: OidcTestProvider) -> Iterator[None]:
    provider.user = TestUser()
    yield
    provider.misbehaviour = None


def start(client: FlaskClient, provider: OidcTestProvider, next_url: str = "/") -> str:
    """/login/oidc: the redirect to the provider (checked), returned as a URL."""
    response = client.get(f"/login/oidc?next={quote(next_url, safe='')}")
    assert response.status_code == 302, response.data[:300]
    location = response.headers["Location"]
    assert location.startswith(f"{provider.issuer}/authorize?")
    return location


def authorize(location: str) -> str:
    """The browser at the provider: it auto-approves and redirects back with code and state."""
    answer = httpx.get(location, follow_redirects=False, timeout=10)
    assert answer.status_code == 302, answer.text[:300]
    back = answer.headers["location"]
    assert back.startswith(CALLBACK + "?")
    return back.removeprefix("http://localhost")


def sso_sign_in(
    console: Console, provider: OidcTestProvider, next_url: str = "/"
) -> tuple[FlaskClient, TestResponse]:
    client = console.app.server.test_client()
    callback = authorize(start(client, provider, next_url))
    return client, client.get(callback)


def last_login(console: Console) -> tuple[str, str, dict[str, object]]:
    entry = console.ctx.audit.recent(action="login")[0]
    return entry.actor, entry.outcome, entry.detail


def assert_signed_out(client: FlaskClient) -> None:
    assert client.get("/api/v1/sites").status_code == 401
    with client.session_transaction() as session:
        assert PENDING_KEY not in session and "_user_id" not in session


# ------------------------------------------------------------------ the happy path


def test_oidc_mode_installs_the_real_flow_from_settings(console: Console) -> None:
    assert isinstance(installed_flow(console.app.server), AuthlibOidcFlow)
    login = console.app.server.test_client().get("/login?next=/sites/fab-a")
    assert login.status_code == 200 and b'href="/login/oidc?next=%2Fsites%2Ffab-a"' in login.data


def test_authorization_request_uses_pkce_s256_state_and_nonce(
    console: Console, provider: OidcTestProvider
) -> None:
    client = console.app.server.test_client()
    query = parse_qs(urlsplit(start(client, provider)).query)
    with client.session_transaction() as session:
        pending = session[PENDING_KEY]
    assert query["client_id"] == [CLIENT_ID] and query["redirect_uri"] == [CALLBACK]
    assert query["response_type"] == ["code"] and "openid" in query["scope"][0].split()
    assert query["code_challenge_method"] == ["S256"]
    assert query["code_challenge"] == [s256(pending["verifier"])]
    assert query["state"] == [pending["state"]] and query["nonce"] == [pending["nonce"]]
    assert pending["verifier"] not in str(query) and len(pending["state"]) >= 32


def test_sign_in_maps_the_group_claim_to_a_role_and_audits(
    console: Console, provider: OidcTestProvider, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    client, done = sso_sign_in(console, provider, "/sites/fab-a?range=6h")
    assert done.status_code == 302 and done.headers["Location"] == "/sites/fab-a?range=6h"
    user = console.ctx.users.get("erin")
    assert user is not None and (user.role, user.source) == (Role.ENGINEER, "oidc")
    assert client.get("/api/v1/sites").status_code == 200
    assert client.get(ENGINEER_ONLY).status_code != 403  # a custom step needs engineer
    assert client.get("/admin/tokens").status_code == 403
    actor, outcome, detail = last_login(console)
    assert (actor, outcome, detail) == ("erin", "ok", {"source": "oidc", "role": "ENGINEER"})
    token = provider.issued[-1]
    assert token.split(".")[2] not in caplog.text and token.split(".")[2].encode() not in done.data


def test_the_session_gets_a_fresh_csrf_value_and_sign_out_works(
    console: Console, provider: OidcTestProvider
) -> None:
    client, done = sso_sign_in(console, provider)
    assert done.status_code == 302
    csrf = client.get_cookie("_csrf_token")
    assert csrf is not None
    out = client.post("/logout", data={"csrf_token": csrf.value})
    assert out.status_code == 302 and out.headers["Location"] == "/login"
    assert_signed_out(client)


@pytest.mark.parametrize(
    ("groups", "role"),
    [
        (["i3plat-admins", "i3plat-engineers"], Role.ADMIN),  # the highest mapped group wins
        (["staff"], Role.VIEWER),  # nothing mapped: I3PLAT_AUTH_DEFAULT_ROLE
        ([], Role.VIEWER),
        (["operator"], Role.OPERATOR),  # a role name itself is accepted too
    ],
)
def test_role_claim_mapping(
    console: Console, provider: OidcTestProvider, groups: list[str], role: Role
) -> None:
    provider.user = TestUser(
        sub=f"u-{len(groups)}-{role.name}", preferred_username=f"map-{role.name.lower()}", groups=groups
    )
    client, done = sso_sign_in(console, provider)
    assert done.status_code == 302
    user = console.ctx.users.get(f"map-{role.name.lower()}")
    assert user is not None and user.role == role
    assert (client.get("/admin/tokens").status_code == 200) == (role == Role.ADMIN)


def test_a_role_removed_at_the_provider_is_removed_at_the_next_sign_in(
    console: Console, provider: OidcTestProvider
) -> None:
    provider.user = TestUser(sub="u-77", preferred_username="demoted", groups=["i3plat-admins"])
    first, _ = sso_sign_in(console, provider)
    assert first.get("/admin/tokens").status_code == 200
    provider.user = TestUser(sub="u-77", preferred_username="demoted", groups=["staff"])
    second, _ = sso_sign_in(console, provider)
    assert second.get("/admin/tokens").status_code == 403
    assert first.get("/api/v1/sites").status_code == 401  # the old admin session ended


def test_next_goes_only_to_local_paths(console: Console, provider: OidcTestProvider) -> None:
    for evil in ("https://evil.example/", "//evil.example/x", "/\\evil.example"):
        _, done = sso_sign_in(console, provider, evil)
        assert done.status_code == 302 and done.headers["Location"] == "/"


def test_jwks_is_cached_and_refetched_for_a_rotated_key(console: Console, provider: OidcTestProvider) -> None:
    sso_sign_in(console, provider)  # warm the caches
    before = provider.hits["jwks"], provider.hits["openid-configuration"]
    _, done = sso_sign_in(console, provider)
    assert done.status_code == 302
    assert (provider.hits["jwks"], provider.hits["openid-configuration"]) == before
    flow = installed_flow(console.app.server)
    assert isinstance(flow, AuthlibOidcFlow)
    flow.provider._keys_at -= 120  # the last fetch is now older than the refetch floor
    provider.rotate_key()
    _, done = sso_sign_in(console, provider)
    assert done.status_code == 302 and provider.hits["jwks"] == before[0] + 1


# ------------------------------------------------------------------ refusals


@pytest.mark.parametrize("how", MISBEHAVIOURS)
def test_a_misbehaving_provider_is_refused(
    console: Console, provider: OidcTestProvider, how: Misbehaviour, caplog: pytest.LogCaptureFixture
) -> None:
    provider.user = TestUser(
        sub="u-bad", preferred_username=f"bad-{how.replace('_', '-')}", groups=["i3plat-admins"]
    )
    with provider.misbehaving(how):
        client, done = sso_sign_in(console, provider)
    assert done.status_code == 401
    assert not any(word in done.data for word in LEAKS), done.data
    assert console.ctx.users.get(provider.user.preferred_username) is None
    assert_signed_out(client)
    actor, outcome, detail = last_login(console)
    assert (actor, outcome, detail["source"]) == ("-", "failed", "oidc")
    reason = str(detail["reason"])
    expected = {
        "tampered": "bad_signature", "foreign_key": "bad_signature", "alg_none": "ID token refused",
        "wrong_audience": "'aud'", "wrong_issuer": "'iss'", "wrong_nonce": "'nonce'",
        "expired": "expired_token", "stale": "issued",
    }[how]  # fmt: skip
    assert expected in reason, reason
    assert provider.issued[-1] not in caplog.text and provider.issued[-1].split(".")[1] not in reason


def test_state_mismatch_is_refused_before_any_code_exchange(
    console: Console, provider: OidcTestProvider
) -> None:
    client = console.app.server.test_client()
    callback = authorize(start(client, provider))
    forged = callback.replace("state=", "state=x")
    tokens_before = provider.hits["token"]
    done = client.get(forged)
    assert done.status_code == 401 and provider.hits["token"] == tokens_before
    assert "state" in str(last_login(console)[2]["reason"])
    assert_signed_out(client)
    assert client.get(callback).status_code == 401  # the pending sign-in was used up


def test_callback_without_code_or_without_pending_sign_in_is_refused(
    console: Console, provider: OidcTestProvider
) -> None:
    client = console.app.server.test_client()
    start(client, provider)
    with client.session_transaction() as session:
        state = session[PENDING_KEY]["state"]
    assert client.get(f"/login/oidc/callback?state={state}").status_code == 401
    assert "code" in str(last_login(console)[2]["reason"])
    stranger = console.app.server.test_client()  # a callback this browser never asked for
    callback = authorize(start(console.app.server.test_client(), provider))
    assert stranger.get(callback).status_code == 401
    assert "pending" in str(last_login(console)[2]["reason"])
    assert_signed_out(stranger)


def test_provider_error_and_replayed_callback_are_refused(
    console: Console, provider: OidcTestProvider
) -> None:
    client = console.app.server.test_client()
    start(client, provider)
    with client.session_transaction() as session:
        state = session[PENDING_KEY]["state"]
    assert client.get(f"/login/oidc/callback?error=access_denied&state={state}").status_code == 401
    assert "access_denied" in str(last_login(console)[2]["reason"])
    replay = console.app.server.test_client()
    callback = authorize(start(replay, provider))
    assert replay.get(callback).status_code == 302
    assert replay.get(callback).status_code == 401  # the same code and state a second time
    assert "pending" in str(last_login(console)[2]["reason"])


def test_an_sso_name_cannot_take_over_a_local_user(console: Console, provider: OidcTestProvider) -> None:
    console.ctx.users.create("root-admin", Role.ADMIN, PASSWORD)
    provider.user = TestUser(sub="u-evil", preferred_username="root-admin", groups=["staff"])
    client, done = sso_sign_in(console, provider)
    assert done.status_code == 401
    local = console.ctx.users.get("root-admin")
    assert local is not None and (local.source, local.role) == ("local", Role.ADMIN)
    assert_signed_out(client)
    assert last_login(console)[:2] == ("root-admin", "failed")


def test_a_disabled_user_is_refused_with_a_clear_page(console: Console, provider: OidcTestProvider) -> None:
    provider.user = TestUser(sub="u-leaver", preferred_username="leaver", groups=["i3plat-engineers"])
    first, done = sso_sign_in(console, provider)
    assert done.status_code == 302 and first.get("/api/v1/sites").status_code == 200
    console.ctx.users.disable("leaver")
    assert first.get("/api/v1/sites").status_code == 401, "disabling ends the SSO session at once"
    client, refused = sso_sign_in(console, provider)
    assert refused.status_code == 403
    assert "账号（leaver）已停用" in refused.get_data(as_text=True)  # zh_CN is the default language
    assert_signed_out(client)
    assert last_login(console) == ("leaver", "refused", {"source": "oidc", "reason": "disabled"})
    console.ctx.users.enable("leaver")
    again, done = sso_sign_in(console, provider)
    assert done.status_code == 302 and again.get("/api/v1/sites").status_code == 200


def test_provider_enforces_pkce(provider: OidcTestProvider) -> None:
    """The test provider is honest: a wrong code_verifier gets no tokens."""
    location = (
        f"{provider.issuer}/authorize?response_type=code&client_id={CLIENT_ID}&scope=openid"
        f"&redirect_uri={quote(CALLBACK, safe='')}&state=s&nonce=n&code_challenge={s256('right')}"
        "&code_challenge_method=S256"
    )
    code = parse_qs(urlsplit(authorize(location)).query)["code"][0]
    answer = httpx.post(
        f"{provider.issuer}/token", auth=(CLIENT_ID, CLIENT_SECRET), timeout=10,
        data={"grant_type": "authorization_code", "code": code, "redirect_uri": CALLBACK,
              "code_verifier": "wrong"},
    )  # fmt: skip
    assert answer.status_code == 400 and answer.json()["error"] == "invalid_grant"


def test_an_unreachable_provider_fails_within_the_timeout(
    console: Console, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """A provider that accepts connections but never answers: bounded by the flow's timeout."""
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        port = silent.getsockname()[1]
        stuck = build_console(
            tmp_path_factory.mktemp("oidc-stuck"), auth="oidc", oidc_issuer=f"http://127.0.0.1:{port}",
            oidc_client_id=CLIENT_ID,
        )  # fmt: skip
        flow = flow_from_settings(stuck.ctx.settings, timeout=0.5)
        install_oidc_flow(stuck.app.server, flow)
        try:
            response = stuck.app.server.test_client().get("/login/oidc")
        finally:
            flow.provider.close()
            stuck.ctx.close()
    assert response.status_code == 503
    assert b"Traceback" not in response.data and b"Timeout" not in response.data


# ------------------------------------------------------------------ configuration


def test_redirect_uri_believes_forwarded_headers_only_from_trusted_proxies(
    console: Console, provider: OidcTestProvider, tmp_path_factory: pytest.TempPathFactory
) -> None:
    forwarded = {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "i3plat.example.com"}
    untrusted = console.app.server.test_client().get("/login/oidc", headers=forwarded)
    assert parse_qs(urlsplit(untrusted.headers["Location"]).query)["redirect_uri"] == [CALLBACK]
    behind_proxy = build_console(
        tmp_path_factory.mktemp("oidc-proxy"), auth="oidc", oidc_issuer=provider.issuer,
        oidc_client_id=CLIENT_ID, trusted_proxies="127.0.0.1/32",
    )  # fmt: skip
    try:
        response = behind_proxy.app.server.test_client().get("/login/oidc", headers=forwarded)
        query = parse_qs(urlsplit(response.headers["Location"]).query)
        assert query["redirect_uri"] == ["https://i3plat.example.com/login/oidc/callback"]
        garbled = {**forwarded, "X-Forwarded-Host": "evil.example/path?x"}
        response = behind_proxy.app.server.test_client().get("/login/oidc", headers=garbled)
        query = parse_qs(urlsplit(response.headers["Location"]).query)
        assert query["redirect_uri"] == ["https://localhost/login/oidc/callback"]
    finally:
        flow = installed_flow(behind_proxy.app.server)
        if isinstance(flow, AuthlibOidcFlow):
            flow.provider.close()
        behind_proxy.ctx.close()


@pytest.mark.parametrize(
    "issuer", ["http://sso.example.com/realms/corp", "https://sso.example.com/?x=1", "sso"]
)
def test_an_insecure_or_malformed_issuer_is_refused_at_start(
    issuer: str, tmp_path_factory: pytest.TempPathFactory
) -> None:
    with pytest.raises(AuthConfigError, match="I3PLAT_OIDC_ISSUER"):
        build_console(
            tmp_path_factory.mktemp("oidc-bad"), auth="oidc", oidc_issuer=issuer, oidc_client_id=CLIENT_ID
        )
