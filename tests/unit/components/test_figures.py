"""Figure dicts and the refresh Patch: units, grid, and what a tick sends."""

from __future__ import annotations

import orjson

from i3plat.components.figures import (
    UIREVISION,
    Grid,
    Step,
    advance_patch,
    choose_scale,
    empty_figure,
    on_grid,
    peak_of,
    plan_step,
    scaled,
    timeseries_figure,
)


def test_units_are_formatted_for_people() -> None:
    ratio = choose_scale("ratio", 0.7)
    assert ratio.tickformat == ".0%" and ratio.percent
    assert choose_scale("bytes_per_second", 512).suffix == " B/s"
    assert choose_scale("bytes_per_second", 3 * 1024).suffix == " KiB/s"
    mib = choose_scale("bytes_per_second", 12 * 1024**2)
    assert (mib.suffix, mib.divisor) == (" MiB/s", 1024.0**2)
    assert choose_scale("bytes", 5 * 1024**3).suffix == " GiB"
    assert choose_scale("celsius", 60).suffix == " °C"
    assert choose_scale("watts", 300).suffix == " W"
    assert choose_scale("bytes_per_second", None).suffix == " B/s"
    # the divisor reproduces its own scale (ticks reuse the first render's unit)
    assert choose_scale("bytes_per_second", mib.divisor) == mib


def test_values_land_on_the_grid_with_gaps_as_none() -> None:
    grid = Grid(100, 160, 15)
    assert grid.size == 5 and grid.times() == [100, 115, 130, 145, 160]
    row = on_grid([100, 130, 131, 160, 175], [1.0, float("nan"), 9.0, None, 4.0], grid)
    assert row == [1.0, None, None, None, None]
    assert on_grid([115, 145], [2.0, 3.0], grid) == [None, 2.0, None, 3.0, None]
    assert peak_of([[None, -5.0], [2.0]]) == 5.0 and peak_of([[None]]) is None


def test_figure_is_a_plain_dict_with_constant_uirevision_and_local_time() -> None:
    grid = Grid(0, 30, 15)
    scale = choose_scale("bytes_per_second", 2048)
    fig = timeseries_figure(["a", "b"], [[1024.0, None, 2048.0], [0.0, 1.0, 2.0]], grid, scale,
                            tz_offset_s=8 * 3600, theme="dark")  # fmt: skip
    orjson.dumps(fig)  # serialisable as is
    assert fig["layout"]["uirevision"] == UIREVISION
    assert fig["data"][0]["x"] == [28_800_000, 28_815_000, 28_830_000]
    assert fig["data"][0]["y"] == [1.0, None, 2.0]  # KiB/s
    assert fig["layout"]["yaxis"]["ticksuffix"] == " KiB/s"
    assert fig["layout"]["xaxis"]["autorange"] is True
    assert fig["layout"]["font"]["color"] != "#212529"  # dark theme
    assert empty_figure()["layout"]["uirevision"] == UIREVISION


def test_ratio_axis_is_percent_and_values_keep_four_digits() -> None:
    scale = choose_scale("ratio", 0.5)
    assert scaled([0.123456789, None], scale) == [0.1235, None]
    fig = timeseries_figure(["n"], [[0.5]], Grid(0, 0, 15), scale)
    assert fig["layout"]["yaxis"]["tickformat"] == ".0%"
    assert not fig["layout"]["showlegend"]  # one trace: no legend


def test_plan_step_decides_between_nothing_patch_and_full() -> None:
    old = Grid(1000, 1300, 15)
    assert plan_step(None, old).action == "full"
    assert plan_step(old, old).action == "none"
    assert plan_step(old, Grid(1015, 1315, 15)) == Step("patch", drop=1, append_after=1300)
    assert plan_step(old, Grid(1000, 1330, 15)) == Step("patch", drop=0, append_after=1300)
    assert plan_step(old, Grid(1000, 1300, 30)).action == "full"  # another step
    assert plan_step(old, Grid(985, 1300, 15)).action == "full"  # went back in time
    assert plan_step(old, Grid(1007, 1300, 15)).action == "full"  # off the grid
    assert plan_step(old, Grid(5000, 5300, 15)).action == "full"  # nothing in common


def test_advance_patch_drops_head_and_appends_tail_for_every_trace() -> None:
    grid = Grid(1030, 1060, 15)
    rows: list[list[float | None]] = [[1.0, 2.0, 3.0], [4.0, None, 6.0]]
    patch = advance_patch(rows, grid, Step("patch", drop=2, append_after=1045), choose_scale("count", 6))
    ops = patch.to_plotly_json()["operations"]
    deletes = [op for op in ops if op["operation"] == "Delete"]
    extends = [op for op in ops if op["operation"] == "Extend"]
    assert len(deletes) == 2 * 2 * 2  # 2 points, x and y, 2 traces
    heads = {("data", i, axis, 0) for i in (0, 1) for axis in ("x", "y")}
    assert {tuple(op["location"]) for op in deletes} == heads
    assert [op["params"]["value"] for op in extends] == [[1_060_000], [3.0], [1_060_000], [6.0]]
    full = orjson.dumps(timeseries_figure(["a", "b"], rows, grid, choose_scale("count", 6)))
    assert len(orjson.dumps(ops)) < len(full) * 2  # tiny figure here; the bench measures real ones
