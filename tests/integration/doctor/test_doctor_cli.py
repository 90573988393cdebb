"""`i3plat doctor [SITE] [--json]` against the simulator: output for people and scripts, exit codes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from i3plat.cli import main
from i3plat.doctor import CHECK_IDS
from i3plat.federation_sim import RunningFederation
from tests.support.procs import free_port

pytestmark = pytest.mark.integration

MakeSite = Callable[..., str]


@pytest.fixture
def env(fed: RunningFederation, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    values = {"KUBECONFIG": str(fed.kubeconfig_path), "I3PLAT_DATA_DIR": str(tmp_path / "console")}
    for name in ("I3PLAT_CONFIG", "I3PLAT_LANGUAGE", "I3PLAT_PROMETHEUS_SERVICE"):
        monkeypatch.delenv(name, raising=False)
    for name, value in values.items():
        monkeypatch.setenv(name, value)
    return values


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["doctor", *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_a_healthy_site_exits_0_with_json_for_scripts(
    env: dict[str, str], make_site: MakeSite, capsys: pytest.CaptureFixture[str]
) -> None:
    site = make_site()
    code, out, _ = run(capsys, site, "--json", "--lang", "en")
    assert code == 0
    data = json.loads(out)
    assert data["summary"] == {"sites": 1, "failed": 0, "ok": 12, "warn": 0, "fail": 0, "skipped": 0}
    (report,) = data["sites"]
    assert report["site"] == site and report["status"] == "ok" and report["failed"] is False
    assert [c["id"] for c in report["checks"]] == list(CHECK_IDS)
    first = report["checks"][0]
    assert first["title"] == "Cluster is registered in Karmada"
    assert first["evidence"][0]["http_status"] == 200
    assert first["evidence"][0]["request"] == f"GET /apis/cluster.karmada.io/v1alpha1/clusters/{site}"


def test_warnings_alone_exit_0(
    env: dict[str, str], make_site: MakeSite, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(capsys, make_site(dcgm=False), "--json")
    assert code == 0
    data = json.loads(out)
    assert data["sites"][0]["status"] == "warn" and data["summary"]["warn"] == 1


def test_a_failed_check_exits_1_and_reads_well(
    env: dict[str, str], make_site: MakeSite, capsys: pytest.CaptureFixture[str]
) -> None:
    site = make_site(failures={"impersonation_denied": True})
    code, out, _ = run(capsys, site, "--lang", "en")
    assert code == 1
    lines = out.splitlines()
    assert lines[0].startswith(f"✗ {site}  (passed 4 · warnings 0 · failed 1 · skipped 7;")
    assert "  ✓ Cluster is registered in Karmada" in lines
    failed = lines.index("  ✗ Impersonation works (namespaced read)")
    block = lines[failed + 1 : failed + 4]
    assert block[0].startswith('      HTTP 403 · groups "system:serviceaccounts" is forbidden')
    proxy = f"/apis/cluster.karmada.io/v1alpha1/clusters/{site}/proxy"
    assert block[1] == f"        GET {proxy}/api/v1/namespaces/kube-system/pods"
    assert block[2].startswith("      Fix: In Karmada, add Group system:serviceaccounts as a subject")
    assert "  - Member RBAC allows services/proxy" in lines


def test_chinese_is_the_default_language(
    env: dict[str, str], make_site: MakeSite, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(capsys, make_site(failures={"service_proxy_denied": True}))
    assert code == 1
    assert "  ✗ 成员集群 RBAC 允许 services/proxy" in out.splitlines()
    assert "修复方法：在成员集群中" in out


def test_every_site_without_a_name_exits_1_when_one_fails(
    env: dict[str, str], make_site: MakeSite, capsys: pytest.CaptureFixture[str]
) -> None:
    good, bad = (
        make_site(name="fab-cli-a"),
        make_site(name="fab-cli-b", api_endpoint="https://127.0.0.1:6443"),
    )
    code, out, _ = run(capsys, "--json")
    assert code == 1
    data = json.loads(out)
    assert [s["site"] for s in data["sites"]] == [good, bad]
    assert [s["failed"] for s in data["sites"]] == [False, True]
    assert data["summary"]["failed"] == 1


def test_an_unknown_site_exits_1_and_a_bad_name_exits_2(
    env: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(capsys, "fab-nowhere", "--json")
    assert code == 1
    assert json.loads(out)["sites"][0]["checks"][0]["status"] == "fail"
    code, out, err = run(capsys, "Fab_Bad")
    assert code == 2 and out == ""
    assert "invalid site 'Fab_Bad'" in err


def test_an_unreachable_karmada_exits_1_naming_the_cause(
    env: dict[str, str], fed: RunningFederation, tmp_path: Path, capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    config = yaml.safe_load(fed.kubeconfig_path.read_text())
    config["clusters"][0]["cluster"]["server"] = f"https://127.0.0.1:{free_port()}"
    closed = tmp_path / "closed-kubeconfig"
    closed.write_text(yaml.safe_dump(config))
    monkeypatch.setenv("KUBECONFIG", str(closed))
    code, out, _ = run(capsys, "--json", "--timeout", "2")
    assert code == 1
    assert json.loads(out)["error"]["code"] == "connect"
    code, out, _ = run(capsys, "--lang", "en", "--timeout", "2")
    assert code == 1 and out.startswith("Cannot list the sites registered in Karmada: ")


def test_the_installed_entry_point(env: dict[str, str], make_site: MakeSite) -> None:
    site = make_site(failures={"prometheus_no_endpoints": True})
    done = subprocess.run(
        [sys.executable, "-m", "i3plat.cli", "doctor", site, "--json"],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 1, done.stderr
    checks = {c["id"]: c for c in json.loads(done.stdout)["sites"][0]["checks"]}
    assert checks["prometheus.ready"]["status"] == "fail"
    assert checks["prometheus.ready"]["evidence"][0]["http_status"] == 503


def test_a_missing_kubeconfig_is_a_configuration_error(
    env: dict[str, str], tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KUBECONFIG", str(tmp_path / "absent"))
    code, out, err = run(capsys, "fab-a")
    assert code == 2 and out == ""
    assert err.startswith("i3plat doctor: cannot read kubeconfig") and "absent" in err


def test_out_of_range_timeouts_are_refused(env: dict[str, str], capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "fab-a", "--timeout", "0")
    assert code == 2 and "request_timeout must be between 1 and 600 seconds" in err
