"""Every template of the metric catalog on the real site model: evaluates, and the core values are exact.

The catalog is the verified recipe's (`recipe_catalog.yaml`, 43 templates) rendered with its default
variables; expectations come from `SiteModel.expected()`.
"""

from __future__ import annotations

import string
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from i3plat.federation_sim.prometheus import ExpectedNode, SiteModel, build_site_model
from i3plat.federation_sim.prometheus._evaltypes import InstantVector, Matrix
from i3plat.federation_sim.prometheus._evaluator import evaluate_instant, evaluate_range
from i3plat.federation_sim.prometheus._source import ModelSource

CATALOG: dict[str, Any] = yaml.safe_load((Path(__file__).with_name("recipe_catalog.yaml")).read_text("utf-8"))
ORIGIN = 1_700_006_400.0  # a day boundary, like the model's default origin
NOW = ORIGIN + 6 * 3600
T = NOW - 120  # every 5m window is fully covered


def render(expr: str) -> str:
    return string.Template(expr).safe_substitute(CATALOG["vars"])


def expression(metric_id: str) -> str:
    (metric,) = [m for m in CATALOG["metrics"] if m["id"] == metric_id]
    return render(metric["raw"])


def site(name: str, **kwargs: Any) -> tuple[SiteModel, ModelSource]:
    model = build_site_model(name, origin=ORIGIN, **kwargs)
    return model, ModelSource(model, clock=lambda: NOW)


SITES = {
    "site-a": site("site-a"),
    "site-b": site("site-b", instance_style="ip", notready_nodes=(3,)),
}


def vector(src: ModelSource, expr: str, t: float = T) -> list[tuple[dict[str, str], float]]:
    value = evaluate_instant(expr, t, src)
    assert isinstance(value, InstantVector)
    return [(dict(s.labels), s.value) for s in value.samples]


def by(src: ModelSource, label: str, expr: str) -> dict[str, float]:
    rows = vector(src, expr)
    out = {labels[label]: v for labels, v in rows}
    assert len(out) == len(rows)
    return out


def close(a: float, b: float, rel: float = 1e-9) -> bool:
    return abs(a - b) <= rel * max(1.0, abs(b))


def test_the_fixture_is_the_whole_catalog() -> None:
    assert len(CATALOG["metrics"]) == 43


@pytest.mark.parametrize("site_name", sorted(SITES))
@pytest.mark.parametrize("metric", CATALOG["metrics"], ids=[m["id"] for m in CATALOG["metrics"]])
def test_every_template_evaluates(site_name: str, metric: dict[str, Any]) -> None:
    _, src = SITES[site_name]
    rows = vector(src, render(metric["raw"]))
    if not metric.get("may_be_empty"):
        assert rows, metric["id"]
    if metric["node_label"] != "-":
        assert all(metric["node_label"] in labels for labels, _ in rows)
    if metric.get("rule"):
        assert vector(src, render(metric["rule"])) == []  # no recording rules in a synthetic site


@pytest.mark.parametrize("site_name", sorted(SITES))
def test_node_values_match_the_model(site_name: str) -> None:
    model, src = SITES[site_name]
    expected = model.expected()
    nodes = {n["instance"]: n for n in expected["nodes"].values()}

    def check(metric_id: str, label: str, want: Callable[[ExpectedNode], float]) -> None:
        got = by(src, label, expression(metric_id))
        keyed = {
            (n["instance"] if label == "instance" else name): want(n) for name, n in expected["nodes"].items()
        }
        assert got.keys() == keyed.keys(), metric_id
        assert all(close(got[k], keyed[k]) for k in got), (metric_id, got, keyed)

    check("cpu.util.node", "instance", lambda n: n["cpu_util"])
    check("cpu.util.node.robust", "instance", lambda n: n["cpu_util"])
    check("cpu.cores.node", "instance", lambda n: n["cpus"])
    check("mem.util.node", "instance", lambda n: n["mem_util"])
    check("fs.root.used.ratio", "instance", lambda n: n["fs_root_used"])
    check("net.rx.node", "instance", lambda n: n["rx_physical"])
    check("disk.read.node", "instance", lambda n: n["disk_read_nvme0n1"] + 2e6)  # + dm-0 (catalog notes)
    check("k8s.pods.node", "node", lambda n: n["pods"])
    check("k8s.pods.running.node", "node", lambda n: n["pods"])
    assert set(nodes) == set(by(src, "instance", expression("cpu.util.node")))


