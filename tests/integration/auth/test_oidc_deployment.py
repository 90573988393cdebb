"""OIDC in a company deployment: an IdP behind an internal CA (`oidc_ca_bundle`) and a console
behind a reverse proxy, maybe under a path prefix (`public_url`).

Real components: the console (create_app, I3PLAT_AUTH=oidc) talks to the test IdP over real
HTTPS with a certificate from a CA the test generates (tests/support/pki.py).
"""

from __future__ import annotations

import logging
import shutil
import ssl
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from flask.testing import FlaskClient

from i3plat.auth.oidc import OIDC_FLOW_EXTENSION
from i3plat.auth.oidc_flow import PENDING_KEY, AuthlibOidcFlow
from i3plat.auth.roles import Role
from tests.integration.auth.conftest import Console, build_console
from tests.support.oidc_provider import OidcTestProvider
from tests.support.pki import Pki, make_pki

pytestmark = pytest.mark.integration

CLIENT_ID = "i3plat-console"
CLIENT_SECRET = "company-secret"
CALLBACK = "http://localhost/login/oidc/callback"
PUBLIC_URL = "https://console.factory.example/console/"
PUBLIC_CALLBACK = "https://console.factory.example/console/login/oidc/callback"
GROUP_ROLES = {"i3plat-engineers": "engineer"}


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Pki:
    return make_pki(tmp_path_factory.mktemp("oidc-pki"))


@pytest.fixture(scope="module")
def tls_provider(pki: Pki) -> Iterator[OidcTestProvider]:
    started = OidcTestProvider.start(
        CLIENT_ID, CLIENT_SECRET, CALLBACK, tls=(pki.server_cert, pki.server_key)
    )
    yield started
    started.stop()


@pytest.fixture(scope="module")
def public_provider() -> Iterator[OidcTestProvider]:
    """Registered with the public callback only, as a company IdP would be."""
    started = OidcTestProvider.start(CLIENT_ID, CLIENT_SECRET, PUBLIC_CALLBACK)
    yield started
    started.stop()


def close(console: Console) -> None:
    flow = console.app.server.extensions.get(OIDC_FLOW_EXTENSION)  # never build one just to close it
    if isinstance(flow, AuthlibOidcFlow):
        flow.provider.close()
    console.ctx.close()


def oidc_console(tmp: Path, issuer: str, **settings: Any) -> Console:
    return build_console(
        tmp, auth="oidc", oidc_issuer=issuer, oidc_client_id=CLIENT_ID, oidc_client_secret=CLIENT_SECRET,
        auth_group_roles=GROUP_ROLES, **settings,
    )  # fmt: skip


@pytest.fixture(scope="module")
def trusting(
    tls_provider: OidcTestProvider, pki: Pki, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Console]:
    built = oidc_console(tmp_path_factory.mktemp("oidc-ca"), tls_provider.issuer, oidc_ca_bundle=pki.ca_file)
    yield built
    close(built)


@pytest.fixture(scope="module")
def behind_proxy(
    public_provider: OidcTestProvider, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Console]:
    built = oidc_console(
        tmp_path_factory.mktemp("oidc-public"), public_provider.issuer, public_url=PUBLIC_URL,
        trusted_proxies="127.0.0.1/32",
    )  # fmt: skip
    yield built
    close(built)


def redirect_uri_of(location: str) -> str:
    return parse_qs(urlsplit(location).query)["redirect_uri"][0]


def browser_at_provider(location: str, verify: ssl.SSLContext | bool = True) -> str:
    """The IdP auto-approves: the URL it sends the browser back to."""
    answer = httpx.get(location, follow_redirects=False, timeout=10, verify=verify)
    assert answer.status_code == 302, answer.text[:300]
    return answer.headers["location"]


def last_login_reason(console: Console) -> tuple[str, str]:
    entry = console.ctx.audit.recent(action="login")[0]
    return entry.outcome, str(entry.detail.get("reason", ""))


# ------------------------------------------------------------------ an IdP behind an internal CA


def test_sign_in_against_an_https_idp_with_the_ca_bundle(
    trusting: Console, tls_provider: OidcTestProvider, pki: Pki
) -> None:
    assert tls_provider.issuer.startswith("https://127.0.0.1:")
    before = tls_provider.hits["openid-configuration"], tls_provider.hits["jwks"], tls_provider.hits["token"]
    client = trusting.app.server.test_client()
    begin = client.get("/login/oidc?next=/sites/fab-a")
    assert begin.status_code == 302, begin.data[:300]
    location = begin.headers["Location"]
    assert location.startswith(f"{tls_provider.issuer}/authorize?")
    back = browser_at_provider(location, verify=ssl.create_default_context(cafile=pki.ca_file))
    assert back.startswith(CALLBACK + "?")
    done = client.get(back.removeprefix("http://localhost"))
    assert done.status_code == 302 and done.headers["Location"] == "/sites/fab-a"
    user = trusting.ctx.users.get("erin")
    assert user is not None and (user.role, user.source) == (Role.ENGINEER, "oidc")
    assert client.get("/api/v1/sites").status_code == 200
    after = tls_provider.hits["openid-configuration"], tls_provider.hits["jwks"], tls_provider.hits["token"]
    assert after == (before[0] + 1, before[1] + 1, before[2] + 1)  # discovery, JWKS, token: all over TLS


