"""Helpers for the synthetic-Prometheus unit tests: tiny sources and result flattening."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from i3plat.federation_sim.prometheus._evaltypes import InstantVector, Matrix, Scalar
from i3plat.federation_sim.prometheus._evaluator import evaluate_instant, evaluate_range
from i3plat.federation_sim.prometheus._source import InMemorySource

Key = frozenset[tuple[str, str]]


def source(*series: tuple[Mapping[str, str], Iterable[tuple[float, float]]]) -> InMemorySource:
    return InMemorySource(series)


def key(**labels: str) -> Key:
    """A result key from keyword labels (use `__name__` for the metric name)."""
    return frozenset(labels.items())


def instant(src: InMemorySource, expr: str, t: float) -> dict[Key, float]:
    """Evaluate an instant query and flatten the vector to {labels: value}."""
    value = evaluate_instant(expr, t, src)
    assert isinstance(value, InstantVector), value
    out = {frozenset(s.labels): s.value for s in value.samples}
    assert len(out) == len(value.samples), "duplicate label sets in a vector"
    return out


def scalar(src: InMemorySource, expr: str, t: float) -> float:
    value = evaluate_instant(expr, t, src)
    assert isinstance(value, Scalar), value
    return value.value


def ranged(
    src: InMemorySource, expr: str, start: float, end: float, step: float
) -> dict[Key, list[tuple[float, float]]]:
    """Evaluate a range query and flatten to {labels: [(t_seconds, value), …]}."""
    value = evaluate_range(expr, start, end, step, src)
    assert isinstance(value, Matrix)
    return {frozenset(s.labels): [(t / 1000, v) for t, v in s.points] for s in value.series}


def linear(
    start: float, end: float, step: float, rate: float, initial: float = 0.0
) -> list[tuple[float, float]]:
    """Samples of a counter growing at `rate`/s, every `step` s from `start` to `end`."""
    n = round((end - start) / step)
    return [(start + i * step, initial + rate * i * step) for i in range(n + 1)]
