"""Values passed between the evaluator's parts, and the public result types.

Like Prometheus' `rangeEval`, every node is evaluated for all steps at once: an instant vector is
a list of `Column`s (one per label set, a value or `None` per step), a scalar a list of floats.
An instant query is simply a range of one step.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol

from ._labels import Labels
from ._promql_ast import Node, RangeNode, SelectorNode
from ._promql_errors import DUPLICATE_LABELSET_MESSAGE, ExecutionError
from ._source import RawSeries

Values = list[float | None]


class Column:
    """One output series over the evaluation steps (`None` where it has no sample)."""

    __slots__ = ("labels", "values")

    def __init__(self, labels: Labels, values: Values) -> None:
        self.labels = labels
        self.values = values

    def __repr__(self) -> str:
        return f"Column({self.labels!r}, {self.values!r})"


class EvaluatorLike(Protocol):
    """What functions, aggregations and operators need from the evaluator."""

    @property
    def times(self) -> list[int]:
        """Evaluation timestamps (ms)."""
        ...

    def eval_vector(self, node: Node) -> list[Column]: ...

    def eval_scalar(self, node: Node) -> list[float]: ...

    def eval_string(self, node: Node) -> str: ...

    def eval_selector_timestamps(self, node: SelectorNode) -> list[Column]:
        """Like a selector, but each value is the timestamp (s) of the sample found."""
        ...

    def select_windows(self, node: RangeNode) -> tuple[list[RawSeries], list[tuple[int, int]]]:
        """The series of a range selector or subquery and, per step, the inclusive window."""
        ...


def merge_columns(columns: Iterable[Column], *, strict: bool) -> list[Column]:
    """Merge columns that ended up with the same labels (e.g. after dropping `__name__`).

    `strict` mirrors `Matrix.ContainsSameLabelset` (an error even if the series never overlap in
    time, used after range functions and unary minus); otherwise only a clash at one step is an
    error, as in `rangeEval`.
    """
    out: dict[Labels, Column] = {}
    for col in columns:
        have = out.get(col.labels)
        if have is None:
            out[col.labels] = Column(col.labels, list(col.values))
            continue
        if strict:
            raise ExecutionError(DUPLICATE_LABELSET_MESSAGE)
        for i, v in enumerate(col.values):
            if v is None:
                continue
            if have.values[i] is not None:
                raise ExecutionError(DUPLICATE_LABELSET_MESSAGE)
            have.values[i] = v
    return list(out.values())


def present(columns: list[Column]) -> list[Column]:
    """Drop columns without any sample (Prometheus leaves such series out of results)."""
    return [c for c in columns if any(v is not None for v in c.values)]


# -- public results ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Sample:
    labels: Labels
    value: float


@dataclass(frozen=True)
class InstantVector:
    """resultType "vector": samples at `t_ms`."""

    t_ms: int
    samples: tuple[Sample, ...]


@dataclass(frozen=True)
class Series:
    labels: Labels
    points: tuple[tuple[int, float], ...]


@dataclass(frozen=True)
class Matrix:
    """resultType "matrix": series of `(t_ms, value)` points (range queries sort by labels)."""

    series: tuple[Series, ...]


@dataclass(frozen=True)
class Scalar:
    t_ms: int
    value: float


@dataclass(frozen=True)
class StringResult:
    t_ms: int
    value: str


Value = InstantVector | Matrix | Scalar | StringResult
