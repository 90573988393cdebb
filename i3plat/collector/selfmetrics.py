"""The console's own metrics (`i3plat_*`), correct across gunicorn workers and a poller process.

Module-global counters are per process, so a scrape that lands on one worker would see only
that worker's share. With a metrics directory configured, prometheus_client's multiprocess mode
keeps every process's values in mmap files there and `/metrics` sums them on each scrape.
Without one (tests, `i3plat demo`), values stay in this process and are served from here.

Callers only use the `record_*`/`set_*` one-liners below; they never touch metric objects, so
`configure_metrics_dir` can swap the storage under them.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, values
from prometheus_client.multiprocess import MultiProcessCollector, mark_process_dead

from i3plat.collector.records import Cause

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
"""prometheus_client's switch; inherited by forked workers and child processes."""

UpstreamKind = Literal["instant", "range", "labels", "karmada"]
Outcome = Literal["ok"] | Cause
OnDemandOutcome = Literal["ok", "rate_limited"] | Cause

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)
CYCLE_BUCKETS = (0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 15.0, 30.0, 60.0, 120.0, 300.0)


@dataclass(frozen=True)
class SelfMetrics:
    upstream_requests: Counter
    upstream_latency: Histogram
    upstream_errors: Counter
    backoff_seconds: Gauge
    consecutive_failures: Gauge
    cache_lookups: Counter
    poll_cycle: Histogram
    poll_site: Histogram
    ondemand_requests: Counter
    api_requests: Counter


def build_metrics(registry: CollectorRegistry | None) -> SelfMetrics:
    """Create every metric; `registry=None` in multiprocess mode, where files are the registry."""
    return SelfMetrics(
        upstream_requests=Counter(
            "i3plat_upstream_requests", "Requests to Karmada and site Prometheus, by outcome.",
            ["site", "kind", "outcome"], registry=registry,
        ),
        upstream_latency=Histogram(
            "i3plat_upstream_request_duration_seconds", "Latency of upstream requests.",
            ["site", "kind"], buckets=LATENCY_BUCKETS, registry=registry,
        ),
        upstream_errors=Counter(
            "i3plat_upstream_errors", "Failed upstream requests by cause.", ["site", "cause"],
            registry=registry,
        ),
        backoff_seconds=Gauge(
            "i3plat_site_backoff_seconds",
            "Seconds from the last attempt to the next one while a site backs off; 0 when none.",
            ["site"], multiprocess_mode="livemostrecent", registry=registry,
        ),
        consecutive_failures=Gauge(
            "i3plat_site_consecutive_failures", "Failed polls of a site in a row.",
            ["site"], multiprocess_mode="livemostrecent", registry=registry,
        ),
        cache_lookups=Counter(
            "i3plat_cache_lookups", "Cache lookups by kind and result (hit|miss).", ["kind", "result"],
            registry=registry,
        ),
        poll_cycle=Histogram(
            "i3plat_poll_cycle_duration_seconds", "Duration of one poll of the whole fleet.",
            buckets=CYCLE_BUCKETS, registry=registry,
        ),
        poll_site=Histogram(
            "i3plat_poll_site_duration_seconds", "Duration of one poll of one site.", ["site"],
            buckets=CYCLE_BUCKETS, registry=registry,
        ),
        ondemand_requests=Counter(
            "i3plat_ondemand_requests", "On-demand queries that reached the upstream step, by outcome.",
            ["site", "outcome"], registry=registry,
        ),
        api_requests=Counter(
            "i3plat_api_requests", "JSON API requests by route and status class.",
            ["route", "status_class"], registry=registry,
        ),
    )  # fmt: skip


@dataclass(frozen=True)
class _State:
    directory: Path | None
    registry: CollectorRegistry | None
    metrics: SelfMetrics


def start_state(directory: Path | None) -> _State:
    if directory is None:
        registry = CollectorRegistry(auto_describe=True)
        return _State(None, registry, build_metrics(registry))
    return _State(directory, None, build_metrics(None))


_lock = threading.Lock()
_inherited = os.environ.get(MULTIPROC_ENV)
_state = start_state(Path(_inherited).resolve() if _inherited else None)


