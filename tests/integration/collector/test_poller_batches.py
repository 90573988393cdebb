"""One request per window and site; a template Prometheus rejects fails alone, not its batch."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import yaml

from i3plat.collector import poller as poller_module
from i3plat.collector.access import SiteAccess
from i3plat.collector.poller import Poller
from i3plat.collector.standard import LIVE_METRICS, LIVE_WINDOW, NOW_METRICS, NOW_WINDOW
from i3plat.collector.store import SnapshotStore
from i3plat.federation_sim import RunningFederation
from i3plat.karmada_client import KarmadaClient, load_config
from i3plat.promql.catalog import CATALOG_FILE, Catalog, default_catalog, parse_catalog
from i3plat.settings import Settings
from tests.integration.collector.conftest import SITE_NAMES

pytestmark = [pytest.mark.integration, pytest.mark.prometheus]
MakePoller = Callable[[Catalog], Poller]

BROKEN = "test.broken"
"""Valid syntax, but Prometheus refuses it when evaluating: an invalid label_replace regex."""


def catalog_with_broken_metric() -> Catalog:
    document = yaml.safe_load(CATALOG_FILE.read_text(encoding="utf-8"))
    document["metrics"].append({
        "id": BROKEN, "title": {"zh_CN": "损坏", "en": "Broken"}, "unit": "count", "scope": "cluster",
        "panel": "stat", "source": "node_exporter", "raw": 'label_replace(up{$NE}, "x", "$1", "job", "(")',
    })  # fmt: skip
    return parse_catalog(document)


@pytest.fixture
def make_poller(federation: RunningFederation, tmp_path: Path) -> Iterator[MakePoller]:
    made: list[tuple[SiteAccess, SnapshotStore]] = []

    def make(catalog: Catalog) -> Poller:
        settings = Settings(kubeconfig=federation.kubeconfig_path, data_dir=tmp_path, poll_interval=5.0)
        access = SiteAccess(settings, lambda: KarmadaClient(load_config(str(settings.kubeconfig))), catalog)
        store = SnapshotStore(tmp_path / "cache")
        made.append((access, store))
        return Poller(settings, access, store)

    yield make
    for access, store in made:
        access.close()
        store.close()


def site_requests(federation: RunningFederation) -> dict[str, int]:
    return {site: counts["total"] for site, counts in federation.counters()["sites"].items()}


def test_a_poll_costs_each_site_one_request_per_window(
    make_poller: MakePoller, federation: RunningFederation
) -> None:
    poller = make_poller(default_catalog())
    poller.poll_all()  # detects the profiles
    federation.reset_counters()
    poller.poll_all()
    assert site_requests(federation) == {site: 2 for site in SITE_NAMES}
    for site in SITE_NAMES:
        for window, metrics in ((NOW_WINDOW, NOW_METRICS), (LIVE_WINDOW, LIVE_METRICS)):
            for metric in metrics:
                panel = poller.store.panel(site, metric, window)
                assert panel is not None and panel.failure is None, (site, metric)


def test_a_rejected_template_fails_alone_and_the_others_still_come(
    make_poller: MakePoller, federation: RunningFederation, monkeypatch: pytest.MonkeyPatch
) -> None:
    windows = ((NOW_WINDOW, (*NOW_METRICS, BROKEN)), (LIVE_WINDOW, LIVE_METRICS))
    monkeypatch.setattr(poller_module, "STANDARD_WINDOWS", windows)
    poller = make_poller(catalog_with_broken_metric())
    poller.poll_all()
    federation.reset_counters()
    results = poller.poll_all()
    # the combined instant query, then each instant metric alone, then the live window
    assert site_requests(federation) == {site: 1 + len(NOW_METRICS) + 1 + 1 for site in SITE_NAMES}
    for site in SITE_NAMES:
        record = results[site]
        assert record is not None and record.failure is None, site
        broken = poller.store.panel(site, BROKEN, NOW_WINDOW)
        assert broken is not None and broken.failure is not None
        assert broken.failure.cause == "query_error" and "label_replace" in broken.failure.message
        for metric in NOW_METRICS:
            panel = poller.store.panel(site, metric, NOW_WINDOW)
            assert panel is not None and panel.failure is None and panel.fetched_at, (site, metric)
        live = poller.store.panel(site, "cpu.util.node", LIVE_WINDOW)
        assert live is not None and live.failure is None and live.series
