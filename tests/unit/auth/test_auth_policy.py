"""The policy table and the decision function, without an app: roles, tokens, conditions."""

from __future__ import annotations

import pytest

from i3plat.auth.access import decide, embed_scope_problem
from i3plat.auth.policy import DENY, PAGES, ROUTES, match_page, required_role, to_params
from i3plat.auth.principal import ANONYMOUS, LOCAL_OPERATOR, Principal, TokenScope
from i3plat.auth.roles import ROLE_LABELS, Role, UnknownRole, parse_role

VIEWER = Principal("user", "v", Role.VIEWER)
ENGINEER = Principal("user", "e", Role.ENGINEER)
OPERATOR = Principal("user", "o", Role.OPERATOR)
ADMIN = Principal("user", "a", Role.ADMIN)
KIOSK = Principal("token", "token:k", None, TokenScope("kiosk"), "k")
EMBED = Principal(
    "token", "token:e", None, TokenScope("embed", "cpu.util.cluster", "fab-a", None, 86_400), "e"
)


def test_roles_are_ordered_and_parsed() -> None:
    assert Role.VIEWER < Role.ENGINEER < Role.OPERATOR < Role.ADMIN
    assert parse_role(" Operator ") is Role.OPERATOR
    with pytest.raises(UnknownRole, match="'root'"):
        parse_role("root")
    assert set(ROLE_LABELS) == set(Role)


@pytest.mark.parametrize(
    ("path", "pattern", "variables"),
    [
        ("/", "/", {}),
        ("/sites/fab-a", "/sites/<site>", {"site": "fab-a"}),
        ("/sites/fab-a/", "/sites/<site>", {"site": "fab-a"}),
        ("/sites/fab-a/logs", "/sites/<site>/logs", {"site": "fab-a"}),
        ("/sites/register", "/sites/register", {}),
        ("/sites/fab-a/doctor", "/sites/<site>/doctor", {"site": "fab-a"}),
        ("/embed/cpu.util.cluster", "/embed/<metric>", {"metric": "cpu.util.cluster"}),
        ("/admin/tokens", "/admin/tokens", {}),
    ],
)
def test_pages_match_fixed_paths_before_templates(path: str, pattern: str, variables: dict[str, str]) -> None:
    found = match_page(path)
    assert found is not None and found.pattern == pattern and found.variables == variables


@pytest.mark.parametrize("path", ["/sites/a/b/logs", "/nowhere", "/sites", "/embed/a/b"])
def test_unknown_paths_match_no_page(path: str) -> None:
    assert match_page(path) is None


ROLE_MATRIX = [
    # page pattern, params, minimum role
    ("/", {}, Role.VIEWER),
    ("/sites/<site>", {"range": ["6h"]}, Role.VIEWER),
    ("/sites/<site>", {"range": ["custom"], "start": ["1"], "end": ["2"]}, Role.ENGINEER),
    ("/sites/<site>", {"start": ["1700000000"]}, Role.ENGINEER),
    ("/sites/<site>/logs", {}, Role.ENGINEER),
    ("/sites/<site>/doctor", {}, Role.ENGINEER),
    ("/release", {}, Role.OPERATOR),
    ("/sites/register", {}, Role.ADMIN),
    ("/admin/tokens", {}, Role.ADMIN),
    ("/admin/users", {}, Role.ADMIN),
]


@pytest.mark.parametrize(("pattern", "params", "minimum"), ROLE_MATRIX)
def test_each_role_gets_exactly_its_pages(pattern: str, params: dict[str, list[str]], minimum: Role) -> None:
    rule = PAGES[pattern]
    assert required_role(rule, to_params(params)) is minimum
    for principal in (VIEWER, ENGINEER, OPERATOR, ADMIN):
        decision = decide(rule, principal, to_params(params))
        assert decision.allowed is (principal.role is not None and principal.role >= minimum), principal
        assert decision.status == (200 if decision.allowed else 403)
    anonymous = decide(rule, ANONYMOUS, to_params(params))
    assert (anonymous.allowed, anonymous.status) == (False, 401)
    assert decide(rule, LOCAL_OPERATOR, to_params(params)).allowed


