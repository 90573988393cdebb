"""The simulator's failure modes for the site doctor: loopback endpoints, sites without DCGM,
stale scrapes, SelfSubjectReview, and the new failure flags (pure or in-process, no server)."""

from __future__ import annotations

import json
import math
import time
from pathlib import Path
from urllib.parse import urlencode

import orjson
import pytest

from i3plat.federation_sim import FAILURE_FLAGS, Federation, FederationConfig, SimConfigError, SiteSpec
from i3plat.federation_sim import site_spec_from_dict as from_dict
from i3plat.federation_sim._identity import build_self_subject_review, handle_self_subject_review
from i3plat.federation_sim._spec import endpoint_is_local
from i3plat.federation_sim.backends import site_model_for
from i3plat.federation_sim.prometheus import SyntheticBackend

NOW = math.floor(time.time() / 15.0) * 15.0 + 3.0
"""3 s after a point of the 15 s scrape grid (the site model's history starts yesterday)."""


@pytest.mark.parametrize(
    ("endpoint", "local"),
    [
        ("https://127.0.0.1:6443", True),
        ("https://127.9.9.9", True),
        ("https://[::1]:6443", True),
        ("https://localhost:6443", True),
        ("https://0.0.0.0:6443", True),
        ("https://10.20.1.5:6443", False),
        ("https://169.254.1.1:6443", False),  # link-local times out in reality; not simulated as refused
        ("https://site-b.example.net:6443", False),
    ],
)
def test_endpoint_is_local(endpoint: str, local: bool) -> None:
    assert endpoint_is_local(endpoint) is local


def test_dcgm_flag_is_validated_in_specs_and_json() -> None:
    with pytest.raises(SimConfigError) as error:
        SiteSpec(name="fab-x", dcgm="no")  # type: ignore[arg-type]
    assert error.value.field == "dcgm"
    with pytest.raises(SimConfigError) as error:
        from_dict({"name": "fab-x", "dcgm": "false"})
    assert error.value.field == "dcgm"
    assert from_dict({"name": "fab-x", "dcgm": False}).dcgm is False
    assert SiteSpec(name="fab-x").dcgm is True


def test_new_failure_flags_are_known() -> None:
    assert {"prometheus_no_endpoints", "scrapes_stale"} <= set(FAILURE_FLAGS)


def names_at(spec: SiteSpec, t: float) -> list[dict[str, str]]:
    return [labels for labels, _ in site_model_for(spec).samples_at(t)]


def test_a_gpu_site_without_dcgm_has_gpus_in_kube_state_metrics_but_no_dcgm_series() -> None:
    with_dcgm = SiteSpec(name="fab-gpu", nodes=2, gpu_nodes=1, gpus_per_node=4)
    without = SiteSpec(name="fab-gpu", nodes=2, gpu_nodes=1, gpus_per_node=4, dcgm=False)
    before, after = names_at(with_dcgm, NOW), names_at(without, NOW)
    assert sum(1 for s in before if s["__name__"] == "DCGM_FI_DEV_GPU_UTIL") == 4
    assert not [s for s in after if s["__name__"].startswith("DCGM_")]
    assert not [s for s in after if s["__name__"] == "up" and "dcgm" in s.get("job", "")]
    assert not [s for s in after if s["__name__"] == "kube_pod_info" and "dcgm" in s.get("pod", "")]
    gpu_capacity = [
        s
        for s in after
        if s["__name__"] == "kube_node_status_capacity" and s.get("resource") == "nvidia_com_gpu"
    ]
    assert len(gpu_capacity) == 1

    def pods_on_gpu_node(samples: list[dict[str, str]]) -> int:
        return sum(1 for s in samples if s["__name__"] == "kube_pod_info" and s["node"] == "fab-gpu-gpu-01")

    assert pods_on_gpu_node(after) == pods_on_gpu_node(before)  # an app pod takes the exporter's place


