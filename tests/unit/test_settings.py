"""Settings: defaults, env + YAML sources, and bad values refused with the field named."""

from __future__ import annotations

from pathlib import Path

import pytest

from i3plat.settings import SettingsError, load_settings


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
    ):
        monkeypatch.delenv(name, raising=False)


def test_defaults() -> None:
    s = load_settings()
    assert s.poll_interval == 15.0
    assert s.prometheus_service == "monitoring/prometheus-k8s:9090"
    assert s.language == "zh_CN"
    assert s.embed_origins == ()


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
