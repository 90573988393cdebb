"""Builders of Kubernetes `Status` bodies, shaped exactly as karmada-api.md §6 shows them.

Kept pure so the exact wording can be unit-tested; the server only serialises what these return.
"""

from __future__ import annotations

from typing import Any

StatusBody = dict[str, Any]

KARMADA_GROUP = "cluster.karmada.io"
IMPERSONATOR_USER = "system:serviceaccount:karmada-cluster:karmada-impersonator"


def build_status(
    code: int, message: str, reason: str = "", details: dict[str, str] | None = None
) -> StatusBody:
    """A failure Status in the generic apiserver's field order; empty `reason`/`details` are omitted."""
    body: StatusBody = {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure"}
    body["message"] = message
    if reason:
        body["reason"] = reason
    if details is not None:
        body["details"] = details
    body["code"] = code
    return body


def build_unauthorized() -> StatusBody:
    """401 for a missing or wrong bearer token."""
    return build_status(401, "Unauthorized", "Unauthorized")


def build_not_found(kind: str, name: str, group: str = "") -> StatusBody:
    """404 for a named object: `{kind}[.{group}] "{name}" not found`, as apimachinery writes it."""
    qualified = f"{kind}.{group}" if group else kind
    details = {"name": name, "group": group, "kind": kind} if group else {"name": name, "kind": kind}
    return build_status(404, f'{qualified} "{name}" not found', "NotFound", details)


def build_cluster_not_found(cluster: str) -> StatusBody:
    """§6.2: the cluster does not exist."""
    return build_not_found("clusters", cluster, KARMADA_GROUP)


def build_path_not_found() -> StatusBody:
    """404 for a path no API route serves."""
    return build_status(404, "the server could not find the requested resource", "NotFound", {})


def build_method_not_allowed() -> StatusBody:
    """405 for a verb the resource does not support."""
    return build_status(
        405, "the server does not allow this method on the requested resource", "MethodNotAllowed", {}
    )


def build_bad_request(message: str) -> StatusBody:
    """400 BadRequest without details (e.g. §6.6 dryRun)."""
    return build_status(400, message, "BadRequest")


def build_dry_run_not_supported() -> StatusBody:
    """§6.6: the proxy layer rejects `dryRun` before forwarding."""
    return build_bad_request("dryRun is not supported")


def build_internal_error(message: str) -> StatusBody:
    """§6.3: a non-API Go error (dial failure, nil impersonator...) becomes 500 with no reason."""
    return build_status(500, message)


def build_service_unavailable(message: str) -> StatusBody:
    """§6.9: the member's service proxy found no usable endpoint."""
    return build_status(503, message, "ServiceUnavailable")


def build_invalid(kind: str, name: str, message: str) -> StatusBody:
    """422 Invalid, as validation failures of request options are reported."""
    text = f'{kind} "{name}" is invalid: {message}'
    return build_status(422, text, "Invalid", {"name": name, "kind": kind})


def describe_forbidden_scope(namespace: str | None) -> str:
    """The tail of an RBAC denial: namespaced or cluster scope."""
    return f'in the namespace "{namespace}"' if namespace else "at the cluster scope"


def build_forbidden(
    *, user: str, verb: str, resource: str, group: str, name: str, kind: str, namespace: str | None = None
) -> StatusBody:
    """403 exactly as the RBAC authorizer phrases it (`{kind}[.{group}] "{name}" is forbidden: ...`)."""
    qualified = f"{kind}.{group}" if group else kind
    scope = describe_forbidden_scope(namespace)
    message = (
        f'{qualified} "{name}" is forbidden: User "{user}" cannot {verb} resource "{resource}" '
        f'in API group "{group}" {scope}'
    )
    details = {"name": name, "group": group, "kind": kind} if group else {"name": name, "kind": kind}
    return build_status(403, message, "Forbidden", details)


def build_cluster_proxy_forbidden(cluster: str, user: str, verb: str) -> StatusBody:
    """§6.1: Karmada's RBAC does not grant `clusters/proxy` to the caller."""
    return build_forbidden(
        user=user, verb=verb, resource="clusters/proxy", group=KARMADA_GROUP, name=cluster, kind="clusters"
    )


def build_impersonation_forbidden(name: str, resource: str = "groups") -> StatusBody:
    """§6.7: the member refuses to let Karmada's impersonator act as one of the caller's groups (or users)."""
    message = (
        f'{resource} "{name}" is forbidden: User "{IMPERSONATOR_USER}" cannot impersonate '
        f'resource "{resource}" in API group "" at the cluster scope'
    )
    return build_status(403, message, "Forbidden", {"name": name, "kind": resource})


def build_service_proxy_forbidden(service_id: str, user: str, verb: str, namespace: str) -> StatusBody:
    """§6.8: the impersonated user lacks `services/proxy` in the member namespace."""
    return build_forbidden(
        user=user,
        verb=verb,
        resource="services/proxy",
        group="",
        name=service_id,
        kind="services",
        namespace=namespace,
    )


def verb_for_method(method: str) -> str:
    """The RBAC verb the apiserver derives from an HTTP method on a proxy/connect path."""
    return {
        "GET": "get",
        "HEAD": "get",
        "OPTIONS": "get",
        "POST": "create",
        "PUT": "update",
        "PATCH": "patch",
        "DELETE": "delete",
    }.get(method.upper(), method.lower())
