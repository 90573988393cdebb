"""One active poller per data directory: kill the holder, another `i3plat poller` takes over."""

from __future__ import annotations

import os
import signal
import socket
import time
from pathlib import Path

import pytest

from i3plat.collector.lease import PollerLease
from i3plat.collector.store import SnapshotStore
from i3plat.federation_sim import RunningFederation
from tests.support.procs import ConsoleProcess, wait_for

pytestmark = [pytest.mark.integration, pytest.mark.prometheus]
INTERVAL = 5.0


def test_killed_holder_is_replaced_within_two_intervals(
    federation: RunningFederation, tmp_path: Path
) -> None:
    env = {
        "KUBECONFIG": str(federation.kubeconfig_path),
        "I3PLAT_DATA_DIR": str(tmp_path),
        "I3PLAT_POLL_INTERVAL": str(INTERVAL),
    }
    observer = PollerLease(tmp_path / "cache", ttl=INTERVAL, owner="observer")
    store = SnapshotStore(tmp_path / "cache")
    host = socket.gethostname()
    first = ConsoleProcess(["poller"], env=env)
    second: ConsoleProcess | None = None
    try:
        first.wait_for_line("I3Plat poller", timeout=30)
        wait_for(
            lambda: observer.holder() == f"{host}:{first.proc.pid}", 10, "the first poller to take the lease"
        )
        second = ConsoleProcess(["poller"], env=env)
        second.wait_for_line("I3Plat poller", timeout=30)
        wait_for(lambda: (r := store.site("fab-north")) and r.last_success_at, 3 * INTERVAL, "a first poll")
        assert observer.holder() == f"{host}:{first.proc.pid}", "the second one must stand by"

        os.kill(first.proc.pid, signal.SIGKILL)
        killed_at = time.time()
        wait_for(lambda: observer.holder() == f"{host}:{second.proc.pid}", 2 * INTERVAL, "the takeover")

        def polled_after_kill() -> bool:
            record = store.site("fab-north")
            return bool(record and record.last_attempt_at and record.last_attempt_at > killed_at)

        wait_for(polled_after_kill, 2 * INTERVAL, "the new holder's first poll")
        assert time.time() - killed_at <= 2 * INTERVAL + 1
    finally:
        first.stop()
        if second is not None:
            assert second.stop() == 0, "\n".join(second.output)
        observer.close()
        store.close()
