"""Deterministic workloads of a simulated member: which pods run where, with which containers."""

from __future__ import annotations

import random
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field

from ._spec import NodeInfo, SiteSpec

SAFE_ALPHABET = "bcdfghjklmnpqrstvwxz2456789"  # k8s utilrand's alphabet for generated names
BASE_NAMESPACES = ("default", "kube-node-lease", "kube-public", "kube-system")
HOUR = 3600.0
DAY = 24 * HOUR


@dataclass(frozen=True)
class ContainerFixture:
    """One container of a pod; `log_style` selects the log line generator."""

    name: str
    image: str
    cpu: str
    memory: str
    gpus: int
    log_style: str
    restart_count: int = 0


@dataclass(frozen=True)
class PodFixture:
    """One pod; `previous_*` is the window of the last terminated instance when containers restarted."""

    name: str
    namespace: str
    uid: str
    labels: Mapping[str, str]
    owner_kind: str
    owner_name: str
    node: str
    host_ip: str
    pod_ip: str
    created_at: float
    started_at: float
    containers: tuple[ContainerFixture, ...]
    previous_started_at: float | None = None
    previous_finished_at: float | None = None
    generate_name: str | None = None

    def container_names(self) -> list[str]:
        """Names in declaration order (what the 400 for a missing `container=` lists)."""
        return [c.name for c in self.containers]

    def container(self, name: str) -> ContainerFixture | None:
        """The named container, or None."""
        return next((c for c in self.containers if c.name == name), None)


@dataclass
class _Placement:
    """GPU bookkeeping while placing pods, so allocations never exceed a node."""

    nodes: list[NodeInfo]
    free_gpus: dict[str, int] = field(default_factory=dict)
    pods_per_node: dict[str, int] = field(default_factory=dict)

    def take_gpus(self, node: NodeInfo, wanted: int) -> int:
        granted = min(wanted, self.free_gpus.get(node.name, node.gpus))
        self.free_gpus[node.name] = self.free_gpus.get(node.name, node.gpus) - granted
        return granted

    def pod_ip(self, node: NodeInfo) -> str:
        index = self.nodes.index(node)
        count = self.pods_per_node.get(node.name, 0) + 1
        self.pods_per_node[node.name] = count
        return f"10.244.{index}.{10 + count}"


def random_suffix(rng: random.Random, length: int) -> str:
    """A generated-name suffix like Kubernetes makes (`-x7k2p`)."""
    return "".join(rng.choice(SAFE_ALPHABET) for _ in range(length))