@pytest.mark.parametrize("bundle", ["none", "other_ca"])
def test_an_untrusted_idp_certificate_fails_sign_in_clearly(
    bundle: str, tls_provider: OidcTestProvider, pki: Pki, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """Start-up does not contact the IdP; the sign-in gets a 503 page and the audit says why."""
    extra = {"oidc_ca_bundle": pki.other_ca_file} if bundle == "other_ca" else {}
    console = oidc_console(tmp_path_factory.mktemp("oidc-untrusted"), tls_provider.issuer, **extra)
    discoveries = tls_provider.hits["openid-configuration"]
    try:
        began = time.monotonic()
        response = console.app.server.test_client().get("/login/oidc")
        elapsed = time.monotonic() - began
    finally:
        close(console)
    assert response.status_code == 503
    assert b"Traceback" not in response.data and b"CERTIFICATE" not in response.data
    assert "login-form" in response.get_data(as_text=True)  # the sign-in page, with its message
    assert elapsed < 5, f"an untrusted certificate took {elapsed:.1f} s to refuse"
    outcome, reason = last_login_reason(console)
    assert outcome == "failed"
    assert "not trusted" in reason and "I3PLAT_OIDC_CA_BUNDLE" in reason, reason
    assert tls_provider.hits["openid-configuration"] == discoveries  # no HTTP request got through


def test_a_ca_bundle_removed_after_start_fails_sign_in_clearly(
    tls_provider: OidcTestProvider, pki: Pki, tmp_path: Path
) -> None:
    bundle = tmp_path / "ca.pem"
    shutil.copyfile(pki.ca_file, bundle)
    console = oidc_console(tmp_path / "data", tls_provider.issuer, oidc_ca_bundle=bundle)
    try:
        bundle.unlink()
        client = console.app.server.test_client()
        begin = client.get("/login/oidc")
        callback = client.get("/login/oidc/callback?state=x&code=y")
    finally:
        close(console)
    assert (begin.status_code, callback.status_code) == (503, 503)
    assert b"Traceback" not in begin.data
    outcome, reason = last_login_reason(console)
    assert outcome == "failed" and "I3PLAT_OIDC_CA_BUNDLE" in reason and "cannot be loaded" in reason


# ------------------------------------------------------------------ behind a reverse proxy

UNTRUSTED_PEER = {"REMOTE_ADDR": "10.9.9.9"}
FORWARDED = {"X-Forwarded-Proto": "http", "X-Forwarded-Host": "evil.example"}


@pytest.mark.parametrize(
    ("base_url", "headers", "environ"),
    [
        ("http://localhost", {}, {}),  # a proxy that strips /console and sends no X-Forwarded-*
        ("http://10.0.0.5:8050", FORWARDED, {}),  # a trusted proxy that forwards another host
        ("https://evil.example", FORWARDED, UNTRUSTED_PEER),  # forged headers from anyone
        ("http://10.0.0.5:8050/console", FORWARDED, {}),  # mounted under SCRIPT_NAME=/console
    ],
    ids=["no-forwarded-headers", "trusted-forwarded", "untrusted-forwarded", "script-name"],
)
def test_public_url_fixes_the_redirect_uri_for_the_whole_flow(
    behind_proxy: Console,
    public_provider: OidcTestProvider,
    base_url: str,
    headers: dict[str, str],
    environ: dict[str, str],
) -> None:
    client = behind_proxy.app.server.test_client()
    client.environ_base.update(environ)
    begin = client.get("/login/oidc?next=/sites/fab-a", base_url=base_url, headers=headers)
    assert begin.status_code == 302, begin.data[:300]
    assert redirect_uri_of(begin.headers["Location"]) == PUBLIC_CALLBACK
    with client.session_transaction(base_url=base_url) as session:
        assert session[PENDING_KEY]["redirect_uri"] == PUBLIC_CALLBACK
    back = browser_at_provider(begin.headers["Location"])  # the IdP refuses any other redirect_uri
    assert back.startswith(PUBLIC_CALLBACK + "?")
    # the proxy maps the public prefix to the console's root (stripped, or kept as SCRIPT_NAME)
    done = client.get(back.removeprefix(PUBLIC_URL.rstrip("/")), base_url=base_url, headers=headers)
    assert done.status_code == 302 and done.headers["Location"] == "/sites/fab-a", done.data[:300]
    assert public_provider.token_redirects[-1] == PUBLIC_CALLBACK  # the token exchange used the same one
    assert client.get("/api/v1/sites", base_url=base_url).status_code == 200


def test_a_public_url_without_the_mount_path_is_logged(
    behind_proxy: Console, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="i3plat.auth.oidc")
    client = behind_proxy.app.server.test_client()
    client.get("/login/oidc", base_url="http://10.0.0.5:8050/console")
    assert not [r for r in caplog.records if "mount path" in r.getMessage()]
    response = client.get("/login/oidc", base_url="http://10.0.0.5:8050/elsewhere")
    assert redirect_uri_of(response.headers["Location"]) == PUBLIC_CALLBACK  # still the configured one
    assert any("/elsewhere" in r.getMessage() for r in caplog.records if "mount path" in r.getMessage())


def test_without_public_url_the_callback_keeps_the_mount_path(
    public_provider: OidcTestProvider, tmp_path: Path
) -> None:
    console = oidc_console(tmp_path, public_provider.issuer)
    try:
        client: FlaskClient = console.app.server.test_client()
        mounted = client.get("/login/oidc", base_url="http://localhost:8050/console")
        plain = client.get("/login/oidc", base_url="http://localhost:8050")
    finally:
        close(console)
    assert redirect_uri_of(mounted.headers["Location"]) == "http://localhost:8050/console/login/oidc/callback"
    assert redirect_uri_of(plain.headers["Location"]) == "http://localhost:8050/login/oidc/callback"
