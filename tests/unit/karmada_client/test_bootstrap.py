"""Bootstrap tokens, their Secret, the CA pin, the printed commands and the refusals of bad input."""

from __future__ import annotations

import base64
import hashlib
import json
import re
import shlex
import shutil
import subprocess
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import httpx
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from karmada_test_helpers import SERVER, forbidden_transport, make_client

from i3plat.karmada_client import (
    AlreadyExists,
    ClientConfig,
    ConfigError,
    Invalid,
    KarmadaClient,
    KarmadaForbidden,
)
from i3plat.karmada_client.bootstrap import (
    SECRET_TYPE,
    BootstrapToken,
    RegistrationRefused,
    RegistrationRequest,
    SiteAlreadyRegistered,
    agent_endpoint_commands,
    build_token_secret,
    ca_bundle,
    ca_cert_hash,
    ca_cert_hashes,
    check_registration,
    cluster_endpoint_patch_command,
    format_expiration,
    generate_token,
    karmada_address_of,
    prepare_registration,
    register_command,
)
from tests.support.pki import Pki

NO_DNS: Any = lambda host: pytest.fail(f"{host} must not be looked up")  # noqa: E731
RESOLVES: Any = lambda host: ["192.0.2.10"]  # noqa: E731
NOW = datetime(2025, 6, 2, 8, 14, 5, 123456, tzinfo=UTC)


def spki_sha256(pem: bytes) -> str:
    """Independent of the code under test: hashlib over cryptography's SPKI DER."""
    cert = x509.load_pem_x509_certificate(pem)
    der = cert.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return "sha256:" + hashlib.sha256(der).hexdigest()


def decoded(secret: dict[str, Any]) -> dict[str, str]:
    return {k: base64.b64decode(v).decode() for k, v in secret["data"].items()}


# -- tokens and the Secret -----------------------------------------------------------------------


def test_generated_tokens_have_the_bootstrap_form_and_differ() -> None:
    tokens = {generate_token().value for _ in range(300)}
    assert len(tokens) == 300
    assert all(re.fullmatch(r"[a-z0-9]{6}\.[a-z0-9]{16}", value) for value in tokens)


def test_token_repr_hides_the_secret_and_bad_tokens_are_refused() -> None:
    token = BootstrapToken.parse("abcdef.0123456789abcdef")
    assert (token.id, token.secret) == ("abcdef", "0123456789abcdef")
    assert "0123456789abcdef" not in repr(token)
    for bad in (
        "ABCDEF.0123456789abcdef",
        "abcde.0123456789abcdef",
        "abcdef.0123456789abcde",
        "abcdef0123456789abcdef",
    ):
        with pytest.raises(ValueError):
            BootstrapToken.parse(bad)


def test_token_secret_matches_what_karmadactl_token_create_submits() -> None:
    token = BootstrapToken("abcdef", "0123456789abcdef")
    secret = build_token_secret(token, expires=NOW + timedelta(hours=24), description="for fab-wuxi")
    assert secret["apiVersion"] == "v1" and secret["kind"] == "Secret"
    assert secret["metadata"] == {"name": "bootstrap-token-abcdef", "namespace": "kube-system"}
    assert secret["type"] == SECRET_TYPE == "bootstrap.kubernetes.io/token"
    assert decoded(secret) == {
        "token-id": "abcdef",
        "token-secret": "0123456789abcdef",
        "description": "for fab-wuxi",
        "expiration": "2025-06-03T08:14:05Z",
        "usage-bootstrap-signing": "true",
        "usage-bootstrap-authentication": "true",
        "auth-extra-groups": "system:bootstrappers:karmada:default-cluster-token",
    }
    assert "stringData" not in secret
    plain = build_token_secret(token, expires=NOW)
    assert "description" not in plain["data"]


def test_expiration_is_rfc3339_utc_and_needs_a_time_zone() -> None:
    china = timezone(timedelta(hours=8))
    assert format_expiration(datetime(2025, 6, 2, 16, 0, 0, tzinfo=china)) == "2025-06-02T08:00:00Z"
    with pytest.raises(ValueError, match="expires"):
        format_expiration(datetime(2025, 6, 2, 16, 0, 0))


# -- CA pin --------------------------------------------------------------------------------------


