"""Who is asking: a signed-in user, a proxy-vouched user, a kiosk/embed token, or nobody.

One immutable value per request, resolved once (`auth.web.current_principal`), so every check
(policy, CSRF, audit) sees the same answer.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from i3plat.auth.roles import Role

TokenKind = Literal["kiosk", "embed"]
TOKEN_KINDS: tuple[TokenKind, ...] = ("kiosk", "embed")

PrincipalKind = Literal["anonymous", "user", "proxy", "local", "token"]
"""`user`: a session (local password or OIDC); `proxy`: header mode; `local`: sign-in is off."""

AMBIENT_KINDS: frozenset[PrincipalKind] = frozenset({"user", "proxy", "local"})
"""Credentials a browser attaches by itself (cookies, a proxy's SSO): these need CSRF checks."""


@dataclass(frozen=True)
class TokenScope:
    """What a kiosk or embed token may show; everything else is refused."""

    kind: TokenKind
    metric: str | None = None
    site: str | None = None
    node: str | None = None
    max_range: int | None = None
    """Seconds; the longest preset range an embed token's panel may show."""


@dataclass(frozen=True)
class Principal:
    kind: PrincipalKind
    name: str
    role: Role | None = None
    scope: TokenScope | None = None
    token_id: str | None = None

    @property
    def authenticated(self) -> bool:
        return self.kind != "anonymous"

    @property
    def ambient(self) -> bool:
        return self.kind in AMBIENT_KINDS

    def at_least(self, role: Role) -> bool:
        """Role holders only: a token has no role, whatever its scope."""
        return self.role is not None and self.role >= role


ANONYMOUS = Principal("anonymous", "anonymous")
LOCAL_OPERATOR = Principal("local", "local", Role.ADMIN)
"""Sign-in off: the one person at this machine's keyboard (loopback only, see serving.check_bind)."""
