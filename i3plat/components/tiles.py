"""Overview tiles: one per site, plus the federation totals bar on top.

`site_view` folds a site's records into the few numbers a tile shows; `tile_texts` turns them
into strings for the viewer's language. The tile skeleton (`site_tile`) is built once per site
order; afterwards only its texts, classes and trend patches change, so the DOM stays the same
size however long a kiosk runs.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from dash import dcc, html

from i3plat.collector.freshness import is_unreachable, nodes_not_ready, panel_is_stale, site_is_ready
from i3plat.collector.records import PanelRecord, SiteRecord
from i3plat.components.sparkline import SPARK_CONFIG, empty_trends
from i3plat.i18n import N_, Translator

UTIL_METRICS: dict[str, str] = {
    "cpu": "cpu.util.cluster",
    "mem": "mem.util.cluster",
    "disk": "fs.used.ratio.cluster",
    "gpu": "gpu.util.cluster",
}
"""Tile key → the polled instant metric (and the same id's 1 h live window for the trend)."""

UTIL_LABELS: dict[str, str] = {"cpu": N_("CPU"), "mem": N_("Memory"), "disk": N_("Disk"), "gpu": N_("GPU")}
NOW_TILE_METRICS: tuple[str, ...] = (*UTIL_METRICS.values(), "net.rx.cluster", "net.tx.cluster",
                                     "gpu.count.cluster", "k8s.nodes.total", "k8s.nodes.ready")  # fmt: skip
TEXT_FIELDS: tuple[str, ...] = ("state", "reason", "nodes", "gpus", *UTIL_METRICS, "rx", "tx")

CAUSE_LABELS: dict[str, str] = {
    "unreachable": N_("Karmada cannot reach the site"),
    "timeout": N_("The site does not answer in time"),
}
"""Short words for why a site is unreachable; the full upstream text is on the site list."""

STATE_LABELS: dict[str, str] = {
    "ready": N_("Ready"),
    "notready": N_("Not ready"),
    "unknown": N_("Unknown"),
    "unreachable": N_("Unreachable"),
}


@dataclass(frozen=True)
class SiteView:
    """What one tile shows, with the freshness of each value."""

    name: str
    state: str
    """ready | notready | unknown | unreachable"""
    reason: str
    unreachable_since: float | None
    nodes_ready: float | None
    nodes_total: float | None
    gpus_allocated: float | None
    gpus_allocatable: float | None
    util: Mapping[str, float | None]
    rx: float | None
    tx: float | None
    gpu_count: float | None
    stale: frozenset[str]
    """Keys (cpu, mem, disk, gpu, rx, tx) whose value is old or failed."""
    data_at: float | None
    """When the newest of the tile's values was fetched (None: never)."""
    cause: str | None = None
    """The failure cause of an unreachable site (a CAUSE_LABELS key when known)."""

    @property
    def fresh(self) -> bool:
        return self.state != "unreachable" and not self.stale and self.data_at is not None

    @property
    def nodes_down(self) -> int:
        """Nodes not Ready on a site that answers (an unreachable site's counts are old)."""
        return 0 if self.state == "unreachable" else nodes_not_ready(self.nodes_ready, self.nodes_total)


def last_value(record: PanelRecord | None) -> float | None:
    """The newest finite value of a single-series panel (instant panels have one point)."""
    if record is None or not record.series:
        return None
    values = record.series[0].values
    for value in reversed(values):
        if value is not None and math.isfinite(value):
            return float(value)
    return None


def site_state(record: SiteRecord | None) -> str:
    if record is None:
        return "unknown"
    if is_unreachable(record):
        return "unreachable"
    return {"True": "ready", "False": "notready"}.get(record.ready_state, "unknown")


def site_view(
    name: str,
    record: SiteRecord | None,
    panels: Mapping[str, PanelRecord | None],
    *,
    now: float,
    poll_interval: float,
) -> SiteView:
    """Fold a site's record and instant panels into one tile's worth of values."""

    def value(metric: str) -> float | None:
        return last_value(panels.get(metric))

    def stale(metric: str) -> bool:
        panel = panels.get(metric)
        return panel is None or panel_is_stale(panel, record, poll_interval, now, live=True)

    keys = {**UTIL_METRICS, "rx": "net.rx.cluster", "tx": "net.tx.cluster"}
    fetched = [p.fetched_at for p in panels.values() if p is not None and p.fetched_at is not None]
    reason = "" if record is None else record.reason
    cause = None
    if record is not None and is_unreachable(record) and record.failure is not None:
        reason, cause = record.failure.message, record.failure.cause
    nodes_total = record.nodes_total if record and record.nodes_total is not None else None
    nodes_ready = record.nodes_ready if record and record.nodes_ready is not None else None
    return SiteView(
        name=name,
        state=site_state(record),
        reason=reason,
        unreachable_since=record.unreachable_since if record else None,
        nodes_ready=nodes_ready if nodes_ready is not None else value("k8s.nodes.ready"),
        nodes_total=nodes_total if nodes_total is not None else value("k8s.nodes.total"),
        gpus_allocated=record.gpus_allocated if record else None,
        gpus_allocatable=record.gpus_allocatable if record else None,
        util={key: value(metric) for key, metric in UTIL_METRICS.items()},
        rx=value("net.rx.cluster"),
        tx=value("net.tx.cluster"),
        gpu_count=value("gpu.count.cluster"),
        stale=frozenset(key for key, metric in keys.items() if value(metric) is not None and stale(metric)),
        data_at=max(fetched) if fetched else None,
        cause=cause,
    )


def format_rate(bytes_per_second: float | None, t: Translator) -> str:
    """Decimal units, three significant figures: 5.21 MB/s, 812 kB/s."""
    if bytes_per_second is None:
        return "–"
    value, unit = bytes_per_second, "B/s"
    for next_unit in ("kB/s", "MB/s", "GB/s", "TB/s"):
        if abs(value) < 1000:
            break
        value, unit = value / 1000, next_unit
    digits = 0 if abs(value) >= 100 or unit == "B/s" else (1 if abs(value) >= 10 else 2)
    return f"{t.number(value, digits)} {unit}"


def pair(a: float | None, b: float | None, t: Translator) -> str:
    return f"{'–' if a is None else t.number(a)} / {'–' if b is None else t.number(b)}"


def since_text(view: SiteView, t: Translator) -> str:
    if view.state != "unreachable" or view.unreachable_since is None:
        return ""
    return t("since {time}", time=t.moment(view.unreachable_since, "short"))


def tile_texts(view: SiteView, t: Translator) -> dict[str, str]:
    """Every changing text of a tile, keyed like the tile's `tv` elements (TEXT_FIELDS)."""
    reason = view.reason
    if view.state == "unreachable":
        label = CAUSE_LABELS.get(view.cause or "")
        reason = t(label) if label else reason
        reason = " · ".join(part for part in (since_text(view, t), reason) if part)
    elif view.state == "ready":
        reason = t("Nodes not ready: {n}", n=view.nodes_down) if view.nodes_down else ""
    texts = {
        "state": t(STATE_LABELS[view.state]),
        "reason": reason,
        "nodes": pair(view.nodes_ready, view.nodes_total, t),
        "gpus": pair(view.gpus_allocated, view.gpus_allocatable, t),
        "rx": format_rate(view.rx, t),
        "tx": format_rate(view.tx, t),
    }
    for key, ratio in view.util.items():
        texts[key] = "–" if ratio is None else t.percent(ratio)
    return texts


def base_class(key: str) -> str:
    return f"tv tv-{key} state-badge" if key == "state" else f"tv tv-{key}"


def value_class(view: SiteView, key: str) -> str:
    """The base classes plus `is-stale` (dimmed, old data) and a load level for utilisations."""
    classes = [base_class(key)]
    old_when_unreachable = (*UTIL_METRICS, "nodes", "gpus", "rx", "tx")
    if key in view.stale or (view.state == "unreachable" and key in old_when_unreachable):
        classes.append("is-stale")
    ratio = view.util.get(key) if key in UTIL_METRICS else None
    if ratio is not None:
        classes.append("level-high" if ratio >= 0.9 else "level-warn" if ratio >= 0.75 else "level-ok")
    if key == "nodes" and view.nodes_down:
        classes.append("level-high" if view.nodes_down >= (view.nodes_total or 0) else "level-warn")
    return " ".join(classes)


def tile_class(view: SiteView) -> str:
    classes = ["site-tile", f"state-{view.state}"]
    if not view.fresh:
        classes.append("is-stale")
    if view.nodes_down:
        classes.append("has-nodes-down")
    return " ".join(classes)


def text_id(site: str, field: str) -> dict[str, str]:
    return {"type": "tv", "site": site, "f": field}


def spark_id(site: str) -> dict[str, str]:
    return {"type": "spark", "site": site}


def age_id(site: str) -> dict[str, str]:
    return {"type": "tile-age", "site": site}


def site_tile(site: str, href: str, t: Translator, view: SiteView | None = None) -> dcc.Link:
    """The tile skeleton: fixed structure, every changing part an addressable element.

    With `view`, the texts are filled in at once, so a re-ordered grid never flashes empty tiles.
    """
    texts = tile_texts(view, t) if view is not None else {}

    def tv(field: str) -> html.Span:
        classes = value_class(view, field) if view is not None else base_class(field)
        return html.Span(texts.get(field, ""), id=text_id(site, field), className=classes)

    def kv(label: str, field: str) -> html.Span:
        """Label above value, so a long label never pushes a figure or its unit out of the tile."""
        return html.Span([html.Span(label, className="tile-label", title=label), tv(field)], className="kv")

    metrics = [
        html.Div([html.Span(t(UTIL_LABELS[key]), className="tile-label"), tv(key)],
                 className=f"tile-metric metric-{key}")
        for key in UTIL_METRICS
    ]  # fmt: skip
    return dcc.Link(
        [
            html.Div(
                [html.Span(site, className="tile-name"), tv("state")],
                className="tile-head",
            ),
            html.Div([tv("reason"), html.Span("", id=age_id(site), className="tile-age")],
                     className="tile-sub"),
            html.Div(metrics, className="tile-metrics"),
            dcc.Graph(id=spark_id(site), figure=empty_trends(tuple(UTIL_METRICS)), config=SPARK_CONFIG,
                      className="spark", responsive=True),
            html.Div([kv(t("Nodes"), "nodes"), kv(t("GPUs allocated"), "gpus"),
                      kv("↓ " + t("Network in"), "rx"), kv("↑ " + t("Network out"), "tx")],
                     className="tile-foot"),
        ],
        href=href,
        id={"type": "site-tile", "site": site},
        className=tile_class(view) if view is not None else "site-tile state-unknown",
        title=site,
    )  # fmt: skip


@dataclass(frozen=True)
class FleetTotals:
    """The federation at a glance: every figure but the ready count only over sites with current data."""

    sites_ready: int
    sites_total: int
    nodes_ready: float
    nodes_total: float
    gpus_allocated: float
    gpus_allocatable: float
    util: Mapping[str, float | None]
    rx: float | None
    tx: float | None
    without_data: int
    left_out: tuple[str, ...] = ()
    """The sites without current data, by name, for the note under the totals."""


def weighted_mean(pairs: Iterable[tuple[float | None, float | None]]) -> float | None:
    """Mean of values weighted by their weights; a value without a weight counts once."""
    total = weight_sum = 0.0
    for value, weight in pairs:
        if value is None:
            continue
        w = weight if weight is not None and weight > 0 else 1.0
        total += value * w
        weight_sum += w
    return total / weight_sum if weight_sum else None


def fleet_totals(views: Sequence[SiteView], records: Mapping[str, SiteRecord | None]) -> FleetTotals:
    """Sums, means and rates only from sites whose data is current; the ready count over all.

    A site that cannot be reached keeps its last values on its tile, but adding them to the
    fleet's figures would mix old and new numbers under one label, so the totals leave it out
    and the note names it. CPU and memory are weighted by node count (the cache holds no core or
    byte totals per site), GPU utilisation by the number of GPUs reporting (exact: the site value
    is a mean per GPU).
    """
    current = [v for v in views if v.fresh]

    def total(values: Iterable[float | None]) -> float:
        return float(sum(v for v in values if v is not None))

    def rate(key: str) -> float | None:
        values = [getattr(v, key) for v in current if getattr(v, key) is not None]
        return float(sum(values)) if values else None

    util = {
        "cpu": weighted_mean((v.util["cpu"], v.nodes_total) for v in current),
        "mem": weighted_mean((v.util["mem"], v.nodes_total) for v in current),
        "disk": weighted_mean((v.util["disk"], v.nodes_total) for v in current),
        "gpu": weighted_mean((v.util["gpu"], v.gpu_count or v.gpus_allocatable) for v in current),
    }
    return FleetTotals(
        sites_ready=sum(1 for v in views if site_is_ready(records.get(v.name))),
        sites_total=len(views),
        nodes_ready=total(v.nodes_ready for v in current),
        nodes_total=total(v.nodes_total for v in current),
        gpus_allocated=total(v.gpus_allocated for v in current),
        gpus_allocatable=total(v.gpus_allocatable for v in current),
        util=util,
        rx=rate("rx"),
        tx=rate("tx"),
        without_data=len(views) - len(current),
        left_out=tuple(v.name for v in views if not v.fresh),
    )


TOTAL_FIELDS: tuple[str, ...] = ("sites", "nodes", "gpus", "cpu", "mem", "gpu", "rx", "tx")


def totals_texts(totals: FleetTotals, t: Translator) -> dict[str, str]:
    texts = {
        "sites": f"{totals.sites_ready} / {totals.sites_total}",
        "nodes": pair(totals.nodes_ready, totals.nodes_total, t),
        "gpus": pair(totals.gpus_allocated, totals.gpus_allocatable, t),
        "rx": format_rate(totals.rx, t),
        "tx": format_rate(totals.tx, t),
    }
    for key in ("cpu", "mem", "gpu"):
        ratio = totals.util.get(key)
        texts[key] = "–" if ratio is None else t.percent(ratio)
    return texts


NOTE_NAMES = 4
"""At most this many site names in the totals note; the rest are counted."""


def totals_note(totals: FleetTotals, t: Translator) -> str:
    """Name the sites left out, so the note reads the same for one site or many (no plurals)."""
    if not totals.left_out:
        return ""
    names = list(totals.left_out[:NOTE_NAMES])
    if len(totals.left_out) > NOTE_NAMES:
        names.append(t("{n} more", n=len(totals.left_out) - NOTE_NAMES))
    sites = ("、" if t.locale.startswith("zh") else ", ").join(names)
    return t("No current data, so left out of the totals (except Sites ready): {sites}", sites=sites)


def totals_bar(t: Translator) -> html.Div:
    """The totals skeleton; its values are filled by the refresh callback."""
    labels = {
        "sites": t("Sites ready"), "nodes": t("Nodes ready"), "gpus": t("GPUs allocated"),
        "cpu": t("CPU"), "mem": t("Memory"), "gpu": t("GPU"), "rx": t("Network in"), "tx": t("Network out"),
    }  # fmt: skip
    cells = [
        html.Div(
            [html.Div(labels[key], className="total-label"),
             html.Div("–", id={"type": "total", "f": key}, className=f"total-value total-{key}")],
            className="total-cell",
        )
        for key in TOTAL_FIELDS
    ]  # fmt: skip
    return html.Div(
        [html.Div(cells, className="totals-cells"), html.Div("", id="totals-note", className="totals-note")],
        id="fleet-totals",
        className="fleet-totals",
    )


def grid_shape(count: int, screen_aspect: float = 16 / 9, tile_aspect: float = 1.6) -> tuple[int, int]:
    """Columns and rows that fill a screen of `screen_aspect` with tiles closest to `tile_aspect`.

    Few empty cells win over a perfect shape: 3 sites on a TV are 3 × 1, 16 are 4 × 4.
    """
    if count <= 0:
        return 1, 1
    best: tuple[float, int, int] | None = None
    for cols in range(1, count + 1):
        rows = math.ceil(count / cols)
        if (cols - 1) * rows >= count:
            continue  # a whole empty column
        aspect = (screen_aspect / cols) * rows
        empty = cols * rows - count
        score = abs(math.log(aspect / tile_aspect)) + 0.35 * empty / count
        if best is None or score < best[0]:
            best = (score, cols, rows)
    assert best is not None
    return best[1], best[2]
