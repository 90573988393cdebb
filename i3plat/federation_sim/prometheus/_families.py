"""The series table of a site: node-exporter, kube-state-metrics, DCGM, escaping tests and `up`.

Label shapes follow `recipes/prometheus/gen_openmetrics.py` (kube-prometheus targets, DCGM with
`honorLabels: false` workload labels renamed to `exported_*`). With wobble 0 every gauge is
constant and every counter grows at a constant rate, so query results can be checked exactly;
with wobble > 0 levels and rates swing around the same means (amplitudes capped so ratios stay
in 0..1 and counters stay monotone).
"""

from __future__ import annotations

import zlib
from typing import TYPE_CHECKING

from ._series import Family, FamilyKind, Series, Wave

if TYPE_CHECKING:
    from ._model import NodeModel, SiteModel

Labels = tuple[tuple[str, str], ...]

MODES = ("idle", "iowait", "irq", "nice", "softirq", "steal", "system", "user")
MEM_TOTAL_BYTES = float(64 * 1024**3)
FS_SIZE_BYTES = 500e9
FB_TOTAL_MIB = 81559.0
PODS_PER_NODE = 10
IOWAIT_RATE = 0.02
STEAL_RATE = 0.01
DISK_READ_BYTES_PER_S = 2e6
"""nvme0n1 of node index i reads `(i + 1) ×` this; dm-0 reads this once."""
RX_OTHER_BYTES_PER_S = {"lo": 7e6, "veth1a2b3c": 3e5, "cali0123456789": 1e5}
"""Receive rates of the non-eth0 devices (lo must be excluded by queries, veth/cali by strict ones)."""
TX_OTHER_BYTES_PER_S = RX_OTHER_BYTES_PER_S
DISK_BASE_RATES = {
    "node_disk_read_bytes": DISK_READ_BYTES_PER_S,
    "node_disk_written_bytes": 4e6,
    "node_disk_io_time_seconds": 0.1,
    "node_disk_io_time_weighted_seconds": 0.3,
    "node_disk_reads_completed": 100.0,
    "node_disk_writes_completed": 200.0,
}
ESCAPE_VALUES = (
    "plain",
    'a"b',
    "a\\b",
    "a'b",
    "a\nb",
    "a.b",
    "axb",
    "ünïcødé",
    'x"} or vector(1) or {a="',
    "tab\there",
    "emoji-\U0001f600",
    "back`tick",
    "ip-10-0-1-2.ec2.internal",
)
KSM_INSTANCE = "10.96.0.20:8443"


def site_seed(name: str) -> int:
    """A stable per-name number (crc32, not `hash()`, which is salted per process)."""
    return zlib.crc32(name.encode("utf-8"))


def gpu_util_percent(node_index: int, gpu: int) -> float:
    """Base DCGM utilisation of one GPU: 0..90 %, different per GPU and node."""
    return float(10 * ((gpu + node_index) % 10))


def fb_used_mib(gpu: int) -> float:
    """Base framebuffer use of one GPU, MiB."""
    return float(1024 * (gpu + 1))


def node_phase(node: NodeModel, offset: float) -> float:
    """Phase of a node's swing: nodes and metrics peak at different times."""
    return 1.1 * node.index + offset


def family(name: str, kind: FamilyKind, help_text: str, series: list[Series]) -> Family:
    """A family whose series all carry the family's sample name."""
    return Family(name=name, kind=kind, help=help_text, series=tuple(series))


def gauge(name: str, labels: Labels, wave: Wave) -> Series:
    return Series(name=name, labels=labels, wave=wave)


def counter(name: str, labels: Labels, rate: Wave, initial: float = 0.0) -> Series:
    return Series(name=f"{name}_total", labels=labels, wave=rate, cumulative=True, initial=initial)


def ne_labels(node: NodeModel, **extra: str) -> Labels:
    """kube-prometheus node-exporter target labels (+ series labels)."""
    base = {
        "job": "node-exporter",
        "instance": node.instance,
        "namespace": "monitoring",
        "pod": f"node-exporter-{node.index:05d}",
        "container": "node-exporter",
        "endpoint": "https",
        "service": "node-exporter",
    }
    base.update(extra)
    return tuple(base.items())


