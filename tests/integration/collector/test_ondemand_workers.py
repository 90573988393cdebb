"""Two web workers asking the same on-demand range at once cost the site one request.

Each gunicorn worker has its own in-process single flight; the store's lock (SQLite, shared by
every process on the data dir) makes the flight one across workers. Two `OnDemandQueries` with
their own clients and flights over one data dir stand in for two workers.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from i3plat.app import build_services
from i3plat.collector.access import SiteAccess
from i3plat.collector.ondemand import OnDemandQueries
from i3plat.collector.poller import Poller
from i3plat.collector.records import PanelRecord
from i3plat.collector.store import SnapshotStore
from i3plat.federation_sim import RunningFederation
from i3plat.karmada_client import KarmadaClient, load_config
from i3plat.settings import Settings

pytestmark = [pytest.mark.integration, pytest.mark.prometheus]
SITE = "fab-east"


def worker(settings: Settings) -> tuple[OnDemandQueries, SiteAccess, SnapshotStore]:
    access = SiteAccess(settings, lambda: KarmadaClient(load_config(str(settings.kubeconfig))))
    store = SnapshotStore(settings.data_dir / "cache")
    return OnDemandQueries(access, store, poll_interval=settings.poll_interval), access, store


def test_one_upstream_request_for_the_same_range_from_two_workers(
    federation: RunningFederation, tmp_path: Path
) -> None:
    settings = Settings(kubeconfig=federation.kubeconfig_path, data_dir=tmp_path, poll_interval=5.0)
    workers = [worker(settings) for _ in range(2)]
    for ondemand, _, _ in workers:  # profiles detected up front, so only the range is counted
        _ = ondemand.access.prometheus(SITE).profile
    end = time.time() - 120
    federation.set_latency(SITE, 0.5)
    federation.reset_counters()
    answers: list[PanelRecord] = []
    start = threading.Barrier(4)

    def ask(ondemand: OnDemandQueries) -> None:
        start.wait(timeout=30)
        answers.append(ondemand.series(SITE, "cpu.util.node", node=None, start=end - 1800, end=end, step=60))

    try:
        threads = [threading.Thread(target=ask, args=(w[0],)) for w in workers for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
    finally:
        federation.set_latency(SITE, 0.0)
        for _, access, store in workers:
            access.close()
            store.close()
    assert len(answers) == 4 and all(a.failure is None and a.series for a in answers)
    assert len({a.fetched_at for a in answers}) == 1, "every worker got the one fetched answer"
    assert federation.counters()["sites"][SITE]["total"] == 1


def test_a_worker_reuses_the_profile_the_poller_stored(federation: RunningFederation, tmp_path: Path) -> None:
    """Profile detection costs several queries; a web worker reads the poller's instead."""
    settings = Settings(kubeconfig=federation.kubeconfig_path, data_dir=tmp_path, poll_interval=5.0)
    services = build_services(settings)  # the poller's process
    web = build_services(settings)  # a web worker: fresh clients, nothing detected
    try:
        Poller(settings, services.access, services.store).poll_site(SITE)
        stored = services.store.site(SITE)
        assert stored is not None and stored.profile
        federation.reset_counters()
        end = time.time() - 60
        answer = web.ondemand.series(SITE, "mem.util.node", node=None, start=end - 900, end=end, step=60)
        assert answer.failure is None and answer.series
        assert federation.counters()["sites"][SITE]["total"] == 1, "only the range query itself"
        assert web.access.prometheus(SITE).profile == services.access.prometheus(SITE).profile
    finally:
        services.close()
        web.close()


def test_a_restarted_poller_detects_the_profile_again(federation: RunningFederation, tmp_path: Path) -> None:
    """Only the poller trusts nothing stored: a site whose Prometheus changed is seen after a restart."""
    settings = Settings(kubeconfig=federation.kubeconfig_path, data_dir=tmp_path, poll_interval=5.0)
    before, after = build_services(settings), build_services(settings)
    try:
        Poller(settings, before.access, before.store).poll_site(SITE)
        restarted = Poller(settings, after.access, after.store)
        federation.reset_counters()
        restarted.poll_site(SITE)
        assert federation.counters()["sites"][SITE]["total"] > 2, "detection asked the site again"
        federation.reset_counters()
        restarted.poll_site(SITE)
        assert federation.counters()["sites"][SITE]["total"] == 2, "then once per window only"
    finally:
        before.close()
        after.close()
