"""The site model: deterministic, label shapes like gen_openmetrics, counters exactly integrable."""

from __future__ import annotations

import math
from collections import Counter

import pytest

from i3plat.federation_sim.prometheus import SiteModel, SiteModelError, build_site_model
from i3plat.federation_sim.prometheus._series import Series

ORIGIN = 1_800_000_000.0


def by_key(samples: list[tuple[dict[str, str], float]]) -> dict[tuple[tuple[str, str], ...], float]:
    return {tuple(sorted(labels.items())): value for labels, value in samples}


def cumulative(model: SiteModel) -> list[Series]:
    return [s for f in model.families() for s in f.series if s.cumulative]


def simpson(series: Series, t1: float, t2: float, origin: float, n: int = 2000) -> float:
    h = (t2 - t1) / n
    total = series.wave.level(t1, origin) + series.wave.level(t2, origin)
    for i in range(1, n):
        total += (4 if i % 2 else 2) * series.wave.level(t1 + i * h, origin)
    return total * h / 3


def close(a: float, b: float, rel: float = 1e-9) -> bool:
    return abs(a - b) <= rel * max(1.0, abs(b))


def test_same_name_same_model_and_samples() -> None:
    a = build_site_model("site-a", origin=ORIGIN, wobble=0.4)
    b = build_site_model("site-a", origin=ORIGIN, wobble=0.4)
    assert a == b
    assert a.samples_at(ORIGIN + 1234.5) == b.samples_at(ORIGIN + 1234.5)


def test_different_names_differ() -> None:
    a = build_site_model("site-a", origin=ORIGIN)
    b = build_site_model("site-b", origin=ORIGIN)
    assert [n.ip for n in a.nodes] != [n.ip for n in b.nodes]
    assert a.nodes[0].name == "site-a-node-1"


def test_unseeded_model_uses_gen_openmetrics_tables() -> None:
    model = build_site_model("site-a", origin=ORIGIN, seed_from_name=False)
    assert [n.cpu_util for n in model.nodes] == [0.25, 0.5, 0.75, 0.125]
    assert [n.ip for n in model.nodes] == ["10.7.0.10", "10.7.0.11", "10.7.0.12", "10.7.0.13"]


@pytest.mark.parametrize("wobble", [0.0, 0.5, 1.0])
def test_counter_increase_is_integral_of_rate(wobble: float) -> None:
    model = build_site_model("site-a", origin=ORIGIN, wobble=wobble)
    t1, t2 = ORIGIN + 3600.0, ORIGIN + 3600.0 + 317.0
    v1, v2 = by_key(model.samples_at(t1)), by_key(model.samples_at(t2))
    for series in cumulative(model):
        key = tuple(sorted({"__name__": series.name, **dict(series.labels)}.items()))
        want = series.wave.base * (t2 - t1) if wobble == 0 else simpson(series, t1, t2, ORIGIN)
        assert close(v2[key] - v1[key], want), key
        assert v2[key] >= v1[key], key


def test_cpu_modes_add_up_to_one_second_per_second() -> None:
    model = build_site_model("site-a", origin=ORIGIN, wobble=0.8, cpus=2)
    t1, t2 = ORIGIN + 100.0, ORIGIN + 1000.0
    per_cpu: dict[tuple[str, str], float] = {}
    for (labels, v1), (_, v2) in zip(model.samples_at(t1), model.samples_at(t2), strict=True):
        if labels["__name__"] == "node_cpu_seconds_total":
            key = (labels["instance"], labels["cpu"])
            per_cpu[key] = per_cpu.get(key, 0.0) + v2 - v1
    assert len(per_cpu) == 8
    assert all(close(total, t2 - t1) for total in per_cpu.values())


def test_wobble_zero_gauges_give_expected_ratios() -> None:
    model = build_site_model("site-b", origin=ORIGIN, instance_style="ip")
    samples = model.samples_at(ORIGIN + 5000.0)
    expected = model.expected()
    by_instance = {n["instance"]: n for n in expected["nodes"].values()}

    def gauge(name: str, instance: str, **match: str) -> float:
        hits = [
            v
            for lbl, v in samples
            if lbl["__name__"] == name and lbl.get("instance") == instance and match.items() <= lbl.items()
        ]
        assert len(hits) == 1, (name, instance, match)
        return hits[0]

    for instance, node in by_instance.items():
        assert instance.endswith(":9100")
        mem = 1 - gauge("node_memory_MemAvailable_bytes", instance) / gauge(
            "node_memory_MemTotal_bytes", instance
        )
        assert close(mem, node["mem_util"])
        root = {"mountpoint": "/"}
        fs = 1 - gauge("node_filesystem_avail_bytes", instance, **root) / gauge(
            "node_filesystem_size_bytes", instance, **root
        )
        assert close(fs, node["fs_root_used"])


