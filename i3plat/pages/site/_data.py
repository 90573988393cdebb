"""Where a site-page panel's data comes from: the poller's live hour, or the on-demand path.

The last hour of every live metric is read from the snapshot store (no upstream call, whoever
watches); another range, or a custom one, goes through the collector's single-flight, cached,
rate-limited on-demand path. Nothing here reaches a site itself.
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import dataclass

from i3plat.collector.freshness import UNREACHABLE_CAUSES, is_unreachable, panel_is_stale
from i3plat.collector.ondemand import OnDemandRateLimited
from i3plat.collector.poller import SITE_LEVEL_CAUSES
from i3plat.collector.records import Failure, PanelRecord, SeriesRecord, SiteRecord
from i3plat.collector.standard import LIVE_METRICS, LIVE_WINDOW
from i3plat.components.figure_style import gpu_trace_name
from i3plat.components.figures import Grid, on_grid
from i3plat.components.panels import PanelState, SiteOutage
from i3plat.components.site_controls import SiteView
from i3plat.promql.errors import QueryInputError
from i3plat.webctx import Services

MAX_RATE_LIMIT_WAIT = 2.0
"""A panel waits this long at most for its site's on-demand budget before saying so."""


@dataclass(frozen=True)
class PanelData:
    """Everything a panel shows: its traces on one grid (None while there is none) and its state."""

    mode: str
    names: list[str]
    rows: list[list[float | None]]
    grid: Grid | None
    state: PanelState


def trace_name(labels: dict[str, str], scope: str, title: str) -> str:
    if scope == "cluster":
        return title
    node = labels.get("node", "")
    if scope == "gpu":
        gpu = labels.get("gpu", "?")
        return gpu_trace_name(node, gpu) if node else f"GPU {gpu}"  # the legend groups by this name
    return node or title


def sort_key(labels: dict[str, str]) -> tuple[str, int, str]:
    gpu = labels.get("gpu", "")
    return (labels.get("node", ""), int(gpu) if gpu.isdigit() else -1, gpu)


def is_live(view: SiteView, metric: str) -> bool:
    return not view.custom and view.range == LIVE_WINDOW and metric in LIVE_METRICS


def site_failure(site: SiteRecord | None) -> Failure | None:
    """The failure of the site as a whole (its panels were not even asked), or None."""
    if site is None or site.failure is None:
        return None
    if is_unreachable(site) or site.failure.cause in SITE_LEVEL_CAUSES:
        return site.failure
    return None


def site_outage(site: SiteRecord | None) -> SiteOutage | None:
    """What the page-level notice says: the site's failure, since when, and the data's age."""
    failure = site_failure(site)
    if site is None or failure is None:
        return None
    since = site.unreachable_since if site.unreachable_since is not None else failure.at
    return SiteOutage(failure.cause, since, site.last_success_at, failure.message)


def same_outage(own: Failure, whole: Failure) -> bool:
    """A panel's failure is the site's when the cause is the same (an on-demand query of a site
    that cannot be reached may time out where the poll was refused: both mean "unreachable")."""
    return own.cause == whole.cause or {own.cause, whole.cause} <= UNREACHABLE_CAUSES


def has_value(value: float | None) -> bool:
    return value is not None and not math.isnan(value)


def first_point(series: Sequence[SeriesRecord]) -> float | None:
    """The earliest timestamp with a value among the series (None when none has one)."""
    firsts = [
        next((ts for ts, value in zip(s.timestamps, s.values, strict=False) if has_value(value)), None)
        for s in series
    ]
    known = [ts for ts in firsts if ts is not None]
    return min(known) if known else None


def state_of(
    record: PanelRecord | None,
    site: SiteRecord | None,
    poll_interval: float,
    now: float,
    *,
    live: bool,
    series: Sequence[SeriesRecord] | None = None,
) -> PanelState:
    """The panel's status from its record (`series`: the traces shown, when filtered by node)."""
    if record is None:
        return PanelState("waiting", None, True, False)
    whole = site_failure(site)
    failure = record.failure or whole  # the whole site failed: its panels were not even asked
    first = first_point(record.series if series is None else series)
    return PanelState(
        failure.cause if failure else None,
        record.fetched_at,
        panel_is_stale(record, site, poll_interval, now, live=live),
        first is not None,
        failure.message if failure else None,
        site_wide=failure is not None and whole is not None and same_outage(failure, whole),
        first_at=first,
        start=record.start,
        end=record.end,
        step=record.step,
    )


def to_panel(
    record: PanelRecord, series: list[SeriesRecord], scope: str, title: str, mode: str, state: PanelState
) -> PanelData:  # fmt: skip
    if record.step is None or record.start is None or record.end is None or not record.step:
        return PanelData(mode, [], [], None, state)
    step = int(record.step)
    grid = Grid(int(record.start) // step * step, int(record.end) // step * step, step)
    ordered = sorted(series, key=lambda s: sort_key(s.labels))
    names = [trace_name(s.labels, scope, title) for s in ordered]
    return PanelData(mode, names, [on_grid(s.timestamps, s.values, grid) for s in ordered], grid, state)


def load_panel(
    services: Services, view: SiteView, metric: str, *, max_points: int, now: float, locale: str
) -> PanelData:
    """The panel's data for this view, never raising for an upstream or input problem."""
    definition = services.catalog.get(metric)
    title = definition.title(locale)
    node = view.node if definition.scope != "cluster" else None
    site = services.store.site(view.site)
    poll_interval = services.settings.poll_interval
    if is_live(view, metric):
        record = services.store.panel(view.site, metric, LIVE_WINDOW)
        if record is None:
            return PanelData("live", [], [], None, state_of(None, site, poll_interval, now, live=True))
        series = [s for s in record.series if node is None or s.labels.get("node") == node]
        state = state_of(record, site, poll_interval, now, live=True, series=series)
        return to_panel(record, series, definition.scope, title, "live", state)
    mode = "custom" if view.custom else "ondemand"
    start, end = view.window(now)
    deadline = time.monotonic() + MAX_RATE_LIMIT_WAIT
    while True:
        try:
            record = services.ondemand.series(
                view.site, metric, node=node, start=start, end=end, step=None, max_points=max_points
            )
            break
        except OnDemandRateLimited as exc:
            if time.monotonic() + exc.retry_after > deadline:
                return PanelData(mode, [], [], None, PanelState("rate_limited", None, True, False, str(exc)))
            time.sleep(max(0.05, exc.retry_after))
        except QueryInputError as exc:
            return PanelData(mode, [], [], None, PanelState("bad_input", None, True, False, str(exc)))
    state = state_of(record, site, poll_interval, now, live=False)
    return to_panel(record, record.series, definition.scope, title, mode, state)


def panel_width_points(width_px: object) -> int:
    """One point per pixel of the panel, within what the on-demand path accepts."""
    if isinstance(width_px, int | float) and math.isfinite(width_px):
        return max(100, min(2000, int(width_px)))
    return 600
