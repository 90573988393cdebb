"""The `Cluster` object (cluster.karmada.io/v1alpha1) built from a site's state (karmada-api.md §3)."""

from __future__ import annotations

import re
from typing import Any

from ._site import SimSite
from ._spec import NodeInfo
from ._timefmt import format_rfc3339
from ._workloads import PodFixture

JsonObject = dict[str, Any]
KARMADA_API_VERSION = "cluster.karmada.io/v1alpha1"
MAX_INT64 = "9223372036854775807"
_GRADE_CPU = ("0", "1", "2", "4", "8", "16", "32", "64", "128", MAX_INT64)
_GRADE_MEM = ("0", "4Gi", "16Gi", "32Gi", "64Gi", "128Gi", "256Gi", "512Gi", "1Ti", MAX_INT64)
_GRADE_CPU_MIN = (0, 1, 2, 4, 8, 16, 32, 64, 128)
_GRADE_MEM_MIN_GI = (0, 4, 16, 32, 64, 128, 256, 512, 1024)
_QUANTITY = re.compile(r"^(\d+)(m|Ki|Mi|Gi|Ti)?$")
_BINARY = {"Ki": 1 << 10, "Mi": 1 << 20, "Gi": 1 << 30, "Ti": 1 << 40}
API_ENABLEMENTS: list[JsonObject] = [
    {
        "groupVersion": "apps/v1",
        "resources": [
            {"name": "controllerrevisions", "kind": "ControllerRevision"},
            {"name": "daemonsets", "kind": "DaemonSet"},
            {"name": "deployments", "kind": "Deployment"},
            {"name": "replicasets", "kind": "ReplicaSet"},
            {"name": "statefulsets", "kind": "StatefulSet"},
        ],
    },
    {
        "groupVersion": "batch/v1",
        "resources": [{"name": "cronjobs", "kind": "CronJob"}, {"name": "jobs", "kind": "Job"}],
    },
    {
        "groupVersion": "monitoring.coreos.com/v1",
        "resources": [
            {"name": "prometheuses", "kind": "Prometheus"},
            {"name": "servicemonitors", "kind": "ServiceMonitor"},
        ],
    },
    {
        "groupVersion": "v1",
        "resources": [
            {"name": "configmaps", "kind": "ConfigMap"},
            {"name": "endpoints", "kind": "Endpoints"},
            {"name": "namespaces", "kind": "Namespace"},
            {"name": "nodes", "kind": "Node"},
            {"name": "pods", "kind": "Pod"},
            {"name": "secrets", "kind": "Secret"},
            {"name": "services", "kind": "Service"},
        ],
    },
]


def build_resource_models() -> list[JsonObject]:
    """The 9 default grades the server fills in (`CustomizedClusterResourceModeling`)."""
    return [
        {
            "grade": grade,
            "ranges": [
                {"name": "cpu", "min": _GRADE_CPU[grade], "max": _GRADE_CPU[grade + 1]},
                {"name": "memory", "min": _GRADE_MEM[grade], "max": _GRADE_MEM[grade + 1]},
            ],
        }
        for grade in range(9)
    ]


def parse_quantity(text: str) -> int:
    """A request quantity in milli-units (cpu) or bytes (memory): `500m`, `4`, `16Gi`."""
    match = _QUANTITY.match(text)
    if match is None:
        raise ValueError(f"unsupported quantity {text!r}")
    number, suffix = int(match[1]), match[2]
    if suffix == "m":
        return number
    if suffix in _BINARY:
        return number * _BINARY[suffix]
    return number * 1000


