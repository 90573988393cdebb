"""Users (argon2), tokens (sign/verify/expire/revoke/tamper), audit, keys, CSRF, proxies."""

from __future__ import annotations

import base64
import ipaddress
import logging
import os
import stat
from pathlib import Path

import orjson
import pytest
from argon2 import PasswordHasher
from argon2.profiles import CHEAPEST

from i3plat.auth.audit import AuditLog, scrub
from i3plat.auth.csrf import csrf_ok, csrf_value, rotate_csrf
from i3plat.auth.db import AuthDatabase
from i3plat.auth.keys import SecretKeyError, load_or_create_key_file
from i3plat.auth.passwords import Passwords, WeakPassword
from i3plat.auth.principal import TokenScope
from i3plat.auth.proxy import client_address, peer_address, roles_from_header
from i3plat.auth.roles import Role
from i3plat.auth.tokens import (
    TokenExpired,
    TokenInvalid,
    TokenRevoked,
    TokenScopeError,
    TokenService,
)
from i3plat.auth.users import InvalidUserName, LastAdmin, UserExists, UserStore
from tests.support.clock import Clock

KEY = b"k" * 48


@pytest.fixture
def db(tmp_path: Path) -> AuthDatabase:
    database = AuthDatabase(tmp_path / "auth.db")
    yield database  # type: ignore[misc]
    database.close()


@pytest.fixture
def users(db: AuthDatabase) -> UserStore:
    return UserStore(db, Passwords(PasswordHasher.from_parameters(CHEAPEST)))


def test_passwords_are_argon2id_and_verify_only_the_right_one() -> None:
    passwords = Passwords(PasswordHasher.from_parameters(CHEAPEST))
    stored = passwords.hash("correct horse battery")
    assert stored.startswith("$argon2id$") and "correct" not in stored
    assert passwords.verify(stored, "correct horse battery")
    assert not passwords.verify(stored, "correct horse batterY")
    assert not passwords.verify(None, "correct horse battery")
    assert not passwords.verify("not-a-hash", "x")


def test_users_create_authenticate_and_rotate_sessions(users: UserStore, db: AuthDatabase) -> None:
    alice = users.create("alice", Role.ADMIN, "correct horse battery")
    assert users.authenticate("alice", "correct horse battery") is not None
    assert users.authenticate("alice", "wrong password!") is None
    assert users.authenticate("nobody", "correct horse battery") is None
    assert users.authenticate("bad name!", "x") is None
    with pytest.raises(UserExists):
        users.create("alice", Role.VIEWER, "another password")
    with pytest.raises(WeakPassword, match="at least"):
        users.create("bob", Role.VIEWER, "short")
    with pytest.raises(InvalidUserName):
        users.create("../bob", Role.VIEWER, "long enough password")
    users.create("bob", Role.VIEWER, "long enough password")
    changed = users.set_password("alice", "a brand new password")
    assert changed.session_key != alice.session_key, "a new password must end old sessions"
    assert users.by_session_key(alice.session_key) is None
    assert users.by_session_key(changed.session_key) == changed
    with pytest.raises(LastAdmin):
        users.set_role("alice", Role.VIEWER)
    with pytest.raises(LastAdmin):
        users.delete("alice")
    users.delete("bob")
    assert [u.name for u in users.list()] == ["alice"]


def test_external_users_take_their_role_from_the_provider(users: UserStore) -> None:
    first = users.upsert_external("carol@example.com", Role.ENGINEER, "oidc")
    again = users.upsert_external("carol@example.com", Role.VIEWER, "oidc")
    assert again.role is Role.VIEWER and again.session_key != first.session_key
    assert users.authenticate("carol@example.com", "") is None
    users.create("dave", Role.VIEWER, "long enough password")
    with pytest.raises(UserExists):
        users.upsert_external("dave", Role.ADMIN, "oidc")


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def tokens(db: AuthDatabase, clock: Clock) -> TokenService:
    return TokenService(db, KEY, clock)


EMBED = TokenScope("embed", "cpu.util.cluster", "fab-a", None, 86_400)


