"""Pure parsing of the series endpoint's query string into a typed request (no Flask here).

Every rule raises `QueryInputError` naming the offending parameter, before anything is read
or sent: a closed set of ranges, times as unix seconds or RFC 3339 with a zone, integer steps,
and node names without control characters (they are escaped, not trusted, further down).
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from i3plat.promql.errors import QueryInputError
from i3plat.promql.timerange import PRESET_RANGES

DEFAULT_RANGE = "1h"
MAX_NODE_LENGTH = 253
MAX_UNIX_SECONDS = 253_402_300_799.0  # 9999-12-31T23:59:59Z
_UNIX = re.compile(r"^[0-9]{1,12}(\.[0-9]{1,9})?$")
_STEP = re.compile(r"^[0-9]{1,9}$")
_REFUSED_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Zl", "Zp"})

Args = Mapping[str, Sequence[str]]


@dataclass(frozen=True)
class SeriesQuery:
    """Either a preset `range` or an explicit [start, end] (end None = now), plus an optional step."""

    metric: str
    node: str | None
    range: str | None
    start: float | None
    end: float | None
    step: int | None

    def window(self, now: float) -> tuple[float, float]:
        """Absolute [start, end] in unix seconds."""
        if self.start is None:
            return now - PRESET_RANGES[self.range or DEFAULT_RANGE], now
        return self.start, self.end if self.end is not None else now


def single(args: Args, name: str) -> str | None:
    """The parameter's only value; given twice is an error (which one would win is a guess)."""
    found = args.get(name) or []
    if len(found) > 1:
        raise QueryInputError(name, "given more than once")
    return found[0] if found else None


def parse_metric(text: str | None) -> str:
    if text is None or not text.strip():
        raise QueryInputError("metric", "is required, e.g. metric=cpu.util.node")
    return text.strip()


def parse_range(text: str) -> str:
    if text not in PRESET_RANGES:
        raise QueryInputError("range", f"must be one of {', '.join(PRESET_RANGES)}")
    return text


def parse_time(text: str, field: str) -> float:
    """Unix seconds (`1700000000`, `1700000000.5`) or RFC 3339 with a zone (`...T08:00:00Z`)."""
    text = text.strip()
    value = float(text) if _UNIX.match(text) else parse_rfc3339(text, field)
    if not (math.isfinite(value) and 0 <= value <= MAX_UNIX_SECONDS):
        raise QueryInputError(field, "is out of range")
    return value


def parse_rfc3339(text: str, field: str) -> float:
    try:
        moment = datetime.fromisoformat(text)
        if moment.tzinfo is None or "T" not in text.upper():
            raise QueryInputError(field, "RFC 3339 times need a date, a time and a zone (Z or +08:00)")
        return moment.timestamp()
    except (ValueError, OverflowError) as exc:
        if isinstance(exc, QueryInputError):
            raise
        raise QueryInputError(field, "must be unix seconds or RFC 3339, e.g. 2024-05-01T08:00:00Z") from None


def parse_step(text: str) -> int:
    text = text.strip()
    if not _STEP.match(text) or int(text) < 1:
        raise QueryInputError("step", "must be a whole number of seconds, at least 1")
    return int(text)


def parse_node(text: str | None) -> str | None:
    """Any name up to 253 characters without control characters; empty means all nodes."""
    if text is None or text == "":
        return None
    if len(text) > MAX_NODE_LENGTH:
        raise QueryInputError("node", f"is {len(text)} characters long (at most {MAX_NODE_LENGTH})")
    if any(unicodedata.category(char) in _REFUSED_CATEGORIES for char in text):
        raise QueryInputError("node", "must not contain control or format characters")
    return text


def parse_series_args(args: Args) -> SeriesQuery:
    """The whole query string; `range` and `start`/`end`/`step` exclude each other."""
    metric = parse_metric(single(args, "metric"))
    node = parse_node(single(args, "node"))
    range_text, start_text = single(args, "range"), single(args, "start")
    end_text, step_text = single(args, "end"), single(args, "step")
    if range_text is not None:
        if start_text is not None or end_text is not None or step_text is not None:
            raise QueryInputError("range", "give either range or start/end/step, not both")
        return SeriesQuery(metric, node, parse_range(range_text), None, None, None)
    if start_text is None:
        if end_text is not None:
            raise QueryInputError("start", "is required when end is given")
        if step_text is not None:
            raise QueryInputError("step", "needs start (and optionally end)")
        return SeriesQuery(metric, node, DEFAULT_RANGE, None, None, None)
    start = parse_time(start_text, "start")
    end = parse_time(end_text, "end") if end_text is not None else None
    if end is not None and end <= start:
        raise QueryInputError("end", "must be after start")
    step = parse_step(step_text) if step_text is not None else None
    return SeriesQuery(metric, node, None, start, end, step)
