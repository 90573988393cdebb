"""The doctor against the simulated federation: an all-green site, then one failure at a time.

For each failure the simulator reproduces as the reference describes it, the doctor must name
the failing check, show the answer it saw (status and upstream message) and give the fix.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest

from i3plat.doctor import CHECK_IDS, DoctorOptions, SiteReport, Status
from i3plat.doctor.model import (
    CLUSTER_ENDPOINT,
    CLUSTER_READY,
    CLUSTER_REGISTERED,
    MEMBER_SERVICES_PROXY,
    PROMETHEUS_FRESHNESS,
    PROMETHEUS_PROFILE,
    PROMETHEUS_READY,
    PROXY_IMPERSONATION,
    PROXY_VERSION,
    SERIES_DCGM,
    SERIES_KUBE_STATE_METRICS,
    SERIES_NODE_EXPORTER,
)
from i3plat.federation_sim import RunningFederation
from i3plat.i18n import Translator
from i3plat.settings import Settings, SiteOverride

pytestmark = pytest.mark.integration

T_EN = Translator("en")
T_ZH = Translator("zh_CN")
Diagnose = Callable[..., SiteReport]
MakeSite = Callable[..., str]


def statuses(report: SiteReport) -> dict[str, Status]:
    return {c.id: c.status for c in report.checks}


def fix_of(report: SiteReport, check_id: str) -> str:
    fix = report.check(check_id).fix
    assert fix is not None, f"{check_id} has no fix"
    assert T_ZH(fix.msgid) != fix.msgid, f"fix of {check_id} is not translated"
    return fix.render(T_EN)


def seen(report: SiteReport, check_id: str) -> list[tuple[int | None, str]]:
    """(HTTP status, upstream message) of every piece of evidence of a check."""
    return [(e.http_status, e.message or "") for e in report.check(check_id).evidence]


def only_failure(report: SiteReport) -> str:
    failed = [c.id for c in report.checks if c.status is Status.FAIL]
    assert len(failed) == 1, statuses(report)
    return failed[0]


def skipped_behind(report: SiteReport, check_id: str) -> list[str]:
    index = CHECK_IDS.index(check_id)
    return [c.id for c in report.checks[index + 1 :] if c.status is Status.SKIPPED]


# ------------------------------------------------------------------------------ green


def test_a_healthy_gpu_site_passes_every_check(make_site: MakeSite, diagnose: Diagnose) -> None:
    report = diagnose(make_site(gpu_nodes=1, gpus_per_node=2))
    assert statuses(report) == dict.fromkeys(CHECK_IDS, Status.OK)
    assert not report.failed and report.worst is Status.OK
    assert all(check.evidence for check in report.checks)
    assert seen(report, PROXY_VERSION)[0][0] == 200
    dcgm = report.check(SERIES_DCGM).evidence[0]
    assert dcgm.note is not None and "2 series of DCGM_FI_DEV_GPU_UTIL" in dcgm.note.render(T_EN)
    freshness = report.check(PROMETHEUS_FRESHNESS).evidence[0]
    assert freshness.note is not None and "scrape interval 15 s" in freshness.note.render(T_EN)


def test_a_site_without_gpus_needs_no_dcgm(make_site: MakeSite, diagnose: Diagnose) -> None:
    report = diagnose(make_site(gpu_nodes=0, prometheus_flavour="kube-prometheus-stack"))
    assert not report.failed and report.worst is Status.OK
    notes = [e.note.render(T_EN) for e in report.check(SERIES_DCGM).evidence if e.note]
    assert any("no allocatable nvidia.com/gpu" in n for n in notes)
    profile = report.check(PROMETHEUS_PROFILE).evidence[0].note
    assert profile is not None and "a join through node_uname_info" in profile.render(T_EN)


# ------------------------------------------------------------------------------ the five


def test_loopback_endpoint(make_site: MakeSite, diagnose: Diagnose) -> None:
    """A Ready Pull cluster registered with 127.0.0.1: Ready says nothing, the proxy cannot dial."""
    report = diagnose(make_site(sync_mode="Pull", api_endpoint="https://127.0.0.1:6443"))
    assert statuses(report)[CLUSTER_READY] is Status.OK  # the agent probes locally and is happy
    assert statuses(report)[CLUSTER_ENDPOINT] is Status.FAIL
    assert statuses(report)[PROXY_VERSION] is Status.FAIL
    assert seen(report, PROXY_VERSION) == [(500, "dial tcp 127.0.0.1:6443: connect: connection refused")]
    assert "--cluster-api-endpoint" in fix_of(report, CLUSTER_ENDPOINT)
    assert "never 127.0.0.1" in fix_of(report, PROXY_VERSION)
    assert skipped_behind(report, PROXY_VERSION) == list(CHECK_IDS[CHECK_IDS.index(PROXY_VERSION) + 1 :])


def test_impersonation_403(make_site: MakeSite, diagnose: Diagnose) -> None:
    report = diagnose(make_site(failures={"impersonation_denied": True}))
    assert only_failure(report) == PROXY_IMPERSONATION
    assert statuses(report)[PROXY_VERSION] is Status.OK  # the member answered: the proxy works
    (code, message), *_ = seen(report, PROXY_IMPERSONATION)
    assert code == 403
    assert message == (
        'groups "system:serviceaccounts" is forbidden: User '
        '"system:serviceaccount:karmada-cluster:karmada-impersonator" cannot impersonate resource "groups" '
        'in API group "" at the cluster scope'
    )
    fix = fix_of(report, PROXY_IMPERSONATION)
    # the refused group, and every other subject from the console's identity (SelfSubjectReview)
    assert "add Group system:serviceaccounts as a subject of the ClusterRoleBinding" in fix
    subjects = "ServiceAccount monitoring/site-dash, Group system:serviceaccounts, "
    assert subjects + "Group system:serviceaccounts:monitoring." in fix


def test_missing_services_proxy_rbac(make_site: MakeSite, diagnose: Diagnose) -> None:
    report = diagnose(make_site(failures={"service_proxy_denied": True}))
    assert only_failure(report) == MEMBER_SERVICES_PROXY
    assert statuses(report)[PROXY_IMPERSONATION] is Status.OK  # other reads are allowed
    (code, message), *_ = seen(report, MEMBER_SERVICES_PROXY)
    assert code == 403 and 'cannot get resource "services/proxy"' in message
    fix = fix_of(report, MEMBER_SERVICES_PROXY)
    assert "get and create on services/proxy in namespace monitoring" in fix
    assert '"system:serviceaccount:monitoring:site-dash"' in fix


def test_no_prometheus_endpoints(make_site: MakeSite, diagnose: Diagnose) -> None:
    report = diagnose(make_site(failures={"prometheus_no_endpoints": True}))
    assert only_failure(report) == PROMETHEUS_READY
    assert statuses(report)[MEMBER_SERVICES_PROXY] is Status.OK  # authorised before the lookup
    assert seen(report, PROMETHEUS_READY) == [(503, 'no endpoints available for service "prometheus-k8s"')]
    fix = fix_of(report, PROMETHEUS_READY)
    assert "service “prometheus-k8s” in namespace monitoring" in fix
    assert "monitoring/prometheus-k8s:9090" in fix  # the configured prometheus_service


def test_no_dcgm_series_on_a_gpu_site_is_a_warning(make_site: MakeSite, diagnose: Diagnose) -> None:
    report = diagnose(make_site(gpu_nodes=1, gpus_per_node=4, dcgm=False))
    assert statuses(report)[SERIES_DCGM] is Status.WARN
    assert not report.failed and report.worst is Status.WARN
    fix = fix_of(report, SERIES_DCGM)
    assert "Karmada reports 4 GPUs" in fix and "dcgm-exporter" in fix and "GPU operator" in fix


# ------------------------------------------------------------------------------ more failures


def test_stale_scrapes(make_site: MakeSite, diagnose: Diagnose) -> None:
    report = diagnose(make_site(failures={"scrapes_stale": True}))
    assert only_failure(report) == PROMETHEUS_FRESHNESS
    note = report.check(PROMETHEUS_FRESHNESS).evidence[0].note
    assert note is not None
    age = float(note.params["age"])  # type: ignore[arg-type]
    assert 180.0 <= age < 200.0
    assert "scraping has stalled" in fix_of(report, PROMETHEUS_FRESHNESS)


@pytest.mark.parametrize(
    ("flag", "check", "code", "upstream", "fix"),
    [
        (
            "karmada_rbac_denied",
            PROXY_VERSION,
            403,
            'cannot get resource "clusters/proxy" in API group "cluster.karmada.io"',
            "ClusterRole with resource clusters/proxy",
        ),
        (
            "impersonator_secret_nil",
            PROXY_VERSION,
            500,
            "the impersonatorSecretRef of cluster {site} is nil",
            "KubeImpersonator",
        ),
        (
            "tls_unknown_authority",
            PROXY_VERSION,
            500,
            "x509: certificate signed by unknown authority",
            "caBundle of secret karmada-cluster/{site}",
        ),
        ("prometheus_unready", PROMETHEUS_READY, 503, "", "still loading its data"),
    ],
)
def test_each_failure_flag_is_named_with_its_fix(
    make_site: MakeSite, diagnose: Diagnose, flag: str, check: str, code: int, upstream: str, fix: str
) -> None:
    site = make_site(failures={flag: True})
    report = diagnose(site)
    assert only_failure(report) == check
    evidence = seen(report, check)
    assert evidence[0][0] == code and upstream.format(site=site) in evidence[0][1]
    assert fix.format(site=site) in fix_of(report, check)
    assert skipped_behind(report, check) == list(CHECK_IDS[CHECK_IDS.index(check) + 1 :])


def test_empty_api_endpoint_fails_the_endpoint_and_the_proxy(make_site: MakeSite, diagnose: Diagnose) -> None:
    site = make_site(failures={"api_endpoint_empty": True})
    report = diagnose(site)
    assert statuses(report)[CLUSTER_ENDPOINT] is Status.FAIL
    assert seen(report, PROXY_VERSION) == [(500, f"API endpoint of cluster {site} should not be empty")]
    assert "--cluster-api-endpoint" in fix_of(report, PROXY_VERSION)


def test_an_offline_site_fails_ready_and_the_proxy(make_site: MakeSite, diagnose: Diagnose) -> None:
    report = diagnose(make_site(sync_mode="Push", offline=True))
    assert statuses(report)[CLUSTER_READY] is Status.FAIL
    ready = report.check(CLUSTER_READY).evidence[0].note
    assert ready is not None and "ClusterNotReachable" in ready.render(T_EN)
    assert "cannot reach the member to probe its health" in fix_of(report, CLUSTER_READY)
    assert statuses(report)[PROXY_VERSION] is Status.FAIL
    assert "connection refused" in seen(report, PROXY_VERSION)[0][1]
    assert statuses(report)[CLUSTER_ENDPOINT] is not Status.OK, "an address nothing answers is not reachable"


def test_a_not_ready_but_reachable_site_still_gets_every_other_check(
    fed: RunningFederation, make_site: MakeSite, diagnose: Diagnose
) -> None:
    site = make_site()
    fed.set_ready(site, "False", "ClusterNotReady")
    report = diagnose(site)
    assert only_failure(report) == CLUSTER_READY
    assert "/readyz?verbose" in fix_of(report, CLUSTER_READY)


def test_an_unknown_site_is_not_registered(diagnose: Diagnose) -> None:
    report = diagnose("fab-nowhere")
    assert only_failure(report) == CLUSTER_REGISTERED
    assert seen(report, CLUSTER_REGISTERED)[0] == (404, 'clusters.cluster.karmada.io "fab-nowhere" not found')
    assert "No cluster named “fab-nowhere”" in fix_of(report, CLUSTER_REGISTERED)
    assert all(c.status is Status.SKIPPED for c in report.checks[1:])


def test_a_wrong_prometheus_service_setting_is_named(
    make_site: MakeSite, diagnose: Diagnose, settings: Settings
) -> None:
    site = make_site()
    custom = settings.model_copy(
        update={"sites": {site: SiteOverride(prometheus_service="monitoring/prom-custom:9090")}}
    )
    report = diagnose(site, custom)
    assert only_failure(report) == PROMETHEUS_READY
    assert seen(report, PROMETHEUS_READY)[0] == (404, 'services "prom-custom" not found')
    assert "monitoring/prom-custom:9090" in fix_of(report, PROMETHEUS_READY)


def test_aggregated_api_down(fed: RunningFederation, make_site: MakeSite, diagnose: Diagnose) -> None:
    site = make_site()
    fed.set_aggregated_api(False)
    try:
        report = diagnose(site)
    finally:
        fed.set_aggregated_api(True)
    assert only_failure(report) == CLUSTER_REGISTERED
    assert seen(report, CLUSTER_REGISTERED)[0] == (503, "service unavailable")
    assert "karmada-aggregated-apiserver" in fix_of(report, CLUSTER_REGISTERED)


def test_a_slow_member_is_cut_off_by_the_request_timeout(
    fed: RunningFederation, make_site: MakeSite, diagnose: Diagnose
) -> None:
    site = make_site()
    fed.set_latency(site, 4.0)
    began = time.monotonic()
    report = diagnose(site, options=DoctorOptions(request_timeout=1.0, budget=10.0))
    assert time.monotonic() - began < 8.0
    assert statuses(report)[PROXY_VERSION] is Status.FAIL
    assert report.check(PROXY_VERSION).evidence[0].code == "client_timeout"
    assert "No answer within 1 s" in fix_of(report, PROXY_VERSION)


def test_prometheus_checks_report_series_counts(make_site: MakeSite, diagnose: Diagnose) -> None:
    report = diagnose(make_site(nodes=3, gpu_nodes=0))
    for check, metric in (
        (SERIES_NODE_EXPORTER, "node_uname_info"),
        (SERIES_KUBE_STATE_METRICS, "kube_node_info"),
    ):
        note = report.check(check).evidence[0].note
        assert note is not None and note.render(T_EN).startswith(f"3 series of {metric}")
