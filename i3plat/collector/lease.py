"""Exactly one active poller per data directory, even with several web workers or processes.

A lease in a small diskcache (eviction off, so it is never culled): whoever adds the key holds
it for `ttl` seconds and renews it well before that; if the holder is killed, the key expires
and another candidate takes over within one ttl plus one retry period.
"""

from __future__ import annotations

import os
import socket
from pathlib import Path

import diskcache

LEASE_KEY = "poller-lease"


def default_owner() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


class PollerLease:
    def __init__(self, directory: Path, ttl: float, owner: str | None = None) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        self.ttl = ttl
        self.owner = owner or default_owner()
        self._cache = diskcache.Cache(str(directory / "lease"), eviction_policy="none")

    def try_acquire(self) -> bool:
        """Take the lease if it is free, or renew it if we hold it; False when someone else does."""
        with self._cache.transact():
            holder = self._cache.get(LEASE_KEY)
            if holder is None:
                return bool(self._cache.add(LEASE_KEY, self.owner, expire=self.ttl))
            if holder == self.owner:
                return bool(self._cache.touch(LEASE_KEY, expire=self.ttl))
            return False

    def holder(self) -> str | None:
        value = self._cache.get(LEASE_KEY)
        return None if value is None else str(value)

    def release(self) -> None:
        with self._cache.transact():
            if self._cache.get(LEASE_KEY) == self.owner:
                self._cache.delete(LEASE_KEY)

    def close(self) -> None:
        self._cache.close()
