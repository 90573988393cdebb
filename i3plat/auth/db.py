"""The sign-in database (SQLAlchemy 2, SQLite in the data dir): users, access tokens, audit log.

SQLite in WAL mode with a busy timeout, so several gunicorn workers and the CLI can share it
on one host. Tables are created on first use. There is no migration tool: a column added to a
model must be nullable, and `add_missing_columns` adds it to a database made by an older
version when the database is opened.
"""

from __future__ import annotations

import os
import sqlite3
import time
from pathlib import Path
from typing import Any

from sqlalchemy import (
    Engine,
    Float,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    create_engine,
    event,
    inspect,
    text,
)
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, sessionmaker

DB_FILENAME = "i3plat.db"


class Base(DeclarativeBase):
    pass


class UserRow(Base):
    __tablename__ = "auth_users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(128), unique=True, index=True)
    role: Mapped[str] = mapped_column(String(16))
    source: Mapped[str] = mapped_column(String(16), default="local")
    password_hash: Mapped[str | None] = mapped_column(String(256), nullable=True)
    session_key: Mapped[str] = mapped_column(String(64), unique=True, index=True)
    """What the session cookie names; rotated on password or role change, so old sessions end."""
    created_at: Mapped[float] = mapped_column(Float)
    last_login_at: Mapped[float | None] = mapped_column(Float, nullable=True)
    disabled_at: Mapped[float | None] = mapped_column(Float, nullable=True)
    """Set while the user may not sign in; the row (and the audit trail naming it) stays."""


class TokenRow(Base):
    __tablename__ = "auth_tokens"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    metric: Mapped[str | None] = mapped_column(String(128), nullable=True)
    site: Mapped[str | None] = mapped_column(String(64), nullable=True)
    node: Mapped[str | None] = mapped_column(String(256), nullable=True)
    max_range: Mapped[int | None] = mapped_column(Integer, nullable=True)
    note: Mapped[str] = mapped_column(String(200), default="")
    created_by: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[float] = mapped_column(Float)
    expires_at: Mapped[float] = mapped_column(Float)
    revoked_at: Mapped[float | None] = mapped_column(Float, nullable=True)
    revoked_by: Mapped[str | None] = mapped_column(String(128), nullable=True)
    last_used_at: Mapped[float | None] = mapped_column(Float, nullable=True)
    last_used_from: Mapped[str | None] = mapped_column(String(64), nullable=True)


class AuditRow(Base):
    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[float] = mapped_column(Float, index=True)
    actor: Mapped[str] = mapped_column(String(128))
    actor_kind: Mapped[str] = mapped_column(String(16))
    action: Mapped[str] = mapped_column(String(64), index=True)
    target: Mapped[str] = mapped_column(String(256), default="")
    outcome: Mapped[str] = mapped_column(String(16))
    address: Mapped[str] = mapped_column(String(64), default="")
    detail: Mapped[str] = mapped_column(Text, default="{}")


class SchemaError(RuntimeError):
    """The database lacks a column that cannot be added in place; the message names it."""


def missing_columns(engine: Engine, metadata: MetaData) -> list[tuple[str, str]]:
    """(table, column) of every model column an existing table lacks; new tables are not listed."""
    inspector = inspect(engine)
    existing = set(inspector.get_table_names())
    missing: list[tuple[str, str]] = []
    for table in metadata.sorted_tables:
        if table.name not in existing:
            continue
        present = {column["name"] for column in inspector.get_columns(table.name)}
        missing.extend((table.name, column.name) for column in table.columns if column.name not in present)
    return missing


def add_missing_columns(engine: Engine, metadata: MetaData) -> list[tuple[str, str]]:
    """Add the nullable columns an older database lacks (`create_all` never alters a table).

    Safe when several workers open the database together: another one may add the column
    between our check and our ALTER, which SQLite reports as "duplicate column name".
    Returns the (table, column) pairs this call added.
    """
    quote = engine.dialect.identifier_preparer.quote
    added: list[tuple[str, str]] = []
    for table_name, column_name in missing_columns(engine, metadata):
        table = metadata.tables[table_name]
        column = table.columns[column_name]
        if not column.nullable or column.primary_key or column.unique:
            raise SchemaError(
                f"{table_name}.{column_name}: missing from the database and not a plain nullable "
                "column; it cannot be added in place"
            )
        kind = column.type.compile(dialect=engine.dialect)
        statement = f"ALTER TABLE {quote(table_name)} ADD COLUMN {quote(column_name)} {kind}"
        try:
            with engine.begin() as connection:
                connection.execute(text(statement))
        except OperationalError as exc:
            if "duplicate column name" not in str(exc):
                raise
            continue
        for index in table.indexes:
            if column_name in index.columns:
                _create_index(engine, index)
        added.append((table_name, column_name))
    return added


def _create_index(engine: Engine, index: Index) -> None:
    try:
        index.create(engine, checkfirst=True)
    except OperationalError as exc:  # another worker created it after our check
        if "already exists" not in str(exc):
            raise


WAL_SWITCH_SECONDS = 15.0


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    if isinstance(dbapi_connection, sqlite3.Connection):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA busy_timeout=15000")
        use_wal(cursor)
        cursor.close()


def use_wal(cursor: sqlite3.Cursor) -> None:
    """WAL for this file unless it has it already (asking again would take a lock)."""
    if str(cursor.execute("PRAGMA journal_mode").fetchone()[0]).lower() != "wal":
        switch_to_wal(cursor)


def switch_to_wal(cursor: sqlite3.Cursor) -> None:
    """WAL mode, once per database file (it persists).

    Workers opening a new (or rollback-journal) file together all try to switch; SQLite answers
    "database is locked" at once to the losers, without its busy wait. The winner's switch
    lasts, so a loser retries briefly and then finds WAL.
    """
    deadline = time.monotonic() + WAL_SWITCH_SECONDS
    while True:
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.05)


class AuthDatabase:
    """One engine per process; `session()` gives a short-lived ORM session."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600))  # password hashes: owner only
        self.path = path
        self.engine: Engine = create_engine(f"sqlite:///{path}", connect_args={"timeout": 15})
        event.listen(self.engine, "connect", _sqlite_pragmas)
        self.session = sessionmaker(self.engine, expire_on_commit=False)
        self._create_tables()
        add_missing_columns(self.engine, Base.metadata)

    def _create_tables(self) -> None:
        """Check and create under SQLite's write lock, in one transaction.

        Workers start together: without the lock one may create a table between another's
        check and create, and the loser's worker fails to boot ("table … already exists").
        `BEGIN IMMEDIATE` makes the others wait (busy timeout) and then find the tables.
        """
        with self.engine.connect() as connection:
            connection.exec_driver_sql("BEGIN IMMEDIATE")
            Base.metadata.create_all(connection)
            connection.commit()

    def close(self) -> None:
        self.engine.dispose()


def open_database(data_dir: Path) -> AuthDatabase:
    return AuthDatabase(data_dir / DB_FILENAME)
