"""`i3plat serve --workers 3` as operators run it: real gunicorn, real simulator, real signals.

One simulated federation and one console per module. The checks follow the promise of
`i3plat.gunicorn_conf`: exactly one worker polls (the lease names it, and the fleet is listed
once per interval, not three times), any worker's `/metrics` shows what the polling worker
recorded, and SIGTERM lets an in-flight request finish, frees the lease and the port, and exits 0.
"""

from __future__ import annotations

import os
import signal
import socket
import ssl
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import diskcache
import httpx
import pytest
import yaml
from prometheus_client.parser import text_string_to_metric_families

from i3plat.collector.lease import LEASE_KEY, PollerLease
from tests.support.procs import ConsoleProcess, free_port, wait_for

pytestmark = pytest.mark.integration

WORKERS = 3
INTERVAL = 5.0
SLOW_SITE = "fab-chengdu"
GRACE = 60
"""Generous: on two busy cores the simulator's synthetic PromQL can take many seconds."""
SITES = ("fab-chengdu", "fab-shenzhen", "fab-suzhou")


@dataclass
class Deployment:
    data_dir: Path
    sim: ConsoleProcess
    control: httpx.Client
    console: ConsoleProcess
    url: str
    port: int

    @property
    def master_pid(self) -> int:
        return self.console.proc.pid

    def lease(self) -> PollerLease:
        return PollerLease(self.data_dir / "console" / "cache", ttl=INTERVAL, owner="test-observer")

    def counters(self) -> dict[str, Any]:
        response = self.control.get("/counters")
        response.raise_for_status()
        return dict(response.json())


def child_pids(parent: int) -> set[int]:
    """Live children of `parent`, from /proc (gunicorn's workers are the master's children)."""
    found = set()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            status = (entry / "status").read_text()
        except OSError:
            continue
        fields = dict(line.split(":\t", 1) for line in status.splitlines() if ":\t" in line)
        if fields.get("PPid", "").strip() == str(parent) and not fields.get("State", "").startswith("Z"):
            found.add(int(entry.name))
    return found


