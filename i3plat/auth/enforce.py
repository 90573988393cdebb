"""Server-side enforcement: one `before_request` for every route, and guarded page layouts.

The hook runs after Dash's own set-up hook, so the callback map is complete. Order: CSRF for
state-changing methods (unless the request is authorised by an explicit token, which a
forged cross-site request cannot carry), then the policy decision, then the audit trail.
Refusals carry no detail: pages redirect to sign-in (401) or say "not allowed" (403);
callbacks and the API get a small JSON error.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from typing import Any
from urllib.parse import quote

import dash
import flask
import orjson
from werkzeug.wrappers import Response as WResponse

from i3plat.auth.access import Decision, decide
from i3plat.auth.callbacks import callback_index, callback_params, router_url
from i3plat.auth.csrf import CSRF_FIELD, CSRF_HEADER, UNSAFE_METHODS, csrf_ok
from i3plat.auth.policy import DENY, PAGES, ROUTES, Rule, match_page, to_params
from i3plat.auth.principal import Principal
from i3plat.auth.web import AuthContext, auth_context, current_principal, log, note_token_use, request_address

ACTION_PROPS = frozenset({"n_clicks", "n_submit", "submit_n_clicks"})
GUARD_MARK = "__i3plat_guarded__"


def json_refusal(status: int, code: str, message: str) -> flask.Response:
    body = orjson.dumps({"error": {"code": code, "message": message}})
    response = flask.Response(body, status=status, mimetype="application/json")
    response.headers["Cache-Control"] = "no-store"
    return response


def safe_next(url: str | None) -> str:
    """Only a path on this site: never `//evil`, `/\\evil` or an absolute URL (open redirect)."""
    if (
        not url
        or not url.startswith("/")
        or url.startswith("//")
        or "\\" in url
        or "\n" in url
        or "\r" in url
    ):
        return "/"
    return url


def login_redirect(next_url: str) -> WResponse:
    return flask.redirect("/login?next=" + quote(safe_next(next_url), safe=""), code=302)


def wants_login_page(ctx: AuthContext) -> bool:
    return ctx.settings.auth in ("local", "oidc") and not flask.g.get("i3plat_refusal")


def page_refusal(ctx: AuthContext, decision: Decision) -> WResponse:
    from i3plat.auth.views import disabled_refusal, status_page

    disabled = flask.g.get("i3plat_disabled_user")
    if isinstance(disabled, str):  # header mode: the proxy vouches for a user we disabled
        return disabled_refusal(disabled, "header")
    if decision.status == 401 and wants_login_page(ctx):
        return login_redirect(flask.request.full_path.rstrip("?"))
    return status_page(decision.status)


def csrf_refusal() -> flask.Response | None:
    submitted = flask.request.headers.get(CSRF_HEADER)
    if submitted is None and flask.request.mimetype in (
        "application/x-www-form-urlencoded",
        "multipart/form-data",
    ):
        submitted = flask.request.form.get(CSRF_FIELD)
    if csrf_ok(flask.session, submitted):
        return None
    log.warning(
        "CSRF check failed: %s %s from %s", flask.request.method, flask.request.path, request_address()
    )
    return json_refusal(403, "csrf", "missing or wrong CSRF token; reload the page")


def metrics_decision(ctx: AuthContext) -> Decision:
    expected = ctx.settings.metrics_token
    if expected is None:
        return Decision(True, 200, "public metrics")
    given = flask.request.headers.get("Authorization", "")
    token = given[7:] if given[:7].lower() == "bearer " else ""
    if token and secrets.compare_digest(token.encode(), expected.get_secret_value().encode()):
        return Decision(True, 200, "metrics bearer token")
    return Decision(False, 401, "metrics bearer token missing or wrong")


def enforce() -> WResponse | None:
    """Flask `before_request`: None lets the request through."""
    if flask.request.url_rule is None:
        return None  # routing failed: Flask answers 404/405, which reveal nothing
    ctx = auth_context()
    rule = ROUTES.get(flask.request.url_rule.rule, DENY)
    principal = current_principal()
    if flask.request.method in UNSAFE_METHODS and principal.kind != "token":
        refused = csrf_refusal()
        if refused is not None:
            return refused
    if rule.dispatch == "page":
        return enforce_page(ctx, principal)
    if rule.dispatch == "callback":
        return enforce_callback(ctx, principal)
    if rule.dispatch == "metrics":
        decision = metrics_decision(ctx)
        if decision.allowed:
            return None
        response = json_refusal(401, "unauthorized", "bearer token required")
        response.headers["WWW-Authenticate"] = 'Bearer realm="i3plat-metrics"'
        return response
    decision = decide(rule, principal, to_params(flask.request.args.to_dict(flat=False)))
    return finish(ctx, principal, rule, decision, flask.request.path)


def enforce_page(ctx: AuthContext, principal: Principal) -> WResponse | None:
    from i3plat.auth.views import status_page

    found = match_page(flask.request.path)
    if found is None:
        return (
            status_page(404)
            if principal.authenticated
            else page_refusal(ctx, Decision(False, 401, "unknown"))
        )
    rule = PAGES[found.pattern]
    params = to_params(found.variables, flask.request.args.to_dict(flat=False))
    decision = decide(rule, principal, params)
    if not decision.allowed:
        log.info("page %s refused for %s: %s", found.pattern, principal.name, decision.reason)
        return page_refusal(ctx, decision)
    note_token_use(ctx, principal, found.pattern)
    return None


def enforce_callback(ctx: AuthContext, principal: Principal) -> flask.Response | None:
    body = flask.request.get_json(silent=True)
    if not isinstance(body, dict) or not isinstance(body.get("output"), str):
        return json_refusal(400, "bad_request", "not a Dash callback request")
    if not ctx.callbacks:
        app = ctx.extras.get("dash_app") or dash.get_app()  # type: ignore[no-untyped-call]
        ctx.callbacks = callback_index(app.callback_map, dash.page_registry.values())
    target = ctx.callbacks.get(body["output"])
    rule = target.rule if target is not None else DENY
    params = callback_params(target, body) if target is not None else {}
    if target is not None and target.internal == "_pages_content":
        flask.g.i3plat_page_url = router_url(body)
    decision = decide(rule, principal, params)
    what = (target.page or target.internal or "?") if target is not None else "unknown callback"
    if (
        decision.allowed
        and rule.audit
        and ACTION_PROPS & {str(p).rsplit(".", 1)[-1] for p in body.get("changedPropIds") or []}
    ):
        ctx.audit.record(
            "callback", actor=principal.name, actor_kind=principal.kind,
            target=f"{what} {body['output'][:120]}", address=request_address(),
        )  # fmt: skip
    return finish(ctx, principal, rule, decision, what, kind="callback")


def finish(
    ctx: AuthContext, principal: Principal, rule: Rule, decision: Decision, what: str, kind: str = "route"
) -> flask.Response | None:
    if decision.allowed:
        if principal.kind == "token":
            note_token_use(ctx, principal, what)
        return None
    log.info("%s %s refused for %s: %s", kind, what, principal.name, decision.reason)
    if decision.status == 401:
        return json_refusal(401, "unauthorized", "sign-in required")
    return json_refusal(403, "forbidden", "not allowed")


# ---------------------------------------------------------------------------- page layouts


def guard_layout(pattern: str, original: Any, refusal: Callable[[Decision, str | None], Any]) -> Any:
    """Wrap a page's layout so the router renders `refusal(...)` to principals the policy refuses."""
    inner = getattr(original, GUARD_MARK, original)

    def layout(**kwargs: Any) -> Any:
        if not flask.has_request_context():
            return refusal(Decision(False, 401, "no request"), None)
        rule = PAGES.get(pattern, DENY)
        decision = decide(rule, current_principal(), to_params(kwargs))
        if not decision.allowed:
            return refusal(decision, flask.g.get("i3plat_page_url"))
        return inner(**kwargs) if callable(inner) else inner

    setattr(layout, GUARD_MARK, inner)
    return layout


def guard_pages(refusal: Callable[[Decision, str | None], Any]) -> None:
    for page in dash.page_registry.values():
        pattern = str(page.get("path_template") or page.get("path"))
        page["layout"] = guard_layout(pattern, page.get("layout"), refusal)
