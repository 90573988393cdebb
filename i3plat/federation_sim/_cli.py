"""Run the simulator in the foreground until SIGINT/SIGTERM (used by `i3plat simulate`)."""

from __future__ import annotations

import json
import os
import signal
import threading
from collections.abc import Callable
from pathlib import Path
from types import FrameType

from ._backend import PrometheusBackend
from ._lifecycle import start_federation, write_kubeconfig
from ._spec import FederationConfig, SiteSpec
from ._tls import write_private


def run_simulator_forever(
    config: FederationConfig,
    kubeconfig_out: Path | None = None,
    ready_file: Path | None = None,
    backend_factory: Callable[[SiteSpec, Path], PrometheusBackend | None] | None = None,
) -> None:
    """Start, write the kubeconfig (and a JSON ready file), print where, block until a signal, stop.

    Must run in the main thread (signal handlers). The ready file holds url, kubeconfig, ca_file and
    pid (not the token) and is removed on exit.
    """
    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        with start_federation(config, backend_factory) as running:
            kubeconfig = running.kubeconfig_path
            if kubeconfig_out is not None:
                kubeconfig = write_kubeconfig(kubeconfig_out, running.url, running.ca_file, running.token)
            print(f"Karmada simulator listening on {running.url}", flush=True)
            print(f"kubeconfig: {kubeconfig}", flush=True)
            if ready_file is not None:
                info = {
                    "url": running.url,
                    "kubeconfig": str(kubeconfig),
                    "ca_file": str(running.ca_file),
                    "pid": os.getpid(),
                }
                write_private(Path(ready_file), json.dumps(info).encode())
            try:
                while not stop.wait(0.5):
                    pass
            finally:
                if ready_file is not None:
                    Path(ready_file).unlink(missing_ok=True)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
