"""Settings: defaults, env + YAML sources, and bad values refused with the field named."""

from __future__ import annotations

from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding

from i3plat.settings import SettingsError, load_settings
from tests.support.pki import make_pki


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in (
        "KUBECONFIG",
        "I3PLAT_CONFIG",
        "I3PLAT_POLL_INTERVAL",
        "I3PLAT_EMBED_ORIGINS",
        "I3PLAT_AUTH",
        "I3PLAT_PROMETHEUS_SERVICE",
        "I3PLAT_DATA_DIR",
        "I3PLAT_PUBLIC_URL",
        "I3PLAT_OIDC_CA_BUNDLE",
        "I3PLAT_TIMEZONE",
    ):
        monkeypatch.delenv(name, raising=False)


def test_defaults() -> None:
    s = load_settings()
    assert s.poll_interval == 15.0
    assert s.prometheus_service == "monitoring/prometheus-k8s:9090"
    assert s.language == "zh_CN"
    assert s.embed_origins == ()
    assert s.public_url is None and s.oidc_ca_bundle is None
    assert s.timezone == "Asia/Shanghai"


def test_timezone_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("I3PLAT_TIMEZONE", "Europe/Berlin")
    assert load_settings().timezone == "Europe/Berlin"


def test_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("KUBECONFIG", str(tmp_path / "kc"))
    monkeypatch.setenv("I3PLAT_POLL_INTERVAL", "30")
    monkeypatch.setenv("I3PLAT_EMBED_ORIGINS", "https://portal.example.com, http://127.0.0.1:8060")
    monkeypatch.setenv("I3PLAT_DATA_DIR", str(tmp_path))
    s = load_settings()
    assert s.kubeconfig == tmp_path / "kc"
    assert s.poll_interval == 30
    assert s.embed_origins == ("https://portal.example.com", "http://127.0.0.1:8060")
    assert s.data_dir == tmp_path


