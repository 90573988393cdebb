"""Every catalog metric on real Prometheus 2.42, through Karmada's cluster proxy and the service proxy.

Two simulated sites with different labelling flavours (kube-prometheus: instance = node name;
kube-prometheus-stack: instance = IP:9100) are backfilled from deterministic models with
constant rates; each metric's answer must equal the plain-Python oracle to 1e-9.
"""

from __future__ import annotations

import math
import shutil
import time
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from i3plat.federation_sim import FederationConfig, RunningFederation, SiteSpec, start_federation
from i3plat.federation_sim.backends import backend_factory_for, site_model_for
from i3plat.karmada_client import KarmadaClient, load_kubeconfig
from i3plat.promql.catalog import default_catalog
from i3plat.promql.client import PrometheusClient
from i3plat.promql.errors import QueryInputError
from i3plat.promql.results import Series
from i3plat.promql.site import SitePrometheus
from tests.integration.promql.catalog_oracle import expected_values, result_key

pytestmark = [pytest.mark.integration, pytest.mark.prometheus]

SITES = {
    "fab-kp": SiteSpec(name="fab-kp", nodes=3, gpu_nodes=1, gpus_per_node=4),
    "fab-kps": SiteSpec(
        name="fab-kps", nodes=3, gpu_nodes=2, gpus_per_node=2, nodes_not_ready=1,
        prometheus_flavour="kube-prometheus-stack",
    ),
}  # fmt: skip


@dataclass
class Site:
    spec: SiteSpec
    prometheus: SitePrometheus


@pytest.fixture(scope="module")
def federation(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningFederation]:
    if not (shutil.which("prometheus") and shutil.which("promtool")):
        pytest.fail("Debian prometheus/promtool are required (make test installs them)")
    root = tmp_path_factory.mktemp("promql")
    factory = backend_factory_for("real", root / "prom", wobble=0.0, history_hours=1.0)
    config = FederationConfig(sites=list(SITES.values()), data_dir=root / "sim", prometheus="real")
    with start_federation(config, factory) as running:
        yield running


@pytest.fixture(scope="module")
def karmada(federation: RunningFederation) -> Iterator[KarmadaClient]:
    with KarmadaClient(load_kubeconfig(federation.kubeconfig_path), timeout=20.0) as client:
        yield client


@pytest.fixture(scope="module")
def sites(karmada: KarmadaClient) -> dict[str, Site]:
    out = {}
    for name, spec in SITES.items():
        http = karmada.service_client(name, "monitoring", "prometheus-k8s", port=9090)
        out[name] = Site(spec, SitePrometheus(PrometheusClient(http, cluster=name, timeout=20.0)))
    return out


