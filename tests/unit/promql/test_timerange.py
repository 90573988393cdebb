"""Step choice, alignment, the 11,000-point limit and the rate window."""

from __future__ import annotations

import pytest

from i3plat.promql.errors import QueryInputError
from i3plat.promql.timerange import (
    MAX_POINTS,
    align_range,
    choose_step,
    format_duration,
    parse_duration,
    plan_range,
    rate_window,
)


@pytest.mark.parametrize(
    ("duration", "width", "scrape", "step"),
    [
        (3600, 400, 15, 15),
        (6 * 3600, 400, 15, 60),
        (7 * 86400, 400, 15, 1800),
        (900, 1000, 15, 15),
        (3600, 1920, 5, 5),
        (24 * 3600, 1200, 15, 120),
    ],
)
def test_choose_step(duration: int, width: int, scrape: int, step: int) -> None:
    assert choose_step(duration, width, scrape) == step


def test_step_never_exceeds_point_limit() -> None:
    for duration in (1, 59, 3600, 86400 * 30, 86400 * 90):
        step = choose_step(duration, 100_000, 1)
        assert duration / step <= MAX_POINTS


def test_alignment_is_stable_across_refreshes() -> None:
    a = align_range(1_000_007, 1_003_607, 15)
    b = align_range(1_000_011, 1_003_611, 15)
    assert a == b
    assert a.start % 15 == 0 and a.end % 15 == 0


def test_plan_range_checks_user_step() -> None:
    with pytest.raises(QueryInputError) as err:
        plan_range(0, 11_001, max_points=400, scrape_interval=15, step=1)
    assert err.value.field == "step"
    assert plan_range(0, 11_000, max_points=400, scrape_interval=15, step=1).points == MAX_POINTS + 1


@pytest.mark.parametrize(
    ("start", "end", "field"),
    [(10, 5, "end"), (0, 200 * 86400, "range"), (float("nan"), 5, "start")],
)
def test_plan_range_rejects_bad_windows(start: float, end: float, field: str) -> None:
    with pytest.raises(QueryInputError) as err:
        plan_range(start, end, max_points=400, scrape_interval=15)
    assert err.value.field == field


def test_future_start_is_refused() -> None:
    with pytest.raises(QueryInputError, match="start"):
        plan_range(2000, 3000, max_points=400, scrape_interval=15, now=1000)


@pytest.mark.parametrize(
    ("step", "scrape", "window"), [(15, 15, 60), (60, 15, 75), (1800, 15, 1815), (5, 30, 120)]
)
def test_rate_window(step: int, scrape: int, window: int) -> None:
    assert rate_window(step, scrape) == window


@pytest.mark.parametrize(
    ("text", "seconds"), [("15m", 900), ("1h", 3600), ("7d", 604800), ("90s", 90), ("2w", 1209600)]
)
def test_parse_duration(text: str, seconds: int) -> None:
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["", "0m", "1y", "1h30m", "-5m", "5", "5 m", "1e3s", "9999999s", "1h]"])
def test_parse_duration_refuses(text: str) -> None:
    with pytest.raises(QueryInputError, match=r"^range:"):
        parse_duration(text)


@pytest.mark.parametrize(
    ("seconds", "text"), [(60, "1m"), (75, "75s"), (3600, "1h"), (1815, "1815s"), (86400, "1d")]
)
def test_format_duration(seconds: int, text: str) -> None:
    assert format_duration(seconds) == text