def freshness(backend: SyntheticBackend) -> float:
    body = urlencode({"query": "time() - max(timestamp(up))"}).encode()
    answer = backend.handle("POST", "/api/v1/query", "", body, "application/x-www-form-urlencoded")
    data = json.loads(answer.body)
    assert data["status"] == "success", data
    return float(data["data"]["result"][0]["value"][1])


def test_scrape_lag_makes_the_newest_sample_old_while_the_clock_runs_on() -> None:
    backend = SyntheticBackend(
        site_model_for(SiteSpec(name="fab-x", nodes=1, gpu_nodes=0)), clock=lambda: NOW
    )
    assert freshness(backend) == pytest.approx(3.0)
    backend.set_scrape_lag(180.0)
    assert freshness(backend) == pytest.approx(183.0)
    backend.set_scrape_lag(0.0)
    assert freshness(backend) == pytest.approx(3.0)
    with pytest.raises(ValueError, match="scrape lag"):
        backend.set_scrape_lag(-1.0)


def test_self_subject_review_reports_the_callers_identity() -> None:
    review = build_self_subject_review(
        "system:serviceaccount:monitoring:site-dash", ("system:serviceaccounts",)
    )
    assert review["kind"] == "SelfSubjectReview"
    assert review["status"]["userInfo"] == {
        "username": "system:serviceaccount:monitoring:site-dash",
        "groups": ["system:serviceaccounts", "system:authenticated"],
    }
    created = handle_self_subject_review("POST", b'{"kind":"SelfSubjectReview"}', "alice", ())
    assert created.status_code == 201
    assert orjson.loads(created.get_data())["status"]["userInfo"]["username"] == "alice"
    assert handle_self_subject_review("GET", b"", "alice", ()).status_code == 405
    assert handle_self_subject_review("POST", b"{not json", "alice", ()).status_code == 400
    assert handle_self_subject_review("POST", b'{"kind":"Pod"}', "alice", ()).status_code == 400


class PlainBackend:
    """A backend that cannot lag (like a real Prometheus process)."""

    def handle(
        self, method: str, path: str, query_string: str, body: bytes, content_type: str | None
    ) -> None:
        raise AssertionError("not called")

    def close(self) -> None:
        pass


def test_loopback_sites_fail_every_dial_others_only_by_injection(tmp_path: Path) -> None:
    config = FederationConfig(
        sites=[SiteSpec(name="fab-loop", api_endpoint="https://127.0.0.1:6443"), SiteSpec(name="fab-ok")],
        data_dir=tmp_path,
        prometheus="none",
    )
    federation = Federation(config)
    assert federation.draw_dial_failure("fab-loop") is True
    assert federation.draw_dial_failure("fab-ok") is False
    assert federation.draw_dial_failure("no-such-site") is False


def test_stale_scrapes_need_a_backend_that_can_lag(tmp_path: Path) -> None:
    specs = [SiteSpec(name="fab-real", nodes=1, gpu_nodes=0), SiteSpec(name="fab-syn", nodes=1, gpu_nodes=0)]
    federation = Federation(FederationConfig(sites=specs, data_dir=tmp_path, prometheus="synthetic"))
    federation.set_backend("fab-real", PlainBackend())  # type: ignore[arg-type]
    with pytest.raises(SimConfigError) as error:
        federation.set_failures("fab-real", scrapes_stale=True)
    assert error.value.field == "scrapes_stale"
    assert federation.state()["sites"]["fab-real"]["failures"] == []
    synthetic = SyntheticBackend(site_model_for(specs[1]), clock=lambda: NOW)
    federation.set_backend("fab-syn", synthetic)
    federation.set_failures("fab-syn", scrapes_stale=True)
    assert freshness(synthetic) == pytest.approx(183.0)
    federation.set_failures("fab-syn", scrapes_stale=False)
    assert freshness(synthetic) == pytest.approx(3.0)
    federation.close()
