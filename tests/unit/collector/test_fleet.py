"""The fleet directory: one Karmada call per TTL for any number of readers; failures keep the last list."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import httpx

from i3plat.collector.fleet import FleetDirectory
from i3plat.karmada_client import ClientConfig, KarmadaClient

FIXTURE = Path(__file__).resolve().parents[2] / "fixtures" / "karmada" / "cluster_list.json"


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class Karmada:
    """A MockTransport handler serving the reference ClusterList, or failing on demand."""

    def __init__(self) -> None:
        self.calls = 0
        self.fail = False
        self.body = json.loads(FIXTURE.read_text())

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.calls += 1
        if self.fail:
            return httpx.Response(503, text="service unavailable\n", headers={"content-type": "text/plain"})
        return httpx.Response(200, json=self.body)


def make_directory(karmada: Karmada, clock: FakeClock) -> FleetDirectory:
    config = ClientConfig(server="https://karmada.example:5443", token="t")
    return FleetDirectory(
        lambda: KarmadaClient(config, transport=httpx.MockTransport(karmada)), ttl=5.0, clock=clock
    )


def test_problems_first_and_summaries() -> None:
    karmada, clock = Karmada(), FakeClock()
    snapshot = make_directory(karmada, clock).snapshot()
    assert [s.name for s in snapshot.sites] == ["site-b", "site-a"]  # site-b is NotReady
    site_b, site_a = snapshot.sites
    assert site_b.ready_state == "False" and site_b.reason == "ClusterNotReachable"
    assert site_b.summaries_stale
    assert (site_a.nodes_ready, site_a.nodes_total) == (3, 3)
    assert (site_a.gpus_allocated, site_a.gpus_allocatable) == (9.0, 16.0)
    assert snapshot.ready_count == 1 and snapshot.error is None


def test_many_readers_cost_one_call_per_ttl() -> None:
    karmada, clock = Karmada(), FakeClock()
    directory = make_directory(karmada, clock)
    threads = [threading.Thread(target=directory.snapshot) for _ in range(30)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert karmada.calls == 1
    clock.now += 4.9
    directory.snapshot()
    assert karmada.calls == 1
    clock.now += 0.2
    directory.snapshot()
    assert karmada.calls == 2


def test_failure_keeps_last_good_list_with_error() -> None:
    karmada, clock = Karmada(), FakeClock()
    directory = make_directory(karmada, clock)
    good = directory.snapshot()
    karmada.fail = True
    clock.now += 10
    failed = directory.snapshot()
    assert failed.sites == good.sites
    assert failed.fetched_at == good.fetched_at
    assert failed.error and "unavailable" in failed.error.lower()
    assert failed.error_at == clock.now
    karmada.fail = False
    clock.now += 10
    recovered = directory.snapshot()
    assert recovered.error is None and recovered.fetched_at == clock.now


def test_first_fetch_failing_gives_empty_list_with_error() -> None:
    karmada, clock = Karmada(), FakeClock()
    karmada.fail = True
    snapshot = make_directory(karmada, clock).snapshot()
    assert snapshot.sites == () and snapshot.fetched_at is None and snapshot.error