def test_ca_hash_is_sha256_of_the_subject_public_key_info(pki: Pki) -> None:
    other = pki.other_ca_file.read_bytes()
    assert ca_cert_hashes(pki.ca_pem) == (spki_sha256(pki.ca_pem),)
    assert ca_cert_hashes(pki.ca_pem + other) == (spki_sha256(pki.ca_pem), spki_sha256(other))
    from_file = ClientConfig(server=SERVER, ca_file=str(pki.ca_file))
    from_data = ClientConfig(server=SERVER, ca_data=pki.ca_pem)
    assert ca_cert_hash(from_file) == ca_cert_hash(from_data) == spki_sha256(pki.ca_pem)


@pytest.mark.skipif(shutil.which("openssl") is None, reason="cross-check with the documented openssl recipe")
def test_ca_hash_matches_the_openssl_recipe(pki: Pki) -> None:
    pubkey = subprocess.run(
        ["openssl", "x509", "-pubkey", "-noout"], input=pki.ca_pem, capture_output=True, check=True
    )
    der = subprocess.run(
        ["openssl", "pkey", "-pubin", "-outform", "der"], input=pubkey.stdout, capture_output=True, check=True
    )
    assert ca_cert_hashes(pki.ca_pem) == ("sha256:" + hashlib.sha256(der.stdout).hexdigest(),)


def test_no_ca_in_the_kubeconfig_is_a_config_error(tmp_path: Any) -> None:
    with pytest.raises(ConfigError, match="certificate-authority"):
        ca_bundle(ClientConfig(server=SERVER))
    with pytest.raises(ConfigError, match="cannot read"):
        ca_bundle(ClientConfig(server=SERVER, ca_file=str(tmp_path / "missing.crt")))
    with pytest.raises(ConfigError, match="not PEM"):
        ca_cert_hashes(b"not a certificate")


def test_karmada_address_is_the_server_without_scheme_and_path() -> None:
    assert karmada_address_of("https://10.0.0.8:5443") == "10.0.0.8:5443"
    assert karmada_address_of("https://karmada.example.com:5443/prefix/") == "karmada.example.com:5443"


# -- input checks --------------------------------------------------------------------------------


def request(**kw: Any) -> RegistrationRequest:
    values: dict[str, Any] = {"site": "fab-wuxi", "api_endpoint": "https://10.20.9.5:6443"}
    values.update(kw)
    return RegistrationRequest(**values)


@pytest.mark.parametrize(
    "site",
    ["", "Fab-Wuxi", "fab_wuxi", "-fab", "fab-", "fab.wuxi", "fab/../x", "fab wuxi", "a" * 49, "工厂"],
)
def test_invalid_site_names_are_refused_naming_the_field(site: str) -> None:
    with pytest.raises(RegistrationRefused) as info:
        check_registration(request(site=site), NO_DNS)
    assert [p.field for p in info.value.problems] == ["site"]
    assert info.value.field == "site"


@pytest.mark.parametrize(
    ("endpoint", "code"),
    [
        ("", "required"),
        ("http://10.20.9.5:6443", "scheme"),
        ("10.20.9.5:6443", "scheme"),
        ("ftp://10.20.9.5", "scheme"),
        ("https://", "no_host"),
        ("https://admin:pw@10.20.9.5:6443", "userinfo"),
        ("https://10.20.9.5:6443?x=1", "query"),
        ("https://10.20.9.5:6443#f", "fragment"),
        ("https://10.20.9.5:99999", "bad_url"),
        ("https://bad_host:6443", "host"),
        ("https://site b:6443", "characters"),
        ("https://x';rm -rf /'", "characters"),
    ],
)
def test_endpoints_that_are_not_https_urls_with_a_host_are_refused(endpoint: str, code: str) -> None:
    with pytest.raises(RegistrationRefused) as info:
        check_registration(request(api_endpoint=endpoint), NO_DNS)
    assert [(p.field, p.code) for p in info.value.problems] == [("api_endpoint", code)]


