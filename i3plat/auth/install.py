"""`install_auth`: put sign-in, the policy, CSRF and the audit trail on a Dash app's server.

Called by `create_app` after the pages are registered and before any request. Every mode
installs the same machinery; `off` simply resolves everyone to the local operator (and the
shell shows a banner), so the policy, CSRF and headers are exercised in development too.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from datetime import timedelta
from typing import Any

import dash
import flask
import flask_login  # type: ignore[import-untyped]
from flask_limiter import Limiter, RateLimitExceeded

from i3plat.auth.access import Decision
from i3plat.auth.audit import AuditLog
from i3plat.auth.csrf import CSRF_COOKIE, SESSION_KEY, csrf_value
from i3plat.auth.db import open_database
from i3plat.auth.enforce import enforce, guard_pages, json_refusal
from i3plat.auth.keys import load_secret_key
from i3plat.auth.oidc import check_oidc_settings
from i3plat.auth.passwords import Passwords
from i3plat.auth.ratelimit import sqlite_uri
from i3plat.auth.tokens import TokenService
from i3plat.auth.users import UserStore
from i3plat.auth.views import auth_blueprint, login_form, login_post
from i3plat.auth.web import (
    AUTH_EXTENSION,
    AuthConfigError,
    AuthContext,
    LoginUser,
    auth_context,
    request_address,
)
from i3plat.components.auth_widgets import refusal_panel
from i3plat.settings import Settings
from i3plat.webctx import request_translator

SESSION_COOKIE = "i3plat_session"
LOGIN_LIMIT_PER_ADDRESS = "30 per 15 minutes"
_SECRET_IN_URL = re.compile(r"(?i)\b(token|password|secret|code)=[^&\s\"']+")


class RedactSecrets(logging.Filter):
    """Access logs print query strings; `?token=…` (kiosk/embed links) must not land in them."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, Mapping):  # gunicorn's access log formats with a dict of atoms
            record.args = {key: redact(value) for key, value in record.args.items()}
        elif isinstance(record.args, tuple):
            record.args = tuple(redact(arg) for arg in record.args)
        if isinstance(record.msg, str):
            record.msg = redact(record.msg)
        return True


def redact(value: Any) -> Any:
    return _SECRET_IN_URL.sub(r"\1=[redacted]", value) if isinstance(value, str) else value


def redact_access_logs() -> None:
    for name in ("werkzeug", "gunicorn.access"):
        logger = logging.getLogger(name)
        if not any(isinstance(f, RedactSecrets) for f in logger.filters):
            logger.addFilter(RedactSecrets())


def check_auth_settings(settings: Settings) -> None:
    if settings.auth == "header" and not settings.trusted_proxies:
        raise AuthConfigError(
            "I3PLAT_AUTH=header needs I3PLAT_TRUSTED_PROXIES (the reverse proxies' addresses, as CIDRs)"
        )
    if settings.auth == "oidc":
        missing = check_oidc_settings(settings)
        if missing:
            raise AuthConfigError("I3PLAT_AUTH=oidc needs " + ", ".join(missing))


def login_key() -> str:
    name = (flask.request.form.get("username") or "").strip().lower()[:128]
    return f"{request_address()}|{name}"


def failed_login(response: flask.Response) -> bool:
    return response.status_code == 401


def on_rate_limited(error: RateLimitExceeded) -> flask.Response:
    if flask.request.path == "/login":
        ctx, t = auth_context(), request_translator()
        name = (flask.request.form.get("username") or "-").strip()[:128]
        ctx.audit.record(
            "login", actor=name, actor_kind="user", outcome="rate_limited", address=request_address()
        )
        return login_form(429, t("Too many failed sign-ins. Wait a few minutes and try again."), name)
    return json_refusal(429, "too_many_requests", "too many requests")


def set_csrf_cookie(response: flask.Response) -> flask.Response:
    """Pages (and the Dash layout) hand the browser the CSRF value dash-renderer sends back."""
    request = flask.request
    page = request.method == "GET" and (
        response.mimetype == "text/html" or request.path.endswith("/_dash-layout")
    )
    value = csrf_value(flask.session) if page else flask.session.get(SESSION_KEY)
    if not isinstance(value, str):
        return response
    if request.cookies.get(CSRF_COOKIE) != value:
        secure = auth_context().settings.cookie_secure
        response.set_cookie(CSRF_COOKIE, value, samesite="Strict", secure=secure, httponly=False, path="/")
    response.vary.add("Cookie")
    return response


def refusal_layout(decision: Decision, page_url: str | None) -> Any:
    ctx = auth_context()
    redirect = ctx.settings.auth in ("local", "oidc") and not flask.g.get("i3plat_refusal")
    return refusal_panel(request_translator(), decision.status, page_url, redirect=redirect)


def install_auth(app: dash.Dash, settings: Settings, *, passwords: Passwords | None = None) -> AuthContext:
    check_auth_settings(settings)
    server = app.server
    server.secret_key = load_secret_key(settings)
    server.config.update(
        SESSION_COOKIE_NAME=SESSION_COOKIE,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.cookie_secure,
        PERMANENT_SESSION_LIFETIME=timedelta(hours=settings.session_hours),
    )
    db = open_database(settings.data_dir)
    limiter = Limiter(
        key_func=request_address,
        app=server,
        storage_uri=settings.ratelimit_storage or sqlite_uri(settings.data_dir / "ratelimit.db"),
        strategy="fixed-window",
        headers_enabled=False,
    )
    ctx = AuthContext(
        settings=settings,
        db=db,
        users=UserStore(db, passwords),
        tokens=TokenService(db, server.secret_key),
        audit=AuditLog(db, retention_days=settings.audit_retention_days),
        limiter=limiter,
    )
    ctx.extras["dash_app"] = app
    server.extensions[AUTH_EXTENSION] = ctx

    manager = flask_login.LoginManager()
    manager.session_protection = "basic"
    manager.init_app(server)

    @manager.user_loader  # type: ignore[untyped-decorator]
    def load_user(session_key: str) -> LoginUser | None:
        info = ctx.users.by_session_key(session_key)
        return LoginUser(info) if info is not None else None

    limited = limiter.limit(
        settings.login_limit, key_func=login_key, methods=["POST"], deduct_when=failed_login
    )(
        limiter.limit(
            LOGIN_LIMIT_PER_ADDRESS, key_func=request_address, methods=["POST"], deduct_when=failed_login
        )(login_post)
    )
    server.add_url_rule("/login", endpoint="auth.login_post", view_func=limited, methods=["POST"])
    server.register_blueprint(auth_blueprint)
    server.before_request(enforce)
    server.after_request(set_csrf_cookie)
    server.register_error_handler(RateLimitExceeded, on_rate_limited)
    guard_pages(refusal_layout)
    redact_access_logs()
    return ctx
