"""`/sites/{site}/doctor[?run=1]` — the site doctor (站点诊断): a checklist run on demand.

The page never reaches the site itself: the button asks `collector.doctor_runner`, which runs
the checklist through the collector's shared Karmada client (one run per site at a time).
`?run=1` runs the checks as soon as the page opens, so a link can point at a fresh diagnosis.
"""

from __future__ import annotations

from typing import Any

import dash
import dash_bootstrap_components as dbc
from dash import Input, Output, State, dcc, html
from dash.exceptions import PreventUpdate

from i3plat.collector.doctor_runner import run_doctor_for
from i3plat.components.doctor_view import attrs, checklist, summary
from i3plat.karmada_client import InvalidName, KarmadaError, validate_name
from i3plat.webctx import current_services, request_translator

TRUTHY = frozenset({"1", "true", "yes", "on"})

# order=-1: "/sites/<site>" (order 90) would claim "/sites/x/doctor" if it came first.
dash.register_page(
    __name__, path_template="/sites/<site>/doctor", name="Site doctor", title="I3Plat", order=-1
)


def layout(site: str | None = None, **query: Any) -> Any:
    t = request_translator()
    if site is None:
        return html.Div(className="doctor-page")
    try:
        validate_name("site", site)
    except InvalidName:
        return dbc.Alert(t("“{site}” is not a valid site name.", site=site[:80]), color="warning")
    autorun = str(query.get("run", "")).lower() in TRUTHY
    back = dcc.Link(
        t("Back to site monitoring"), href=dash.get_relative_path(f"/sites/{site}"), id="doctor-back"
    )
    return html.Div(
        [
            dcc.Store(id="doctor-site", data={"site": site, "autorun": autorun}),
            html.Div(
                [
                    html.H2([t("Site doctor"), html.Span(" · "), html.Span(site, id="doctor-site-name")]),
                    back,
                ],
                className="doctor-header",
            ),
            html.P(
                t(
                    "Checks the path from this console to the site's Prometheus, one step after the "
                    "other, and says what to fix. Nothing is changed on the site."
                ),
                className="doctor-intro text-muted",
            ),
            dbc.Button(t("Run checks"), id="doctor-run", color="primary", className="mb-3"),
            html.Div(id="doctor-summary", className="mb-2"),
            dcc.Loading(html.Div(checklist(None, t), id="doctor-results"), type="dot", delay_show=300),
        ],
        className="doctor-page",
        id="doctor-page",
        **attrs(data_site=site),
    )


@dash.callback(
    Output("doctor-results", "children"),
    Output("doctor-summary", "children"),
    Input("doctor-run", "n_clicks"),
    State("doctor-site", "data"),
    running=[(Output("doctor-run", "disabled"), True, False)],
)
def run_checks(n_clicks: int | None, data: dict[str, Any] | None) -> tuple[Any, Any]:
    if not data or (not n_clicks and not data.get("autorun")):
        raise PreventUpdate
    t = request_translator()
    site = str(data.get("site", ""))
    try:
        report = run_doctor_for(current_services().access, site)
    except InvalidName:
        raise PreventUpdate from None
    except KarmadaError as exc:  # e.g. no usable kubeconfig: nothing could be checked at all
        alert = dbc.Alert(t("The console cannot reach Karmada: {error}", error=str(exc)), color="danger")
        return checklist(None, t), alert
    return checklist(report, t), summary(report, t)
