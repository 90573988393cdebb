"""Authentication, TLS trust and kubeconfig of the simulated karmada-apiserver."""

from __future__ import annotations

import ssl

import httpx
import pytest
import yaml
from fedsim_helpers import CLUSTERS, trust

from i3plat.federation_sim import RunningFederation

pytestmark = pytest.mark.integration

UNAUTHORIZED = {
    "kind": "Status",
    "apiVersion": "v1",
    "metadata": {},
    "status": "Failure",
    "message": "Unauthorized",
    "reason": "Unauthorized",
    "code": 401,
}


@pytest.mark.parametrize(
    "headers",
    [{}, {"Authorization": "Bearer wrong-token"}, {"Authorization": "Basic dXNlcjpwYXNz"}],
    ids=["none", "wrong", "basic"],
)
@pytest.mark.parametrize(
    "path", [CLUSTERS, f"{CLUSTERS}/fab-suzhou/proxy/version", "/_sim/state", "/version"]
)
def test_requests_without_the_token_get_401_status(
    fed: RunningFederation, headers: dict[str, str], path: str
) -> None:
    with httpx.Client(base_url=fed.url, verify=trust(fed)) as anonymous:
        response = anonymous.get(path, headers=headers)
    assert response.status_code == 401
    assert response.json() == UNAUTHORIZED


def test_token_mismatch_does_not_count_as_a_proxied_request(fed: RunningFederation) -> None:
    before = fed.counters()["sites"]["fab-suzhou"]["total"]
    with httpx.Client(base_url=fed.url, verify=trust(fed)) as anonymous:
        assert anonymous.get(f"{CLUSTERS}/fab-suzhou/proxy/version").status_code == 401
    assert fed.counters()["sites"]["fab-suzhou"]["total"] == before


def test_healthz_needs_no_token(fed: RunningFederation) -> None:
    with httpx.Client(base_url=fed.url, verify=trust(fed)) as anonymous:
        response = anonymous.get("/healthz")
    assert (response.status_code, response.text) == (200, "ok")


def test_ca_file_verifies_the_server_certificate(fed: RunningFederation, client: httpx.Client) -> None:
    assert fed.ca_file.read_text().startswith("-----BEGIN CERTIFICATE-----")
    assert client.get("/version").status_code == 200
    with httpx.Client(base_url=fed.url.replace("127.0.0.1", "localhost"), verify=trust(fed)) as by_name:
        assert by_name.get("/healthz").status_code == 200


def test_client_not_trusting_the_ca_fails_tls(fed: RunningFederation) -> None:
    with (
        httpx.Client(base_url=fed.url, verify=ssl.create_default_context()) as untrusting,
        pytest.raises(httpx.ConnectError, match="CERTIFICATE_VERIFY_FAILED"),
    ):
        untrusting.get("/healthz")
    # The server survives a failed handshake and keeps serving.
    with httpx.Client(base_url=fed.url, verify=trust(fed)) as trusting:
        assert trusting.get("/healthz").status_code == 200


def test_kubeconfig_is_a_standard_kubeconfig_that_works(fed: RunningFederation) -> None:
    config = yaml.safe_load(fed.kubeconfig_path.read_text())
    assert config["apiVersion"] == "v1" and config["kind"] == "Config"
    assert config["current-context"] == "karmada-sim"
    (context,) = config["contexts"]
    assert context == {"name": "karmada-sim", "context": {"cluster": "karmada-sim", "user": "karmada-sim"}}
    (cluster,) = config["clusters"]
    assert cluster["cluster"] == {"server": fed.url, "certificate-authority": str(fed.ca_file.resolve())}
    (user,) = config["users"]
    assert user == {"name": "karmada-sim", "user": {"token": fed.token}}
    assert fed.kubeconfig_path.stat().st_mode & 0o077 == 0
    context_tls = ssl.create_default_context(cafile=cluster["cluster"]["certificate-authority"])
    headers = {"Authorization": f"Bearer {user['user']['token']}"}
    with httpx.Client(base_url=cluster["cluster"]["server"], verify=context_tls, headers=headers) as kube:
        assert kube.get(CLUSTERS).json()["kind"] == "ClusterList"
