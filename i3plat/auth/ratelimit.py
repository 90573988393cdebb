"""Sign-in rate limits with Flask-Limiter, stored in SQLite so every worker counts together.

Flask-Limiter (on the `limits` library) is the maintained Flask answer; its built-in storages
are memory (per process: N gunicorn workers would allow N times the limit) or network services.
`SQLiteStorage` is a `limits` fixed-window storage on a file in the data dir, so the embedded
default is exact across workers; `I3PLAT_RATELIMIT_STORAGE` may name `redis://…` instead.
"""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path
from typing import ClassVar

from limits.storage import Storage

from i3plat.auth.db import use_wal

SCHEME = "i3plat-sqlite"
_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS limits (key TEXT PRIMARY KEY, count INTEGER NOT NULL, expires REAL NOT NULL)"
)


def sqlite_uri(path: Path) -> str:
    return f"{SCHEME}://{path}"


class SQLiteStorage(Storage):
    """Fixed-window counters: one row per key, replaced when its window has ended."""

    STORAGE_SCHEME: ClassVar[list[str]] = [SCHEME]  # type: ignore[misc]

    def __init__(self, uri: str | None = None, wrap_exceptions: bool = False, **options: float | str | bool):
        if not uri or not uri.startswith(f"{SCHEME}://"):
            raise ValueError(f"ratelimit storage: expected {SCHEME}:///path/to/file, got {uri!r}")
        self.path = Path(uri[len(SCHEME) + 3 :])
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self._connect() as connection:
            connection.execute(_SCHEMA)
        super().__init__(uri, wrap_exceptions=wrap_exceptions, **options)

    def _connect(self) -> sqlite3.Connection:
        connection = sqlite3.connect(self.path, timeout=15, isolation_level=None)
        use_wal(connection.cursor())  # workers create the file together: see `switch_to_wal`
        return connection

    @property
    def base_exceptions(self) -> type[Exception] | tuple[type[Exception], ...]:
        return sqlite3.Error

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        now = time.time()
        connection = self._connect()
        try:
            connection.execute("BEGIN IMMEDIATE")
            connection.execute("DELETE FROM limits WHERE key = ? AND expires <= ?", (key, now))
            connection.execute(
                "INSERT INTO limits (key, count, expires) VALUES (?, ?, ?) "
                "ON CONFLICT(key) DO UPDATE SET count = count + excluded.count",
                (key, amount, now + expiry),
            )
            row = connection.execute("SELECT count FROM limits WHERE key = ?", (key,)).fetchone()
            connection.execute("COMMIT")
            return int(row[0])
        finally:
            connection.close()

    def get(self, key: str) -> int:
        connection = self._connect()
        try:
            row = connection.execute(
                "SELECT count FROM limits WHERE key = ? AND expires > ?", (key, time.time())
            ).fetchone()
            return int(row[0]) if row else 0
        finally:
            connection.close()

    def get_expiry(self, key: str) -> float:
        connection = self._connect()
        try:
            row = connection.execute("SELECT expires FROM limits WHERE key = ?", (key,)).fetchone()
            return float(row[0]) if row else time.time()
        finally:
            connection.close()

    def check(self) -> bool:
        try:
            self.get("__check__")
        except sqlite3.Error:
            return False
        return True

    def reset(self) -> int | None:
        connection = self._connect()
        try:
            return int(connection.execute("DELETE FROM limits").rowcount)
        finally:
            connection.close()

    def clear(self, key: str) -> None:
        connection = self._connect()
        try:
            connection.execute("DELETE FROM limits WHERE key = ?", (key,))
        finally:
            connection.close()
