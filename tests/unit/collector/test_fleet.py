"""Karmada's cluster objects summarised, and the fleet read back problems first."""

from __future__ import annotations

import json
import time
from dataclasses import replace
from pathlib import Path

from i3plat.collector.fleet import summarise_cluster
from i3plat.collector.freshness import read_fleet, site_is_ready, site_is_stale
from i3plat.collector.records import FleetRecord
from i3plat.collector.store import SnapshotStore
from i3plat.karmada_client import parse_cluster_list
from tests.support.api_services import failure, site_record

FIXTURE = Path(__file__).resolve().parents[2] / "fixtures" / "karmada" / "cluster_list.json"


def test_summaries_from_the_reference_cluster_list() -> None:
    clusters = {c.name: summarise_cluster(c) for c in parse_cluster_list(json.loads(FIXTURE.read_text()))}
    site_a, site_b = clusters["site-a"], clusters["site-b"]
    assert site_a.ready_state == "True" and site_a.sync_mode == "Pull"
    assert (site_a.nodes_ready, site_a.nodes_total) == (3, 3)
    assert (site_a.gpus_allocated, site_a.gpus_allocatable) == (9.0, 16.0)
    assert site_b.ready_state == "False" and site_b.reason == "ClusterNotReachable"
    assert site_b.summaries_stale


def test_read_fleet_puts_problems_first(tmp_path: Path) -> None:
    store = SnapshotStore(tmp_path)
    store.put_site(site_record("fab-a", nodes_ready=4))
    store.put_site(site_record("fab-b", failure=failure("unreachable")))
    store.put_site(site_record("fab-c", ready_state="Unknown"))
    store.put_site(site_record("fab-d", nodes_ready=3))  # Ready, but one node is not
    store.put_fleet(FleetRecord(["fab-a", "fab-b", "fab-c", "fab-d", "fab-new"], time.time()))
    fleet = read_fleet(store)
    assert [name for name, _ in fleet.sites] == ["fab-b", "fab-c", "fab-d", "fab-new", "fab-a"]
    assert fleet.ready_count == 2


def test_ready_and_stale_rules() -> None:
    now = time.time()
    good = site_record("fab-a", last_success_at=now - 10)
    assert site_is_ready(good) and not site_is_stale(good, 15, now)
    assert site_is_stale(replace(good, last_success_at=now - 31), 15, now)
    down = replace(good, failure=failure("timeout"))
    assert not site_is_ready(down) and site_is_stale(down, 15, now)
    forbidden = replace(good, failure=failure("forbidden", code="member_forbidden"))
    assert site_is_ready(forbidden), "a forbidden panel is reported, but the site is reachable"
    assert not site_is_ready(None) and site_is_stale(None, 15, now)
