"""Site-page panels: which metric each shows, its card, and its status line in plain words.

A panel whose latest query failed keeps its last data on screen; the status line names the
cause (site unreachable, forbidden, no endpoints, query error, timeout) and the data's age.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import dash_bootstrap_components as dbc
from dash import dcc, html

from i3plat.components.figures import Theme, empty_figure
from i3plat.i18n import N_, Translator


@dataclass(frozen=True)
class PanelSpec:
    key: str
    metric: str


PANELS: tuple[PanelSpec, ...] = (
    PanelSpec("cpu", "cpu.util.node"),
    PanelSpec("mem", "mem.util.node"),
    PanelSpec("fs", "fs.root.used.ratio"),
    PanelSpec("disk-read", "disk.read.node"),
    PanelSpec("disk-write", "disk.write.node"),
    PanelSpec("net-rx", "net.rx.node"),
    PanelSpec("net-tx", "net.tx.node"),
    PanelSpec("gpu-util", "gpu.util.gpu"),
    PanelSpec("gpu-mem", "gpu.mem.ratio.gpu"),
    PanelSpec("gpu-temp", "gpu.temp.gpu"),
    PanelSpec("gpu-power", "gpu.power.gpu"),
    PanelSpec("nodes-ready", "k8s.nodes.ready"),
    PanelSpec("pods", "k8s.pods.node"),
)

UNIT_LABELS = {
    "ratio": "%", "bytes_per_second": "B/s", "bytes": "B", "celsius": "°C", "watts": "W",
    "ops_per_second": "/s", "count": "", "bool": "",
}  # fmt: skip

CAUSE_TEXT = {
    "unreachable": N_("Site unreachable"),
    "forbidden": N_("Access forbidden"),
    "no_endpoints": N_("Prometheus has no endpoints"),
    "query_error": N_("Query error"),
    "timeout": N_("Timed out"),
    "internal": N_("Internal error"),
    "rate_limited": N_("Too many queries, retrying"),
    "bad_input": N_("Invalid request"),
    "waiting": N_("Waiting for the first poll"),
}


def graph_id(key: str) -> str:
    return f"panel-{key}-graph"


def status_id(key: str) -> str:
    return f"panel-{key}-status"


def client_id(key: str) -> str:
    return f"panel-{key}-client"


def panel_card(spec: PanelSpec, title: str, unit: str, theme: Theme = "light") -> dbc.Card:
    """An empty card: title and unit now, the figure and status from the first callback."""
    unit_label = UNIT_LABELS.get(unit, "")
    header = html.Div(
        [html.Span(title, className="panel-title"),
         html.Span(unit_label, className="panel-unit") if unit_label else None],
        className="panel-head",
    )  # fmt: skip
    return dbc.Card(
        [
            dbc.CardHeader(header),
            dbc.CardBody(
                [
                    html.Div(id=status_id(spec.key), className="panel-status"),
                    dcc.Graph(
                        id=graph_id(spec.key),
                        figure=empty_figure(theme),
                        config={
                            "displaylogo": False,
                            "responsive": True,
                            "modeBarButtonsToRemove": ["lasso2d", "select2d"],
                        },
                        className="panel-graph",
                        style={"height": "var(--panel-graph-height, 250px)"},
                    ),
                    dcc.Store(id=client_id(spec.key)),
                ]
            ),
        ],
        id=f"panel-{spec.key}",
        className=f"site-panel panel-{spec.key}",
    )


@dataclass(frozen=True)
class PanelState:
    """What a panel's status line says: a cause (None = fine) and how old the shown data is."""

    cause: str | None
    data_at: float | None
    stale: bool
    has_data: bool
    detail: str | None = None


def status_text(state: PanelState, t: Translator, now: float) -> str:
    """The status in one line; also the key that tells whether the browser needs a new one."""
    age = t.timedelta(max(0.0, now - state.data_at)) if state.data_at else None
    if state.cause is not None:
        cause = t(CAUSE_TEXT.get(state.cause, CAUSE_TEXT["internal"]))
        if state.has_data and age:
            return t("{cause} — showing data from {age} ago", cause=cause, age=age)
        return t("{cause} — no data to show", cause=cause) if state.cause != "waiting" else cause
    if not state.has_data:
        return t("No data in this range")
    if state.stale and age:
        return t("Data is {age} old", age=age)
    return ""


def data_attrs(**values: str) -> dict[str, Any]:
    """`data-*` attributes for an html component (typed loosely, as Dash accepts them)."""
    return {f"data-{name}": value for name, value in values.items()}


def panel_status(state: PanelState, t: Translator, now: float) -> Any:
    text = status_text(state, t, now)
    if not text:
        return None
    level = "error" if state.cause not in (None, "waiting", "rate_limited") else "warn"
    if state.cause is None and not state.has_data:
        level = "info"
    return html.Div(
        text, title=state.detail or None, className=f"panel-alert panel-alert-{level}",
        **data_attrs(cause=state.cause or ("stale" if state.stale else "none")),
    )  # fmt: skip
