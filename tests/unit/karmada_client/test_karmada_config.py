from __future__ import annotations

import base64
import ssl
from pathlib import Path
from typing import Any

import pytest
import yaml

from i3plat.karmada_client import (
    ClientConfig,
    ConfigError,
    KarmadaClient,
    load_config,
    load_incluster_config,
    load_kubeconfig,
)
from i3plat.karmada_client._tls import build_ssl_context
from tests.support.pki import Pki


def _kubeconfig(
    tmp_path: Path,
    cluster: dict[str, Any],
    user: dict[str, Any] | None = None,
    *,
    current: str | None = "karmada",
    extra_contexts: list[dict[str, Any]] | None = None,
    name: str = "config",
) -> Path:
    doc: dict[str, Any] = {
        "apiVersion": "v1",
        "kind": "Config",
        "preferences": {},
        "clusters": [
            {"name": "karmada-apiserver", "cluster": cluster},
            {"name": "other", "cluster": {"server": "https://other.test:6443"}},
        ],
        "users": [{"name": "dash", "user": user or {}}, {"name": "other-user", "user": {"token": "other"}}],
        "contexts": [
            {"name": "karmada", "context": {"cluster": "karmada-apiserver", "user": "dash"}},
            {"name": "other", "context": {"cluster": "other", "user": "other-user"}},
            *(extra_contexts or []),
        ],
    }
    if current is not None:
        doc["current-context"] = current
    path = tmp_path / name
    path.write_text(yaml.safe_dump(doc))
    return path


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def test_token_and_ca_data(tmp_path: Path, pki: Pki) -> None:
    path = _kubeconfig(
        tmp_path,
        {"server": "https://127.0.0.1:5443", "certificate-authority-data": _b64(pki.ca_pem)},
        {"token": "abc.def"},
    )
    cfg = load_kubeconfig(path)
    assert cfg.server == "https://127.0.0.1:5443"
    assert cfg.ca_data == pki.ca_pem and cfg.ca_file is None
    assert cfg.token == "abc.def" and cfg.token_file is None
    assert cfg.context_name == "karmada" and cfg.source == str(path)
    assert not cfg.insecure_skip_tls_verify and cfg.proxy_url is None and cfg.client_cert is None
    ctx = build_ssl_context(cfg)
    assert ctx.verify_mode == ssl.CERT_REQUIRED and ctx.check_hostname
    assert any("i3plat test karmada CA" in str(c.get("subject")) for c in ctx.get_ca_certs())


def test_ca_file_relative_to_the_kubeconfig(tmp_path: Path, pki: Pki) -> None:
    (tmp_path / "certs").mkdir()
    (tmp_path / "certs" / "ca.crt").write_bytes(pki.ca_pem)
    elsewhere = tmp_path / "kube"
    elsewhere.mkdir()
    path = _kubeconfig(elsewhere, {"server": "https://k.test", "certificate-authority": "../certs/ca.crt"})
    cfg = load_kubeconfig(path)
    assert cfg.ca_file == str((tmp_path / "certs" / "ca.crt").resolve())
    assert cfg.token is None and cfg.token_file is None  # a user with no credentials
    build_ssl_context(cfg)


def test_ca_data_wins_over_file(tmp_path: Path, pki: Pki) -> None:
    path = _kubeconfig(
        tmp_path,
        {
            "server": "https://k.test",
            "certificate-authority": "/nonexistent/ca.crt",
            "certificate-authority-data": _b64(pki.ca_pem),
        },
    )
    cfg = load_kubeconfig(path)
    assert cfg.ca_data == pki.ca_pem and cfg.ca_file is None


def test_missing_ca_file(tmp_path: Path) -> None:
    path = _kubeconfig(tmp_path, {"server": "https://k.test", "certificate-authority": "nope.crt"})
    with pytest.raises(ConfigError, match="certificate-authority"):
        load_kubeconfig(path)


def test_token_file(tmp_path: Path) -> None:
    (tmp_path / "sa-token").write_text("from-file\n")
    path = _kubeconfig(tmp_path, {"server": "https://k.test"}, {"tokenFile": "sa-token", "token": "fallback"})
    cfg = load_kubeconfig(path)
    assert cfg.token_file == str(tmp_path / "sa-token") and cfg.token == "fallback"
    from i3plat.karmada_client._tls import TokenAuth

    assert TokenAuth(cfg.token, cfg.token_file).token() == "from-file"


def test_client_cert_files(tmp_path: Path, pki: Pki) -> None:
    path = _kubeconfig(
        tmp_path,
        {"server": "https://k.test", "certificate-authority": str(pki.ca_file)},
        {"client-certificate": str(pki.client_cert), "client-key": str(pki.client_key)},
    )
    cfg = load_kubeconfig(path)
    assert cfg.client_cert == (str(pki.client_cert), str(pki.client_key)) and cfg.client_cert_data is None
    build_ssl_context(cfg)


