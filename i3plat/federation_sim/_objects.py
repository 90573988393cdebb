"""JSON shapes of member objects (Pod, Namespace, Node, Service) as a kube-apiserver returns them.

List items carry no `kind`/`apiVersion` (typed lists from the apiserver omit them); single GETs do.
"""

from __future__ import annotations

import hashlib
from typing import Any

from ._spec import NodeInfo, ServiceRef, SiteSpec
from ._timefmt import format_rfc3339
from ._workloads import PodFixture, make_uid

JsonObject = dict[str, Any]

_OWNER_API = {"ReplicaSet": "apps/v1", "StatefulSet": "apps/v1", "DaemonSet": "apps/v1", "Job": "batch/v1"}


def add_type_meta(obj: JsonObject, kind: str, api_version: str = "v1") -> JsonObject:
    """Prefix `kind`/`apiVersion`, as a single-object GET shows them."""
    return {"kind": kind, "apiVersion": api_version, **obj}


def build_list(
    kind: str, items: list[JsonObject], resource_version: int, api_version: str = "v1"
) -> JsonObject:
    """A `<Kind>List` envelope."""
    return {
        "kind": kind,
        "apiVersion": api_version,
        "metadata": {"resourceVersion": str(resource_version)},
        "items": items,
    }


def fake_digest(text: str) -> str:
    """A stable `sha256:` digest for image and container ids."""
    return hashlib.sha256(text.encode()).hexdigest()


def build_container_status(pod: PodFixture, index: int) -> JsonObject:
    """Running state plus, for restarted containers, the last terminated state."""
    container = pod.containers[index]
    last_state: JsonObject = {}
    if (
        container.restart_count
        and pod.previous_started_at is not None
        and pod.previous_finished_at is not None
    ):
        last_state = {
            "terminated": {
                "exitCode": 1,
                "reason": "Error",
                "startedAt": format_rfc3339(pod.previous_started_at),
                "finishedAt": format_rfc3339(pod.previous_finished_at),
                "containerID": "containerd://" + fake_digest(f"{pod.uid}/{container.name}/previous"),
            }
        }
    return {
        "name": container.name,
        "state": {"running": {"startedAt": format_rfc3339(pod.started_at)}},
        "lastState": last_state,
        "ready": True,
        "restartCount": container.restart_count,
        "image": container.image,
        "imageID": f"{container.image.split(':')[0]}@sha256:{fake_digest(container.image)}",
        "containerID": "containerd://" + fake_digest(f"{pod.uid}/{container.name}"),
        "started": True,
    }


def build_resources(cpu: str, memory: str, gpus: int) -> JsonObject:
    """Requests (and a GPU limit, which extended resources require)."""
    requests: dict[str, str] = {}
    if cpu != "0":
        requests["cpu"] = cpu
    if memory != "0":
        requests["memory"] = memory
    if gpus:
        requests["nvidia.com/gpu"] = str(gpus)
        return {"limits": {"nvidia.com/gpu": str(gpus)}, "requests": requests}
    return {"requests": requests} if requests else {}


def build_pod(pod: PodFixture) -> JsonObject:
    """A Pod as listed (no type meta)."""
    created = format_rfc3339(pod.created_at)
    metadata: JsonObject = {"name": pod.name}
    if pod.generate_name:
        metadata["generateName"] = pod.generate_name
    metadata.update(
        {
            "namespace": pod.namespace,
            "uid": pod.uid,
            "resourceVersion": str(int(pod.created_at) % 100000 + 1000),
            "creationTimestamp": created,
            "labels": dict(pod.labels),
            "ownerReferences": [
                {
                    "apiVersion": _OWNER_API.get(pod.owner_kind, "v1"),
                    "kind": pod.owner_kind,
                    "name": pod.owner_name,
                    "uid": make_uid(pod.namespace, pod.owner_kind, pod.owner_name),
                    "controller": True,
                    "blockOwnerDeletion": True,
                }
            ],
        }
    )
    containers = [
        {
            "name": c.name,
            "image": c.image,
            "resources": build_resources(c.cpu, c.memory, c.gpus),
            "terminationMessagePath": "/dev/termination-log",
            "terminationMessagePolicy": "File",
            "imagePullPolicy": "IfNotPresent",
        }
        for c in pod.containers
    ]
    started = format_rfc3339(pod.started_at)
    conditions = [
        {"type": kind, "status": "True", "lastProbeTime": None, "lastTransitionTime": when}
        for kind, when in (
            ("PodReadyToStartContainers", created),
            ("Initialized", created),
            ("Ready", started),
            ("ContainersReady", started),
            ("PodScheduled", created),
        )
    ]
    return {
        "metadata": metadata,
        "spec": {
            "containers": containers,
            "restartPolicy": "OnFailure" if pod.owner_kind == "Job" else "Always",
            "terminationGracePeriodSeconds": 30,
            "dnsPolicy": "ClusterFirst",
            "serviceAccountName": "default",
            "nodeName": pod.node,
            "schedulerName": "default-scheduler",
            "priority": 0,
            "enableServiceLinks": True,
            "preemptionPolicy": "PreemptLowerPriority",
        },
        "status": {
            "phase": "Running",
            "conditions": conditions,
            "hostIP": pod.host_ip,
            "hostIPs": [{"ip": pod.host_ip}],
            "podIP": pod.pod_ip,
            "podIPs": [{"ip": pod.pod_ip}],
            "startTime": created,
            "containerStatuses": [build_container_status(pod, i) for i in range(len(pod.containers))],
            "qosClass": "Burstable",
        },
    }


