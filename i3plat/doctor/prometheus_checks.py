"""Checks of the site's Prometheus through the service proxy: readiness, series, profile, freshness.

Series are counted by job (`count by (job) (…)`) without assuming job names, so a site with any
labelling flavour is judged on what it has; the profile check then shows how the console will
read it (promql.profiles, the same detection the collector uses).
"""

from __future__ import annotations

from i3plat.doctor.karmada_checks import gpus_of
from i3plat.doctor.model import Evidence, Outcome, Text, fail, note, ok, text, warn
from i3plat.doctor.probe import Probe
from i3plat.i18n import N_
from i3plat.promql.client import PrometheusClient
from i3plat.promql.profiles import detect_profile
from i3plat.promql.prom_errors import PrometheusNotReady
from i3plat.promql.site import ClientQuerier

NODE_EXPORTER_METRIC = "node_uname_info"
KSM_METRIC = "kube_node_info"
DCGM_METRIC = "DCGM_FI_DEV_GPU_UTIL"
FRESHNESS_QUERY = "time() - max(timestamp(up))"
DOWN_TARGETS_QUERY = "count by (job) (up == 0)"
STALE_AFTER_SCRAPES = 3
"""The newest sample may be this many scrape intervals old (plus slack) before it counts as stale."""
STALE_SLACK_SECONDS = 5.0


def queried(expr: str, note_: Text) -> Evidence:
    return Evidence(note=note_, http_status=200, request=f"POST /api/v1/query {expr}")


def count_by_job(prom: PrometheusClient, metric: str) -> tuple[str, dict[str, int]]:
    """(the query, series count per job) for `metric` right now."""
    expr = f"count by (job) ({metric})"
    counts: dict[str, int] = {}
    for series in prom.query(expr).series:
        if len(series):
            counts[series.labels.get("job", "")] = int(series.values[-1])
    return expr, counts


def describe_counts(expr: str, metric: str, counts: dict[str, int]) -> Evidence:
    jobs = ", ".join(f"{job or '—'}: {n}" for job, n in sorted(counts.items())) or "—"
    return queried(
        expr,
        text(
            N_("{count} series of {metric} (by job: {jobs})"),
            count=sum(counts.values()),
            metric=metric,
            jobs=jobs,
        ),
    )


def check_prometheus(probe: Probe) -> Outcome:
    prom = probe.prometheus()
    if not prom.ready():
        raise PrometheusNotReady(
            "Prometheus is not ready yet (still loading its TSDB)",
            status_code=503,
            upstream_message="Service Unavailable",
            cluster=probe.site,
        )
    info = prom.buildinfo()
    return ok(
        Evidence(
            note=text(
                N_("Prometheus {version} is ready at {service}"),
                version=info.version,
                service=probe.service_setting,
            ),
            http_status=200,
            request="GET /-/ready, GET /api/v1/status/buildinfo",
        )
    )


def check_node_exporter(probe: Probe) -> Outcome:
    expr, counts = count_by_job(probe.prometheus(), NODE_EXPORTER_METRIC)
    seen = describe_counts(expr, NODE_EXPORTER_METRIC, counts)
    if not counts:
        return fail(
            text(
                N_(
                    "Prometheus has no node-exporter series. Install node-exporter on every node "
                    "(kube-prometheus ships it) and make sure Prometheus scrapes it (ServiceMonitor or "
                    "scrape config); CPU, memory, disk and network panels stay empty until then."
                )
            ),
            seen,
        )
    total = probe.cluster.node_summary.total if probe.cluster and probe.cluster.node_summary else None
    found = sum(counts.values())
    if total is not None and found < total:
        return warn(
            text(
                N_(
                    "node-exporter reports {found} of the {total} nodes Karmada counts. Check the "
                    "node-exporter DaemonSet on the missing nodes (tolerations, node selectors)."
                ),
                found=found,
                total=total,
            ),
            seen,
        )
    return ok(seen)


def check_kube_state_metrics(probe: Probe) -> Outcome:
    expr, counts = count_by_job(probe.prometheus(), KSM_METRIC)
    seen = describe_counts(expr, KSM_METRIC, counts)
    if not counts:
        return fail(
            text(
                N_(
                    "Prometheus has no kube-state-metrics series. Install kube-state-metrics and make "
                    "sure Prometheus scrapes it; node readiness and pod counts need it."
                )
            ),
            seen,
        )
    return ok(seen)