def test_wobble_moves_gauges_but_keeps_ratios_in_range() -> None:
    model = build_site_model("site-a", origin=ORIGIN, wobble=1.0)
    seen: set[float] = set()
    for k in range(40):
        for labels, value in model.samples_at(ORIGIN + 60.0 * k):
            if (
                labels["__name__"] == "node_memory_MemAvailable_bytes"
                and labels["instance"] == "site-a-node-1"
            ):
                seen.add(value)
                assert 0 <= value <= 64 * 1024**3
            if labels["__name__"] == "DCGM_FI_DEV_GPU_UTIL":
                assert 0.0 <= value <= 100.0
    assert len(seen) > 10


def test_label_shapes_and_families() -> None:
    model = build_site_model("site-a", origin=ORIGIN, notready_nodes=("site-a-node-4",))
    samples = model.samples_at(ORIGIN + 60.0)
    names = Counter(lbl["__name__"] for lbl, _ in samples)
    assert names["node_cpu_seconds_total"] == 4 * 4 * 8
    assert names["node_vmstat_pgmajfault"] == 4 and "node_vmstat_pgmajfault_total" not in names
    assert names["escape_test"] == 13
    assert names["up"] == 4 + 1 + 2
    assert names["DCGM_FI_DEV_GPU_UTIL"] == 16
    kinds = {f.name: f.kind for f in model.families()}
    assert kinds["node_cpu_seconds"] == "counter" and kinds["node_vmstat_pgmajfault"] == "unknown"
    assert all(f.name not in names or f.kind != "counter" for f in model.families())
    dcgm = next(lbl for lbl, _ in samples if lbl["__name__"] == "DCGM_FI_DEV_GPU_UTIL")
    assert dcgm["Hostname"] == "site-a-node-1" and dcgm["exported_pod"] == "trainer-0"
    ready = {
        lbl["node"]: v
        for lbl, v in samples
        if lbl["__name__"] == "kube_node_status_condition"
        and lbl["condition"] == "Ready"
        and lbl["status"] == "true"
    }
    assert ready == {"site-a-node-1": 1.0, "site-a-node-2": 1.0, "site-a-node-3": 1.0, "site-a-node-4": 0.0}
    expected = model.expected()
    assert (expected["nodes_total"], expected["nodes_ready"]) == (4, 3)
    assert expected["nodes"]["site-a-node-4"]["ready"] is False
    pods = Counter(lbl["node"] for lbl, _ in samples if lbl["__name__"] == "kube_pod_info")
    assert set(pods.values()) == {10}


def test_expected_gpu_and_network_values() -> None:
    node = build_site_model("site-a", origin=ORIGIN).expected()["nodes"]["site-a-node-1"]
    assert node["gpu_util_avg"] == 35.0
    assert node["fb_used_mib_sum"] == sum(1024.0 * (g + 1) for g in range(8))
    assert node["rx_excluding_lo"] == node["rx_eth0"] + 4e5
    assert node["rx_physical"] == node["rx_eth0"] + 1e5


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"wobble": 1.5}, "wobble"),
        ({"wobble": -0.1}, "wobble"),
        ({"notready_nodes": ("nope",)}, "notready_nodes"),
        ({"notready_nodes": (7,)}, "notready_nodes"),
        ({"gpu_nodes": 5}, "gpu_nodes"),
        ({"nodes": 0}, "nodes"),
        ({"scrape_interval": 0.0}, "scrape_interval"),
    ],
)
def test_bad_parameters_name_the_field(kwargs: dict[str, object], field: str) -> None:
    with pytest.raises(SiteModelError) as info:
        build_site_model("site-a", origin=ORIGIN, **kwargs)  # type: ignore[arg-type]
    assert info.value.field == field


@pytest.mark.parametrize("name", ["", "Site-A", "../etc", "a/b", "-a", "x" * 64])
def test_site_name_must_be_a_dns_label(name: str) -> None:
    with pytest.raises(SiteModelError) as info:
        build_site_model(name, origin=ORIGIN)
    assert info.value.field == "name"
    node = build_site_model("site-a", origin=ORIGIN).nodes
    with pytest.raises(SiteModelError):
        SiteModel(name=name, nodes=node, origin=ORIGIN)


def test_default_origin_is_well_before_now() -> None:
    import time

    model = build_site_model("site-a")
    assert time.time() - model.origin >= 86400.0
    assert math.isclose(model.origin % 86400.0, 0.0)
