"""Binary operators: arithmetic, comparison (filtering or `bool`), and the set operators.

Vector matching follows `VectorBinop`/`resultMetric` of Prometheus 2.42, including its error
messages for many-to-many matches, so a console sees the same 422s as against a real server.
Signatures are computed once per series; matching is then done step by step.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from ._evaltypes import Column, EvaluatorLike, Values, merge_columns
from ._gofloat import go_div, go_mod, go_pow
from ._labels import (
    METRIC_NAME,
    Labels,
    drop_name,
    format_labels,
    get_label,
    keep_labels,
    set_label,
    without_labels,
)
from ._promql_ast import COMPARISON_OPS, SET_OPS, BinaryNode, kind_of
from ._promql_errors import DUPLICATE_LABELSET_MESSAGE, MANY_TO_ONE_MESSAGE, ExecutionError, UnsupportedError

_ARITHMETIC = frozenset({"+", "-", "*", "/", "%", "^"})


def arithmetic(op: str, a: float, b: float) -> float:
    """The value of an arithmetic operator (also `atan2`) with Go float semantics."""
    if op == "+":
        return a + b
    if op == "-":
        return a - b
    if op == "*":
        return a * b
    if op == "/":
        return go_div(a, b)
    if op == "%":
        return go_mod(a, b)
    if op == "^":
        return go_pow(a, b)
    if op == "atan2":
        return math.atan2(a, b)
    raise UnsupportedError(f"operator {op!r}")


def compare(op: str, a: float, b: float) -> bool:
    """A comparison operator on two floats (NaN compares false, except `!=`)."""
    if op == "==":
        return a == b
    if op == "!=":
        return a != b
    if op == ">":
        return a > b
    if op == "<":
        return a < b
    if op == ">=":
        return a >= b
    return a <= b


def _elem(op: str, a: float, b: float) -> tuple[float, bool]:
    """promql `vectorElemBinop`: (value, keep); comparisons keep the left value."""
    if op in COMPARISON_OPS:
        return a, compare(op, a, b)
    return arithmetic(op, a, b), True


def _drops_name(op: str) -> bool:
    return op in _ARITHMETIC


def eval_scalar_binary(ev: EvaluatorLike, node: BinaryNode) -> list[float]:
    """scalar OP scalar (comparisons need `bool` and give 0/1)."""
    lhs, rhs = ev.eval_scalar(node.lhs), ev.eval_scalar(node.rhs)
    if node.op in COMPARISON_OPS:
        return [1.0 if compare(node.op, a, b) else 0.0 for a, b in zip(lhs, rhs, strict=True)]
    return [arithmetic(node.op, a, b) for a, b in zip(lhs, rhs, strict=True)]


def eval_vector_binary(ev: EvaluatorLike, node: BinaryNode) -> list[Column]:
    """A binary operator with at least one instant-vector operand."""
    lk, rk = kind_of(node.lhs), kind_of(node.rhs)
    if lk == "scalar":
        return _vector_scalar(node, ev.eval_vector(node.rhs), ev.eval_scalar(node.lhs), swap=True)
    if rk == "scalar":
        return _vector_scalar(node, ev.eval_vector(node.lhs), ev.eval_scalar(node.rhs), swap=False)
    lhs, rhs = ev.eval_vector(node.lhs), ev.eval_vector(node.rhs)
    if node.op in SET_OPS:
        return _set_op(node, lhs, rhs, len(ev.times))
    return _vector_vector(node, lhs, rhs, len(ev.times))


def _vector_scalar(node: BinaryNode, cols: list[Column], scalars: list[float], *, swap: bool) -> list[Column]:
    """promql `VectorscalarBinop`."""
    op = node.op
    comparison = op in COMPARISON_OPS
    out: list[Column] = []
    for col in cols:
        values: Values = []
        for v, s in zip(col.values, scalars, strict=True):
            if v is None:
                values.append(None)
                continue
            lv, rv = (s, v) if swap else (v, s)
            value, keep = _elem(op, lv, rv)
            if comparison and swap:
                value = rv
            if node.return_bool:
                value, keep = (1.0 if keep else 0.0), True
            values.append(value if keep else None)
        labels = drop_name(col.labels) if (_drops_name(op) or node.return_bool) else col.labels
        out.append(Column(labels, values))
    return merge_columns(out, strict=False)


def signature(labels: Labels, on: bool, names: frozenset[str]) -> Labels:
    """The matching key: `on` keeps `names`; `ignoring` drops them and the metric name."""
    return keep_labels(labels, names) if on else without_labels(labels, names | {METRIC_NAME})


def _set_op(node: BinaryNode, lhs: list[Column], rhs: list[Column], n: int) -> list[Column]:
    """`and`, `or`, `unless` (VectorAnd/VectorOr/VectorUnless); labels pass through unchanged."""
    names = frozenset(node.matching)
    lsig = [signature(c.labels, node.on, names) for c in lhs]
    rsig = [signature(c.labels, node.on, names) for c in rhs]
    out_l: list[Values] = [[None] * n for _ in lhs]
    out_r: list[Values] = [[None] * n for _ in rhs]
    for i in range(n):
        l_here = [j for j, c in enumerate(lhs) if c.values[i] is not None]
        r_here = [j for j, c in enumerate(rhs) if c.values[i] is not None]
        if node.op == "and":
            if not l_here or not r_here:
                continue
            wanted = {rsig[j] for j in r_here}
            for j in l_here:
                if lsig[j] in wanted:
                    out_l[j][i] = lhs[j].values[i]
        elif node.op == "or":
            seen = {lsig[j] for j in l_here}
            for j in l_here:
                out_l[j][i] = lhs[j].values[i]
            for j in r_here:
                if rsig[j] not in seen:
                    out_r[j][i] = rhs[j].values[i]
        else:
            unwanted = {rsig[j] for j in r_here}
            for j in l_here:
                if lsig[j] not in unwanted:
                    out_l[j][i] = lhs[j].values[i]
    cols = [Column(c.labels, v) for c, v in zip(lhs, out_l, strict=True)]
    cols += [Column(c.labels, v) for c, v in zip(rhs, out_r, strict=True)]
    return merge_columns([c for c in cols if any(v is not None for v in c.values)], strict=False)


def _result_labels(node: BinaryNode, many: Labels, one: Labels) -> Labels:
    """promql `resultMetric`: labels of a match (the many side's, plus `group_x` extras)."""
    labels = drop_name(many) if _drops_name(node.op) else many
    if node.card == "one-to-one":
        names = frozenset(node.matching)
        labels = keep_labels(labels, names) if node.on else without_labels(labels, names)
    for name in node.include:
        labels = set_label(labels, name, get_label(one, name))
    return drop_name(labels) if node.return_bool else labels


def _vector_vector(node: BinaryNode, lhs: list[Column], rhs: list[Column], n: int) -> list[Column]:
    """promql `VectorBinop` for every step."""
    swapped = node.card == "one-to-many"
    many, one = (rhs, lhs) if swapped else (lhs, rhs)
    names = frozenset(node.matching)
    many_sig = [signature(c.labels, node.on, names) for c in many]
    one_sig = [signature(c.labels, node.on, names) for c in one]
    result_labels: dict[tuple[int, int], Labels] = {}
    out: dict[Labels, Column] = {}
    for i in range(n):
        if all(c.values[i] is None for c in many):
            continue
        ones = _index_one_side(one, one_sig, i, swapped)
        if not ones:
            continue
        matched: dict[Labels, set[Labels] | None] = {}
        for mi, mcol in enumerate(many):
            mv = mcol.values[i]
            if mv is None:
                continue
            sig = many_sig[mi]
            oi = ones.get(sig)
            if oi is None:
                continue
            ov = one[oi].values[i]
            assert ov is not None
            value, keep = _elem(node.op, ov, mv) if swapped else _elem(node.op, mv, ov)
            if node.return_bool:
                value = 1.0 if keep else 0.0
            elif not keep:
                continue
            labels = result_labels.get((mi, oi))
            if labels is None:
                labels = result_labels[(mi, oi)] = _result_labels(node, mcol.labels, one[oi].labels)
            _check_unique_match(node, matched, sig, labels)
            col = out.get(labels)
            if col is None:
                col = out[labels] = Column(labels, [None] * n)
            elif col.values[i] is not None:
                raise ExecutionError(DUPLICATE_LABELSET_MESSAGE)
            col.values[i] = value
    return list(out.values())


def _index_one_side(one: Sequence[Column], sigs: list[Labels], i: int, swapped: bool) -> dict[Labels, int]:
    """Signature → series of the "one" side at step `i`; a duplicate is many-to-many (an error)."""
    index: dict[Labels, int] = {}
    for j, col in enumerate(one):
        if col.values[i] is None:
            continue
        sig = sigs[j]
        prev = index.get(sig)
        if prev is not None:
            side = "left" if swapped else "right"
            raise ExecutionError(
                f"found duplicate series for the match group {format_labels(sig)} on the {side} hand-side "
                f"of the operation: [{format_labels(col.labels)}, {format_labels(one[prev].labels)}]"
                ";many-to-many matching not allowed: matching labels must be unique on one side"
            )
        index[sig] = j
    return index


def _check_unique_match(
    node: BinaryNode, matched: dict[Labels, set[Labels] | None], sig: Labels, labels: Labels
) -> None:
    if node.card == "one-to-one":
        if sig in matched:
            raise ExecutionError(MANY_TO_ONE_MESSAGE)
        matched[sig] = None
        return
    inserted = matched.get(sig)
    if inserted is None:
        inserted = matched[sig] = set()
    elif labels in inserted:
        raise ExecutionError("multiple matches for labels: grouping labels must ensure unique matches")
    inserted.add(labels)
