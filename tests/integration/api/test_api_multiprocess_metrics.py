"""Self-metrics across processes: what two other processes (a poller, another worker) recorded
in the shared directory shows up summed in any worker's `/metrics`."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

from i3plat.collector import selfmetrics
from i3plat.webctx import Services
from tests.support.api_services import fill_fleet, make_app, make_services, site_record

REPO = Path(__file__).resolve().parents[3]
RECORDER = """
from i3plat.collector import selfmetrics
assert selfmetrics.metrics_dir() is not None, "the inherited directory was not picked up"
selfmetrics.record_upstream("fab-a", "range", "ok", 0.2)
selfmetrics.record_upstream("fab-a", "range", "timeout", 30.0)
selfmetrics.record_cache("ondemand", hit=False)
selfmetrics.record_ondemand("fab-a", "ok")
selfmetrics.record_poll_cycle(1.5)
selfmetrics.set_backoff("fab-a", float(__import__("sys").argv[1]), 3)
"""


def samples(text: str) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    found = {}
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            found[(s.name, frozenset(s.labels.items()))] = float(s.value)
    return found


def value(text: str, name: str, **labels: str) -> float | None:
    return samples(text).get((name, frozenset(labels.items())))


def run_recorder(metrics_dir: Path, backoff: float) -> None:
    env = {**os.environ, selfmetrics.MULTIPROC_ENV: str(metrics_dir), "PYTHONPATH": str(REPO)}
    subprocess.run([sys.executable, "-c", RECORDER, str(backoff)], env=env, check=True, timeout=120)


@pytest.fixture
def services(tmp_path: Path) -> Iterator[Services]:
    selfmetrics.configure_metrics_dir(tmp_path / "metrics", wipe=True)
    built = make_services(tmp_path)
    yield built
    built.store.close()
    selfmetrics.configure_metrics_dir(None)


def test_two_processes_and_this_one_are_summed(services: Services, tmp_path: Path) -> None:
    metrics_dir = tmp_path / "metrics"
    assert selfmetrics.metrics_dir() == metrics_dir.resolve()
    assert os.environ[selfmetrics.MULTIPROC_ENV] == str(metrics_dir.resolve())
    run_recorder(metrics_dir, backoff=30.0)
    run_recorder(metrics_dir, backoff=60.0)
    fill_fleet(services.store, site_record("fab-a", last_success_at=time.time() - 20))
    client = make_app(services).test_client()
    client.get("/api/v1/sites")
    client.get("/api/v1/sites")
    selfmetrics.record_upstream("fab-a", "range", "ok", 0.1)

    text = client.get("/metrics").text
    assert value(text, "i3plat_upstream_requests_total", site="fab-a", kind="range", outcome="ok") == 3
    assert value(text, "i3plat_upstream_requests_total", site="fab-a", kind="range", outcome="timeout") == 2
    assert value(text, "i3plat_upstream_errors_total", site="fab-a", cause="timeout") == 2
    assert value(text, "i3plat_upstream_request_duration_seconds_count", site="fab-a", kind="range") == 5
    assert value(text, "i3plat_cache_lookups_total", kind="ondemand", result="miss") == 2
    assert value(text, "i3plat_ondemand_requests_total", site="fab-a", outcome="ok") == 2
    assert value(text, "i3plat_poll_cycle_duration_seconds_count") == 2
    assert value(text, "i3plat_poll_cycle_duration_seconds_sum") == 3.0
    assert value(text, "i3plat_api_requests_total", route="/api/v1/sites", status_class="2xx") == 2
    assert value(text, "i3plat_site_backoff_seconds", site="fab-a") == 60.0  # the most recent one
    assert value(text, "i3plat_site_consecutive_failures", site="fab-a") == 3
    age = value(text, "i3plat_snapshot_age_seconds", site="fab-a")
    assert age is not None and 20 <= age < 80

    # A second worker (a new app over the same dir) answers with the same totals.
    again = make_app(services).test_client().get("/metrics").text
    assert value(again, "i3plat_upstream_requests_total", site="fab-a", kind="range", outcome="ok") == 3

    # The recorders have exited: their live gauges go, their counters stay (until a server start).
    selfmetrics.remove_dead_files(metrics_dir, everything=False)
    later = client.get("/metrics").text
    assert value(later, "i3plat_site_backoff_seconds", site="fab-a") is None
    assert value(later, "i3plat_upstream_requests_total", site="fab-a", kind="range", outcome="ok") == 3


def test_server_start_wipes_what_dead_processes_left(tmp_path: Path) -> None:
    metrics_dir = tmp_path / "shared"
    metrics_dir.mkdir()
    run_recorder(metrics_dir, backoff=5.0)
    assert list(metrics_dir.glob("counter_*.db"))
    try:
        selfmetrics.configure_metrics_dir(metrics_dir, wipe=True)
        left = {selfmetrics.pid_of_file(p.name) for p in metrics_dir.glob("*.db")}
        assert left <= {os.getpid()}  # only what this process opened since
    finally:
        selfmetrics.configure_metrics_dir(None)
    assert selfmetrics.MULTIPROC_ENV not in os.environ
