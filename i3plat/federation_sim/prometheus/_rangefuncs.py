"""Functions over range vectors (`rate`, `irate`, `increase`, `*_over_time`, …) as in Prometheus 2.42.

Windows are `[t − offset − range, t − offset]` with both ends inclusive (2.x; 3.x made the left end
open). `extrapolatedRate` is reproduced operation for operation — including the zero-point rule
applied *before* the extrapolation threshold (the 2.42 order) — so results match a real server.
"""

from __future__ import annotations

import math
from bisect import bisect_left, bisect_right
from collections.abc import Callable
from typing import NamedTuple

from ._evaltypes import Column, EvaluatorLike, Values, merge_columns
from ._gofloat import NAN, go_div, kahan_inc, quantile
from ._labels import EMPTY, METRIC_NAME, Labels, Matcher, drop_name, labels_from
from ._promql_ast import CallNode, MatrixNode, RangeNode, SubqueryNode, kind_of
from ._promql_errors import UnsupportedError
from ._source import RawSeries


class Window:
    """The samples `ts[lo:hi]`/`vs[lo:hi]` of one series at one step (reused across steps)."""

    __slots__ = ("arg", "hi", "lo", "step_time", "ts", "vs")

    def __init__(self, ts: list[int], vs: list[float]) -> None:
        self.ts = ts
        self.vs = vs
        self.lo = 0
        self.hi = 0
        self.step_time = 0
        self.arg = NAN


WindowFn = Callable[[Window], float | None]


def range_seconds(range_ms: int) -> float:
    """Go's `Duration.Seconds()` of a whole-millisecond duration."""
    sec, rest_ms = divmod(range_ms, 1000)
    return float(sec) + float(rest_ms * 1_000_000) / 1e9


class _Geometry(NamedTuple):
    """The timestamp-only part of `extrapolatedRate` at one step (shared by series on one grid)."""

    lo: int
    hi: int
    to_start: float
    sampled: float
    average: float
    threshold: float
    end_part: float
    interval: float


def rate_geometry(
    ts: list[int], bounds: list[tuple[int, int]], windows: list[tuple[int, int]]
) -> list[_Geometry | None]:
    """Per step, what `extrapolatedRate` derives from timestamps alone (None: < 2 samples)."""
    out: list[_Geometry | None] = []
    for (lo, hi), (range_start, range_end) in zip(bounds, windows, strict=True):
        n = hi - lo
        if n < 2:
            out.append(None)
            continue
        first_t, last_t = ts[lo], ts[hi - 1]
        to_start = (first_t - range_start) / 1000
        to_end = (range_end - last_t) / 1000
        sampled = (last_t - first_t) / 1000
        average = sampled / (n - 1)
        threshold = average * 1.1
        end_part = to_end if to_end < threshold else average / 2
        start_part = to_start if to_start < threshold else average / 2
        interval = sampled + start_part + end_part
        out.append(_Geometry(lo, hi, to_start, sampled, average, threshold, end_part, interval))
    return out


def extrapolated_series(
    vs: list[float], geometry: list[_Geometry | None], range_s: float, *, counter: bool, per_second: bool
) -> Values:
    """promql `extrapolatedRate` at every step of one series (rate, increase, delta).

    Same operations in the same order as Go: the counter-reset corrections are added one by one
    after `last − first`, and the zero-point rule shortens `durationToStart` *before* the
    extrapolation threshold is applied.
    """
    resets = [j for j in range(1, len(vs)) if vs[j] < vs[j - 1]] if counter else []
    out: Values = []
    for g in geometry:
        if g is None:
            out.append(None)
            continue
        first_v = vs[g.lo]
        result = vs[g.hi - 1] - first_v
        if resets:
            for j in resets[bisect_right(resets, g.lo) : bisect_right(resets, g.hi - 1)]:
                result += vs[j - 1]
        interval = g.interval
        if counter and result > 0 and first_v >= 0:
            to_zero = g.sampled * (first_v / result)
            if to_zero < g.to_start:
                start_part = to_zero if to_zero < g.threshold else g.average / 2
                interval = g.sampled + start_part + g.end_part
        factor = go_div(interval, g.sampled)
        if per_second:
            factor = go_div(factor, range_s)
        out.append(result * factor)
    return out