def test_tokens_verify_until_they_expire(tokens: TokenService, clock: Clock) -> None:
    token, info = tokens.issue(EMBED, 3600, "alice", "portal")
    assert tokens.verify(token).scope == EMBED
    assert info.id not in ("", None) and "alice" not in token
    clock.now += 3601
    with pytest.raises(TokenExpired):
        tokens.verify(token)


def test_revoked_tokens_are_refused_at_once(tokens: TokenService) -> None:
    token, info = tokens.issue(TokenScope("kiosk"), 86_400, "alice")
    tokens.revoke(info.id, "alice")
    with pytest.raises(TokenRevoked):
        tokens.verify(token)
    assert tokens.get(info.id) is not None and tokens.list()[0].state(0) == "revoked"


def test_tampered_tokens_are_refused(tokens: TokenService) -> None:
    token, info = tokens.issue(EMBED, 3600, "alice")
    signature = token.rsplit(".", 1)[1]
    body = {
        "v": 1,
        "j": info.id,
        "k": "embed",
        "x": int(info.expires_at),
        "m": "mem.util.cluster",
        "s": "fab-a",
    }
    forged = base64.urlsafe_b64encode(orjson.dumps(body)).decode().rstrip("=") + "." + signature
    for bad in (forged, token[:-2] + "xx", "", "garbage", "a.b.c", "x" * 5000):
        with pytest.raises(TokenInvalid):
            tokens.verify(bad)


def test_a_token_signed_with_another_key_is_refused(
    tokens: TokenService, db: AuthDatabase, clock: Clock
) -> None:
    token, _ = TokenService(db, b"other" * 10, clock).issue(EMBED, 3600, "mallory")
    with pytest.raises(TokenInvalid):
        tokens.verify(token)


def test_a_deleted_token_row_ends_the_token(tokens: TokenService, db: AuthDatabase) -> None:
    token, info = tokens.issue(TokenScope("kiosk"), 3600, "alice")
    with db.session.begin() as session:
        from i3plat.auth.db import TokenRow

        session.delete(session.get(TokenRow, info.id))
    with pytest.raises(TokenInvalid):
        tokens.verify(token)


@pytest.mark.parametrize(
    ("scope", "field"),
    [
        (TokenScope("kiosk", metric="cpu.util.cluster"), "kind"),
        (TokenScope("embed"), "metric"),
        (TokenScope("embed", "m", "Bad_Site"), "site"),
        (TokenScope("embed", "m", None, "n1"), "node"),
        (TokenScope("embed", "m", max_range=0), "max_range"),
    ],
)
def test_nonsense_scopes_are_refused_naming_the_field(
    tokens: TokenService, scope: TokenScope, field: str
) -> None:
    with pytest.raises(TokenScopeError, match=f"^{field}:"):
        tokens.issue(scope, 3600, "alice")


def test_lifetime_is_bounded(tokens: TokenService) -> None:
    with pytest.raises(TokenScopeError, match=r"^lifetime"):
        tokens.issue(TokenScope("kiosk"), 10 * 365 * 86_400, "alice")


def test_token_use_is_noted_once_per_hour_per_address(tokens: TokenService, clock: Clock) -> None:
    token, _ = tokens.issue(TokenScope("kiosk"), 86_400, "alice")
    assert tokens.note_use(tokens.verify(token), "10.0.0.5")
    assert not tokens.note_use(tokens.verify(token), "10.0.0.5")
    assert tokens.note_use(tokens.verify(token), "10.0.0.6")
    clock.now += 3600
    assert tokens.note_use(tokens.verify(token), "10.0.0.6")


