"""The registration wizard's server side against the simulated control plane over HTTPS.

The token Secret lands in the simulator with the right type, fields and expiry; the register
command pins the simulator's CA (hash computed here, independently, from the kubeconfig's CA); bad
input and a taken name create nothing; a site added while the wizard polls is seen and so is its
Ready transition.
"""

from __future__ import annotations

import base64
import hashlib
import shlex
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml
from cryptography import x509
from cryptography.hazmat.primitives import serialization

from i3plat.collector.access import SiteAccess
from i3plat.collector.registration import observe_cluster, record_observation, start_registration
from i3plat.components.register_progress import phase_of
from i3plat.federation_sim import (
    FederationConfig,
    RunningFederation,
    SiteSpec,
    demo_sites,
    secret_store,
    start_federation,
)
from i3plat.karmada_client import AlreadyExists, Invalid, KarmadaClient, NotFound, load_kubeconfig
from i3plat.karmada_client.bootstrap import RegistrationRequest, secret_path, secrets_path
from i3plat.settings import Settings
from tests.support.procs import wait_for

pytestmark = pytest.mark.integration

NO_DNS: Any = lambda host: pytest.fail(f"{host} must not be looked up")  # noqa: E731
ENDPOINT = "https://10.20.9.5:6443"


@pytest.fixture(scope="module")
def fed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningFederation]:
    config = FederationConfig(sites=demo_sites(), data_dir=tmp_path_factory.mktemp("reg"), prometheus="none")
    with start_federation(config) as running:
        yield running


@pytest.fixture(scope="module")
def access(fed: RunningFederation, tmp_path_factory: pytest.TempPathFactory) -> Iterator[SiteAccess]:
    settings = Settings(data_dir=tmp_path_factory.mktemp("console"), kubeconfig=fed.kubeconfig_path)
    shared = SiteAccess(settings, lambda: KarmadaClient(load_kubeconfig(fed.kubeconfig_path)))
    yield shared
    shared.close()


def tokens(fed: RunningFederation) -> list[dict[str, Any]]:
    return secret_store(fed.federation).secrets("kube-system")


def decoded(secret: dict[str, Any]) -> dict[str, str]:
    return {k: base64.b64decode(v).decode() for k, v in secret["data"].items()}


def kubeconfig_ca_pin(kubeconfig: Path) -> tuple[str, str]:
    """(server host:port, sha256 pin of the CA) read straight from the kubeconfig file."""
    config = yaml.safe_load(kubeconfig.read_text())
    cluster = config["clusters"][0]["cluster"]
    cert = x509.load_pem_x509_certificate(Path(cluster["certificate-authority"]).read_bytes())
    spki = cert.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return cluster["server"].removeprefix("https://"), "sha256:" + hashlib.sha256(spki).hexdigest()