def test_yaml_with_site_override(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    config = tmp_path / "i3plat.yml"
    config.write_text(
        "poll_interval: 20\nsites:\n  fab-a:\n    prometheus_service: monitoring/prom:web\n"
        "    profile: {node_label_style: uname, scrape_interval: 30}\n"
    )
    monkeypatch.setenv("I3PLAT_CONFIG", str(config))
    monkeypatch.setenv("I3PLAT_POLL_INTERVAL", "25")
    s = load_settings()
    assert s.poll_interval == 25  # environment beats the file
    assert s.prometheus_service_for("fab-a") == "monitoring/prom:web"
    assert s.prometheus_service_for("fab-b") == "monitoring/prometheus-k8s:9090"
    assert s.profile_overrides_for("fab-a") == {"node_label_style": "uname", "scrape_interval": 30}
    assert s.profile_overrides_for("fab-b") == {}


def test_bad_profile_override_names_the_field(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    config = tmp_path / "i3plat.yml"
    config.write_text("sites:\n  fab-a:\n    profile: {node_label_style: hostname}\n")
    monkeypatch.setenv("I3PLAT_CONFIG", str(config))
    with pytest.raises(SettingsError, match=r"sites\.fab-a\.profile\.node_label_style"):
        load_settings()


@pytest.mark.parametrize(
    ("env", "value", "field"),
    [
        ("I3PLAT_POLL_INTERVAL", "2", "poll_interval"),
        ("I3PLAT_POLL_INTERVAL", "fast", "poll_interval"),
        ("I3PLAT_PROMETHEUS_SERVICE", "../etc/passwd", "prometheus_service"),
        ("I3PLAT_PROMETHEUS_SERVICE", "monitoring/prom k8s", "prometheus_service"),
        ("I3PLAT_EMBED_ORIGINS", "javascript:alert(1)", "embed_origins"),
        ("I3PLAT_AUTH", "none", "auth"),
        ("I3PLAT_PUBLIC_URL", "console.factory.example", "public_url"),
        ("I3PLAT_PUBLIC_URL", "ftp://console.factory.example/", "public_url"),
        ("I3PLAT_PUBLIC_URL", "http://console.factory.example/", "public_url"),
        ("I3PLAT_PUBLIC_URL", "https://console.factory.example/?next=/", "public_url"),
        ("I3PLAT_PUBLIC_URL", "https://console.factory.example/#top", "public_url"),
        ("I3PLAT_PUBLIC_URL", "https://admin:pw@console.factory.example/", "public_url"),
        ("I3PLAT_PUBLIC_URL", "https://console.factory.example/a/../b/", "public_url"),
        ("I3PLAT_PUBLIC_URL", "https://console.factory.example:99999/", "public_url"),
        ("I3PLAT_OIDC_CA_BUNDLE", "/nonexistent/company-ca.pem", "oidc_ca_bundle"),
        ("I3PLAT_TIMEZONE", "Mars/Olympus_Mons", "timezone"),
        ("I3PLAT_TIMEZONE", "../../etc/passwd", "timezone"),
    ],
)
def test_bad_values_name_the_field(monkeypatch: pytest.MonkeyPatch, env: str, value: str, field: str) -> None:
    monkeypatch.setenv(env, value)
    with pytest.raises(SettingsError, match=field):
        load_settings()


def test_missing_config_file(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("I3PLAT_CONFIG", str(tmp_path / "nope.yml"))
    with pytest.raises(SettingsError, match="I3PLAT_CONFIG"):
        load_settings()


def test_unknown_yaml_key_is_refused(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    config = tmp_path / "i3plat.yml"
    config.write_text("pol_interval: 20\n")
    monkeypatch.setenv("I3PLAT_CONFIG", str(config))
    with pytest.raises(SettingsError, match="pol_interval"):
        load_settings()


@pytest.mark.parametrize(
    ("given", "normalised"),
    [
        ("https://console.factory.example", "https://console.factory.example/"),
        ("https://console.factory.example/", "https://console.factory.example/"),
        ("https://console.factory.example:8443/console", "https://console.factory.example:8443/console/"),
        ("http://127.0.0.1:8050/console/", "http://127.0.0.1:8050/console/"),  # http on loopback only
        ("http://[::1]:8050", "http://[::1]:8050/"),
        ("http://localhost", "http://localhost/"),
    ],
)
def test_public_url_is_normalised_to_a_base_url(
    monkeypatch: pytest.MonkeyPatch, given: str, normalised: str
) -> None:
    monkeypatch.setenv("I3PLAT_PUBLIC_URL", given)
    assert load_settings().public_url == normalised


def test_public_url_error_says_why(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("I3PLAT_PUBLIC_URL", "http://console.factory.example/")
    with pytest.raises(SettingsError, match=r"public_url: .*must use https \(http only on loopback\)"):
        load_settings()


def test_empty_values_mean_unset(monkeypatch: pytest.MonkeyPatch) -> None:
    """A ConfigMap with `I3PLAT_PUBLIC_URL: ""` means "not set", not "refuse to start"."""
    monkeypatch.setenv("I3PLAT_PUBLIC_URL", "")
    monkeypatch.setenv("I3PLAT_OIDC_CA_BUNDLE", " ")
    s = load_settings()
    assert s.public_url is None and s.oidc_ca_bundle is None


def test_ca_bundle_with_a_ca_certificate_is_accepted(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    pki = make_pki(tmp_path)
    bundle = tmp_path / "bundle.pem"
    bundle.write_bytes(pki.ca_pem + pki.other_ca_file.read_bytes())  # several CAs in one file
    monkeypatch.setenv("I3PLAT_OIDC_CA_BUNDLE", str(bundle))
    assert load_settings().oidc_ca_bundle == bundle


@pytest.mark.parametrize(
    ("content", "why"),
    [
        (b"", "not a PEM file of CA certificates"),
        (b"-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydGlmaWNhdGU=\n-----END CERTIFICATE-----\n", "not a PEM"),
        ("key", "not a PEM file of CA certificates"),  # a private key is not a trust anchor
        ("der", "not a PEM file of CA certificates"),  # the right certificate, wrong encoding
        ("dir", "not a file"),
    ],
    ids=["empty", "garbled", "private-key", "der", "directory"],
)
def test_ca_bundle_that_is_not_pem_certificates_is_refused(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, content: bytes | str, why: str
) -> None:
    bundle = tmp_path / "ca.pem"
    if content == "dir":
        bundle.mkdir()
    elif content == "key":
        bundle.write_bytes(make_pki(tmp_path).server_key.read_bytes())
    elif content == "der":
        bundle.write_bytes(
            x509.load_pem_x509_certificate(make_pki(tmp_path).ca_pem).public_bytes(Encoding.DER)
        )
    else:
        assert isinstance(content, bytes)
        bundle.write_bytes(content)
    monkeypatch.setenv("I3PLAT_OIDC_CA_BUNDLE", str(bundle))
    with pytest.raises(SettingsError, match=f"oidc_ca_bundle: .*{why}"):
        load_settings()
