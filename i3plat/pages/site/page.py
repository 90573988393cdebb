"""`/sites/<site>?node=&range=&refresh=` — site monitoring (集群监控).

All state lives in the URL. Node, range and refresh changes rewrite the query string in place
(`site-url`, refresh=False) and redraw the panels; a site switch navigates (`site-nav`,
callback-nav) so the page router builds the other site's page; the back button makes the router
rebuild the page from the older URL. Each panel has its own callback (`_panels.py`): a full
figure first, then small deltas that `assets/site.js` applies in the browser.
"""

from __future__ import annotations

import time
from typing import Any

import dash
import dash_bootstrap_components as dbc
from dash import Input, Output, State, ctx, dcc, html, no_update
from dash.exceptions import PreventUpdate

from i3plat.collector.freshness import is_unreachable, nodes_not_ready, nodes_reported_not_ready, read_fleet
from i3plat.collector.standard import NOW_WINDOW
from i3plat.collector.store import SnapshotStore
from i3plat.components.figures import Theme
from i3plat.components.panels import (
    PANELS,
    data_attrs,
    panel_card,
    site_notice,
)
from i3plat.components.site_controls import (
    ALL_NODES,
    CUSTOM,
    SiteView,
    for_site,
    format_local_time,
    node_options,
    parse_local_time,
    parse_refresh,
    parse_view,
    site_controls,
    site_links,
    view_search,
)
from i3plat.components.site_list import NODES_DOWN_CLASS, display_state, ready_badge
from i3plat.karmada_client import InvalidName, validate_name
from i3plat.pages.site._data import site_outage
from i3plat.pages.site._panels import delta_id
from i3plat.pages.site._routing import owner_of
from i3plat.webctx import current_services, request_translator


def page_title(site: str | None = None, **_: Any) -> str:
    return f"{site} · I3Plat" if site and "/" not in site else "I3Plat"


dash.register_page(
    __name__, path_template="/sites/<site>", title=page_title, name="Site monitoring", order=90
)


def not_found(site: str, message: str) -> Any:
    t = request_translator()
    return html.Div(
        [
            html.H2(t("Site not found"), className="mb-3"),
            dbc.Alert(
                [html.Div(message), dcc.Link(t("Back to the overview"), href=dash.get_relative_path("/"))],
                color="warning",
                id="site-not-found",
            ),
        ],
        className="site-page",
        **data_attrs(site=site),
    )


def theme_of(view: SiteView, query: dict[str, Any]) -> Theme:
    wanted = query.get("theme")
    if wanted in ("dark", "light"):
        return "dark" if wanted == "dark" else "light"
    return "dark" if view.kiosk else "light"


def layout(site: str | None = None, **query: Any) -> Any:
    """Light on purpose: empty panels, filled by their callbacks."""
    if site is None:
        return html.Div(className="site-page")
    owner = owner_of(f"sites/{site}", dash.page_registry.values(), __name__)
    if owner is not None:  # e.g. /sites/register or /sites/<site>/logs matched here first
        page, variables = owner
        owned = page.get("layout")
        return owned(**variables, **query) if callable(owned) else owned
    t = request_translator()
    try:
        validate_name("site", site)
    except InvalidName:
        return not_found(site, t("“{site}” is not a valid site name.", site=site[:80]))
    services = current_services()
    fleet = read_fleet(services.store)
    names = [name for name, _ in fleet.sites]
    if fleet.fetched_at is not None and site not in names:
        return not_found(site, t("There is no site named “{site}” in the federation.", site=site))
    view = parse_view(site, query, default_refresh=int(services.settings.poll_interval))
    theme = theme_of(view, query)
    nodes, down = node_state(services.store, site)
    sites = [
        (name, name if display_state(rec) != "Unreachable" else f"{name} ({t('Unreachable')})")
        for name, rec in fleet.sites
    ] or [(site, site)]
    catalog = services.catalog
    cards = [
        dbc.Col(
            panel_card(
                spec, catalog.get(spec.metric).title(t.locale), catalog.get(spec.metric).unit, theme, t.locale
            ),
            xs=12,
            lg=6,
            xxl=4,
        )
        for spec in PANELS
    ]
    header = html.Div(
        [
            html.H2(
                [t("Site monitoring"), html.Span(" · "), html.Span(site, id="site-name")],
                className="site-heading",
            ),
            html.Div(id="site-summary", className="site-summary"),
            site_links(site, t, dash.get_relative_path),
        ],
        className="site-header",
    )
    return html.Div(
        [
            dcc.Location(id="site-url", refresh=False),
            dcc.Location(id="site-nav", refresh="callback-nav"),
            dcc.Store(id="site-view", data={**view.to_store(), "theme": theme}),
            dcc.Store(id="site-env"),
            dcc.Interval(
                id="site-tick",
                interval=max(5, view.refresh or 5) * 1000,
                disabled=view.refresh == 0 or view.custom,
            ),
            header,
            html.Div(id="site-notice", className="site-notice-slot", role="status"),
            site_controls(
                view,
                sites,
                nodes,
                t,
                down,
            ),
            dbc.Row(cards, className="g-3 site-panels"),
            html.Div([dcc.Store(id=delta_id(spec.key)) for spec in PANELS], hidden=True),
        ],
        className=f"site-page theme-{theme}" + (" kiosk" if view.kiosk else ""),
        id="site-page",
        **data_attrs(site=site),
    )


# ---------------------------------------------------------------------------- URL state

dash.clientside_callback(
    """function(_path) {
        const w = window.innerWidth;
        const columns = w >= 1400 ? 3 : (w >= 992 ? 2 : 1);
        return {tz: -new Date().getTimezoneOffset() * 60, width: Math.round(w / columns) - 60};
    }""",
    Output("site-env", "data"),
    Input("site-page", "id"),  # fires once per page build; a URL change must not redraw the old page
)


