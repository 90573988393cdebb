"""Disabled users, the in-place column upgrade of older databases, audit retention, and the
`i3plat users disable|enable|list` commands."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from io import StringIO
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from argon2.profiles import CHEAPEST
from sqlalchemy import Column, Integer, MetaData, Table, create_engine, inspect, text
from sqlalchemy.exc import OperationalError

import i3plat.auth.db as db_module
from i3plat.auth.audit import PRUNE_EVERY, AuditLog
from i3plat.auth.cli import run_auth_command
from i3plat.auth.db import (
    DB_FILENAME,
    AuditRow,
    AuthDatabase,
    Base,
    SchemaError,
    add_missing_columns,
    missing_columns,
)
from i3plat.auth.passwords import Passwords
from i3plat.auth.roles import Role
from i3plat.auth.users import LastAdmin, NoSuchUser, UserDisabled, UserStore
from i3plat.cli import build_parser, main
from i3plat.settings import Settings, SettingsError, load_settings
from tests.support.clock import Clock
from tests.support.together import run_together

PASSWORD = "correct horse battery"
DAY = 86_400.0


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def db(tmp_path: Path) -> Iterator[AuthDatabase]:
    database = AuthDatabase(tmp_path / DB_FILENAME)
    yield database
    database.close()


@pytest.fixture
def users(db: AuthDatabase, clock: Clock) -> UserStore:
    return UserStore(db, Passwords(PasswordHasher.from_parameters(CHEAPEST)), clock)


# ---------------------------------------------------------------------------- disable / enable


def test_disabling_ends_sessions_and_refuses_sign_in_until_enabled(users: UserStore, clock: Clock) -> None:
    users.create("root", Role.ADMIN, PASSWORD)
    bob = users.create("bob", Role.VIEWER, PASSWORD)
    assert not bob.disabled and users.by_session_key(bob.session_key) == bob

    clock.now += 60
    off = users.disable("bob")
    assert off.disabled and off.disabled_at == clock.now
    assert off.session_key != bob.session_key, "disabling must end existing sessions"
    assert users.by_session_key(bob.session_key) is None
    assert users.by_session_key(off.session_key) is None, "no session works while disabled"
    assert users.authenticate("bob", PASSWORD) is None
    kept = users.get("bob")
    assert kept is not None and kept.disabled, "the user (and their audit trail) stays"

    clock.now += 60
    again = users.disable("bob")
    assert (again.disabled_at, again.session_key) == (off.disabled_at, off.session_key)

    on = users.enable("bob")
    assert not on.disabled and on.disabled_at is None
    assert users.by_session_key(bob.session_key) is None, "old sessions stay ended"
    signed_in = users.authenticate("bob", PASSWORD)
    assert signed_in is not None and users.by_session_key(signed_in.session_key) is not None
    with pytest.raises(NoSuchUser, match="'nobody'"):
        users.disable("nobody")
    with pytest.raises(NoSuchUser):
        users.enable("nobody")


def test_a_disabled_users_password_is_checked_like_a_wrong_one(users: UserStore, clock: Clock) -> None:
    """Same work either way, so timing does not tell a guesser the account exists but is off."""
    users.create("root", Role.ADMIN, PASSWORD)
    users.create("bob", Role.VIEWER, PASSWORD)
    users.disable("bob")
    checked: list[str | None] = []
    real_verify = users.passwords.verify

    def counting(stored: str | None, password: str) -> bool:
        checked.append(stored)
        return real_verify(stored, password)

    users.passwords.verify = counting  # type: ignore[method-assign]
    clock.now += 10
    assert users.authenticate("bob", PASSWORD) is None
    assert users.authenticate("bob", "wrong password!!") is None
    assert len(checked) == 2 and all(stored and stored.startswith("$argon2id$") for stored in checked)
    assert users.get("bob").last_login_at is None  # type: ignore[union-attr]


def test_the_last_enabled_admin_stays(users: UserStore) -> None:
    users.create("alice", Role.ADMIN, PASSWORD)
    users.create("root", Role.ADMIN, PASSWORD)
    users.create("vic", Role.VIEWER, PASSWORD)
    users.disable("root")
    for change in (
        lambda: users.disable("alice"),
        lambda: users.set_role("alice", Role.OPERATOR),
        lambda: users.delete("alice"),
    ):
        with pytest.raises(LastAdmin, match="'alice' is the last enabled system administrator"):
            change()
    alice = users.get("alice")
    assert alice is not None and alice.role is Role.ADMIN and not alice.disabled
    users.disable("vic")  # not an admin: no rule applies
    users.set_role("root", Role.ENGINEER)  # a disabled admin is no admin anyone can use
    users.set_role("root", Role.ADMIN)
    users.enable("root")
    users.disable("alice")  # root can sign in now
    with pytest.raises(LastAdmin):
        users.disable("root")
    users.delete("alice")  # a disabled admin may go
    assert [u.name for u in users.list()] == ["root", "vic"]


def test_a_disabled_external_user_is_refused_and_unchanged(users: UserStore, clock: Clock) -> None:
    users.create("root", Role.ADMIN, PASSWORD)
    first = users.upsert_external("carol@example.com", Role.ENGINEER, "oidc")
    users.disable("carol@example.com")
    before = users.get("carol@example.com")
    clock.now += 3600
    with pytest.raises(UserDisabled, match=r"carol@example\.com"):
        users.upsert_external("carol@example.com", Role.ADMIN, "oidc")
    assert users.get("carol@example.com") == before
    assert before is not None and before.role is Role.ENGINEER and before.last_login_at == first.last_login_at
    users.enable("carol@example.com")
    assert users.upsert_external("carol@example.com", Role.VIEWER, "oidc").role is Role.VIEWER


# ---------------------------------------------------------------------------- older databases

OLD_USERS_TABLE = """
CREATE TABLE auth_users (
    id INTEGER NOT NULL, name VARCHAR(128) NOT NULL, role VARCHAR(16) NOT NULL,
    source VARCHAR(16) NOT NULL, password_hash VARCHAR(256), session_key VARCHAR(64) NOT NULL,
    created_at FLOAT NOT NULL, last_login_at FLOAT, PRIMARY KEY (id)
);
CREATE UNIQUE INDEX ix_auth_users_name ON auth_users (name);
CREATE UNIQUE INDEX ix_auth_users_session_key ON auth_users (session_key);
INSERT INTO auth_users VALUES (1, 'root', 'admin', 'local', NULL, 'old-key', 1700000000.0, NULL);
"""


def old_database(path: Path) -> Path:
    """A database as the console wrote it before `disabled_at` existed."""
    with sqlite3.connect(path) as connection:
        connection.executescript(OLD_USERS_TABLE)
    connection.close()
    return path


def user_columns(path: Path) -> set[str]:
    engine = create_engine(f"sqlite:///{path}")
    try:
        return {column["name"] for column in inspect(engine).get_columns("auth_users")}
    finally:
        engine.dispose()


def test_an_old_database_gains_the_new_column_and_keeps_its_users(tmp_path: Path) -> None:
    path = old_database(tmp_path / DB_FILENAME)
    assert "disabled_at" not in user_columns(path)
    database = AuthDatabase(path)
    try:
        assert "disabled_at" in user_columns(path)
        assert missing_columns(database.engine, Base.metadata) == []
        users = UserStore(database)
        root = users.get("root")
        assert root is not None and root.role is Role.ADMIN and not root.disabled
        assert users.by_session_key("old-key") == root
        tables = set(inspect(database.engine).get_table_names())
        assert {"auth_tokens", "audit_events"} <= tables, "missing tables are still created"
    finally:
        database.close()
    AuthDatabase(path).close()  # opening an up-to-date database changes nothing


def test_a_column_another_worker_added_meanwhile_is_fine(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = old_database(tmp_path / DB_FILENAME)
    engine = create_engine(f"sqlite:///{path}")
    try:
        stale = missing_columns(engine, Base.metadata)
        assert stale == [("auth_users", "disabled_at")]
        with engine.begin() as connection:  # the other worker, between our check and our ALTER
            connection.execute(text("ALTER TABLE auth_users ADD COLUMN disabled_at FLOAT"))
        monkeypatch.setattr(db_module, "missing_columns", lambda _engine, _metadata: stale)
        assert add_missing_columns(engine, Base.metadata) == []
        monkeypatch.setattr(
            db_module, "missing_columns", lambda _engine, _metadata: [("auth_tokens", "revoked_at")]
        )
        with pytest.raises(OperationalError, match="no such table"):  # other errors still surface
            add_missing_columns(engine, Base.metadata)
    finally:
        engine.dispose()


def test_workers_opening_an_old_database_together_all_succeed(tmp_path: Path) -> None:
    path = old_database(tmp_path / DB_FILENAME)
    assert run_together(lambda: AuthDatabase(path).close()) == [] and "disabled_at" in user_columns(path)


def test_workers_creating_a_new_database_together_all_succeed(tmp_path: Path) -> None:
    """A worker that lost the check-then-create race used to fail to boot (CI, once)."""
    for attempt in range(25):
        path = tmp_path / f"{attempt}" / DB_FILENAME
        assert run_together(lambda p=path: AuthDatabase(p).close()) == [], f"attempt {attempt}"
        engine = create_engine(f"sqlite:///{path}")
        try:
            assert set(inspect(engine).get_table_names()) == set(Base.metadata.tables)
        finally:
            engine.dispose()


def test_only_plain_nullable_columns_are_added_in_place(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite:///{tmp_path / 'other.db'}")
    try:
        with engine.begin() as connection:
            connection.execute(text("CREATE TABLE things (id INTEGER PRIMARY KEY)"))
        nullable = MetaData()
        Table(
            "things", nullable, Column("id", Integer, primary_key=True), Column("size", Integer, index=True)
        )
        assert add_missing_columns(engine, nullable) == [("things", "size")]
        assert [ix["name"] for ix in inspect(engine).get_indexes("things")] == ["ix_things_size"]
        required = MetaData()
        Table(
            "things",
            required,
            Column("id", Integer, primary_key=True),
            Column("kind", Integer, nullable=False),
        )
        with pytest.raises(SchemaError, match=r"^things\.kind: missing"):
            add_missing_columns(engine, required)
    finally:
        engine.dispose()


# ---------------------------------------------------------------------------- audit retention


def backdate(db: AuthDatabase, at: float, action: str) -> None:
    with db.session.begin() as session:
        session.add(AuditRow(at=at, actor="x", actor_kind="cli", action=action, outcome="ok"))


def actions(audit: AuditLog) -> list[str]:
    return sorted(entry.action for entry in audit.recent(limit=1000))


def test_old_audit_rows_are_pruned_at_most_once_an_hour(db: AuthDatabase, clock: Clock) -> None:
    audit = AuditLog(db, clock=clock, retention_days=10)
    backdate(db, clock.now - 11 * DAY, "ancient")
    backdate(db, clock.now - 9 * DAY, "recent")
    audit.record("first", actor="a", actor_kind="cli")  # the first write of a process prunes
    assert actions(audit) == ["first", "recent"]

    clock.now += PRUNE_EVERY - 1
    backdate(db, clock.now - 30 * DAY, "late-ancient")
    audit.record("second", actor="a", actor_kind="cli")
    assert "late-ancient" in actions(audit), "no second prune within the hour"
    clock.now += 1
    audit.record("third", actor="a", actor_kind="cli")
    assert actions(audit) == ["first", "recent", "second", "third"]

    clock.now += 2 * DAY  # "recent" is now 11 days old + 1 h
    assert audit.prune() == 1 and "recent" not in actions(audit)


def test_retention_zero_keeps_everything(db: AuthDatabase, clock: Clock) -> None:
    audit = AuditLog(db, clock=clock, retention_days=0)
    backdate(db, clock.now - 3650 * DAY, "ancient")
    audit.record("now", actor="a", actor_kind="cli")
    assert audit.prune() == 0 and actions(audit) == ["ancient", "now"]
    with pytest.raises(ValueError, match="audit_retention_days"):
        AuditLog(db, retention_days=-1)


@pytest.mark.parametrize("value", ["-1", "soon", "1.5", "40000"])
def test_a_bad_retention_setting_names_the_field(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv("I3PLAT_AUDIT_RETENTION_DAYS", value)
    with pytest.raises(SettingsError, match="audit_retention_days"):
        load_settings()


def test_the_retention_setting_defaults_to_180_days(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("I3PLAT_AUDIT_RETENTION_DAYS", raising=False)
    assert load_settings().audit_retention_days == 180
    monkeypatch.setenv("I3PLAT_AUDIT_RETENTION_DAYS", "0")
    assert load_settings().audit_retention_days == 0


# ---------------------------------------------------------------------------- the CLI


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    database = AuthDatabase(tmp_path / DB_FILENAME)
    users = UserStore(database, Passwords(PasswordHasher.from_parameters(CHEAPEST)))
    users.create("root", Role.ADMIN, PASSWORD)
    users.create("bob", Role.VIEWER, PASSWORD)
    database.close()
    monkeypatch.setenv("I3PLAT_DATA_DIR", str(tmp_path))
    return tmp_path


def cli(data_dir: Path, *argv: str) -> tuple[int, str]:
    out = StringIO()
    code = run_auth_command(build_parser().parse_args(argv), Settings(data_dir=data_dir), out)
    return code, out.getvalue()


def test_cli_disables_lists_and_enables(data_dir: Path) -> None:
    assert cli(data_dir, "users", "disable", "bob") == (0, "user bob: disable done\n")
    assert cli(data_dir, "users", "disable", "bob") == (0, "user bob: already disabled\n")
    code, listing = cli(data_dir, "users", "list")
    lines = dict(line.split("\t", 1) for line in listing.splitlines())
    assert code == 0 and lines["bob"].startswith("viewer\tlocal\tdisabled since 20")
    assert lines["root"].startswith("admin\tlocal\tenabled\t")
    assert cli(data_dir, "users", "enable", "bob") == (0, "user bob: enable done\n")
    assert "bob\tviewer\tlocal\tenabled\t" in cli(data_dir, "users", "list")[1]
    database = AuthDatabase(data_dir / DB_FILENAME)
    try:
        trail = [(e.action, e.target, e.actor) for e in AuditLog(database).recent(limit=10)]
    finally:
        database.close()
    assert trail == [("user.enable", "bob", "cli"), ("user.disable", "bob", "cli")]


def test_cli_refusals_exit_2_and_name_the_user(data_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["users", "disable", "root"]) == 2
    assert "'root' is the last enabled system administrator" in capsys.readouterr().err
    assert main(["users", "enable", "nobody"]) == 2
    assert "no user named 'nobody'" in capsys.readouterr().err
