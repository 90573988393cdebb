"""Serving helpers shared by `demo` (werkzeug, in this process) and `serve` (gunicorn_conf)."""

from __future__ import annotations

import logging
import os
import signal
import sys
import threading
from collections.abc import Callable, Mapping
from pathlib import Path
from types import FrameType

from werkzeug.serving import BaseWSGIServer, make_server

from i3plat.collector.selfmetrics import MULTIPROC_ENV
from i3plat.settings import Settings, is_loopback_host


class ServeError(RuntimeError):
    """The console refuses to start as configured."""


def check_bind(settings: Settings, host: str) -> None:
    """Sign-in may only be off when nobody but this machine can reach the console."""
    if settings.auth == "off" and not is_loopback_host(host):
        raise ServeError(
            f"I3PLAT_AUTH=off is only allowed on a loopback address, not on --host {host}; "
            "bind to 127.0.0.1 or choose another I3PLAT_AUTH mode"
        )


def metrics_dir_for(settings: Settings, environ: Mapping[str, str] = os.environ) -> Path:
    """Where every process of this console keeps its self-metrics files.

    `PROMETHEUS_MULTIPROC_DIR` wins when the operator sets it (prometheus_client's own switch),
    so a container can put the files on a per-pod emptyDir: pid-named files on a persistent
    volume would be mistaken for a live process's after a restart reuses the pid.
    """
    given = environ.get(MULTIPROC_ENV)
    return Path(given) if given else settings.data_dir / "metrics"


LOG_FORMAT = "[%(asctime)s] [%(process)d] [%(levelname)s] %(name)s: %(message)s"


def log_to_stderr(logger_name: str = "i3plat") -> None:
    """Our own loggers (poller lease changes, the audit trail) to stderr beside gunicorn's.

    Only `i3plat.*`, at INFO: the root logger stays quiet, or httpx would log every upstream
    request. Idempotent, so a reload (SIGHUP) does not double the lines.
    """
    logger = logging.getLogger(logger_name)
    logger.setLevel(logging.INFO)
    logger.propagate = False
    if not any(getattr(h, "i3plat_stderr", False) for h in logger.handlers):
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter(LOG_FORMAT, "%Y-%m-%d %H:%M:%S %z"))
        handler.i3plat_stderr = True  # type: ignore[attr-defined]
        logger.addHandler(handler)


def start_server(
    wsgi_app: Callable[..., object], host: str, port: int
) -> tuple[BaseWSGIServer, threading.Thread]:
    server = make_server(host, port, wsgi_app, threaded=True)  # type: ignore[arg-type]
    thread = threading.Thread(target=server.serve_forever, name="i3plat-http", daemon=True)
    thread.start()
    return server, thread


def wait_for_shutdown_signal() -> None:
    """Block until SIGINT or SIGTERM, so callers can stop their servers in order."""
    stop = threading.Event()

    def handle(_signum: int, _frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGINT, handle)
    signal.signal(signal.SIGTERM, handle)
    stop.wait()