def format_millicores(milli: int) -> str:
    """`37350m`, or whole cores when exact."""
    return str(milli // 1000) if milli % 1000 == 0 else f"{milli}m"


def format_bytes(value: int) -> str:
    """The largest exact binary suffix, as resource.Quantity canonicalises."""
    for suffix in ("Ti", "Gi", "Mi", "Ki"):
        if value and value % _BINARY[suffix] == 0:
            return f"{value // _BINARY[suffix]}{suffix}"
    return str(value)


def grade_of(cpu: float, memory_gi: float) -> int:
    """The highest grade whose minimums the free resources of a node reach."""
    grade = 0
    for index in range(9):
        if cpu >= _GRADE_CPU_MIN[index] and memory_gi >= _GRADE_MEM_MIN_GI[index]:
            grade = index
    return grade


def build_resource_summary(nodes: list[NodeInfo], pods: list[PodFixture]) -> JsonObject:
    """allocatable (all nodes), allocated (pod requests; zero keys omitted) and per-grade node counts."""
    cpu_used: dict[str, int] = {}
    mem_used: dict[str, int] = {}
    gpus = cpu_milli = mem_bytes = 0
    for pod in pods:
        for container in pod.containers:
            cpu_used[pod.node] = cpu_used.get(pod.node, 0) + parse_quantity(container.cpu)
            mem_used[pod.node] = mem_used.get(pod.node, 0) + parse_quantity(container.memory)
            gpus += container.gpus
    cpu_milli, mem_bytes = sum(cpu_used.values()), sum(mem_used.values())
    allocatable = {
        "cpu": str(sum(n.cpu for n in nodes)),
        "ephemeral-storage": f"{959786032 * len(nodes)}Ki",
        "hugepages-1Gi": "0",
        "hugepages-2Mi": "0",
        "memory": f"{sum(n.memory_gi for n in nodes) * 1024 * 1024}Ki",
        "nvidia.com/gpu": str(sum(n.gpus for n in nodes)),
        "pods": str(110 * len(nodes)),
    }
    if allocatable["nvidia.com/gpu"] == "0":
        del allocatable["nvidia.com/gpu"]
    allocated = {
        "cpu": format_millicores(cpu_milli),
        "memory": format_bytes(mem_bytes),
        "nvidia.com/gpu": str(gpus),
        "pods": str(len(pods)),
    }
    allocated = {k: v for k, v in allocated.items() if v not in ("0", "0m")}
    counts = [0] * 9
    for node in nodes:
        free_cpu = node.cpu - cpu_used.get(node.name, 0) / 1000
        free_mem = node.memory_gi - mem_used.get(node.name, 0) / (1 << 30)
        counts[grade_of(free_cpu, free_mem)] += 1
    return {
        "allocatable": allocatable,
        "allocated": allocated,
        "allocatableModelings": [{"grade": g, "count": c} for g, c in enumerate(counts)],
    }


def build_cluster(
    site: SimSite, failures: frozenset[str] = frozenset(), type_meta: bool = False
) -> JsonObject:
    """The Cluster as the aggregated apiserver serves it; list items have no kind/apiVersion."""
    spec = site.spec
    name = spec.name
    cluster_spec: JsonObject = {"id": site.cluster_id, "syncMode": spec.sync_mode}
    if "api_endpoint_empty" not in failures:
        cluster_spec["apiEndpoint"] = spec.endpoint
    cluster_spec["secretRef"] = {"namespace": "karmada-cluster", "name": name}
    if "impersonator_secret_nil" not in failures:
        cluster_spec["impersonatorSecretRef"] = {
            "namespace": "karmada-cluster",
            "name": f"{name}-impersonator",
        }
    if spec.proxy_url:
        cluster_spec["proxyURL"] = spec.proxy_url
    cluster_spec["provider"] = spec.provider
    if spec.region:
        cluster_spec["region"] = spec.region
    if spec.zones:
        cluster_spec["zones"] = list(spec.zones)
    if site.taints:
        cluster_spec["taints"] = [
            {"key": t.key, "effect": t.effect, "timeAdded": format_rfc3339(t.time_added)} for t in site.taints
        ]
    cluster_spec["resourceModels"] = build_resource_models()
    nodes = spec.node_infos()
    status: JsonObject = {
        "kubernetesVersion": spec.kubernetes_version,
        "apiEnablements": API_ENABLEMENTS,
        "conditions": [
            {
                "type": "CompleteAPIEnablements",
                "status": "True",
                "lastTransitionTime": format_rfc3339(site.created_at + 11.0),
                "reason": "Complete",
                "message": "collected complete APIEnablements from the cluster",
            },
            {
                "type": "Ready",
                "status": site.condition.status,
                "lastTransitionTime": format_rfc3339(site.condition_changed_at),
                "reason": site.condition.reason,
                "message": site.condition.message,
            },
        ],
        "nodeSummary": {"totalNum": len(nodes), "readyNum": sum(1 for n in nodes if n.ready)},
        "resourceSummary": build_resource_summary(nodes, site.pods),
    }
    obj: JsonObject = {
        "metadata": {
            "name": name,
            "uid": site.uid,
            "resourceVersion": str(site.resource_version),
            "generation": site.generation,
            "creationTimestamp": format_rfc3339(site.created_at),
            "finalizers": ["karmada.io/cluster-controller"],
        },
        "spec": cluster_spec,
        "status": status,
    }
    if type_meta:
        return {"kind": "Cluster", "apiVersion": KARMADA_API_VERSION, **obj}
    return obj
