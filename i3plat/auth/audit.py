"""The audit trail: who did what, when, from where — one SQLite row and one JSON log line each.

The database row is for the admin UI and CLI; the log line is for the platform's log pipeline
(it outlives a lost data volume). Detail values under secret-looking keys are dropped before
either is written, so a careless caller cannot leak a password or token into the trail.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import orjson
from sqlalchemy import select

from i3plat.auth.db import AuditRow, AuthDatabase

AUDIT_LOGGER = "i3plat.audit"
SECRET_WORDS = ("password", "secret", "token", "cookie", "authorization", "csrf")


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
    ) -> None:
        self.db = db
        self.logger = logger or logging.getLogger(AUDIT_LOGGER)
        self.clock = clock

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
        return entry

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
