from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest
from karmada_test_helpers import SERVER, forbidden_transport, load_fixture, make_client

from i3plat.karmada_client import (
    DEFAULT_TIMEOUT,
    ClientConfig,
    ClientTimeout,
    ClusterUnreachable,
    ConfigError,
    InvalidName,
    KarmadaClient,
    KarmadaForbidden,
    MalformedResponse,
    NoEndpoints,
    NotFound,
    SyncMode,
    TLSError,
    raise_for_proxy_status,
)

P = "/apis/cluster.karmada.io/v1alpha1/clusters"
HOSTILE = ["../x", "a/b", "%2e%2e", "", "x" * 300, "..", "Site", "a b", "a\x00"]


def _json(obj: Any, code: int = 200) -> httpx.Response:
    return httpx.Response(code, json=obj)


def _status(statuses: dict[str, Any], key: str) -> httpx.Response:
    return httpx.Response(statuses[key]["code"], json=statuses[key])


@pytest.fixture
def guarded() -> KarmadaClient:
    return KarmadaClient(ClientConfig(server=SERVER, token="t"), transport=forbidden_transport())


@pytest.mark.parametrize("bad", HOSTILE)
def test_hostile_names_never_reach_a_request(guarded: KarmadaClient, bad: str) -> None:
    calls = [
        lambda: guarded.cluster(bad),
        lambda: guarded.proxy(bad, "GET", "/version"),
        lambda: guarded.member_version(bad),
        lambda: guarded.namespaces(bad),
        lambda: guarded.pods(bad, "ml"),
        lambda: guarded.pods("site-a", bad),
        lambda: guarded.pod_log("site-a", "ml", bad),
        lambda: guarded.pod_log("site-a", bad, "p"),
        lambda: guarded.pod_log(bad, "ml", "p"),
        lambda: guarded.pod_log("site-a", "ml", "p", container=bad),
        lambda: guarded.service_proxy("site-a", bad, "prometheus-k8s", "GET", "/api/v1/query"),
        lambda: guarded.service_proxy("site-a", "monitoring", bad, "GET", "/api/v1/query"),
        lambda: guarded.service_proxy(bad, "monitoring", "prometheus-k8s", "GET", "/api/v1/query"),
        lambda: guarded.service_client("site-a", "monitoring", bad),
        lambda: guarded.service_client(bad, "monitoring", "prometheus-k8s"),
    ]
    for call in calls:
        with pytest.raises(InvalidName):
            call()


@pytest.mark.parametrize("rest", ["/../secrets", "version", "/api/%2e%2e/x", "/a?b=1", "/a#b", "/a//b"])
def test_hostile_rest_never_reaches_a_request(guarded: KarmadaClient, rest: str) -> None:
    with pytest.raises(InvalidName):
        guarded.proxy("site-a", "GET", rest)
    with pytest.raises(InvalidName):
        guarded.service_proxy("site-a", "monitoring", "prometheus-k8s", "GET", rest)


@pytest.mark.parametrize("path", ["../x", "/a/../b", "/a/%2e%2e/b", "https://evil/x", "/a b", "/a?x", ""])
def test_request_refuses_unsafe_paths(guarded: KarmadaClient, path: str) -> None:
    with pytest.raises(InvalidName):
        guarded.request("GET", path)


def test_request_refuses_unknown_methods(guarded: KarmadaClient) -> None:
    with pytest.raises(InvalidName, match="method"):
        guarded.request("CONNECT", P)


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"tail_lines": 0}, "tail_lines"),
        ({"tail_lines": -5}, "tail_lines"),
        ({"tail_lines": 10**9}, "tail_lines"),
        ({"tail_lines": "10"}, "tail_lines"),
        ({"tail_lines": True}, "tail_lines"),
        ({"since_seconds": 0}, "since_seconds"),
        ({"since_seconds": 10**10}, "since_seconds"),
        ({"limit_bytes": 0}, "limit_bytes"),
        ({"limit_bytes": 2**40}, "limit_bytes"),
        ({"limit_bytes": 1.5}, "limit_bytes"),
        ({"previous": "yes"}, "previous"),
        ({"timestamps": 1}, "timestamps"),
        ({"container": "Trainer"}, "container"),
    ],
)
def test_pod_log_argument_validation(guarded: KarmadaClient, kwargs: dict[str, Any], field: str) -> None:
    with pytest.raises(ValueError) as info:
        guarded.pod_log("site-a", "ml", "p", **kwargs)
    assert isinstance(info.value, InvalidName) and info.value.field == field


