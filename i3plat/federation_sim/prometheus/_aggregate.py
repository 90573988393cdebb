"""Aggregation operators (`sum`, `avg`, `topk`, …) with Prometheus 2.42's arithmetic.

2.42 sums plainly (Kahan summation came later), averages incrementally and picks `topk`/`bottomk`
with Go's container/heap; all three are reproduced so values and tie-breaking match.
"""

from __future__ import annotations

import math
from collections.abc import Callable

from ._evaltypes import Column, EvaluatorLike, Values
from ._gofloat import format_float, format_float_g, quantile
from ._labels import METRIC_NAME, Labels, is_label_name, keep_labels, set_label, without_labels
from ._promql_ast import AggregateNode
from ._promql_errors import ExecutionError, UnsupportedError

_SIMPLE_OPS = frozenset({"sum", "avg", "min", "max", "count", "group", "stddev", "stdvar"})
AGGREGATIONS = _SIMPLE_OPS | {"topk", "bottomk", "quantile", "count_values"}
_MAX_INT64_FLOAT = 9223372036854774784.0
_MIN_INT64_FLOAT = -9223372036854775808.0


def aggregate(ev: EvaluatorLike, node: AggregateNode) -> list[Column]:
    """Evaluate an aggregation over all steps."""
    if node.op not in AGGREGATIONS:
        raise UnsupportedError(f"aggregation {node.op}()")
    cols = ev.eval_vector(node.expr)
    n = len(ev.times)
    if node.op in ("topk", "bottomk"):
        assert node.param is not None
        return _select_k(cols, node, ev.eval_scalar(node.param), n)
    if node.op == "count_values":
        assert node.param is not None
        return _count_values(cols, node, ev.eval_string(node.param), n)
    if node.op == "quantile":
        assert node.param is not None
        return _quantile(cols, node, ev.eval_scalar(node.param), n)
    keys, members = _groups(cols, node)
    fold = _FOLDS[node.op]
    return [
        Column(key, fold([cols[c].values for c in member], n))
        for key, member in zip(keys, members, strict=True)
    ]


def group_labels(labels: Labels, grouping: tuple[str, ...], without: bool) -> Labels:
    """The output labels of a series' group (also its grouping key)."""
    if without:
        return without_labels(labels, frozenset(grouping) | {METRIC_NAME})
    return keep_labels(labels, frozenset(grouping))


def _groups(cols: list[Column], node: AggregateNode) -> tuple[list[Labels], list[list[int]]]:
    """Group keys in order of first appearance, and the member columns of each (input order)."""
    index: dict[Labels, int] = {}
    keys: list[Labels] = []
    members: list[list[int]] = []
    for ci, col in enumerate(cols):
        key = group_labels(col.labels, node.grouping, node.without)
        gi = index.get(key)
        if gi is None:
            gi = index[key] = len(keys)
            keys.append(key)
            members.append([])
        members[gi].append(ci)
    return keys, members


# Each fold walks the group's columns in input order, which is the order Prometheus adds samples
# in at every step, so column-major folding gives bit-identical results.

Fold = Callable[[list[Values], int], Values]


def _fold_sum(columns: list[Values], n: int) -> Values:
    acc: Values = [None] * n
    for values in columns:
        for i, v in enumerate(values):
            if v is not None:
                cur = acc[i]
                acc[i] = v if cur is None else cur + v
    return acc


def _fold_avg(columns: list[Values], n: int) -> Values:
    mean: Values = [None] * n
    count = [0] * n
    for values in columns:
        for i, v in enumerate(values):
            if v is None:
                continue
            m = mean[i]
            if m is None:
                mean[i], count[i] = v, 1
                continue
            count[i] += 1
            if math.isinf(m) and (
                (math.isinf(v) and (m > 0) == (v > 0)) or not (math.isinf(v) or math.isnan(v))
            ):
                continue
            mean[i] = m + (v / count[i] - m / count[i])
    return mean


def _fold_extreme(columns: list[Values], n: int, *, largest: bool) -> Values:
    acc: Values = [None] * n
    for values in columns:
        for i, v in enumerate(values):
            if v is None:
                continue
            cur = acc[i]
            if cur is None or math.isnan(cur) or (cur < v if largest else cur > v):
                acc[i] = v
    return acc


def _fold_count(columns: list[Values], n: int, *, as_one: bool = False) -> Values:
    counts = [0] * n
    for values in columns:
        for i, v in enumerate(values):
            if v is not None:
                counts[i] += 1
    return [None if c == 0 else (1.0 if as_one else float(c)) for c in counts]


def _fold_variance(columns: list[Values], n: int, *, root: bool) -> Values:
    mean = [0.0] * n
    aux = [0.0] * n
    count = [0] * n
    for values in columns:
        for i, v in enumerate(values):
            if v is None:
                continue
            if count[i] == 0:
                count[i], mean[i] = 1, v
                continue
            count[i] += 1
            delta = v - mean[i]
            mean[i] += delta / count[i]
            aux[i] += delta * (v - mean[i])
    out: Values = []
    for c, a in zip(count, aux, strict=True):
        out.append(None if c == 0 else (math.sqrt(a / c) if root else a / c))
    return out


