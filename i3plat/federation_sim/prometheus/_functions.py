"""Functions over instant vectors and scalars (`abs`, `clamp_*`, `label_replace`, `vector`, …).

Each column keeps its labels across steps, so label rewriting is done once per column; values go
through the Go-semantics helpers. Like Prometheus, most functions drop the metric name.
"""

from __future__ import annotations

import calendar
import math
import re
from collections.abc import Callable
from datetime import UTC, datetime

from ._evaltypes import Column, EvaluatorLike, Values, merge_columns
from ._gofloat import NAN, SIMPLE_FUNCS, go_div, go_floor
from ._labels import EMPTY, RegexError, compile_anchored, drop_name, get_label, is_label_name, set_label
from ._promql_ast import CallNode, SelectorNode
from ._promql_errors import ExecutionError, UnsupportedError
from ._rangefuncs import absent_labels


def call_scalar_function(ev: EvaluatorLike, node: CallNode) -> list[float]:
    """`time()`, `scalar(v)`, `pi()`."""
    if node.name == "time":
        return [t / 1000 for t in ev.times]
    if node.name == "pi":
        return [math.pi] * len(ev.times)
    if node.name == "scalar":
        cols = ev.eval_vector(node.args[0])
        out: list[float] = []
        for i in range(len(ev.times)):
            hits = [c.values[i] for c in cols if c.values[i] is not None]
            out.append(hits[0] if len(hits) == 1 and hits[0] is not None else NAN)
        return out
    raise UnsupportedError(f"function {node.name}()")


def call_vector_function(ev: EvaluatorLike, node: CallNode) -> list[Column]:
    """Functions returning an instant vector whose arguments are not range vectors."""
    name = node.name
    if name in SIMPLE_FUNCS:
        return _map_values(ev.eval_vector(node.args[0]), SIMPLE_FUNCS[name])
    if name in _CLAMPS:
        return _clamp(ev, node)
    if name == "round":
        return _round(ev, node)
    if name == "vector":
        values: Values = list(ev.eval_scalar(node.args[0]))
        return [Column(EMPTY, values)]
    if name == "label_replace":
        return _label_replace(ev, node)
    if name == "label_join":
        return _label_join(ev, node)
    if name == "absent":
        return _absent(ev, node)
    if name in ("sort", "sort_desc"):
        return _sort(ev.eval_vector(node.args[0]), descending=name == "sort_desc")
    if name == "timestamp":
        return _timestamp(ev, node)
    if name in _DATE_PARTS:
        return _date_part(ev, node, _DATE_PARTS[name])
    raise UnsupportedError(f"function {name}()")


def _map_values(cols: list[Column], fn: Callable[[float], float]) -> list[Column]:
    out = [Column(drop_name(c.labels), [None if v is None else fn(v) for v in c.values]) for c in cols]
    return merge_columns(out, strict=False)


_CLAMPS = frozenset({"clamp", "clamp_min", "clamp_max"})


def _clamp(ev: EvaluatorLike, node: CallNode) -> list[Column]:
    cols = ev.eval_vector(node.args[0])
    n = len(ev.times)
    if node.name == "clamp":
        lows, highs = ev.eval_scalar(node.args[1]), ev.eval_scalar(node.args[2])
    elif node.name == "clamp_min":
        lows, highs = ev.eval_scalar(node.args[1]), [math.inf] * n
    else:
        lows, highs = [-math.inf] * n, ev.eval_scalar(node.args[1])
    out: list[Column] = []
    for c in cols:
        values: Values = []
        for v, lo, hi in zip(c.values, lows, highs, strict=True):
            if v is None or (node.name == "clamp" and hi < lo):
                values.append(None)
            elif node.name == "clamp_min":
                values.append(_go_max(lo, v))
            elif node.name == "clamp_max":
                values.append(_go_min(hi, v))
            else:
                values.append(_go_max(lo, _go_min(hi, v)))
        out.append(Column(drop_name(c.labels), values))
    return merge_columns(out, strict=False)


def _go_max(a: float, b: float) -> float:
    """Go's math.Max: NaN wins, +Inf wins, max(+0, -0) = +0."""
    if math.isnan(a) or math.isnan(b):
        return math.nan
    if a == b == 0.0:
        return a if math.copysign(1.0, a) > 0 else b
    return a if a > b else b


def _go_min(a: float, b: float) -> float:
    """Go's math.Min: NaN wins, -Inf wins, min(+0, -0) = -0."""
    if math.isnan(a) or math.isnan(b):
        return math.nan
    if a == b == 0.0:
        return a if math.copysign(1.0, a) < 0 else b
    return a if a < b else b


def _round(ev: EvaluatorLike, node: CallNode) -> list[Column]:
    cols = ev.eval_vector(node.args[0])
    nearest = ev.eval_scalar(node.args[1]) if len(node.args) > 1 else [1.0] * len(ev.times)
    out: list[Column] = []
    for c in cols:
        values: Values = []
        for v, to in zip(c.values, nearest, strict=True):
            if v is None:
                values.append(None)
                continue
            inverse = go_div(1.0, to)
            values.append(go_div(go_floor(v * inverse + 0.5), inverse))
        out.append(Column(drop_name(c.labels), values))
    return merge_columns(out, strict=False)


def _string_args(ev: EvaluatorLike, node: CallNode, start: int) -> list[str]:
    return [ev.eval_string(a) for a in node.args[start:]]


