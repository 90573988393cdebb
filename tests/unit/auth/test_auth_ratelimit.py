"""The SQLite storage for `limits`: shared by processes, windows end, keys are separate."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

from limits import parse
from limits.storage import storage_from_string
from limits.strategies import FixedWindowRateLimiter

from i3plat.auth.ratelimit import SQLiteStorage, sqlite_uri
from tests.support.together import run_together

HIT_ONCE = """
import sys
from limits import parse
from limits.storage import storage_from_string
from limits.strategies import FixedWindowRateLimiter
import i3plat.auth.ratelimit
limiter = FixedWindowRateLimiter(storage_from_string(sys.argv[1]))
print(limiter.hit(parse("3 per hour"), "alice|10.0.0.5"))
"""


def test_limits_are_counted_across_processes(tmp_path: Path) -> None:
    uri = sqlite_uri(tmp_path / "rl.db")
    storage = storage_from_string(uri)
    assert isinstance(storage, SQLiteStorage) and storage.check()
    limiter = FixedWindowRateLimiter(storage)
    item = parse("3 per hour")
    assert limiter.hit(item, "alice|10.0.0.5")
    answers = [
        subprocess.run(
            [sys.executable, "-c", HIT_ONCE, uri], capture_output=True, text=True, check=True
        ).stdout
        for _ in range(3)
    ]
    assert [a.strip() for a in answers] == ["True", "True", "False"]
    assert not limiter.test(item, "alice|10.0.0.5")
    assert limiter.hit(item, "bob|10.0.0.5"), "another key has its own window"


def test_a_window_ends(tmp_path: Path) -> None:
    storage = SQLiteStorage(sqlite_uri(tmp_path / "rl.db"))
    assert storage.incr("k", expiry=-1) == 1  # already expired
    assert storage.get("k") == 0
    assert storage.incr("k", expiry=60) == 1
    assert storage.incr("k", expiry=60) == 2
    storage.clear("k")
    assert storage.get("k") == 0


def test_workers_creating_the_storage_together_all_succeed(tmp_path: Path) -> None:
    """Workers start together on a new file; the ones losing the WAL switch used to fail."""
    for attempt in range(25):
        uri = sqlite_uri(tmp_path / f"{attempt}" / "rl.db")
        assert run_together(lambda u=uri: storage_from_string(u)) == [], f"attempt {attempt}"
        journal = sqlite3.connect(tmp_path / f"{attempt}" / "rl.db")
        try:
            assert journal.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        finally:
            journal.close()
