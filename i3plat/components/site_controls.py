"""The site page's view state (all of it lives in the URL) and its controls.

`parse_view` turns whatever a URL says into a valid view (bad values fall back to defaults,
the refresh interval never goes below the 5 s floor); `view_search` writes it back, so a deep
link and the browser's back button restore exactly the same view.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import asdict, dataclass, replace
from datetime import UTC, datetime, timedelta, timezone
from typing import Any
from urllib.parse import urlencode

import dash_bootstrap_components as dbc
from dash import dcc, html

from i3plat.i18n import N_, Translator
from i3plat.promql.timerange import MAX_RANGE_SECONDS, PRESET_RANGES

RANGES: tuple[str, ...] = ("15m", "1h", "6h", "24h", "7d")
CUSTOM = "custom"
DEFAULT_RANGE = "1h"
REFRESH_CHOICES: tuple[int, ...] = (0, 5, 15, 30, 60)
MIN_REFRESH = 5
ALL_NODES = "*"
"""The node filter's value for "all nodes" (never a valid node name)."""
RANGE_LABELS = {"15m": N_("15 min"), "1h": N_("1 hour"), "6h": N_("6 hours"), "24h": N_("24 hours"),
                "7d": N_("7 days"), CUSTOM: N_("Custom")}  # fmt: skip
_REFRESH_RE = re.compile(r"^\s*(\d{1,5})\s*(s|m)?\s*$")
_LOCAL_TIME_RE = re.compile(r"^\s*(\d{4})-(\d{2})-(\d{2})[ T](\d{1,2}):(\d{2})\s*$")


