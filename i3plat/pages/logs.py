"""`/sites/{site}/logs?ns=&pod=&container=&tail=&since=&previous=1&follow=1&ts=1` — pod logs.

All state is in the URL: a picker change navigates (no reload) and the page is rebuilt from the
query, so deep links and the back button restore the view. Logs come from the collector's
on-demand path (`collector/logs.py`), never from the site directly. Follow mode polls for the
lines written since the shown cursor; the browser appends them (assets/logs.js) only if that
cursor is still current, dropping the oldest chunks so the page never holds more than MAX_LINES.
"""

from __future__ import annotations

import time
from typing import Any

import dash
import dash_bootstrap_components as dbc
from dash import ClientsideFunction, Input, Output, State, ctx, dcc, html

from i3plat.collector.logs import (
    DEFAULT_TAIL,
    MAX_LINES,
    TAIL_CHOICES,
    PodLogs,
    advance,
    cursor_from_plain,
    cursor_to_plain,
)
from i3plat.collector.ondemand import OnDemandRateLimited
from i3plat.components.log_view import (
    ALL_RETAINED,
    SINCE_CHOICES,
    container_options,
    failure_alert,
    fetched_text,
    log_failure_alert,
    log_notes,
    logs_search,
    options,
    pod_options,
    render_lines,
    since_options,
    tail_options,
)
from i3plat.karmada_client import InvalidName, validate_name
from i3plat.webctx import current_services, request_translator

FOLLOW_MS = 3000

# order=-1: Dash matches templates with fnmatch, whose `*` spans "/", so "/sites/<site>" would
# also claim "/sites/x/logs" if it came first in the registry.
dash.register_page(__name__, path_template="/sites/<site>/logs", name="Logs", title="I3Plat", order=-1)


def _service() -> PodLogs:
    logs = current_services().logs
    if logs is None:
        raise RuntimeError("the console was built without its logs service")
    return logs


def _flag(value: Any) -> bool:
    return str(value).lower() in ("1", "true", "yes", "on")


def parse_query(site: str | None, query: dict[str, Any]) -> dict[str, Any]:
    """The view as a plain dict; unknown values fall back to defaults rather than failing."""
    tail = int(query["tail"]) if str(query.get("tail", "")).isdigit() else DEFAULT_TAIL
    since = query.get("since") or ALL_RETAINED
    return {
        "site": site,
        "ns": query.get("ns") or None,
        "pod": query.get("pod") or None,
        "container": query.get("container") or None,
        "tail": tail if tail in TAIL_CHOICES else DEFAULT_TAIL,
        "since": since if since in SINCE_CHOICES else ALL_RETAINED,
        "previous": _flag(query.get("previous")),
        "follow": _flag(query.get("follow")),
        "ts": _flag(query.get("ts")),
    }


def _dropdown(id_: str, value: Any, placeholder: str, **kw: Any) -> dcc.Dropdown:
    """A picker whose current value is selectable before its options arrive."""
    given = kw.pop("options", None)
    return dcc.Dropdown(
        id=id_,
        options=given if given is not None else options([value] if value else []),
        value=value,
        placeholder=placeholder,
        className="log-picker",
        **kw,
    )


