"""`/` — the fleet overview (总览) and, with `?kiosk=1`, the big screen (大屏).

Wiring only. Two server callbacks share the refresh Interval: `refresh_structure` rebuilds the
tile skeletons only when the set or order of sites changes; `refresh_values` sends texts,
classes and sparkline Patches for the tiles already on screen. Clock, data ages and kiosk
rotation run in the browser (assets/kiosk.js), so they keep going while the server is away.
"""

from __future__ import annotations

import time
from typing import Any

import dash
from dash import ALL, ClientsideFunction, Input, Output, Patch, State, ctx, dcc, html, no_update

from i3plat.collector.freshness import STALE_AFTER_POLLS, FleetStatus, read_fleet
from i3plat.collector.records import PanelRecord, SiteRecord
from i3plat.collector.standard import LIVE_WINDOW, NOW_WINDOW
from i3plat.collector.store import SnapshotStore
from i3plat.components.shell import TRUTHY
from i3plat.components.site_list import fleet_banner
from i3plat.components.sparkline import TrendCursor, trend_patch, trends_figure
from i3plat.components.tiles import (
    NOW_TILE_METRICS,
    UTIL_METRICS,
    fleet_totals,
    grid_shape,
    site_tile,
    site_view,
    tile_class,
    tile_texts,
    totals_bar,
    totals_note,
    totals_texts,
    value_class,
)
from i3plat.i18n import Translator
from i3plat.webctx import current_services, request_translator

dash.register_page(__name__, path="/", name="Overview", title="I3Plat", order=0)

MIN_REFRESH_S = 1.0


def refresh_ms(refresh: str | None, poll_interval: float) -> int:
    """The page's own refresh: the poll interval, or `?refresh=` (≥ 1 s; it only re-reads the cache)."""
    seconds = poll_interval
    if refresh:
        try:
            seconds = max(MIN_REFRESH_S, float(refresh))
        except ValueError:
            seconds = poll_interval
    return int(seconds * 1000)


def age_texts(t: Translator) -> dict[str, str]:
    """Templates for the browser's age counter (`{n}` is filled clientside)."""
    return {
        "s": t("{n} s"), "min": t("{n} min"), "h": t("{n} h"), "d": t("{n} d"),
        "fresh": t("updated {age} ago"), "old": t("data {age} old"), "never": t("no data yet"),
        "lost": t("Connection to the console lost — retrying; showing the last values"),
    }  # fmt: skip


def layout(kiosk: str | None = None, refresh: str | None = None, **_query: Any) -> Any:
    """`theme` (dark by default in kiosk mode) is applied by assets/kiosk.js before the first paint."""
    t = request_translator()
    settings = current_services().settings
    is_kiosk = (kiosk or "").strip().lower() in TRUTHY
    header = html.Div(
        [
            html.H2(t("I3Plat sites") if is_kiosk else t("Sites"), id="overview-title"),
            html.Div("", id="kiosk-conn", className="kiosk-conn"),
            html.Div("", id="kiosk-clock", className="kiosk-clock"),
        ],
        className="overview-head",
    )
    return html.Div(
        [
            header,
            html.Div(id="fleet-banner"),
            totals_bar(t),
            html.Div(id="overview-grid", className="tile-grid"),
            dcc.Store(id="overview-order", data=None),
            dcc.Store(id="overview-cursors", data=None),
            dcc.Store(id="overview-ages", data=None),
            dcc.Store(id="overview-i18n", data={**age_texts(t), "locale": t.locale.replace("_", "-")}),
            dcc.Interval(id="overview-refresh", interval=refresh_ms(refresh, settings.poll_interval)),
            dcc.Interval(id="overview-tick", interval=1000),
        ],
        className="overview kiosk" if is_kiosk else "overview",
        id="overview",
    )


def site_href(site: str) -> str:
    return str(dash.get_relative_path(f"/sites/{site}"))


@dash.callback(
    Output("overview-grid", "children"),
    Output("overview-grid", "style"),
    Output("overview-order", "data"),
    Output("kiosk-pages", "data"),
    Output("fleet-banner", "children"),
    Input("overview-refresh", "n_intervals"),
    State("overview-order", "data"),
)
def refresh_structure(_n: int | None, order: dict[str, Any] | None) -> tuple[Any, ...]:
    """New tile skeletons only when the sites or their problems-first order changed."""
    t = request_translator()
    fleet = read_fleet(current_services().store)
    names = [name for name, _ in fleet.sites]
    banner = fleet_banner(fleet, t, time.time())
    if order is not None and order.get("sites") == names:
        return no_update, no_update, no_update, no_update, banner
    cols, rows = grid_shape(len(names))
    store, poll, now = current_services().store, current_services().settings.poll_interval, time.time()
    tiles: Any = [
        site_tile(name, site_href(name), t, site_view(name, *read_site(store, fleet, name), now=now,
                                                      poll_interval=poll))
        for name in names
    ]  # fmt: skip
    if fleet.fetched_at is None:
        tiles = html.Div(t("Waiting for the site list from Karmada…"), className="tiles-empty")
    elif not names:
        tiles = html.Div(t("Karmada has no registered sites."), className="tiles-empty")
    generation = (order or {}).get("gen", 0) + 1
    pages = [dash.get_relative_path("/"), *(site_href(name) for name in names)]
    style = {"--tile-cols": cols, "--tile-rows": rows}
    return tiles, style, {"sites": names, "gen": generation}, pages, banner


