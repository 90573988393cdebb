"""`/embed/{metric}?site=&node=&range=&theme=` — one panel, no chrome, for the company portal.

Reads the poller's live window from the store (or the on-demand path for other ranges and
nodes), draws it once, then extends it with `Patch` on the poll interval. Bad parameters give a
short message inside the frame, never an error page. Framing is allowed by CSP
`frame-ancestors` (web_headers.py); the content height is posted to the parent (docs/embedding.md).
"""

from __future__ import annotations

import time
from typing import Any

import dash
from dash import ClientsideFunction, Input, Output, Patch, State, dcc, html

from i3plat.collector.freshness import is_unreachable, panel_is_stale
from i3plat.collector.ondemand import OnDemandRateLimited
from i3plat.collector.records import PanelRecord, SeriesRecord
from i3plat.collector.standard import LIVE_METRICS, LIVE_WINDOW
from i3plat.components.embed_panel import (
    Freshness,
    format_value,
    latest_value,
    panel_figure,
    parse_theme,
    plan_patch,
    root_class,
    shown_state,
    stale_marker,
    status_text,
)
from i3plat.components.figure_style import graph_config
from i3plat.components.log_view import RANGE_TEXT
from i3plat.karmada_client import InvalidName, validate_name
from i3plat.promql.errors import PromQLError, QueryInputError
from i3plat.promql.timerange import PRESET_RANGES
from i3plat.webctx import Services, current_services, request_translator

dash.register_page(__name__, path_template="/embed/<metric>", name="Embed", title="I3Plat", embeddable=True)


def _bs_theme(theme: str) -> dict[str, Any]:
    """Bootstrap's colour mode for the panel's own widgets."""
    return {"data-bs-theme": "dark" if theme == "dark" else "light"}


def _message(text: str, theme: str) -> html.Div:
    return html.Div(
        [
            html.Div(text, className="embed-message", id="embed-message"),
            dcc.Store(id="embed-query", data=None),
            html.Div(id="embed-height", hidden=True),
        ],
        className=f"embed-root theme-{theme}",
        **_bs_theme(theme),
    )


def check_query(
    services: Services, metric: str | None, site: str | None, node: str | None, range_: str
) -> str | None:
    """None when the panel can be drawn, else a short message for the frame."""
    t = request_translator()
    if not metric or metric not in services.catalog.metrics:
        return t("Unknown panel: {metric}", metric=metric or "—")
    if not site:
        return t("Choose a site: add ?site=NAME to the address.")
    try:
        validate_name("cluster", site)
    except InvalidName:
        return t("Unknown site: {site}", site=site)
    fleet = services.store.fleet()
    if fleet is not None and site not in fleet.sites:
        return t("Unknown site: {site}", site=site)
    if range_ not in PRESET_RANGES or range_ not in RANGE_TEXT:
        return t("Unknown time range: {range}", range=range_)
    if node is not None and services.catalog.get(metric).scope == "cluster":
        return t("This panel is for the whole site and takes no node.")
    return None


def layout(
    metric: str | None = None,
    site: str | None = None,
    node: str | None = None,
    range: str | None = None,
    theme: str | None = None,
    **_query: Any,
) -> Any:
    services = current_services()
    t = request_translator()
    chosen = parse_theme(theme)
    range_ = range or LIVE_WINDOW
    node = node or None
    problem = check_query(services, metric, site, node, range_)
    if problem is not None:
        return _message(problem, chosen)
    assert metric is not None and site is not None
    definition = services.catalog.get(metric)
    where = f"{site} · {node}" if node else site
    query = {"metric": metric, "site": site, "node": node, "range": range_, "theme": chosen}
    return html.Div(
        [
            html.Div(
                [
                    html.Span(definition.title(t.locale), className="embed-title", id="embed-title"),
                    html.Span(where, className="embed-where"),
                    html.Span(t(RANGE_TEXT[range_]), className="embed-range"),
                    html.Span(id="embed-stale", className="embed-stale"),
                    html.Span(id="embed-value", className="embed-value"),
                ],
                className="embed-header",
            ),
            dcc.Graph(
                id="embed-graph",
                figure=panel_figure(None, definition.unit, chosen),
                config=graph_config(t.locale, displayModeBar=False, responsive=True),
                className="embed-graph",
            ),
            html.Div(id="embed-status", className="embed-status"),
            dcc.Store(id="embed-query", data=query),
            dcc.Store(id="embed-shown"),
            dcc.Interval(id="embed-refresh", interval=int(services.settings.poll_interval * 1000)),
            html.Div(id="embed-height", hidden=True),
        ],
        className=root_class(chosen, None),
        id="embed-root",
        **_bs_theme(chosen),
    )


