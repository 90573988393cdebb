"""Where the evaluator gets samples from: the `SampleSource` protocol and its two implementations.

`ModelSource` emulates a Prometheus that scraped a site model every `scrape_interval` on the
absolute grid `k · scrape_interval` from the history start up to "now" — the same timestamps the
OpenMetrics backfill of a real Prometheus uses, so both answer identically. `InMemorySource`
holds hand-made samples for tests.
"""

from __future__ import annotations

import math
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import NamedTuple, Protocol, cast, runtime_checkable

from ._labels import Labels, Matcher, labels_from, match_all


class RawSeries(NamedTuple):
    """One stored series restricted to a time window: parallel ascending `times` (ms) and values."""

    labels: Labels
    times: list[int]
    values: list[float]


class SampleSource(Protocol):
    """Stored samples as a Prometheus querier sees them."""

    def select(self, matchers: Sequence[Matcher], mint_ms: int, maxt_ms: int) -> list[RawSeries]:
        """Series matching all `matchers` with their samples in `[mint_ms, maxt_ms]` (both inclusive);
        series without a sample there are left out."""
        ...

    def series(self, matchers: Sequence[Matcher], mint_ms: int, maxt_ms: int) -> list[Labels]:
        """Label sets of the series `select` would return (without reading values)."""
        ...


@runtime_checkable
class LatestSampleSource(Protocol):
    """Optional fast path for instant selectors: only the samples a lookback would pick."""

    def select_latest(
        self, matchers: Sequence[Matcher], refs: Sequence[int], lookback_ms: int
    ) -> list[RawSeries]:
        """Like `select` over `[min(refs) - lookback, max(refs)]`, but only the newest sample
        within `[ref - lookback, ref]` for each ref has to be included."""
        ...


class InMemorySource:
    """A fixed set of series given as `(labels, [(t_seconds, value), …])`; for tests and fixtures."""

    def __init__(
        self, data: Iterable[tuple[Mapping[str, str] | Labels, Iterable[tuple[float, float]]]]
    ) -> None:
        self._series: list[RawSeries] = []
        for labels, points in data:
            pts = sorted((round(t * 1000), float(v)) for t, v in points)
            self._series.append(RawSeries(labels_from(labels), [t for t, _ in pts], [v for _, v in pts]))
        self._series.sort(key=lambda s: s.labels)

    def select(self, matchers: Sequence[Matcher], mint_ms: int, maxt_ms: int) -> list[RawSeries]:
        out: list[RawSeries] = []
        for s in self._series:
            if not match_all(matchers, s.labels):
                continue
            idx = [i for i, t in enumerate(s.times) if mint_ms <= t <= maxt_ms]
            if idx:
                out.append(RawSeries(s.labels, [s.times[i] for i in idx], [s.values[i] for i in idx]))
        return out

    def series(self, matchers: Sequence[Matcher], mint_ms: int, maxt_ms: int) -> list[Labels]:
        return [s.labels for s in self.select(matchers, mint_ms, maxt_ms)]


class SiteModelLike(Protocol):
    """What `ModelSource` needs of a site model (see `_model.SiteModel`)."""

    @property
    def scrape_interval(self) -> float: ...

    @property
    def origin(self) -> float: ...

    def samples_at(self, t: float) -> list[tuple[dict[str, str], float]]: ...


class _TableSeries(Protocol):
    @property
    def name(self) -> str: ...

    @property
    def labels(self) -> tuple[tuple[str, str], ...]: ...

    def value_at(self, t: float, origin: float) -> float: ...


class _TableFamily(Protocol):
    @property
    def series(self) -> Sequence[_TableSeries]: ...


ValueFn = Callable[[float, float], float]


