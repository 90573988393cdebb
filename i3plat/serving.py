"""Run the console's WSGI app in this process (demo and single-process `serve`)."""

from __future__ import annotations

import ipaddress
import signal
import threading
from collections.abc import Callable
from types import FrameType

from werkzeug.serving import BaseWSGIServer, make_server

from i3plat.settings import Settings


class ServeError(RuntimeError):
    """The console refuses to start as configured."""


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_bind(settings: Settings, host: str) -> None:
    """Sign-in may only be off when nobody but this machine can reach the console."""
    if settings.auth == "off" and not is_loopback(host):
        raise ServeError(
            f"I3PLAT_AUTH=off is only allowed on a loopback address, not on --host {host}; "
            "bind to 127.0.0.1 or choose another I3PLAT_AUTH mode"
        )


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
