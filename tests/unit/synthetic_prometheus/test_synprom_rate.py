"""rate/irate/increase/delta and the *_over_time family against hand-computed values (2.42 rules)."""

from __future__ import annotations

import math

import pytest
from synprom_helpers import instant, key, linear, ranged, source

from i3plat.federation_sim.prometheus._evaltypes import Matrix
from i3plat.federation_sim.prometheus._evaluator import evaluate_instant

# c: 1/s from 0 at t=0, a sample every 10 s up to t=100.
# d: the same slope but starting at 1000 (no zero-point shortcut).
# r: a counter reset at t=30.
SRC = source(
    ({"__name__": "c"}, linear(0, 100, 10, 1.0)),
    ({"__name__": "d"}, linear(0, 100, 10, 1.0, initial=1000.0)),
    ({"__name__": "r"}, [(0, 0), (10, 10), (20, 20), (30, 5), (40, 15), (50, 25)]),
    ({"__name__": "g", "k": "v"}, [(0, 3), (10, 1), (20, 4), (30, 1), (40, 5)]),
)


def one(expr: str, t: float) -> float:
    (value,) = instant(SRC, expr, t).values()
    return value


def test_rate_over_a_fully_covered_window_is_the_slope() -> None:
    # [50, 100]: 6 samples, no extrapolation needed on either side.
    assert one("rate(c[50s])", 100) == pytest.approx(1.0, rel=1e-15)
    assert one("increase(c[50s])", 100) == pytest.approx(50.0, rel=1e-15)


def test_left_boundary_sample_is_included_like_prometheus_2() -> None:
    # Window [0, 50] contains the sample at t=0 (3.x would drop it and give 0.875).
    assert one("rate(r[50s])", 50) == pytest.approx(0.9, rel=1e-15)


def test_counter_reset_adds_the_value_before_the_reset() -> None:
    # 25 - 0 + 20 (the value before the drop to 5) = 45 over 50 s.
    assert one("increase(r[50s])", 50) == pytest.approx(45.0, rel=1e-15)


def test_zero_point_rule_stops_extrapolation_at_the_counter_start() -> None:
    # [-20, 30]: samples 0..30 of c (first value 0): extrapolating to -20 would need a negative
    # counter, so durationToStart becomes 0: increase 30, rate 30/50.
    assert one("rate(c[50s])", 30) == pytest.approx(0.6, rel=1e-15)


def test_window_starting_far_from_the_first_sample_extrapolates_half_an_interval() -> None:
    # d starts at 1000: durationToStart 20 s >= 1.1 × 10 s, so only 5 s are added: 30 × 35/30.
    assert one("increase(d[50s])", 30) == pytest.approx(35.0, rel=1e-15)
    assert one("rate(d[50s])", 30) == pytest.approx(0.7, rel=1e-15)


def test_window_ending_after_the_last_sample_extrapolates_half_an_interval() -> None:
    # [80, 130]: samples 80, 90, 100; 30 s to the end > threshold → +5 s: 20 × 25/20 = 25.
    assert one("increase(c[50s])", 130) == pytest.approx(25.0, rel=1e-15)


def test_rate_needs_two_samples() -> None:
    assert instant(SRC, "rate(c[5s])", 100) == {}


def test_irate_uses_the_last_two_samples_and_handles_resets() -> None:
    assert one("irate(r[50s])", 50) == pytest.approx(1.0)
    assert one("irate(r[50s])", 30) == pytest.approx(0.5)  # reset: 5 over 10 s
    assert one("idelta(g[50s])", 40) == 4.0


def test_delta_is_not_counter_corrected() -> None:
    # g: 3 → 5 over [0, 40] within [-10, 40]; to_start 10 < 11 → extrapolate fully: 2 × 50/40.
    assert one("delta(g[50s])", 40) == pytest.approx(2.5)


def test_over_time_functions() -> None:
    assert one("avg_over_time(g[40s])", 40) == pytest.approx(2.8)
    assert one("sum_over_time(g[40s])", 40) == 14.0
    assert one("min_over_time(g[40s])", 40) == 1.0
    assert one("max_over_time(g[40s])", 40) == 5.0
    assert one("count_over_time(g[40s])", 40) == 5.0
    assert one("last_over_time(g[40s])", 40) == 5.0
    assert one("changes(g[40s])", 40) == 4.0
    assert one("resets(g[40s])", 40) == 2.0
    assert one("quantile_over_time(0.5, g[40s])", 40) == 3.0
    values = [3, 1, 4, 1, 5]
    mean = sum(values) / 5
    assert one("stdvar_over_time(g[40s])", 40) == pytest.approx(sum((v - mean) ** 2 for v in values) / 5)
    assert one("stddev_over_time(g[40s])", 40) == pytest.approx(math.sqrt(2.56))


def test_names_are_dropped_except_by_last_over_time() -> None:
    assert set(instant(SRC, "max_over_time(g[40s])", 40)) == {key(k="v")}
    assert set(instant(SRC, "last_over_time(g[40s])", 40)) == {key(__name__="g", k="v")}


def test_deriv_and_predict_linear_fit_a_line() -> None:
    assert one("deriv(c[50s])", 100) == pytest.approx(1.0)
    assert one("predict_linear(c[50s], 60)", 100) == pytest.approx(160.0)


def test_range_query_evaluates_rate_at_every_step() -> None:
    got = ranged(SRC, "rate(c[50s])", 50, 100, 10)
    assert list(got) == [key()]
    assert [t for t, _ in got[key()]] == [50, 60, 70, 80, 90, 100]
    assert all(v == pytest.approx(1.0, rel=1e-15) for _, v in got[key()])


def test_offset_shifts_the_window() -> None:
    assert one("increase(c[50s] offset 70s)", 100) == pytest.approx(30.0)  # [-20, 30] as above


def test_absent_over_time() -> None:
    assert instant(SRC, "absent_over_time(c[5s])", 100) == {}
    assert instant(SRC, 'absent_over_time(nope{job="x", a=~"y"}[5s])', 100) == {key(job="x"): 1.0}


def test_subqueries_evaluate_on_their_own_aligned_grid() -> None:
    # inner grid: multiples of 10 s from the first one >= 100 - 30: c at 70, 80, 90, 100
    assert one("sum_over_time(c[30s:10s])", 100) == 340.0
    # at 105 the window [75, 105] holds the inner steps 80, 90, 100
    assert one("count_over_time(c[30s:10s])", 105) == 3.0
    assert one("max_over_time(rate(c[20s])[30s:10s])", 100) == pytest.approx(1.0)
    # no step: the default evaluation interval (1 min) from 0: steps 0 and 60 within [-20, 100]
    assert one("count_over_time(c[2m:])", 100) == 2.0
    assert one("last_over_time(c[1m:10s] offset 20s)", 100) == 80.0


def test_a_subquery_at_the_top_of_an_instant_query_is_a_matrix() -> None:
    value = evaluate_instant("c[20s:10s]", 100, SRC)
    assert isinstance(value, Matrix)
    (series,) = value.series
    assert series.points == ((80_000, 80.0), (90_000, 90.0), (100_000, 100.0))