def metrics() -> SelfMetrics:
    return _state.metrics


def metrics_dir() -> Path | None:
    """The shared directory in multiprocess mode, else None (values live in this process)."""
    return _state.directory


def configure_metrics_dir(path: Path | None, *, wipe: bool = False) -> None:
    """Switch this process (and children it starts later) to files under `path`; None switches back.

    Run it before workers fork and before anything is recorded: values recorded earlier stay in
    the old storage. `wipe` (at server start) removes the files of processes that are gone, so
    counters restart with the server while a live poller keeps its values. Live gauges of dead
    processes are always dropped.
    """
    global _state
    with _lock:
        if path is not None:
            path = path.resolve()
        if path == _state.directory:
            return
        close = getattr(values.ValueClass, "close_all_files", None)
        if close is not None:
            close()
        if path is None:
            os.environ.pop(MULTIPROC_ENV, None)
            values.ValueClass = values.MutexValue
        else:
            path.mkdir(parents=True, exist_ok=True)
            remove_dead_files(path, everything=wipe)
            os.environ[MULTIPROC_ENV] = str(path)
            values.ValueClass = values.MultiProcessValue()  # type: ignore[no-untyped-call]
        _state = start_state(path)


def pid_of_file(name: str) -> int | None:
    """The writer's pid from `counter_123.db` or `gauge_livemax_123.db`."""
    stem, _, pid = name.removesuffix(".db").rpartition("_")
    return int(pid) if stem and pid.isdigit() else None


def is_alive(pid: int) -> bool:
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def remove_dead_files(path: Path, *, everything: bool) -> None:
    """Drop files of processes that no longer run (all of them, or only their live gauges)."""
    for file in path.glob("*.db"):
        pid = pid_of_file(file.name)
        if pid is None or (pid != os.getpid() and is_alive(pid)):
            continue
        if everything or (pid != os.getpid() and file.name.startswith("gauge_live")):
            file.unlink(missing_ok=True)


def mark_worker_dead(pid: int) -> None:
    """For gunicorn's `child_exit` hook: forget a dead worker's live gauges."""
    directory = metrics_dir()
    if directory is not None:
        mark_process_dead(pid, str(directory))  # type: ignore[no-untyped-call]


def register_sources(registry: CollectorRegistry) -> None:
    """Add this console's metrics to a fresh per-scrape registry, whichever mode is active."""
    state = _state
    if state.directory is not None:
        MultiProcessCollector(registry, path=str(state.directory))  # type: ignore[no-untyped-call]
    elif state.registry is not None:
        registry.register(state.registry)


# ---------------------------------------------------------------------- one-liners for callers


def record_upstream(site: str, kind: UpstreamKind, outcome: Outcome, seconds: float) -> None:
    """One request to Karmada (`site="*"` for fleet calls) or a site's Prometheus."""
    m = metrics()
    m.upstream_requests.labels(site, kind, outcome).inc()
    m.upstream_latency.labels(site, kind).observe(max(0.0, seconds))
    if outcome != "ok":
        m.upstream_errors.labels(site, outcome).inc()


def record_cache(kind: str, hit: bool) -> None:
    metrics().cache_lookups.labels(kind, "hit" if hit else "miss").inc()


def record_poll_cycle(seconds: float) -> None:
    metrics().poll_cycle.observe(max(0.0, seconds))


def record_poll_site(site: str, seconds: float) -> None:
    metrics().poll_site.labels(site).observe(max(0.0, seconds))


def set_backoff(site: str, seconds: float, failures: int) -> None:
    """The site's backoff after an attempt: seconds until the next one (0 when none) and failures."""
    m = metrics()
    m.backoff_seconds.labels(site).set(max(0.0, seconds))
    m.consecutive_failures.labels(site).set(failures)


def record_ondemand(site: str, outcome: OnDemandOutcome) -> None:
    metrics().ondemand_requests.labels(site, outcome).inc()


def record_api_request(route: str, status: int) -> None:
    metrics().api_requests.labels(route, f"{status // 100}xx").inc()
