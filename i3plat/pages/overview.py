"""`/` — the fleet overview: every site with its Karmada Ready state, refreshed on the poll interval."""

from __future__ import annotations

import time
from typing import Any

import dash
from dash import Input, Output, dcc, html

from i3plat.collector.freshness import read_fleet
from i3plat.components.site_list import fleet_banner, fleet_summary, site_table
from i3plat.webctx import current_services, request_translator

dash.register_page(__name__, path="/", name="Overview", title="I3Plat", order=0)


def layout(**_query: Any) -> Any:
    t = request_translator()
    interval_ms = int(current_services().settings.poll_interval * 1000)
    return html.Div(
        [
            html.H2(t("Sites"), id="overview-title", className="mb-1"),
            html.Div(id="fleet-summary", className="text-muted mb-3"),
            html.Div(id="fleet-banner"),
            html.Div(id="site-list"),
            dcc.Interval(id="overview-refresh", interval=interval_ms),
        ],
        className="overview",
    )


@dash.callback(
    Output("site-list", "children"),
    Output("fleet-summary", "children"),
    Output("fleet-banner", "children"),
    Input("overview-refresh", "n_intervals"),
)
def refresh_sites(_n: int | None) -> tuple[Any, str, Any]:
    t = request_translator()
    fleet = read_fleet(current_services().store)
    now = time.time()
    return site_table(fleet, t, now), fleet_summary(fleet, t), fleet_banner(fleet, t, now)