def _instant_value(w: Window, *, per_second: bool) -> float | None:
    if w.hi - w.lo < 2:
        return None
    last_t, prev_t = w.ts[w.hi - 1], w.ts[w.hi - 2]
    last_v, prev_v = w.vs[w.hi - 1], w.vs[w.hi - 2]
    result = last_v if (per_second and last_v < prev_v) else last_v - prev_v
    interval = last_t - prev_t
    if interval == 0:
        return None
    if per_second:
        result = go_div(result, interval / 1000)
    return result


def _avg(w: Window) -> float:
    mean = count = comp = 0.0
    for v in w.vs[w.lo : w.hi]:
        count += 1
        if math.isinf(mean):
            if math.isinf(v) and (mean > 0) == (v > 0):
                continue
            if not math.isinf(v) and not math.isnan(v):
                continue
        mean, comp = kahan_inc(v / count - mean / count, mean, comp)
    return mean if math.isinf(mean) else mean + comp


def _sum(w: Window) -> float:
    total = comp = 0.0
    for v in w.vs[w.lo : w.hi]:
        total, comp = kahan_inc(v, total, comp)
    return total if math.isinf(total) else total + comp


def _extreme(w: Window, *, largest: bool) -> float:
    best = w.vs[w.lo]
    for v in w.vs[w.lo : w.hi]:
        if (v > best if largest else v < best) or math.isnan(best):
            best = v
    return best


def _variance(w: Window) -> float:
    count = mean = c_mean = aux = c_aux = 0.0
    for v in w.vs[w.lo : w.hi]:
        count += 1
        delta = v - (mean + c_mean)
        mean, c_mean = kahan_inc(delta / count, mean, c_mean)
        aux, c_aux = kahan_inc(delta * (v - (mean + c_mean)), aux, c_aux)
    return (aux + c_aux) / count


def _count_changes(w: Window, *, resets_only: bool) -> float:
    count = 0
    prev = w.vs[w.lo]
    for cur in w.vs[w.lo + 1 : w.hi]:
        if resets_only:
            count += cur < prev
        elif cur != prev and not (math.isnan(cur) and math.isnan(prev)):
            count += 1
        prev = cur
    return float(count)


def linear_regression(w: Window, intercept_t: int) -> tuple[float, float]:
    """promql `linearRegression` (Kahan sums, constant-series shortcut): slope, intercept."""
    n = sum_x = c_x = sum_y = c_y = sum_xy = c_xy = sum_x2 = c_x2 = 0.0
    init_y = w.vs[w.lo]
    const_y = True
    for i in range(w.lo, w.hi):
        y = w.vs[i]
        if const_y and i > w.lo and y != init_y:
            const_y = False
        n += 1.0
        x = (w.ts[i] - intercept_t) / 1e3
        sum_x, c_x = kahan_inc(x, sum_x, c_x)
        sum_y, c_y = kahan_inc(y, sum_y, c_y)
        sum_xy, c_xy = kahan_inc(x * y, sum_xy, c_xy)
        sum_x2, c_x2 = kahan_inc(x * x, sum_x2, c_x2)
    if const_y:
        return (NAN, NAN) if math.isinf(init_y) else (0.0, init_y)
    sum_x, sum_y, sum_xy, sum_x2 = sum_x + c_x, sum_y + c_y, sum_xy + c_xy, sum_x2 + c_x2
    cov_xy = sum_xy - sum_x * sum_y / n
    var_x = sum_x2 - sum_x * sum_x / n
    slope = go_div(cov_xy, var_x)
    return slope, sum_y / n - slope * sum_x / n


def _deriv(w: Window) -> float | None:
    if w.hi - w.lo < 2:
        return None
    return linear_regression(w, w.ts[w.lo])[0]


def _predict_linear(w: Window) -> float | None:
    if w.hi - w.lo < 2:
        return None
    slope, intercept = linear_regression(w, w.step_time)
    return slope * w.arg + intercept


_WINDOW_FUNCTIONS: dict[str, WindowFn] = {
    "irate": lambda w: _instant_value(w, per_second=True),
    "idelta": lambda w: _instant_value(w, per_second=False),
    "avg_over_time": _avg,
    "sum_over_time": _sum,
    "count_over_time": lambda w: float(w.hi - w.lo),
    "min_over_time": lambda w: _extreme(w, largest=False),
    "max_over_time": lambda w: _extreme(w, largest=True),
    "last_over_time": lambda w: w.vs[w.hi - 1],
    "present_over_time": lambda w: 1.0,
    "stdvar_over_time": _variance,
    "stddev_over_time": lambda w: math.sqrt(_variance(w)),
    "quantile_over_time": lambda w: quantile(w.arg, w.vs[w.lo : w.hi]),
    "changes": lambda w: _count_changes(w, resets_only=False),
    "resets": lambda w: _count_changes(w, resets_only=True),
    "deriv": _deriv,
    "predict_linear": _predict_linear,
}