def inside_backfill() -> float:
    """A time well inside the backfilled hour, on the 15 s scrape grid."""
    return float(int(time.time() - 1200) // 15 * 15)


def test_profiles_are_detected(sites: dict[str, Site]) -> None:
    assert sites["fab-kp"].prometheus.profile.node_label_style == "instance"
    assert sites["fab-kps"].prometheus.profile.node_label_style == "uname"
    for site in sites.values():
        assert site.prometheus.profile.scrape_interval == 15.0
        assert site.prometheus.profile.node_exporter_job == "node-exporter"


@pytest.mark.parametrize("site_name", sorted(SITES))
@pytest.mark.parametrize("metric_id", sorted(m.id for m in default_catalog()))
def test_instant_value_is_exact(sites: dict[str, Site], site_name: str, metric_id: str) -> None:
    site = sites[site_name]
    at = inside_backfill()
    expected = expected_values(site_model_for(site.spec, wobble=0.0), at)[metric_id]
    result = site.prometheus.instant(metric_id, at=at)
    got = {result_key(metric_id, result.metric.scope, s.labels): s.values[-1] for s in result.series}
    assert set(got) == set(expected), f"{metric_id}: series differ"
    for key, value in expected.items():
        assert math.isclose(got[key], value, rel_tol=1e-9, abs_tol=1e-12), (
            f"{metric_id} {key}: {got[key]} != {value}"
        )


@pytest.mark.parametrize("metric_id", ["cpu.util.node", "net.rx.node", "gpu.util.gpu", "k8s.nodes.ready"])
def test_range_is_exact_and_aligned(sites: dict[str, Site], metric_id: str) -> None:
    site = sites["fab-kps"]
    end = inside_backfill()
    result = site.prometheus.range(metric_id, start=end - 900, end=end, max_points=60)
    assert result.window is not None and result.window.step == 15
    assert result.window.start % 15 == 0 and result.window.end % 15 == 0
    model = site_model_for(site.spec, wobble=0.0)
    expected = expected_values(model, end)[metric_id]
    for series in result.series:
        assert len(series) == result.window.points
        want = expected[result_key(metric_id, result.metric.scope, series.labels)]
        assert all(math.isclose(v, want, rel_tol=1e-9) for v in series.values)


def as_comparable(series: tuple[Series, ...]) -> list[tuple[object, ...]]:
    return sorted((tuple(sorted(s.labels.items())), tuple(s.timestamps), tuple(s.values)) for s in series)


@pytest.mark.parametrize("site_name", sorted(SITES))
def test_one_combined_query_answers_what_the_single_queries_do(
    sites: dict[str, Site], site_name: str
) -> None:
    """The poller sends each window's metrics as one query (`promql.batch`): same series, same values."""
    prom = sites[site_name].prometheus
    metric_ids = sorted(m.id for m in default_catalog())
    at = inside_backfill()
    combined = prom.instant_batch(metric_ids, at=at)
    assert list(combined) == metric_ids
    assert sum(1 for result in combined.values() if result.series) > len(metric_ids) // 2
    for metric_id in metric_ids:
        single = prom.instant(metric_id, at=at)
        assert as_comparable(combined[metric_id].series) == as_comparable(single.series), metric_id
        assert combined[metric_id].query == single.query
    ranged = prom.range_batch(metric_ids, start=at - 600, end=at, step=30, now=at)
    for metric_id in metric_ids:
        single = prom.range(metric_id, start=at - 600, end=at, step=30, now=at)
        assert as_comparable(ranged[metric_id].series) == as_comparable(single.series), metric_id


def test_node_filter_returns_only_that_node(sites: dict[str, Site]) -> None:
    for site in sites.values():
        nodes = site.prometheus.node_names(start=time.time() - 3600, end=time.time())
        assert nodes == sorted(n.name for n in site.spec.node_infos())
        for metric_id in ("cpu.util.node", "mem.util.node", "k8s.pods.node", "disk.busy.device"):
            result = site.prometheus.instant(metric_id, node=nodes[0], at=inside_backfill())
            assert result.series and {s.labels["node"] for s in result.series} == {nodes[0]}


NODE_NAMES = st.text(min_size=1, max_size=40) | st.sampled_from(
    ['a"b', "a\\b", 'x"} or vector(1) or {a="', "fab-kps-.*", ".+", "a\nb", "fab-kps-gpu-01|fab-kps-cpu-01"]
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(node=NODE_NAMES)
def test_any_node_name_returns_that_node_or_nothing(sites: dict[str, Site], node: str) -> None:
    """Hostile names never break out of their literal, never select other nodes, never fail to parse."""
    for site in sites.values():
        for metric_id in ("cpu.util.node", "gpu.util.gpu", "k8s.pods.node"):
            result = site.prometheus.instant(metric_id, node=node, at=inside_backfill())
            assert {s.labels.get("node") for s in result.series} <= {node}


def test_too_long_node_name_is_refused_before_sending(
    sites: dict[str, Site], federation: RunningFederation
) -> None:
    assert sites["fab-kp"].prometheus.profile  # detected before counting
    federation.reset_counters()
    with pytest.raises(QueryInputError) as err:
        sites["fab-kp"].prometheus.instant("cpu.util.node", node="n" * 300)
    assert err.value.field == "node"
    assert federation.counters()["sites"]["fab-kp"]["total"] == 0


@pytest.mark.parametrize(
    ("metric_id", "window", "field"),
    [
        ("cpu.nope", {"start": -3600, "end": 0}, "metric"),
        ("cpu.util.node", {"start": -200 * 86400, "end": 0}, "range"),
        ("cpu.util.node", {"start": 0, "end": -3600}, "end"),
        ("cpu.util.node", {"start": -86400, "end": 0, "step": 1}, "step"),
        ("cpu.util.node", {"start": 3600, "end": 7200}, "start"),
        ("cpu.util.cluster", {"start": -3600, "end": 0, "node": "fab-kp-gpu-01"}, "node"),
    ],
)
def test_bad_range_input_names_the_field_and_sends_nothing(
    sites: dict[str, Site],
    federation: RunningFederation,
    metric_id: str,
    window: dict[str, float],
    field: str,
) -> None:
    site = sites["fab-kp"].prometheus
    assert site.profile  # detected before counting
    now = time.time()
    args = {k: (now + v if k in ("start", "end") else v) for k, v in window.items()}
    federation.reset_counters()
    with pytest.raises(QueryInputError) as err:
        site.range(metric_id, **args)  # type: ignore[arg-type]
    assert err.value.field == field
    assert federation.counters()["sites"]["fab-kp"]["total"] == 0


def test_configured_override_beats_detection(karmada: KarmadaClient) -> None:
    """kube-prometheus data read the kube-prometheus-stack way (join through uname) gives the same."""
    http = karmada.service_client("fab-kp", "monitoring", "prometheus-k8s", port=9090)
    site = SitePrometheus(
        PrometheusClient(http, cluster="fab-kp"), profile_overrides={"node_label_style": "uname"}
    )
    assert site.profile.node_label_style == "uname"
    at = inside_backfill()
    expected = expected_values(site_model_for(SITES["fab-kp"], wobble=0.0), at)["mem.util.node"]
    got = {(s.labels["node"],): s.values[-1] for s in site.instant("mem.util.node", at=at).series}
    assert got == pytest.approx(expected, rel=1e-9)
