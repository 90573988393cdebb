from __future__ import annotations

import copy
import pickle
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from karmada_test_helpers import load_fixture

from i3plat.karmada_client import (
    Cluster,
    MalformedResponse,
    SyncMode,
    parse_cluster,
    parse_cluster_list,
    parse_pod,
    parse_pod_list,
)


@pytest.fixture
def cluster_list() -> dict[str, Any]:
    return load_fixture("cluster_list.json")  # type: ignore[no-any-return]


def test_site_a_ready_pull(cluster_list: dict[str, Any]) -> None:
    a, _ = parse_cluster_list(cluster_list)
    assert a.name == "site-a"
    assert a.uid == "6f1c2b0e-3f8e-4a47-9d2b-0c6a1f7e9a11"
    assert a.sync_mode is SyncMode.PULL and a.sync_mode == "Pull"
    assert a.api_endpoint == "https://10.20.0.5:6443"
    assert a.proxy_url == "http://172.18.0.2:8088"
    assert (a.provider, a.region, a.zones) == ("onprem", "eu-west", ("eu-west-a",))
    assert a.kubernetes_version == "v1.31.4"
    assert a.created == datetime(2025, 6, 2, 8, 14, 5, tzinfo=UTC)
    assert a.is_ready and a.ready_state == "True" and not a.summaries_stale
    assert a.ready is not None and a.ready.reason == "ClusterReady"
    assert a.ready.since == datetime(2025, 6, 2, 8, 14, 46, tzinfo=UTC)
    assert [c.type for c in a.conditions] == ["CompleteAPIEnablements", "Ready"]
    assert a.taints == ()
    assert a.node_summary is not None and (a.node_summary.total, a.node_summary.ready) == (3, 3)
    rs = a.resource_summary
    assert rs is not None
    assert rs.allocatable.cpu == Decimal(190)
    assert rs.allocatable.memory == Decimal(1532876848 * 1024)
    assert rs.allocatable.gpu == Decimal(16)
    assert rs.allocatable.pods == Decimal(330)
    assert rs.allocatable.other["ephemeral-storage"] == Decimal(2633449988 * 1024)
    assert rs.allocatable.other["hugepages-1Gi"] == 0
    assert rs.allocated.cpu == Decimal("37.35")
    assert rs.allocated.memory == Decimal(288 * 2**30)
    assert rs.allocated.gpu == 9 and rs.allocated.pods == 41
    # allocating is absent (zero values are omitted): all zero
    assert rs.allocating.cpu == 0 and rs.allocating.gpu == 0 and dict(rs.allocating.other) == {}
    assert a.impersonator_secret == "karmada-cluster/site-a-impersonator"
    assert a.raw["metadata"]["name"] == "site-a"


def test_site_b_not_ready_push_with_taint_and_stale_summaries(cluster_list: dict[str, Any]) -> None:
    b = parse_cluster_list(cluster_list)[1]
    assert b.sync_mode is SyncMode.PUSH
    assert b.proxy_url is None and b.provider is None and b.zones == ()
    assert not b.is_ready and b.ready_state == "False"
    assert b.ready is not None and b.ready.reason == "ClusterNotReachable"
    assert b.ready.message == "cluster is not reachable"
    (taint,) = b.taints
    assert (taint.key, taint.value, taint.effect) == ("cluster.karmada.io/not-ready", None, "NoSchedule")
    assert taint.time_added == datetime(2025, 6, 3, 21, 40, 12, tzinfo=UTC)
    # Karmada keeps the last summaries of an offline cluster: present but stale
    assert b.summaries_stale
    assert b.kubernetes_version == "v1.30.8"
    assert b.node_summary is not None and b.node_summary.total == 2
    assert b.resource_summary is not None and b.resource_summary.allocatable.gpu == 8


def test_unknown_variant() -> None:
    c = parse_cluster(load_fixture("cluster_unknown.json"))
    assert c.ready_state == "Unknown" and not c.is_ready and c.summaries_stale
    assert c.ready is not None and c.ready.reason == "ClusterStatusUnknown"
    assert c.taints[0].key == "cluster.karmada.io/unreachable"


