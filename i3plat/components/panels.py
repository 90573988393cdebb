"""Site-page panels: which metric each shows, its card, and its status line in plain words.

A panel whose own query failed keeps its last data on screen; its status line names the cause
(forbidden, no endpoints, query error, timeout) and the data's age. When the whole site cannot
be polled, the page says so once (`site_notice`) and each panel only shows a small chip next to
its dimmed last data: thirteen copies of the same sentence were noise.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import dash_bootstrap_components as dbc
from dash import dcc, html

from i3plat.components.figure_style import graph_config
from i3plat.components.figures import Theme, empty_figure
from i3plat.i18n import DEFAULT_LOCALE, N_, Translator


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


def panel_card(
    spec: PanelSpec, title: str, unit: str, theme: Theme = "light", locale: str = DEFAULT_LOCALE
) -> dbc.Card:
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
                        config=graph_config(
                            locale,
                            displaylogo=False,
                            responsive=True,
                            modeBarButtonsToRemove=["lasso2d", "select2d"],
                        ),
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


LATE_SHARE = 0.05
LATE_STEPS = 2
"""A panel's data starts late when its first point is this share of the range and this many
steps after the range start: a range longer than the site's history gets a note, jitter none."""


@dataclass(frozen=True)
class PanelState:
    """What a panel's status line says: a cause (None = fine) and how old the shown data is."""

    cause: str | None
    data_at: float | None
    stale: bool
    has_data: bool
    detail: str | None = None
    site_wide: bool = False
    """The cause is the whole site's: the page-level notice tells it, the panel only marks its data."""
    first_at: float | None = None
    """The earliest point with a value among the panel's traces (None when there is none)."""
    start: float | None = None
    end: float | None = None
    step: float | None = None
    """The range and step the panel's data was asked for (None when unknown)."""


def late_start(state: PanelState) -> float | None:
    """When the panel's data begins, if clearly after the range start (else None)."""
    if state.first_at is None or state.start is None or state.end is None or not state.step:
        return None
    gap = state.first_at - state.start
    if gap > LATE_SHARE * (state.end - state.start) and gap > LATE_STEPS * state.step:
        return state.first_at
    return None


def status_text(state: PanelState, t: Translator, now: float) -> str:
    """The status in one line; also the key that tells whether the browser needs a new one."""
    age = t.timedelta(max(0.0, now - state.data_at)) if state.data_at else None
    if state.cause is not None:
        if state.site_wide:  # the page-level notice names the cause and the data's age
            return t("Not updating") if state.has_data else t("No data to show")
        cause = t(CAUSE_TEXT.get(state.cause, CAUSE_TEXT["internal"]))
        if state.has_data and age:
            return t("{cause} — showing data from {age} ago", cause=cause, age=age)
        return t("{cause} — no data to show", cause=cause) if state.cause != "waiting" else cause
    if not state.has_data:
        return t("No data in this range")
    if state.stale and age:
        return t("Data is {age} old", age=age)
    late = late_start(state)
    if late is not None:
        return t("Data only from {time}", time=t.moment(late, "short"))
    return ""


def status_level(state: PanelState) -> str:
    """`site` (a chip: the page tells the cause), `error`, `warn` or `info`."""
    if state.cause is not None:
        if state.site_wide:
            return "site"
        return "warn" if state.cause in ("waiting", "rate_limited") else "error"
    if not state.has_data:
        return "info"
    return "warn" if state.stale else "info"


def status_cause(state: PanelState) -> str:
    """The `data-cause` of the status element, for tests and scripts."""
    if state.cause is not None:
        return state.cause
    if state.has_data and state.stale:
        return "stale"
    return "late_start" if state.has_data and late_start(state) is not None else "none"


def status_title(state: PanelState, t: Translator) -> str | None:
    """The hover text: the upstream detail, after the cause where the line itself omits it."""
    if state.site_wide and state.cause is not None:
        cause = t(CAUSE_TEXT.get(state.cause, CAUSE_TEXT["internal"]))
        return f"{cause}: {state.detail}" if state.detail else cause
    return state.detail or None


def data_attrs(**values: str) -> dict[str, Any]:
    """`data-*` attributes for an html component (typed loosely, as Dash accepts them)."""
    return {f"data-{name}": value for name, value in values.items()}


def panel_status(state: PanelState, t: Translator, now: float) -> Any:
    text = status_text(state, t, now)
    if not text:
        return None
    level = status_level(state)
    return html.Div(
        text, title=status_title(state, t), className=f"panel-alert panel-alert-{level}",
        **data_attrs(cause=status_cause(state), scope="site" if state.site_wide else "panel"),
    )  # fmt: skip


@dataclass(frozen=True)
class SiteOutage:
    """The site as a whole cannot be polled now: told once, at the top of its page."""

    cause: str
    since: float | None
    """When polling began to fail (or Karmada first said the site was not Ready)."""
    data_at: float | None
    """The last successful poll: how old the data the panels still show is."""
    detail: str | None = None


def outage_texts(outage: SiteOutage, t: Translator, now: float) -> tuple[str, str]:
    """(what happened since when, how old the data shown is), in the viewer's zone."""
    cause = t(CAUSE_TEXT.get(outage.cause, CAUSE_TEXT["internal"]))
    if outage.since is not None:
        age = t.timedelta(max(0.0, now - outage.since))
        head = t(
            "{cause} since {time} ({age} ago)", cause=cause, time=t.moment(outage.since, "short"), age=age
        )
    else:
        head = cause
    if outage.data_at is None:
        return head, t("No data has been received from this site yet.")
    shown = t(
        "The panels show the last data received, at {time} ({age} ago).",
        time=t.moment(outage.data_at, "short"), age=t.timedelta(max(0.0, now - outage.data_at)),
    )  # fmt: skip
    return head, shown


SENTENCE_GAP = {"zh_CN": ""}
"""Between two sentences: Chinese full stops carry their own space."""


def site_notice(outage: SiteOutage | None, t: Translator, now: float) -> Any:
    """The page-level notice of a site that cannot be polled (None while it can)."""
    if outage is None:
        return None
    head, shown = outage_texts(outage, t, now)
    return html.Div(
        [
            html.Div(head, className="site-notice-head"),
            html.Div(
                [html.Span(shown), SENTENCE_GAP.get(t.locale, " "),
                 html.Span(t("The page updates by itself when the site is back."))],
                className="site-notice-body",
            ),
            html.Div(outage.detail, title=outage.detail, className="site-notice-detail")
            if outage.detail else None,
        ],
        className="site-notice",
        **data_attrs(cause=outage.cause),
    )  # fmt: skip