def ksm_labels(**extra: str) -> Labels:
    """kube-state-metrics labels (scraped with honorLabels, so namespace/pod are the object's)."""
    base = {"job": "kube-state-metrics", "instance": KSM_INSTANCE, "container": "kube-rbac-proxy-main"}
    base.update(extra)
    return tuple(base.items())


def dcgm_target_labels(node: NodeModel) -> dict[str, str]:
    return {
        "job": "nvidia-dcgm-exporter",
        "instance": f"{node.ip}:9400",
        "namespace": "gpu-operator",
        "pod": f"nvidia-dcgm-exporter-{node.index:05d}",
        "service": "nvidia-dcgm-exporter",
        "container": "nvidia-dcgm-exporter",
    }


def dcgm_labels(site_idx: int, node: NodeModel, gpu: int) -> Labels:
    """DCGM exporter labels; workload labels renamed `exported_*` (honorLabels: false)."""
    base = dcgm_target_labels(node)
    base.update(
        {
            "gpu": str(gpu),
            "UUID": f"GPU-{site_idx:02d}{node.index:02d}{gpu:02d}00-0000-0000-0000-000000000000",
            "pci_bus_id": f"00000000:{0x18 + gpu:02X}:00.0",
            "device": f"nvidia{gpu}",
            "modelName": "NVIDIA H100 80GB HBM3",
            "Hostname": node.name,
            "DCGM_FI_DRIVER_VERSION": "550.90.07",
            "exported_namespace": "ml",
            "exported_pod": f"trainer-{node.index}",
            "exported_container": "main",
        }
    )
    return tuple(base.items())


def busy_wave(site: SiteModel, node: NodeModel) -> Wave:
    """Busy fraction per CPU; the cap keeps idle = 0.97 − busy non-negative."""
    u = node.cpu_util
    return Wave(u, site.wobble * min(u, 1.0 - IOWAIT_RATE - STEAL_RATE - u), node_phase(node, 0.0))


def mode_rates(busy: Wave) -> dict[str, Wave]:
    """CPU-seconds per second by mode; they sum to exactly 1 per CPU at every instant."""
    b, a, p = busy.base, busy.amp, busy.phase
    zero = Wave(0.0)
    return {
        "idle": Wave(1.0 - IOWAIT_RATE - STEAL_RATE - b, -a, p),
        "iowait": Wave(IOWAIT_RATE),
        "irq": zero,
        "nice": zero,
        "softirq": zero,
        "steal": Wave(STEAL_RATE),
        "system": Wave(0.4 * b, 0.4 * a, p),
        "user": Wave(0.6 * b, 0.6 * a, p),
    }


def cpu_families(site: SiteModel) -> list[Family]:
    series: list[Series] = []
    load: list[Series] = []
    for node in site.nodes:
        busy = busy_wave(site, node)
        rates = mode_rates(busy)
        for cpu in range(node.cpus):
            for mode in MODES:
                labels = ne_labels(node, cpu=str(cpu), mode=mode)
                series.append(counter("node_cpu_seconds", labels, rates[mode], 1000.0 * cpu))
        n = float(node.cpus)
        load.append(gauge("node_load1", ne_labels(node), Wave(busy.base * n, busy.amp * n, busy.phase)))
    return [
        family("node_cpu_seconds", "counter", "Seconds the CPUs spent in each mode.", series),
        family("node_load1", "gauge", "1m load average.", load),
    ]


