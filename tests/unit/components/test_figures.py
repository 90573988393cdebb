"""Figure dicts and the refresh delta: units, grid, and what a tick sends."""

from __future__ import annotations

import orjson
import pytest

from i3plat.components.figures import (
    UIREVISION,
    Grid,
    Step,
    build_delta,
    choose_scale,
    empty_figure,
    on_grid,
    peak_of,
    plan_step,
    scaled,
    tail_digest,
    tail_times,
    timeseries_figure,
)


def test_units_are_formatted_for_people() -> None:
    ratio = choose_scale("ratio", 0.7)
    assert ratio.tickformat == ".0%" and ratio.percent
    assert choose_scale("bytes_per_second", 512).suffix == " B/s"
    assert choose_scale("bytes_per_second", 3 * 1000).suffix == " kB/s", "rates: decimal, like the tiles"
    mb = choose_scale("bytes_per_second", 12 * 1000**2)
    assert (mb.suffix, mb.divisor) == (" MB/s", 1000.0**2)
    assert choose_scale("bytes_per_second", 999).suffix == " B/s"
    assert choose_scale("bytes", 3 * 1024).suffix == " KiB", "sizes: binary"
    assert choose_scale("bytes", 5 * 1024**3).suffix == " GiB"
    assert choose_scale("celsius", 60).suffix == " °C"
    assert choose_scale("watts", 300).suffix == " W"
    assert choose_scale("bytes_per_second", None).suffix == " B/s"
    assert [choose_scale("count", peak).dtick for peak in (None, 1, 5, 8, 11)] == [1, 1, 1, 2, None]
    counts = timeseries_figure(["ready"], [[1.0, 1.0]], Grid(0, 15, 15), choose_scale("count", 1))
    assert counts["layout"]["yaxis"]["dtick"] == 1, "no 0.5 ticks for a node count"
    assert (
        "dtick"
        not in timeseries_figure(["a"], [[0.5]], Grid(0, 0, 15), choose_scale("ratio", 0.5))["layout"][
            "yaxis"
        ]
    )
    # the divisor reproduces its own scale (ticks reuse the first render's unit)
    assert choose_scale("bytes_per_second", mb.divisor) == mb


def test_values_land_on_the_grid_with_gaps_as_none() -> None:
    grid = Grid(100, 160, 15)
    assert grid.size == 5 and grid.times() == [100, 115, 130, 145, 160]
    row = on_grid([100, 130, 131, 160, 175], [1.0, float("nan"), 9.0, None, 4.0], grid)
    assert row == [1.0, None, None, None, None]
    assert on_grid([115, 145], [2.0, 3.0], grid) == [None, 2.0, None, 3.0, None]
    assert peak_of([[None, -5.0], [2.0]]) == 5.0 and peak_of([[None]]) is None


def test_figure_is_a_plain_dict_with_constant_uirevision_and_epoch_ms() -> None:
    grid = Grid(0, 30, 15)
    scale = choose_scale("bytes_per_second", 2048)
    fig = timeseries_figure(["a", "b"], [[1024.0, None, 2048.0], [0.0, 1.0, 2.0]], grid, scale, theme="dark")
    orjson.dumps(fig)  # serialisable as is
    assert fig["layout"]["uirevision"] == UIREVISION
    assert fig["data"][0]["x"] == [0, 15_000, 30_000], "plotly shows epoch ms in the viewer's zone itself"
    assert fig["data"][0]["y"] == [1.024, None, 2.048]  # kB/s
    assert fig["layout"]["yaxis"]["ticksuffix"] == " kB/s"
    assert fig["layout"]["xaxis"]["autorange"] is True
    assert fig["layout"]["font"]["color"] != "#212529"  # dark theme
    assert empty_figure()["layout"]["uirevision"] == UIREVISION


def test_ratio_axis_is_percent_and_values_keep_four_digits() -> None:
    scale = choose_scale("ratio", 0.5)
    assert scaled([0.123456789, None], scale) == [0.1235, None]
    fig = timeseries_figure(["n"], [[0.5]], Grid(0, 0, 15), scale)
    assert fig["layout"]["yaxis"]["tickformat"] == ".0%"
    assert not fig["layout"]["showlegend"]  # one trace: no legend


def test_plan_step_decides_between_nothing_delta_and_full() -> None:
    old = Grid(1000, 1300, 15)
    assert plan_step(None, old).action == "full"
    assert plan_step(old, old).action == "none"
    assert plan_step(old, Grid(1015, 1315, 15)) == Step("delta", drop=1, resend_from=1315)
    assert plan_step(old, Grid(1000, 1330, 15)) == Step("delta", drop=0, resend_from=1315)
    # the browser's last 3 points were revised: resend them with the new one
    assert plan_step(old, Grid(1015, 1315, 15), 3) == Step("delta", drop=1, resend_from=1270)
    assert plan_step(old, old, 3) == Step("delta", drop=0, resend_from=1270)  # revised, no new point
    assert plan_step(old, Grid(1000, 1300, 30)).action == "full"  # another step
    assert plan_step(old, Grid(985, 1300, 15)).action == "full"  # went back in time
    assert plan_step(old, Grid(1007, 1300, 15)).action == "full"  # off the grid
    assert plan_step(old, Grid(5000, 5300, 15)).action == "full"  # nothing in common


def test_build_delta_sends_the_new_tail_once_for_all_traces() -> None:
    base, grid = Grid(1000, 1045, 15), Grid(1030, 1060, 15)
    rows: list[list[float | None]] = [[1.0, 2.0, 3.0], [4.0, None, 6.0]]
    step, scale = plan_step(base, grid), choose_scale("count", 6)
    delta = build_delta(rows, grid, step, scale, held="abc", tail=2)
    assert delta["held"] == "abc" and delta["grid"] == [1030, 1060, 15]
    assert delta["from"] == 1060 and delta["x"] == [1060 * 1000]
    assert delta["y"] == [[3.0], [6.0]]
    assert delta["tail"] == tail_digest(rows, grid, scale, grid, 2)
    with pytest.raises(ValueError, match="action='full'"):
        build_delta(rows, grid, Step("full"), scale, held="abc")


def test_tail_digest_sees_a_revised_shown_value_but_not_invisible_digits() -> None:
    grid, scale = Grid(0, 45, 15), choose_scale("ratio", 1)
    rows: list[list[float | None]] = [[0.1, 0.2, 0.3, 0.4]]
    assert tail_times(grid, 3) == [15, 30, 45] and tail_times(grid, 0) == []
    digest = tail_digest(rows, grid, scale, grid, 3)
    assert tail_digest([[0.1, 0.2, 0.3, 0.41]], grid, scale, grid, 3) != digest
    assert tail_digest([[0.1, 0.2, 0.3, None]], grid, scale, grid, 3) != digest
    assert tail_digest([[0.9, 0.2, 0.3, 0.400001]], grid, scale, grid, 3) == digest  # head, 7th digit
    # the same values seen from the grid one step on: the held figure is still named the same
    later = Grid(15, 60, 15)
    assert tail_digest([[0.2, 0.3, 0.4, 0.5]], later, scale, grid, 3) == digest
    assert tail_digest(rows, grid, scale, Grid(15, 45, 15), 3) != digest  # another figure: another name
    assert tail_digest(rows, grid, scale, Grid(0, 60, 15), 3) is None  # its tail is not in the data
