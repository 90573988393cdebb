"""The poller against the simulator and real Prometheus: fresh snapshots, failures kept local."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from i3plat.app import build_services
from i3plat.collector.service import build_poller_service
from i3plat.collector.standard import LIVE_METRICS, LIVE_WINDOW, NOW_METRICS, NOW_WINDOW
from i3plat.federation_sim import RunningFederation
from i3plat.settings import Settings
from i3plat.webctx import Services
from tests.integration.collector.conftest import SITE_NAMES
from tests.support.procs import wait_for

pytestmark = [pytest.mark.integration, pytest.mark.prometheus]
INTERVAL = 5.0


@pytest.fixture
def services(federation: RunningFederation, tmp_path: Path) -> Iterator[Services]:
    federation.reset_counters()
    settings = Settings(kubeconfig=federation.kubeconfig_path, data_dir=tmp_path, poll_interval=INTERVAL)
    built = build_services(settings)
    yield built
    built.close()
    for site in SITE_NAMES:
        federation.set_offline(site, False)


def test_one_cycle_fills_every_panel_of_every_site(services: Services, federation: RunningFederation) -> None:
    poller = build_poller_service(services.settings, services.access, services.store).poller
    results = poller.poll_all()
    assert set(results) == set(SITE_NAMES)
    for site in SITE_NAMES:
        record = services.store.site(site)
        assert record is not None and record.failure is None and record.last_success_at
        for metric in NOW_METRICS:
            panel = services.store.panel(site, metric, NOW_WINDOW)
            assert panel is not None and panel.failure is None, (site, metric)
        for metric in LIVE_METRICS:
            panel = services.store.panel(site, metric, LIVE_WINDOW)
            assert panel is not None and panel.failure is None and panel.step == 15, (site, metric)
    west = services.store.site("fab-west")
    assert west is not None and west.profile["node_label_style"] == "uname"
    assert west.node_names == ["fab-west-cpu-01", "fab-west-cpu-02"]
    nodes = services.store.panel("fab-east", "cpu.util.node", LIVE_WINDOW)
    assert nodes is not None and {s.labels["node"] for s in nodes.series} == {
        "fab-east-gpu-01",
        "fab-east-cpu-01",
    }
    poller.close()


def test_second_cycle_fetches_only_new_points(services: Services, federation: RunningFederation) -> None:
    poller = build_poller_service(services.settings, services.access, services.store).poller
    poller.poll_all()
    first = services.store.panel("fab-east", "cpu.util.node", LIVE_WINDOW)
    assert first is not None and len(first.series[0].timestamps) > 200
    poller.poll_all()
    second = services.store.panel("fab-east", "cpu.util.node", LIVE_WINDOW)
    assert (
        second is not None and second.fetched_at and first.fetched_at and second.fetched_at > first.fetched_at
    )
    assert len(second.series[0].timestamps) >= len(first.series[0].timestamps) - 1
    assert second.series[0].timestamps == sorted(set(second.series[0].timestamps))
    poller.close()


def test_offline_site_goes_stale_others_stay_fresh_and_it_recovers(
    services: Services, federation: RunningFederation
) -> None:
    polling = build_poller_service(services.settings, services.access, services.store)
    polling.start_in_thread()
    try:

        def all_polled() -> bool:
            return all((r := services.store.site(s)) and r.last_success_at for s in SITE_NAMES)

        wait_for(all_polled, 3 * INTERVAL, "a first successful poll of every site")
        before = services.store.panel("fab-east", "cpu.util.node", LIVE_WINDOW)
        assert before is not None and before.series
        went_offline = time.time()
        federation.set_offline("fab-east", True)
        east = wait_for(lambda: (r := services.store.site("fab-east")) and r.failure and r, 2 * INTERVAL + 2,
                        "fab-east marked unreachable")  # fmt: skip
        assert east.failure is not None and east.failure.cause == "unreachable"
        assert east.unreachable_since is not None and east.unreachable_since >= went_offline - 1
        kept = services.store.panel("fab-east", "cpu.util.node", LIVE_WINDOW)
        assert kept is not None and kept.series, "the last good values stay in the store"
        west_before = services.store.site("fab-west")
        assert west_before is not None and west_before.last_success_at
        west_last = west_before.last_success_at

        def west_polled_again() -> bool:
            record = services.store.site("fab-west")
            return bool(record and record.last_success_at and record.last_success_at > west_last)

        wait_for(west_polled_again, 2 * INTERVAL, "fab-west polled again while fab-east is down")
        came_back = time.time()
        federation.set_offline("fab-east", False)
        current = services.store.site("fab-east")
        assert current is not None
        backoff_end = max(current.backoff_until or came_back, came_back)
        budget = (backoff_end - came_back) + 2 * INTERVAL + 2
        recovered = wait_for(
            lambda: (r := services.store.site("fab-east")) and r.failure is None and r,
            budget,
            "fab-east fresh again",
        )
        assert recovered.last_success_at is not None
        assert recovered.last_success_at - backoff_end <= INTERVAL + 2
        assert recovered.unreachable_since is None
    finally:
        polling.stop()
