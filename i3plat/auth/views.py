"""Sign-in routes: `/login` (a plain HTML form, real POST with a CSRF field), `/logout` (POST),
`/login/oidc[/callback]` (the OIDC seam), and the small status pages refusals render.

Plain Flask + Jinja (autoescaped) rather than a Dash page: signing in must work before any
callback may run, and without JavaScript.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import flask
import flask_login  # type: ignore[import-untyped]
from werkzeug.wrappers import Response as WResponse

from i3plat.auth.csrf import CSRF_FIELD, csrf_value
from i3plat.auth.enforce import safe_next
from i3plat.auth.oidc import OidcError, OidcFlow, installed_flow, role_from_claims
from i3plat.auth.policy import OIDC_CALLBACK_PATH, OIDC_LOGIN_PATH
from i3plat.auth.users import UserDisabled, UserError
from i3plat.auth.web import auth_context, current_principal, request_address, sign_in_external, sign_in_user
from i3plat.i18n import language_names
from i3plat.webctx import request_translator

auth_blueprint = flask.Blueprint("auth", __name__)
USERNAME_FIELD_MAX = 128

PAGE = """<!doctype html>
<html lang="{{ lang }}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{ title }} · I3Plat</title>
<link rel="stylesheet" href="/assets/vendor/bootstrap.min.css">
<link rel="stylesheet" href="/assets/app.css">
</head><body class="bg-body-tertiary">
<main class="container" style="max-width: 26rem; margin-top: 10vh;" id="auth-page">
<h1 class="h4 mb-3">{{ brand }}</h1>
<div class="card shadow-sm"><div class="card-body">
<h2 class="h5 card-title mb-3" id="auth-title">{{ title }}</h2>
{% if message %}
<div class="alert alert-{{ tone }}" role="alert" id="auth-message">{{ message }}</div>
{% endif %}
{% if form %}
<form method="post" action="/login" id="login-form" autocomplete="on">
<input type="hidden" name="{{ csrf_field }}" value="{{ csrf }}">
<input type="hidden" name="next" value="{{ next }}">
<div class="mb-3"><label class="form-label" for="username">{{ t_user }}</label>
<input class="form-control" id="username" name="username" maxlength="128" autocomplete="username" required
 value="{{ username }}" autofocus></div>
<div class="mb-3"><label class="form-label" for="password">{{ t_password }}</label>
<input class="form-control" id="password" name="password" type="password" autocomplete="current-password"
 required></div>