def layout(site: str | None = None, **query: Any) -> Any:
    t = request_translator()
    try:
        validate_name("cluster", site or "")
    except InvalidName:
        return html.Div(t("Unknown site: {site}", site=site or "—"), className="alert alert-warning")
    view = parse_query(site, query)
    pickers = dbc.Row(
        [
            dbc.Col(_dropdown("logs-ns", view["ns"], t("Namespace")), md=2),
            dbc.Col(_dropdown("logs-pod", view["pod"], t("Pod")), md=4),
            dbc.Col(_dropdown("logs-container", view["container"], t("Container")), md=2),
            dbc.Col(
                _dropdown("logs-tail", view["tail"], t("Lines"), options=tail_options(t), clearable=False),
                md=2,
            ),
            dbc.Col(
                _dropdown("logs-since", view["since"], t("Time"), options=since_options(t), clearable=False),
                md=2,
            ),
        ],
        className="g-2 mb-2",
    )
    switches = html.Div(
        [
            dbc.Switch(id="logs-previous", label=t("Previous container"), value=view["previous"]),
            dbc.Switch(id="logs-follow", label=t("Follow"), value=view["follow"]),
            dbc.Switch(id="logs-ts", label=t("Timestamps"), value=view["ts"]),
        ],
        className="d-flex flex-wrap gap-4 mb-2 log-switches",
    )
    return html.Div(
        [
            html.H2(
                [t("Logs"), html.Small(f" · {site}", className="text-body-secondary")],
                id="logs-title",
                className="mb-2",
            ),
            pickers,
            switches,
            html.Div(id="logs-picker-error"),
            html.Div(id="logs-status", className="small text-body-secondary mb-1"),
            html.Div(id="logs-follow-status", className="small text-body-secondary mb-1"),
            html.Pre(id="logs-text", className="log-view", children=[]),
            dcc.Store(id="logs-query", data=view),
            dcc.Store(id="logs-cursor"),
            dcc.Store(id="logs-incoming"),
            html.Div(id="logs-scrolled", hidden=True),
            dcc.Interval(id="logs-follow-tick", interval=FOLLOW_MS, disabled=not view["follow"]),
            dcc.Location(id="logs-location", refresh="callback-nav"),
        ],
        className="logs-page",
    )


@dash.callback(
    Output("logs-ns", "options"),
    Output("logs-pod", "options"),
    Output("logs-container", "options"),
    Output("logs-picker-error", "children"),
    Input("logs-query", "data"),
)
def fill_pickers(view: dict[str, Any]) -> tuple[Any, Any, Any, Any]:
    t = request_translator()
    logs = _service()
    try:
        namespaces = logs.namespaces(view["site"])
        if namespaces.failure is not None:
            return options([], view["ns"]), [], [], failure_alert(namespaces.failure, t("namespaces"), t)
        if view["ns"] is None:
            return options(namespaces.names), [], [], None
        pods = logs.pods(view["site"], view["ns"])
    except OnDemandRateLimited:
        return dash.no_update, dash.no_update, dash.no_update, t("Busy: retrying shortly")
    except InvalidName as exc:
        return dash.no_update, dash.no_update, dash.no_update, str(exc)
    if pods.failure is not None:
        alert = failure_alert(pods.failure, t("pods"), t)
        return options(namespaces.names, view["ns"]), [], [], alert
    return (
        options(namespaces.names, view["ns"]),
        pod_options(pods, t),
        container_options(pods, view["pod"], t),
        None,
    )


@dash.callback(
    Output("logs-location", "search"),
    Input("logs-ns", "value"),
    Input("logs-pod", "value"),
    Input("logs-container", "value"),
    Input("logs-tail", "value"),
    Input("logs-since", "value"),
    Input("logs-previous", "value"),
    Input("logs-follow", "value"),
    Input("logs-ts", "value"),
    State("logs-query", "data"),
    prevent_initial_call=True,
)
def navigate(
    ns: str | None, pod: str | None, container: str | None, tail: int | None, since: str | None,
    previous: bool, follow: bool, ts: bool, view: dict[str, Any],
) -> str:  # fmt: skip
    """A picker changed: put the new view in the URL (the page is rebuilt from it)."""
    changed = ctx.triggered_id
    if changed == "logs-ns":
        pod = container = None
    elif changed == "logs-pod":
        container = None
        if ns and pod:
            try:
                found = _service().pods(view["site"], ns).pod(pod)
            except (OnDemandRateLimited, InvalidName):
                found = None
            if found is not None and found.containers:
                container = found.containers[0]  # like kubectl: the first container by default
    new = {
        "ns": ns, "pod": pod, "container": container, "tail": tail if tail != DEFAULT_TAIL else None,
        "since": None if since == ALL_RETAINED else since,
        "previous": bool(previous), "follow": bool(follow), "ts": bool(ts),
    }  # fmt: skip
    old = {k: view.get(k) for k in new}
    old["tail"] = old["tail"] if old["tail"] != DEFAULT_TAIL else None
    old["since"] = None if old["since"] == ALL_RETAINED else old["since"]
    if new == old:
        raise dash.exceptions.PreventUpdate
    return logs_search(new)


