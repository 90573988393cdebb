"""Request parameters for the Prometheus HTTP API, validated and encoded exactly (pure).

Times are unix seconds and go out as exact decimal strings at Prometheus's millisecond resolution;
durations (``step``, ``timeout``) as Go durations (``15s``, ``900ms``) so no float rounding reaches
the server. Whatever Prometheus would refuse with a 400 is refused here first, as a
`QueryInputError` naming the field, before anything is sent.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence

from i3plat.promql.errors import QueryInputError
from i3plat.promql.timerange import MAX_POINTS

__all__ = [
    "LABEL_NAME_RE",
    "check_expr",
    "check_label_name",
    "check_selectors",
    "check_timeout",
    "format_duration_ms",
    "format_time_ms",
    "range_params",
    "server_timeout",
    "time_params",
    "to_millis",
]

LABEL_NAME_RE = re.compile(r"[a-zA-Z_][a-zA-Z0-9_]*")


def server_timeout(client_timeout: float) -> float:
    """Prometheus's ``timeout=`` for a client timeout: shorter by 10 % (0.25–3 s), at least half.

    The margin lets Prometheus's own timeout answer arrive before our read timeout fires.
    """
    margin = min(3.0, max(0.25, client_timeout * 0.1))
    return max(client_timeout - margin, client_timeout / 2)


def format_duration_ms(ms: int) -> str:
    """A Go/Prometheus duration for whole milliseconds: ``27s`` or ``900ms`` (exact, no floats)."""
    return f"{ms // 1000}s" if ms % 1000 == 0 else f"{ms}ms"


def format_time_ms(ms: int) -> str:
    """Unix milliseconds as exact decimal seconds: 1700000000250 → ``"1700000000.250"``."""
    return str(ms // 1000) if ms % 1000 == 0 else f"{ms // 1000}.{ms % 1000:03d}"


def _number(value: object, field: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise QueryInputError(field, f"must be a number, got {type(value).__name__}")
    if not math.isfinite(value):
        raise QueryInputError(field, f"must be finite, got {value}")
    return float(value)


def to_millis(value: object, field: str) -> int:
    """Unix seconds → whole milliseconds (Prometheus's resolution); refuses non-finite/negative."""
    seconds = _number(value, field)
    if seconds < 0:
        raise QueryInputError(field, f"must be a unix time in seconds (≥ 0), got {seconds}")
    return round(seconds * 1000)


def check_timeout(value: object, field: str = "timeout") -> float:
    """A positive, finite number of seconds."""
    seconds = _number(value, field)
    if seconds <= 0:
        raise QueryInputError(field, f"must be positive, got {value}")
    return seconds


def check_expr(expr: object) -> str:
    """A non-empty expression (its syntax is Prometheus's to judge: 400 `BadQuery`)."""
    if not isinstance(expr, str) or not expr.strip():
        raise QueryInputError("expr", "must be a non-empty PromQL expression")
    return expr


def check_label_name(label: object) -> str:
    """A classic label name; it goes into the URL path of the label-values endpoint."""
    if not isinstance(label, str) or LABEL_NAME_RE.fullmatch(label) is None:
        raise QueryInputError("label", f"must match [a-zA-Z_][a-zA-Z0-9_]*, got {label!r}")
    return label


def check_selectors(match: object, *, required: bool) -> list[str]:
    """``match[]`` values: a list (not one bare string, which would be split into characters)."""
    if isinstance(match, str | bytes) or not isinstance(match, Sequence):
        raise QueryInputError("match", f"must be a list of series selectors, got {type(match).__name__}")
    if required and not match:
        raise QueryInputError("match", "needs at least one series selector")
    for i, selector in enumerate(match):
        if not isinstance(selector, str) or not selector.strip():
            raise QueryInputError("match", f"selector {i} must be a non-empty string")
    return list(match)


def time_params(start: object | None, end: object | None) -> dict[str, str]:
    """Optional ``start``/``end`` (series, label values); end must not precede start."""
    params: dict[str, str] = {}
    start_ms = None if start is None else to_millis(start, "start")
    end_ms = None if end is None else to_millis(end, "end")
    if start_ms is not None and end_ms is not None and end_ms < start_ms:
        raise QueryInputError("end", f"must not be before start ({end} < {start})")
    if start_ms is not None:
        params["start"] = format_time_ms(start_ms)
    if end_ms is not None:
        params["end"] = format_time_ms(end_ms)
    return params


def range_params(start: object, end: object, step: object) -> dict[str, str]:
    """``start``/``end``/``step`` of query_range, refusing what Prometheus refuses with 400.

    The point limit mirrors 2.42's check, ``(end - start) / step > 11000`` in integer division,
    so a range of exactly 11,000 steps (11,001 points) is allowed.
    """
    start_ms, end_ms = to_millis(start, "start"), to_millis(end, "end")
    step_s = _number(step, "step")
    if step_s <= 0:
        raise QueryInputError("step", f"must be positive, got {step}")
    step_ms = round(step_s * 1000)
    if step_ms < 1:
        raise QueryInputError("step", f"must be at least 0.001 s (Prometheus's resolution), got {step}")
    if end_ms < start_ms:
        raise QueryInputError("end", f"must not be before start ({end} < {start})")
    span_ms = end_ms - start_ms
    if span_ms // step_ms > MAX_POINTS:
        smallest = math.ceil(span_ms / MAX_POINTS / 1000)
        raise QueryInputError(
            "step",
            f"{step} s gives more than {MAX_POINTS:,} points per series over {span_ms / 1000:g} s, "
            f"which Prometheus refuses; use a step of at least {smallest} s",
        )
    return {
        "start": format_time_ms(start_ms),
        "end": format_time_ms(end_ms),
        "step": format_duration_ms(step_ms),
    }
