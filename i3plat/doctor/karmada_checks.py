"""Checks of the path to the member: the Cluster object, its endpoint, the cluster proxy, identity.

Each function takes the run's `Probe` and returns an `Outcome`; typed client errors it does not
handle itself propagate to the runner, which turns them into a failed check with evidence and fix.
"""

from __future__ import annotations

from decimal import Decimal

import httpx

from i3plat.doctor.endpoint import UNREACHABLE_KINDS, EndpointKind, classify_endpoint
from i3plat.doctor.fixes import evidence_of, fix_for
from i3plat.doctor.model import Evidence, Outcome, Text, fail, note, ok, text, warn
from i3plat.doctor.probe import Probe
from i3plat.i18n import N_
from i3plat.karmada_client import (
    ImpersonationForbidden,
    MalformedResponse,
    MemberForbidden,
    NotFound,
    ServiceUnavailable,
    cluster_path,
    parse_cluster,
    pod_list_path,
)

PROBE_NAMESPACE = "kube-system"
"""Exists in every cluster, so a namespaced read there tests impersonation and nothing else."""


def seen(response: httpx.Response, note_: Text | None = None) -> Evidence:
    """Evidence of a successful exchange."""
    request = response.request
    return Evidence(
        note=note_, http_status=response.status_code, request=f"{request.method} {request.url.path}"
    )


def json_object(response: httpx.Response, site: str) -> dict[str, object]:
    try:
        body = response.json()
    except ValueError:
        raise MalformedResponse("body", "not JSON", cluster=site, status_code=response.status_code) from None
    if not isinstance(body, dict):
        raise MalformedResponse(
            "body", "expected a JSON object", cluster=site, status_code=response.status_code
        )
    return body


def gpus_of(probe: Probe) -> int | None:
    """Allocatable nvidia.com/gpu as Karmada reports it (None when it reports no summary)."""
    summary = probe.cluster.resource_summary if probe.cluster else None
    if summary is None:
        return None
    return int(summary.allocatable.gpu.to_integral_value()) if summary.allocatable.gpu > Decimal(0) else 0


# ------------------------------------------------------------------------------ the Cluster


def check_registered(probe: Probe) -> Outcome:
    response = probe.get(cluster_path(probe.site))
    cluster = parse_cluster(json_object(response, probe.site))
    probe.cluster = cluster
    return ok(
        seen(
            response,
            text(
                N_("Sync mode {mode}; Kubernetes {version}; {nodes} nodes"),
                mode=cluster.sync_mode.value if cluster.sync_mode else "?",
                version=cluster.kubernetes_version or "?",
                nodes=cluster.node_summary.total if cluster.node_summary else "?",
            ),
        )
    )


READY_FIXES = {
    "ClusterNotReachable": N_(
        "Karmada cannot reach the member to probe its health. For a Push cluster check the API "
        "endpoint from the control plane; for a Pull cluster check that karmada-agent runs in the "
        "member and reaches the Karmada API."
    ),
    "ClusterStatusUnknown": N_(
        "karmada-agent in the member stopped reporting. Check the agent's pod in namespace "
        "karmada-system of the member, its logs and its connection to the Karmada API."
    ),
    "ClusterStatusNeverUpdated": N_(
        "The cluster's status was never posted: karmada-agent never started or never reached the "
        "Karmada API. Check the agent deployment in namespace karmada-system of the member."
    ),
    "ClusterNotReady": N_(
        "The member API server answered its health check without ok. Check the member's control "
        "plane (kubectl get --raw '/readyz?verbose' in the member)."
    ),
    "StatusCollectionFailed": N_(
        "Karmada could not build a client for the member: check the cluster's secret "
        "karmada-cluster/{site} and its API endpoint."
    ),
}


def check_ready(probe: Probe) -> Outcome:
    cluster = probe.cluster
    assert cluster is not None  # needs cluster.registered
    condition = cluster.ready
    if condition is None:
        return fail(
            text(READY_FIXES["ClusterStatusNeverUpdated"]),
            note(N_("The Cluster has no Ready condition yet.")),
        )
    seen_ = note(
        N_("Ready={status}, reason {reason}: {detail}"),
        status=condition.status,
        reason=condition.reason or "—",
        detail=condition.message or "—",
    )
    if condition.status == "True":
        return nodes_not_ready_warning(probe, seen_) or ok(seen_)
    msgid = READY_FIXES.get(
        condition.reason or "",
        N_("Read the condition's reason and message above; the Karmada controller logs say more."),
    )
    return fail(text(msgid, site=probe.site), seen_)


def nodes_not_ready_warning(probe: Probe, seen_: Evidence) -> Outcome | None:
    """Karmada's Ready says the API server answers; nodes that are not Ready still stop work."""
    summary = probe.cluster.node_summary if probe.cluster is not None else None
    if summary is None or summary.ready >= summary.total:
        return None
    counted = note(
        N_("Karmada counts {ready} of {total} nodes Ready."), ready=summary.ready, total=summary.total
    )
    fix = text(
        N_(
            "Nodes not Ready: {n}. Work scheduled there stops. On the site, `kubectl get nodes` "
            "names them and `kubectl describe node NAME` says why (kubelet, disk or memory "
            "pressure, network)."
        ),
        n=summary.total - summary.ready,
    )
    return warn(fix, seen_, counted)


