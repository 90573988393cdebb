"""One real Prometheus 2.42 per simulated site: config, promtool backfill, start, ready wait, stop.

Layout of a site's directory (all ours): `prometheus.yml`, `prometheus.log`, `tsdb/` and, during
a backfill, `backfill.om`. The process listens on 127.0.0.1 only, on a free port, and is stopped
by its PID (SIGTERM, then KILL after a timeout).
"""

from __future__ import annotations

import atexit
import math
import shutil
import socket
import subprocess
import threading
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import httpx
import yaml

from ._exporter import ScrapeTarget
from ._model import SiteModel
from ._openmetrics import backfill_window, write_openmetrics

SCRAPE_JOB = "i3plat-sim-exporter"
RETENTION = "30d"
_MARKER = ".i3plat-sim-prometheus"
_PORT_ATTEMPTS = 3
_POLL_S = 0.05


_RUNNING: set[PrometheusProcess] = set()
_RUNNING_LOCK = threading.Lock()


@atexit.register
def _stop_all_at_exit() -> None:
    """No orphaned Prometheus when the interpreter exits without closing its backends.

    The child stays in our process group too, so a Ctrl-C in the terminal reaches it.
    """
    with _RUNNING_LOCK:
        running = list(_RUNNING)
    for process in running:
        process.stop()


class PrometheusError(RuntimeError):
    """Base of the errors raised while preparing or running a site's Prometheus."""


class BackfillError(PrometheusError):
    """`promtool tsdb create-blocks-from openmetrics` failed; the message carries its output."""


class PrometheusStartError(PrometheusError):
    """Prometheus exited or was not ready in time; the message carries the log tail."""


class DataDirError(PrometheusError):
    """The data directory holds a TSDB this module did not create, so it is not wiped."""


@dataclass(frozen=True)
class BackfillResult:
    """What a backfill did and how long it took."""

    start: float
    end: float
    step: float
    series: int
    samples: int
    openmetrics_bytes: int
    write_seconds: float
    promtool_seconds: float


def prometheus_available() -> bool:
    """Both Debian binaries are on PATH."""
    return shutil.which("prometheus") is not None and shutil.which("promtool") is not None


