"""THE access policy: one table, pure data, for every Flask route, page and Dash callback.

Reading order for a request (see `auth.web`): the Flask rule that matched is looked up in
`ROUTES`. Most rules carry their answer; three dispatch further:

- `page` (Dash's `/` and `/<path:path>`): the URL path is matched against `PAGES`;
- `callback` (`/_dash-update-component`): the callback's page module is matched against
  `PAGES` (its `path_template`/`path`), or its outputs against `DASH_CALLBACKS`;
- `metrics`: public unless `I3PLAT_METRICS_TOKEN` is set (then a bearer token).

Anything not in the tables is refused (`DENY`), and `tests/integration/auth` fails for any
registered route, page or server callback the tables do not cover. A new page adds one line to
`PAGES` (and, if its callbacks take parameters that widen access, a `PARAM_SOURCES` entry).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

from i3plat.auth.principal import TokenKind
from i3plat.auth.roles import Role

Dispatch = Literal["fixed", "page", "callback", "metrics"]
Params = Mapping[str, tuple[str, ...]]
"""Request parameters as a multi-map (query strings repeat keys; so may forged payloads)."""


@dataclass(frozen=True)
class Raise:
    """When a parameter has this value (None: any non-empty value), at least `role` is needed."""

    param: str
    value: str | None
    role: Role


@dataclass(frozen=True)
class Rule:
    role: Role | None
    """The minimum role; None is public (no sign-in at all)."""
    tokens: frozenset[TokenKind] = frozenset()
    """Token kinds that may use this too (never when a `Raise` applies)."""
    raises: tuple[Raise, ...] = ()
    scoped: bool = False
    """An embed token's metric/site/node/range must match the request's parameters."""
    dispatch: Dispatch = "fixed"
    audit: bool = False
    """Every use changes state (or shows secrets): log who, what, when and from where."""
    deny: bool = False


@dataclass(frozen=True)
class ParamSource:
    """A callback dependency (by registered position, never by the id a client claims) whose
    value feeds the parameters: a dict is merged, anything else is stored under `name`."""

    component: str
    prop: str
    name: str | None = None


PUBLIC = Rule(None)
DENY = Rule(Role.ADMIN, deny=True)
KIOSK: frozenset[TokenKind] = frozenset({"kiosk"})
EMBED: frozenset[TokenKind] = frozenset({"embed"})
ANY_TOKEN: frozenset[TokenKind] = frozenset({"kiosk", "embed"})
CUSTOM_RANGE = (
    Raise("range", "custom", Role.ENGINEER),
    Raise("start", None, Role.ENGINEER),
    Raise("end", None, Role.ENGINEER),
)

OIDC_LOGIN_PATH = "/login/oidc"
OIDC_CALLBACK_PATH = "/login/oidc/callback"

ROUTES: dict[str, Rule] = {
    # static files and the Dash shell: code and chrome, no data
    "/static/<path:filename>": PUBLIC,
    "/assets/<path:filename>": PUBLIC,
    "/_dash-component-suites/<string:package_name>/<path:fingerprinted_path>": PUBLIC,
    "/_favicon.ico": PUBLIC,
    "/_dash-layout": Rule(Role.VIEWER, ANY_TOKEN),
    "/_dash-dependencies": Rule(Role.VIEWER, ANY_TOKEN),
    "/_reload-hash": Rule(Role.VIEWER),
    "/_dash-update-component": Rule(Role.VIEWER, dispatch="callback"),
    "/": Rule(Role.VIEWER, dispatch="page"),
    "/<path:path>": Rule(Role.VIEWER, dispatch="page"),
    # probes and scraping
    "/healthz": PUBLIC,
    "/readyz": PUBLIC,
    "/metrics": Rule(None, dispatch="metrics"),
    # sign-in
    "/login": PUBLIC,
    "/logout": PUBLIC,
    OIDC_LOGIN_PATH: PUBLIC,
    OIDC_CALLBACK_PATH: PUBLIC,
    # the JSON API: read-only; explicit start/end/step are custom ranges
    "/api/v1/sites": Rule(Role.VIEWER),
    "/api/v1/metrics": Rule(Role.VIEWER),
    "/api/v1/sites/<site>/series": Rule(
        Role.VIEWER, raises=(*CUSTOM_RANGE, Raise("step", None, Role.ENGINEER))
    ),
    "/api/v1/<path:_rest>": Rule(Role.VIEWER),
}

PAGES: dict[str, Rule] = {
    "/": Rule(Role.VIEWER, KIOSK),
    "/sites/<site>": Rule(Role.VIEWER, KIOSK, raises=CUSTOM_RANGE),
    "/embed/<metric>": Rule(Role.VIEWER, EMBED, raises=CUSTOM_RANGE, scoped=True),
    "/sites/<site>/logs": Rule(Role.ENGINEER),
    "/sites/<site>/doctor": Rule(Role.ENGINEER),
    "/release": Rule(Role.OPERATOR, audit=True),
    "/training": Rule(Role.OPERATOR, audit=True),
    "/sites/register": Rule(Role.ADMIN, audit=True),
    "/admin/tokens": Rule(Role.ADMIN, audit=True),
    "/admin/users": Rule(Role.ADMIN, audit=True),
}

PARAM_SOURCES: dict[str, tuple[ParamSource, ...]] = {
    "/sites/<site>": (ParamSource("site-view", "data"), ParamSource("site-range", "value", "range")),
    "/embed/<metric>": (ParamSource("embed-query", "data"),),
}

DASH_CALLBACKS: dict[str, Rule] = {
    # Dash's page router: public, because every page layout is guarded itself (auth.pages)
    "_pages_content": PUBLIC,
}
"""Server callbacks registered outside a page module, by their first output's component id."""

