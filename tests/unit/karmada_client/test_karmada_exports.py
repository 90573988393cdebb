from __future__ import annotations

import ast
import types
from pathlib import Path

import i3plat.karmada_client as kc

PACKAGE = Path(kc.__file__).parent


def test_exported_members() -> None:
    assert kc.__all__ == sorted(kc.__all__)
    assert len(set(kc.__all__)) == len(kc.__all__)
    public = {
        name
        for name in dir(kc)
        if not name.startswith("_") and not isinstance(getattr(kc, name), types.ModuleType)
    }
    assert set(kc.__all__) == public


def test_contract_names_exist() -> None:
    contract = [
        "ClientConfig",
        "load_kubeconfig",
        "load_incluster_config",
        "load_config",
        "SyncMode",
        "Condition",
        "Taint",
        "NodeSummary",
        "ResourceSummary",
        "Resources",
        "Cluster",
        "parse_cluster",
        "parse_cluster_list",
        "parse_quantity",
        "validate_name",
        "cluster_path",
        "clusters_path",
        "cluster_proxy_path",
        "service_proxy_path",
        "parse_service_ref",
        "ServiceRef",
        "pod_list_path",
        "pod_log_path",
        "namespace_list_path",
        "KarmadaError",
        "ConfigError",
        "InvalidName",
        "TransportError",
        "ConnectError",
        "TLSError",
        "ClientTimeout",
        "ApiError",
        "Unauthorized",
        "Forbidden",
        "KarmadaForbidden",
        "ImpersonationForbidden",
        "MemberForbidden",
        "NotFound",
        "BadRequest",
        "ClusterUnreachable",
        "AggregatedApiUnavailable",
        "ServiceUnavailable",
        "NoEndpoints",
        "GatewayTimeout",
        "error_from_response",
        "raise_for_proxy_status",
        "KarmadaClient",
        "PodInfo",
        "DEFAULT_TIMEOUT",
    ]
    missing = [name for name in contract if name not in kc.__all__]
    assert missing == []
    for method in (
        "close",
        "request",
        "clusters",
        "cluster",
        "proxy",
        "member_version",
        "service_proxy",
        "service_client",
        "namespaces",
        "pods",
        "pod_log",
        "__enter__",
        "__exit__",
    ):
        assert callable(getattr(kc.KarmadaClient, method))


def test_imports_nothing_else_from_i3plat() -> None:
    for path in PACKAGE.glob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom):
                assert node.level == 1 or not (node.module or "").startswith("i3plat"), path.name
            elif isinstance(node, ast.Import):
                assert not any(a.name.startswith("i3plat") for a in node.names), path.name