<button class="btn btn-primary w-100" type="submit" id="login-submit">{{ t_submit }}</button>
</form>
{% endif %}
{% if sso %}
<a class="btn btn-outline-secondary w-100 mt-2" id="login-sso" href="{{ sso }}">{{ t_sso }}</a>
{% endif %}
{% if home %}<a href="/" id="auth-home">{{ home }}</a>{% endif %}
</div></div>
<p class="mt-3 small">{% for code, name in languages %}
<a class="me-2" href="?lang={{ code }}">{{ name }}</a>{% endfor %}</p>
</main></body></html>
"""


def render(status: int = 200, **values: Any) -> flask.Response:
    t = request_translator()
    defaults: dict[str, Any] = {
        "lang": t.locale.replace("_", "-"), "brand": t("I3Plat console"), "message": "", "tone": "danger",
        "form": False, "sso": None, "home": None, "languages": list(language_names()),
        "csrf_field": CSRF_FIELD,
        "t_user": t("User name"), "t_password": t("Password"), "t_submit": t("Sign in"),
        "t_sso": t("Sign in with company SSO"), "username": "", "next": "/",
    }  # fmt: skip
    html = flask.render_template_string(PAGE, **{**defaults, **values})
    response = flask.make_response(html, status)
    response.headers["Cache-Control"] = "no-store"
    return response


def status_page(status: int) -> flask.Response:
    t = request_translator()
    texts = {
        401: (t("Sign-in required"), t("This address needs a valid sign-in or access link.")),
        403: (t("Not allowed"), t("Your role does not allow this page.")),
        404: (t("Page not found"), t("There is no page at this address.")),
    }
    title, message = texts.get(status, texts[403])
    return render(status, title=title, message=message, tone="warning", home=t("Back to the overview"))


def disabled_refusal(name: str, source: str) -> flask.Response:
    """The SSO or the proxy vouches for a disabled user: they are who they say, so say why (403)."""
    auth_context().audit.record(
        "login", actor=name, actor_kind="user", outcome="refused", address=request_address(),
        detail={"source": source, "reason": "disabled"},
    )  # fmt: skip
    t = request_translator()
    message = t(
        "Your account ({name}) is disabled. Ask a system administrator if you need access again.", name=name
    )
    return render(403, title=t("Account disabled"), message=message, tone="warning")


def login_form(
    status: int = 200, message: str = "", username: str = "", next_url: str = "/"
) -> flask.Response:
    t = request_translator()
    settings = auth_context().settings
    sso = f"{OIDC_LOGIN_PATH}?next={quote(safe_next(next_url), safe='')}" if settings.auth == "oidc" else None
    return render(
        status, title=t("Sign in"), message=message, form=True, sso=sso, csrf=csrf_value(flask.session),
        username=username[:USERNAME_FIELD_MAX], next=safe_next(next_url),
    )  # fmt: skip


@auth_blueprint.get("/login")
def login_page() -> WResponse:
    settings = auth_context().settings
    next_url = safe_next(flask.request.args.get("next"))
    if settings.auth == "off" or current_principal().kind in ("user", "proxy"):
        return flask.redirect(next_url)
    if settings.auth == "header":
        t = request_translator()
        return render(
            401, title=t("Sign in"), message=t("Sign-in is handled by the company portal."), tone="info"
        )
    return login_form(next_url=next_url)


def login_post() -> WResponse:
    """Rate-limited by `auth.install` (Flask-Limiter counts the 401 answers only)."""
    ctx, t = auth_context(), request_translator()
    if ctx.settings.auth not in ("local", "oidc"):
        return flask.redirect("/")
    name = (flask.request.form.get("username") or "").strip()[:USERNAME_FIELD_MAX]
    password = flask.request.form.get("password") or ""
    next_url = safe_next(flask.request.form.get("next"))
    info = ctx.users.authenticate(name, password) if name and password else None
    if info is None:  # the same answer for a disabled user: a password guess learns nothing
        known = ctx.users.get(name) if name else None
        ctx.audit.record(
            "login", actor=name or "-", actor_kind="user", outcome="failed", address=request_address(),
            detail={"reason": "disabled"} if known is not None and known.disabled else None,
        )  # fmt: skip
        return login_form(401, t("Wrong user name or password."), name, next_url)
    sign_in_user(info)
    ctx.audit.record(
        "login", actor=info.name, actor_kind="user", address=request_address(), detail={"source": "local"}
    )
    return flask.redirect(next_url)


@auth_blueprint.post("/logout")
def logout() -> WResponse:
    principal = current_principal()
    if principal.kind == "user":
        auth_context().audit.record(
            "logout", actor=principal.name, actor_kind="user", address=request_address()
        )
    flask_login.logout_user()
    flask.session.clear()
    return flask.redirect("/login" if auth_context().settings.auth in ("local", "oidc") else "/")


def oidc_failed(reason: str, status: int = 401, actor: str = "-") -> flask.Response:
    """Audit (and so log) why; the browser only learns that the SSO sign-in failed."""
    detail = {"source": "oidc", "reason": reason[:200]}
    auth_context().audit.record(
        "login", actor=actor, actor_kind="user", outcome="failed", address=request_address(), detail=detail
    )
    return login_form(status, request_translator()("Sign-in with the company SSO failed. Please try again."))


def oidc_flow() -> OidcFlow | None:
    """The flow in `oidc` mode, else None; OidcError if it cannot be built (e.g. the CA bundle)."""
    if auth_context().settings.auth != "oidc":
        return None
    return installed_flow(flask.current_app)


@auth_blueprint.get(OIDC_LOGIN_PATH)
def oidc_begin() -> WResponse:
    try:
        flow = oidc_flow()
        if flow is None:
            return status_page(404)
        return flow.begin(safe_next(flask.request.args.get("next")))
    except OidcError as exc:  # the provider is unreachable, untrusted, or its discovery is wrong
        return oidc_failed(str(exc), 503)


@auth_blueprint.get(OIDC_CALLBACK_PATH)
def oidc_complete() -> WResponse:
    ctx = auth_context()
    try:
        flow = oidc_flow()
    except OidcError as exc:
        return oidc_failed(str(exc), 503)
    if flow is None:
        return status_page(404)
    try:
        identity, next_url = flow.complete()
    except OidcError as exc:
        return oidc_failed(str(exc))
    try:
        sign_in_external(identity.username, role_from_claims(identity.claims, ctx.settings), "oidc")
    except UserDisabled:
        return disabled_refusal(identity.username, "oidc")
    except UserError as exc:  # e.g. the name belongs to a local user: never take that account over
        reason = f"user {identity.username!r} refused: {type(exc).__name__}"
        return oidc_failed(reason, actor=identity.username)
    return flask.redirect(safe_next(next_url))