def test_clusters_and_request_headers() -> None:
    client, rec = make_client(lambda r: _json(load_fixture("cluster_list.json")))
    with client:
        clusters = client.clusters()
    assert [c.name for c in clusters] == ["site-a", "site-b"]
    assert clusters[0].sync_mode is SyncMode.PULL
    (req,) = rec.requests
    assert req.method == "GET" and req.url == httpx.URL(SERVER + P)
    assert req.headers["authorization"] == "Bearer tok-123"
    assert req.headers["user-agent"] == "i3plat-console"
    assert req.extensions["timeout"] == DEFAULT_TIMEOUT.as_dict()
    assert DEFAULT_TIMEOUT.connect == 5.0 and DEFAULT_TIMEOUT.read is not None and DEFAULT_TIMEOUT.read >= 30


def test_cluster_not_found_carries_cluster(statuses: dict[str, Any]) -> None:
    client, rec = make_client(lambda r: _status(statuses, "404_cluster_not_found"))
    with pytest.raises(NotFound) as info:
        client.cluster("site-x")
    assert info.value.cluster == "site-x" and info.value.kind == "clusters"
    assert rec.requests[0].url.path == f"{P}/site-x"


def test_server_with_path_prefix() -> None:
    client, rec = make_client(
        lambda r: _json(load_fixture("cluster_site_a.json")), server="https://rancher.test/k8s/clusters/c-1"
    )
    assert client.cluster("site-a").name == "site-a"
    assert str(rec.requests[0].url) == f"https://rancher.test/k8s/clusters/c-1{P}/site-a"


def test_proxy_and_member_version(statuses: dict[str, Any]) -> None:
    version = {"major": "1", "minor": "31", "gitVersion": "v1.31.4"}
    client, rec = make_client(lambda r: _json(version))
    assert client.member_version("site-a") == version
    assert rec.requests[0].url.path == f"{P}/site-a/proxy/version"
    client2, _ = make_client(lambda r: _status(statuses, "500_dial_timeout"))
    with pytest.raises(ClusterUnreachable) as info:
        client2.member_version("site-b")
    assert info.value.cluster == "site-b" and info.value.unreachable_reason == "dial_timeout"
    client3, _ = make_client(lambda r: _status(statuses, "403_karmada_forbidden"))
    with pytest.raises(KarmadaForbidden):
        client3.proxy("site-a", "GET", "/api/v1/nodes", params={"limit": "5"})


def test_malformed_success_bodies() -> None:
    client, _ = make_client(lambda r: httpx.Response(200, text="<html>login</html>"))
    with pytest.raises(MalformedResponse) as info:
        client.member_version("site-a")
    assert info.value.field == "body" and info.value.cluster == "site-a"
    client2, _ = make_client(lambda r: _json([1, 2]))
    with pytest.raises(MalformedResponse):
        client2.clusters()


def test_namespaces_and_pods() -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/namespaces"):
            return _json(load_fixture("namespace_list.json"))
        return _json(load_fixture("pod_list.json"))

    client, rec = make_client(answer)
    assert client.namespaces("site-a") == ["default", "ml", "monitoring"]
    pods = client.pods("site-a", "ml", label_selector="batch.kubernetes.io/job-name=train-resnet-42")
    assert [p.name for p in pods] == ["train-resnet-42-x7k2p", "adc-infer-6d9f7c-abcde"]
    req = rec.requests[1]
    assert req.url.path == f"{P}/site-a/proxy/api/v1/namespaces/ml/pods"
    assert req.url.params["labelSelector"] == "batch.kubernetes.io/job-name=train-resnet-42"
    with pytest.raises(InvalidName):
        client.pods("site-a", "ml", label_selector="a=b\n")


