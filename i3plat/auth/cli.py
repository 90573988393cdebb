"""`i3plat users …` and `i3plat tokens …`: the first admin, and tokens for TVs and portals.

Passwords are read from a prompt (or one line of stdin with `--password-stdin`), never from
argv, which other users of the machine can read in the process list. Token strings are
printed once, at creation.
"""

from __future__ import annotations

import argparse
import getpass
import sys
import time
from typing import Any, TextIO

from i3plat.auth.audit import AuditLog
from i3plat.auth.db import AuthDatabase, open_database
from i3plat.auth.keys import load_secret_key
from i3plat.auth.principal import TokenScope
from i3plat.auth.roles import ROLE_NAMES, Role, parse_role
from i3plat.auth.tokens import TokenService
from i3plat.auth.users import UserInfo, UserStore
from i3plat.promql.timerange import parse_duration
from i3plat.settings import Settings

AUTH_COMMANDS = ("users", "tokens")
CLI_ACTOR = "cli"


class CliError(ValueError):
    pass


def add_auth_commands(sub: Any) -> None:
    """Add `users` and `tokens` to the `i3plat` sub-command parser."""
    users = sub.add_parser("users", help="console users (local sign-in)").add_subparsers(
        dest="action", required=True
    )
    create = users.add_parser("create", help="create a user; the password is asked for")
    create.add_argument("name")
    create.add_argument("--role", choices=ROLE_NAMES, default="viewer")
    create.add_argument("--admin", action="store_true", help="same as --role admin")
    create.add_argument("--password-stdin", action="store_true", help="read the password from stdin")
    users.add_parser("list", help="list users")
    set_role = users.add_parser("set-role", help="change a user's role (signs them out)")
    set_role.add_argument("name")
    set_role.add_argument("role", choices=ROLE_NAMES)
    set_password = users.add_parser("set-password", help="set a new password (signs the user out)")
    set_password.add_argument("name")
    set_password.add_argument("--password-stdin", action="store_true")
    delete = users.add_parser("delete", help="delete a user")
    delete.add_argument("name")
    disable = users.add_parser("disable", help="refuse a user's sign-in and end their sessions now")
    disable.add_argument("name")
    enable = users.add_parser("enable", help="let a disabled user sign in again")
    enable.add_argument("name")

    tokens = sub.add_parser("tokens", help="kiosk and embed tokens").add_subparsers(
        dest="action", required=True
    )
    make = tokens.add_parser("create", help="create a token; prints it once")
    make.add_argument("kind", choices=("kiosk", "embed"))
    make.add_argument("--metric", help="embed: the metric id the panel shows")
    make.add_argument("--site", help="embed: only this site")
    make.add_argument("--node", help="embed: only this node (needs --site)")
    make.add_argument("--max-range", help="embed: the longest range, e.g. 24h")
    make.add_argument("--expires", default="365d", help="lifetime, e.g. 30d (default 365d)")
    make.add_argument("--note", default="", help="where it is used, e.g. 'line 3 TV'")
    tokens.add_parser("list", help="list tokens (ids, scopes, states; never the token strings)")
    revoke = tokens.add_parser("revoke", help="revoke a token by id")
    revoke.add_argument("id")


def read_password(from_stdin: bool, stdin: TextIO, confirm: bool = True) -> str:
    if from_stdin:
        return stdin.readline().rstrip("\r\n")
    first = getpass.getpass("Password: ")
    if confirm and getpass.getpass("Repeat password: ") != first:
        raise CliError("password: the two entries differ")
    return first


def run_auth_command(args: argparse.Namespace, settings: Settings, out: TextIO = sys.stdout) -> int:
    db = open_database(settings.data_dir)
    audit = AuditLog(db, retention_days=settings.audit_retention_days)
    try:
        if args.command == "users":
            return run_users(args, db, out, audit=audit)
        return run_tokens(args, db, settings, out, audit=audit)
    finally:
        db.close()


def format_local_time(moment: float | None) -> str:
    return time.strftime("%Y-%m-%d %H:%M", time.localtime(moment)) if moment else "-"


def user_line(user: UserInfo) -> str:
    state = f"disabled since {format_local_time(user.disabled_at)}" if user.disabled else "enabled"
    last = format_local_time(user.last_login_at)
    return f"{user.name}\t{user.role.name.lower()}\t{user.source}\t{state}\tlast sign-in {last}"


def run_users(
    args: argparse.Namespace,
    db: AuthDatabase,
    out: TextIO,
    stdin: TextIO = sys.stdin,
    audit: AuditLog | None = None,
) -> int:
    users, audit = UserStore(db), audit or AuditLog(db)
    if args.action == "list":
        for user in users.list():
            print(user_line(user), file=out)
        return 0
    if args.action == "create":
        role = Role.ADMIN if args.admin else parse_role(args.role)
        info = users.create(args.name, role, read_password(args.password_stdin, stdin))
        detail = {"role": info.role.name}
    elif args.action == "set-role":
        info = users.set_role(args.name, parse_role(args.role))
        detail = {"role": info.role.name}
    elif args.action == "set-password":
        info = users.set_password(args.name, read_password(args.password_stdin, stdin))
        detail = {}
    elif args.action in ("disable", "enable"):
        before = users.get(args.name)  # None: the store names the missing user below
        if before is not None and before.disabled is (args.action == "disable"):
            print(f"user {args.name}: already {args.action}d", file=out)
            return 0
        info = users.disable(args.name) if args.action == "disable" else users.enable(args.name)
        detail = {}
    else:
        users.delete(args.name)
        detail = {}
    audit.record(f"user.{args.action}", actor=CLI_ACTOR, actor_kind="cli", target=args.name, detail=detail)
    print(f"user {args.name}: {args.action} done", file=out)
    return 0


def scope_from_args(args: argparse.Namespace) -> TokenScope:
    max_range = parse_duration(args.max_range, "max-range") if args.max_range else None
    return TokenScope(args.kind, args.metric, args.site, args.node, max_range)


def run_tokens(
    args: argparse.Namespace, db: AuthDatabase, settings: Settings, out: TextIO, audit: AuditLog | None = None
) -> int:
    tokens, audit = TokenService(db, load_secret_key(settings)), audit or AuditLog(db)
    if args.action == "list":
        now = time.time()
        for info in tokens.list():
            scope = info.scope
            fields = (
                ("metric", scope.metric),
                ("site", scope.site),
                ("node", scope.node),
                ("max_range", scope.max_range),
            )
            where = " ".join(f"{k}={v}" for k, v in fields if v)
            expires = time.strftime("%Y-%m-%d", time.localtime(info.expires_at))
            print(
                f"{info.id}\t{scope.kind}\t{info.state(now)}\texpires {expires}\t{where}\t{info.note}",
                file=out,
            )
        return 0
    if args.action == "revoke":
        try:
            tokens.revoke(args.id, CLI_ACTOR)
        except KeyError:
            raise CliError(f"id: no token with id {args.id!r}") from None
        audit.record("token.revoke", actor=CLI_ACTOR, actor_kind="cli", target=args.id)
        print(f"token {args.id}: revoked", file=out)
        return 0
    token, info = tokens.issue(
        scope_from_args(args), parse_duration(args.expires, "expires"), CLI_ACTOR, args.note
    )
    audit.record(
        "token.create", actor=CLI_ACTOR, actor_kind="cli", target=info.id, detail={"kind": info.scope.kind}
    )
    expires = time.strftime("%Y-%m-%d", time.localtime(info.expires_at))
    print(f"token {info.id} ({info.scope.kind}), expires {expires}:", file=sys.stderr)
    print(token, file=out)
    return 0