def test_client_cert_data_is_not_left_on_disk(
    tmp_path: Path, pki: Pki, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _kubeconfig(
        tmp_path,
        {"server": "https://k.test", "certificate-authority-data": _b64(pki.ca_pem)},
        {"client-certificate-data": _b64(pki.client_cert_pem), "client-key-data": _b64(pki.client_key_pem)},
    )
    cfg = load_kubeconfig(path)
    assert cfg.client_cert is None and cfg.client_cert_data == (pki.client_cert_pem, pki.client_key_pem)
    tmp = tmp_path / "tmpdir"
    tmp.mkdir()
    monkeypatch.setenv("TMPDIR", str(tmp))
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", None)
    build_ssl_context(cfg)
    assert list(tmp.iterdir()) == []


def test_mismatched_client_key(tmp_path: Path, pki: Pki) -> None:
    cfg = ClientConfig(server="https://k.test", client_cert=(str(pki.client_cert), str(pki.server_key)))
    with pytest.raises(ConfigError, match="client-certificate/client-key"):
        build_ssl_context(cfg)
    with pytest.raises(ConfigError, match="client-certificate/client-key"):
        KarmadaClient(cfg)


def test_cert_without_key(tmp_path: Path, pki: Pki) -> None:
    path = _kubeconfig(tmp_path, {"server": "https://k.test"}, {"client-certificate": str(pki.client_cert)})
    with pytest.raises(ConfigError, match="without a key"):
        load_kubeconfig(path)


def test_insecure_and_proxy_url_and_prefix(tmp_path: Path) -> None:
    path = _kubeconfig(
        tmp_path,
        {
            "server": "https://rancher.test/k8s/clusters/c-1/",
            "insecure-skip-tls-verify": True,
            "proxy-url": "http://proxy.test:3128",
            "tls-server-name": "karmada-apiserver",
        },
        {"token": "t"},
    )
    cfg = load_kubeconfig(path)
    assert cfg.server == "https://rancher.test/k8s/clusters/c-1"
    assert cfg.insecure_skip_tls_verify and cfg.proxy_url == "http://proxy.test:3128"
    assert cfg.tls_server_name == "karmada-apiserver"
    ctx = build_ssl_context(cfg)
    assert ctx.verify_mode == ssl.CERT_NONE and not ctx.check_hostname


def test_insecure_with_ca_is_refused(tmp_path: Path, pki: Pki) -> None:
    path = _kubeconfig(
        tmp_path,
        {
            "server": "https://k.test",
            "insecure-skip-tls-verify": True,
            "certificate-authority-data": _b64(pki.ca_pem),
        },
    )
    with pytest.raises(ConfigError, match="insecure-skip-tls-verify"):
        load_kubeconfig(path)


def test_context_selection(tmp_path: Path) -> None:
    path = _kubeconfig(tmp_path, {"server": "https://k.test"}, {"token": "t"})
    other = load_kubeconfig(path, context="other")
    assert (
        other.server == "https://other.test:6443" and other.token == "other" and other.context_name == "other"
    )
    with pytest.raises(ConfigError, match="no context named 'nope'") as info:
        load_kubeconfig(path, context="nope")
    assert info.value.remedy and "karmada" in info.value.remedy


def test_missing_current_context(tmp_path: Path) -> None:
    path = _kubeconfig(tmp_path, {"server": "https://k.test"}, current=None)
    with pytest.raises(ConfigError, match="no current-context") as info:
        load_kubeconfig(path)
    assert info.value.remedy and "karmada" in info.value.remedy and "other" in info.value.remedy
    assert load_kubeconfig(path, context="karmada").server == "https://k.test"


@pytest.mark.parametrize(
    ("user", "key"),
    [
        ({"exec": {"apiVersion": "client.authentication.k8s.io/v1", "command": "kubelogin"}}, "exec"),
        ({"auth-provider": {"name": "oidc", "config": {}}}, "auth-provider"),
        ({"username": "admin", "password": "pw"}, "username"),
        ({"token": "t", "as": "someone"}, "as"),
        ({"token": "t", "as-groups": ["g"]}, "as-groups"),
    ],
)
def test_unsupported_auth(tmp_path: Path, user: dict[str, Any], key: str) -> None:
    path = _kubeconfig(tmp_path, {"server": "https://k.test"}, user)
    with pytest.raises(ConfigError) as info:
        load_kubeconfig(path)
    assert f"users[dash].{key}" in str(info.value)
    assert "not supported" in str(info.value)


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("clusters: [", "not valid YAML"),
        ("- a\n- b\n", "not a mapping"),
        ("current-context: x\ncontexts: []\n", "no context named 'x'"),
    ],
)
def test_broken_files(tmp_path: Path, text: str, needle: str) -> None:
    path = tmp_path / "config"
    path.write_text(text)
    with pytest.raises(ConfigError, match=needle):
        load_kubeconfig(path)


