"""The snapshot store: culling happens when the poller trims, never on a write."""

from __future__ import annotations

import time
from pathlib import Path

from i3plat.collector.store import SnapshotStore, panel_key
from tests.support.api_services import live_panel, series


def test_trim_removes_expired_answers_and_keeps_polled_panels(tmp_path: Path) -> None:
    store = SnapshotStore(tmp_path)
    polled = live_panel("fab-a", "cpu.util.node", [series("n1", [0.5, 0.6])])
    store.put_panels([polled])
    on_demand = live_panel("fab-a", "cpu.util.node", [series("n1", [0.1])], window="custom")
    store.put_panel_at("custom-answer", on_demand, expire=0.05)
    deadline = time.monotonic() + 5
    while store.panel_at("custom-answer") is not None:
        assert time.monotonic() < deadline, "the on-demand answer never expired"
        time.sleep(0.01)
    assert len(store.cache) == 2, "an expired key stays until trimmed: writes do not cull"

    assert store.trim() == 1
    assert len(store.cache) == 1
    kept = store.panel("fab-a", "cpu.util.node", "1h")
    assert kept is not None and kept.series == polled.series
    assert store.cache.get(panel_key("fab-a", "cpu.util.node", "1h")) is not None