def test_the_token_secret_is_created_with_type_fields_and_expiry(
    fed: RunningFederation, access: SiteAccess
) -> None:
    before = {s["metadata"]["name"] for s in tokens(fed)}
    started = datetime.now(UTC).replace(microsecond=0)
    outcome = start_registration(
        access, RegistrationRequest("fab-wuxi", ENDPOINT, ttl_hours=6), resolve=NO_DNS
    )
    finished = datetime.now(UTC)
    assert outcome.plan is not None and outcome.plan.token is not None, outcome
    token = outcome.plan.token
    new = [s for s in tokens(fed) if s["metadata"]["name"] not in before]
    assert [s["metadata"]["name"] for s in new] == [f"bootstrap-token-{token.id}"]
    secret = new[0]
    assert secret["metadata"]["namespace"] == "kube-system"
    assert secret["type"] == "bootstrap.kubernetes.io/token"
    fields = decoded(secret)
    assert fields["token-id"] == token.id and fields["token-secret"] == token.secret
    assert fields["usage-bootstrap-authentication"] == fields["usage-bootstrap-signing"] == "true"
    assert fields["auth-extra-groups"] == "system:bootstrappers:karmada:default-cluster-token"
    assert "fab-wuxi" in fields["description"]
    expires = datetime.strptime(fields["expiration"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    assert started + timedelta(hours=6) <= expires <= finished + timedelta(hours=6)
    # The same object is served by the API, as `karmadactl token list` would read it.
    client = access.karmada
    listed = client.request(
        "GET", secrets_path("kube-system"), params={"fieldSelector": "type=bootstrap.kubernetes.io/token"}
    ).json()
    assert f"bootstrap-token-{token.id}" in [i["metadata"]["name"] for i in listed["items"]]


def test_the_register_command_pins_the_simulator_ca(fed: RunningFederation, access: SiteAccess) -> None:
    address, pin = kubeconfig_ca_pin(fed.kubeconfig_path)
    outcome = start_registration(access, RegistrationRequest("fab-xian", ENDPOINT), resolve=NO_DNS)
    assert outcome.plan is not None
    steps = {s.key: s.commands for s in outcome.plan.steps}
    args = shlex.split(steps["register"][0])
    assert args[:3] == ["karmadactl", "register", address]
    assert args[args.index("--discovery-token-ca-cert-hash") + 1] == pin
    assert args[args.index("--cluster-name") + 1] == "fab-xian"
    assert args[args.index("--token") + 1] == outcome.plan.token.value  # type: ignore[union-attr]
    assert f"--cluster-api-endpoint={ENDPOINT}" in steps["agent"][0]


@pytest.mark.parametrize(
    ("request_", "field", "code"),
    [
        (RegistrationRequest("fab-suzhou", ENDPOINT), "site", "already_registered"),
        (RegistrationRequest("Fab_Wuxi", ENDPOINT), "site", "not_dns_label"),
        (RegistrationRequest("fab-new", "http://10.20.9.5:6443"), "api_endpoint", "scheme"),
        (RegistrationRequest("fab-new", "10.20.9.5:6443"), "api_endpoint", "scheme"),
    ],
)
def test_refused_input_creates_nothing(
    fed: RunningFederation, access: SiteAccess, request_: RegistrationRequest, field: str, code: str
) -> None:
    before = tokens(fed)
    outcome = start_registration(access, request_, resolve=NO_DNS)
    assert outcome.plan is None and outcome.refused is not None
    assert [(p.field, p.code) for p in outcome.refused.problems] == [(field, code)]
    assert tokens(fed) == before


def test_warnings_need_confirmation_before_anything_is_created(
    fed: RunningFederation, access: SiteAccess
) -> None:
    before = tokens(fed)
    loopback = RegistrationRequest("fab-loop", "https://127.0.0.1:6443")
    first = start_registration(access, loopback, resolve=NO_DNS)
    assert first.needs_confirmation and [w.code for w in first.warnings] == ["loopback"]
    assert tokens(fed) == before
    confirmed = start_registration(access, loopback, resolve=NO_DNS, accept_warnings=True)
    assert confirmed.plan is not None and len(tokens(fed)) == len(before) + 1


def test_secret_api_answers_like_kubernetes(access: SiteAccess) -> None:
    client = access.karmada
    body = b'{"apiVersion":"v1","kind":"Secret","metadata":{"name":"Bad_Name"}}'
    with pytest.raises(Invalid) as invalid:
        client.request("POST", secrets_path("kube-system"), content=body)
    assert invalid.value.status_code == 422 and invalid.value.causes[0][0] == "metadata.name"
    good = b'{"metadata":{"name":"probe"},"stringData":{"a":"b"}}'
    created = client.request("POST", secrets_path("default"), content=good)
    assert created.status_code == 201 and created.json()["data"] == {"a": "Yg=="}
    with pytest.raises(AlreadyExists):
        client.request("POST", secrets_path("default"), content=good)
    assert client.request("DELETE", secret_path("default", "probe")).json()["status"] == "Success"
    with pytest.raises(NotFound) as missing:
        client.request("GET", secret_path("default", "probe"))
    assert (missing.value.kind, missing.value.name) == ("secrets", "probe")
    with pytest.raises(NotFound) as no_ns:
        client.request("GET", secrets_path("no-such-ns"))
    assert no_ns.value.kind == "namespaces"


def test_a_site_added_while_waiting_is_seen_and_turns_ready(
    fed: RunningFederation, access: SiteAccess
) -> None:
    site = "fab-hefei"
    outcome = start_registration(access, RegistrationRequest(site, ENDPOINT), resolve=NO_DNS)
    assert outcome.plan is not None
    state: dict[str, Any] = {"history": None, "polls": 0}
    stop = threading.Event()

    def poll() -> None:  # what the page's interval does, faster
        while not stop.is_set():
            state["history"] = record_observation(state["history"], observe_cluster(access, site))
            state["polls"] += 1
            stop.wait(0.05)

    poller = threading.Thread(target=poll, daemon=True)
    poller.start()
    try:
        wait_for(lambda: state["polls"] >= 3, 10, "the first polls")
        assert phase_of(state["history"]) == "waiting"
        fed.add_site(SiteSpec(name=site, api_endpoint=ENDPOINT, ready="Unknown", created_days_ago=0.0))
        wait_for(lambda: phase_of(state["history"]) == "registered", 10, "the Cluster to appear")
        fed.set_ready(site, "True")
        wait_for(lambda: phase_of(state["history"]) == "ready", 10, "the Ready transition")
    finally:
        stop.set()
        poller.join(5)
        fed.remove_site(site)
    changes = state["history"]["changes"]
    readiness = [(c["present"], c["ready"]) for c in changes]
    assert readiness == [(False, None), (True, "Unknown"), (True, "True")]
    ready = next(c for c in changes[-1]["conditions"] if c["type"] == "Ready")
    assert (ready["reason"], ready["message"]) == (
        "ClusterReady",
        "cluster is healthy and ready to accept workloads",
    )
    assert changes[1]["sync_mode"] == "Pull" and changes[1]["api_endpoint"] == ENDPOINT