def test_pod_log_params_and_text() -> None:
    client, rec = make_client(
        lambda r: httpx.Response(
            200, text="2025-06-04T09:00:07Z epoch 1 loss 0.41\n", headers={"content-type": "text/plain"}
        )
    )
    text = client.pod_log(
        "site-a",
        "ml",
        "train-resnet-42-x7k2p",
        container="trainer",
        tail_lines=200,
        timestamps=True,
        previous=True,
        since_seconds=3600,
    )
    assert text.startswith("2025-06-04T09:00:07Z epoch 1")
    req = rec.requests[0]
    assert req.url.path == f"{P}/site-a/proxy/api/v1/namespaces/ml/pods/train-resnet-42-x7k2p/log"
    assert dict(req.url.params) == {
        "container": "trainer",
        "tailLines": "200",
        "sinceSeconds": "3600",
        "previous": "true",
        "timestamps": "true",
    }
    client.pod_log("site-a", "ml", "p")
    assert dict(rec.requests[1].url.params) == {"limitBytes": str(4 * 1024 * 1024)}


def test_service_proxy_returns_backend_errors_and_raises_status(statuses: dict[str, Any]) -> None:
    prom_error = {"status": "error", "errorType": "bad_data", "error": 'invalid parameter "query"'}
    client, rec = make_client(lambda r: _json(prom_error, 400))
    r = client.service_proxy(
        "site-a", "monitoring", "prometheus-k8s", "POST", "/api/v1/query", data={"query": "up{"}, port=9090
    )
    assert r.status_code == 400 and r.json() == prom_error
    req = rec.requests[0]
    assert req.url.path == (
        f"{P}/site-a/proxy/api/v1/namespaces/monitoring/services/prometheus-k8s:9090/proxy/api/v1/query"
    )
    assert req.content == b"query=up%7B"
    assert req.headers["content-type"] == "application/x-www-form-urlencoded"
    client2, _ = make_client(lambda r: _status(statuses, "503_no_endpoints"))
    with pytest.raises(NoEndpoints) as info:
        client2.service_proxy(
            "site-a", "monitoring", "prometheus-k8s", "GET", "/api/v1/query", params={"query": "up"}
        )
    assert info.value.cluster == "site-a"


def test_service_client(statuses: dict[str, Any]) -> None:
    answers = iter(
        [
            _json({"status": "success", "data": {"resultType": "vector", "result": []}}),
            _status(statuses, "403_member_services_proxy"),
        ]
    )
    client, rec = make_client(
        lambda r: next(answers), server="https://karmada.test/prefix", tls_server_name="karmada-apiserver"
    )
    sc = client.service_client(
        "site-a", "monitoring", "prometheus-k8s", scheme="https", port="web", timeout=12
    )
    with sc:
        ok = sc.get("/api/v1/query", params={"query": "up"})
        assert ok.status_code == 200
        raise_for_proxy_status(ok, "site-a")
        denied = sc.post("api/v1/query", data={"query": "up"})
        with pytest.raises(Exception) as info:
            raise_for_proxy_status(denied, "site-a")
        assert type(info.value).__name__ == "MemberForbidden"
        for bad in (
            "../../../secrets",
            "/api/%2e%2e/x",
            "https://evil.test/api/v1/query",
            "http://karmada.test/prefix/x",
        ):
            with pytest.raises(InvalidName):
                sc.get(bad)
    first = rec.requests[0]
    assert str(first.url) == (
        "https://karmada.test/prefix/apis/cluster.karmada.io/v1alpha1/clusters/site-a/proxy"
        "/api/v1/namespaces/monitoring/services/https:prometheus-k8s:web/proxy/api/v1/query"
        "?query=up"
    )
    assert first.headers["authorization"] == "Bearer tok-123"
    assert first.extensions["sni_hostname"] == "karmada-apiserver"
    assert first.extensions["timeout"]["read"] == 12
    assert len(rec.requests) == 2
    # closing the service client leaves the KarmadaClient usable
    answers = iter([_json({"gitVersion": "v1"})])
    assert client.member_version("site-a") == {"gitVersion": "v1"}