def make_uid(*parts: str) -> str:
    """A stable UID, so objects look identical across runs."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, "i3plat-sim:" + "/".join(parts)))


def build_pods(spec: SiteSpec, now: float) -> list[PodFixture]:
    """The site's pods: kube-system, monitoring (Prometheus), adc inference, a training job, karmada-agent."""
    rng = random.Random(f"{spec.name}/pods")
    nodes = spec.node_infos()
    placement = _Placement(nodes)
    site_born = now - spec.created_days_ago * DAY
    gpu_nodes = [n for n in nodes if n.gpus > 0]
    cpu_nodes = [n for n in nodes if n.gpus == 0] or nodes

    def since(age: float) -> float:
        return max(site_born + 60.0, now - age)

    def add(
        namespace: str,
        name: str,
        node: NodeInfo,
        owner: tuple[str, str],
        labels: dict[str, str],
        containers: list[ContainerFixture],
        age: float,
        generate_name: str | None = None,
        restarted_age: float | None = None,
    ) -> None:
        created = since(age)
        started = created + 20.0 if restarted_age is None else since(restarted_age)
        previous = (created + 20.0, started - 15.0) if restarted_age is not None else (None, None)
        pods.append(
            PodFixture(
                name=name,
                namespace=namespace,
                uid=make_uid(spec.name, namespace, name),
                labels=labels,
                owner_kind=owner[0],
                owner_name=owner[1],
                node=node.name,
                host_ip=node.ip,
                pod_ip=placement.pod_ip(node),
                created_at=created,
                started_at=started,
                containers=tuple(containers),
                previous_started_at=previous[0],
                previous_finished_at=previous[1],
                generate_name=generate_name,
            )
        )

    pods: list[PodFixture] = []
    dns_hash = random_suffix(rng, 10)
    add(
        "kube-system",
        f"coredns-{dns_hash}-{random_suffix(rng, 5)}",
        nodes[0],
        ("ReplicaSet", f"coredns-{dns_hash}"),
        {"k8s-app": "kube-dns", "pod-template-hash": dns_hash},
        [
            ContainerFixture(
                "coredns", "registry.k8s.io/coredns/coredns:v1.11.3", "100m", "70Mi", 0, "coredns"
            )
        ],
        spec.created_days_ago * DAY,
        generate_name=f"coredns-{dns_hash}-",
    )
    add(
        "kube-system",
        f"kube-proxy-{random_suffix(rng, 5)}",
        nodes[0],
        ("DaemonSet", "kube-proxy"),
        {"k8s-app": "kube-proxy"},
        [
            ContainerFixture(
                "kube-proxy",
                f"registry.k8s.io/kube-proxy:{spec.kubernetes_version}",
                "0",
                "0",
                0,
                "kube-proxy",
            )
        ],
        spec.created_days_ago * DAY,
        generate_name="kube-proxy-",
    )
    add(
        "monitoring",
        "prometheus-k8s-0",
        cpu_nodes[-1],
        ("StatefulSet", "prometheus-k8s"),
        {
            "app.kubernetes.io/name": "prometheus",
            "prometheus": "k8s",
            "statefulset.kubernetes.io/pod-name": "prometheus-k8s-0",
        },
        [
            ContainerFixture(
                "prometheus", "quay.io/prometheus/prometheus:v2.54.1", "2", "4Gi", 0, "prometheus"
            ),
            ContainerFixture(
                "config-reloader",
                "quay.io/prometheus-operator/prometheus-config-reloader:v0.76.0",
                "10m",
                "50Mi",
                0,
                "config-reloader",
            ),
        ],
        12 * DAY,
    )
    adc_hash = random_suffix(rng, 10)
    for index in range(spec.adc_replicas):
        node = (gpu_nodes or cpu_nodes)[index % len(gpu_nodes or cpu_nodes)]
        gpus = placement.take_gpus(node, 1) if node.gpus else 0
        add(
            "adc",
            f"adc-inference-{adc_hash}-{random_suffix(rng, 5)}",
            node,
            ("ReplicaSet", f"adc-inference-{adc_hash}"),
            {
                "app": "adc-inference",
                "app.kubernetes.io/name": "adc-inference",
                "pod-template-hash": adc_hash,
            },
            [
                ContainerFixture(
                    "inference", "registry.i3plat.local/adc/inference:2.4.1", "4", "16Gi", gpus, "inference"
                ),
                ContainerFixture(
                    "sidecar",
                    "registry.i3plat.local/adc/result-uploader:1.3.0",
                    "500m",
                    "512Mi",
                    0,
                    "sidecar",
                ),
            ],
            2 * DAY + index * 1800.0,
            generate_name=f"adc-inference-{adc_hash}-",
        )
    if gpu_nodes:
        node = gpu_nodes[-1]
        gpus = placement.take_gpus(node, min(4, node.gpus))
        job_uid = make_uid(spec.name, "training", "job", "train-resnet-42")
        add(
            "training",
            f"train-resnet-42-{random_suffix(rng, 5)}",
            node,
            ("Job", "train-resnet-42"),
            {
                "batch.kubernetes.io/job-name": "train-resnet-42",
                "job-name": "train-resnet-42",
                "batch.kubernetes.io/controller-uid": job_uid,
                "controller-uid": job_uid,
            },
            [
                ContainerFixture(
                    "trainer",
                    "registry.i3plat.local/training/pytorch-trainer:2.3.1",
                    "8",
                    "64Gi",
                    gpus,
                    "trainer",
                    restart_count=1,
                )
            ],
            5 * HOUR,
            generate_name="train-resnet-42-",
            restarted_age=3 * HOUR,
        )
    if spec.sync_mode == "Pull":
        agent_hash = random_suffix(rng, 10)
        add(
            "karmada-system",
            f"karmada-agent-{agent_hash}-{random_suffix(rng, 5)}",
            cpu_nodes[0],
            ("ReplicaSet", f"karmada-agent-{agent_hash}"),
            {"app": "karmada-agent", "pod-template-hash": agent_hash},
            [
                ContainerFixture(
                    "karmada-agent",
                    "docker.io/karmada/karmada-agent:v1.13.2",
                    "100m",
                    "128Mi",
                    0,
                    "karmada-agent",
                )
            ],
            30 * DAY,
            generate_name=f"karmada-agent-{agent_hash}-",
        )
    return pods


def list_namespaces(pods: list[PodFixture], service_namespace: str) -> list[str]:
    """The member's namespaces: the base ones plus every namespace a pod or the service uses."""
    names = set(BASE_NAMESPACES) | {p.namespace for p in pods} | {service_namespace}
    return sorted(names)