def find_free_port(host: str = "127.0.0.1") -> int:
    """An ephemeral port that was free a moment ago (start() retries if someone takes it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        port: int = sock.getsockname()[1]
        return port


def format_duration(seconds: float) -> str:
    """A Prometheus duration: whole seconds as `15s`, otherwise milliseconds."""
    if not (seconds > 0 and math.isfinite(seconds)):
        raise ValueError(f"duration: must be a positive number, got {seconds!r}")
    if seconds == int(seconds):
        return f"{int(seconds)}s"
    return f"{round(seconds * 1000)}ms"


def render_config(model: SiteModel, target: ScrapeTarget | None, rule_files: Sequence[Path] = ()) -> str:
    """prometheus.yml: the site's intervals and cluster label, and one job scraping the exporter.

    `honor_labels` keeps the exposed job/instance labels (node-exporter, kube-state-metrics, …);
    the metric relabel removes the exporter's own address from series that expose no instance
    (escape_test), so a live series is the same series as its backfilled past.
    """
    interval = format_duration(model.scrape_interval)
    timeout = format_duration(min(10.0, model.scrape_interval))
    config: dict[str, object] = {
        "global": {
            "scrape_interval": interval,
            "scrape_timeout": timeout,
            "evaluation_interval": interval,
            "external_labels": {"cluster": model.name},
        },
        "rule_files": [str(Path(p).resolve()) for p in rule_files],
        "scrape_configs": [],
    }
    if target is not None:
        host = target.address.rsplit(":", 1)[0]
        config["scrape_configs"] = [
            {
                "job_name": SCRAPE_JOB,
                "honor_labels": True,
                "metrics_path": target.metrics_path,
                "static_configs": [{"targets": [target.address]}],
                "metric_relabel_configs": [
                    {
                        "source_labels": ["instance"],
                        "regex": host.replace(".", "\\.") + ":[0-9]+",
                        "target_label": "instance",
                        "replacement": "",
                    }
                ],
            }
        ]
    return yaml.safe_dump(config, sort_keys=False)


def read_tail(path: Path, lines: int = 30) -> str:
    """The last `lines` lines of a text file ('' when it does not exist)."""
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except FileNotFoundError:
        return ""
    return "\n".join(text.splitlines()[-lines:])


class PrometheusProcess:
    """Backfill, start and stop one site's Prometheus (thread-safe)."""

    def __init__(
        self,
        model: SiteModel,
        data_dir: Path,
        *,
        target: ScrapeTarget | None = None,
        rule_files: Sequence[Path] = (),
        ready_timeout: float = 30.0,
        stop_timeout: float = 10.0,
        backfill_timeout: float = 300.0,
        prometheus_bin: str = "prometheus",
        promtool_bin: str = "promtool",
    ) -> None:
        self.model = model
        self.data_dir = Path(data_dir)
        self.target = target
        self.rule_files = tuple(rule_files)
        self.ready_timeout = ready_timeout
        self.stop_timeout = stop_timeout
        self.backfill_timeout = backfill_timeout
        self._prometheus_bin = prometheus_bin
        self._promtool_bin = promtool_bin
        self._lock = threading.RLock()
        self._proc: subprocess.Popen[bytes] | None = None
        self._port: int | None = None
        self._log_offset = 0

    # -- paths -----------------------------------------------------------------------------
    @property
    def tsdb_dir(self) -> Path:
        return self.data_dir / "tsdb"

    @property
    def config_path(self) -> Path:
        return self.data_dir / "prometheus.yml"

    @property
    def log_path(self) -> Path:
        return self.data_dir / "prometheus.log"

    @property
    def openmetrics_path(self) -> Path:
        return self.data_dir / "backfill.om"

    # -- state -----------------------------------------------------------------------------
    @property
    def running(self) -> bool:
        proc = self._proc
        return proc is not None and proc.poll() is None

    @property
    def pid(self) -> int | None:
        proc = self._proc
        return proc.pid if proc is not None else None

    @property
    def port(self) -> int:
        """The port of the current (or last) run; it stays known after stop() for error messages."""
        if self._port is None:
            raise PrometheusError(f"{self.model.name}: Prometheus was never started")
        return self._port

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def log_tail(self, lines: int = 30) -> str:
        return read_tail(self.log_path, lines)

    # -- backfill --------------------------------------------------------------------------
    def backfill(
        self,
        *,
        hours: float,
        step: float | None = None,
        now: float | None = None,
        keep_openmetrics: bool = False,
    ) -> BackfillResult:
        """Write `hours` of history ending ≥ 60 s before now and turn it into blocks in a fresh TSDB."""
        with self._lock:
            if self.running:
                raise PrometheusError(f"{self.model.name}: cannot backfill while Prometheus runs")
            step_s = self.model.scrape_interval if step is None else step
            start, end = backfill_window(time.time() if now is None else now, hours, step_s)
            self._fresh_tsdb()
            t0 = time.perf_counter()
            stats = write_openmetrics(self.model, start, end, step_s, self.openmetrics_path, now=now)
            t1 = time.perf_counter()
            self._run_promtool()
            t2 = time.perf_counter()
            if not keep_openmetrics:
                self.openmetrics_path.unlink()
            return BackfillResult(
                start=start,
                end=end,
                step=step_s,
                series=stats.series,
                samples=stats.samples,
                openmetrics_bytes=stats.bytes_written,
                write_seconds=t1 - t0,
                promtool_seconds=t2 - t1,
            )

    def _fresh_tsdb(self) -> None:
        """Empty TSDB dir; only one this class created (marker file) is ever wiped."""
        self.data_dir.mkdir(parents=True, exist_ok=True)
        marker = self.data_dir / _MARKER
        if self.tsdb_dir.exists():
            if not marker.exists():
                raise DataDirError(
                    f"{self.tsdb_dir} exists and was not created by the simulator; not wiping it"
                )
            shutil.rmtree(self.tsdb_dir)
        marker.write_text(
            "TSDB written by i3plat.federation_sim.prometheus; safe to delete\n", encoding="utf-8"
        )
        self.tsdb_dir.mkdir()

    def _run_promtool(self) -> None:
        cmd = [
            self._promtool_bin, "tsdb", "create-blocks-from", "openmetrics",
            str(self.openmetrics_path), str(self.tsdb_dir),
        ]  # fmt: skip
        try:
            done = subprocess.run(
                cmd,
                capture_output=True,
                text=True,
                timeout=self.backfill_timeout,
                check=False,
                stdin=subprocess.DEVNULL,
            )
        except FileNotFoundError as exc:
            raise BackfillError(f"{self.model.name}: promtool not found ({self._promtool_bin})") from exc
        except subprocess.TimeoutExpired as exc:
            raise BackfillError(
                f"{self.model.name}: promtool ran longer than {self.backfill_timeout} s"
            ) from exc
        if done.returncode != 0:
            tail = "\n".join((done.stdout + done.stderr).splitlines()[-20:])
            raise BackfillError(f"{self.model.name}: promtool exited {done.returncode}:\n{tail}")

    # -- process ---------------------------------------------------------------------------
    def start(self) -> None:
        """Start on a free loopback port and wait for `/-/ready` (bounded); idempotent."""
        with self._lock:
            if self.running:
                return
            self.tsdb_dir.mkdir(parents=True, exist_ok=True)
            self.config_path.write_text(
                render_config(self.model, self.target, self.rule_files), encoding="utf-8"
            )
            for attempt in range(_PORT_ATTEMPTS):
                port = find_free_port()
                self._spawn(port)
                if self._wait_ready(port, last_attempt=attempt == _PORT_ATTEMPTS - 1):
                    return

    def _spawn(self, port: int) -> None:
        cmd = [
            self._prometheus_bin,
            f"--config.file={self.config_path}",
            f"--storage.tsdb.path={self.tsdb_dir}",
            f"--web.listen-address=127.0.0.1:{port}",
            f"--storage.tsdb.retention.time={RETENTION}",
            "--web.enable-lifecycle",
        ]
        with self.log_path.open("ab") as log:
            log.write(f"--- i3plat: starting {' '.join(cmd)}\n".encode())
            log.flush()
            self._log_offset = log.tell()
            try:
                self._proc = subprocess.Popen(
                    cmd,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    stdin=subprocess.DEVNULL,
                )
            except FileNotFoundError as exc:
                raise PrometheusStartError(
                    f"{self.model.name}: prometheus not found ({self._prometheus_bin})"
                ) from exc
        self._port = port
        with _RUNNING_LOCK:
            _RUNNING.add(self)

    def _wait_ready(self, port: int, *, last_attempt: bool) -> bool:
        """True when ready; False when the port was taken (retry); raises on any other failure."""
        deadline = time.monotonic() + self.ready_timeout
        url = f"http://127.0.0.1:{port}/-/ready"
        with httpx.Client(timeout=httpx.Timeout(1.0), trust_env=False) as client:
            while time.monotonic() < deadline:
                proc = self._proc
                if proc is None or proc.poll() is not None:
                    tail = self._log_since_spawn()
                    self._reap()
                    if "address already in use" in tail and not last_attempt:
                        return False
                    raise PrometheusStartError(
                        f"{self.model.name}: prometheus exited while starting:\n{tail}"
                    )
                try:
                    if client.get(url).status_code == 200:
                        return True
                except httpx.TransportError:
                    pass
                time.sleep(_POLL_S)
        self.stop()
        raise PrometheusStartError(
            f"{self.model.name}: not ready after {self.ready_timeout} s on port {port}:\n{self.log_tail()}"
        )

    def stop(self) -> None:
        """SIGTERM by PID, wait, KILL after `stop_timeout`; idempotent."""
        with self._lock:
            proc = self._proc
            if proc is None:
                return
            if proc.poll() is None:
                proc.terminate()
                try:
                    proc.wait(self.stop_timeout)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()
            self._proc = None
            with _RUNNING_LOCK:
                _RUNNING.discard(self)

    def _log_since_spawn(self) -> str:
        """This run's log only, so an old run's "address already in use" cannot mislead."""
        with self.log_path.open("rb") as log:
            log.seek(self._log_offset)
            lines = log.read().decode("utf-8", errors="replace").splitlines()
        return "\n".join(lines[-30:])

    def _reap(self) -> None:
        proc = self._proc
        if proc is not None:
            proc.wait(self.stop_timeout)
            self._proc = None
        with _RUNNING_LOCK:
            _RUNNING.discard(self)

    def __enter__(self) -> PrometheusProcess:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def launch_all(
    processes: Sequence[PrometheusProcess], *, hours: float, step: float | None = None, max_workers: int = 2
) -> list[BackfillResult]:
    """Backfill and start several sites, at most `max_workers` at once (promtool is CPU-bound).

    On any failure every process started here is stopped again and the first error is raised.
    """

    def one(process: PrometheusProcess) -> BackfillResult:
        result = process.backfill(hours=hours, step=step)
        process.start()
        return result

    with ThreadPoolExecutor(max_workers=max(1, max_workers), thread_name_prefix="i3plat-backfill") as pool:
        futures = [pool.submit(one, p) for p in processes]
        errors = [f.exception() for f in futures]
    failed = [e for e in errors if e is not None]
    if failed:
        for process in processes:
            process.stop()
        raise failed[0]
    return [f.result() for f in futures]
