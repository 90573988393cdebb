"""The real `OidcFlow`: authorization code + PKCE (S256) + nonce, pending state in the session.

`begin` keeps state, nonce, the PKCE verifier and the local `next` path in the signed session
cookie (single use, ten minutes) and sends the browser to the provider; `complete` checks the
provider's redirect against them, exchanges the code and verifies the ID token
(`oidc_client`). Built from the settings the first time `I3PLAT_AUTH=oidc` needs it
(`auth.oidc.installed_flow`), so a provider that is down does not stop the console starting.
"""

from __future__ import annotations

import hmac
import logging
import re
import time
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import urlsplit

import flask
import httpx
from authlib.common.security import generate_token  # type: ignore[import-untyped]
from werkzeug.wrappers import Response as WResponse

from i3plat.auth.enforce import safe_next
from i3plat.auth.oidc import OidcError, OidcIdentity
from i3plat.auth.oidc_client import DEFAULT_TIMEOUT, OidcProvider, authorization_url, tls_verification
from i3plat.auth.policy import OIDC_CALLBACK_PATH
from i3plat.auth.proxy import is_trusted, peer_address
from i3plat.auth.users import InvalidUserName, check_user_name
from i3plat.auth.web import auth_context
from i3plat.settings import Settings

PENDING_KEY = "i3plat_oidc"
PENDING_TTL = 600.0
USERNAME_CLAIMS = ("preferred_username", "email", "sub")
FORWARDED_HOST = re.compile(r"[A-Za-z0-9.-]{1,253}(:\d{1,5})?|\[[0-9A-Fa-f:.]+\](:\d{1,5})?")
SCRIPT_ROOT = re.compile(r"(/[A-Za-z0-9._~-]+)*")
log = logging.getLogger("i3plat.auth.oidc")


def username_from_claims(claims: Mapping[str, Any]) -> str:
    """The first of preferred_username, email, sub that is a valid console user name."""
    for name in USERNAME_CLAIMS:
        value = claims.get(name)
        if isinstance(value, str) and value:
            try:
                return check_user_name(value)
            except InvalidUserName:
                continue
    raise OidcError("ID token names no usable user (preferred_username, email, sub)")


def callback_from_base(base_url: str) -> str:
    """The callback under a base URL; a path prefix (`https://host/console/`) is kept."""
    return base_url.rstrip("/") + OIDC_CALLBACK_PATH


def callback_url() -> str:
    """Where the provider sends the browser back; register exactly this at the provider.

    `I3PLAT_PUBLIC_URL` when set: no request header can change it. Otherwise it is built from
    the request; behind a TLS-terminating proxy the request is plain http, so
    `X-Forwarded-Proto` and `X-Forwarded-Host` are believed from `I3PLAT_TRUSTED_PROXIES` only.
    A WSGI `SCRIPT_NAME` (the console mounted under a path) is where Flask serves the route,
    so it is part of the fallback URL; a public URL should end in the same prefix.
    """
    request = flask.request
    settings = auth_context().settings
    script_root = request.script_root if SCRIPT_ROOT.fullmatch(request.script_root) else ""
    if settings.public_url:
        if script_root and not urlsplit(settings.public_url).path.rstrip("/").endswith(script_root):
            log.warning(
                "I3PLAT_PUBLIC_URL %s does not end in the mount path %s the console is served under",
                settings.public_url, script_root,
            )  # fmt: skip
        return callback_from_base(settings.public_url)
    scheme, host = request.scheme, request.host
    if is_trusted(peer_address(request.environ), settings.trusted_proxies):
        proto = (request.headers.get("X-Forwarded-Proto") or "").split(",")[0].strip().lower()
        forwarded_host = (request.headers.get("X-Forwarded-Host") or "").split(",")[0].strip()
        scheme = proto if proto in ("http", "https") else scheme
        host = forwarded_host if FORWARDED_HOST.fullmatch(forwarded_host) else host
    return f"{scheme}://{host}{script_root}{OIDC_CALLBACK_PATH}"


def same_secret(given: str | None, expected: Any) -> bool:
    return isinstance(given, str) and isinstance(expected, str) and hmac.compare_digest(given, expected)


class AuthlibOidcFlow:
    """`OidcFlow` over `OidcProvider`; one per Flask app, safe to share between threads."""

    def __init__(
        self,
        provider: OidcProvider,
        scopes: tuple[str, ...],
        *,
        redirect_uri: Callable[[], str] = callback_url,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.provider = provider
        self.scopes = scopes
        self.redirect_uri = redirect_uri
        self.clock = clock

    def begin(self, next_url: str) -> WResponse:
        state, nonce, verifier = generate_token(32), generate_token(32), generate_token(64)
        redirect_uri = self.redirect_uri()
        url = authorization_url(
            self.provider.metadata(), client_id=self.provider.client_id, redirect_uri=redirect_uri,
            scopes=self.scopes, state=state, nonce=nonce, code_verifier=verifier,
        )  # fmt: skip
        flask.session[PENDING_KEY] = {
            "state": state, "nonce": nonce, "verifier": verifier, "next": safe_next(next_url),
            "redirect_uri": redirect_uri, "at": self.clock(),
        }  # fmt: skip
        return flask.redirect(url, code=302)

    def complete(self) -> tuple[OidcIdentity, str]:
        pending = flask.session.pop(PENDING_KEY, None)  # single use, whatever happens next
        args = flask.request.args
        if not isinstance(pending, dict):
            raise OidcError("callback without a pending sign-in in this session")
        if not same_secret(args.get("state"), pending.get("state")):
            raise OidcError("callback state does not match the pending sign-in")
        started = pending.get("at")
        if not isinstance(started, int | float) or self.clock() - started > PENDING_TTL:
            raise OidcError(f"pending sign-in is older than {PENDING_TTL:g} s")
        if args.get("error"):
            raise OidcError(f"provider answered error {args.get('error', '')[:64]!r}")
        code = args.get("code")
        if not code:
            raise OidcError("callback without an authorization code")
        id_token = self.provider.exchange_code(code, str(pending["verifier"]), str(pending["redirect_uri"]))
        claims = self.provider.verify_id_token(id_token, str(pending["nonce"]))
        identity = OidcIdentity(str(claims["sub"]), username_from_claims(claims), claims)
        log.info("OIDC sign-in verified for %s (sub %s)", identity.username, identity.subject)
        return identity, safe_next(str(pending.get("next") or "/"))


def flow_from_settings(
    settings: Settings, *, transport: httpx.BaseTransport | None = None, timeout: float = DEFAULT_TIMEOUT
) -> AuthlibOidcFlow:
    """The flow `I3PLAT_AUTH=oidc` installs (settings were checked by `install_auth`)."""
    if not settings.oidc_issuer or not settings.oidc_client_id:
        raise OidcError("oidc_issuer and oidc_client_id are required for I3PLAT_AUTH=oidc")
    secret = settings.oidc_client_secret.get_secret_value() if settings.oidc_client_secret else None
    provider = OidcProvider(
        settings.oidc_issuer, settings.oidc_client_id, secret,
        timeout=min(timeout, settings.request_timeout), transport=transport,
        verify=tls_verification(settings.oidc_ca_bundle),
    )  # fmt: skip
    return AuthlibOidcFlow(provider, settings.oidc_scopes)
