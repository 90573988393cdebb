"""The snapshot store: diskcache on local disk, orjson bytes, versioned keys.

diskcache is process-safe (SQLite WAL), so one poller process writes and any number of web
workers read. Values are bytes from orjson: decoding them is cheaper than pickle, and a reader
never needs the poller's classes.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import diskcache
import orjson

from i3plat.collector.records import (
    SCHEMA,
    FleetRecord,
    PanelRecord,
    SiteRecord,
    fleet_from_plain,
    panel_from_plain,
    site_from_plain,
)

VALUE_IN_SQLITE_BELOW = 1 << 20
"""Keep snapshots up to 1 MiB inside SQLite rather than one file each (10x faster writes)."""


def fleet_key() -> str:
    return f"{SCHEMA}:fleet"


def site_key(site: str) -> str:
    return f"{SCHEMA}:site:{site}"


def panel_key(site: str, metric: str, window: str, node: str | None = None) -> str:
    return f"{SCHEMA}:panel:{site}:{metric}:{window}:{node or '*'}"


class SnapshotStore:
    """Typed get/put of records; `expire` only for on-demand answers, never for polled ones."""

    def __init__(self, directory: Path) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        self.directory = directory
        self.cache = diskcache.Cache(
            str(directory / "snapshots"),
            disk_min_file_size=VALUE_IN_SQLITE_BELOW,
            size_limit=2**30,
            cull_limit=0,
        )
        self._writing = threading.Lock()

    def trim(self) -> int:
        """Drop expired on-demand answers and, past the size limit, the least recently stored.

        Culling is off on writes (`cull_limit=0`): diskcache would otherwise look for expired
        keys and measure the database on every `set`, a fifth of the cost of each snapshot the
        poller writes. The poller trims once per interval instead; returns the keys removed.
        """
        return int(self.cache.cull())

    def close(self) -> None:
        self.cache.close()

    def lock(self, name: str, expire: float) -> diskcache.Lock:
        """A lock shared by every process on this data dir; a dead holder's lapses after `expire` s."""
        return diskcache.Lock(self.cache, f"{SCHEMA}:lock:{name}", expire=expire)

    def put_raw(self, key: str, value: Any, expire: float | None = None) -> None:
        """`value` may be a record: orjson writes dataclasses itself, as `asdict` would but without
        its deep copy of every series (which cost the poller more than its HTTP requests)."""
        blob = orjson.dumps(value)
        with self._writing:
            self.cache.set(key, blob, expire=expire)

    def get_raw(self, key: str) -> Any | None:
        blob = self.cache.get(key)
        return None if blob is None else orjson.loads(blob)

    def put_fleet(self, record: FleetRecord) -> None:
        self.put_raw(fleet_key(), record)

    def fleet(self) -> FleetRecord | None:
        data = self.get_raw(fleet_key())
        return None if data is None else fleet_from_plain(data)

    def put_site(self, record: SiteRecord) -> None:
        self.put_raw(site_key(record.site), record)

    def site(self, site: str) -> SiteRecord | None:
        data = self.get_raw(site_key(site))
        return None if data is None else site_from_plain(data)

    def put_panel(self, record: PanelRecord, expire: float | None = None) -> None:
        self.put_panel_at(panel_key(record.site, record.metric, record.window, record.node), record, expire)

    def panel(self, site: str, metric: str, window: str, node: str | None = None) -> PanelRecord | None:
        return self.panel_at(panel_key(site, metric, window, node))

    def put_panels(self, records: list[PanelRecord]) -> None:
        """Several panels in one SQLite transaction (one lock round instead of one per panel).

        Writers of this process queue on a Python lock first: threads that meet on SQLite's
        lock instead sleep in its busy handler (steps of up to 100 ms), long after it is free.
        """
        blobs = [(panel_key(r.site, r.metric, r.window, r.node), orjson.dumps(r)) for r in records]
        with self._writing, self.cache.transact():
            for key, blob in blobs:
                self.cache.set(key, blob)

    def put_panel_at(self, key: str, record: PanelRecord, expire: float | None = None) -> None:
        self.put_raw(key, record, expire)

    def panel_at(self, key: str) -> PanelRecord | None:
        data = self.get_raw(key)
        return None if data is None else panel_from_plain(data)