def build_namespace(name: str, created_at: float) -> JsonObject:
    """A Namespace as listed."""
    return {
        "metadata": {
            "name": name,
            "uid": make_uid("namespace", name),
            "resourceVersion": "12",
            "creationTimestamp": format_rfc3339(created_at),
            "labels": {"kubernetes.io/metadata.name": name},
        },
        "spec": {"finalizers": ["kubernetes"]},
        "status": {"phase": "Active"},
    }


def build_node(spec: SiteSpec, node: NodeInfo, created_at: float) -> JsonObject:
    """A Node as listed, with GPU capacity and a Ready condition."""
    capacity = {
        "cpu": str(node.cpu),
        "memory": f"{node.memory_gi * 1024 * 1024}Ki",
        "ephemeral-storage": "959786032Ki",
        "pods": "110",
    }
    if node.gpus:
        capacity["nvidia.com/gpu"] = str(node.gpus)
    labels = {"kubernetes.io/hostname": node.name, "kubernetes.io/os": "linux", "kubernetes.io/arch": "amd64"}
    if spec.region:
        labels["topology.kubernetes.io/region"] = spec.region
    if spec.zones:
        labels["topology.kubernetes.io/zone"] = spec.zones[0]
    if node.gpus:
        labels["nvidia.com/gpu.present"] = "true"
    stamp = format_rfc3339(created_at)
    ready = {
        "type": "Ready",
        "status": "True" if node.ready else "Unknown",
        "lastHeartbeatTime": stamp,
        "lastTransitionTime": stamp,
        "reason": "KubeletReady" if node.ready else "NodeStatusUnknown",
        "message": "kubelet is posting ready status"
        if node.ready
        else "Kubelet stopped posting node status.",
    }
    return {
        "metadata": {
            "name": node.name,
            "uid": make_uid(spec.name, "node", node.name),
            "resourceVersion": "100",
            "creationTimestamp": stamp,
            "labels": labels,
        },
        "spec": {"podCIDR": f"10.244.{spec.node_infos().index(node)}.0/24"},
        "status": {
            "capacity": capacity,
            "allocatable": dict(capacity),
            "conditions": [ready],
            "addresses": [
                {"type": "InternalIP", "address": node.ip},
                {"type": "Hostname", "address": node.name},
            ],
            "nodeInfo": {
                "kubeletVersion": spec.kubernetes_version,
                "kubeProxyVersion": spec.kubernetes_version,
                "containerRuntimeVersion": "containerd://1.7.22",
                "operatingSystem": "linux",
                "architecture": "amd64",
                "osImage": "Ubuntu 22.04.4 LTS",
                "kernelVersion": "5.15.0-119-generic",
            },
        },
    }


def build_service(spec: SiteSpec, ref: ServiceRef, created_at: float) -> JsonObject:
    """The Prometheus Service as listed."""
    port: JsonObject = {"protocol": "TCP", "port": ref.port, "targetPort": ref.port_name or ref.port}
    if ref.port_name:
        port = {"name": ref.port_name, **port}
    return {
        "metadata": {
            "name": ref.name,
            "namespace": ref.namespace,
            "uid": make_uid(spec.name, "svc", ref.name),
            "resourceVersion": "2048",
            "creationTimestamp": format_rfc3339(created_at),
            "labels": {"app.kubernetes.io/name": "prometheus"},
        },
        "spec": {
            "ports": [port],
            "selector": {"app.kubernetes.io/name": "prometheus", "prometheus": "k8s"},
            "clusterIP": f"10.96.{len(ref.name)}.{ref.port % 250}",
            "type": "ClusterIP",
            "sessionAffinity": "ClientIP",
        },
        "status": {"loadBalancer": {}},
    }


def build_version(git_version: str) -> JsonObject:
    """`/version` of a kube-apiserver of that version."""
    core = git_version.lstrip("v").split("-")[0].split("+")[0]
    major, minor, _ = core.split(".")
    return {
        "major": major,
        "minor": minor,
        "gitVersion": git_version,
        "gitCommit": fake_digest(git_version)[:40],
        "gitTreeState": "clean",
        "buildDate": "2024-12-10T11:43:22Z",
        "goVersion": "go1.22.10",
        "compiler": "gc",
        "platform": "linux/amd64",
    }


def build_api_versions(server_address: str) -> JsonObject:
    """`/api` legacy discovery."""
    return {
        "kind": "APIVersions",
        "versions": ["v1"],
        "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0", "serverAddress": server_address}],
    }


def build_core_resources() -> JsonObject:
    """`/api/v1` discovery listing what the simulated member serves."""

    def resource(name: str, kind: str, namespaced: bool, verbs: list[str]) -> JsonObject:
        return {"name": name, "singularName": "", "namespaced": namespaced, "kind": kind, "verbs": verbs}

    read = ["get", "list"]
    return {
        "kind": "APIResourceList",
        "groupVersion": "v1",
        "resources": [
            resource("namespaces", "Namespace", False, read),
            resource("nodes", "Node", False, read),
            resource("pods", "Pod", True, read),
            resource("pods/log", "Pod", True, ["get"]),
            resource("services", "Service", True, read),
            resource(
                "services/proxy", "ServiceProxyOptions", True, ["create", "delete", "get", "patch", "update"]
            ),
        ],
    }