def test_single_get_with_kind_and_item_without_kind(cluster_list: dict[str, Any]) -> None:
    with_kind = parse_cluster(load_fixture("cluster_site_a.json"))
    item = cluster_list["items"][0]
    assert "kind" not in item and "apiVersion" not in item
    assert parse_cluster(item) == with_kind


def test_missing_fields_are_tolerated() -> None:
    c = parse_cluster({"metadata": {"name": "bare"}})
    assert c == Cluster(name="bare")
    assert c.ready is None and c.ready_state == "Unknown" and not c.is_ready and c.summaries_stale
    assert c.sync_mode is None and c.node_summary is None and c.resource_summary is None
    assert c.created is None and c.impersonator_secret is None
    assert parse_cluster_list({"kind": "ClusterList", "items": None}) == []
    assert parse_cluster_list({}) == []


def test_deprecated_zone_and_unknown_sync_mode() -> None:
    c = parse_cluster({"metadata": {"name": "z"}, "spec": {"zone": "z1", "syncMode": "Hybrid"}})
    assert c.zones == ("z1",)
    assert c.sync_mode is None and c.raw["spec"]["syncMode"] == "Hybrid"
    c2 = parse_cluster({"metadata": {"name": "z"}, "spec": {"zone": "old", "zones": ["a", "b"]}})
    assert c2.zones == ("a", "b")


@pytest.mark.parametrize(
    ("mutate", "field"),
    [
        (
            lambda o: o["items"][1]["status"]["resourceSummary"]["allocated"].update(cpu="lots"),
            "items[1].status.resourceSummary.allocated.cpu",
        ),
        (lambda o: o["items"][0]["status"].update(conditions="Ready"), "items[0].status.conditions"),
        (
            lambda o: o["items"][0]["status"]["nodeSummary"].update(totalNum="3"),
            "items[0].status.nodeSummary.totalNum",
        ),
        (
            lambda o: o["items"][0]["metadata"].update(creationTimestamp="yesterday"),
            "items[0].metadata.creationTimestamp",
        ),
        (lambda o: o["items"][0]["metadata"].pop("name"), "items[0].metadata.name"),
        (lambda o: o["items"][1]["spec"].update(taints=[["x"]]), "items[1].spec.taints[0]"),
        (lambda o: o.update(items={"a": 1}), "items"),
        (lambda o: o["items"].__setitem__(0, "site-a"), "items[0]"),
        (lambda o: o["items"][0].update(spec=[]), "items[0].spec"),
    ],
)
def test_bad_shapes_name_the_field(cluster_list: dict[str, Any], mutate: Any, field: str) -> None:
    obj = copy.deepcopy(cluster_list)
    mutate(obj)
    with pytest.raises(MalformedResponse) as info:
        parse_cluster_list(obj)
    assert info.value.field == field
    assert field in str(info.value)
    assert isinstance(info.value, ValueError)


def test_models_are_frozen_hashable_and_picklable(cluster_list: dict[str, Any]) -> None:
    clusters = parse_cluster_list(cluster_list)
    with pytest.raises(AttributeError):
        clusters[0].name = "x"  # type: ignore[misc]
    with pytest.raises(TypeError):
        clusters[0].raw["metadata"] = {}  # type: ignore[index]
    assert len({*clusters, *parse_cluster_list(cluster_list)}) == 2
    again = pickle.loads(pickle.dumps(clusters))
    assert again == clusters and again[0].raw == clusters[0].raw


def test_pods() -> None:
    pods = parse_pod_list(load_fixture("pod_list.json"))
    train, infer = pods
    assert train.name == "train-resnet-42-x7k2p" and train.namespace == "ml"
    assert train.phase == "Running" and train.node == "gpu-node-1"
    assert train.containers == ("trainer", "metrics") and train.init_containers == ("fetch-data",)
    assert train.restarts == 3 and train.ready
    assert train.created == datetime(2025, 6, 4, 9, 0, 5, tzinfo=UTC)
    assert infer.phase == "Pending" and infer.node is None and not infer.ready and infer.restarts == 0
    assert parse_pod({"metadata": {"name": "p"}}).containers == ()
    with pytest.raises(MalformedResponse) as info:
        parse_pod({"metadata": {"name": "p"}, "status": {"containerStatuses": [{"restartCount": "2"}]}})
    assert info.value.field == "status.containerStatuses[0].restartCount"
