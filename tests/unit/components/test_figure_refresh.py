"""Refreshes keep the browser's figure equal to a freshly built one, whatever the data did.

A `Browser` here does what the site page does in Chromium: it keeps the last full figure and
its held state, and applies each delta the way `assets/site.js` does (the same cut-and-append;
`tests/e2e/test_site_delta_js.py` runs the real script on cases from `delta_cases`). After every
refresh its figure must equal `timeseries_figure` of the same data, scale chosen from that data.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import orjson
from hypothesis import given, settings
from hypothesis import strategies as st

from i3plat.components.figures import Grid, choose_scale, peak_of, plan_refresh, timeseries_figure

TAIL = 3
Values = Callable[[str, int], float | None]


def apply_delta(figure: dict[str, Any], held: dict[str, Any], delta: dict[str, Any]) -> None:
    """`site.js` applyDelta, in Python: cut every trace to the kept points, append the new ones."""
    base, grid = held["grid"], delta["grid"]
    assert held["tail"] == delta["held"], "a delta for another figure"
    step = base[2]
    drop, keep = (grid[0] - base[0]) // step, (delta["from"] - base[0]) // step
    assert len(figure["data"]) == len(delta["y"])
    for trace, ys in zip(figure["data"], delta["y"], strict=True):
        trace["x"] = trace["x"][drop:keep] + delta["x"]
        trace["y"] = trace["y"][drop:keep] + ys
    held["grid"], held["tail"] = grid, delta["tail"]


@dataclass
class Browser:
    figure: dict[str, Any] | None = None
    held: dict[str, Any] | None = None
    actions: list[str] = field(default_factory=list)
    sent: list[int] = field(default_factory=list)
    """JSON bytes of each refresh that sent something."""

    def refresh(self, names: list[str], rows: list[list[float | None]], grid: Grid, unit: str) -> str:
        result = plan_refresh(names, rows, grid, unit, self.held, tail=TAIL)
        if result.figure is not None:
            assert result.held is not None and result.delta is None
            self.figure, self.held = copy.deepcopy(result.figure), dict(result.held)
            action, payload = "full", result.figure
        elif result.delta is not None:
            assert self.figure is not None and self.held is not None
            apply_delta(self.figure, self.held, orjson.loads(orjson.dumps(result.delta)))
            action, payload = "delta", result.delta
        else:
            action, payload = "none", None
        self.actions.append(action)
        if payload is not None:
            self.sent.append(len(orjson.dumps(payload)))
        return action


def rows_of(names: list[str], grid: Grid, values: Values) -> list[list[float | None]]:
    return [[values(name, moment) for moment in grid.times()] for name in names]


def expected(names: list[str], rows: list[list[float | None]], grid: Grid, unit: str) -> Any:
    return timeseries_figure(names, rows, grid, choose_scale(unit, peak_of(rows)))


def show(browser: Browser, names: list[str], grid: Grid, unit: str, values: Values) -> str:
    """One refresh with this data, then the check that matters: the same figure as a full one."""
    rows = rows_of(names, grid, values)
    action = browser.refresh(names, rows, grid, unit)
    assert browser.figure == expected(names, rows, grid, unit), f"differs after a {action}"
    return action


def wave(name: str, moment: int) -> float | None:
    return 0.5 + 0.4 * math.sin(moment / 300 + len(name))


def window(end: int, points: int = 240, step: int = 15) -> Grid:
    return Grid(end - (points - 1) * step, end, step)


NODES = [f"node-{i}" for i in range(6)]


def test_new_points_go_as_small_deltas_and_the_figure_stays_exact() -> None:
    browser, end = Browser(), 1_800_000_000
    assert show(browser, NODES, window(end), "ratio", wave) == "full"
    for tick in range(1, 12):
        assert show(browser, NODES, window(end + 15 * tick), "ratio", wave) == "delta"
    full, deltas = browser.sent[0], browser.sent[1:]
    assert max(deltas) < 0.05 * full  # the 240-point hour of 6 nodes, one new point per tick


def test_the_same_data_again_sends_nothing() -> None:
    browser, grid = Browser(), window(1_800_000_000)
    show(browser, NODES, grid, "ratio", wave)
    assert show(browser, NODES, grid, "ratio", wave) == "none"


def test_gaps_and_none_values_survive_deltas() -> None:
    def gappy(name: str, moment: int) -> float | None:
        if (moment // 15) % 7 == 0 or (name == "node-2" and moment % 45 == 0):
            return None
        return wave(name, moment)

    browser, end = Browser(), 1_800_000_000
    show(browser, NODES, window(end), "ratio", gappy)
    for tick in range(1, 15):  # new points that are None, too
        assert show(browser, NODES, window(end + 15 * tick), "ratio", gappy) == "delta"


def test_a_revised_tail_is_resent_with_the_new_point() -> None:
    """The poller refetches the last steps: a late scrape fills a None or moves the last value."""
    end = 1_800_000_000
    late = {end, end + 15}

    def first_look(name: str, moment: int) -> float | None:
        return None if moment in late else wave(name, moment)

    def second_look(name: str, moment: int) -> float | None:
        return 0.99 if moment == end else wave(name, moment)

    browser = Browser()
    show(browser, NODES, window(end), "ratio", first_look)
    assert show(browser, NODES, window(end), "ratio", second_look) == "delta"  # same grid, new values
    assert show(browser, NODES, window(end + 15), "ratio", first_look) == "delta"  # and back, plus a point
    assert show(browser, NODES, window(end + 15), "ratio", wave) == "delta"


def test_a_browser_several_ticks_behind_catches_up_with_one_delta() -> None:
    browser, end = Browser(), 1_800_000_000
    show(browser, NODES, window(end), "ratio", wave)
    assert show(browser, NODES, window(end + 15 * 9), "ratio", wave) == "delta"
    assert show(browser, NODES, window(end + 15 * 9 + 15 * 240), "ratio", wave) == "full"  # nothing shared


def test_a_node_that_appears_or_disappears_redraws_in_full() -> None:
    browser, end = Browser(), 1_800_000_000
    show(browser, NODES[:3], window(end), "ratio", wave)
    assert show(browser, NODES[:4], window(end + 15), "ratio", wave) == "full"
    assert show(browser, NODES[:4], window(end + 30), "ratio", wave) == "delta"
    assert show(browser, NODES[1:4], window(end + 45), "ratio", wave) == "full"
    assert show(browser, NODES[1:4], window(end + 60), "ratio", wave) == "delta"


def test_another_step_or_display_scale_redraws_in_full() -> None:
    browser, end = Browser(), 1_800_000_000
    show(browser, NODES, window(end), "ratio", wave)
    assert show(browser, NODES, window(end, 120, 30), "ratio", wave) == "full"

    def rate(name: str, moment: int) -> float:  # B/s, until a burst at end + 30
        return (5000 if moment >= end + 30 else 500) * (1 + 0.1 * math.sin(moment / 60))

    show(browser, NODES, window(end), "bytes_per_second", rate)
    assert show(browser, NODES, window(end + 15), "bytes_per_second", rate) == "delta"
    assert show(browser, NODES, window(end + 30), "bytes_per_second", rate) == "full"  # kB/s now
    assert show(browser, NODES, window(end + 45), "bytes_per_second", rate) == "delta"


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.integers(min_value=0, max_value=4),  # steps the window moves on
            st.sets(st.integers(min_value=0, max_value=2), max_size=3),  # tail points revised
            st.sampled_from([3, 3, 3, 3, 2, 4]),  # nodes shown: now and then one comes or goes
        ),
        min_size=1,
        max_size=12,
    )
)
def test_any_sequence_of_refreshes_matches_the_full_figure(
    moves: list[tuple[int, set[int], int]],
) -> None:
    end, browser = 1_800_000_000, Browser()
    revised: dict[int, int] = {}  # time -> the refresh that revised it (only ever in the tail)

    def values(name: str, moment: int) -> float | None:
        bump = revised.get(moment, 0)
        if bump % 3 == 2:
            return None
        return round(wave(name, moment) or 0, 3) + 0.01 * bump

    show(browser, NODES[:3], window(end, 40), "ratio", values)
    for version, (steps, tail, nodes) in enumerate(moves, start=1):
        end += 15 * steps
        for back in tail:
            revised[end - 15 * back] = version
        show(browser, NODES[:nodes], window(end, 40), "ratio", values)
