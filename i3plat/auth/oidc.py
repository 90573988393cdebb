"""The seam where the OIDC sign-in (authorization code + PKCE, via authlib) plugs in.

This module defines the contract; `auth.oidc_flow` is the real flow and `auth.oidc_client`
talks to the provider. `I3PLAT_AUTH=oidc` builds the flow from the settings on first use;
tests (or another SSO) install their own with `install_oidc_flow(server, flow)`. The routes
`/login/oidc` and `/login/oidc/callback` (`auth.views`) call it and then
`auth.web.sign_in_external`, which keeps the identity as a user of source "oidc" whose role
comes from the configured claim on every sign-in.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

import flask
from werkzeug.wrappers import Response as WResponse

from i3plat.auth.proxy import roles_from_header
from i3plat.auth.roles import Role, parse_role
from i3plat.settings import Settings

OIDC_FLOW_EXTENSION = "i3plat.auth.oidc"


class OidcError(Exception):
    """The provider's answer was refused (bad state, token signature, audience, expiry…).

    The message is for the server log; the user sees a generic "sign-in failed".
    """


@dataclass(frozen=True)
class OidcIdentity:
    subject: str
    username: str
    """What the console shows and stores (e.g. `preferred_username` or `email`)."""
    claims: Mapping[str, Any]
    """The verified ID token (and userinfo) claims; the role claim is read from here."""


class OidcFlow(Protocol):
    def begin(self, next_url: str) -> WResponse:
        """Redirect to the provider; keep state, nonce and the PKCE verifier in the session."""
        ...

    def complete(self) -> tuple[OidcIdentity, str]:
        """Handle the provider's redirect back: (the verified identity, the saved next URL).

        Raises OidcError for anything that is not a valid answer to our own request.
        """
        ...


def install_oidc_flow(server: flask.Flask, flow: OidcFlow) -> None:
    server.extensions[OIDC_FLOW_EXTENSION] = flow


def installed_flow(server: flask.Flask) -> OidcFlow | None:
    """The installed flow; in `oidc` mode one is built from the settings the first time."""
    flow: OidcFlow | None = server.extensions.get(OIDC_FLOW_EXTENSION)
    if flow is None:
        from i3plat.auth.web import AUTH_EXTENSION

        ctx = server.extensions.get(AUTH_EXTENSION)
        if ctx is not None and ctx.settings.auth == "oidc":
            from i3plat.auth.oidc_flow import flow_from_settings

            flow = server.extensions.setdefault(OIDC_FLOW_EXTENSION, flow_from_settings(ctx.settings))
    return flow


def role_from_claims(claims: Mapping[str, Any], settings: Settings) -> Role:
    """The highest role the role claim names (directly or via `auth_group_roles`), else the default."""
    value = claims.get(settings.oidc_role_claim)
    if isinstance(value, list | tuple):
        value = " ".join(str(item) for item in value)
    found = roles_from_header(str(value) if value is not None else None, settings.auth_group_roles)
    return found if found is not None else parse_role(settings.auth_default_role)


def check_oidc_settings(settings: Settings) -> list[str]:
    """Names of the settings `oidc` mode needs that are missing."""
    from i3plat.auth.oidc_client import check_issuer_url

    missing = []
    if not settings.oidc_issuer:
        missing.append("I3PLAT_OIDC_ISSUER")
    else:
        try:
            check_issuer_url(settings.oidc_issuer)
        except OidcError:
            missing.append("I3PLAT_OIDC_ISSUER (an https:// URL; http only on loopback)")
    if not settings.oidc_client_id:
        missing.append("I3PLAT_OIDC_CLIENT_ID")
    if "openid" not in settings.oidc_scopes:
        missing.append("I3PLAT_OIDC_SCOPES (must include openid)")
    return missing
