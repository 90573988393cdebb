"""Running the checklist: in order, skipping what a failed check makes pointless, within a budget.

`run_site_doctor` never raises for what it finds at the site: every upstream error becomes a
failed check with evidence and fix. Only a bad site name (`InvalidName`) or a bad setting
(`InvalidName` from the Prometheus service reference) is raised, before anything is sent.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from i3plat.doctor import karmada_checks as kc
from i3plat.doctor import prometheus_checks as pc
from i3plat.doctor.fixes import evidence_of, fix_for
from i3plat.doctor.model import (
    CHECKS,
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
    SPEC_BY_ID,
    Check,
    CheckSpec,
    Evidence,
    Outcome,
    SiteReport,
    Status,
    Text,
    fail,
    text,
)
from i3plat.doctor.probe import Probe
from i3plat.i18n import N_
from i3plat.karmada_client import (
    KarmadaClient,
    KarmadaError,
    clusters_path,
    parse_cluster_list,
    parse_service_ref,
    validate_name,
)
from i3plat.promql.errors import PromQLError
from i3plat.settings import Settings

log = logging.getLogger(__name__)

DEFAULT_REQUEST_TIMEOUT = 15.0
DEFAULT_BUDGET = 120.0
MAX_PARALLEL_SITES = 4

CheckFn = Callable[[Probe], Outcome]
FUNCTIONS: dict[str, CheckFn] = {
    CLUSTER_REGISTERED: kc.check_registered,
    CLUSTER_READY: kc.check_ready,
    CLUSTER_ENDPOINT: kc.check_endpoint,
    PROXY_VERSION: kc.check_version,
    PROXY_IMPERSONATION: kc.check_impersonation,
    MEMBER_SERVICES_PROXY: kc.check_services_proxy,
    PROMETHEUS_READY: pc.check_prometheus,
    SERIES_NODE_EXPORTER: pc.check_node_exporter,
    SERIES_KUBE_STATE_METRICS: pc.check_kube_state_metrics,
    SERIES_DCGM: pc.check_dcgm,
    PROMETHEUS_PROFILE: pc.check_profile,
    PROMETHEUS_FRESHNESS: pc.check_freshness,
}
VIA_KARMADA_ONLY = frozenset({CLUSTER_REGISTERED})
"""Checks whose requests never go through the cluster proxy (for the wording of a 401)."""


@dataclass(frozen=True)
class DoctorOptions:
    request_timeout: float = DEFAULT_REQUEST_TIMEOUT
    """Longest wait for one answer."""
    budget: float = DEFAULT_BUDGET
    """Longest time for one site's whole checklist; checks not started by then are skipped."""

    def __post_init__(self) -> None:
        for name in ("request_timeout", "budget"):
            value = getattr(self, name)
            if not 1.0 <= value <= 600.0:
                raise ValueError(f"{name} must be between 1 and 600 seconds, got {value!r}")


def blocker_of(spec: CheckSpec, done: dict[str, Check], roots: dict[str, str]) -> str | None:
    """The failed check (the root cause, through skipped ones) that makes `spec` pointless."""
    for need in spec.needs:
        status = done[need].status
        if status is Status.FAIL:
            return need
        if status is Status.SKIPPED and need in roots:
            return roots[need]
    return None


def skipped(spec: CheckSpec, why: Text) -> Check:
    return Check(spec.id, spec.title, Status.SKIPPED, (Evidence(note=why),))


def run_check(spec: CheckSpec, probe: Probe) -> Outcome:
    """One check; upstream errors become a failed outcome, anything else is a bug shown as one."""
    try:
        return FUNCTIONS[spec.id](probe)
    except (KarmadaError, PromQLError) as exc:
        return fail(fix_for(exc, probe.where(), via_proxy=spec.id not in VIA_KARMADA_ONLY), evidence_of(exc))
    except Exception as exc:
        log.exception("doctor check %s failed unexpectedly for site %s", spec.id, probe.site)
        return fail(
            text(
                N_(
                    "This is a bug in the doctor, not a problem of the site; please report it with "
                    "the evidence."
                )
            ),
            Evidence(message=f"{type(exc).__name__}: {exc}"[:400], code="internal"),
        )


def run_checks(probe: Probe) -> tuple[Check, ...]:
    done: dict[str, Check] = {}
    roots: dict[str, str] = {}
    for spec in CHECKS:
        blocker = blocker_of(spec, done, roots)
        if blocker is not None:
            roots[spec.id] = blocker
            title = Text(SPEC_BY_ID[blocker].title)
            done[spec.id] = skipped(spec, text(N_("Skipped because “{check}” did not pass."), check=title))
            continue
        if probe.remaining() <= 0:
            budget = text(N_("Skipped: this site's time budget ran out."))
            done[spec.id] = skipped(spec, budget)
            continue
        began = time.perf_counter()
        outcome = run_check(spec, probe)
        done[spec.id] = Check(
            spec.id, spec.title, outcome.status, outcome.evidence, outcome.fix, time.perf_counter() - began
        )
    endpoint = done[CLUSTER_ENDPOINT]
    if endpoint.status is not Status.SKIPPED:
        proxy_failed = done[PROXY_VERSION].status is Status.FAIL
        revised = kc.revise_endpoint(
            Outcome(endpoint.status, endpoint.evidence, endpoint.fix), probe, proxy_failed=proxy_failed
        )
        done[CLUSTER_ENDPOINT] = Check(
            endpoint.id, endpoint.title, revised.status, revised.evidence, revised.fix, endpoint.seconds
        )
    return tuple(done[spec.id] for spec in CHECKS)


def run_site_doctor(
    site: str,
    karmada: KarmadaClient,
    settings: Settings,
    options: DoctorOptions | None = None,
    *,
    clock: Callable[[], float] = time.monotonic,
) -> SiteReport:
    """Every check for one site, in order; see the module docstring for what raises."""
    validate_name("site", site)
    opts = options or DoctorOptions()
    setting = settings.prometheus_service_for(site)
    probe = Probe(
        site=site,
        karmada=karmada,
        service_setting=setting,
        service=parse_service_ref(setting),
        profile_overrides=settings.profile_overrides_for(site),
        request_timeout=opts.request_timeout,
        deadline=clock() + opts.budget,
        clock=clock,
    )
    started_at = time.time()
    began = time.perf_counter()
    try:
        checks = run_checks(probe)
    finally:
        probe.close()
    return SiteReport(site, checks, started_at, time.perf_counter() - began)


def list_sites(karmada: KarmadaClient, timeout: float = DEFAULT_REQUEST_TIMEOUT) -> list[str]:
    """Names of every registered cluster, sorted (raises the client's typed errors)."""
    response = karmada.request("GET", clusters_path(), timeout=timeout)
    return sorted(c.name for c in parse_cluster_list(response.json()))


def run_doctor(
    sites: Sequence[str], karmada: KarmadaClient, settings: Settings, options: DoctorOptions | None = None
) -> list[SiteReport]:
    """Several sites side by side (a few at a time, so 200 sites do not flood Karmada)."""
    if not sites:
        return []
    workers = min(MAX_PARALLEL_SITES, len(sites))
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="i3plat-doctor") as pool:
        return list(pool.map(lambda s: run_site_doctor(s, karmada, settings, options), sites))
