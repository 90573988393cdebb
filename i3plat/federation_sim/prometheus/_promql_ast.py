"""A small typed AST over `promql_parser`'s (untyped, Rust-backed) one.

The evaluator works on these frozen dataclasses only; this module is the one place that knows the
parser's object model, converts durations to integer milliseconds (as Prometheus does) and turns
constructs the synthetic Prometheus does not implement into a clear `UnsupportedError`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Literal, cast

import promql_parser as pp

from ._labels import METRIC_NAME, Matcher, MatchOp, RegexError
from ._promql_errors import BadDataError, ParseError, UnsupportedError

ValueKind = Literal["scalar", "vector", "matrix", "string"]
Card = Literal["one-to-one", "many-to-one", "one-to-many", "many-to-many"]
AtSpec = Literal["start", "end"] | int
"""`@ start()`, `@ end()` or `@ <timestamp in ms>`."""

SET_OPS = frozenset({"and", "or", "unless"})
COMPARISON_OPS = frozenset({"==", "!=", ">", "<", ">=", "<="})
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MS = timedelta(milliseconds=1)


@dataclass(frozen=True)
class NumberNode:
    value: float


@dataclass(frozen=True)
class StringNode:
    value: str


@dataclass(frozen=True)
class SelectorNode:
    """An instant vector selector; `matchers` include the metric name as a `__name__` matcher."""

    matchers: tuple[Matcher, ...]
    offset_ms: int = 0
    at: AtSpec | None = None


@dataclass(frozen=True)
class MatrixNode:
    """A range vector selector `selector[range]`."""

    selector: SelectorNode
    range_ms: int


@dataclass(frozen=True)
class SubqueryNode:
    """`expr[range:step] offset …`; `step_ms == 0` means the server's default evaluation interval."""

    expr: Node
    range_ms: int
    step_ms: int
    offset_ms: int


@dataclass(frozen=True)
class CallNode:
    name: str
    args: tuple[Node, ...]
    kind: ValueKind


@dataclass(frozen=True)
class AggregateNode:
    op: str
    expr: Node
    param: Node | None
    grouping: tuple[str, ...]
    without: bool


@dataclass(frozen=True)
class BinaryNode:
    op: str
    lhs: Node
    rhs: Node
    card: Card
    on: bool
    matching: tuple[str, ...]
    include: tuple[str, ...]
    return_bool: bool
    kind: ValueKind


@dataclass(frozen=True)
class UnaryNode:
    """Unary minus (the parser drops unary plus)."""

    expr: Node
    kind: ValueKind


Node = (
    NumberNode
    | StringNode
    | SelectorNode
    | MatrixNode
    | SubqueryNode
    | CallNode
    | AggregateNode
    | BinaryNode
    | UnaryNode
)
RangeNode = MatrixNode | SubqueryNode
"""What a range-vector function takes: a range selector or a subquery."""


def kind_of(node: Node) -> ValueKind:
    """The static PromQL type of an expression."""
    if isinstance(node, NumberNode):
        return "scalar"
    if isinstance(node, StringNode):
        return "string"
    if isinstance(node, SelectorNode | AggregateNode):
        return "vector"
    if isinstance(node, MatrixNode | SubqueryNode):
        return "matrix"
    return node.kind


def documented_type(kind: ValueKind) -> str:
    """Prometheus' `parser.DocumentedType` wording, used in its error messages."""
    return {"scalar": "scalar", "vector": "instant vector", "matrix": "range vector", "string": "string"}[
        kind
    ]


def parse_expr(text: str) -> Node:
    """Parse a PromQL expression; errors read like Prometheus' (`parse error: …`)."""
    return _convert(_parse_raw(text))


def parse_metric_selector(text: str) -> tuple[Matcher, ...]:
    """Parse a `match[]` series selector (a plain vector selector, no offset or @)."""
    raw = _parse_raw(text)
    if not isinstance(raw, pp.VectorSelector) or raw.offset is not None or raw.at is not None:
        raise ParseError(f"parse error: {text!r} is not a series selector")
    return _selector(raw).matchers


def _parse_raw(text: str) -> pp.Expr:
    try:
        return pp.parse(text)
    except (KeyboardInterrupt, SystemExit):
        raise
    except BaseException as exc:  # the Rust extension may raise pyo3's PanicException
        raise ParseError(f"parse error: {exc}") from exc


def _ms(delta: timedelta | None) -> int:
    return 0 if delta is None else delta // _MS


def _enum_name(member: object) -> str:
    """The member name of a pyo3 enum (they have no `.name`; `str()` gives `Type.Member`)."""
    return str(member).rsplit(".", 1)[-1]


