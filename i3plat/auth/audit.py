"""The audit trail: who did what, when, from where — one SQLite row and one JSON log line each.

The database row is for the admin UI and CLI; the log line is for the platform's log pipeline
(it outlives a lost data volume). Detail values under secret-looking keys are dropped before
either is written, so a careless caller cannot leak a password or token into the trail.

Rows older than the retention (`audit_retention_days`) are deleted by whichever process writes
an event, at most once an hour per process: no scheduler, and the check costs one comparison.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import orjson
from sqlalchemy import delete, select
from sqlalchemy.exc import OperationalError

from i3plat.auth.db import AuditRow, AuthDatabase

AUDIT_LOGGER = "i3plat.audit"
SECRET_WORDS = ("password", "secret", "token", "cookie", "authorization", "csrf")
DEFAULT_RETENTION_DAYS = 180
PRUNE_EVERY = 3600.0
DAY = 86_400.0
log = logging.getLogger("i3plat.auth")


@dataclass(frozen=True)
class AuditEntry:
    at: float
    actor: str
    actor_kind: str
    action: str
    target: str
    outcome: str
    address: str
    detail: dict[str, Any]


def scrub(detail: Mapping[str, Any] | None) -> dict[str, Any]:
    """Keep plain values, drop anything under a key that names a secret (`token_id` is fine)."""
    kept: dict[str, Any] = {}
    for key, value in (detail or {}).items():
        lowered = key.lower()
        if any(word in lowered for word in SECRET_WORDS) and not lowered.endswith("_id"):
            continue
        kept[key] = value if isinstance(value, str | int | float | bool | None) else str(value)
    return kept


class AuditLog:
    def __init__(
        self,
        db: AuthDatabase,
        logger: logging.Logger | None = None,
        clock: Callable[[], float] = time.time,
        retention_days: int = DEFAULT_RETENTION_DAYS,
    ) -> None:
        """`retention_days` 0 keeps every row."""
        if retention_days < 0:
            raise ValueError(f"audit_retention_days: must be 0 or more, got {retention_days}")
        self.db = db
        self.logger = logger or logging.getLogger(AUDIT_LOGGER)
        self.clock = clock
        self.retention_days = retention_days
        self._next_prune = float("-inf")
        self._prune_lock = threading.Lock()

    def record(
        self,
        action: str,
        *,
        actor: str,
        actor_kind: str,
        outcome: str = "ok",
        target: str = "",
        address: str = "",
        detail: Mapping[str, Any] | None = None,
    ) -> AuditEntry:
        entry = AuditEntry(
            self.clock(), actor[:128], actor_kind, action, target[:256], outcome, address[:64], scrub(detail)
        )
        with self.db.session.begin() as session:
            session.add(
                AuditRow(
                    at=entry.at,
                    actor=entry.actor,
                    actor_kind=entry.actor_kind,
                    action=entry.action,
                    target=entry.target,
                    outcome=entry.outcome,
                    address=entry.address,
                    detail=orjson.dumps(entry.detail).decode(),
                )
            )
        line = {"audit": entry.action, **{k: v for k, v in entry.__dict__.items() if k != "action"}}
        level = logging.INFO if outcome == "ok" else logging.WARNING
        self.logger.log(level, "%s", orjson.dumps(line).decode())
        self._prune_if_due(entry.at)
        return entry

    def prune(self, now: float | None = None) -> int:
        """Delete the rows older than the retention; the number deleted (0 when kept forever)."""
        if self.retention_days == 0:
            return 0
        cutoff = (self.clock() if now is None else now) - self.retention_days * DAY
        with self.db.session.begin() as session:
            result = session.execute(delete(AuditRow).where(AuditRow.at < cutoff))
        return int(getattr(result, "rowcount", 0) or 0)

    def _prune_if_due(self, now: float) -> None:
        """A busy database only postpones pruning to the next hour; the event is already stored."""
        if self.retention_days == 0 or now < self._next_prune:
            return
        with self._prune_lock:
            if now < self._next_prune:
                return
            self._next_prune = now + PRUNE_EVERY
        try:
            pruned = self.prune(now)
        except OperationalError as exc:
            log.warning("audit log: pruning rows older than %d days failed: %s", self.retention_days, exc)
            return
        if pruned:
            log.info("audit log: deleted %d rows older than %d days", pruned, self.retention_days)

    def recent(self, limit: int = 200, action: str | None = None) -> list[AuditEntry]:
        query = select(AuditRow).order_by(AuditRow.id.desc()).limit(limit)
        if action is not None:
            query = query.where(AuditRow.action == action)
        with self.db.session() as session:
            return [
                AuditEntry(
                    row.at,
                    row.actor,
                    row.actor_kind,
                    row.action,
                    row.target,
                    row.outcome,
                    row.address,
                    orjson.loads(row.detail or "{}"),
                )
                for row in session.scalars(query)
            ]
