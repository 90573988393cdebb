"""Stream a site model's history as OpenMetrics for `promtool tsdb create-blocks-from openmetrics`.

Rules promtool 2.42 enforces or silently punishes (reference §8.4, recipe gen_openmetrics.py):
the file ends with `# EOF`; timestamps are seconds (milliseconds are accepted and land in the
year 58,900); no blank lines; a counter family `x` carries samples `x_total`; untyped
node_exporter counters (pgmajfault) are declared `unknown`; a family's lines are contiguous and
each series' samples ascend in time (series-major order: an older sample after a newer one is
dropped without a word); and the data ends before "now", because the head of the server that
will scrape afterwards refuses samples older than the newest block.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from pathlib import Path

from ._model import SiteModel
from ._series import escape_help, format_labels, format_timestamp, format_value

END_MARGIN_S = 60.0
"""The backfill ends at least this long before now (the recipe's `now − 60 s`)."""

_WRITE_BUFFER = 1 << 20


class BackfillWindowError(ValueError):
    """A backfill time window is unusable; `field` names the bad parameter."""

    def __init__(self, field_name: str, message: str) -> None:
        super().__init__(f"{field_name}: {message}")
        self.field = field_name


@dataclass(frozen=True)
class OpenMetricsStats:
    """What a write produced (for timings and sanity checks)."""

    series: int
    samples: int
    points_per_series: int
    bytes_written: int


def backfill_window(now: float, hours: float, step: float) -> tuple[float, float]:
    """`(start, end)` on the absolute `step` grid, ending at least END_MARGIN_S before `now`."""
    if not (step > 0 and math.isfinite(step)):
        raise BackfillWindowError("step", f"must be a positive number, got {step!r}")
    if not (hours > 0 and math.isfinite(hours)):
        raise BackfillWindowError("hours", f"must be a positive number, got {hours!r}")
    end = math.floor((now - END_MARGIN_S) / step) * step
    start = end - math.floor(hours * 3600.0 / step) * step
    return float(start), float(end)


def grid_points(start: float, end: float, step: float) -> int:
    """Number of samples per series on `start, start + step, …, end` (end must lie on the grid)."""
    span = (end - start) / step
    count = round(span)
    if abs(span - count) > 1e-9 * max(1.0, abs(span)):
        raise BackfillWindowError("end", f"end − start = {end - start} is not a multiple of step {step}")
    return int(count) + 1


def validate_window(model: SiteModel, start: float, end: float, step: float, now: float) -> int:
    """Check the window against the rules above; return the points per series."""
    if not (step > 0 and math.isfinite(step)):
        raise BackfillWindowError("step", f"must be a positive number, got {step!r}")
    if round(step * 1000.0) != step * 1000.0:
        raise BackfillWindowError("step", f"must be a whole number of milliseconds, got {step!r}")
    if not (math.isfinite(start) and math.isfinite(end)) or start > end:
        raise BackfillWindowError("start", f"need finite start ≤ end, got start={start!r} end={end!r}")
    if start < model.origin:
        raise BackfillWindowError("start", f"{start} is before the model origin {model.origin}")
    if end > now - END_MARGIN_S:
        raise BackfillWindowError(
            "end",
            f"{end} is not ≥ {END_MARGIN_S:.0f} s before now ({now:.3f}); the live head would refuse it",
        )
    return grid_points(start, end, step)


def write_openmetrics(
    model: SiteModel, start: float, end: float, step: float, path: Path, *, now: float | None = None
) -> OpenMetricsStats:
    """Write every series of `model` sampled on `start..end` every `step` seconds to `path`.

    Streams one series at a time, so memory stays small whatever the history length.
    """
    points = validate_window(model, start, end, step, time.time() if now is None else now)
    times = [start + i * step for i in range(points)]
    stamps = [format_timestamp(t) for t in times]
    origin = model.origin
    n_series = 0
    with path.open("w", encoding="utf-8", newline="\n", buffering=_WRITE_BUFFER) as out:
        for family in model.families():
            header = (
                f"# HELP {family.name} {escape_help(family.help, openmetrics=True)}\n"
                f"# TYPE {family.name} {family.kind}\n"
            )
            out.write(header)
            for series in family.series:
                prefix = series.name + format_labels(series.labels) + " "
                lines = [
                    f"{prefix}{format_value(series.value_at(t, origin))} {stamp}\n"
                    for t, stamp in zip(times, stamps, strict=True)
                ]
                out.write("".join(lines))
                n_series += 1
        out.write("# EOF\n")
    return OpenMetricsStats(
        series=n_series,
        samples=n_series * points,
        points_per_series=points,
        bytes_written=path.stat().st_size,
    )