@dataclass(frozen=True)
class SiteView:
    site: str
    node: str | None = None
    range: str = DEFAULT_RANGE
    start: int | None = None
    end: int | None = None
    refresh: int = 15
    kiosk: bool = False

    @property
    def custom(self) -> bool:
        return self.range == CUSTOM

    def window(self, now: float) -> tuple[float, float]:
        if self.custom and self.start is not None and self.end is not None:
            return float(self.start), float(self.end)
        return now - PRESET_RANGES[self.range], now

    def to_store(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_store(cls, data: Mapping[str, Any]) -> SiteView:
        return cls(**{k: data[k] for k in cls.__dataclass_fields__ if k in data})


def first(query: Mapping[str, Any], key: str) -> str | None:
    value = query.get(key)
    if isinstance(value, list | tuple):
        value = value[0] if value else None
    return value if isinstance(value, str) and value.strip() else None


def parse_refresh(text: str | None, default: int) -> int:
    """Seconds (`30`, `30s`, `1m`) or `off`/`0`; anything else is the default; never below 5 s."""
    if text is None:
        return default
    if text.strip().lower() in ("off", "0", "false"):
        return 0
    match = _REFRESH_RE.match(text)
    if not match:
        return default
    seconds = int(match[1]) * (60 if match[2] == "m" else 1)
    return 0 if seconds == 0 else max(MIN_REFRESH, seconds)


def parse_moment(text: str | None) -> int | None:
    """Unix seconds, or ISO 8601 (a time without zone is UTC)."""
    if text is None:
        return None
    try:
        value = float(text)
    except ValueError:
        try:
            moment = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
        except ValueError:
            return None
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        value = moment.timestamp()
    return int(value) if math.isfinite(value) and 0 < value < 1e11 else None


def parse_view(site: str, query: Mapping[str, Any], *, default_refresh: int = 15) -> SiteView:
    """The view a URL asks for, made valid: unknown values fall back to the defaults."""
    node = first(query, "node")
    range_ = first(query, "range") or DEFAULT_RANGE
    start, end = parse_moment(first(query, "start")), parse_moment(first(query, "end"))
    if range_ == CUSTOM or (first(query, "range") is None and start and end):
        range_ = CUSTOM
        if start is None or end is None or end <= start or end - start > MAX_RANGE_SECONDS:
            range_, start, end = DEFAULT_RANGE, None, None
    elif range_ not in RANGES:
        range_ = DEFAULT_RANGE
    if range_ != CUSTOM:
        start = end = None
    return SiteView(
        site=site,
        node=None if node in (None, ALL_NODES) or len(node or "") > 253 else node,
        range=range_, start=start, end=end,
        refresh=parse_refresh(first(query, "refresh"), max(MIN_REFRESH, default_refresh)),
        kiosk=first(query, "kiosk") in ("1", "true", "yes"),
    )  # fmt: skip


def refresh_param(seconds: int) -> str:
    if seconds == 0:
        return "off"
    return f"{seconds // 60}m" if seconds % 60 == 0 else f"{seconds}s"


def view_search(view: SiteView) -> str:
    """The URL query of a view (without the site, which is in the path); `?…` or ``."""
    params: dict[str, str] = {}
    if view.node:
        params["node"] = view.node
    params["range"] = view.range
    if view.custom and view.start is not None and view.end is not None:
        params["start"], params["end"] = str(view.start), str(view.end)
    params["refresh"] = refresh_param(view.refresh)
    if view.kiosk:
        params["kiosk"] = "1"
    return "?" + urlencode(params)


def for_site(view: SiteView, site: str, nodes: Sequence[str]) -> SiteView:
    """The same view on another site; a node that site does not have falls back to all nodes."""
    return replace(view, site=site, node=view.node if view.node in nodes else None)


def parse_local_time(text: str | None, tz_offset_s: int) -> int | None:
    """`YYYY-MM-DD HH:MM` in the viewer's zone (offset east of UTC in seconds) → unix seconds."""
    match = _LOCAL_TIME_RE.match(text or "")
    if not match:
        return None
    try:
        zone = timezone(timedelta(seconds=tz_offset_s))
        year, month, day, hour, minute = (int(g) for g in match.groups())
        moment = datetime(year, month, day, hour, minute, tzinfo=zone)
    except ValueError:
        return None
    return int(moment.timestamp())


def format_local_time(moment: int | None, tz_offset_s: int) -> str:
    if moment is None:
        return ""
    zone = timezone(timedelta(seconds=tz_offset_s))
    return datetime.fromtimestamp(moment, zone).strftime("%Y-%m-%d %H:%M")


def refresh_options(current: int, t: Translator) -> list[dict[str, Any]]:
    choices = sorted(set(REFRESH_CHOICES) | {current})
    return [{"label": t("Off") if s == 0 else refresh_label(s, t), "value": s} for s in choices]


def refresh_label(seconds: int, t: Translator) -> str:
    if seconds % 60 == 0:
        return t("{n} min", n=seconds // 60)
    return t("{n} s", n=seconds)


def node_options(
    nodes: Sequence[str], current: str | None, t: Translator, not_ready: Collection[str] = ()
) -> list[dict[str, str]]:
    """A node that is not Ready says so in the list, so engineers find it without opening each."""
    names = sorted(set(nodes) | ({current} if current else set()))

    def label(name: str) -> str:
        return f"{name} ({t('Not ready')})" if name in not_ready else name

    return [{"label": t("All nodes"), "value": ALL_NODES}] + [{"label": label(n), "value": n} for n in names]


def site_controls(
    view: SiteView,
    sites: Sequence[tuple[str, str]],
    nodes: Sequence[str],
    t: Translator,
    not_ready: Collection[str] = (),
) -> html.Div:
    """Switcher, node filter, range (with a custom absolute range) and refresh interval."""

    def labelled(label: str, control: Any, width: str) -> html.Div:
        return html.Div([html.Label(label, className="form-label"), control], className=f"ctl {width}")

    site_switch = dcc.Dropdown(
        id="site-switch", options=[{"label": label, "value": name} for name, label in sites],
        value=view.site, clearable=False, searchable=True,
    )  # fmt: skip
    node_filter = dcc.Dropdown(
        id="site-node", options=node_options(nodes, view.node, t, not_ready), value=view.node or ALL_NODES,
        clearable=False, searchable=True,
    )  # fmt: skip
    ranges = dbc.RadioItems(
        id="site-range",
        options=[{"label": t(RANGE_LABELS[r]), "value": r} for r in (*RANGES, CUSTOM)],
        value=view.range, inline=True, className="btn-group range-group",
        inputClassName="btn-check", labelClassName="btn btn-outline-primary btn-sm",
        labelCheckedClassName="active",
    )  # fmt: skip
    refresh = dcc.Dropdown(
        id="site-refresh", options=refresh_options(view.refresh, t), value=view.refresh,
        clearable=False, searchable=False,
    )  # fmt: skip
    custom = html.Div(
        [
            dbc.Input(id="site-start", placeholder="YYYY-MM-DD HH:MM", size="sm", debounce=True),
            html.Span("–", className="mx-1"),
            dbc.Input(id="site-end", placeholder="YYYY-MM-DD HH:MM", size="sm", debounce=True),
            dbc.Button(t("Apply"), id="site-apply", size="sm", color="primary", className="ms-2"),
            html.Span(id="site-custom-error", className="text-danger ms-2 small"),
        ],
        id="site-custom", className="custom-range" + ("" if view.custom else " d-none"),
    )  # fmt: skip
    return html.Div(
        [
            labelled(t("Site"), site_switch, "ctl-site"),
            labelled(t("Node"), node_filter, "ctl-node"),
            labelled(t("Time range"), html.Div([ranges, custom]), "ctl-range"),
            labelled(t("Refresh"), refresh, "ctl-refresh"),
        ],
        className="site-controls",
        id="site-controls",
    )


def site_links(site: str, t: Translator, relative: Callable[[str], str] = str) -> html.Nav:
    """The site's other pages: its checks (doctor) and its pod logs.

    `relative` maps an app path to a link (the page passes `dash.get_relative_path`). The logs
    page keeps its own view (namespace, pod, container) and has no node filter, so only the
    site carries over; the language is remembered by cookie and needs no parameter.
    """
    return html.Nav(
        [
            dcc.Link(t("Doctor"), href=relative(f"/sites/{site}/doctor"), id="site-doctor-link",
                     className="site-link site-doctor-link"),
            dcc.Link(t("Logs"), href=relative(f"/sites/{site}/logs"), id="site-logs-link",
                     className="site-link site-logs-link"),
        ],
        className="site-links",
    )  # fmt: skip