def check_endpoint(probe: Probe) -> Outcome:
    """Judged from the Cluster alone; the runner revises it once the proxy has been tried."""
    cluster = probe.cluster
    assert cluster is not None
    info = classify_endpoint(cluster.api_endpoint)
    proxy = cluster.proxy_url
    seen_ = note(
        N_("apiEndpoint {endpoint} ({kind}); proxyURL {proxy}"),
        endpoint=cluster.api_endpoint or "—",
        kind=text(KIND_NAMES[info.kind]),
        proxy=proxy or "—",
    )
    if info.kind in (EndpointKind.MISSING, EndpointKind.INVALID):
        return fail(
            text(
                N_(
                    "Set karmada-agent's --cluster-api-endpoint (Pull) or re-join the cluster (Push) "
                    "with the https:// URL of the member's API server as reachable from the central "
                    "cloud."
                )
            ),
            seen_,
        )
    if info.kind in UNREACHABLE_KINDS:
        fix = text(
            N_(
                "Karmada dials {endpoint} from the central cloud, where it reaches nothing of the "
                "member. Re-register with --cluster-api-endpoint set to the member API address as "
                "reachable from the central cloud (karmadactl register takes the server of the "
                "kubeconfig it runs with, often https://127.0.0.1:6443), or edit the karmada-agent "
                "deployment's --cluster-api-endpoint."
            ),
            endpoint=cluster.api_endpoint or "",
        )
        # Through ANP the address is dialled on the member's side, where it may work.
        return warn(fix, seen_) if proxy else fail(fix, seen_)
    if info.kind in (EndpointKind.PRIVATE, EndpointKind.UNQUALIFIED) and not proxy:
        return warn(
            text(
                N_(
                    "{endpoint} is a private or short name: it works only if the central cloud routes "
                    "to it (VPN, leased line). A Pull cluster is reached the same way — the agent does "
                    "not tunnel; for NAT'd sites use apiserver-network-proxy and spec.proxyURL."
                ),
                endpoint=cluster.api_endpoint or "",
            ),
            seen_,
        )
    return ok(seen_)


KIND_NAMES = {
    EndpointKind.MISSING: N_("missing"),
    EndpointKind.INVALID: N_("not an http(s) URL"),
    EndpointKind.LOOPBACK: N_("loopback"),
    EndpointKind.UNSPECIFIED: N_("unspecified address"),
    EndpointKind.LINK_LOCAL: N_("link-local"),
    EndpointKind.CLUSTER_LOCAL: N_("in-cluster name"),
    EndpointKind.UNQUALIFIED: N_("short host name"),
    EndpointKind.PRIVATE: N_("private address"),
    EndpointKind.PUBLIC: N_("public address"),
    EndpointKind.HOSTNAME: N_("host name"),
}


def revise_endpoint(outcome: Outcome, probe: Probe, *, proxy_failed: bool) -> Outcome:
    """Evidence beats classification, both ways: the proxy reached the member through the
    address (it works), or tried and reached nothing (a well-formed address is not "reachable")."""
    if outcome.status.value in ("warn", "fail") and probe.reached_member:
        return ok(*outcome.evidence, note(N_("The cluster proxy reached the member through it.")))
    if outcome.status.value == "ok" and proxy_failed and not probe.reached_member:
        fix = text(
            N_(
                "The address looks right, but Karmada could not connect to the member through it "
                "just now (see the cluster proxy check below): the member's API server is down or "
                "unreachable from the central cloud, or the address is not the one the central "
                "cloud can use."
            )
        )
        return warn(fix, *outcome.evidence)
    return outcome


# ------------------------------------------------------------------------------ the proxy


def check_version(probe: Probe) -> Outcome:
    try:
        response = probe.member_get("/version")
    except (ImpersonationForbidden, MemberForbidden) as exc:
        probe.reached_member = True  # the member itself answered
        return ok(evidence_of(exc), note(N_("The member answered; its refusal is checked next.")))
    probe.reached_member = True
    version = json_object(response, probe.site).get("gitVersion")
    return ok(seen(response, text(N_("Member Kubernetes {version}"), version=str(version or "?"))))


def check_impersonation(probe: Probe) -> Outcome:
    path = pod_list_path(probe.site, PROBE_NAMESPACE)
    try:
        response = probe.get(path, params={"limit": "1"})
    except ImpersonationForbidden as exc:
        probe.identity()
        return fail(fix_for(exc, probe.where()), evidence_of(exc))
    except MemberForbidden as exc:
        return warn(
            text(
                N_(
                    "Impersonation works, but {who} may not list pods in {namespace}. Monitoring does "
                    "not need it; the logs page needs get and list on pods and pods/log."
                ),
                who=f'"{exc.user}"' if exc.user else text(N_("the console's identity")),
                namespace=PROBE_NAMESPACE,
            ),
            evidence_of(exc),
        )
    return ok(
        seen(
            response,
            text(N_("Listed pods in {namespace} as the console's own identity."), namespace=PROBE_NAMESPACE),
        )
    )


def check_services_proxy(probe: Probe) -> Outcome:
    """GET and POST on the Prometheus service proxy: any answer but a 403 means RBAC allowed it."""
    evidence: list[Evidence] = []
    for method, path, data in (("GET", "/-/ready", None), ("POST", "/api/v1/query", {"query": "vector(1)"})):
        try:
            response = probe.service_request(method, path, data=data)
        except MemberForbidden as exc:
            if exc.resource != "services/proxy":
                raise
            return fail(fix_for(exc, probe.where()), *evidence, evidence_of(exc))
        except (ServiceUnavailable, NotFound) as exc:
            if isinstance(exc, NotFound) and exc.kind not in ("services", "endpoints"):
                raise
            # The member's authorizer ran before the service lookup; Prometheus is checked next.
            evidence.append(evidence_of(exc))
            return ok(*evidence, note(N_("The member authorised the request; its answer is checked next.")))
        evidence.append(
            seen(
                response,
                text(N_("{verb} allowed on services/proxy"), verb="get" if method == "GET" else "create"),
            )
        )
    return ok(*evidence)
