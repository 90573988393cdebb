"""What each catalog metric must return for a simulated site, computed in plain Python.

An independent second opinion: it reads the model's raw samples at T and T - 60 s (rates are
constant when the model's wobble is 0, so their difference / 60 is the exact rate) and
aggregates them the way each metric is defined, without any PromQL.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Iterable
from typing import Any

from i3plat.federation_sim.prometheus import SiteModel

Key = tuple[str, ...]
Labels = dict[str, str]
BUSY_MODES = {"idle", "iowait", "steal"}
DISK = re.compile(r"(/dev/)?(mmcblk.p.+|nvme.+|rbd.+|sd.+|vd.+|xvd.+|dasd.+)")
NOT_PHYSICAL = re.compile(
    r"lo|veth.*|cali.*|cilium.*|lxc.*|flannel.*|cni.*|docker.*|tunl.*|vxlan.*|genev.*|kube-ipvs.*|nodelocaldns"
)


class Samples:
    def __init__(self, model: SiteModel, t: float) -> None:
        self.now = model.samples_at(t)
        self.before = {self._key(labels): value for labels, value in model.samples_at(t - 60)}
        self.node_of_instance = {n.instance: n.name for n in model.nodes}

    @staticmethod
    def _key(labels: Labels) -> tuple[tuple[str, str], ...]:
        return tuple(sorted(labels.items()))

    def gauges(
        self, name: str, where: Callable[[Labels], bool] = lambda _: True
    ) -> list[tuple[Labels, float]]:
        return [(labels, v) for labels, v in self.now if labels["__name__"] == name and where(labels)]

    def rates(
        self, name: str, where: Callable[[Labels], bool] = lambda _: True
    ) -> list[tuple[Labels, float]]:
        return [
            (labels, (v - self.before[self._key(labels)]) / 60.0) for labels, v in self.gauges(name, where)
        ]

    def node(self, labels: Labels) -> str:
        return self.node_of_instance[labels["instance"]]


def by(pairs: Iterable[tuple[Key, float]]) -> dict[Key, float]:
    out: dict[Key, float] = defaultdict(float)
    for key, value in pairs:
        out[key] += value
    return dict(out)


def divide(a: dict[Key, float], b: dict[Key, float]) -> dict[Key, float]:
    return {k: a[k] / b[k] for k in a if k in b}


def ne(
    s: Samples, name: str, where: Callable[[Labels], bool] = lambda _: True, rate: bool = False
) -> list[tuple[Labels, float]]:
    pick = s.rates if rate else s.gauges
    return pick(name, lambda lab: lab.get("job") == "node-exporter" and where(lab))


def expected_values(model: SiteModel, t: float) -> dict[str, dict[Key, float]]:
    s = Samples(model, t)
    out: dict[str, dict[Key, float]] = {}
    cpu_busy = by(
        ((s.node(lab),), v)
        for lab, v in ne(s, "node_cpu_seconds_total", lambda lab: lab["mode"] not in BUSY_MODES, True)
    )
    cpu_all = by(((s.node(lab),), v) for lab, v in ne(s, "node_cpu_seconds_total", rate=True))
    cores = by(
        ((s.node(lab),), 1.0) for lab, _ in ne(s, "node_cpu_seconds_total", lambda lab: lab["mode"] == "idle")
    )
    out["cpu.util.node"] = divide(cpu_busy, cpu_all)
    out["cpu.util.cluster"] = {(): sum(cpu_busy.values()) / sum(cpu_all.values())}
    out["cpu.cores.node"] = cores
    out["cpu.load1.node"] = divide(by(((s.node(lab),), v) for lab, v in ne(s, "node_load1")), cores)
    avail = by(((s.node(lab),), v) for lab, v in ne(s, "node_memory_MemAvailable_bytes"))
    total = by(((s.node(lab),), v) for lab, v in ne(s, "node_memory_MemTotal_bytes"))
    out["mem.util.node"] = {k: 1 - avail[k] / total[k] for k in total}
    out["mem.util.cluster"] = {(): 1 - sum(avail.values()) / sum(total.values())}
    out["mem.used.node"] = {k: total[k] - avail[k] for k in total}
    out["mem.total.node"] = total

    def fs(
        where: Callable[[Labels], bool], key: Callable[[Labels], Key]
    ) -> tuple[dict[Key, float], dict[Key, float]]:
        a = by((key(lab), v) for lab, v in ne(s, "node_filesystem_avail_bytes", where))
        z = by((key(lab), v) for lab, v in ne(s, "node_filesystem_size_bytes", where))
        return a, z

    real_fs = lambda lab: lab.get("fstype", "") != "" and lab.get("mountpoint", "") != ""  # noqa: E731
    a, z = fs(
        lambda lab: lab.get("mountpoint") == "/" and lab.get("fstype", "") != "", lambda lab: (s.node(lab),)
    )
    out["fs.root.used.ratio"] = {k: 1 - a[k] / z[k] for k in z}
    a, z = fs(real_fs, lambda lab: (s.node(lab), lab["mountpoint"]))
    out["fs.used.ratio.mount"] = {k: 1 - a[k] / z[k] for k in z}
    a, z = fs(real_fs, lambda lab: (s.node(lab), lab["device"]))  # max without (mountpoint, fstype)
    out["fs.used.ratio.cluster"] = {(): 1 - sum(a.values()) / sum(z.values())}

    disk = lambda lab: bool(DISK.fullmatch(lab.get("device", "")))  # noqa: E731
    node_key = lambda lab: (s.node(lab),)  # noqa: E731
    out["disk.read.node"] = by(
        (node_key(lab), v) for lab, v in ne(s, "node_disk_read_bytes_total", disk, True)
    )
    out["disk.write.node"] = by(
        (node_key(lab), v) for lab, v in ne(s, "node_disk_written_bytes_total", disk, True)
    )
    out["disk.iops.node"] = by(
        (node_key(lab), v)
        for name in ("node_disk_reads_completed_total", "node_disk_writes_completed_total")
        for lab, v in ne(s, name, disk, True)
    )
    out["disk.busy.device"] = {
        (s.node(lab), lab["device"]): v for lab, v in ne(s, "node_disk_io_time_seconds_total", disk, True)
    }
    phys = lambda lab: not NOT_PHYSICAL.fullmatch(lab.get("device", ""))  # noqa: E731
    out["net.rx.node"] = by(
        (node_key(lab), v) for lab, v in ne(s, "node_network_receive_bytes_total", phys, True)
    )
    out["net.tx.node"] = by(
        (node_key(lab), v) for lab, v in ne(s, "node_network_transmit_bytes_total", phys, True)
    )
    out["net.rx.cluster"] = {(): sum(out["net.rx.node"].values())}
    out["net.tx.cluster"] = {(): sum(out["net.tx.node"].values())}
    out["net.drop.node"] = by(
        (node_key(lab), v)
        for name in ("node_network_receive_drop_total", "node_network_transmit_drop_total")
        for lab, v in ne(s, name, phys, True)
    )

    def dcgm(name: str) -> list[tuple[Labels, float]]:
        return s.gauges(name, lambda lab: "dcgm" in lab.get("job", ""))

    util = {(lab["Hostname"], lab["gpu"]): v for lab, v in dcgm("DCGM_FI_DEV_GPU_UTIL")}
    used = {(lab["Hostname"], lab["gpu"]): v for lab, v in dcgm("DCGM_FI_DEV_FB_USED")}
    free = {(lab["Hostname"], lab["gpu"]): v for lab, v in dcgm("DCGM_FI_DEV_FB_FREE")}
    power = {(lab["Hostname"], lab["gpu"]): v for lab, v in dcgm("DCGM_FI_DEV_POWER_USAGE")}
    per_node: dict[str, list[Key]] = defaultdict(list)
    for key in util:
        per_node[key[0]].append(key)
    out["gpu.util.gpu"] = {k: v / 100 for k, v in util.items()}
    out["gpu.util.node"] = {(n,): sum(util[k] for k in ks) / len(ks) / 100 for n, ks in per_node.items()}
    out["gpu.util.cluster"] = {(): sum(util.values()) / len(util) / 100} if util else {}
    out["gpu.mem.ratio.gpu"] = {k: used[k] / (used[k] + free[k]) for k in used}
    out["gpu.mem.ratio.node"] = {
        (n,): sum(used[k] for k in ks) / (sum(used[k] for k in ks) + sum(free[k] for k in ks))
        for n, ks in per_node.items()
    }
    out["gpu.mem.used.gpu"] = {k: v * 1048576 for k, v in used.items()}
    out["gpu.temp.gpu"] = {(lab["Hostname"], lab["gpu"]): v for lab, v in dcgm("DCGM_FI_DEV_GPU_TEMP")}
    out["gpu.power.gpu"] = power
    out["gpu.power.node"] = {(n,): sum(power[k] for k in ks) for n, ks in per_node.items()}
    out["gpu.count.node"] = {(n,): float(len(ks)) for n, ks in per_node.items()}
    out["gpu.count.cluster"] = {(): float(len(util))} if util else {}

    def ksm(name: str, where: Callable[[Labels], bool] = lambda _: True) -> list[tuple[Labels, float]]:
        return s.gauges(name, lambda lab: lab.get("job") == "kube-state-metrics" and where(lab))

    out["gpu.capacity.node"] = {
        (lab["node"],): v
        for lab, v in ksm("kube_node_status_capacity", lambda lab: lab["resource"] == "nvidia_com_gpu")
    }
    out["k8s.nodes.total"] = {(): float(len(ksm("kube_node_info")))}
    ready = ksm(
        "kube_node_status_condition", lambda lab: lab["condition"] == "Ready" and lab["status"] == "true"
    )
    out["k8s.nodes.ready"] = {(): sum(v for _, v in ready)}
    out["k8s.node.ready"] = {(lab["node"],): v for lab, v in ready}
    pods = ksm("kube_pod_info", lambda lab: lab.get("node", "") != "")
    out["k8s.pods.node"] = by(((lab["node"],), 1.0) for lab, _ in pods)
    running = {
        (lab["namespace"], lab["pod"])
        for lab, v in ksm("kube_pod_status_phase", lambda lab: lab["phase"] == "Running")
        if v == 1
    }
    out["k8s.pods.running.node"] = by(
        ((lab["node"],), 1.0) for lab, _ in pods if (lab["namespace"], lab["pod"]) in running
    )
    out["k8s.pods.running.cluster"] = {
        (): sum(v for _, v in ksm("kube_pod_status_phase", lambda lab: lab["phase"] == "Running"))
    }
    out["k8s.pods.phase"] = by(((lab["phase"],), v) for lab, v in ksm("kube_pod_status_phase"))
    return out


def result_key(metric_id: str, scope: str, labels: dict[str, Any]) -> Key:
    """The oracle's key for one returned series."""
    if scope == "cluster":
        return (labels["phase"],) if metric_id == "k8s.pods.phase" else ()
    if scope == "gpu":
        return (labels["node"], labels["gpu"])
    if metric_id == "disk.busy.device":
        return (labels["node"], labels["device"])
    if metric_id == "fs.used.ratio.mount":
        return (labels["node"], labels["mountpoint"])
    return (labels["node"],)