@pytest.mark.parametrize(
    ("cluster", "needle"),
    [
        ({}, "server is missing"),
        ({"server": "ftp://k.test"}, "must be a https/http URL"),
        ({"server": "https://k.test", "proxy-url": "gopher://p"}, "proxy-url"),
        ({"server": "https://k.test", "certificate-authority-data": "%%%"}, "not valid base64"),
        ({"server": "https://k.test", "insecure-skip-tls-verify": "yes"}, "true or false"),
    ],
)
def test_bad_cluster_fields(tmp_path: Path, cluster: dict[str, Any], needle: str) -> None:
    with pytest.raises(ConfigError, match=needle):
        load_kubeconfig(_kubeconfig(tmp_path, cluster))


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read kubeconfig"):
        load_kubeconfig(tmp_path / "absent")


def test_kubeconfig_env_list_and_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    first = _kubeconfig(tmp_path, {"server": "https://first.test"}, name="first")
    second = _kubeconfig(tmp_path, {"server": "https://second.test"}, name="second")
    monkeypatch.setenv("KUBECONFIG", f"{tmp_path / 'absent'}:{first}:{second}")
    assert load_kubeconfig().server == "https://first.test"
    assert load_config().server == "https://first.test"
    monkeypatch.delenv("KUBECONFIG")
    home = tmp_path / "home"
    (home / ".kube").mkdir(parents=True)
    (home / ".kube" / "config").write_text(second.read_text())
    monkeypatch.setenv("HOME", str(home))
    assert load_kubeconfig().server == "https://second.test"
    assert load_config(context="other").server == "https://other.test:6443"


def _fake_sa(tmp_path: Path, pki: Pki, *, ca: bool = True, token: str | None = "sa-token\n") -> Path:
    root = tmp_path / "serviceaccount"
    root.mkdir()
    if token is not None:
        (root / "token").write_text(token)
    if ca:
        (root / "ca.crt").write_bytes(pki.ca_pem)
    (root / "namespace").write_text("monitoring")
    return root


def test_incluster(tmp_path: Path, pki: Pki) -> None:
    root = _fake_sa(tmp_path, pki)
    env = {"KUBERNETES_SERVICE_HOST": "10.96.0.1", "KUBERNETES_SERVICE_PORT": "443"}
    cfg = load_incluster_config(str(root), env)
    assert cfg.server == "https://10.96.0.1:443"
    assert cfg.token_file == str(root / "token") and cfg.token is None
    assert cfg.ca_file == str(root / "ca.crt") and cfg.source == "in-cluster"
    build_ssl_context(cfg)
    v6 = load_incluster_config(
        str(root), {"KUBERNETES_SERVICE_HOST": "fd00::1", "KUBERNETES_SERVICE_PORT": "443"}
    )
    assert v6.server == "https://[fd00::1]:443"


def test_incluster_failures(tmp_path: Path, pki: Pki) -> None:
    with pytest.raises(ConfigError, match="KUBERNETES_SERVICE_HOST"):
        load_incluster_config(str(tmp_path), {})
    env = {"KUBERNETES_SERVICE_HOST": "10.96.0.1", "KUBERNETES_SERVICE_PORT": "443"}
    with pytest.raises(ConfigError, match="token"):
        load_incluster_config(str(tmp_path / "nothing"), env)
    root = _fake_sa(tmp_path, pki, ca=False)
    assert load_incluster_config(str(root), env).ca_file is None  # system roots, like client-go


def test_load_config_falls_back_to_incluster(
    tmp_path: Path, pki: Pki, monkeypatch: pytest.MonkeyPatch
) -> None:
    import i3plat.karmada_client._config as config_mod

    monkeypatch.delenv("KUBECONFIG", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "empty-home"))
    monkeypatch.setenv("KUBERNETES_SERVICE_HOST", "10.96.0.1")
    monkeypatch.setenv("KUBERNETES_SERVICE_PORT", "443")
    root = _fake_sa(tmp_path, pki)
    monkeypatch.setattr(config_mod, "INCLUSTER_ROOT", str(root))
    monkeypatch.setattr(config_mod.load_incluster_config, "__defaults__", (str(root), config_mod.os.environ))
    assert load_config().source == "in-cluster"
    with pytest.raises(ConfigError, match="context 'x'"):
        load_config(context="x")
    monkeypatch.delenv("KUBERNETES_SERVICE_HOST")
    with pytest.raises(ConfigError, match="no kubeconfig") as info:
        load_config()
    assert info.value.remedy and "KUBECONFIG" in info.value.remedy
