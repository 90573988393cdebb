"""The checklist runner: order, skipping with the root cause, time budget, bugs, endpoint revision.

Check functions are replaced by stubs, so these tests exercise only the runner's own logic.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, cast

import httpx
import pytest

from i3plat.doctor import runner
from i3plat.doctor.karmada_checks import check_ready
from i3plat.doctor.model import (
    CHECK_IDS,
    CLUSTER_ENDPOINT,
    CLUSTER_READY,
    CLUSTER_REGISTERED,
    MEMBER_SERVICES_PROXY,
    PROMETHEUS_FRESHNESS,
    PROXY_IMPERSONATION,
    PROXY_VERSION,
    SERIES_DCGM,
    Outcome,
    Status,
    fail,
    note,
    ok,
    text,
    warn,
)
from i3plat.doctor.probe import Identity, Probe, parse_identity
from i3plat.i18n import Translator
from i3plat.karmada_client import KarmadaClient, error_from_response, parse_cluster, parse_service_ref
from tests.support.clock import Clock

T_EN = Translator("en")


def make_probe(clock: Clock, budget: float = 60.0) -> Probe:
    return Probe(
        site="site-a",
        karmada=cast(KarmadaClient, None),  # the stubs never send anything
        service_setting="monitoring/prometheus-k8s:9090",
        service=parse_service_ref("monitoring/prometheus-k8s:9090"),
        profile_overrides={},
        request_timeout=15.0,
        deadline=clock() + budget,
        clock=clock,
    )


@pytest.fixture
def stubs(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, Callable[[Probe], Outcome]]]:
    """Every check passes unless a test replaces it."""
    table: dict[str, Callable[[Probe], Outcome]] = {cid: (lambda probe: ok()) for cid in CHECK_IDS}
    monkeypatch.setattr(runner, "FUNCTIONS", table)
    yield table


def statuses(probe: Probe) -> dict[str, Status]:
    return {c.id: c.status for c in runner.run_checks(probe)}


def skip_note(probe: Probe, check_id: str) -> str:
    check = {c.id: c for c in runner.run_checks(probe)}[check_id]
    assert check.status is Status.SKIPPED and check.evidence[0].note is not None
    return check.evidence[0].note.render(T_EN)


def test_all_checks_run_in_the_documented_order(stubs: dict[str, Any]) -> None:
    checks = runner.run_checks(make_probe(Clock(1000.0)))
    assert tuple(c.id for c in checks) == CHECK_IDS
    assert all(c.status is Status.OK for c in checks)


def test_a_failed_proxy_skips_everything_behind_it_naming_the_root_cause(stubs: dict[str, Any]) -> None:
    stubs[PROXY_VERSION] = lambda probe: fail(text("Fix the endpoint"))
    probe = make_probe(Clock(1000.0))
    result = statuses(probe)
    assert result[CLUSTER_READY] is Status.OK  # not behind it
    assert result[PROXY_VERSION] is Status.FAIL
    # not behind it either, but revised: a well-formed address nothing answered through is no "reachable"
    endpoint = {c.id: c for c in runner.run_checks(probe)}[CLUSTER_ENDPOINT]
    assert endpoint.status is Status.WARN and endpoint.fix is not None
    assert "could not connect to the member" in endpoint.fix.render(T_EN)
    behind = [cid for cid in CHECK_IDS if CHECK_IDS.index(cid) > CHECK_IDS.index(PROXY_VERSION)]
    assert all(result[cid] is Status.SKIPPED for cid in behind)
    # through skipped checks the reason is still the check that failed, not its neighbour
    reason = skip_note(probe, PROMETHEUS_FRESHNESS)
    assert reason == "Skipped because “Cluster proxy reaches the member (/version)” did not pass."


def test_an_unregistered_cluster_skips_all_other_checks(stubs: dict[str, Any]) -> None:
    stubs[CLUSTER_REGISTERED] = lambda probe: fail(text("Register it"))
    result = statuses(make_probe(Clock(1000.0)))
    assert [s for cid, s in result.items() if cid != CLUSTER_REGISTERED] == [Status.SKIPPED] * 11


def test_warnings_and_a_not_ready_cluster_do_not_block(stubs: dict[str, Any]) -> None:
    stubs[CLUSTER_READY] = lambda probe: fail(text("Check the agent"))
    stubs[PROXY_IMPERSONATION] = lambda probe: warn(text("Logs need pods"))
    result = statuses(make_probe(Clock(1000.0)))
    assert result[CLUSTER_READY] is Status.FAIL
    assert result[PROXY_VERSION] is Status.OK  # Karmada's proxy does not look at conditions
    assert result[MEMBER_SERVICES_PROXY] is Status.OK and result[SERIES_DCGM] is Status.OK


def test_checks_not_started_within_the_budget_are_skipped(stubs: dict[str, Any]) -> None:
    clock = Clock(1000.0)

    def slow(probe: Probe) -> Outcome:
        clock.now += 61.0
        return ok()

    stubs[PROXY_VERSION] = slow
    probe = make_probe(clock, budget=60.0)
    result = statuses(probe)
    assert result[PROXY_VERSION] is Status.OK
    assert result[PROXY_IMPERSONATION] is Status.SKIPPED
    clock.now = 1000.0
    probe = make_probe(clock, budget=60.0)
    assert skip_note(probe, PROMETHEUS_FRESHNESS) == "Skipped: this site's time budget ran out."


def test_the_request_timeout_shrinks_to_what_is_left_of_the_budget() -> None:
    clock = Clock(1000.0)
    probe = make_probe(clock, budget=20.0)
    assert probe.timeout() == 15.0
    clock.now += 12.0
    assert probe.timeout() == 8.0
    clock.now += 30.0
    assert probe.timeout() == 1.0  # never zero: httpx would not wait at all


def test_typed_upstream_errors_become_a_failed_check_with_evidence_and_fix(stubs: dict[str, Any]) -> None:
    request = httpx.Request("GET", "https://k/apis/cluster.karmada.io/v1alpha1/clusters/site-a/proxy/version")
    body = {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
        "message": "dial tcp 127.0.0.1:6443: connect: connection refused",
        "code": 500,
    }
    error = error_from_response(httpx.Response(500, json=body, request=request), "site-a")

    def raising(probe: Probe) -> Outcome:
        raise error

    stubs[PROXY_VERSION] = raising
    check = {c.id: c for c in runner.run_checks(make_probe(Clock(1000.0)))}[PROXY_VERSION]
    assert check.status is Status.FAIL
    assert check.evidence[0].http_status == 500
    assert check.fix is not None and "never 127.0.0.1" in check.fix.render(T_EN)


def test_a_bug_in_a_check_is_reported_as_such(
    stubs: dict[str, Any], caplog: pytest.LogCaptureFixture
) -> None:
    def broken(probe: Probe) -> Outcome:
        raise KeyError("gitVersion")

    stubs[SERIES_DCGM] = broken
    check = {c.id: c for c in runner.run_checks(make_probe(Clock(1000.0)))}[SERIES_DCGM]
    assert check.status is Status.FAIL and check.evidence[0].code == "internal"
    assert check.evidence[0].message == "KeyError: 'gitVersion'"
    assert "bug in the doctor" in (check.fix.render(T_EN) if check.fix else "")
    assert "series.dcgm" in caplog.text


@pytest.mark.parametrize(("reached", "expected"), [(True, Status.OK), (False, Status.WARN)])
def test_the_endpoint_verdict_is_revised_by_what_the_proxy_saw(
    stubs: dict[str, Any], reached: bool, expected: Status
) -> None:
    stubs[CLUSTER_ENDPOINT] = lambda probe: warn(text("Private address"), note("apiEndpoint 10.0.0.1"))

    def version(probe: Probe) -> Outcome:
        probe.reached_member = reached
        return ok() if reached else fail(text("Unreachable"))

    stubs[PROXY_VERSION] = version
    check = {c.id: c for c in runner.run_checks(make_probe(Clock(1000.0)))}[CLUSTER_ENDPOINT]
    assert check.status is expected
    notes = [e.note.render(T_EN) for e in check.evidence if e.note]
    assert ("The cluster proxy reached the member through it." in notes) is reached
    assert (check.fix is None) is reached


def test_options_refuse_unbounded_timeouts() -> None:
    with pytest.raises(ValueError, match="request_timeout"):
        runner.DoctorOptions(request_timeout=0)
    with pytest.raises(ValueError, match="budget"):
        runner.DoctorOptions(budget=3600)


def test_identity_subjects_for_a_service_account_skip_the_groups_karmada_does_not_forward() -> None:
    identity = parse_identity(
        {
            "status": {
                "userInfo": {
                    "username": "system:serviceaccount:monitoring:site-dash",
                    "groups": [
                        "system:serviceaccounts",
                        "system:serviceaccounts:monitoring",
                        "system:authenticated",
                    ],
                }
            }
        }
    )
    assert identity == Identity(
        "system:serviceaccount:monitoring:site-dash",
        ("system:serviceaccounts", "system:serviceaccounts:monitoring", "system:authenticated"),
    )
    assert identity.subjects == (
        "ServiceAccount monitoring/site-dash",
        "Group system:serviceaccounts",
        "Group system:serviceaccounts:monitoring",
    )
    assert Identity("alice@example.com", ("ops",)).subjects == ("User alice@example.com", "Group ops")


@pytest.mark.parametrize("body", [None, {}, {"status": {}}, {"status": {"userInfo": {"groups": []}}}, [1]])
def test_identity_parsing_tolerates_other_shapes(body: Any) -> None:
    assert parse_identity(body) is None


def test_a_ready_cluster_with_nodes_not_ready_is_a_warning_not_a_pass() -> None:
    fixture = Path(__file__).resolve().parents[2] / "fixtures" / "karmada" / "cluster_list.json"
    item = next(i for i in json.loads(fixture.read_text())["items"] if i["metadata"]["name"] == "site-a")
    probe = make_probe(Clock(1000.0))
    probe.cluster = parse_cluster(item)
    assert check_ready(probe).status is Status.OK
    item["status"]["nodeSummary"] = {"totalNum": 3, "readyNum": 1}
    probe.cluster = parse_cluster(item)
    outcome = check_ready(probe)
    assert outcome.status is Status.WARN and outcome.fix is not None
    assert outcome.fix.render(T_EN).startswith("Nodes not Ready: 2.")
    assert [e.note.render(T_EN) for e in outcome.evidence if e.note][
        -1
    ] == "Karmada counts 1 of 3 nodes Ready."
