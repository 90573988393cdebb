"""Incremental live windows: fetch only the points since the last poll, merge, trim.

After the first full hour, each poll asks for the last couple of steps (the overlap replaces
points that were still being scraped) instead of refetching the whole window every 15 s.
"""

from __future__ import annotations

from i3plat.collector.records import SeriesRecord

OVERLAP_STEPS = 2


def labels_key(labels: dict[str, str]) -> tuple[tuple[str, str], ...]:
    return tuple(sorted(labels.items()))


def incremental_start(previous_end: float | None, window_start: float, step: int) -> float:
    """Where the next query should start: the window start, or a little before the last point."""
    if previous_end is None or previous_end < window_start:
        return window_start
    return max(window_start, previous_end - OVERLAP_STEPS * step)


def merge_series(
    old: list[SeriesRecord], new: list[SeriesRecord], window_start: float, fetched_from: float
) -> list[SeriesRecord]:
    """New points win from `fetched_from` on; old points before it stay; all before the window go.

    A series absent from the new answer (a node that went away) keeps its old points until they
    age out of the window, so its history does not vanish at once.
    """
    merged: dict[tuple[tuple[str, str], ...], tuple[dict[str, str], dict[float, float]]] = {}
    for series in old:
        points = {t: v for t, v in zip(series.timestamps, series.values, strict=True)
                  if window_start <= t < fetched_from}  # fmt: skip
        merged[labels_key(series.labels)] = (series.labels, points)
    for series in new:
        labels, points = merged.setdefault(labels_key(series.labels), (series.labels, {}))
        for t, v in zip(series.timestamps, series.values, strict=True):
            if t >= window_start:
                points[t] = v
    out = []
    for labels, points in merged.values():
        if points:
            times = sorted(points)
            out.append(SeriesRecord(labels, times, [points[t] for t in times]))
    return sorted(out, key=lambda s: labels_key(s.labels))
