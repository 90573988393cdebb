"""The failure modes are reachable over `/_sim/` too, the simulator answers SelfSubjectReview, and
the collector's doctor runs share one run per site."""

from __future__ import annotations

import ssl
import threading
from collections.abc import Callable, Iterator

import httpx
import pytest

from i3plat.collector.access import SiteAccess
from i3plat.collector.doctor_runner import DoctorRuns, doctor_runs, run_doctor_for
from i3plat.doctor import SiteReport, Status
from i3plat.doctor.model import (
    CLUSTER_ENDPOINT,
    PROMETHEUS_FRESHNESS,
    PROMETHEUS_READY,
    PROXY_VERSION,
    SERIES_DCGM,
)
from i3plat.doctor.probe import SELF_SUBJECT_REVIEW_PATH
from i3plat.federation_sim import RunningFederation
from i3plat.karmada_client import InvalidName, KarmadaClient, load_config
from i3plat.settings import Settings

pytestmark = pytest.mark.integration

Diagnose = Callable[..., SiteReport]


@pytest.fixture
def control(fed: RunningFederation) -> Iterator[httpx.Client]:
    headers = {"Authorization": f"Bearer {fed.token}"}
    with httpx.Client(
        base_url=fed.url + "/_sim",
        verify=ssl.create_default_context(cafile=str(fed.ca_file)),
        headers=headers,
        timeout=10,
    ) as http:
        yield http


def test_sites_with_failures_made_over_the_control_api(control: httpx.Client, diagnose: Diagnose) -> None:
    sites = {
        "fab-http-loop": {"api_endpoint": "https://127.0.0.1:6443", "sync_mode": "Pull"},
        "fab-http-nodcgm": {"gpu_nodes": 1, "gpus_per_node": 2, "dcgm": False},
        "fab-http-noep": {},
        "fab-http-stale": {},
    }
    try:
        for name, spec in sites.items():
            assert control.post("/sites", json={"name": name, "nodes": 2, **spec}).status_code == 201
        flags = {
            "fab-http-noep": {"prometheus_no_endpoints": True},
            "fab-http-stale": {"scrapes_stale": True},
        }
        for name, body in flags.items():
            answer = control.post(f"/sites/{name}/failures", json=body)
            assert answer.status_code == 200
            assert answer.json()["sites"][name]["failures"] == sorted(body)
        assert control.get("/state").json()["sites"]["fab-http-nodcgm"]["dcgm"] is False
        refused = control.post("/sites", json={"name": "fab-http-bad", "dcgm": "no"})
        assert refused.status_code == 400 and refused.json()["error"]["field"] == "dcgm"

        loop = diagnose("fab-http-loop")
        assert loop.check(CLUSTER_ENDPOINT).status is Status.FAIL
        assert loop.check(PROXY_VERSION).status is Status.FAIL
        assert diagnose("fab-http-nodcgm").check(SERIES_DCGM).status is Status.WARN
        assert diagnose("fab-http-noep").check(PROMETHEUS_READY).status is Status.FAIL
        assert diagnose("fab-http-stale").check(PROMETHEUS_FRESHNESS).status is Status.FAIL

        cleared = control.post("/sites/fab-http-stale/failures", json={"scrapes_stale": False})
        assert cleared.json()["sites"]["fab-http-stale"]["failures"] == []
        assert diagnose("fab-http-stale").check(PROMETHEUS_FRESHNESS).status is Status.OK
    finally:
        for name in sites:
            control.delete(f"/sites/{name}")


def test_the_simulator_answers_self_subject_review(karmada: KarmadaClient) -> None:
    answer = karmada.request(
        "POST",
        SELF_SUBJECT_REVIEW_PATH,
        content=b'{"apiVersion":"authentication.k8s.io/v1","kind":"SelfSubjectReview"}',
        headers={"Content-Type": "application/json"},
    )
    assert answer.status_code == 201
    assert answer.json()["status"]["userInfo"] == {
        "username": "system:serviceaccount:monitoring:site-dash",
        "groups": ["system:serviceaccounts", "system:serviceaccounts:monitoring", "system:authenticated"],
    }


@pytest.fixture
def access(settings: Settings) -> Iterator[SiteAccess]:
    shared = SiteAccess(settings, lambda: KarmadaClient(load_config(str(settings.kubeconfig))))
    yield shared
    shared.close()


def test_concurrent_page_runs_for_one_site_cost_one_run(
    fed: RunningFederation, make_site: Callable[..., str], access: SiteAccess
) -> None:
    site = make_site()
    fed.set_latency(site, 0.1)  # long enough for the callers to overlap
    fed.reset_counters()
    runs = DoctorRuns(access, reuse_seconds=0.0)
    reports: list[SiteReport] = []
    callers = [threading.Thread(target=lambda: reports.append(runs.run(site))) for _ in range(4)]
    for caller in callers:
        caller.start()
    for caller in callers:
        caller.join(timeout=60)
    assert len(reports) == 4 and all(r is reports[0] for r in reports)
    one_run = fed.counters()["sites"][site]["total"]
    assert one_run > 0
    again = runs.run(site)  # finished: a new click runs again
    assert again is not reports[0]
    assert fed.counters()["sites"][site]["total"] == 2 * one_run


def test_a_run_that_just_finished_is_handed_out_again(
    make_site: Callable[..., str], access: SiteAccess
) -> None:
    site = make_site()
    first = run_doctor_for(access, site)
    assert run_doctor_for(access, site) is first  # within REUSE_SECONDS
    assert doctor_runs(access) is doctor_runs(access)
    with pytest.raises(InvalidName):
        run_doctor_for(access, "../etc")
