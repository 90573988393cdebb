"""The site page's panels: one callback each, a full figure first, then deltas on every tick.

The first render (and a view change, or new traces or display scale) sends a full figure; a
refresh tick sends a small delta (`panel-*-delta`: head trim, new points and any revised tail,
once for all traces) against the figure the browser holds (`panel-*-client`), which
`assets/site.js` applies as a clientside `dash.Patch` of the figure — or nothing at all.
"""

from __future__ import annotations

import time
from typing import Any

import dash
from dash import ClientsideFunction, Input, Output, Patch, State, ctx, no_update
from dash.exceptions import PreventUpdate

from i3plat.collector.merge import OVERLAP_STEPS
from i3plat.components.figures import Theme, empty_figure, plan_refresh
from i3plat.components.panels import (
    PANELS,
    PanelSpec,
    client_id,
    graph_id,
    panel_status,
    status_id,
    status_text,
    status_title,
)
from i3plat.components.site_controls import SiteView
from i3plat.pages.site._data import load_panel, panel_width_points
from i3plat.webctx import current_services, request_translator

REVISED_TAIL = OVERLAP_STEPS + 1
"""The poller refetches a live window from OVERLAP_STEPS steps before its last point on, so the
browser's last OVERLAP_STEPS + 1 points may change; on-demand windows end the same way."""


def view_key(view: SiteView) -> str:
    return f"{view.site}|{view.node}|{view.range}|{view.start}|{view.end}"


def delta_id(key: str) -> str:
    return f"panel-{key}-delta"


HELD_KEYS = ("grid", "sig", "peak", "tail")
"""Client-store fields about the figure; `site.js` moves grid and tail on when it applies a delta."""


def update_panel(
    spec: PanelSpec, current: dict[str, Any], env: dict[str, Any] | None, client: dict[str, Any] | None
) -> tuple[Any, Any, Any, Any]:
    """(figure, status, client state, delta); no_update wherever the browser is already right.

    A full figure goes out on the first render, a view change, or when the traces or the display
    scale changed; otherwise a tick sends a delta (new points, revised tail) that `site.js`
    applies in the browser, or nothing at all.
    """
    if env is None:
        raise PreventUpdate
    services, t, now = current_services(), request_translator(), time.time()
    view = SiteView.from_store(current)
    theme: Theme = "dark" if current.get("theme") == "dark" else "light"
    unit = services.catalog.get(spec.metric).unit
    data = load_panel(
        services, view, spec.metric, max_points=panel_width_points(env.get("width")), now=now, locale=t.locale
    )
    status = f"{status_text(data.state, t, now)}\n{status_title(data.state, t) or ''}"  # text and hover
    status_out = panel_status(data.state, t, now)
    key = view_key(view)
    old = client or {}
    same_view = ctx.triggered_id == "site-tick" and old.get("view") == key
    figure: Any = no_update
    delta: Any = no_update
    held: dict[str, Any] | None
    if data.grid is None:
        if not same_view or old.get("grid"):
            figure = empty_figure(theme)
        held = dict.fromkeys(HELD_KEYS)
    else:
        refresh = plan_refresh(
            data.names, data.rows, data.grid, unit, old if same_view else None,
            theme=theme, tail=REVISED_TAIL,
        )  # fmt: skip
        figure = refresh.figure if refresh.figure is not None else no_update
        delta = refresh.delta if refresh.delta is not None else no_update
        held = refresh.held
    if same_view and status == old.get("status"):
        status_out = no_update
    client_out = client_update(old, {"view": key, "status": status}, held, patch=same_view)
    if figure is no_update and delta is no_update and status_out is no_update and client_out is no_update:
        raise PreventUpdate
    return figure, status_out, client_out, delta


def client_update(
    old: dict[str, Any], view: dict[str, Any], held: dict[str, Any] | None, *, patch: bool
) -> Any:
    """The panel's client state: whole after a view change, else a Patch of what changed.

    `held` is None when the figure stays (or a delta is on its way): then grid and tail are
    left to `site.js`, which moves them on only once the delta is really applied.
    """
    new = {**view, **(held if held is not None else {k: old.get(k) for k in HELD_KEYS})}
    if new == old:
        return no_update
    if not patch or set(old) != set(new):
        return new
    out = Patch()  # usually only the status line
    for name, value in new.items():
        if old.get(name) != value:
            out[name] = value
    return out


def register_panel_callback(spec: PanelSpec) -> None:
    @dash.callback(
        Output(graph_id(spec.key), "figure"),
        Output(status_id(spec.key), "children"),
        Output(client_id(spec.key), "data"),
        Output(delta_id(spec.key), "data"),
        Input("site-view", "data"),
        Input("site-env", "data"),
        Input("site-tick", "n_intervals"),
        State(client_id(spec.key), "data"),
    )
    def refresh_panel(
        current: dict[str, Any], env: dict[str, Any] | None, _n: int | None, client: dict[str, Any] | None
    ) -> tuple[Any, Any, Any, Any]:
        return update_panel(spec, current, env, client)

    refresh_panel.__name__ = f"refresh_panel_{spec.key.replace('-', '_')}"

    dash.clientside_callback(
        ClientsideFunction(namespace="i3site", function_name="applyDelta"),
        Output(graph_id(spec.key), "figure", allow_duplicate=True),
        Output(client_id(spec.key), "data", allow_duplicate=True),
        Input(delta_id(spec.key), "data"),
        State(graph_id(spec.key), "figure"),
        State(client_id(spec.key), "data"),
        prevent_initial_call=True,
    )


for _spec in PANELS:
    register_panel_callback(_spec)