def memory_families(site: SiteModel) -> list[Family]:
    total = MEM_TOTAL_BYTES
    out = [
        family(
            "node_memory_MemTotal_bytes",
            "gauge",
            "Memory information field MemTotal_bytes.",
            [gauge("node_memory_MemTotal_bytes", ne_labels(n), Wave(total)) for n in site.nodes],
        ),
    ]
    available: list[Series] = []
    for node in site.nodes:
        m = node.mem_util
        amp = site.wobble * 0.5 * min(m, 1.0 - m)
        wave = Wave(total * (1.0 - m), -total * amp, node_phase(node, 1.7))
        available.append(gauge("node_memory_MemAvailable_bytes", ne_labels(node), wave))
    out.append(
        family(
            "node_memory_MemAvailable_bytes",
            "gauge",
            "Memory information field MemAvailable_bytes.",
            available,
        )
    )
    for field_name, fraction in (("MemFree", 0.05), ("Cached", 0.2), ("Buffers", 0.01), ("Slab", 0.01)):
        name = f"node_memory_{field_name}_bytes"
        out.append(
            family(
                name,
                "gauge",
                f"Memory information field {field_name}_bytes.",
                [gauge(name, ne_labels(n), Wave(total * fraction)) for n in site.nodes],
            )
        )
    return out


def filesystem_families(site: SiteModel) -> list[Family]:
    size: list[Series] = []
    avail: list[Series] = []
    free: list[Series] = []
    for node in site.nodes:
        root = ne_labels(node, device="/dev/nvme0n1p1", fstype="ext4", mountpoint="/")
        run = ne_labels(node, device="tmpfs", fstype="tmpfs", mountpoint="/run")
        f = node.fs_used
        amp = FS_SIZE_BYTES * site.wobble * 0.05 * min(f, 1.0 - f)
        phase = node_phase(node, 2.9)
        size += [
            gauge("node_filesystem_size_bytes", root, Wave(FS_SIZE_BYTES)),
            gauge("node_filesystem_size_bytes", run, Wave(1e9)),
        ]
        avail += [
            gauge("node_filesystem_avail_bytes", root, Wave(FS_SIZE_BYTES * (1.0 - f), -amp, phase)),
            gauge("node_filesystem_avail_bytes", run, Wave(0.9e9)),
        ]
        free += [
            gauge("node_filesystem_free_bytes", root, Wave(FS_SIZE_BYTES * (1.0 - f) + 5e9, -amp, phase)),
            gauge("node_filesystem_free_bytes", run, Wave(0.9e9)),
        ]
    return [
        family("node_filesystem_size_bytes", "gauge", "Filesystem size in bytes.", size),
        family(
            "node_filesystem_avail_bytes",
            "gauge",
            "Filesystem space available to non-root users in bytes.",
            avail,
        ),
        family("node_filesystem_free_bytes", "gauge", "Filesystem free space in bytes.", free),
    ]


def disk_families(site: SiteModel) -> list[Family]:
    out: list[Family] = []
    for metric, base_rate in DISK_BASE_RATES.items():
        series: list[Series] = []
        for node in site.nodes:
            rate = base_rate * (node.index + 1)
            wave = Wave(rate, site.wobble * 0.5 * rate, node_phase(node, 0.6))
            series.append(counter(metric, ne_labels(node, device="nvme0n1"), wave))
            series.append(counter(metric, ne_labels(node, device="dm-0"), Wave(base_rate)))
        out.append(family(metric, "counter", f"{metric} (synthetic)", series))
    return out


def network_families(site: SiteModel) -> list[Family]:
    out: list[Family] = []
    for metric, tx in (("node_network_receive_bytes", False), ("node_network_transmit_bytes", True)):
        series: list[Series] = []
        for node in site.nodes:
            rate = node.tx_bytes_per_s if tx else node.rx_bytes_per_s
            wave = Wave(rate, site.wobble * 0.5 * rate, node_phase(node, 2.3 if tx else 0.3))
            series.append(counter(metric, ne_labels(node, device="eth0"), wave))
            others = TX_OTHER_BYTES_PER_S if tx else RX_OTHER_BYTES_PER_S
            for device, other_rate in others.items():
                series.append(counter(metric, ne_labels(node, device=device), Wave(other_rate)))
        out.append(family(metric, "counter", f"{metric} (synthetic)", series))
    for metric, rate in (("node_network_receive_drop", 0.5), ("node_network_transmit_drop", 0.25)):
        drops = [
            counter(metric, ne_labels(n, device=d), Wave(rate)) for n in site.nodes for d in ("eth0", "lo")
        ]
        out.append(family(metric, "counter", f"{metric} (synthetic)", drops))
    return out