@pytest.mark.parametrize("site_name", sorted(SITES))
def test_cluster_and_gpu_values_match_the_model(site_name: str) -> None:
    model, src = SITES[site_name]
    expected = model.expected()
    gpu_nodes = {name: n for name, n in expected["nodes"].items() if n["gpus"]}

    def single(metric_id: str) -> float:
        ((labels, value),) = vector(src, expression(metric_id))
        assert labels == {}
        return value

    assert close(single("cpu.util.cluster"), expected["cluster_cpu_util"])
    mem = [n["mem_util"] for n in expected["nodes"].values()]
    assert close(single("mem.util.cluster"), sum(mem) / len(mem))
    assert single("k8s.nodes.total") == expected["nodes_total"]
    assert single("k8s.nodes.ready") == expected["nodes_ready"]

    gpu = by(src, "Hostname", expression("gpu.util.node"))
    assert gpu == pytest.approx({h: n["gpu_util_avg"] for h, n in gpu_nodes.items()}, rel=1e-12)
    assert by(src, "node", expression("gpu.util.node_by_pod_join")) == gpu
    assert by(src, "Hostname", expression("gpu.count.node")) == {h: n["gpus"] for h, n in gpu_nodes.items()}
    assert by(src, "node", expression("gpu.capacity.node")) == {h: n["gpus"] for h, n in gpu_nodes.items()}
    ratio = by(src, "Hostname", expression("gpu.mem.ratio.node"))
    assert ratio == pytest.approx({h: n["fb_used_ratio"] for h, n in gpu_nodes.items()}, rel=1e-12)
    ready = {labels["node"]: v for labels, v in vector(src, expression("k8s.node.ready"))}
    assert ready == {name: float(n["ready"]) for name, n in expected["nodes"].items()}


def test_range_queries_stay_exact_over_an_hour() -> None:
    model, src = SITES["site-b"]
    nodes = {n["instance"]: n for n in model.expected()["nodes"].values()}
    value = evaluate_range(expression("cpu.util.node.robust"), T - 3600, T, 15, src)
    assert isinstance(value, Matrix)
    assert len(value.series) == 4
    for series in value.series:
        want = nodes[dict(series.labels)["instance"]]["cpu_util"]
        assert len(series.points) == 241
        assert all(close(v, want) for _, v in series.points)


class SamplesOnly:
    """The same model seen only through `samples_at` (forces ModelSource's generic path)."""

    def __init__(self, model: SiteModel) -> None:
        self._model = model
        self.scrape_interval = model.scrape_interval
        self.origin = model.origin

    def samples_at(self, t: float) -> list[tuple[dict[str, str], float]]:
        return self._model.samples_at(t)


@pytest.mark.parametrize(
    "metric_id", ["cpu.util.node", "mem.util.node", "net.rx.node", "k8s.pods.running.node"]
)
def test_generic_and_static_table_paths_agree(metric_id: str) -> None:
    model = build_site_model("site-w", origin=ORIGIN, wobble=0.5)
    fast = ModelSource(model, clock=lambda: NOW)
    slow = ModelSource(SamplesOnly(model), clock=lambda: NOW)
    assert fast.uses_static_table and not slow.uses_static_table
    expr = expression(metric_id)
    assert evaluate_range(expr, T - 900, T, 30, fast) == evaluate_range(expr, T - 900, T, 30, slow)
    assert evaluate_instant(expr, T + 7.5, fast) == evaluate_instant(expr, T + 7.5, slow)


def test_wobbling_sites_stay_within_ratio_bounds() -> None:
    model = build_site_model("site-w", origin=ORIGIN, wobble=1.0)
    src = ModelSource(model, clock=lambda: NOW)
    for metric_id in ("cpu.util.node", "cpu.util.node.robust", "mem.util.node", "fs.root.used.ratio"):
        value = evaluate_range(expression(metric_id), T - 1800, T, 60, src)
        assert isinstance(value, Matrix) and value.series
        assert all(-1e-9 <= v <= 1 + 1e-9 for s in value.series for _, v in s.points), metric_id