def _label_replace(ev: EvaluatorLike, node: CallNode) -> list[Column]:
    dst, repl, src, regex_text = _string_args(ev, node, 1)
    try:
        regex = compile_anchored(regex_text)
    except RegexError as exc:
        raise ExecutionError(f"invalid regular expression in label_replace(): {regex_text}") from exc
    if not is_label_name(dst):
        raise ExecutionError(f"invalid destination label name in label_replace(): {dst}")
    out: list[Column] = []
    for c in ev.eval_vector(node.args[0]):
        match = regex.fullmatch(get_label(c.labels, src))
        labels = c.labels if match is None else set_label(c.labels, dst, expand_template(repl, match))
        out.append(Column(labels, c.values))
    return merge_columns(out, strict=False)


def _label_join(ev: EvaluatorLike, node: CallNode) -> list[Column]:
    dst, sep, *sources = _string_args(ev, node, 1)
    for src in sources:
        if not is_label_name(src):
            raise ExecutionError(f"invalid source label name in label_join(): {src}")
    if not is_label_name(dst):
        raise ExecutionError(f"invalid destination label name in label_join(): {dst}")
    out: list[Column] = []
    for c in ev.eval_vector(node.args[0]):
        joined = sep.join(get_label(c.labels, s) for s in sources)
        out.append(Column(set_label(c.labels, dst, joined), c.values))
    return merge_columns(out, strict=False)


def expand_template(template: str, match: re.Match[str]) -> str:
    """Go's `Regexp.ExpandString`: `$1`, `${1}`, `$name`, `${name}`, `$$`; `$1x` means group "1x"."""
    out: list[str] = []
    while template:
        before, dollar, after = template.partition("$")
        if not dollar:
            break
        out.append(before)
        template = after
        if template.startswith("$"):
            out.append("$")
            template = template[1:]
            continue
        parsed = _extract_name(template)
        if parsed is None:
            out.append("$")
            continue
        name, template = parsed
        out.append(_group_text(match, name))
    out.append(template)
    return "".join(out)


def _extract_name(text: str) -> tuple[str, str] | None:
    brace = text.startswith("{")
    body = text[1:] if brace else text
    i = 0
    while i < len(body) and (body[i].isalpha() or body[i].isdigit() or body[i] == "_"):
        i += 1
    if i == 0:
        return None
    name = body[:i]
    if brace:
        if i >= len(body) or body[i] != "}":
            return None
        i += 1
    return name, body[i:]


def _group_text(match: re.Match[str], name: str) -> str:
    if name.isascii() and name.isdigit() and not (name.startswith("0") and len(name) > 1):
        num = int(name)
        if num <= match.re.groups:
            return match.group(num) or ""
        return ""
    index = match.re.groupindex.get(name)
    return (match.group(index) or "") if index is not None else ""


def _absent(ev: EvaluatorLike, node: CallNode) -> list[Column]:
    cols = ev.eval_vector(node.args[0])
    missing: Values = [
        None if any(c.values[i] is not None for c in cols) else 1.0 for i in range(len(ev.times))
    ]
    if all(v is None for v in missing):
        return []
    arg = node.args[0]
    labels = absent_labels(arg.matchers) if isinstance(arg, SelectorNode) else EMPTY
    return [Column(labels, missing)]


def _sort(cols: list[Column], *, descending: bool) -> list[Column]:
    """Order by the first step's value (only instant queries keep vector order); NaN last."""

    def key(c: Column) -> tuple[int, float]:
        v = c.values[0]
        if v is None or math.isnan(v):
            return (1, 0.0)
        return (0, -v if descending else v)

    return sorted(cols, key=key)


def _timestamp(ev: EvaluatorLike, node: CallNode) -> list[Column]:
    arg = node.args[0]
    if isinstance(arg, SelectorNode):
        cols = ev.eval_selector_timestamps(arg)
    else:
        cols = [
            Column(
                c.labels, [None if v is None else t / 1000 for v, t in zip(c.values, ev.times, strict=True)]
            )
            for c in ev.eval_vector(arg)
        ]
    return merge_columns([Column(drop_name(c.labels), c.values) for c in cols], strict=False)


def _days_in_month(d: datetime) -> float:
    return float(calendar.monthrange(d.year, d.month)[1])


_DATE_PARTS: dict[str, Callable[[datetime], float]] = {
    "day_of_month": lambda d: float(d.day),
    "day_of_week": lambda d: float((d.weekday() + 1) % 7),
    "day_of_year": lambda d: float(d.timetuple().tm_yday),
    "days_in_month": _days_in_month,
    "hour": lambda d: float(d.hour),
    "minute": lambda d: float(d.minute),
    "month": lambda d: float(d.month),
    "year": lambda d: float(d.year),
}


def _date_part(ev: EvaluatorLike, node: CallNode, part: Callable[[datetime], float]) -> list[Column]:
    now: Values = [t / 1000 for t in ev.times]
    cols = ev.eval_vector(node.args[0]) if node.args else [Column(EMPTY, now)]

    def apply(v: float) -> float:
        if not math.isfinite(v):
            return v
        try:
            return part(datetime.fromtimestamp(int(v), tz=UTC))
        except (OverflowError, OSError, ValueError):
            return NAN

    return _map_values(cols, apply)