@pytest.mark.parametrize(
    ("exc", "expected"),
    [
        (httpx.ReadTimeout("timed out"), ClientTimeout),
        (httpx.ConnectTimeout("timed out"), ClientTimeout),
        (httpx.ConnectError("[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed"), TLSError),
    ],
)
def test_transport_errors_are_translated_with_cluster(exc: Exception, expected: type[Exception]) -> None:
    def boom(request: httpx.Request) -> httpx.Response:
        raise exc

    client, _ = make_client(boom)
    with pytest.raises(expected) as info:
        client.member_version("site-a")
    assert info.value.cluster == "site-a"  # type: ignore[attr-defined]
    assert info.value.__cause__ is exc


def test_token_file_is_reread_on_401(tmp_path: Path) -> None:
    token_file = tmp_path / "token"
    token_file.write_text("old-token\n")
    seen: list[str] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request.headers["authorization"])
        if request.headers["authorization"] == "Bearer old-token":
            token_file.write_text("new-token")  # rotated meanwhile
            return httpx.Response(
                401,
                json={
                    "kind": "Status",
                    "apiVersion": "v1",
                    "status": "Failure",
                    "message": "Unauthorized",
                    "reason": "Unauthorized",
                    "code": 401,
                },
            )
        return _json({"gitVersion": "v1"})

    client = KarmadaClient(
        ClientConfig(server=SERVER, token_file=str(token_file)), transport=httpx.MockTransport(answer)
    )
    assert client.member_version("site-a") == {"gitVersion": "v1"}
    assert seen == ["Bearer old-token", "Bearer new-token"]
    assert client.member_version("site-a") == {"gitVersion": "v1"}
    assert seen[-1] == "Bearer new-token"


def test_token_file_is_reread_periodically(tmp_path: Path) -> None:
    from i3plat.karmada_client._tls import TOKEN_REFRESH_SECONDS, TokenAuth

    token_file = tmp_path / "token"
    token_file.write_text("a")
    now = [0.0]
    auth = TokenAuth("static", str(token_file), clock=lambda: now[0])
    assert auth.token() == "a"
    token_file.write_text("b")
    assert auth.token() == "a"
    now[0] += TOKEN_REFRESH_SECONDS
    assert auth.token() == "b"
    token_file.unlink()
    now[0] += TOKEN_REFRESH_SECONDS
    assert auth.token() == "b"  # keeps the last good token
    assert TokenAuth("static", str(tmp_path / "missing")).token() == "static"
    with pytest.raises(ConfigError, match="tokenFile"):
        TokenAuth(None, str(tmp_path / "missing")).token()


def test_unauthorized_without_token_file_is_not_retried() -> None:
    client, rec = make_client(lambda r: httpx.Response(401, text="Unauthorized"))
    with pytest.raises(Exception) as info:
        client.clusters()
    assert type(info.value).__name__ == "Unauthorized" and len(rec.requests) == 1


def test_config_repr_hides_secrets() -> None:
    cfg = ClientConfig(server=SERVER, token="very-secret", client_cert_data=(b"C", b"KEY"))
    assert "very-secret" not in repr(cfg) and "KEY" not in repr(cfg)
    assert "<redacted>" in repr(cfg)


def test_json_body_round_trip() -> None:
    client, rec = make_client(lambda r: _json({"ok": True}))
    client.proxy(
        "site-a",
        "POST",
        "/api/v1/namespaces/ml/configmaps",
        content=json.dumps({"a": 1}),
        headers={"content-type": "application/json"},
    )
    assert rec.requests[0].content == b'{"a": 1}'
