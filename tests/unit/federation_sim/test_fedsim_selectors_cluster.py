"""Label/field selectors, the Cluster resource summary, and kubectl table printing."""

from __future__ import annotations

import pytest

from i3plat.federation_sim import SiteSpec
from i3plat.federation_sim._cluster import (
    build_resource_summary,
    format_bytes,
    format_millicores,
    parse_quantity,
)
from i3plat.federation_sim._selectors import SelectorError, parse_field_selector, parse_label_selector
from i3plat.federation_sim._table import format_age, wants_table
from i3plat.federation_sim._workloads import build_pods

LABELS = {"app": "adc", "tier": "edge", "batch.kubernetes.io/job-name": "train"}


@pytest.mark.parametrize(
    ("selector", "matches"),
    [
        ("", True),
        ("app=adc", True),
        ("app==adc", True),
        ("app!=adc", False),
        ("app=adc,tier=core", False),
        ("app", True),
        ("!app", False),
        ("!missing", True),
        ("app in (adc, other)", True),
        ("app notin (adc)", False),
        ("tier in (edge),app", True),
        ("batch.kubernetes.io/job-name=train", True),
    ],
)
def test_label_selector(selector: str, matches: bool) -> None:
    assert parse_label_selector(selector)(LABELS) is matches


@pytest.mark.parametrize("selector", ["a==b==c", "a in b", "=x"])
def test_bad_label_selector(selector: str) -> None:
    with pytest.raises(SelectorError):
        parse_label_selector(selector)


def test_field_selector_supports_pod_fields_only() -> None:
    fields = {
        "metadata.name": "p",
        "spec.nodeName": "n1",
        "status.phase": "Running",
        "metadata.namespace": "x",
    }
    assert parse_field_selector("spec.nodeName=n1,status.phase!=Failed")(fields)
    assert not parse_field_selector("metadata.name=q")(fields)
    with pytest.raises(SelectorError, match=r"field label not supported: spec\.hostname"):
        parse_field_selector("spec.hostname=x")


def test_quantities() -> None:
    assert parse_quantity("500m") == 500 and parse_quantity("4") == 4000
    assert parse_quantity("16Gi") == 16 << 30
    assert format_millicores(37350) == "37350m" and format_millicores(12000) == "12"
    assert format_bytes(288 << 30) == "288Gi" and format_bytes((1 << 30) + (512 << 20)) == "1536Mi"


def test_resource_summary_is_consistent_with_nodes_and_pods() -> None:
    spec = SiteSpec(name="s", nodes=4, gpu_nodes=2, gpus_per_node=8, adc_replicas=2)
    pods = build_pods(spec, 1_750_000_000.0)
    summary = build_resource_summary(spec.node_infos(), pods)
    assert summary["allocatable"]["nvidia.com/gpu"] == "16"
    requested = sum(c.gpus for p in pods for c in p.containers)
    assert summary["allocated"]["nvidia.com/gpu"] == str(requested) and 0 < requested <= 16
    assert summary["allocated"]["pods"] == str(len(pods))
    assert sum(m["count"] for m in summary["allocatableModelings"]) == 4
    no_gpu = build_resource_summary(SiteSpec(name="c", gpu_nodes=0).node_infos(), [])
    assert "nvidia.com/gpu" not in no_gpu["allocatable"] and no_gpu["allocated"] == {}


def test_gpu_allocation_never_exceeds_a_node() -> None:
    spec = SiteSpec(name="s", nodes=2, gpu_nodes=1, gpus_per_node=2, adc_replicas=5)
    pods = build_pods(spec, 1_750_000_000.0)
    assert sum(c.gpus for p in pods for c in p.containers) == 2


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(5, "5s"), (119, "119s"), (125, "2m5s"), (600, "10m"), (3 * 3600 + 60, "3h1m"), (30 * 3600, "30h"),
     (3 * 86400 + 3600, "3d1h"), (150 * 86400, "150d"), (800 * 86400, "2y70d")],
)  # fmt: skip
def test_format_age_like_kubectl(seconds: float, text: str) -> None:
    assert format_age(seconds) == text


def test_wants_table() -> None:
    assert wants_table("application/json;as=Table;v=v1;g=meta.k8s.io,application/json")
    assert not wants_table("application/json")
    assert not wants_table("application/json;as=Table;v=v1beta1;g=meta.k8s.io")