def test_api_series_needs_an_engineer_for_explicit_ranges() -> None:
    rule = ROUTES["/api/v1/sites/<site>/series"]
    assert decide(rule, VIEWER, to_params({"metric": ["cpu.util.cluster"], "range": ["6h"]})).allowed
    for extra in ({"start": ["1"]}, {"end": ["2"]}, {"step": ["60"]}):
        assert not decide(rule, VIEWER, to_params({"metric": ["m"], **extra})).allowed
        assert decide(rule, ENGINEER, to_params({"metric": ["m"], **extra})).allowed


def test_public_routes_need_nobody_and_unknown_routes_are_denied() -> None:
    for path in ("/healthz", "/readyz", "/login", "/assets/<path:filename>"):
        assert decide(ROUTES[path], ANONYMOUS, {}).allowed
    assert not decide(DENY, ADMIN, {}).allowed
    assert decide(DENY, ANONYMOUS, {}).status == 401


def test_kiosk_token_sees_overview_and_sites_only() -> None:
    assert decide(PAGES["/"], KIOSK, to_params({"kiosk": ["1"]})).allowed
    assert decide(PAGES["/sites/<site>"], KIOSK, to_params({"site": ["fab-a"]})).allowed
    assert not decide(PAGES["/sites/<site>"], KIOSK, to_params({"range": ["custom"]})).allowed
    for pattern in ("/sites/<site>/logs", "/embed/<metric>", "/admin/tokens", "/sites/register"):
        assert decide(PAGES[pattern], KIOSK, {}).status == 403, pattern
    assert decide(ROUTES["/api/v1/sites"], KIOSK, {}).status == 403
    assert decide(ROUTES["/_dash-layout"], KIOSK, {}).allowed


@pytest.mark.parametrize(
    ("params", "allowed"),
    [
        ({"metric": ["cpu.util.cluster"], "site": ["fab-a"]}, True),
        ({"metric": ["cpu.util.cluster"], "site": ["fab-a"], "range": ["24h"]}, True),
        ({"metric": ["cpu.util.cluster"], "site": ["fab-a"], "node": ["n1"]}, True),
        ({"metric": ["mem.util.cluster"], "site": ["fab-a"]}, False),
        ({"metric": ["cpu.util.cluster", "mem.util.cluster"], "site": ["fab-a"]}, False),
        ({"metric": ["cpu.util.cluster"], "site": ["fab-b"]}, False),
        ({"metric": ["cpu.util.cluster"]}, False),
        ({"metric": ["cpu.util.cluster"], "site": ["fab-a"], "range": ["7d"]}, False),
        ({"metric": ["cpu.util.cluster"], "site": ["fab-a"], "range": ["forever"]}, False),
        ({"site": ["fab-a"]}, False),
    ],
)
def test_embed_token_is_bound_to_its_metric_site_and_range(
    params: dict[str, list[str]], allowed: bool
) -> None:
    assert decide(PAGES["/embed/<metric>"], EMBED, to_params(params)).allowed is allowed
    assert not decide(PAGES["/"], EMBED, to_params(params)).allowed


def test_embed_token_with_a_node_needs_that_node() -> None:
    scope = TokenScope("embed", "cpu.util.node", "fab-a", "n1", None)
    assert (
        embed_scope_problem(scope, to_params({"metric": "cpu.util.node", "site": "fab-a", "node": "n1"}))
        is None
    )
    assert embed_scope_problem(scope, to_params({"metric": "cpu.util.node", "site": "fab-a"}))
    assert embed_scope_problem(scope, to_params({"metric": "cpu.util.node", "site": "fab-a", "node": "n2"}))


def test_to_params_drops_empty_values_and_keeps_repeats() -> None:
    assert to_params({"a": None, "b": "", "c": [1, "x"]}, {"c": "y"}) == {"c": ("1", "x", "y")}


def test_callbacks_belong_to_their_page_however_the_module_was_imported() -> None:
    from i3plat.auth.callbacks import page_pattern_of

    pages = [
        {"module": "pages.site.page", "path_template": "/sites/<site>", "path": "/sites/none"},
        {"module": "pages.overview", "path": "/"},
    ]
    assert page_pattern_of("pages.site.page", pages) == "/sites/<site>"
    assert page_pattern_of("i3plat.pages.site._panels", pages) == "/sites/<site>"
    assert page_pattern_of("pages.site._callbacks", pages) == "/sites/<site>"
    assert page_pattern_of("i3plat.pages.overview", pages) == "/"
    assert page_pattern_of("i3plat.components.panels", pages) is None
    assert page_pattern_of("pages.other", pages) is None
