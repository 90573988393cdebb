"""Start the real `i3plat` command as a child process and stop it by PID."""

from __future__ import annotations

import os
import re
import signal
import socket
import ssl
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import httpx
import yaml

T = TypeVar("T")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for(condition: Callable[[], T | None], timeout: float, what: str, interval: float = 0.05) -> T:
    """Poll `condition` until it returns something truthy; fail naming `what` after `timeout` s."""
    deadline = time.monotonic() + timeout
    last_error: Exception | None = None
    while time.monotonic() < deadline:
        try:
            result = condition()
        except Exception as exc:
            last_error = exc
        else:
            if result:
                return result
        time.sleep(interval)
    raise TimeoutError(f"timed out after {timeout:g} s waiting for {what} (last error: {last_error!r})")


class ConsoleProcess:
    """`i3plat …` in a child process; its output is collected so a failure can show it."""

    def __init__(
        self, args: Sequence[str], env: dict[str, str] | None = None, cwd: Path | None = None
    ) -> None:
        self.output: list[str] = []
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "i3plat.cli", *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env={**os.environ, "PYTHONUNBUFFERED": "1", **(env or {})},
            cwd=cwd,
        )
        self._reader = threading.Thread(target=self._collect, daemon=True)
        self._reader.start()

    def _collect(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.output.append(line.rstrip("\n"))

    def wait_for_line(self, pattern: str, timeout: float) -> re.Match[str]:
        regex = re.compile(pattern)

        def find() -> re.Match[str] | None:
            if self.proc.poll() is not None and not any(regex.search(x) for x in self.output):
                raise RuntimeError(f"process exited with {self.proc.returncode}:\n" + "\n".join(self.output))
            for line in self.output:
                match = regex.search(line)
                if match:
                    return match
            return None

        try:
            return wait_for(find, timeout, f"output matching {pattern!r}")
        except (TimeoutError, RuntimeError) as exc:
            raise AssertionError(f"{exc}\n--- output ---\n" + "\n".join(self.output)) from exc

    def stop(self, timeout: float = 15.0) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=5)
        return int(self.proc.returncode)


@dataclass(frozen=True)
class RunningDemo:
    """`i3plat demo` as a test sees it: the console's URL and a client of the simulator's `/_sim/`."""

    url: str
    control: httpx.Client
    process: ConsoleProcess


@contextmanager
def running_demo(data_dir: Path, env: dict[str, str] | None = None) -> Iterator[RunningDemo]:
    """The demo on a free port with the synthetic source and a 5 s poll; stopped (exit 0) after."""
    proc = ConsoleProcess(
        ["demo", "--port", str(free_port()), "--data-dir", str(data_dir), "--prometheus", "synthetic"],
        env={"I3PLAT_POLL_INTERVAL": "5", **(env or {})},
    )
    try:
        sim = proc.wait_for_line(r"Karmada simulator: (https://\S+) \(kubeconfig (\S+)\)", timeout=60)
        console = proc.wait_for_line(r"I3Plat console: (http://127\.0\.0\.1:\d+/)", timeout=60)
        kubeconfig = yaml.safe_load(Path(sim.group(2)).read_text())
        ca_file = kubeconfig["clusters"][0]["cluster"]["certificate-authority"]
        token = kubeconfig["users"][0]["user"]["token"]
        with httpx.Client(
            base_url=sim.group(1),
            verify=ssl.create_default_context(cafile=ca_file),
            headers={"Authorization": f"Bearer {token}"},
            timeout=10.0,
        ) as control:
            yield RunningDemo(console.group(1).rstrip("/"), control, proc)
    finally:
        assert proc.stop() == 0, "\n".join(proc.output)
