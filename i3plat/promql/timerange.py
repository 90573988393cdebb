"""Choosing step, alignment and rate window for range queries, the way Grafana does.

Prometheus refuses more than 11,000 steps per series; a panel needs about one point per pixel;
start and end aligned down to the step make results cacheable and stop points jittering between
refreshes; and `rate()` needs a window of at least step + one scrape and four scrapes, so that no
sample falls between points and a missed scrape still leaves two samples (Grafana's
`$__rate_interval`).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from i3plat.promql.errors import QueryInputError

MAX_POINTS = 11_000
MAX_RANGE_SECONDS = 90 * 86_400
NICE_STEPS = (
    1,
    2,
    5,
    10,
    15,
    20,
    30,
    60,
    120,
    300,
    600,
    900,
    1200,
    1800,
    3600,
    7200,
    10_800,
    21_600,
    43_200,
    86_400,
)
PRESET_RANGES = {"15m": 900, "1h": 3600, "6h": 21_600, "24h": 86_400, "7d": 604_800}
_DURATION = re.compile(r"^([1-9][0-9]{0,5})(s|m|h|d|w)$")
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86_400, "w": 604_800}


@dataclass(frozen=True)
class QueryRange:
    """A range query's window: `start` and `end` are multiples of `step` (unix seconds)."""

    start: int
    end: int
    step: int

    @property
    def points(self) -> int:
        return (self.end - self.start) // self.step + 1


def parse_duration(text: str, field: str = "range") -> int:
    """Seconds of a duration from the closed grammar `<1-999999><s|m|h|d|w>` (e.g. `15m`, `7d`)."""
    match = _DURATION.match(text.strip()) if isinstance(text, str) else None
    if not match:
        raise QueryInputError(field, f"{text!r} is not a duration like 15m, 1h, 6h, 24h or 7d")
    return int(match.group(1)) * _UNIT_SECONDS[match.group(2)]


def format_duration(seconds: int) -> str:
    """A PromQL duration literal for whole seconds, in the largest exact unit."""
    if seconds <= 0:
        raise QueryInputError("duration", f"must be positive, got {seconds}")
    for unit in ("w", "d", "h", "m"):
        size = _UNIT_SECONDS[unit]
        if seconds % size == 0:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"


def choose_step(duration: float, max_points: int, min_step: float) -> int:
    """The smallest nice step giving at most `max_points` points and at least `min_step`."""
    if duration <= 0:
        raise QueryInputError("range", "end must be after start")
    if max_points < 2:
        raise QueryInputError("width", f"at least 2 points are needed, got {max_points}")
    raw = max(duration / max_points, duration / MAX_POINTS, min_step, 1.0)
    for nice in NICE_STEPS:
        if nice >= raw:
            return nice
    return int(math.ceil(raw / 86_400) * 86_400)


def align_range(start: float, end: float, step: int) -> QueryRange:
    """Align both ends down to multiples of `step` so equal views give identical queries."""
    aligned_start = int(math.floor(start / step) * step)
    aligned_end = int(math.floor(end / step) * step)
    if aligned_end <= aligned_start:
        aligned_end = aligned_start + step
    return QueryRange(aligned_start, aligned_end, step)


def plan_range(
    start: float,
    end: float,
    *,
    max_points: int,
    scrape_interval: float,
    step: int | None = None,
    now: float | None = None,
) -> QueryRange:
    """Validate a requested window and pick (or check) its step."""
    if not (math.isfinite(start) and math.isfinite(end)):
        raise QueryInputError("start", "start and end must be finite unix times")
    if end <= start:
        raise QueryInputError("end", "must be after start")
    if end - start > MAX_RANGE_SECONDS:
        raise QueryInputError("range", f"at most {MAX_RANGE_SECONDS // 86_400} days can be queried at once")
    if now is not None and start > now:
        raise QueryInputError("start", "lies in the future")
    if step is None:
        step = choose_step(end - start, max_points, scrape_interval)
    elif step <= 0:
        raise QueryInputError("step", f"must be positive, got {step}")
    elif (end - start) / step > MAX_POINTS:
        raise QueryInputError(
            "step",
            f"{step} s gives more than {MAX_POINTS} points over {int(end - start)} s; use a larger step",
        )
    return align_range(start, end, step)


def rate_window(step: float, scrape_interval: float) -> int:
    """Grafana's `$__rate_interval`: max(step + scrape, 4 × scrape), in whole seconds."""
    return math.ceil(max(step + scrape_interval, 4 * scrape_interval))
