"""Starting and stopping federations: backend factories, clean shutdown, and the foreground runner."""

from __future__ import annotations

import json
import os
import signal
import socket
import ssl
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
import yaml
from fedsim_helpers import CLUSTERS, EchoBackend, proxy, trust

from i3plat.federation_sim import FederationConfig, SiteSpec, start_federation

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[3]


def test_backend_factory_gets_each_spec_and_a_site_dir_and_backends_close_on_stop(tmp_path: Path) -> None:
    made: dict[str, tuple[Path, EchoBackend]] = {}

    def factory(spec: SiteSpec, path: Path) -> EchoBackend:
        made[spec.name] = (path, EchoBackend())
        return made[spec.name][1]

    sites = [SiteSpec(name="a-site"), SiteSpec(name="b-site")]
    with start_federation(
        FederationConfig(sites=sites, data_dir=tmp_path, token="fixed-token"), factory
    ) as fed:
        assert fed.token == "fixed-token"
        assert {name: path for name, (path, _) in made.items()} == {
            "a-site": tmp_path / "sites" / "a-site",
            "b-site": tmp_path / "sites" / "b-site",
        }
        assert all(path.is_dir() for path, _ in made.values())
        headers = {"Authorization": "Bearer fixed-token"}
        with httpx.Client(base_url=fed.url, verify=trust(fed), headers=headers) as client:
            url = proxy(
                "a-site", "/api/v1/namespaces/monitoring/services/prometheus-k8s:web/proxy/api/v1/query"
            )
            assert client.get(url).status_code == 200
        fed.remove_site("b-site")
        assert made["b-site"][1].closed and not made["a-site"][1].closed
    assert made["a-site"][1].closed


def test_failing_factory_closes_backends_already_made(tmp_path: Path) -> None:
    made: list[EchoBackend] = []

    def factory(spec: SiteSpec, path: Path) -> EchoBackend:
        if spec.name == "b-site":
            raise RuntimeError("prometheus would not start")
        made.append(EchoBackend())
        return made[-1]

    sites = [SiteSpec(name="a-site"), SiteSpec(name="b-site")]
    with pytest.raises(RuntimeError, match="would not start"):
        start_federation(FederationConfig(sites=sites, data_dir=tmp_path), factory)
    assert [backend.closed for backend in made] == [True]


def test_prometheus_none_ignores_the_factory(tmp_path: Path) -> None:
    calls: list[str] = []

    def factory(spec: SiteSpec, path: Path) -> EchoBackend:
        calls.append(spec.name)
        return EchoBackend()

    config = FederationConfig(sites=[SiteSpec(name="a-site")], data_dir=tmp_path, prometheus="none")
    with start_federation(config, factory) as fed:
        assert fed.state()["sites"]["a-site"]["has_backend"] is False
    assert calls == []


def test_stop_closes_keep_alive_connections_and_the_port(tmp_path: Path) -> None:
    fed = start_federation(FederationConfig(sites=[SiteSpec(name="a-site")], data_dir=tmp_path))
    host, port = fed.url.removeprefix("https://").rsplit(":", 1)
    client = httpx.Client(
        base_url=fed.url, verify=trust(fed), headers={"Authorization": f"Bearer {fed.token}"}
    )
    try:
        assert client.get(CLUSTERS).status_code == 200  # leaves a pooled keep-alive connection
        fed.stop()
        fed.stop()  # idempotent
        with pytest.raises(httpx.TransportError):
            client.get(CLUSTERS)
        with pytest.raises(ConnectionRefusedError):
            socket.create_connection((host, int(port)), timeout=2).close()
    finally:
        client.close()
        fed.stop()


def wait_for_file(path: Path, process: subprocess.Popen[str], timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not path.exists():
        if process.poll() is not None:
            raise AssertionError(f"simulator exited early: {process.communicate()}")
        if time.monotonic() > deadline:
            raise AssertionError("simulator did not write its ready file")
        time.sleep(0.05)


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_run_simulator_forever_serves_until_a_signal(tmp_path: Path, signum: int) -> None:
    ready, kubeconfig = tmp_path / "ready.json", tmp_path / "out" / "kubeconfig"
    script = (
        "import sys; from pathlib import Path; from i3plat.federation_sim import *; "
        "run_simulator_forever(FederationConfig(sites=demo_sites(), data_dir=Path(sys.argv[1])), "
        "kubeconfig_out=Path(sys.argv[2]), ready_file=Path(sys.argv[3]))"
    )
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    args = [sys.executable, "-c", script, str(tmp_path / "data"), str(kubeconfig), str(ready)]
    process = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    try:
        wait_for_file(ready, process)
        info = json.loads(ready.read_text())
        assert info["pid"] == process.pid and info["kubeconfig"] == str(kubeconfig)
        config = yaml.safe_load(kubeconfig.read_text())
        cluster, user = config["clusters"][0]["cluster"], config["users"][0]["user"]
        assert cluster["server"] == info["url"]
        context = ssl.create_default_context(cafile=cluster["certificate-authority"])
        headers = {"Authorization": f"Bearer {user['token']}"}
        with httpx.Client(base_url=cluster["server"], verify=context, headers=headers) as client:
            assert len(client.get(CLUSTERS).json()["items"]) == 3
        process.send_signal(signum)
        out, err = process.communicate(timeout=20)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert process.returncode == 0, err
    assert info["url"] in out and str(kubeconfig) in out
    assert not ready.exists()
