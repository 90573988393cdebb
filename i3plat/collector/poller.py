"""The poller: every site, the standard set, once per interval, whoever is watching.

All sites are polled in parallel under a global cap on upstream requests; each site also has
its own budget (requests in flight and per second) so a big federation never floods one
member's API server. A failing site backs off exponentially with jitter and never slows the
others; its last good values stay in the store with their age.
"""

from __future__ import annotations

import functools
import random
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, replace
from typing import TypeVar

from i3plat.collector import selfmetrics
from i3plat.collector.access import SiteAccess
from i3plat.collector.fleet import summarise_cluster
from i3plat.collector.flow import SiteBuckets
from i3plat.collector.merge import incremental_start, merge_series
from i3plat.collector.records import (
    Failure,
    FleetRecord,
    PanelRecord,
    SeriesRecord,
    SiteRecord,
    describe_failure,
)
from i3plat.collector.standard import (
    LIVE_MAX_POINTS,
    LIVE_METRICS,
    LIVE_SECONDS,
    LIVE_WINDOW,
    NOW_METRICS,
    NOW_WINDOW,
)
from i3plat.collector.store import SnapshotStore
from i3plat.karmada_client import KarmadaError
from i3plat.promql.errors import PromQLError
from i3plat.promql.site import MetricResult, SitePrometheus
from i3plat.promql.timerange import plan_range
from i3plat.settings import Settings

T = TypeVar("T")
SITE_LEVEL_CAUSES = frozenset({"unreachable", "forbidden", "no_endpoints", "timeout"})
"""Causes that mean the site as a whole cannot be polled now (not just one query)."""


@dataclass(frozen=True)
class PollBudget:
    global_concurrency: int = 64
    per_site_concurrency: int = 4
    per_site_qps: float = 20.0
    backoff_cap: float = 300.0


@dataclass
class SiteState:
    """In-memory poll state of one site in the poller process."""

    consecutive_failures: int = 0
    backoff_until: float | None = None
    failing_since: float | None = None


@dataclass(frozen=True)
class Task:
    window: str
    metric: str


STANDARD_WINDOWS = ((NOW_WINDOW, NOW_METRICS), (LIVE_WINDOW, LIVE_METRICS))
"""Polled in this order, one combined request per window (`promql.batch`)."""
STANDARD_TASKS = tuple(Task(window, m) for window, metrics in STANDARD_WINDOWS for m in metrics)
NODE_NAME_SOURCES = (
    (LIVE_WINDOW, "k8s.pods.node"),
    (LIVE_WINDOW, "cpu.util.node"),
    (NOW_WINDOW, "k8s.node.ready"),
)
"""Panels whose series name the site's nodes (read back from the store, no extra request)."""


def backoff_delay(failures: int, interval: float, cap: float, rng: random.Random) -> float:
    """Exponential (interval, 2×, 4×… up to cap) with jitter in the upper half, so sites desync."""
    ceiling = min(cap, interval * 2 ** max(0, failures - 1))
    return rng.uniform(ceiling / 2, ceiling)


def same_grid(old: PanelRecord | None, step: int) -> PanelRecord | None:
    """The stored live window if new points can be merged into it (same step, fetched before)."""
    return old if old is not None and old.step == step and old.fetched_at is not None else None


def kept_with(old: PanelRecord | None, task: Task, site: str, failure: Failure) -> PanelRecord:
    """The last good record (or an empty one) carrying the latest failure: values are never lost."""
    kept = old or PanelRecord(site, task.metric, task.window, None, [], None)
    return replace(kept, failure=failure)


def to_records(result: MetricResult) -> list[SeriesRecord]:
    return [SeriesRecord(dict(s.labels), list(s.timestamps), list(s.values)) for s in result.series]


