"""Label sets and label matchers with Prometheus 2.42 semantics.

A label set is a tuple of `(name, value)` pairs sorted by name with no empty values: hashable,
cheap to compare, and ordered exactly like Prometheus' `labels.Compare` (so sorted results come
out in the same order as a real server's).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Literal

Labels = tuple[tuple[str, str], ...]
MatchOp = Literal["=", "!=", "=~", "!~"]

METRIC_NAME = "__name__"
EMPTY: Labels = ()
_LABEL_NAME = re.compile(r"[a-zA-Z_][a-zA-Z0-9_]*")


def labels_from(mapping: Mapping[str, str] | Iterable[tuple[str, str]]) -> Labels:
    """Normalise a mapping or pairs into a label set (empty values dropped, as Prometheus does)."""
    pairs = mapping.items() if isinstance(mapping, Mapping) else mapping
    return tuple(sorted((k, v) for k, v in pairs if v != ""))


def get_label(labels: Labels, name: str) -> str:
    """The value of `name`, or "" when absent (absent and empty are the same in Prometheus)."""
    for k, v in labels:
        if k == name:
            return v
    return ""


def drop_name(labels: Labels) -> Labels:
    """The label set without `__name__` (what arithmetic and most functions return)."""
    if labels and labels[0][0] == METRIC_NAME:
        return labels[1:]
    return tuple(p for p in labels if p[0] != METRIC_NAME)


def keep_labels(labels: Labels, names: frozenset[str]) -> Labels:
    """Only the labels named in `names` (aggregation `by`, matching `on`)."""
    return tuple(p for p in labels if p[0] in names)


def without_labels(labels: Labels, names: frozenset[str]) -> Labels:
    """All labels except `names` (aggregation `without`, matching `ignoring`)."""
    return tuple(p for p in labels if p[0] not in names)


def set_label(labels: Labels, name: str, value: str) -> Labels:
    """A copy with `name` set to `value`; an empty value deletes the label."""
    rest = [p for p in labels if p[0] != name]
    if value != "":
        rest.append((name, value))
        rest.sort()
    return tuple(rest)


def labels_to_dict(labels: Labels) -> dict[str, str]:
    """The JSON shape of a label set."""
    return dict(labels)


def format_labels(labels: Labels) -> str:
    """Go's `labels.Labels.String()`: `{a="x", b="y"}` with Go-quoted values (for error texts)."""
    return "{" + ", ".join(f"{k}={go_quote(v)}" for k, v in labels) + "}"


def go_quote(value: str) -> str:
    """Close to Go's strconv.Quote for printable text: JSON escaping, non-ASCII kept raw."""
    return json.dumps(value, ensure_ascii=False)


def is_label_name(name: str) -> bool:
    """Whether `name` is a valid 2.x label name (`[a-zA-Z_][a-zA-Z0-9_]*`)."""
    return _LABEL_NAME.fullmatch(name) is not None


class RegexError(ValueError):
    """A regular expression RE2 accepts but Python's `re` cannot compile (or vice versa)."""


def compile_anchored(pattern: str) -> re.Pattern[str]:
    """Compile an RE2 pattern for full-string matching (`^(?:pattern)$` in Prometheus).

    ASCII mode gives `\\d`, `\\w`, `\\s`, `\\b` RE2's ASCII meaning; callers use `fullmatch`,
    which (unlike `$`) does not accept a trailing newline, like RE2.
    """
    try:
        return re.compile(pattern, re.ASCII)
    except re.error as exc:
        raise RegexError(f"error parsing regexp {pattern!r}: {exc}") from exc


@dataclass(frozen=True)
class Matcher:
    """One label matcher of a selector (`name op "value"`)."""

    name: str
    op: MatchOp
    value: str
    _regex: re.Pattern[str] | None = field(default=None, compare=False, repr=False)

    @staticmethod
    def create(name: str, op: MatchOp, value: str) -> Matcher:
        """A matcher with its regex compiled once."""
        regex = compile_anchored(value) if op in ("=~", "!~") else None
        return Matcher(name, op, value, regex)

    def matches(self, value: str) -> bool:
        """Whether a label value (\"\" when the label is absent) satisfies the matcher."""
        if self.op == "=":
            return value == self.value
        if self.op == "!=":
            return value != self.value
        assert self._regex is not None
        hit = self._regex.fullmatch(value) is not None
        return hit if self.op == "=~" else not hit

    def key(self) -> tuple[str, str, str]:
        """A hashable identity for caches."""
        return (self.name, self.op, self.value)


def match_all(matchers: Iterable[Matcher], labels: Labels) -> bool:
    """Whether a series with `labels` is selected by every matcher."""
    as_dict = dict(labels)
    return all(m.matches(as_dict.get(m.name, "")) for m in matchers)
