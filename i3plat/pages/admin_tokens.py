"""`/admin/tokens` — kiosk and embed tokens (系统管理员 only: auth.policy.PAGES).

Wiring only: the token service is `auth.web.auth_context().tokens`; each creation and
revocation is audit-logged. A new token's link is shown once, here, to the admin who made it.
"""

from __future__ import annotations

from typing import Any

import dash
import dash_bootstrap_components as dbc
import flask
from dash import ALL, Input, Output, State, ctx, dcc, html

from i3plat.auth.tokens import TokenScopeError
from i3plat.auth.web import audit_action, auth_context, current_principal
from i3plat.components.auth_tokens import (
    LIFETIMES,
    form_problem,
    scope_from_form,
    token_form,
    token_link,
    token_table,
)
from i3plat.components.auth_widgets import sign_in_mode_note
from i3plat.webctx import current_services, request_translator

dash.register_page(__name__, path="/admin/tokens", name="Tokens", title="I3Plat", order=80)


def layout(**_query: Any) -> Any:
    t = request_translator()
    services = current_services()
    fleet = services.store.fleet()
    sites = list(fleet.sites) if fleet is not None else []
    metrics = [{"label": f"{m.title(t.locale)} ({m.id})", "value": m.id} for m in services.catalog]
    return html.Div(
        [
            html.H2(t("Access tokens"), id="tokens-title", className="mb-3"),
            html.P(
                t(
                    "Links for TVs and portal panels that work without signing in. "
                    "Revoke a link to end it at once."
                )
            ),
            sign_in_mode_note(t, auth_context().settings, "tokens"),
            token_form(t, metrics, sites),
            dbc.Button(t("Create token"), id="token-create", color="primary", className="mb-3"),
            html.Div(id="token-created"),
            html.Div(id="token-list"),
            dcc.Store(id="token-changed", data=0),
        ],
        className="admin-tokens",
    )


@dash.callback(
    Output("token-created", "children"),
    Output("token-changed", "data"),
    Input("token-create", "n_clicks"),
    State("token-kind", "value"),
    State("token-metric", "value"),
    State("token-site", "value"),
    State("token-range", "value"),
    State("token-lifetime", "value"),
    State("token-note", "value"),
    State("token-changed", "data"),
    prevent_initial_call=True,
)
def create_token(
    _n: int | None, kind: str, metric: str | None, site: str | None, max_range: str | None,
    lifetime: str | None, note: str | None, changed: int | None,
) -> tuple[Any, Any]:  # fmt: skip
    t = request_translator()
    scope = scope_from_form(kind, metric, site, max_range)
    problem = form_problem(scope, t)
    if problem is not None:
        return dbc.Alert(problem, color="warning", id="token-error"), dash.no_update
    try:
        token, info = auth_context().tokens.issue(
            scope, LIFETIMES.get(lifetime or "", LIFETIMES["365d"]), current_principal().name, note or ""
        )
    except TokenScopeError as exc:
        return dbc.Alert(str(exc), color="warning", id="token-error"), dash.no_update
    audit_action("token.create", info.id, kind=scope.kind, metric=scope.metric or "", site=scope.site or "")
    link = token_link(flask.request.host_url, scope, token)
    shown = dbc.Alert(
        [
            html.Div(t("Copy this link now; it is not shown again.")),
            html.Code(link, id="token-link", className="d-block text-break user-select-all"),
        ],
        color="success",
    )
    return shown, (changed or 0) + 1


@dash.callback(
    Output("token-changed", "data", allow_duplicate=True),
    Input({"type": "token-revoke", "id": ALL}, "n_clicks"),
    State("token-changed", "data"),
    prevent_initial_call=True,
)
def revoke_token(clicks: list[int | None], changed: int | None) -> Any:
    trigger = ctx.triggered_id
    if not isinstance(trigger, dict) or not any(clicks):
        raise dash.exceptions.PreventUpdate
    token_id = str(trigger["id"])
    auth_context().tokens.revoke(token_id, current_principal().name)
    audit_action("token.revoke", token_id)
    return (changed or 0) + 1


@dash.callback(Output("token-list", "children"), Input("token-changed", "data"))
def list_tokens(_changed: int | None) -> Any:
    return token_table(auth_context().tokens.list(), request_translator())
