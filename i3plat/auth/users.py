"""Console users: local (password), or external (OIDC, proxy header) with a remembered role.

Callers get `UserInfo` values, never ORM rows, so nothing outside this module can change a
user without going through a method that also rotates the session key where it must.
"""

from __future__ import annotations

import re
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from i3plat.auth.db import AuthDatabase, UserRow
from i3plat.auth.passwords import Passwords, check_new_password
from i3plat.auth.roles import Role, parse_role, role_name

UserSource = Literal["local", "oidc", "header"]
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@+-]{0,127}$")


class UserError(ValueError):
    """A user operation that cannot be done; the message names the user and the reason."""


class InvalidUserName(UserError):
    pass


class UserExists(UserError):
    pass


class NoSuchUser(UserError):
    pass


class LastAdmin(UserError):
    """The last enabled system administrator may not be removed, demoted or disabled."""


class UserDisabled(UserError):
    """The user is disabled: an identity provider vouching for them does not sign them in."""


@dataclass(frozen=True)
class UserInfo:
    name: str
    role: Role
    source: UserSource
    session_key: str
    created_at: float
    last_login_at: float | None
    has_password: bool
    disabled_at: float | None = None

    @property
    def disabled(self) -> bool:
        return self.disabled_at is not None


def check_user_name(name: str) -> str:
    if not _NAME.match(name):
        raise InvalidUserName(
            f"user name {name[:40]!r}: use 1-128 letters, digits and . _ @ + - "
            "(starting with a letter or digit)"
        )
    return name


def _info(row: UserRow) -> UserInfo:
    return UserInfo(
        name=row.name, role=parse_role(row.role), source=row.source,  # type: ignore[arg-type]
        session_key=row.session_key, created_at=row.created_at, last_login_at=row.last_login_at,
        has_password=row.password_hash is not None, disabled_at=row.disabled_at,
    )  # fmt: skip


def new_session_key() -> str:
    return secrets.token_urlsafe(24)


class UserStore:
    def __init__(
        self, db: AuthDatabase, passwords: Passwords | None = None, clock: Callable[[], float] = time.time
    ) -> None:
        self.db = db
        self.passwords = passwords or Passwords()
        self.clock = clock

    def create(
        self, name: str, role: Role, password: str | None = None, source: UserSource = "local"
    ) -> UserInfo:
        check_user_name(name)
        if source == "local":
            if password is None:
                raise UserError(f"user {name!r}: a local user needs a password")
            check_new_password(name, password)
        with self.db.session.begin() as session:
            if session.scalar(select(UserRow).where(UserRow.name == name)) is not None:
                raise UserExists(f"user {name!r} already exists")
            row = UserRow(
                name=name, role=role_name(role), source=source,
                password_hash=self.passwords.hash(password) if password is not None else None,
                session_key=new_session_key(), created_at=self.clock(), last_login_at=None,
            )  # fmt: skip
            session.add(row)
            session.flush()
            return _info(row)

    def get(self, name: str) -> UserInfo | None:
        with self.db.session() as session:
            row = session.scalar(select(UserRow).where(UserRow.name == name))
            return _info(row) if row is not None else None

    def by_session_key(self, key: str) -> UserInfo | None:
        if not key:
            return None
        with self.db.session() as session:
            row = session.scalar(select(UserRow).where(UserRow.session_key == key))
            return _info(row) if row is not None and row.disabled_at is None else None

    def list(self) -> list[UserInfo]:
        with self.db.session() as session:
            return [_info(row) for row in session.scalars(select(UserRow).order_by(UserRow.name))]

    def authenticate(self, name: str, password: str) -> UserInfo | None:
        """The user when the password is right and they are enabled; None otherwise.

        A disabled user's password is still checked, so the answer costs the same either way.
        """
        with self.db.session.begin() as session:
            row = session.scalar(select(UserRow).where(UserRow.name == name)) if _NAME.match(name) else None
            stored = row.password_hash if row is not None and row.source == "local" else None
            if not self.passwords.verify(stored, password) or row is None or stored is None:
                return None
            if row.disabled_at is not None:
                return None
            if self.passwords.needs_rehash(stored):
                row.password_hash = self.passwords.hash(password)
            row.last_login_at = self.clock()
            return _info(row)

    def set_role(self, name: str, role: Role) -> UserInfo:
        with self.db.session.begin() as session:
            row = self._row(session, name)
            if role != Role.ADMIN:
                self._keep_an_admin(session, row)
            row.role = role_name(role)
            row.session_key = new_session_key()
            return _info(row)

    def set_password(self, name: str, password: str) -> UserInfo:
        check_new_password(name, password)
        with self.db.session.begin() as session:
            row = self._row(session, name)
            if row.source != "local":
                raise UserError(f"user {name!r} signs in through {row.source}, not with a password")
            row.password_hash = self.passwords.hash(password)
            row.session_key = new_session_key()
            return _info(row)

    def delete(self, name: str) -> None:
        with self.db.session.begin() as session:
            row = self._row(session, name)
            self._keep_an_admin(session, row)
            session.delete(row)

    def disable(self, name: str) -> UserInfo:
        """Refuse their sign-in and end their sessions now; the row and its audit trail stay.

        Disabling a disabled user changes nothing (the first `disabled_at` is kept).
        """
        with self.db.session.begin() as session:
            row = self._row(session, name)
            if row.disabled_at is None:
                self._keep_an_admin(session, row)
                row.disabled_at = self.clock()
                row.session_key = new_session_key()
            return _info(row)

    def enable(self, name: str) -> UserInfo:
        """They may sign in again (old sessions stay ended: the key was rotated on disable)."""
        with self.db.session.begin() as session:
            row = self._row(session, name)
            row.disabled_at = None
            return _info(row)

    def upsert_external(self, name: str, role: Role, source: UserSource) -> UserInfo:
        """An OIDC or proxy identity: its role comes from the identity provider every time."""
        check_user_name(name)
        with self.db.session.begin() as session:
            row = session.scalar(select(UserRow).where(UserRow.name == name))
            now = self.clock()
            if row is None:
                row = UserRow(
                    name=name, role=role_name(role), source=source, password_hash=None,
                    session_key=new_session_key(), created_at=now, last_login_at=now,
                )  # fmt: skip
                session.add(row)
            else:
                if row.source != source:
                    raise UserExists(f"user {name!r} exists as a {row.source} user")
                if row.disabled_at is not None:
                    raise UserDisabled(f"user {name!r} is disabled")
                if row.role != role_name(role):
                    row.role = role_name(role)
                    row.session_key = new_session_key()
                row.last_login_at = now
            session.flush()
            return _info(row)

    @staticmethod
    def _row(session: Session, name: str) -> UserRow:
        row = session.scalar(select(UserRow).where(UserRow.name == name))
        if row is None:
            raise NoSuchUser(f"no user named {name!r}")
        return row

    @staticmethod
    def _keep_an_admin(session: Session, row: UserRow) -> None:
        """Refuse to lose `row` as an admin when no other enabled admin could sign in."""
        if parse_role(row.role) != Role.ADMIN or row.disabled_at is not None:
            return
        admins = session.scalar(
            select(func.count())
            .select_from(UserRow)
            .where(UserRow.role == role_name(Role.ADMIN), UserRow.disabled_at.is_(None))
        )
        if (admins or 0) <= 1:
            raise LastAdmin(
                f"user {row.name!r} is the last enabled system administrator; make another admin first"
            )