def _since_seconds(view: dict[str, Any]) -> int | None:
    return SINCE_CHOICES.get(view["since"] or ALL_RETAINED, (None, ""))[0]


@dash.callback(
    Output("logs-text", "children"),
    Output("logs-status", "children"),
    Output("logs-cursor", "data"),
    Input("logs-query", "data"),
)
def load_log(view: dict[str, Any]) -> tuple[Any, Any, Any]:
    t = request_translator()
    if not view.get("ns") or not view.get("pod"):
        return [], t("Choose a namespace and a pod to read its log."), None
    try:
        record = _service().log(
            view["site"], view["ns"], view["pod"], container=view["container"], tail_lines=view["tail"],
            since_seconds=_since_seconds(view), previous=view["previous"],
        )  # fmt: skip
    except OnDemandRateLimited:
        return [], t("Busy: retrying shortly"), None
    except InvalidName as exc:
        return [], str(exc), None
    if record.failure is not None:
        return [], log_failure_alert(record, t), None
    cursor = advance(None, record.lines)
    notes = log_notes(record, t)
    if not record.lines:
        notes.insert(0, t("The log is empty."))
    status = [fetched_text(record.fetched_at, t), *notes]
    state = {
        "cursor": cursor_to_plain(cursor),
        "chunks": [len(record.lines)],
        "polled_at": record.fetched_at or time.time(),  # the data's age, not ours: it may be cached
    }
    return [render_lines(record.lines, view["ts"], t)], html.Div([html.Div(s) for s in status if s]), state


@dash.callback(
    Output("logs-incoming", "data"),
    Output("logs-follow-status", "children"),
    Input("logs-follow-tick", "n_intervals"),
    State("logs-query", "data"),
    State("logs-cursor", "data"),
    prevent_initial_call=True,
    running=[(Output("logs-follow-tick", "disabled"), True, False)],  # no overlapping polls
)
def follow_log(_n: int | None, view: dict[str, Any], state: dict[str, Any] | None) -> tuple[Any, Any]:
    """Only the lines after the shown cursor; assets/logs.js appends them if still current."""
    t = request_translator()
    if not view.get("follow") or not view.get("pod") or view.get("previous") or state is None:
        raise dash.exceptions.PreventUpdate
    now = time.time()
    raw = state.get("cursor")
    try:
        cursor = cursor_from_plain(raw)
    except ValueError:
        raise dash.exceptions.PreventUpdate from None  # not ours (an old tab): wait for a reload
    try:
        record = _service().follow(
            view["site"], view["ns"], view["pod"], container=view["container"], cursor=cursor,
            gap_seconds=now - float(state.get("polled_at") or now),
        )  # fmt: skip
    except OnDemandRateLimited:
        return dash.no_update, t("Busy: retrying shortly")
    if record.failure is not None:
        return dash.no_update, log_failure_alert(record, t)
    new_cursor = advance(cursor, record.lines)
    incoming = {
        "base": raw,
        "cursor": cursor_to_plain(new_cursor),
        "text": render_lines(record.lines, view["ts"], t),
        "n": len(record.lines),
        "max": MAX_LINES,
        "polled_at": record.fetched_at or now,
    }
    return incoming, t("Following: new lines appear every {n} s.", n=t.number(FOLLOW_MS / 1000))


dash.clientside_callback(
    ClientsideFunction(namespace="i3logs", function_name="appendChunk"),
    Output("logs-text", "children", allow_duplicate=True),
    Output("logs-cursor", "data", allow_duplicate=True),
    Input("logs-incoming", "data"),
    State("logs-text", "children"),
    State("logs-cursor", "data"),
    prevent_initial_call=True,
)

dash.clientside_callback(
    ClientsideFunction(namespace="i3logs", function_name="scrollToEnd"),
    Output("logs-scrolled", "children"),
    Input("logs-status", "children"),
    prevent_initial_call=True,
)