class Poller:
    def __init__(
        self,
        settings: Settings,
        access: SiteAccess,
        store: SnapshotStore,
        *,
        budget: PollBudget | None = None,
        clock: Callable[[], float] = time.time,
        rng: random.Random | None = None,
    ) -> None:
        self.settings = settings
        self.access = access
        self.store = store
        self.budget = budget or PollBudget()
        self._clock = clock
        self._rng = rng or random.Random()
        self._slots = threading.BoundedSemaphore(self.budget.global_concurrency)
        self._states: dict[str, SiteState] = {}
        self._bucket = SiteBuckets(self.budget.per_site_qps, max(1.0, self.budget.per_site_qps))
        self._site_locks: dict[str, threading.Lock] = {}
        self._detected: set[str] = set()
        """Sites whose profile this process has detected (or is detecting) itself."""
        self._lock = threading.Lock()
        self._pool: ThreadPoolExecutor | None = None

    @property
    def interval(self) -> float:
        return self.settings.poll_interval

    def close(self) -> None:
        """Stop the site threads of `poll_all` (scheduled polls run in the scheduler's threads)."""
        with self._lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=True)

    # ------------------------------------------------------------------ fleet

    def refresh_fleet(self) -> FleetRecord:
        """Ask Karmada for the clusters; on failure keep the last list and note why."""
        now = self._clock()
        previous = self.store.fleet()
        began = time.perf_counter()
        try:
            clusters = self.access.karmada.clusters()
        except KarmadaError as exc:
            failure = describe_failure(exc, now)
            selfmetrics.record_upstream("*", "karmada", failure.cause, time.perf_counter() - began)
            record = FleetRecord(
                sites=previous.sites if previous else [],
                fetched_at=previous.fetched_at if previous else None,
                failure=failure,
            )
            self.store.put_fleet(record)
            return record
        selfmetrics.record_upstream("*", "karmada", "ok", time.perf_counter() - began)
        for cluster in clusters:
            status = summarise_cluster(cluster)
            with self._site_lock(status.name):
                old = self.store.site(status.name)
                base = old or SiteRecord(status.name, "", "", "", "", None, None, None, None)
                self.store.put_site(replace(
                    base, ready_state=status.ready_state, reason=status.reason, sync_mode=status.sync_mode,
                    kubernetes_version=status.kubernetes_version, nodes_total=status.nodes_total,
                    nodes_ready=status.nodes_ready, gpus_allocatable=status.gpus_allocatable,
                    gpus_allocated=status.gpus_allocated,
                    karmada_not_ready_since=None if status.ready_state == "True" else (
                        status.ready_since.timestamp() if status.ready_since else now),
                ))  # fmt: skip
        names = sorted(c.name for c in clusters)
        for gone in set(previous.sites if previous else []) - set(names):
            self.access.forget(gone)
            with self._lock:
                self._detected.discard(gone)
        record = FleetRecord(sites=names, fetched_at=now)
        self.store.put_fleet(record)
        return record

    # ------------------------------------------------------------------ one site

    def _site_lock(self, site: str) -> threading.Lock:
        with self._lock:
            return self._site_locks.setdefault(site, threading.Lock())

    def _state(self, site: str) -> SiteState:
        with self._lock:
            return self._states.setdefault(site, SiteState())

    def poll_site(self, site: str) -> SiteRecord | None:
        """One poll of the standard set; skipped (returns None) while the site is backing off."""
        state = self._state(site)
        now = self._clock()
        if state.backoff_until is not None and now < state.backoff_until:
            return None
        began = time.perf_counter()
        written: dict[tuple[str, str], PanelRecord] = {}
        failure = self._poll_windows(site, written)
        record = self._finish(site, state, failure, written)
        selfmetrics.record_poll_site(site, time.perf_counter() - began)
        return record

    def _poll_windows(self, site: str, written: dict[tuple[str, str], PanelRecord]) -> Failure | None:
        """The profile (detected once), then instant values, then live windows: one request each.

        The instant batch goes first and alone: if the site is down, one request finds out.
        Every record stored is also put in `written` by (window, metric).
        """
        with self._lock:
            first_poll = site not in self._detected
            self._detected.add(site)
        prom = self.access.prometheus(site, detect=first_poll)
        if not prom.profile_known:  # detection asks the site: under the same budget as polls
            try:
                self._send(site, "instant", lambda: prom.profile)
            except (KarmadaError, PromQLError) as exc:
                return describe_failure(exc, self._clock())
        for window, metrics in STANDARD_WINDOWS:
            failure = self._poll_window(site, prom, [Task(window, m) for m in metrics], written)
            if failure is not None:
                return failure
        return None

    def _send(self, site: str, kind: selfmetrics.UpstreamKind, call: Callable[[], T]) -> T:
        """The poller's one way upstream: the site's rate, the global cap, self-metrics."""
        self._bucket(site).take()
        with self._slots:
            began = time.perf_counter()
            try:
                result = call()
            except (KarmadaError, PromQLError) as exc:
                cause = describe_failure(exc, self._clock()).cause
                selfmetrics.record_upstream(site, kind, cause, time.perf_counter() - began)
                raise
        selfmetrics.record_upstream(site, kind, "ok", time.perf_counter() - began)
        return result

    def _poll_window(
        self, site: str, prom: SitePrometheus, tasks: list[Task], written: dict[tuple[str, str], PanelRecord]
    ) -> Failure | None:
        """All tasks of one window in one request; one by one if that request is a query error.

        One broken template must not blank the others, so a combined query that Prometheus
        rejects is retried metric by metric and each failure stays with its own panel. Returns
        the site-level failure when nothing could be fetched for a site-wide reason.
        """
        olds = self._stored(site)
        kind: selfmetrics.UpstreamKind = "instant" if tasks[0].window == NOW_WINDOW else "range"
        try:
            records = self._send(site, kind, lambda: self._query_batch(site, prom, tasks, olds))
            outcomes: list[tuple[PanelRecord, Failure | None]] = [(r, None) for r in records]
        except (KarmadaError, PromQLError) as exc:
            failure = describe_failure(exc, self._clock())
            if failure.cause == "query_error" and len(tasks) > 1:
                outcomes = self._poll_singly(site, prom, tasks, olds)
            else:
                outcomes = [(kept_with(olds(t), t, site, failure), failure) for t in tasks]
        self.store.put_panels([record for record, _ in outcomes])
        written.update(((r.window, r.metric), r) for r, _ in outcomes)
        failures = [failure for _, failure in outcomes if failure is not None]
        if len(failures) == len(tasks) and all(f.cause in SITE_LEVEL_CAUSES for f in failures):
            return failures[0]
        return None

    def _stored(self, site: str) -> Callable[[Task], PanelRecord | None]:
        """The last stored record of a task, read when first asked for: instant values need
        theirs only when they fail, and a read per panel per poll was a tenth of the CPU."""

        @functools.cache
        def stored(task: Task) -> PanelRecord | None:
            return self.store.panel(site, task.metric, task.window)

        return stored

    def _poll_singly(
        self, site: str, prom: SitePrometheus, tasks: list[Task], olds: Callable[[Task], PanelRecord | None]
    ) -> list[tuple[PanelRecord, Failure | None]]:
        with ThreadPoolExecutor(self.budget.per_site_concurrency, thread_name_prefix="i3plat-single") as pool:
            return list(pool.map(lambda task: self._run_task(site, prom, task, olds(task)), tasks))

    def _run_task(
        self, site: str, prom: SitePrometheus, task: Task, old: PanelRecord | None
    ) -> tuple[PanelRecord, Failure | None]:
        """One metric alone; the record to store (new data, or the old one with the failure)."""
        kind: selfmetrics.UpstreamKind = "instant" if task.window == NOW_WINDOW else "range"
        try:
            [record] = self._send(site, kind, lambda: self._query_batch(site, prom, [task], lambda _: old))
        except (KarmadaError, PromQLError) as exc:
            failure = describe_failure(exc, self._clock())
            return kept_with(old, task, site, failure), failure
        return record, None

    def _query_batch(
        self, site: str, prom: SitePrometheus, tasks: list[Task], olds: Callable[[Task], PanelRecord | None]
    ) -> list[PanelRecord]:
        now = self._clock()
        metrics = [task.metric for task in tasks]
        if tasks[0].window == NOW_WINDOW:
            results = prom.instant_batch(metrics)
            return [PanelRecord(site, m, NOW_WINDOW, None, to_records(results[m]), now) for m in metrics]
        window = plan_range(
            now - LIVE_SECONDS, now, max_points=LIVE_MAX_POINTS, scrape_interval=prom.profile.scrape_interval
        )
        kept = {task: same_grid(olds(task), window.step) for task in tasks}
        start = min(
            incremental_start(old.end if old else None, window.start, window.step) for old in kept.values()
        )
        results = prom.range_batch(metrics, start=start, end=window.end, step=window.step, now=now)
        records = []
        for task, old in kept.items():
            merged = merge_series(
                old.series if old else [], to_records(results[task.metric]), window.start, start
            )
            records.append(PanelRecord(
                site, task.metric, LIVE_WINDOW, window.step, merged, now, None, None, window.start, window.end
            ))  # fmt: skip
        return records

    def _finish(
        self,
        site: str,
        state: SiteState,
        failure: Failure | None,
        written: dict[tuple[str, str], PanelRecord],
    ) -> SiteRecord:
        now = self._clock()
        if failure is None:
            state.consecutive_failures, state.backoff_until, state.failing_since = 0, None, None
        else:
            state.consecutive_failures += 1
            state.failing_since = state.failing_since or now
            delay = backoff_delay(
                state.consecutive_failures, self.interval, self.budget.backoff_cap, self._rng
            )
            state.backoff_until = now + delay
        selfmetrics.set_backoff(
            site, (state.backoff_until - now) if state.backoff_until else 0.0, state.consecutive_failures
        )
        with self._site_lock(site):
            old = self.store.site(site) or SiteRecord(site, "Unknown", "", "", "", None, None, None, None)
            record = replace(
                old,
                last_attempt_at=now,
                last_success_at=now if failure is None else old.last_success_at,
                consecutive_failures=state.consecutive_failures,
                backoff_until=state.backoff_until,
                failure=failure,
                unreachable_since=(
                    earliest(state.failing_since, old.karmada_not_ready_since)
                    if state.failing_since
                    else None
                ),
                profile=self._profile_dict(site) if failure is None else old.profile,
                node_names=node_names_in(written) if failure is None else old.node_names,
            )
            self.store.put_site(record)
        return record

    def _profile_dict(self, site: str) -> dict[str, object]:
        return asdict(self.access.prometheus(site).profile)

    # ------------------------------------------------------------------ everything

    def poll_all(self) -> dict[str, SiteRecord | None]:
        """Refresh the fleet and poll every site in parallel (one cycle; tests and benchmarks)."""
        began = time.perf_counter()
        fleet = self.refresh_fleet()
        self.store.trim()
        pool = self._site_pool()
        results = dict(zip(fleet.sites, pool.map(self.poll_site, fleet.sites), strict=True))
        selfmetrics.record_poll_cycle(time.perf_counter() - began)
        return results

    def _site_pool(self) -> ThreadPoolExecutor:
        """Site threads kept across cycles (and their SQLite connections with them)."""
        with self._lock:
            if self._pool is None:
                self._pool = ThreadPoolExecutor(
                    self.budget.global_concurrency, thread_name_prefix="i3plat-site"
                )
            return self._pool


def node_names_in(panels: dict[tuple[str, str], PanelRecord]) -> list[str]:
    """Nodes seen in the last hour, from the panels just polled (no extra request)."""
    names: set[str] = set()
    for source in NODE_NAME_SOURCES:
        panel = panels.get(source)
        if panel is not None:
            names.update(s.labels["node"] for s in panel.series if s.labels.get("node"))
    return sorted(names)


def earliest(*moments: float | None) -> float | None:
    known = [m for m in moments if m is not None]
    return min(known) if known else None