EMBED_DEFAULT_RANGE = "1h"


# ---------------------------------------------------------------------------- evaluation


@dataclass(frozen=True)
class PageMatch:
    pattern: str
    variables: dict[str, str] = field(default_factory=dict)


def template_regex(template: str) -> re.Pattern[str]:
    """`/sites/<site>/logs` → a regex where each variable is exactly one path segment."""
    parts = re.split(r"<([A-Za-z_][A-Za-z0-9_]*)>", template.strip("/"))
    body = "".join(
        re.escape(part) if index % 2 == 0 else f"(?P<{part}>[^/]+)" for index, part in enumerate(parts)
    )
    return re.compile(f"^{body}$")


_PAGE_REGEXES = {pattern: template_regex(pattern) for pattern in PAGES}


def match_page(path: str, pages: Mapping[str, Rule] = PAGES) -> PageMatch | None:
    """Fixed paths win over templates (`/sites/register` is not a site called "register")."""
    stripped = path.strip("/")
    for pattern in pages:
        if "<" not in pattern and pattern.strip("/") == stripped:
            return PageMatch(pattern)
    for pattern in pages:
        if "<" in pattern:
            regex = _PAGE_REGEXES.get(pattern) or template_regex(pattern)
            found = regex.match(stripped)
            if found:
                return PageMatch(pattern, found.groupdict())
    return None


def to_params(*sources: Mapping[str, object]) -> dict[str, tuple[str, ...]]:
    """Merge mappings into a multi-map; None and "" are absent, lists give several values."""
    merged: dict[str, list[str]] = {}
    for source in sources:
        for key, value in source.items():
            values = value if isinstance(value, list | tuple) else [value]
            for item in values:
                if item is None or item == "":
                    continue
                merged.setdefault(str(key), []).append(str(item))
    return {key: tuple(values) for key, values in merged.items()}


def raised_by(rule: Rule, params: Params) -> list[Raise]:
    """The conditions of `rule` that these parameters meet."""
    met = []
    for condition in rule.raises:
        values = params.get(condition.param, ())
        if (condition.value is None and values) or condition.value in values:
            met.append(condition)
    return met


def required_role(rule: Rule, params: Params) -> Role | None:
    """The rule's role, raised by every condition met; None when public."""
    if rule.role is None:
        return None
    roles = [rule.role, *(condition.role for condition in raised_by(rule, params))]
    return max(roles)