@dash.callback(
    Output("site-view", "data"),
    Output("site-url", "search"),
    Output("site-tick", "interval"),
    Output("site-tick", "disabled"),
    Output("site-custom", "className"),
    Output("site-custom-error", "children"),
    Output("site-start", "value"),
    Output("site-end", "value"),
    Input("site-node", "value"),
    Input("site-range", "value"),
    Input("site-refresh", "value"),
    Input("site-apply", "n_clicks"),
    Input("site-start", "n_submit"),
    Input("site-end", "n_submit"),
    State("site-start", "value"),
    State("site-end", "value"),
    State("site-view", "data"),
    State("site-env", "data"),
    prevent_initial_call=True,
)
def change_view(
    node: str | None,
    range_: str | None,
    refresh: Any,
    _apply: Any,
    _s1: Any,
    _s2: Any,
    start_text: str | None,
    end_text: str | None,
    current: dict[str, Any],
    env: dict[str, Any] | None,
) -> tuple[Any, ...]:
    """Node, range or refresh changed: a new view, written into the URL without a reload."""
    t = request_translator()
    view = SiteView.from_store(current)
    tz = int((env or {}).get("tz", 0))
    new = SiteView(
        site=view.site, node=None if node in (None, ALL_NODES) else node, range=view.range,
        start=view.start, end=view.end, refresh=parse_refresh(str(refresh), view.refresh), kiosk=view.kiosk,
    )  # fmt: skip
    error = ""
    start_out: Any = no_update
    end_out: Any = no_update
    if range_ != CUSTOM and range_:
        new = SiteView(new.site, new.node, range_, None, None, new.refresh, new.kiosk)
    elif range_ == CUSTOM:
        start, end = parse_local_time(start_text, tz), parse_local_time(end_text, tz)
        if start is not None and end is not None and start < end <= time.time() + 3600:
            new = SiteView(new.site, new.node, CUSTOM, start, end, new.refresh, new.kiosk)
        elif ctx.triggered_id in ("site-apply", "site-start", "site-end"):
            error = t("Enter start and end as YYYY-MM-DD HH:MM, start before end.")
        if not start_text and not end_text and not view.custom:
            now = int(time.time())
            begin, _ = view.window(now)
            start_out, end_out = format_local_time(int(begin), tz), format_local_time(now, tz)
    custom_class = "custom-range" + ("" if range_ == CUSTOM else " d-none")
    interval = max(5, new.refresh or 5) * 1000
    disabled = new.refresh == 0 or new.custom
    if new == view:
        return no_update, no_update, interval, disabled, custom_class, error, start_out, end_out
    return (
        {**new.to_store(), "theme": current.get("theme")},
        view_search(new),
        interval,
        disabled,
        custom_class,
        error,
        start_out,
        end_out,
    )


@dash.callback(
    Output("site-nav", "pathname"),
    Output("site-nav", "search"),
    Input("site-switch", "value"),
    State("site-view", "data"),
    prevent_initial_call=True,
)
def switch_site(site: str | None, current: dict[str, Any]) -> tuple[str, str]:
    """Another site, same node (if it has one by that name), range and refresh."""
    view = SiteView.from_store(current)
    if not site or site == view.site:
        raise PreventUpdate
    validate_name("site", site)
    record = current_services().store.site(site)
    target = for_site(view, site, record.node_names if record else [])
    return dash.get_relative_path(f"/sites/{site}"), view_search(target)


def node_state(store: SnapshotStore, site: str) -> tuple[list[str], frozenset[str]]:
    """The site's nodes (from the last poll) and those kube-state-metrics reports not Ready."""
    record = store.site(site)
    names = record.node_names if record else []
    return names, nodes_reported_not_ready(store.panel(site, "k8s.node.ready", NOW_WINDOW))


@dash.callback(
    Output("site-node", "options"),
    Input("site-tick", "n_intervals"),
    State("site-view", "data"),
    State("site-node", "options"),
    prevent_initial_call=True,
)
def refresh_node_options(_n: int | None, current: dict[str, Any], shown: list[dict[str, str]] | None) -> Any:
    """Nodes a later poll found (a page opened before the first one) and who is Ready now."""
    view = SiteView.from_store(current)
    nodes, down = node_state(current_services().store, view.site)
    options = node_options(nodes, view.node, request_translator(), down)
    if options == shown:
        raise PreventUpdate
    return options


@dash.callback(
    Output("site-summary", "children"),
    Output("site-notice", "children"),
    Input("site-view", "data"),
    Input("site-tick", "n_intervals"),
)
def site_summary(current: dict[str, Any], _n: int | None) -> tuple[Any, Any]:
    """The badge and node counts by the heading, and the one notice of a site that cannot be polled
    (the panels then only mark their data as old); both follow the page's tick."""
    t = request_translator()
    view = SiteView.from_store(current)
    record = current_services().store.site(view.site)
    parts: list[Any] = [ready_badge(display_state(record), t)]
    if record is not None and record.nodes_total is not None:
        counts = {"ready": record.nodes_ready or 0, "total": record.nodes_total}
        text = (  # Karmada's last count from before the site went away, or its current one
            t("{ready} of {total} nodes ready (last known)", **counts)
            if is_unreachable(record)
            else t("{ready} of {total} nodes ready", **counts)
        )
        down = nodes_not_ready(record.nodes_ready, record.nodes_total)
        parts.append(html.Span(text, className="ms-2 " + (NODES_DOWN_CLASS if down else "site-nodes")))
    return parts, site_notice(site_outage(record), t, time.time())