def samples(text: str) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    return {
        (s.name, frozenset(s.labels.items())): float(s.value)
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


def metric(text: str, name: str, **labels: str) -> float:
    return samples(text).get((name, frozenset(labels.items())), 0.0)


def fleet_lists_in(text: str) -> float:
    return metric(text, "i3plat_upstream_requests_total", site="*", kind="karmada", outcome="ok")


@pytest.fixture(scope="module")
def deployment(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Deployment]:
    data_dir = tmp_path_factory.mktemp("gunicorn")
    sim = ConsoleProcess(
        ["simulate", "--port", "0", "--data-dir", str(data_dir / "sim"), "--prometheus", "synthetic",
         "--kubeconfig-out", str(data_dir / "kubeconfig")]
    )  # fmt: skip
    console: ConsoleProcess | None = None
    control: httpx.Client | None = None
    try:
        kubeconfig = Path(sim.wait_for_line(r"kubeconfig: (\S+)", timeout=60).group(1))
        config = yaml.safe_load(kubeconfig.read_text())
        cluster = config["clusters"][0]["cluster"]
        control = httpx.Client(
            base_url=cluster["server"] + "/_sim",
            verify=ssl.create_default_context(cafile=cluster["certificate-authority"]),
            headers={"Authorization": "Bearer " + config["users"][0]["user"]["token"]},
            timeout=10,
        )
        port = free_port()
        env = {
            "KUBECONFIG": str(kubeconfig),
            "I3PLAT_DATA_DIR": str(data_dir / "console"),
            "I3PLAT_POLL_INTERVAL": str(INTERVAL),
            "I3PLAT_AUTH": "off",
        }
        args = ["serve", "--port", str(port), "--workers", str(WORKERS), "--graceful-timeout", str(GRACE)]
        console = ConsoleProcess(args, env=env)
        console.wait_for_line(rf"I3Plat console: http://127\.0\.0\.1:{port}/", timeout=60)
        url = f"http://127.0.0.1:{port}"
        wait_for(lambda: httpx.get(url + "/readyz", timeout=5).status_code == 200, 120, "/readyz to say 200")
        yield Deployment(data_dir, sim, control, console, url, port)
    finally:
        if console is not None and console.proc.poll() is None:
            console.stop(timeout=30)
        if control is not None:
            control.close()
        sim.stop(timeout=30)


def test_exactly_one_worker_holds_the_poller_lease(deployment: Deployment) -> None:
    def all_workers() -> set[int] | None:
        pids = child_pids(deployment.master_pid)
        return pids if len(pids) == WORKERS else None

    workers = wait_for(all_workers, 30, f"{WORKERS} gunicorn workers")
    lease = deployment.lease()
    try:
        holder = lease.holder()
        host, _, pid = (holder or "").rpartition(":")
        assert host == socket.gethostname() and int(pid) in workers, (holder, workers)
        assert int(pid) != deployment.master_pid, "the master must not poll"
        # It keeps the lease: the standby workers never take it while the holder lives.
        deadline = time.monotonic() + INTERVAL
        while time.monotonic() < deadline:
            assert lease.holder() == holder
            time.sleep(0.2)
        acquired = [line for line in deployment.console.output if "poller lease acquired by" in line]
        assert len(acquired) == 1 and acquired[0].endswith(f"acquired by {holder}"), acquired
    finally:
        lease.close()


def test_the_fleet_is_listed_once_per_interval_not_once_per_worker(deployment: Deployment) -> None:
    """Three pollers would list the fleet three times per interval; one lists it once."""
    start = deployment.counters()["cluster_list"]

    def listed(count: int) -> float | None:
        return time.monotonic() if deployment.counters()["cluster_list"] >= start + count else None

    first = wait_for(lambda: listed(1), 3 * INTERVAL, "a fleet refresh", interval=0.02)
    fourth = wait_for(lambda: listed(4), 6 * INTERVAL, "three more fleet refreshes", interval=0.02)
    # One poller needs 3 intervals for that, three pollers about one. Half-way between leaves
    # room for a refresh that a busy machine started late.
    assert fourth - first >= 1.5 * INTERVAL, f"4 fleet lists within {fourth - first:.2f} s"


def test_metrics_agree_with_the_simulator_whichever_worker_answers(deployment: Deployment) -> None:
    lease = deployment.lease()
    try:
        poller_pid = int((lease.holder() or ":0").rpartition(":")[2])
    finally:
        lease.close()

    def scrape_from_another_worker() -> tuple[int, str] | None:
        # One connection, two requests: keep-alive keeps both on the same gthread worker.
        with httpx.Client(base_url=deployment.url, timeout=10) as http:
            pid = int(http.get("/healthz").json()["pid"])
            return (pid, http.get("/metrics").text) if pid != poller_pid else None

    pid, text = wait_for(scrape_from_another_worker, 30, "a /metrics answer from a non-polling worker")
    assert pid in child_pids(deployment.master_pid)
    for site in SITES:
        assert metric(text, "i3plat_upstream_requests_total", site=site, kind="instant", outcome="ok") > 0
    assert metric(text, "i3plat_poll_site_duration_seconds_count", site=SITES[0]) > 0

    def consistent() -> tuple[float, int] | None:
        before = fleet_lists_in(httpx.get(deployment.url + "/metrics", timeout=10).text)
        upstream = deployment.counters()["cluster_list"]
        after = fleet_lists_in(httpx.get(deployment.url + "/metrics", timeout=10).text)
        return (before, upstream) if before == after else None

    ours, theirs = wait_for(consistent, 30, "two equal /metrics readings around the simulator's count")
    assert ours == theirs > 0


def test_sigterm_finishes_in_flight_work_then_frees_lease_and_port(deployment: Deployment) -> None:
    deployment.control.post(f"/sites/{SLOW_SITE}/latency", json={"seconds": 3}).raise_for_status()
    metrics_url = deployment.url + "/metrics"

    def ondemand_lookups() -> float:
        text = httpx.get(metrics_url, timeout=10).text
        return metric(text, "i3plat_cache_lookups_total", kind="ondemand", result="miss")

    before = ondemand_lookups()
    end = time.time() - 120
    series_url = (
        f"{deployment.url}/api/v1/sites/{SLOW_SITE}/series?metric=cpu.util.cluster"
        f"&start={end - 600:.0f}&end={end:.0f}"
    )
    answer: dict[str, Any] = {}

    def ask() -> None:
        try:
            response = httpx.get(series_url, timeout=30)
            answer.update(status=response.status_code, body=response.json(), at=time.monotonic())
        except Exception as exc:
            answer.update(error=exc)

    asker = threading.Thread(target=ask)
    asker.start()
    # The on-demand path counts its cache miss before the upstream query (3 s of latency) goes out.
    wait_for(lambda: ondemand_lookups() > before, 10, "the on-demand request to reach a worker")
    workers = child_pids(deployment.master_pid)
    lease = diskcache.Cache(str(deployment.data_dir / "console" / "cache" / "lease"))
    try:
        assert LEASE_KEY in lease, "a worker holds the lease before the stop"
        signalled = time.monotonic()
        os.kill(deployment.master_pid, signal.SIGTERM)
        # The request is in a worker now; polls still to come need not wait, so the stop is quick.
        deployment.control.post(f"/sites/{SLOW_SITE}/latency", json={"seconds": 0}).raise_for_status()
        code = deployment.console.proc.wait(timeout=GRACE + 30)
        asker.join(timeout=10)
        output = "\n".join(deployment.console.output)
        assert code == 0, output
        # gunicorn's master exits 0 even after SIGKILLing stragglers: every worker must have
        # gone through its own exit path (which is where the poller lets go of the lease).
        for pid in workers:
            assert f"Worker exiting (pid: {pid})" in output, output
        assert "error" not in answer, (answer.get("error"), output)
        assert answer["at"] > signalled, "the request was still in flight when SIGTERM came"
        # A whole JSON answer from the console (data, or its own upstream-error document).
        assert answer["status"] in (200, 502, 503, 504), answer["body"]
        assert "series" in answer["body"] or "error" in answer["body"], answer["body"]
        # Released, not left to expire: iterating a diskcache includes expired keys.
        assert LEASE_KEY not in list(lease)
    finally:
        lease.close()
    assert not any(Path(f"/proc/{pid}").exists() for pid in workers), "a worker outlived the master"
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", deployment.port))  # raises if anything still listens there
        sock.listen()
    with pytest.raises(httpx.ConnectError):
        httpx.get(deployment.url + "/healthz", timeout=2)