_EXTRAPOLATED = {"rate": (True, True), "increase": (True, False), "delta": (False, False)}
"""name → (counter, per_second) of the functions built on `extrapolatedRate`."""
RANGE_FUNCTIONS = frozenset(_WINDOW_FUNCTIONS) | frozenset(_EXTRAPOLATED) | {"absent_over_time"}


def call_range_function(ev: EvaluatorLike, node: CallNode) -> list[Column]:
    """Evaluate a function whose argument list contains a range selector."""
    if node.name not in RANGE_FUNCTIONS:
        raise UnsupportedError(f"function {node.name}()")
    matrix_index = next(i for i, a in enumerate(node.args) if kind_of(a) == "matrix")
    matrix = node.args[matrix_index]
    if not isinstance(matrix, MatrixNode | SubqueryNode):
        raise UnsupportedError("a range-vector argument other than a range selector or subquery")
    scalar_args = [ev.eval_scalar(a) for i, a in enumerate(node.args) if i != matrix_index]
    arg = scalar_args[0] if scalar_args else [NAN] * len(ev.times)
    series, windows = ev.select_windows(matrix)
    if node.name == "absent_over_time":
        return _absent_over_time(series, windows, matrix)
    keep_name = node.name == "last_over_time"
    range_s = range_seconds(matrix.range_ms)
    shared: dict[int, tuple[list[tuple[int, int]], list[_Geometry | None]]] = {}
    out: list[Column] = []
    for s in series:
        # Series read from one grid share their `times` list: window maths is done once for them.
        cached = shared.get(id(s.times))
        if cached is None:
            bounds = window_bounds(s.times, windows)
            geometry = rate_geometry(s.times, bounds, windows) if node.name in _EXTRAPOLATED else []
            cached = shared[id(s.times)] = (bounds, geometry)
        bounds, geometry = cached
        if node.name in _EXTRAPOLATED:
            counter, per_second = _EXTRAPOLATED[node.name]
            values = extrapolated_series(s.values, geometry, range_s, counter=counter, per_second=per_second)
        else:
            values = _apply(_WINDOW_FUNCTIONS[node.name], s, bounds, arg, ev.times)
        if any(v is not None for v in values):
            out.append(Column(s.labels if keep_name else drop_name(s.labels), values))
    return merge_columns(out, strict=True)


def window_bounds(ts: list[int], windows: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Per step, the index range `[lo, hi)` of the samples inside the (inclusive) window."""
    bounds: list[tuple[int, int]] = []
    lo = hi = 0
    for mint, maxt in windows:
        lo = bisect_left(ts, mint, lo)
        hi = bisect_right(ts, maxt, max(lo, hi))
        bounds.append((lo, hi))
    return bounds


def _apply(
    fn: WindowFn, s: RawSeries, bounds: list[tuple[int, int]], arg: list[float], times: list[int]
) -> Values:
    window = Window(s.times, s.values)
    values: Values = []
    for i, (lo, hi) in enumerate(bounds):
        if hi <= lo:
            values.append(None)
            continue
        window.lo, window.hi, window.step_time, window.arg = lo, hi, times[i], arg[i]
        values.append(fn(window))
    return values


def _absent_over_time(
    series: list[RawSeries], windows: list[tuple[int, int]], matrix: RangeNode
) -> list[Column]:
    found = [False] * len(windows)
    for s in series:
        for i, (lo, hi) in enumerate(window_bounds(s.times, windows)):
            found[i] = found[i] or hi > lo
    if all(found):
        return []
    values: Values = [None if f else 1.0 for f in found]
    labels = absent_labels(matrix.selector.matchers) if isinstance(matrix, MatrixNode) else EMPTY
    return [Column(labels, values)]


def absent_labels(matchers: tuple[Matcher, ...]) -> Labels:
    """promql `createLabelsForAbsentFunction`: equality matchers become labels, others remove."""
    kept: dict[str, str] = {}
    dropped: set[str] = set()
    for m in matchers:
        if m.name == METRIC_NAME:
            continue
        if m.op == "=" and m.name not in kept:
            kept[m.name] = m.value
        else:
            dropped.add(m.name)
    return labels_from({k: v for k, v in kept.items() if k not in dropped}) if kept else EMPTY