def test_every_bad_field_is_reported_at_once() -> None:
    bad = request(site="Bad", api_endpoint="http://x", proxy_url="ftp://p", ttl_hours=0, sync_mode="Both")
    with pytest.raises(RegistrationRefused) as info:
        check_registration(bad, NO_DNS)
    assert [p.field for p in info.value.problems] == [
        "site",
        "sync_mode",
        "api_endpoint",
        "proxy_url",
        "ttl_hours",
    ]
    assert "api_endpoint" in str(info.value) or "member API endpoint" in str(info.value)


@pytest.mark.parametrize("ttl", [0, 169, 1.5, True, "24", None])
def test_token_lifetime_outside_limits_is_refused(ttl: Any) -> None:
    with pytest.raises(RegistrationRefused) as info:
        check_registration(request(ttl_hours=ttl), NO_DNS)
    assert info.value.field == "ttl_hours"


def test_accepted_values_at_the_limits() -> None:
    assert check_registration(request(site="a" * 48, ttl_hours=1), NO_DNS) == ()
    assert check_registration(request(ttl_hours=168, proxy_url="socks5://10.0.0.2:1080"), NO_DNS) == ()
    assert (
        check_registration(
            request(proxy_url="http://172.18.0.2:8088", karmada_address="k.example:5443"), NO_DNS
        )
        == ()
    )
    with pytest.raises(RegistrationRefused, match=r"karmada_address|Karmada API address"):
        check_registration(request(karmada_address="k.example:5443/path"), NO_DNS)


@pytest.mark.parametrize(
    ("endpoint", "code"),
    [
        ("https://127.0.0.1:6443", "loopback"),
        ("https://[::1]:6443", "loopback"),
        ("https://localhost:6443", "loopback"),
        ("https://169.254.10.1:6443", "link_local"),
        ("https://[fe80::1]:6443", "link_local"),
        ("https://0.0.0.0:6443", "unspecified"),
        ("https://kubernetes.default.svc:443", "in_cluster_name"),
    ],
)
def test_endpoints_the_control_plane_cannot_reach_warn_without_lookups(endpoint: str, code: str) -> None:
    warnings = check_registration(request(api_endpoint=endpoint), NO_DNS)
    assert [w.code for w in warnings] == [code]
    assert warnings[0].field == "api_endpoint"


def test_private_addresses_do_not_warn() -> None:
    assert check_registration(request(api_endpoint="https://10.20.9.5:6443"), NO_DNS) == ()


def test_names_are_resolved_by_the_injected_resolver() -> None:
    asked: list[str] = []

    def nowhere(host: str) -> list[str]:
        asked.append(host)
        return []

    def fails(host: str) -> list[str]:
        raise OSError("no DNS")

    name = request(api_endpoint="https://k8s.fab-wuxi.example:6443")
    assert [w.code for w in check_registration(name, nowhere)] == ["unresolvable"]
    assert asked == ["k8s.fab-wuxi.example"]
    assert [w.code for w in check_registration(name, fails)] == ["unresolvable"]
    assert check_registration(name, RESOLVES) == ()
    to_loopback = check_registration(name, lambda host: ["127.0.1.1"])
    assert [(w.code, w.address) for w in to_loopback] == [("loopback", "127.0.1.1")]
    assert check_registration(name, None) == ()  # live checks: no lookup at all


# -- commands -------------------------------------------------------------------------------------


def test_register_command_has_only_real_register_flags() -> None:
    token = BootstrapToken("abcdef", "0123456789abcdef")
    command = register_command("10.0.0.8:5443", token, "sha256:" + "ab" * 32, "fab-wuxi")
    assert command == (
        "karmadactl register 10.0.0.8:5443 --token abcdef.0123456789abcdef "
        f"--discovery-token-ca-cert-hash sha256:{'ab' * 32} --cluster-name fab-wuxi"
    )
    assert "--cluster-api-endpoint" not in command  # karmadactl register has no such flag (§4.1)
    proxied = shlex.split(register_command("k:5443", token, "sha256:00", "s", "http://172.18.0.2:8088"))
    assert proxied[-2:] == ["--proxy-server-address", "http://172.18.0.2:8088"]