def misc_node_families(site: SiteModel) -> list[Family]:
    """pgmajfault is untyped in node_exporter (no `_total`): a counter family would rename it."""
    faults = [
        Series("node_vmstat_pgmajfault", ne_labels(n), Wave(float(n.index + 1)), cumulative=True)
        for n in site.nodes
    ]
    uname = [
        gauge(
            "node_uname_info",
            ne_labels(
                n,
                domainname="(none)",
                machine="x86_64",
                nodename=n.name,
                release="6.1.0-18-amd64",
                sysname="Linux",
                version="#1 SMP Debian",
            ),
            Wave(1.0),
        )
        for n in site.nodes
    ]
    return [
        family("node_vmstat_pgmajfault", "unknown", "/proc/vmstat information field pgmajfault.", faults),
        family(
            "node_uname_info",
            "gauge",
            "Labeled system information as provided by the uname system call.",
            uname,
        ),
    ]


def node_ksm_families(site: SiteModel) -> list[Family]:
    info = [
        gauge(
            "kube_node_info",
            ksm_labels(
                node=n.name,
                internal_ip=n.ip,
                kubelet_version="v1.29.4",
                os_image="Ubuntu 22.04.4 LTS",
                container_runtime_version="containerd://1.7.13",
            ),
            Wave(1.0),
        )
        for n in site.nodes
    ]
    conditions: list[Series] = []
    for node in site.nodes:
        for condition in ("Ready", "MemoryPressure", "DiskPressure", "PIDPressure"):
            for status in ("true", "false", "unknown"):
                if condition == "Ready":
                    on = status == ("true" if node.ready else "false")
                else:
                    on = status == "false"
                labels = ksm_labels(node=node.name, condition=condition, status=status)
                conditions.append(gauge("kube_node_status_condition", labels, Wave(1.0 if on else 0.0)))
    unschedulable = [
        gauge("kube_node_spec_unschedulable", ksm_labels(node=n.name), Wave(0.0)) for n in site.nodes
    ]
    out = [
        family("kube_node_info", "gauge", "Information about a cluster node.", info),
        family("kube_node_status_condition", "gauge", "The condition of a cluster node.", conditions),
        family(
            "kube_node_spec_unschedulable", "gauge", "Whether a node can schedule new pods.", unschedulable
        ),
    ]
    for name, what in (
        ("kube_node_status_capacity", "capacity"),
        ("kube_node_status_allocatable", "allocatable"),
    ):
        series: list[Series] = []
        for node in site.nodes:
            resources = [
                ("cpu", "core", float(node.cpus)),
                ("memory", "byte", MEM_TOTAL_BYTES),
                ("pods", "integer", 110.0),
            ]
            if node.gpus:
                resources.append(("nvidia_com_gpu", "integer", float(node.gpus)))
            for resource, unit, value in resources:
                series.append(
                    gauge(name, ksm_labels(node=node.name, resource=resource, unit=unit), Wave(value))
                )
        out.append(family(name, "gauge", f"The {what} for different resources of a node.", series))
    return out


def site_pods(site: SiteModel) -> list[tuple[str, str, str, str, NodeModel]]:
    """(namespace, pod, owner kind, owner name, node): exporters plus app pods, PODS_PER_NODE each."""
    pods: list[tuple[str, str, str, str, NodeModel]] = []
    for node in site.nodes:
        pods.append(("monitoring", f"node-exporter-{node.index:05d}", "DaemonSet", "node-exporter", node))
        dcgm = bool(node.gpus) and site.dcgm
        if dcgm:
            pod = f"nvidia-dcgm-exporter-{node.index:05d}"
            pods.append(("gpu-operator", pod, "DaemonSet", "nvidia-dcgm-exporter", node))
        for p in range(PODS_PER_NODE - (2 if dcgm else 1)):
            pods.append(("default", f"app-{node.index}-{p}", "ReplicaSet", "app", node))
    return pods