def check_dcgm(probe: Probe) -> Outcome:
    expr, counts = count_by_job(probe.prometheus(), DCGM_METRIC)
    seen = describe_counts(expr, DCGM_METRIC, counts)
    gpus = gpus_of(probe)
    found = sum(counts.values())
    if not counts and not gpus:
        return ok(seen, note(N_("Karmada reports no allocatable nvidia.com/gpu here, so no DCGM is needed.")))
    if not counts:
        return warn(
            text(
                N_(
                    "Karmada reports {gpus} GPUs but Prometheus has no DCGM series. Install "
                    "dcgm-exporter (the NVIDIA GPU operator ships it) on the GPU nodes and let "
                    "Prometheus scrape it; the GPU panels stay empty until then."
                ),
                gpus=gpus or "?",
            ),
            seen,
        )
    if gpus and found < gpus:
        return warn(
            text(
                N_(
                    "DCGM reports {found} of the {gpus} GPUs Karmada counts. Check dcgm-exporter on "
                    "every GPU node."
                ),
                found=found,
                gpus=gpus,
            ),
            seen,
        )
    return ok(seen)


def yes_no(value: bool) -> Text:
    return text(N_("yes")) if value else text(N_("no"))


def check_profile(probe: Probe) -> Outcome:
    detected = detect_profile(ClientQuerier(probe.prometheus()))
    overrides = probe.profile_overrides
    profile = detected.with_overrides(overrides)
    probe.profile = profile
    seen = note(
        N_(
            "node-exporter job “{ne}” (node names from {style}); kube-state-metrics job “{ksm}”; DCGM "
            "job {dcgm} (host label {host}); recording rules: {rules}; scrape interval {interval} s"
        ),
        ne=profile.node_exporter_job,
        style=text(N_("the instance label"))
        if profile.node_label_style == "instance"
        else text(N_("a join through node_uname_info")),
        ksm=profile.kube_state_metrics_job,
        dcgm=profile.dcgm_job or text(N_("any matching .*dcgm.*")),
        host=profile.gpu_host_label,
        rules=yes_no(profile.recording_rules),
        interval=f"{profile.scrape_interval:g}",
    )
    differing = [
        f"{key}: {value!r} ≠ {getattr(detected, key)!r}"
        for key, value in sorted(overrides.items())
        if getattr(detected, key, value) != value
    ]
    if differing:
        return warn(
            text(
                N_(
                    "The profile configured for this site differs from what its Prometheus shows "
                    "(configured ≠ detected): {diffs}. Remove the override, or fix it, in the site's "
                    "profile settings."
                ),
                diffs="; ".join(differing),
            ),
            seen,
        )
    return ok(seen)


def check_freshness(probe: Probe) -> Outcome:
    prom = probe.prometheus()
    interval = (
        probe.profile.scrape_interval
        if probe.profile
        else float(probe.profile_overrides.get("scrape_interval", 15.0))
    )
    result = prom.query(FRESHNESS_QUERY)
    ages = [s.values[-1] for s in result.series if len(s)]
    if not ages:
        return fail(
            text(
                N_(
                    "Prometheus has stored no scrape in the last 5 minutes: scraping has stopped. Check "
                    "its targets and its logs (configuration reload, disk full, TSDB errors)."
                )
            ),
            queried(FRESHNESS_QUERY, text(N_("No sample of up within the lookback window"))),
        )
    age = max(0.0, ages[0])
    seen = queried(
        FRESHNESS_QUERY,
        text(
            N_("Newest scrape {age} s ago; scrape interval {interval} s"),
            age=f"{age:.0f}",
            interval=f"{interval:g}",
        ),
    )
    if age > STALE_AFTER_SCRAPES * interval + STALE_SLACK_SECONDS:
        return fail(
            text(
                N_(
                    "The newest scrape is {age} s old although Prometheus scrapes every {interval} s: "
                    "scraping has stalled, so charts end early. Check Prometheus's logs (disk full, "
                    "TSDB errors) and its targets."
                ),
                age=f"{age:.0f}",
                interval=f"{interval:g}",
            ),
            seen,
        )
    down = {
        s.labels.get("job", ""): int(s.values[-1]) for s in prom.query(DOWN_TARGETS_QUERY).series if len(s)
    }
    if down:
        jobs = ", ".join(f"{job or '—'}: {n}" for job, n in sorted(down.items()))
        return warn(
            text(
                N_(
                    "Some scrape targets are down ({jobs}). Check those exporters' pods and network policies."
                ),
                jobs=jobs,
            ),
            seen,
            queried(DOWN_TARGETS_QUERY, text(N_("Targets down by job: {jobs}"), jobs=jobs)),
        )
    return ok(seen)