class _Grid(NamedTuple):
    interval_ms: int
    first_k: int

    def ks(self, mint_ms: int, maxt_ms: int, now_ms: int) -> range:
        """Grid indices of the scrapes that exist within `[mint_ms, maxt_ms]` at `now_ms`."""
        lo = max(self.first_k, -(-mint_ms // self.interval_ms))
        hi = min(now_ms, maxt_ms) // self.interval_ms
        return range(lo, hi + 1)

    def latest_ks(self, refs: Sequence[int], lookback_ms: int, now_ms: int) -> list[int]:
        """The grid indices an instant selector reads: per ref, the newest scrape in its lookback."""
        iv = self.interval_ms
        now_k = now_ms // iv
        picked: set[int] = set()
        for ref in refs:
            k = min(ref // iv, now_k)
            if k >= self.first_k and k * iv >= ref - lookback_ms:
                picked.add(k)
        return sorted(picked)


class ModelSource:
    """A `SampleSource` that synthesises a Prometheus' scrape history from a site model.

    Fast path: when the model exposes its static series table (`families()`, each series with
    `value_at(t, origin)`), only the selected series are evaluated at the grid times asked for.
    Otherwise every scrape is `model.samples_at(t)`, cached per grid time (values of the past
    never change, so a polling console recomputes only the newest scrape).
    """

    def __init__(
        self,
        model: SiteModelLike,
        *,
        history_start: float | None = None,
        clock: Callable[[], float] = time.time,
        max_cached_scrapes: int = 2000,
    ) -> None:
        self._model = model
        self._clock = clock
        interval_ms = round(model.scrape_interval * 1000)
        if interval_ms <= 0:
            raise ValueError(f"scrape_interval must be at least 1 ms, got {model.scrape_interval!r}")
        start = model.origin if history_start is None else max(history_start, model.origin)
        self._grid = _Grid(interval_ms, math.ceil(round(start * 1000) / interval_ms))
        self._table = _static_table(model)
        self._scrapes = _ScrapeCache(model, max_cached_scrapes)
        self._match_cache: dict[tuple[tuple[str, str, str], ...], list[int]] = {}

    @property
    def history_start_ms(self) -> int:
        """Timestamp of the first synthetic scrape."""
        return self._grid.first_k * self._grid.interval_ms

    @property
    def uses_static_table(self) -> bool:
        """Whether the fast path (the model's static series table) is in use."""
        return self._table is not None

    def now_ms(self) -> int:
        """The clock in milliseconds (the newest scrape is the last grid time ≤ this)."""
        return math.floor(self._clock() * 1000)

    def at(self, now_ms: int) -> BoundedSource:
        """A view frozen at `now_ms`, so one request sees one consistent history."""
        return BoundedSource(self, now_ms)

    def select(self, matchers: Sequence[Matcher], mint_ms: int, maxt_ms: int) -> list[RawSeries]:
        return self.select_at(matchers, mint_ms, maxt_ms, self.now_ms())

    def series(self, matchers: Sequence[Matcher], mint_ms: int, maxt_ms: int) -> list[Labels]:
        return self.series_at(matchers, mint_ms, maxt_ms, self.now_ms())

    def select_latest(
        self, matchers: Sequence[Matcher], refs: Sequence[int], lookback_ms: int
    ) -> list[RawSeries]:
        return self.select_latest_at(matchers, refs, lookback_ms, self.now_ms())

    def select_latest_at(
        self, matchers: Sequence[Matcher], refs: Sequence[int], lookback_ms: int, now_ms: int
    ) -> list[RawSeries]:
        """`select_latest` as seen at `now_ms` (reads one scrape per step instead of a window)."""
        return self._read(matchers, self._grid.latest_ks(refs, lookback_ms, now_ms))

    def select_at(
        self, matchers: Sequence[Matcher], mint_ms: int, maxt_ms: int, now_ms: int
    ) -> list[RawSeries]:
        """`select` as seen at `now_ms`."""
        return self._read(matchers, self._grid.ks(mint_ms, maxt_ms, now_ms))

    def _read(self, matchers: Sequence[Matcher], ks: Sequence[int]) -> list[RawSeries]:
        if not ks:
            return []
        if self._table is None:
            return self._scrapes.select(matchers, ks, self._grid.interval_ms)
        iv = self._grid.interval_ms
        times = [k * iv for k in ks]
        seconds = [t / 1000 for t in times]
        origin = self._model.origin
        out: list[RawSeries] = []
        for i in self._matching(matchers):
            labels, fn = self._table[i]
            out.append(RawSeries(labels, times, [fn(t, origin) for t in seconds]))
        return out

    def series_at(self, matchers: Sequence[Matcher], mint_ms: int, maxt_ms: int, now_ms: int) -> list[Labels]:
        """`series` as seen at `now_ms`."""
        ks = self._grid.ks(mint_ms, maxt_ms, now_ms)
        if not ks:
            return []
        if self._table is None:
            return self._scrapes.series(matchers, ks)
        return [self._table[i][0] for i in self._matching(matchers)]

    def _matching(self, matchers: Sequence[Matcher]) -> list[int]:
        assert self._table is not None
        key = tuple(m.key() for m in matchers)
        hit = self._match_cache.get(key)
        if hit is None:
            hit = [i for i, (labels, _) in enumerate(self._table) if match_all(matchers, labels)]
            if len(self._match_cache) > 4096:
                self._match_cache.clear()
            self._match_cache[key] = hit
        return hit


class BoundedSource:
    """A `ModelSource` frozen at one "now" (implements `SampleSource` and `LatestSampleSource`)."""

    def __init__(self, source: ModelSource, now_ms: int) -> None:
        self._source = source
        self.now_ms = now_ms

    def select_latest(
        self, matchers: Sequence[Matcher], refs: Sequence[int], lookback_ms: int
    ) -> list[RawSeries]:
        return self._source.select_latest_at(matchers, refs, lookback_ms, self.now_ms)

    def select(self, matchers: Sequence[Matcher], mint_ms: int, maxt_ms: int) -> list[RawSeries]:
        return self._source.select_at(matchers, mint_ms, maxt_ms, self.now_ms)

    def series(self, matchers: Sequence[Matcher], mint_ms: int, maxt_ms: int) -> list[Labels]:
        return self._source.series_at(matchers, mint_ms, maxt_ms, self.now_ms)


def _static_table(model: SiteModelLike) -> list[tuple[Labels, ValueFn]] | None:
    """The model's static series table, if it has one that agrees with `samples_at`."""
    families = getattr(model, "families", None)
    if not callable(families):
        return None
    table: list[tuple[Labels, ValueFn]] = []
    for family in cast(Iterable[_TableFamily], families()):
        for s in family.series:
            table.append((labels_from({**dict(s.labels), "__name__": s.name}), s.value_at))
    table.sort(key=lambda row: row[0])
    probe = model.origin
    expected = sorted((labels_from(d), v) for d, v in model.samples_at(probe))
    got = [(labels, fn(probe, model.origin)) for labels, fn in table]
    if len(expected) != len(got) or any(
        a[0] != b[0] or not (a[1] == b[1] or (math.isnan(a[1]) and math.isnan(b[1])))
        for a, b in zip(expected, got, strict=True)
    ):
        return None
    return table


class _Scrape(NamedTuple):
    layout: int
    values: list[float]


class _ScrapeCache:
    """Generic path: whole scrapes from `samples_at`, interned series ids, LRU of recent scrapes."""

    def __init__(self, model: SiteModelLike, max_scrapes: int) -> None:
        self._model = model
        self._max = max(1, max_scrapes)
        self._lock = threading.Lock()
        self._ids: dict[Labels, int] = {}
        self._labels: list[Labels] = []
        self._layouts: list[tuple[int, ...]] = []
        self._layout_ids: dict[tuple[int, ...], int] = {}
        self._scrapes: OrderedDict[int, _Scrape] = OrderedDict()
        self._positions: dict[tuple[object, int], list[int]] = {}

    def select(self, matchers: Sequence[Matcher], ks: Sequence[int], interval_ms: int) -> list[RawSeries]:
        key = tuple(m.key() for m in matchers)
        acc: dict[int, RawSeries] = {}
        with self._lock:
            for k in ks:
                scrape = self._scrape(k, interval_ms)
                layout = self._layouts[scrape.layout]
                t = k * interval_ms
                vals = scrape.values
                for pos in self._positions_for(key, matchers, scrape.layout):
                    sid = layout[pos]
                    series = acc.get(sid)
                    if series is None:
                        series = acc[sid] = RawSeries(self._labels[sid], [], [])
                    series.times.append(t)
                    series.values.append(vals[pos])
        return sorted(acc.values(), key=lambda s: s.labels)

    def series(self, matchers: Sequence[Matcher], ks: Sequence[int]) -> list[Labels]:
        key = tuple(m.key() for m in matchers)
        seen: set[int] = set()
        with self._lock:
            interval_ms = round(self._model.scrape_interval * 1000)
            for k in ks:
                scrape = self._scrape(k, interval_ms)
                layout = self._layouts[scrape.layout]
                seen.update(layout[p] for p in self._positions_for(key, matchers, scrape.layout))
        return sorted(self._labels[sid] for sid in seen)

    def _scrape(self, k: int, interval_ms: int) -> _Scrape:
        hit = self._scrapes.get(k)
        if hit is not None:
            self._scrapes.move_to_end(k)
            return hit
        sids: list[int] = []
        values: list[float] = []
        for labels_dict, value in self._model.samples_at(k * interval_ms / 1000):
            labels = labels_from(labels_dict)
            sid = self._ids.get(labels)
            if sid is None:
                sid = self._ids[labels] = len(self._labels)
                self._labels.append(labels)
            sids.append(sid)
            values.append(float(value))
        layout = tuple(sids)
        lid = self._layout_ids.get(layout)
        if lid is None:
            lid = self._layout_ids[layout] = len(self._layouts)
            self._layouts.append(layout)
        scrape = self._scrapes[k] = _Scrape(lid, values)
        if len(self._scrapes) > self._max:
            self._scrapes.popitem(last=False)
        return scrape

    def _positions_for(self, key: object, matchers: Sequence[Matcher], layout_id: int) -> list[int]:
        cache_key = (key, layout_id)
        hit = self._positions.get(cache_key)
        if hit is None:
            layout = self._layouts[layout_id]
            hit = [p for p, sid in enumerate(layout) if match_all(matchers, self._labels[sid])]
            if len(self._positions) > 4096:
                self._positions.clear()
            self._positions[cache_key] = hit
        return hit
