"""Status bodies must equal karmada-api.md §6 byte for byte (as JSON)."""

from __future__ import annotations

import orjson

from i3plat.federation_sim import _status as status


def as_json(body: dict[str, object]) -> bytes:
    return orjson.dumps(body)


def test_karmada_rbac_forbidden_6_1() -> None:
    expected = (
        b'{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure",'
        b'"message":"clusters.cluster.karmada.io \\"site-a\\" is forbidden: User '
        b'\\"system:serviceaccount:monitoring:site-dash\\" cannot get resource \\"clusters/proxy\\" '
        b"in API group "
        b'\\"cluster.karmada.io\\" at the cluster scope",'
        b'"reason":"Forbidden","details":{"name":"site-a","group":"cluster.karmada.io","kind":"clusters"},"code":403}'
    )
    body = status.build_cluster_proxy_forbidden("site-a", "system:serviceaccount:monitoring:site-dash", "get")
    assert as_json(body) == expected


def test_cluster_not_found_6_2() -> None:
    expected = (
        b'{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure",'
        b'"message":"clusters.cluster.karmada.io \\"site-x\\" not found","reason":"NotFound",'
        b'"details":{"name":"site-x","group":"cluster.karmada.io","kind":"clusters"},"code":404}'
    )
    assert as_json(status.build_cluster_not_found("site-x")) == expected


def test_dial_error_6_3_has_no_reason() -> None:
    expected = (
        b'{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure",'
        b'"message":"dial tcp 10.20.0.5:6443: i/o timeout","code":500}'
    )
    assert as_json(status.build_internal_error("dial tcp 10.20.0.5:6443: i/o timeout")) == expected


def test_dry_run_6_6() -> None:
    expected = (
        b'{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure",'
        b'"message":"dryRun is not supported","reason":"BadRequest","code":400}'
    )
    assert as_json(status.build_dry_run_not_supported()) == expected


def test_impersonation_forbidden_6_7() -> None:
    expected = (
        b'{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure",'
        b'"message":"groups \\"system:serviceaccounts\\" is forbidden: User '
        b'\\"system:serviceaccount:karmada-cluster:karmada-impersonator\\" cannot impersonate '
        b'resource \\"groups\\" in API group \\"\\" at the cluster scope",'
        b'"reason":"Forbidden","details":{"name":"system:serviceaccounts","kind":"groups"},"code":403}'
    )
    assert as_json(status.build_impersonation_forbidden("system:serviceaccounts")) == expected


def test_service_proxy_forbidden_6_8() -> None:
    expected = (
        b'{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure",'
        b'"message":"services \\"prometheus-k8s:web\\" is forbidden: User '
        b'\\"system:serviceaccount:monitoring:site-dash\\" cannot get resource \\"services/proxy\\" '
        b'in API group \\"\\" in the namespace \\"monitoring\\"",'
        b'"reason":"Forbidden","details":{"name":"prometheus-k8s:web","kind":"services"},"code":403}'
    )
    body = status.build_service_proxy_forbidden(
        "prometheus-k8s:web", "system:serviceaccount:monitoring:site-dash", "get", "monitoring"
    )
    assert as_json(body) == expected


def test_service_unavailable_6_9() -> None:
    expected = (
        b'{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure",'
        b'"message":"no endpoints available for service \\"prometheus-k8s\\"","reason":"ServiceUnavailable",'
        b'"code":503}'
    )
    message = 'no endpoints available for service "prometheus-k8s"'
    assert as_json(status.build_service_unavailable(message)) == expected


def test_core_not_found_has_no_group() -> None:
    assert status.build_not_found("pods", "x") == {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
        "message": 'pods "x" not found',
        "reason": "NotFound",
        "details": {"name": "x", "kind": "pods"},
        "code": 404,
    }


def test_verbs_follow_http_methods() -> None:
    expected = {
        "GET": "get",
        "HEAD": "get",
        "POST": "create",
        "PUT": "update",
        "PATCH": "patch",
        "DELETE": "delete",
    }
    assert {method: status.verb_for_method(method) for method in expected} == expected