def read_panel(services: Services, query: dict[str, Any], now: float) -> PanelRecord | None:
    """The live window from the store, or the on-demand answer for other ranges."""
    site, metric, node, range_ = query["site"], query["metric"], query["node"], query["range"]
    if range_ == LIVE_WINDOW and metric in LIVE_METRICS:
        record = services.store.panel(site, metric, LIVE_WINDOW, None)
        if record is None or node is None:
            return record
        kept: list[SeriesRecord] = [s for s in record.series if s.labels.get("node") == node]
        return PanelRecord(
            record.site, record.metric, record.window, record.step, kept, record.fetched_at,
            record.failure, node, record.start, record.end,
        )  # fmt: skip
    seconds = PRESET_RANGES[range_]
    return services.ondemand.series(site, metric, node=node, start=now - seconds, end=now, step=None)


def read_freshness(
    record: PanelRecord | None, services: Services, now: float, live: bool
) -> Freshness | None:
    """The one staleness rule of the overview tiles, plus since when the site is unreachable."""
    if record is None:
        return None
    site = services.store.site(record.site)
    stale = panel_is_stale(record, site, services.settings.poll_interval, now, live=live)
    since = site.unreachable_since if site is not None and is_unreachable(site) else None
    return Freshness(stale, since)


@dash.callback(
    Output("embed-graph", "figure"),
    Output("embed-shown", "data"),
    Output("embed-value", "children"),
    Output("embed-status", "children"),
    Output("embed-stale", "children"),
    Output("embed-root", "className"),
    Input("embed-refresh", "n_intervals"),
    State("embed-query", "data"),
    State("embed-shown", "data"),
)
def refresh_panel(
    _n: int | None, query: dict[str, Any] | None, shown: list[dict[str, Any]] | None
) -> tuple[Any, Any, Any, str, Any, Any]:
    if not query:
        raise dash.exceptions.PreventUpdate
    services = current_services()
    t = request_translator()
    now = time.time()
    unit = services.catalog.get(query["metric"]).unit
    live = query["range"] == LIVE_WINDOW and query["metric"] in LIVE_METRICS
    try:
        record = read_panel(services, query, now)
    except OnDemandRateLimited:
        return (dash.no_update,) * 3 + (t("Busy: retrying shortly"),) + (dash.no_update,) * 2
    except (QueryInputError, PromQLError) as exc:
        return (dash.no_update,) * 3 + (str(exc),) + (dash.no_update,) * 2
    one = record is not None and len(record.series) == 1
    value = format_value(latest_value(record), unit, t) if one else ""
    freshness = read_freshness(record, services, now, live)
    status = status_text(record, freshness, now, t)
    theme = parse_theme(query["theme"])
    marker = (stale_marker(freshness, t), root_class(theme, freshness))
    if record is None:
        return dash.no_update, dash.no_update, value, status, *marker
    plan = plan_patch(record, shown) if shown is not None else None
    if plan is None:
        return panel_figure(record, unit, theme), shown_state(record), value, status, *marker
    patch = Patch()
    for index, ((xs, ys), drop) in enumerate(zip(plan.appends, plan.drops, strict=True)):
        if xs:
            patch["data"][index]["x"].extend(xs)
            patch["data"][index]["y"].extend(ys)
        for _ in range(drop):
            del patch["data"][index]["x"][0]
            del patch["data"][index]["y"][0]
    return patch, shown_state(record), value, status, *marker


dash.clientside_callback(
    ClientsideFunction(namespace="i3embed", function_name="postHeight"),
    Output("embed-height", "children"),
    Input("embed-query", "data"),
)
