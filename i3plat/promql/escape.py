"""The one way values enter PromQL: as escaped string literals, never by string formatting.

Prometheus lexes `"…"` like Go (promql/parser/lex.go): backslash escapes, no raw newline, valid
UTF-8 only. `json.dumps(ensure_ascii=False)` produces exactly such a literal; with
`ensure_ascii=True` astral characters would become UTF-16 surrogate pairs, which Go rejects.
Regex matchers take the unquoted string as a fully anchored RE2 pattern, so a literal match is
RE2-escaped first and string-escaped second.
"""

from __future__ import annotations

import json
from collections.abc import Iterable

from i3plat.promql.errors import QueryInputError

RE2_METACHARACTERS = frozenset("\\.+*?()|[]{}^$")
MAX_LABEL_VALUE_LENGTH = 1024


def quote_label_value(value: str, field: str = "value") -> str:
    """A double-quoted PromQL string literal that matches `value` exactly with `=` / `!=`."""
    if len(value) > MAX_LABEL_VALUE_LENGTH:
        raise QueryInputError(field, f"longer than {MAX_LABEL_VALUE_LENGTH} characters")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise QueryInputError(field, "is not valid Unicode text (lone surrogate)") from None
    return json.dumps(value, ensure_ascii=False)


def escape_re2(value: str) -> str:
    """Escape RE2 metacharacters so the pattern matches `value` literally (not Python's re.escape)."""
    return "".join("\\" + char if char in RE2_METACHARACTERS else char for char in value)


def quote_regex_literal(value: str, field: str = "value") -> str:
    """A string literal for `=~` / `!~` that matches exactly `value`."""
    return quote_label_value(escape_re2(value), field)


def quote_regex_any(values: Iterable[str], field: str = "value") -> str:
    """A string literal for `=~` matching any one of `values` exactly (a multi-select)."""
    items = list(values)
    if not items:
        raise QueryInputError(field, "at least one value is needed")
    return quote_label_value("|".join(escape_re2(v) for v in items), field)
