"""Decide one request against one policy rule: pure, so the role × route matrix is a unit test.

`Decision.reason` is for the server's log and the audit trail only; clients get a bare
401/403 so a refusal never tells an attacker which part of a token or header was wrong.
"""

from __future__ import annotations

from dataclasses import dataclass

from i3plat.auth.policy import EMBED_DEFAULT_RANGE, Params, Rule, raised_by, required_role
from i3plat.auth.principal import Principal, TokenScope
from i3plat.promql.errors import QueryInputError
from i3plat.promql.timerange import parse_duration


@dataclass(frozen=True)
class Decision:
    allowed: bool
    status: int
    """200 allowed, 401 sign-in needed, 403 signed in (or token) but not allowed."""
    reason: str


ALLOW = Decision(True, 200, "allowed")


def deny(status: int, reason: str) -> Decision:
    return Decision(False, status, reason)


def decide(rule: Rule, principal: Principal, params: Params) -> Decision:
    if rule.deny:
        return deny(403 if principal.authenticated else 401, "not in the access policy")
    required = required_role(rule, params)
    if required is None:
        return ALLOW
    if not principal.authenticated:
        return deny(401, "sign-in required")
    if principal.scope is not None:
        return decide_token(rule, principal.scope, params)
    if principal.at_least(required):
        return ALLOW
    return deny(403, f"needs role {required.name.lower()}")


def decide_token(rule: Rule, scope: TokenScope, params: Params) -> Decision:
    if scope.kind not in rule.tokens:
        return deny(403, f"a {scope.kind} token may not use this")
    if raised_by(rule, params):
        return deny(403, f"a {scope.kind} token may not use these parameters")
    if rule.scoped and scope.kind == "embed":
        problem = embed_scope_problem(scope, params)
        if problem:
            return deny(403, problem)
    return ALLOW


def embed_scope_problem(scope: TokenScope, params: Params) -> str | None:
    """Every value must be the token's: one forged duplicate parameter is enough to refuse."""
    metrics = params.get("metric", ())
    if not metrics or any(metric != scope.metric for metric in metrics):
        return "metric outside the token's scope"
    for name, allowed in (("site", scope.site), ("node", scope.node)):
        values = params.get(name, ())
        if allowed is not None and (not values or any(value != allowed for value in values)):
            return f"{name} outside the token's scope"
    if scope.max_range is not None:
        for range_ in params.get("range", ()) or (EMBED_DEFAULT_RANGE,):
            try:
                seconds = parse_duration(range_)
            except QueryInputError:
                return "range is not a duration"
            if seconds > scope.max_range:
                return "range longer than the token allows"
    return None
