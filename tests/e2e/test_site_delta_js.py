"""`assets/site.js` in Chromium: it turns a full figure plus deltas into the server's full figure.

The cases are built in Python with `plan_refresh` (the server side) and checked against
`timeseries_figure` of the same data; the script runs in a blank page, with a stand-in for
`dash_clientside` (no_update and the Patch builder's assign/build, as dash-renderer has them).
The site page's e2e test checks the same in the real app.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from playwright.sync_api import Page

from i3plat.components.figures import Grid, choose_scale, peak_of, plan_refresh, timeseries_figure

SITE_JS = Path(__file__).resolve().parents[2] / "i3plat" / "assets" / "site.js"
DASH_STANDIN = """
window.dash_clientside = {no_update: "NO_UPDATE", Patch: class {
    constructor() { this.operations = []; }
    assign(location, value) {
        this.operations.push({operation: "Assign", location, params: {value}});
        return this;
    }
    build() { return {__dash_patch_update: "__dash_patch_update", operations: this.operations}; }
}};
"""
NODES = ["gpu-01", "gpu-02", "cpu-01"]


def values(name: str, moment: int, late: dict[int, float] | None = None) -> float | None:
    """A wave with gaps; `late` holds values a later poll revised (only ever in a window's tail)."""
    if late and moment in late:
        return late[moment]
    if (moment // 15) % 9 == 0:
        return None
    return 0.5 + 0.4 * math.sin(moment / 200 + len(name))


def build(grid: Grid, late: dict[int, float]) -> tuple[list[list[float | None]], dict[str, Any]]:
    rows = [[values(name, moment, late) for moment in grid.times()] for name in NODES]
    figure = timeseries_figure(NODES, rows, grid, choose_scale("ratio", peak_of(rows)))
    return rows, figure


def refresh(
    held: dict[str, Any], grid: Grid, late: dict[int, float]
) -> tuple[dict[str, Any], dict[str, Any]]:
    rows, expected = build(grid, late)
    result = plan_refresh(NODES, rows, grid, "ratio", held, tail=3)
    assert result.delta is not None, "the case must be a delta"
    return result.delta, expected


def open_script(page: Page) -> None:
    page.set_content("<!doctype html><title>site.js</title>")
    page.add_script_tag(content=DASH_STANDIN)
    page.add_script_tag(path=str(SITE_JS))


def test_advance_reproduces_the_full_figure(page: Page) -> None:
    open_script(page)
    start = Grid(1_800_000_000 - 239 * 15, 1_800_000_000, 15)
    late: dict[int, float] = {}
    rows, figure = build(start, late)
    held = plan_refresh(NODES, rows, start, "ratio", None, tail=3).held
    assert held is not None
    # new points; a revised tail on the same grid; a skipped tick and a revision; a big skip
    moves = [(1, ()), (0, (0, 2)), (3, (0, 1)), (1, (1,)), (20, ())]
    grid = start
    for steps, tail in moves:
        grid = Grid(grid.start + 15 * steps, grid.end + 15 * steps, 15)
        late.update({grid.end - 15 * back: 0.25 + 0.1 * steps for back in tail})
        delta, expected = refresh(held, grid, late)
        traces = page.evaluate(
            "([f, b, d]) => window.dash_clientside.i3site.advance(f, b, d)", [figure, held["grid"], delta]
        )
        assert traces == [{"x": t["x"], "y": t["y"]} for t in expected["data"]]
        figure, held = expected, {**held, "grid": delta["grid"], "tail": delta["tail"]}


def test_apply_delta_patches_figure_and_held_state_or_refuses(page: Page) -> None:
    open_script(page)
    old = Grid(1_800_000_000 - 39 * 15, 1_800_000_000, 15)
    rows, figure = build(old, {})
    held = plan_refresh(NODES, rows, old, "ratio", None, tail=3).held
    assert held is not None
    new = Grid(old.start + 15, old.end + 15, 15)
    delta, expected = refresh(held, new, {})
    apply = "([d, f, c]) => window.dash_clientside.i3site.applyDelta(d, f, c)"

    fig_patch, held_patch = page.evaluate(apply, [delta, figure, held])
    assigned = {tuple(op["location"]): op["params"]["value"] for op in fig_patch["operations"]}
    for index, trace in enumerate(expected["data"]):
        assert assigned[("data", index, "x")] == trace["x"] and assigned[("data", index, "y")] == trace["y"]
    assert [(op["location"], op["params"]["value"]) for op in held_patch["operations"]] == [
        (["grid"], delta["grid"]),
        (["tail"], delta["tail"]),
    ]
    # already applied (the store holds the new grid), or meant for another figure: nothing
    moved_on = {**held, "grid": delta["grid"], "tail": delta["tail"]}
    assert page.evaluate(apply, [delta, expected, moved_on]) == ["NO_UPDATE", "NO_UPDATE"]
    redrawn = {**held, "tail": "0" * 16}  # same grid, but a full figure with other values came in between
    assert page.evaluate(apply, [delta, figure, redrawn]) == ["NO_UPDATE", "NO_UPDATE"]
    assert page.evaluate(apply, [delta, figure, {**held, "grid": None}]) == ["NO_UPDATE", "NO_UPDATE"]
    # the figure is not the one the store describes: forget the grid, so the next tick redraws
    short = {**figure, "data": figure["data"][:2]}
    nothing, reset = page.evaluate(apply, [delta, short, held])
    assert nothing == "NO_UPDATE"
    assert reset["operations"] == [{"operation": "Assign", "location": ["grid"], "params": {"value": None}}]