def pod_ksm_families(site: SiteModel) -> list[Family]:
    pods = site_pods(site)
    info = [
        gauge(
            "kube_pod_info",
            ksm_labels(
                namespace=ns,
                pod=pod,
                node=node.name,
                host_ip=node.ip,
                created_by_kind=kind,
                created_by_name=owner,
                uid=f"uid-{ns}-{pod}",
            ),
            Wave(1.0),
        )
        for ns, pod, kind, owner, node in pods
    ]
    phases = [
        gauge(
            "kube_pod_status_phase",
            ksm_labels(namespace=ns, pod=pod, phase=phase, uid=f"uid-{ns}-{pod}"),
            Wave(1.0 if phase == "Running" else 0.0),
        )
        for ns, pod, _kind, _owner, _node in pods
        for phase in ("Pending", "Running", "Succeeded", "Failed", "Unknown")
    ]
    return [
        family("kube_pod_info", "gauge", "Information about pod.", info),
        family("kube_pod_status_phase", "gauge", "The pods current phase.", phases),
    ]


def dcgm_families(site: SiteModel, site_idx: int) -> list[Family]:
    w = site.wobble
    columns: dict[str, list[Series]] = {
        "DCGM_FI_DEV_GPU_UTIL": [],
        "DCGM_FI_DEV_FB_USED": [],
        "DCGM_FI_DEV_FB_FREE": [],
        "DCGM_FI_DEV_GPU_TEMP": [],
        "DCGM_FI_DEV_POWER_USAGE": [],
    }
    for node in site.nodes if site.dcgm else ():
        for g in range(node.gpus):
            labels = dcgm_labels(site_idx, node, g)
            phase = node_phase(node, 0.7 * g)
            util = gpu_util_percent(node.index, g)
            used = fb_used_mib(g)
            power = 100.0 + 50.0 * g
            waves = {
                "DCGM_FI_DEV_GPU_UTIL": Wave(util, w * 0.5 * min(util, 100.0 - util), phase),
                "DCGM_FI_DEV_FB_USED": Wave(used, w * 0.5 * used, phase),
                "DCGM_FI_DEV_FB_FREE": Wave(FB_TOTAL_MIB - used, -w * 0.5 * used, phase),
                "DCGM_FI_DEV_GPU_TEMP": Wave(40.0 + g, w * 5.0, phase),
                "DCGM_FI_DEV_POWER_USAGE": Wave(power, w * 0.3 * power, phase),
            }
            for name, wave in waves.items():
                columns[name].append(gauge(name, labels, wave))
    helps = {
        "DCGM_FI_DEV_GPU_UTIL": "GPU utilization (in %).",
        "DCGM_FI_DEV_FB_USED": "Framebuffer memory used (in MiB).",
        "DCGM_FI_DEV_FB_FREE": "Framebuffer memory free (in MiB).",
        "DCGM_FI_DEV_GPU_TEMP": "GPU temperature (in C).",
        "DCGM_FI_DEV_POWER_USAGE": "Power draw (in W).",
    }
    return [family(name, "gauge", helps[name], series) for name, series in columns.items()]


def escape_family() -> Family:
    series = [
        gauge("escape_test", (("job", "escape"), ("value", v)), Wave(float(k)))
        for k, v in enumerate(ESCAPE_VALUES)
    ]
    return family("escape_test", "gauge", "Series with label values that need escaping in PromQL.", series)


def up_family(site: SiteModel) -> Family:
    """`up` = 1 for every simulated scrape target (node-exporters, KSM, DCGM exporters)."""
    targets: list[Labels] = [ne_labels(n) for n in site.nodes]
    targets.append(ksm_labels())
    targets += [tuple(dcgm_target_labels(n).items()) for n in site.nodes if n.gpus and site.dcgm]
    return family("up", "gauge", "1 if the target is up.", [gauge("up", t, Wave(1.0)) for t in targets])


def build_families(site: SiteModel) -> tuple[Family, ...]:
    """All families of a site, in exposition order."""
    return (
        *cpu_families(site),
        *memory_families(site),
        *filesystem_families(site),
        *disk_families(site),
        *network_families(site),
        *misc_node_families(site),
        *node_ksm_families(site),
        *pod_ksm_families(site),
        *dcgm_families(site, site_seed(site.name) % 100),
        escape_family(),
        up_family(site),
    )
