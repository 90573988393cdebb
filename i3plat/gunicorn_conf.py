"""`i3plat serve` under gunicorn: N web workers, one active poller, `/metrics` summed over all.

Where the poller runs: with the embedded poller on, *every* worker runs a poller candidate and
the data directory's lease (`collector.lease`) lets exactly one of them poll. The master runs
nothing but gunicorn: a poller thread there would be copied half-way through a request into
every worker gunicorn forks, and a child process of the master would be reaped by gunicorn's
own SIGCHLD loop. The lease also covers what a master-side poller would not: when the polling
worker dies (crash, timeout kill, restart), a sibling takes over within one lease period.
Production runs the poller in its own process instead (`serve --no-poller` + `i3plat poller`,
see deploy/), which the same lease keeps single.

Metrics: the master switches prometheus_client to multiprocess files before it forks, so
every worker and the poller write there and any worker's `/metrics` sums them; `child_exit`
drops a dead worker's live gauges.

Shutdown: SIGTERM makes gunicorn stop accepting, lets in-flight requests finish (up to
`graceful_timeout`), then each worker's `worker_exit` stops its poller, which releases the
lease, and closes its services.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gunicorn.app.base import BaseApplication  # type: ignore[import-untyped]

from i3plat.collector.selfmetrics import configure_metrics_dir, mark_worker_dead, remove_dead_files
from i3plat.serving import check_bind, log_to_stderr, metrics_dir_for
from i3plat.settings import Settings

MAX_WORKERS = 32
MAX_THREADS = 64
WORKER_TIMEOUT = 60
"""Seconds of silence before gunicorn kills a worker; gthread workers report from their main
loop, so a long request does not count, only a hung worker."""


class ServeOptionError(ValueError):
    """A `serve` option is out of range; the message names it."""


@dataclass(frozen=True)
class ServeOptions:
    """How `i3plat serve` runs; validated on creation."""

    host: str = "127.0.0.1"
    port: int = 8050
    workers: int = 2
    threads: int = 4
    poller: bool = True
    graceful_timeout: int = 20

    def __post_init__(self) -> None:
        check_range("--port", self.port, 0, 65535)
        check_range("--workers", self.workers, 1, MAX_WORKERS)
        check_range("--threads", self.threads, 1, MAX_THREADS)
        check_range("--graceful-timeout", self.graceful_timeout, 1, 600)


def check_range(name: str, value: int, lo: int, hi: int) -> None:
    if not lo <= value <= hi:
        raise ServeOptionError(f"{name} must be {lo}..{hi}, got {value}")


def bind_address(host: str, port: int) -> str:
    """gunicorn's bind string; IPv6 literals need brackets."""
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def console_url(host: str, port: int) -> str:
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}/"


def gunicorn_settings(options: ServeOptions) -> dict[str, Any]:
    """Every gunicorn setting `serve` uses (pure, so the choices can be tested without a server)."""
    return {
        "bind": [bind_address(options.host, options.port)],
        "workers": options.workers,
        "worker_class": "gthread",
        "threads": options.threads,
        "timeout": WORKER_TIMEOUT,
        "graceful_timeout": options.graceful_timeout,
        "keepalive": 5,
        "preload_app": False,  # services (SQLite, httpx pools, threads) must be made after fork
        "proc_name": "i3plat",
        "errorlog": "-",
        "accesslog": None,
        "loglevel": "info",
        "when_ready": announce_url,
        "child_exit": forget_dead_worker,
        "worker_exit": stop_worker_runtime,
    }


# ------------------------------------------------------------------------------- master side


def announce_url(server: Any) -> None:
    """`when_ready`: print the URL with the port actually bound (`--port 0` picks one)."""
    port = server.LISTENERS[0].sock.getsockname()[1]
    print(f"I3Plat console: {console_url(server.app.options.host, int(port))}", flush=True)


def forget_dead_worker(_server: Any, worker: Any) -> None:
    """`child_exit`: a dead worker's live gauges must not linger in `/metrics`."""
    mark_worker_dead(int(worker.pid))


# ------------------------------------------------------------------------------- worker side


class WorkerRuntime:
    """What one worker process owns: its services, its app and (optionally) a poller candidate."""

    def __init__(self, settings: Settings, *, poller: bool) -> None:
        from i3plat.app import build_services, create_app
        from i3plat.collector.service import PollerService, build_poller_service

        self.services = build_services(settings)
        self.app = create_app(settings, self.services)
        self.polling: PollerService | None = None
        self.thread: threading.Thread | None = None
        if poller:
            self.polling = build_poller_service(settings, self.services.access, self.services.store)
            self.thread = self.polling.start_in_thread()
        self.join_timeout = settings.poll_interval

    def stop(self) -> None:
        """Stop polling (the run loop releases the lease on its way out), then close services."""
        if self.polling is not None:
            self.polling.stop()
        if self.thread is not None:
            self.thread.join(timeout=self.join_timeout)
        self.services.close()


_runtime: WorkerRuntime | None = None
"""This worker process's runtime (each worker has its own copy of this module after fork)."""


def stop_worker_runtime(_server: Any, _worker: Any) -> None:
    """`worker_exit`: runs in the worker after it has stopped serving."""
    global _runtime
    if _runtime is not None:
        runtime, _runtime = _runtime, None
        runtime.stop()


class ConsoleApplication(BaseApplication):  # type: ignore[misc]
    """gunicorn's arbiter with settings from `ServeOptions` instead of its command line."""

    def __init__(self, settings: Settings, options: ServeOptions) -> None:
        self.settings = settings
        self.options = options
        super().__init__(prog="i3plat serve")

    def load_config(self) -> None:
        for key, value in gunicorn_settings(self.options).items():
            self.cfg.set(key, value)

    def load(self) -> Any:
        """Called in each worker after fork (no preload)."""
        global _runtime
        _runtime = WorkerRuntime(self.settings, poller=self.options.poller)
        return _runtime.app.server


def start_metrics_dir(directory: Path) -> None:
    """Multiprocess metrics in `directory`, with what dead processes left there removed.

    The explicit wipe matters when PROMETHEUS_MULTIPROC_DIR already named the directory at
    import time: `configure_metrics_dir` then has nothing to switch and leaves it as it is.
    """
    configure_metrics_dir(directory, wipe=True)
    remove_dead_files(directory.resolve(), everything=True)


def serve_with_gunicorn(settings: Settings, options: ServeOptions) -> int:
    """Run the console until SIGTERM/SIGINT; returns the exit status (0 after a clean stop)."""
    check_bind(settings, options.host)
    log_to_stderr()
    start_metrics_dir(metrics_dir_for(settings))
    try:
        ConsoleApplication(settings, options).run()
    except SystemExit as stop:  # gunicorn ends the master (and each worker) with sys.exit
        code = stop.code
        return code if isinstance(code, int) else (0 if code is None else 1)
    return 0