def read_site(
    store: SnapshotStore, fleet: FleetStatus, site: str
) -> tuple[SiteRecord | None, dict[str, PanelRecord | None]]:
    record = dict(fleet.sites).get(site)
    return record, {metric: store.panel(site, metric, NOW_WINDOW) for metric in NOW_TILE_METRICS}


def trend_output(store: SnapshotStore, site: str, cursors: dict[str, Any]) -> tuple[Any, dict[str, Any]]:
    """A full figure the first time a tile shows its trends, then one Patch of the new points."""
    series = []
    for key, metric in UTIL_METRICS.items():
        panel = store.panel(site, metric, LIVE_WINDOW)
        found = panel.series[0] if panel is not None and panel.series else None
        series.append((key, found.timestamps if found else [], found.values if found else []))
    known = {key: TrendCursor.from_list(cursors.get(f"{site}/{key}")) for key in UTIL_METRICS}
    if any(cursor is None for cursor in known.values()):
        figure = trends_figure(series)
        fresh = {
            f"{site}/{key}": TrendCursor(float(ts[-1]) if ts else None, len(figure["data"][i]["x"])).as_list()
            for i, (key, ts, _values) in enumerate(series)
        }
        return figure, fresh
    patch, after, changed = Patch(), {}, False
    for index, (key, timestamps, values) in enumerate(series):
        before = known[key]
        assert before is not None
        cursor = trend_patch(patch, index, before, timestamps, values)
        changed = changed or cursor != before
        after[f"{site}/{key}"] = cursor.as_list()
    return (patch if changed else no_update), after


@dash.callback(
    Output({"type": "tv", "site": ALL, "f": ALL}, "children"),
    Output({"type": "tv", "site": ALL, "f": ALL}, "className"),
    Output({"type": "spark", "site": ALL}, "figure"),
    Output({"type": "site-tile", "site": ALL}, "className"),
    Output({"type": "total", "f": ALL}, "children"),
    Output("totals-note", "children"),
    Output("overview-cursors", "data"),
    Output("overview-ages", "data"),
    Input("overview-refresh", "n_intervals"),
    Input("overview-order", "data"),
    State("overview-cursors", "data"),
)
def refresh_values(_n: int | None, order: dict[str, Any] | None, cursors: dict[str, Any] | None) -> Any:
    """Small per-tile updates: strings, class names and trend Patches; never a tile rebuild."""
    t = request_translator()
    services = current_services()
    store, poll = services.store, services.settings.poll_interval
    now = time.time()
    fleet = read_fleet(store)
    text_ids, _classes, _sparks, tile_ids, total_ids, *_ = ctx.outputs_list
    sites = [entry["id"]["site"] for entry in tile_ids]
    records: dict[str, SiteRecord | None] = {}
    views = {}
    for site in sites:
        record, panels = read_site(store, fleet, site)
        records[site] = record
        views[site] = site_view(site, record, panels, now=now, poll_interval=poll)
    texts = {site: tile_texts(view, t) for site, view in views.items()}
    generation = (order or {}).get("gen", 0)
    known = (cursors or {}).get("c", {}) if (cursors or {}).get("gen") == generation else {}
    new_cursors: dict[str, Any] = {}
    figures = []
    for site in sites:
        figure, cursors_of_site = trend_output(store, site, known)
        figures.append(figure)
        new_cursors.update(cursors_of_site)
    totals = fleet_totals(list(views.values()), records)
    total_texts = totals_texts(totals, t)
    return (
        [texts[e["id"]["site"]][e["id"]["f"]] for e in text_ids],
        [value_class(views[e["id"]["site"]], e["id"]["f"]) for e in text_ids],
        figures,
        [tile_class(views[site]) for site in sites],
        [total_texts[e["id"]["f"]] for e in total_ids],
        totals_note(totals, t),
        {"gen": generation, "c": new_cursors},
        {
            "now": now,
            "stale": STALE_AFTER_POLLS * poll,
            "refresh": poll,
            "sites": {site: view.data_at for site, view in views.items()},
        },
    )


dash.clientside_callback(
    ClientsideFunction(namespace="i3kiosk", function_name="tick"),
    Output("kiosk-clock", "children"),
    Output({"type": "tile-age", "site": ALL}, "children"),
    Output({"type": "tile-age", "site": ALL}, "className"),
    Output("kiosk-conn", "children"),
    Output("kiosk-conn", "className"),
    Input("overview-tick", "n_intervals"),
    Input("overview-ages", "data"),
    State("overview-i18n", "data"),
    State("overview-refresh", "interval"),
)

dash.clientside_callback(
    ClientsideFunction(namespace="i3kiosk", function_name="rotateSetup"),
    Output("kiosk-rotate", "interval"),
    Output("kiosk-rotate", "disabled"),
    Input("kiosk-nav", "search"),
)

dash.clientside_callback(
    ClientsideFunction(namespace="i3kiosk", function_name="rotateStep"),
    Output("kiosk-nav", "pathname"),
    Input("kiosk-rotate", "n_intervals"),
    State("kiosk-pages", "data"),
    State("kiosk-nav", "pathname"),
    prevent_initial_call=True,
)
