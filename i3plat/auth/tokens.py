"""Kiosk and embed tokens: signed (itsdangerous), expiring, revocable, scoped.

The token string carries its id, scope and expiry, signed with a key derived from the
console's secret key, so a tampered scope fails the signature. Its id must also be in the
database and not revoked: deleting the row or revoking it ends the token at once, in every
worker. The string is shown once, to the admin who made it; lists show ids only.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from itsdangerous import BadData, URLSafeSerializer
from sqlalchemy import select

from i3plat.auth.db import AuthDatabase, TokenRow
from i3plat.auth.principal import TOKEN_KINDS, TokenKind, TokenScope
from i3plat.karmada_client import InvalidName, validate_name

SALT = "i3plat.access-token.v1"
MAX_LIFETIME = 2 * 365 * 86_400
MIN_LIFETIME = 60
TOKEN_USE_AUDIT_EVERY = 3600.0
"""A token's use is audit-logged once per hour per address (TVs call every few seconds)."""


class TokenError(Exception):
    """Refused token. Subclasses say why, for logs; clients only ever see 401."""


class TokenInvalid(TokenError):
    pass


class TokenExpired(TokenError):
    pass


class TokenRevoked(TokenError):
    pass


class TokenScopeError(ValueError):
    """A scope an admin asked for that makes no sense; the message names the field."""


@dataclass(frozen=True)
class TokenInfo:
    id: str
    scope: TokenScope
    note: str
    created_by: str
    created_at: float
    expires_at: float
    revoked_at: float | None
    last_used_at: float | None
    last_used_from: str | None

    def state(self, now: float) -> str:
        if self.revoked_at is not None:
            return "revoked"
        return "expired" if self.expires_at <= now else "active"


def check_scope(scope: TokenScope) -> TokenScope:
    if scope.kind not in TOKEN_KINDS:
        raise TokenScopeError(f"kind: {scope.kind!r} is not one of {', '.join(TOKEN_KINDS)}")
    if scope.kind == "kiosk":
        if scope.metric or scope.site or scope.node or scope.max_range:
            raise TokenScopeError("kind: a kiosk token takes no metric, site, node or range")
        return scope
    if not scope.metric:
        raise TokenScopeError("metric: an embed token needs the metric it may show")
    try:
        if scope.site is not None:
            validate_name("site", scope.site)
    except InvalidName as exc:
        raise TokenScopeError(f"site: {exc}") from None
    if scope.node is not None and scope.site is None:
        raise TokenScopeError("node: a node needs its site")
    if scope.max_range is not None and scope.max_range <= 0:
        raise TokenScopeError("max_range: must be a positive number of seconds")
    return scope


def _payload(token_id: str, scope: TokenScope, expires_at: float) -> dict[str, Any]:
    body: dict[str, Any] = {"v": 1, "j": token_id, "k": scope.kind, "x": int(expires_at)}
    for key, value in (("m", scope.metric), ("s", scope.site), ("n", scope.node), ("r", scope.max_range)):
        if value is not None:
            body[key] = value
    return body


def _scope_of(payload: Any) -> tuple[str, TokenScope, float]:
    if not isinstance(payload, dict) or payload.get("v") != 1:
        raise TokenInvalid("unknown token format")
    try:
        kind = payload["k"]
        if kind not in TOKEN_KINDS:
            raise TokenInvalid("unknown token kind")
        scope = TokenScope(kind, payload.get("m"), payload.get("s"), payload.get("n"), payload.get("r"))
        return str(payload["j"]), scope, float(payload["x"])
    except (KeyError, TypeError, ValueError):
        raise TokenInvalid("malformed token payload") from None


def _row_scope(row: TokenRow) -> TokenScope:
    kind: TokenKind = "kiosk" if row.kind == "kiosk" else "embed"
    return TokenScope(kind, row.metric, row.site, row.node, row.max_range)


def _info(row: TokenRow) -> TokenInfo:
    return TokenInfo(
        id=row.id, scope=_row_scope(row), note=row.note, created_by=row.created_by,
        created_at=row.created_at, expires_at=row.expires_at, revoked_at=row.revoked_at,
        last_used_at=row.last_used_at, last_used_from=row.last_used_from,
    )  # fmt: skip


class TokenService:
    def __init__(self, db: AuthDatabase, secret_key: bytes, clock: Callable[[], float] = time.time) -> None:
        self.db = db
        self.serializer = URLSafeSerializer(secret_key, salt=SALT)
        self.clock = clock

    def issue(
        self, scope: TokenScope, lifetime: float, created_by: str, note: str = ""
    ) -> tuple[str, TokenInfo]:
        """(the token string — show it once —, its record)."""
        check_scope(scope)
        if not MIN_LIFETIME <= lifetime <= MAX_LIFETIME:
            raise TokenScopeError(
                f"lifetime: must be between {MIN_LIFETIME} s and {MAX_LIFETIME // 86_400} days"
            )
        now = self.clock()
        row = TokenRow(
            id=secrets.token_urlsafe(9), kind=scope.kind, metric=scope.metric, site=scope.site,
            node=scope.node, max_range=scope.max_range, note=note[:200], created_by=created_by,
            created_at=now, expires_at=now + lifetime, revoked_at=None, revoked_by=None,
        )  # fmt: skip
        with self.db.session.begin() as session:
            session.add(row)
        token = self.serializer.dumps(_payload(row.id, scope, row.expires_at))
        return str(token), _info(row)

    def verify(self, token: str) -> TokenInfo:
        if not token or len(token) > 2048:
            raise TokenInvalid("empty or oversized token")
        try:
            payload = self.serializer.loads(token)
        except BadData:
            raise TokenInvalid("bad signature or encoding") from None
        token_id, scope, expires_at = _scope_of(payload)
        now = self.clock()
        if expires_at <= now:
            raise TokenExpired(f"token {token_id} expired")
        with self.db.session() as session:
            row = session.get(TokenRow, token_id)
            if row is None:
                raise TokenInvalid(f"token {token_id} is not known")
            info = _info(row)
        if info.revoked_at is not None:
            raise TokenRevoked(f"token {token_id} was revoked")
        if info.expires_at <= now:
            raise TokenExpired(f"token {token_id} expired")
        if info.scope != scope:
            raise TokenInvalid(f"token {token_id} does not match its record")
        return info

    def list(self) -> list[TokenInfo]:
        with self.db.session() as session:
            rows = session.scalars(select(TokenRow).order_by(TokenRow.created_at.desc()))
            return [_info(row) for row in rows]

    def get(self, token_id: str) -> TokenInfo | None:
        with self.db.session() as session:
            row = session.get(TokenRow, token_id)
            return _info(row) if row is not None else None

    def revoke(self, token_id: str, by: str) -> TokenInfo:
        with self.db.session.begin() as session:
            row = session.get(TokenRow, token_id)
            if row is None:
                raise KeyError(f"no token with id {token_id!r}")
            if row.revoked_at is None:
                row.revoked_at = self.clock()
                row.revoked_by = by
            return _info(row)

    def note_use(self, info: TokenInfo, address: str) -> bool:
        """Remember the last use; True when this use should be audit-logged."""
        now = self.clock()
        fresh = info.last_used_from != address or (now - (info.last_used_at or 0)) >= TOKEN_USE_AUDIT_EVERY
        if not fresh:
            return False
        with self.db.session.begin() as session:
            row = session.get(TokenRow, info.id)
            if row is not None:
                row.last_used_at = now
                row.last_used_from = address[:64]
        return True