def _kind(value_type: pp.ValueType) -> ValueKind:
    name = _enum_name(value_type).lower()
    if name not in ("scalar", "vector", "matrix", "string"):
        raise UnsupportedError(f"value type {name!r}")
    return cast(ValueKind, name)


_MATCH_OPS: dict[str, MatchOp] = {"Equal": "=", "NotEqual": "!=", "Re": "=~", "NotRe": "!~"}


def _selector(raw: pp.VectorSelector) -> SelectorNode:
    if raw.matchers.or_matchers:
        raise UnsupportedError("'or' inside a label selector")
    matchers: list[Matcher] = []
    try:
        if raw.name is not None:
            matchers.append(Matcher.create(METRIC_NAME, "=", raw.name))
        for m in raw.matchers.matchers:
            matchers.append(Matcher.create(m.name, _MATCH_OPS[_enum_name(m.op)], m.value))
    except RegexError as exc:
        raise ParseError(f"parse error: {exc}") from exc
    return SelectorNode(tuple(matchers), _ms(raw.offset), _at(raw.at))


def _at(raw: pp.AtModifier | None) -> AtSpec | None:
    if raw is None:
        return None
    kind = _enum_name(raw.type)
    if kind == "Start":
        return "start"
    if kind == "End":
        return "end"
    if raw.at is None:
        raise UnsupportedError("this @ modifier")
    moment = raw.at if raw.at.tzinfo is not None else raw.at.replace(tzinfo=UTC)
    return (moment - _EPOCH) // _MS


_CARDS: dict[str, Card] = {
    "OneToOne": "one-to-one",
    "ManyToOne": "many-to-one",
    "OneToMany": "one-to-many",
    "ManyToMany": "many-to-many",
}


def _binary(raw: pp.BinaryExpr) -> BinaryNode:
    op = str(raw.op)
    lhs, rhs = _convert(raw.lhs), _convert(raw.rhs)
    kind: ValueKind = "scalar" if kind_of(lhs) == kind_of(rhs) == "scalar" else "vector"
    mod = raw.modifier
    card: Card = "many-to-many" if op in SET_OPS else "one-to-one"
    on, return_bool = False, False
    matching: tuple[str, ...] = ()
    include: tuple[str, ...] = ()
    if mod is not None:
        fill = getattr(mod, "fill_values", None)
        if fill is not None and (fill.lhs is not None or fill.rhs is not None):
            raise UnsupportedError("fill modifiers in vector matching")
        card = _CARDS[_enum_name(mod.card)] if op not in SET_OPS else "many-to-many"
        if mod.matching is not None:
            on = _enum_name(mod.matching.type) == "Include"
            matching = tuple(mod.matching.labels)
        include = tuple(mod.group_labels or ())
        return_bool = bool(mod.return_bool)
    return BinaryNode(op, lhs, rhs, card, on, matching, include, return_bool, kind)


def _aggregate(raw: pp.AggregateExpr) -> AggregateNode:
    grouping: tuple[str, ...] = ()
    without = False
    if raw.modifier is not None:
        grouping = tuple(raw.modifier.labels)
        without = _enum_name(raw.modifier.type) == "Without"
    param = _convert(raw.param) if raw.param is not None else None
    return AggregateNode(str(raw.op), _convert(raw.expr), param, grouping, without)


def _convert(raw: pp.Expr) -> Node:
    if isinstance(raw, pp.ParenExpr):
        return _convert(raw.expr)
    if isinstance(raw, pp.NumberLiteral):
        return NumberNode(float(raw.val))
    if isinstance(raw, pp.StringLiteral):
        return StringNode(raw.val)
    if isinstance(raw, pp.VectorSelector):
        return _selector(raw)
    if isinstance(raw, pp.MatrixSelector):
        return MatrixNode(_selector(raw.vector_selector), _ms(raw.range))
    if isinstance(raw, pp.Call):
        args = tuple(_convert(a) for a in raw.args)
        return CallNode(raw.func.name, args, _kind(raw.func.return_type))
    if isinstance(raw, pp.AggregateExpr):
        return _aggregate(raw)
    if isinstance(raw, pp.BinaryExpr):
        return _binary(raw)
    if isinstance(raw, pp.UnaryExpr):
        inner = _convert(raw.expr)
        return UnaryNode(inner, "scalar" if kind_of(inner) == "scalar" else kind_of(inner))
    if isinstance(raw, pp.SubqueryExpr):
        if raw.at is not None:
            raise UnsupportedError("the @ modifier on a subquery")
        return SubqueryNode(_convert(raw.expr), _ms(raw.range), _ms(raw.step), _ms(raw.offset))
    raise BadDataError(f"unsupported expression node {type(raw).__name__}")