@pytest.mark.skipif(shutil.which("sed") is None, reason="needs sed")
def test_agent_patch_rewrites_the_endpoint_in_the_deployment_yaml() -> None:
    deployment = (
        "spec:\n  template:\n    spec:\n      containers:\n      - command:\n"
        "        - /bin/karmada-agent\n"
        "        - --karmada-kubeconfig=/etc/kubeconfig/karmada-kubeconfig\n"
        "        - --cluster-name=fab-wuxi\n"
        "        - --cluster-api-endpoint=https://127.0.0.1:6443\n"
        "        - --cluster-provider=\n"
    )
    patch, rollout, show = agent_endpoint_commands("https://[fd00::5]:6443")
    sed = patch.split(" | ")[1]
    assert patch.startswith("kubectl -n karmada-system get deployment karmada-agent -o yaml | ")
    assert patch.endswith(" | kubectl replace -f -")
    result = subprocess.run(shlex.split(sed), input=deployment, capture_output=True, text=True, check=True)
    assert "        - --cluster-api-endpoint=https://[fd00::5]:6443\n" in result.stdout
    assert result.stdout.replace("https://[fd00::5]:6443", "https://127.0.0.1:6443") == deployment
    assert rollout == "kubectl -n karmada-system rollout status deployment/karmada-agent --timeout=5m"
    assert show.endswith("grep -- --cluster-api-endpoint=")


def test_push_endpoint_patch_is_a_json_merge_patch() -> None:
    args = shlex.split(
        cluster_endpoint_patch_command("fab-wuxi", "https://10.20.9.5:6443", "socks5://p:1080")
    )
    assert args[:5] == [
        "kubectl",
        "--kubeconfig",
        "$KARMADA_KUBECONFIG",
        "patch",
        "clusters.cluster.karmada.io",
    ]
    assert json.loads(args[args.index("-p") + 1]) == {
        "spec": {"apiEndpoint": "https://10.20.9.5:6443", "proxyURL": "socks5://p:1080"}
    }


# -- calls: nothing is created on refusal ----------------------------------------------------------


def k8s_status(code: int, reason: str, message: str, **details: Any) -> dict[str, Any]:
    return {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure", "message": message,
            "reason": reason, "details": details, "code": code}  # fmt: skip


CLUSTER = {"name": "fab-wuxi", "group": "cluster.karmada.io", "kind": "clusters"}


def cluster_absent(request: httpx.Request) -> httpx.Response:
    if request.method == "GET" and "/clusters/" in request.url.path:
        message = 'clusters.cluster.karmada.io "fab-wuxi" not found'
        return httpx.Response(404, json=k8s_status(404, "NotFound", message, **CLUSTER))
    if request.method == "POST":
        created = json.loads(request.content)
        created["metadata"]["uid"] = "u-1"
        return httpx.Response(201, json=created)
    return httpx.Response(500, json={})


def test_prepare_creates_the_token_after_checking_the_name(pki: Pki) -> None:
    client, rec = make_client(cluster_absent, ca_data=pki.ca_pem)
    with client:
        plan = prepare_registration(client, request(ttl_hours=6), resolve=NO_DNS, now=NOW)
    assert [(r.method, r.url.path) for r in rec.requests] == [
        ("GET", "/apis/cluster.karmada.io/v1alpha1/clusters/fab-wuxi"),
        ("POST", "/api/v1/namespaces/kube-system/secrets"),
    ]
    posted = json.loads(rec.requests[1].content)
    assert rec.requests[1].headers["content-type"] == "application/json"
    assert plan.token is not None and posted["metadata"]["name"] == f"bootstrap-token-{plan.token.id}"
    assert decoded(posted)["expiration"] == "2025-06-02T14:14:05Z"
    assert decoded(posted)["token-secret"] == plan.token.secret
    assert plan.token_secret == f"kube-system/bootstrap-token-{plan.token.id}"
    assert plan.karmada_address == "karmada.test:5443"
    assert plan.ca_cert_hash == spki_sha256(pki.ca_pem)
    assert [s.key for s in plan.steps] == ["install", "token", "register", "agent"]
    register = dict((s.key, s.commands) for s in plan.steps)["register"][0]
    assert (
        f"--token {plan.token.value}" in register
        and f"--discovery-token-ca-cert-hash {plan.ca_cert_hash}" in register
    )
    stored = plan.to_dict()
    assert stored["expires"] == "2025-06-02T14:14:05Z" and stored["token_id"] == plan.token.id
    assert plan.token.secret not in repr(plan)


