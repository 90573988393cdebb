"""Sign-in state on the Flask app: the AuthContext, and who the current request's principal is.

Resolution order per request (cached on `flask.g`): sign-in off → the local operator; header
mode → the user a trusted proxy vouches for; otherwise a Flask-Login session; then a kiosk or
embed token (`X-I3Plat-Token` header, set by assets/auth.js, or `?token=`); else anonymous.
An ambient identity (session, proxy) wins over a token, and is the one CSRF checks protect.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

import flask
import flask_login  # type: ignore[import-untyped]
from flask_limiter import Limiter

from i3plat.auth.audit import AuditLog
from i3plat.auth.callbacks import CallbackTarget
from i3plat.auth.db import AuthDatabase
from i3plat.auth.principal import ANONYMOUS, LOCAL_OPERATOR, Principal
from i3plat.auth.proxy import client_address, is_trusted, peer_address, roles_from_header
from i3plat.auth.roles import Role, parse_role
from i3plat.auth.tokens import TokenError, TokenInfo, TokenService
from i3plat.auth.users import InvalidUserName, UserInfo, UserSource, UserStore, check_user_name
from i3plat.settings import Settings

AUTH_EXTENSION = "i3plat.auth"
TOKEN_HEADER = "X-I3Plat-Token"
TOKEN_PARAM = "token"
log = logging.getLogger("i3plat.auth")


class AuthConfigError(RuntimeError):
    """The sign-in configuration cannot work; the message names the setting."""


@dataclass
class AuthContext:
    settings: Settings
    db: AuthDatabase
    users: UserStore
    tokens: TokenService
    audit: AuditLog
    limiter: Limiter
    callbacks: dict[str, CallbackTarget] | None = None
    extras: dict[str, Any] = field(default_factory=dict)

    def close(self) -> None:
        self.db.close()


class LoginUser(flask_login.UserMixin):  # type: ignore[misc]
    """Flask-Login's view of a user: the session stores the rotating session key, not the name."""

    def __init__(self, info: UserInfo) -> None:
        self.info = info

    def get_id(self) -> str:
        return self.info.session_key


def auth_context(app: flask.Flask | None = None) -> AuthContext:
    found = (app or flask.current_app).extensions.get(AUTH_EXTENSION)
    if not isinstance(found, AuthContext):
        raise RuntimeError("sign-in is not installed on this Flask app (auth.install_auth)")
    return found


def request_address() -> str:
    """Where the request comes from (behind trusted proxies: the client they forwarded)."""
    if not flask.has_request_context():
        return ""
    trusted = auth_context().settings.trusted_proxies
    return client_address(
        peer_address(flask.request.environ), flask.request.headers.get("X-Forwarded-For"), trusted
    )


def current_principal() -> Principal:
    if not flask.has_request_context():
        return ANONYMOUS
    cached = flask.g.get("i3plat_principal")
    if isinstance(cached, Principal):
        return cached
    principal = resolve_principal(auth_context())
    flask.g.i3plat_principal = principal
    return principal


def resolve_principal(ctx: AuthContext) -> Principal:
    mode = ctx.settings.auth
    if mode == "off":
        return LOCAL_OPERATOR
    if mode == "header":
        vouched = proxy_principal(ctx)
        if vouched is not None:
            return vouched
    else:
        user = flask_login.current_user
        if user is not None and user.is_authenticated and isinstance(user, LoginUser):
            return Principal("user", user.info.name, user.info.role)
    return token_principal(ctx) or ANONYMOUS


def proxy_principal(ctx: AuthContext) -> Principal | None:
    settings = ctx.settings
    if not is_trusted(peer_address(flask.request.environ), settings.trusted_proxies):
        return None
    name = (flask.request.headers.get(settings.auth_header) or "").strip()
    if not name:
        return None
    try:
        check_user_name(name)
    except InvalidUserName:
        flask.g.i3plat_refusal = "malformed identity header"
        return None
    header_role = None
    if settings.auth_role_header:
        header_role = roles_from_header(
            flask.request.headers.get(settings.auth_role_header), settings.auth_group_roles
        )
    known = ctx.users.get(name)
    if known is not None and known.disabled:
        flask.g.i3plat_refusal = "disabled user"
        flask.g.i3plat_disabled_user = name
        log.info("proxy identity %s refused: the user is disabled", name)
        return None
    roles = [parse_role(settings.auth_default_role), header_role, known.role if known else None]
    return Principal("proxy", name, max(role for role in roles if role is not None))


def presented_token() -> str | None:
    return flask.request.headers.get(TOKEN_HEADER) or flask.request.args.get(TOKEN_PARAM) or None


def token_principal(ctx: AuthContext) -> Principal | None:
    token = presented_token()
    if token is None:
        return None
    try:
        info = ctx.tokens.verify(token)
    except TokenError as exc:
        flask.g.i3plat_refusal = "token refused"
        log.warning("token refused from %s: %s", request_address(), exc)
        return None
    flask.g.i3plat_token = info
    return Principal("token", f"token:{info.id}", None, info.scope, info.id)


def note_token_use(ctx: AuthContext, principal: Principal, what: str) -> None:
    info = flask.g.get("i3plat_token")
    if not isinstance(info, TokenInfo) or principal.token_id != info.id:
        return
    address = request_address()
    if ctx.tokens.note_use(info, address):
        ctx.audit.record(
            "token.use", actor=principal.name, actor_kind="token", target=what, address=address,
            detail={"kind": info.scope.kind, "token_id": info.id},
        )  # fmt: skip


def sign_in_user(info: UserInfo) -> None:
    """Start a fresh session for `info` (old session content and CSRF secret are dropped)."""
    from i3plat.auth.csrf import rotate_csrf

    flask.session.clear()
    flask_login.login_user(LoginUser(info))
    flask.session.permanent = True
    rotate_csrf(flask.session)
    flask.g.pop("i3plat_principal", None)


def sign_in_external(name: str, role: Role, source: UserSource) -> UserInfo:
    """OIDC (and future SSO) identities: kept as users whose role the provider decides.

    Raises `UserDisabled` for a disabled user (and `UserError` for a name it may not take).
    """
    ctx = auth_context()
    info = ctx.users.upsert_external(name, role, source)
    sign_in_user(info)
    ctx.audit.record(
        "login",
        actor=name,
        actor_kind="user",
        address=request_address(),
        detail={"source": source, "role": role.name},
    )
    return info


def audit_action(action: str, target: str = "", outcome: str = "ok", **detail: Any) -> None:
    """For pages: record a state-changing action by the current principal."""
    principal = current_principal()
    auth_context().audit.record(
        action, actor=principal.name, actor_kind=principal.kind, outcome=outcome, target=target,
        address=request_address(), detail=detail,
    )  # fmt: skip
