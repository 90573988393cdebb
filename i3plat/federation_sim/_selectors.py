"""Label and field selectors for member pod lists (the subset a monitoring console uses)."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping

Matcher = Callable[[Mapping[str, str]], bool]

_SET_RE = re.compile(r"^\s*([^\s!=(),]+)\s+(in|notin)\s+\(([^()]*)\)\s*$")
_EQ_RE = re.compile(r"^\s*([^\s!=(),]+)\s*(==|=|!=)\s*([^\s!=(),]*)\s*$")
_KEY_RE = re.compile(r"^\s*(!?)\s*([^\s!=(),]+)\s*$")
POD_FIELDS = frozenset({"metadata.name", "metadata.namespace", "spec.nodeName", "status.phase"})


class SelectorError(ValueError):
    """A selector string could not be parsed; the message is what the apiserver returns as 400."""


def split_requirements(text: str) -> list[str]:
    """Split on commas that are not inside `( )`."""
    parts: list[str] = []
    depth = 0
    current: list[str] = []
    for char in text:
        if char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        if char == "," and depth == 0:
            parts.append("".join(current))
            current = []
        else:
            current.append(char)
    parts.append("".join(current))
    return [p for p in parts if p.strip()] if text.strip() else []


def parse_requirement(text: str) -> Matcher:
    """One label requirement: `k=v`, `k==v`, `k!=v`, `k`, `!k`, `k in (a,b)`, `k notin (a,b)`."""
    if match := _SET_RE.match(text):
        key, operator = match[1], match[2]
        values = {v.strip() for v in match[3].split(",") if v.strip()}
        if operator == "in":
            return lambda labels: labels.get(key) in values
        return lambda labels: labels.get(key) not in values
    if match := _EQ_RE.match(text):
        key, operator, value = match[1], match[2], match[3]
        if operator == "!=":
            return lambda labels: labels.get(key) != value
        return lambda labels: labels.get(key) == value
    if match := _KEY_RE.match(text):
        negate, key = match[1] == "!", match[2]
        return lambda labels: (key in labels) != negate
    raise SelectorError(f"unable to parse requirement: invalid label selector {text.strip()!r}")


def parse_label_selector(text: str) -> Matcher:
    """All requirements must hold (comma means AND); an empty selector matches everything."""
    matchers = [parse_requirement(part) for part in split_requirements(text)]
    return lambda labels: all(m(labels) for m in matchers)


def parse_field_selector(text: str, allowed: frozenset[str] = POD_FIELDS) -> Matcher:
    """Equality-only field selector over the given flattened fields."""
    matchers: list[Matcher] = []
    for part in split_requirements(text):
        match = _EQ_RE.match(part)
        if match is None:
            raise SelectorError(f"invalid selector: {part.strip()!r}; can't understand {part.strip()!r}")
        if match[1] not in allowed:
            raise SelectorError(f"field label not supported: {match[1]}")
        matchers.append(parse_requirement(part))
    return lambda fields: all(m(fields) for m in matchers)
