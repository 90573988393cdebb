"""Request parameters of the Prometheus HTTP API, parsed the way 2.42's `web/api/v1` does.

Times are RFC 3339 or unix seconds (float, fraction rounded to the millisecond); durations are
float seconds or Prometheus durations (`1h30m`). Form values come from the body of a
form-encoded POST first, then from the URL (Go's `Request.Form` order).
"""

from __future__ import annotations

import calendar
import math
import re
from dataclasses import dataclass
from urllib.parse import parse_qsl

from ._gofloat import unix_seconds_to_ns
from ._promql_errors import BadDataError

NS_PER_MS = 1_000_000
NS_PER_S = 1_000_000_000
_MAX_INT64 = 2**63 - 1
_NONSENSE_TIME_NS = -(2**62)

_GO_FLOAT = re.compile(r"[+-]?(?:(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?|inf(?:inity)?|nan)", re.IGNORECASE)
_RFC3339 = re.compile(r"(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:\d{2})")
_PROM_DURATION = re.compile(r"(?:(\d+)y)?(?:(\d+)w)?(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?(?:(\d+)ms)?")
_DURATION_UNITS_MS = (365 * 86_400_000, 7 * 86_400_000, 86_400_000, 3_600_000, 60_000, 1000, 1)


@dataclass(frozen=True)
class Form:
    """Request parameters: every value of every name, body values before URL values."""

    values: dict[str, list[str]]

    @staticmethod
    def parse(method: str, query_string: str, body: bytes, content_type: str | None) -> Form:
        values: dict[str, list[str]] = {}
        sources: list[str] = []
        media = (content_type or "").split(";", 1)[0].strip().lower()
        if method in ("POST", "PUT", "PATCH") and media == "application/x-www-form-urlencoded":
            sources.append(body.decode("utf-8", errors="replace"))
        sources.append(query_string)
        for text in sources:
            for key, value in parse_qsl(text, keep_blank_values=True):
                values.setdefault(key, []).append(value)
        return Form(values)

    def first(self, name: str) -> str:
        """`Request.FormValue`: the first value, or "" when absent."""
        got = self.values.get(name)
        return got[0] if got else ""

    def all(self, name: str) -> list[str]:
        return list(self.values.get(name, []))


def invalid_param(name: str, message: str) -> BadDataError:
    """Prometheus' `invalidParamError` wording."""
    return BadDataError(f'invalid parameter "{name}": {message}')


def parse_time_ns(text: str) -> int:
    """`parseTime`: unix seconds (float) or RFC 3339 → nanoseconds since the epoch."""
    if _GO_FLOAT.fullmatch(text):
        seconds = float(text)
        # Go turns ±Inf/NaN into a nonsense time that simply finds no data; keep it far away.
        return unix_seconds_to_ns(seconds) if math.isfinite(seconds) else _NONSENSE_TIME_NS
    m = _RFC3339.fullmatch(text)
    if m:
        year, month, day, hour, minute, second = (int(g) for g in m.groups()[:6])
        try:
            epoch = calendar.timegm((year, month, day, hour, minute, second, 0, 0, 0))
            _check_calendar(year, month, day, hour, minute, second)
        except ValueError:
            pass
        else:
            zone = m.group(8)
            if zone != "Z":
                sign = 1 if zone[0] == "+" else -1
                epoch -= sign * (int(zone[1:3]) * 3600 + int(zone[4:6]) * 60)
            frac = int((m.group(7) or "0").ljust(9, "0"))
            return epoch * NS_PER_S + frac
    raise ValueError(f'cannot parse "{text}" to a valid timestamp')


def _check_calendar(year: int, month: int, day: int, hour: int, minute: int, second: int) -> None:
    if not (1 <= month <= 12 and 1 <= day <= calendar.monthrange(year, month)[1]):
        raise ValueError("day out of range")
    if hour > 23 or minute > 59 or second > 59:
        raise ValueError("time out of range")


def parse_duration_ns(text: str) -> int:
    """`parseDuration`: float seconds or a Prometheus duration → nanoseconds."""
    if _GO_FLOAT.fullmatch(text):
        ns = float(text) * NS_PER_S
        if math.isnan(ns) or not (-_MAX_INT64 - 1 <= ns <= _MAX_INT64):
            raise ValueError(f'cannot parse "{text}" to a valid duration. It overflows int64')
        return int(ns)
    m = _PROM_DURATION.fullmatch(text)
    if text and text != "0" and m and any(m.groups()):
        ms = sum(int(g) * unit for g, unit in zip(m.groups(), _DURATION_UNITS_MS, strict=True) if g)
        return ms * NS_PER_MS
    if text == "0":
        return 0
    raise ValueError(f'cannot parse "{text}" to a valid duration')


def time_param_ns(form: Form, name: str, default_ns: int) -> int:
    """An optional time parameter (`parseTimeParam`)."""
    text = form.first(name)
    if text == "":
        return default_ns
    try:
        return parse_time_ns(text)
    except ValueError as exc:
        raise invalid_param(name, str(exc)) from exc


def required_time_ns(form: Form, name: str) -> int:
    try:
        return parse_time_ns(form.first(name))
    except ValueError as exc:
        raise invalid_param(name, str(exc)) from exc


def check_timeout(form: Form) -> None:
    """Validate `timeout` like Prometheus (evaluation here is fast, so it is not enforced)."""
    text = form.first("timeout")
    if text:
        try:
            parse_duration_ns(text)
        except ValueError as exc:
            raise invalid_param("timeout", str(exc)) from exc