def test_push_mode_creates_no_token_and_needs_no_ca() -> None:
    client, rec = make_client(cluster_absent)
    with client:
        plan = prepare_registration(client, request(sync_mode="Push"), resolve=NO_DNS)
    assert [r.method for r in rec.requests] == ["GET"]
    assert plan.token is None and [s.key for s in plan.steps] == ["install", "join", "endpoint"]
    assert plan.ca_cert_hash == "" and plan.to_dict()["token_id"] is None


def test_bad_input_sends_no_request(pki: Pki) -> None:
    client = KarmadaClient(
        ClientConfig(server=SERVER, token="t", ca_data=pki.ca_pem), transport=forbidden_transport()
    )
    with client, pytest.raises(RegistrationRefused):
        prepare_registration(client, request(site="Bad_Name"), resolve=NO_DNS)


def test_a_kubeconfig_without_ca_refuses_before_any_request() -> None:
    client = KarmadaClient(ClientConfig(server=SERVER, token="t"), transport=forbidden_transport())
    with client, pytest.raises(ConfigError):
        prepare_registration(client, request(), resolve=NO_DNS)


def test_an_existing_cluster_is_refused_and_nothing_is_posted(pki: Pki) -> None:
    def exists(request: httpx.Request) -> httpx.Response:
        assert request.method == "GET", "nothing may be created for a registered name"
        return httpx.Response(200, json={"metadata": {"name": "fab-wuxi"}, "spec": {"syncMode": "Pull"}})

    client, rec = make_client(exists, ca_data=pki.ca_pem)
    with client, pytest.raises(SiteAlreadyRegistered) as info:
        prepare_registration(client, request(), resolve=NO_DNS)
    assert info.value.field == "site" and info.value.problems[0].code == "already_registered"
    assert len(rec.requests) == 1


def test_karmada_errors_are_mapped_and_stop_before_the_post(pki: Pki) -> None:
    def forbidden(request: httpx.Request) -> httpx.Response:
        message = (
            'clusters.cluster.karmada.io "fab-wuxi" is forbidden: User "u" cannot get resource '
            '"clusters" in API group "cluster.karmada.io" at the cluster scope'
        )
        return httpx.Response(403, json=k8s_status(403, "Forbidden", message, **CLUSTER))

    client, rec = make_client(forbidden, ca_data=pki.ca_pem)
    with client, pytest.raises(KarmadaForbidden):
        prepare_registration(client, request(), resolve=NO_DNS)
    assert [r.method for r in rec.requests] == ["GET"]


def test_conflict_and_invalid_answers_are_typed(pki: Pki) -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        if request.method == "GET":
            return cluster_absent(request)
        message = 'secrets "bootstrap-token-abcdef" already exists'
        details = {"name": "bootstrap-token-abcdef", "kind": "secrets"}
        return httpx.Response(409, json=k8s_status(409, "AlreadyExists", message, **details))

    client, _ = make_client(answer, ca_data=pki.ca_pem)
    with client, pytest.raises(AlreadyExists) as info:
        prepare_registration(client, request(), resolve=NO_DNS)
    assert (info.value.kind, info.value.name) == ("secrets", "bootstrap-token-abcdef")

    cause = {"reason": "FieldValueInvalid", "message": 'Invalid value: "X"', "field": "metadata.name"}
    message = 'Secret "X" is invalid: metadata.name: Invalid value: "X"'
    invalid = k8s_status(422, "Invalid", message, name="X", kind="Secret", causes=[cause])
    client, _ = make_client(lambda r: httpx.Response(422, json=invalid), ca_data=pki.ca_pem)
    with client, pytest.raises(Invalid) as bad:
        client.request("POST", "/api/v1/namespaces/kube-system/secrets", content=b"{}")
    assert bad.value.causes == (("metadata.name", 'Invalid value: "X"'),)
    assert "metadata.name" in (bad.value.remedy or "")


def test_a_refusal_still_carries_the_warnings_of_the_fields_that_were_fine() -> None:
    with pytest.raises(RegistrationRefused) as info:
        check_registration(request(site="Bad", api_endpoint="https://127.0.0.1:6443"), NO_DNS)
    assert [p.field for p in info.value.problems] == ["site"]
    assert [w.code for w in info.value.warnings] == ["loopback"]
