"""`/metrics` in one process (no metrics dir), the store-derived ages, and the dir bookkeeping."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

from i3plat.api.metrics_endpoint import SnapshotAgeCollector
from i3plat.collector import selfmetrics
from i3plat.collector.records import FleetRecord
from i3plat.webctx import Services
from tests.support.api_services import fill_fleet, make_app, make_services, site_record


def sample(text: str, name: str, **labels: str) -> float | None:
    for family in text_string_to_metric_families(text):
        for found in family.samples:
            if found.name == name and found.labels == labels:
                return float(found.value)
    return None


@pytest.fixture
def services(tmp_path: Path) -> Iterator[Services]:
    selfmetrics.configure_metrics_dir(None)
    built = make_services(tmp_path)
    yield built
    built.store.close()


def test_in_process_counters_and_ages(services: Services) -> None:
    now = time.time()
    fill_fleet(services.store, site_record("fab-a", last_success_at=now - 42), site_record("fab-b"))
    services.store.put_site(site_record("fab-never", last_success_at=None))
    client = make_app(services).test_client()
    before = sample(client.get("/metrics").text, "i3plat_api_requests_total",
                    route="/api/v1/sites", status_class="2xx") or 0.0  # fmt: skip
    client.get("/api/v1/sites")
    client.get("/api/v1/sites/Bad/series?metric=cpu.util.node")
    selfmetrics.record_upstream("fab-a", "instant", "ok", 0.03)
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/plain")
    text = response.text
    assert sample(text, "i3plat_api_requests_total", route="/api/v1/sites", status_class="2xx") == before + 1
    assert sample(
        text, "i3plat_api_requests_total", route="/api/v1/sites/<site>/series", status_class="4xx"
    ) is not None  # fmt: skip
    assert (
        sample(text, "i3plat_upstream_requests_total", site="fab-a", kind="instant", outcome="ok") or 0
    ) >= 1
    age = sample(text, "i3plat_snapshot_age_seconds", site="fab-a")
    assert age is not None and 42 <= age < 100
    assert sample(text, "i3plat_snapshot_age_seconds", site="fab-never") is None
    assert sample(text, "i3plat_fleet_age_seconds") is not None


def test_age_collector_uses_its_clock(services: Services) -> None:
    services.store.put_fleet(FleetRecord(["fab-a"], 1000.0))
    services.store.put_site(site_record("fab-a", last_success_at=990.0))
    families = {f.name: f for f in SnapshotAgeCollector(services.store, clock=lambda: 1030.0).collect()}
    assert families["i3plat_fleet_age_seconds"].samples[0].value == 30.0
    assert families["i3plat_snapshot_age_seconds"].samples[0].value == 40.0


def test_upstream_failure_counts_its_cause(services: Services) -> None:
    def errors() -> float:
        text = make_app(services).test_client().get("/metrics").text
        return sample(text, "i3plat_upstream_errors_total", site="fab-x", cause="timeout") or 0.0

    before = errors()
    selfmetrics.record_upstream("fab-x", "range", "timeout", 30.0)
    assert errors() == before + 1


def test_pid_of_file() -> None:
    assert selfmetrics.pid_of_file("counter_123.db") == 123
    assert selfmetrics.pid_of_file("gauge_livemostrecent_77.db") == 77
    assert selfmetrics.pid_of_file("notes.db") is None


def test_remove_dead_files_keeps_live_processes(tmp_path: Path) -> None:
    dead = 2**22 + 12345  # above the default pid_max: never a running process
    names = [f"counter_{dead}.db", f"gauge_livemostrecent_{dead}.db", f"counter_{os.getppid()}.db",
             f"gauge_livemostrecent_{os.getppid()}.db"]  # fmt: skip
    for name in names:
        (tmp_path / name).write_bytes(b"")
    selfmetrics.remove_dead_files(tmp_path, everything=False)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(n for n in names if n != names[1])
    selfmetrics.remove_dead_files(tmp_path, everything=True)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(names[2:])