_FOLDS: dict[str, Fold] = {
    "sum": _fold_sum,
    "avg": _fold_avg,
    "max": lambda cols, n: _fold_extreme(cols, n, largest=True),
    "min": lambda cols, n: _fold_extreme(cols, n, largest=False),
    "count": _fold_count,
    "group": lambda cols, n: _fold_count(cols, n, as_one=True),
    "stddev": lambda cols, n: _fold_variance(cols, n, root=True),
    "stdvar": lambda cols, n: _fold_variance(cols, n, root=False),
}


def _quantile(cols: list[Column], node: AggregateNode, qs: list[float], n: int) -> list[Column]:
    keys, members = _groups(cols, node)
    out: list[Column] = []
    for key, member in zip(keys, members, strict=True):
        values: Values = []
        for i in range(n):
            here = [v for c in member if (v := cols[c].values[i]) is not None]
            values.append(quantile(qs[i], here) if here else None)
        out.append(Column(key, values))
    return out


def _count_values(cols: list[Column], node: AggregateNode, label: str, n: int) -> list[Column]:
    if not is_label_name(label):
        raise ExecutionError(f"invalid label name {format_go_quoted(label)}")
    grouping = node.grouping if node.without else (*node.grouping, label)
    out: dict[Labels, Column] = {}
    for i in range(n):
        counts: dict[Labels, int] = {}
        for col in cols:
            v = col.values[i]
            if v is None:
                continue
            key = group_labels(set_label(col.labels, label, format_float(v, "f")), grouping, node.without)
            counts[key] = counts.get(key, 0) + 1
        for key, count in counts.items():
            column = out.get(key)
            if column is None:
                column = out[key] = Column(key, [None] * n)
            column.values[i] = float(count)
    return list(out.values())


def format_go_quoted(text: str) -> str:
    """`%q` of a Go string (close enough for label names)."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


# -- topk / bottomk: a port of Go's container/heap so ties resolve like Prometheus ------------

_Entry = tuple[float, int]
_Less = Callable[[_Entry, _Entry], bool]


def _less_topk(a: _Entry, b: _Entry) -> bool:
    return math.isnan(a[0]) or a[0] < b[0]


def _less_bottomk(a: _Entry, b: _Entry) -> bool:
    return math.isnan(a[0]) or a[0] > b[0]


def _up(h: list[_Entry], j: int, less: _Less) -> None:
    while j > 0:
        i = (j - 1) // 2
        if not less(h[j], h[i]):
            break
        h[i], h[j] = h[j], h[i]
        j = i


def _down(h: list[_Entry], i: int, n: int, less: _Less) -> None:
    while True:
        j1 = 2 * i + 1
        if j1 >= n:
            break
        j = j1
        j2 = j1 + 1
        if j2 < n and less(h[j2], h[j1]):
            j = j2
        if not less(h[j], h[i]):
            break
        h[i], h[j] = h[j], h[i]
        i = j


def _heap_offer(h: list[_Entry], entry: _Entry, k: int, less: _Less) -> None:
    """The per-sample step of TOPK/BOTTOMK in `aggregation()`."""
    if len(h) < k or less(h[0], entry) or math.isnan(h[0][0]):
        if len(h) == k:
            if k == 1:
                h[0] = entry
                return
            last = len(h) - 1
            h[0], h[last] = h[last], h[0]
            _down(h, 0, last, less)
            h.pop()
        h.append(entry)
        _up(h, len(h) - 1, less)


def _result_order(heap: list[_Entry], *, top: bool) -> list[_Entry]:
    """`sort.Reverse(heap)`: topk descending, bottomk ascending, NaN last in both."""
    if top:
        return sorted(heap, key=lambda e: (not math.isnan(e[0]), e[0]), reverse=True)
    return sorted(heap, key=lambda e: (math.isnan(e[0]), e[0]))


def _select_k(cols: list[Column], node: AggregateNode, params: list[float], n: int) -> list[Column]:
    less = _less_topk if node.op == "topk" else _less_bottomk
    keys = [group_labels(c.labels, node.grouping, node.without) for c in cols]
    picked: dict[int, Column] = {}
    for i in range(n):
        f = params[i]
        if not (_MIN_INT64_FLOAT <= f <= _MAX_INT64_FLOAT):
            raise ExecutionError(f"Scalar value {format_float_g(f)} overflows int64")
        k = int(f)
        if k < 1:
            continue
        heaps: dict[Labels, list[_Entry]] = {}
        for ci, (col, key) in enumerate(zip(cols, keys, strict=True)):
            v = col.values[i]
            if v is None:
                continue
            heap = heaps.get(key)
            if heap is None:
                heaps[key] = [(v, ci)]
            else:
                _heap_offer(heap, (v, ci), k, less)
        for heap in heaps.values():
            ordered = _result_order(heap, top=node.op == "topk")
            for v, ci in ordered:
                column = picked.get(ci)
                if column is None:
                    column = picked[ci] = Column(cols[ci].labels, [None] * n)
                column.values[i] = v
    return list(picked.values())