def test_audit_rows_and_log_lines_never_hold_secrets(
    db: AuthDatabase, caplog: pytest.LogCaptureFixture
) -> None:
    audit = AuditLog(db)
    with caplog.at_level(logging.INFO, logger="i3plat.audit"):
        audit.record(
            "login", actor="alice", actor_kind="user", outcome="failed", address="10.0.0.5",
            detail={"password": "hunter2hunter2", "token": "abc", "token_id": "t1", "source": "local"},
        )  # fmt: skip
    entry = audit.recent()[0]
    assert (entry.action, entry.actor, entry.outcome, entry.address) == (
        "login",
        "alice",
        "failed",
        "10.0.0.5",
    )
    assert entry.detail == {"token_id": "t1", "source": "local"}
    line = orjson.loads(caplog.records[-1].getMessage())
    assert line["audit"] == "login" and line["actor"] == "alice"
    assert "hunter2" not in caplog.text and caplog.records[-1].levelno == logging.WARNING
    assert scrub({"csrf_token": "x", "Authorization": "y", "n": 1}) == {"n": 1}


def test_the_generated_key_is_private_and_stable(tmp_path: Path) -> None:
    path = tmp_path / "secret_key"
    first = load_or_create_key_file(path)
    assert load_or_create_key_file(path) == first and len(first) >= 32
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    os.chmod(path, 0o660)  # fsGroup on a Kubernetes volume adds group bits: still fine
    assert load_or_create_key_file(path)
    os.chmod(path, 0o644)
    with pytest.raises(SecretKeyError, match="readable by others"):
        load_or_create_key_file(path)


def test_csrf_values_compare_and_rotate() -> None:
    session: dict[str, object] = {}
    value = csrf_value(session)
    assert csrf_value(session) == value and csrf_ok(session, value)
    assert not csrf_ok(session, value[:-1] + "x") and not csrf_ok(session, None) and not csrf_ok({}, value)
    assert rotate_csrf(session) != value and not csrf_ok(session, value)


TRUSTED = (ipaddress.ip_network("10.0.0.0/24"),)


@pytest.mark.parametrize(
    ("peer", "forwarded", "expected"),
    [
        ("192.0.2.9", "1.2.3.4", "192.0.2.9"),  # untrusted peer: its header is ignored
        ("10.0.0.2", "1.2.3.4", "1.2.3.4"),
        ("10.0.0.2", "6.6.6.6, 1.2.3.4, 10.0.0.3", "1.2.3.4"),  # rightmost untrusted hop
        ("10.0.0.2", "not-an-ip", "10.0.0.2"),
        ("10.0.0.2", None, "10.0.0.2"),
        ("::ffff:10.0.0.2", "1.2.3.4", "1.2.3.4"),
    ],
)
def test_client_address_believes_only_trusted_proxies(
    peer: str, forwarded: str | None, expected: str
) -> None:
    assert client_address(peer, forwarded, TRUSTED) == expected


def test_peer_address_sees_through_proxy_fix() -> None:
    environ = {"REMOTE_ADDR": "1.2.3.4", "werkzeug.proxy_fix.orig": {"REMOTE_ADDR": "10.0.0.2"}}
    assert peer_address(environ) == "10.0.0.2"
    assert peer_address({"REMOTE_ADDR": "10.0.0.7"}) == "10.0.0.7"


def test_roles_from_header_take_the_highest_named_or_mapped_role() -> None:
    groups = {"i3-ops": "operator"}
    assert roles_from_header("viewer, i3-ops", groups) is Role.OPERATOR
    assert roles_from_header("staff nobody", groups) is None
    assert roles_from_header("ADMIN", {}) is Role.ADMIN
    assert roles_from_header(None, groups) is None


def test_access_logs_never_show_tokens() -> None:
    from i3plat.auth.install import RedactSecrets

    werkzeug = logging.LogRecord(
        "werkzeug",
        20,
        "",
        0,
        '%s - - "%s" %s',
        ("1.2.3.4", "GET /?kiosk=1&token=abc.def HTTP/1.1", "200"),
        None,
    )
    gunicorn = logging.LogRecord("gunicorn.access", 20, "", 0, '"%(r)s" "%(f)s"', None, None)
    gunicorn.args = {"r": "GET /embed/x?site=a&token=abc.def HTTP/1.1", "f": "http://c/?token=abc.def"}
    for record in (werkzeug, gunicorn):
        assert RedactSecrets().filter(record)
        text = record.getMessage()
        assert "abc.def" not in text and "token=[redacted]" in text
