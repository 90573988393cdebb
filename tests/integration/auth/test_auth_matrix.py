"""Role × route matrix on a real app: every page, every Dash server callback and every API route,
for anonymous, viewer, engineer, operator, admin, a kiosk token and an embed token.

The expectations below are written out by hand (not read from the policy table) and the first
tests check that the table says the same and covers every route, page and callback the app has.
"""

from __future__ import annotations

from typing import Any

import dash
import pytest
from werkzeug.test import TestResponse

from i3plat.auth.callbacks import callback_index
from i3plat.auth.policy import DENY, PAGES, ROUTES
from i3plat.auth.roles import Role
from tests.integration.auth.conftest import (
    METRIC,
    PRINCIPALS,
    ROLES,
    SITE,
    Console,
    callback_body,
    post_callback,
    server_callbacks,
)

pytestmark = pytest.mark.integration

V, E, OP, A = Role.VIEWER, Role.ENGINEER, Role.OPERATOR, Role.ADMIN
EXPECTED_PAGES: dict[str, tuple[Role, frozenset[str]]] = {
    "/": (V, frozenset({"kiosk"})),
    "/sites/<site>": (V, frozenset({"kiosk"})),
    "/embed/<metric>": (V, frozenset({"embed"})),
    "/sites/<site>/logs": (E, frozenset()),
    "/sites/<site>/doctor": (E, frozenset()),
    "/release": (OP, frozenset()),
    "/training": (OP, frozenset()),
    "/sites/register": (A, frozenset()),
    "/admin/tokens": (A, frozenset()),
    "/admin/users": (A, frozenset()),
}
SAMPLE_VALUES = {"site": SITE, "metric": METRIC}


def allowed(who: str, minimum: Role | None, tokens: frozenset[str] = frozenset()) -> bool:
    if minimum is None:
        return True
    if who in ROLES:
        return ROLES[who] >= minimum
    return who in tokens


def refused(response: TestResponse) -> bool:
    return response.status_code in (302, 401, 403) and (
        response.status_code != 302 or response.headers["Location"].startswith("/login")
    )


def sample_path(pattern: str) -> str:
    path = pattern
    for name, value in SAMPLE_VALUES.items():
        path = path.replace(f"<{name}>", value)
    return path + (f"?site={SITE}" if pattern.startswith("/embed/") else "")


# ---------------------------------------------------------------------------- coverage


def test_the_table_says_what_this_test_expects() -> None:
    assert {p: (r.role, r.tokens) for p, r in PAGES.items()} == EXPECTED_PAGES


def test_every_flask_route_is_in_the_table(console: Console) -> None:
    rules = {rule.rule for rule in console.app.server.url_map.iter_rules()}
    assert rules - set(ROUTES) == set(), "add these routes to auth.policy.ROUTES"


def test_every_page_is_in_the_table(console: Console) -> None:
    patterns = {str(p.get("path_template") or p.get("path")) for p in dash.page_registry.values()}
    assert patterns - set(PAGES) == set(), "add these pages to auth.policy.PAGES"


def test_every_server_callback_is_covered(console: Console) -> None:
    index = callback_index(console.app.callback_map, dash.page_registry.values())
    uncovered = [key for key in server_callbacks(console.app) if index[key].rule is DENY]
    assert uncovered == [], "callbacks outside any page in auth.policy.PAGES / DASH_CALLBACKS"
    assert len(index) == len(server_callbacks(console.app)) > 10


# ---------------------------------------------------------------------------- pages


def registered_pages() -> list[str]:
    return sorted(str(p.get("path_template") or p.get("path")) for p in dash.page_registry.values())


@pytest.mark.parametrize("who", PRINCIPALS)
def test_pages(console: Console, who: str) -> None:
    client = console.client(who)
    for pattern in registered_pages():
        minimum, tokens = EXPECTED_PAGES[pattern]
        response = client.get(sample_path(pattern))
        if allowed(who, minimum, tokens):
            assert response.status_code == 200, (who, pattern)
            assert b"_dash-config" in response.data
        elif who == "anonymous":
            assert response.status_code == 302, (who, pattern)
            assert response.headers["Location"].startswith("/login?next=%2F")
        else:
            assert response.status_code == 403, (who, pattern)
            assert b"_dash-config" not in response.data


@pytest.mark.parametrize("who", PRINCIPALS)
def test_custom_ranges_need_an_engineer(console: Console, who: str) -> None:
    response = console.client(who).get(f"/sites/{SITE}?range=custom&start=1700000000&end=1700003600")
    assert (response.status_code == 200) is allowed(who, E), who


@pytest.mark.parametrize("who", PRINCIPALS)
def test_embed_token_only_its_panel(console: Console, who: str) -> None:
    client = console.client(who)
    other_metric = client.get(f"/embed/mem.util.cluster?site={SITE}")
    other_site = client.get(f"/embed/{METRIC}?site=fab-b")
    longer = client.get(f"/embed/{METRIC}?site={SITE}&range=7d")
    for response in (other_metric, other_site, longer):
        assert (response.status_code == 200) is allowed(who, V), who


def test_unknown_pages_are_not_found_or_sign_in(console: Console) -> None:
    assert console.client("viewer").get("/no/such/page").status_code == 404
    assert console.client("anonymous").get("/no/such/page").status_code == 302


# ---------------------------------------------------------------------------- callbacks


def callback_rule(console: Console, key: str) -> tuple[Role | None, frozenset[str]]:
    target = callback_index(console.app.callback_map, dash.page_registry.values())[key]
    if target.internal:
        return None, frozenset()
    assert target.page is not None
    return EXPECTED_PAGES[target.page]


@pytest.mark.parametrize("who", PRINCIPALS)
def test_callbacks(console: Console, who: str) -> None:
    client = console.client(who)
    checked = 0
    for key in server_callbacks(console.app):
        minimum, tokens = callback_rule(console, key)
        response = post_callback(client, callback_body(console.app, key))
        if allowed(who, minimum, tokens):
            assert response.status_code not in (401, 403), (who, key, response.data[:200])
        else:
            assert response.status_code == (401 if who == "anonymous" else 403), (who, key)
            assert response.json == {
                "error": {
                    "code": "unauthorized" if who == "anonymous" else "forbidden",
                    "message": response.json["error"]["message"],
                }  # type: ignore[index]
            }
        checked += 1
    assert checked > 10


def router_answer(console: Console, who: str, url: str) -> TestResponse:
    key = next(k for k in server_callbacks(console.app) if "_pages_content" in k)
    path, _, query = url.partition("?")
    search = f"?{query}" if query else ""
    body = callback_body(
        console.app, key, {("_pages_location", "pathname"): path, ("_pages_location", "search"): search}
    )
    return post_callback(console.client(who), body)


@pytest.mark.parametrize("who", PRINCIPALS)
def test_the_page_router_renders_refusals(console: Console, who: str) -> None:
    """Client-side navigation goes through the router callback: each layout is guarded too.

    (An allowed page may fail here for want of a Karmada — the register page asks it for its
    address — which is not a refusal.)"""
    for pattern in registered_pages():
        minimum, tokens = EXPECTED_PAGES[pattern]
        response = router_answer(console, who, sample_path(pattern))
        if allowed(who, minimum, tokens):
            assert response.status_code not in (401, 403), (who, pattern)
            assert response.status_code != 200 or b"auth-refused" not in response.data, (who, pattern)
        else:
            assert response.status_code == 200 and b"auth-refused" in response.data, (who, pattern)
            assert (b"auth-redirect" in response.data) is (who == "anonymous"), (who, pattern)


@pytest.mark.parametrize("who", PRINCIPALS)
def test_site_callbacks_with_a_custom_range_need_an_engineer(console: Console, who: str) -> None:
    custom = {
        "site": SITE,
        "node": None,
        "range": "custom",
        "start": 1700000000,
        "end": 1700003600,
        "refresh": 0,
    }
    keys = [k for k in server_callbacks(console.app) if "site-summary.children" in k]  # alone or with others
    assert keys
    body = callback_body(console.app, keys[0], {("site-view", "data"): custom})
    response = post_callback(console.client(who), body)
    assert (response.status_code not in (401, 403)) is allowed(who, E), who


@pytest.mark.parametrize(
    ("query", "embed_allowed"),
    [
        ({"metric": METRIC, "site": SITE, "node": None, "range": "1h", "theme": "light"}, True),
        ({"metric": "mem.util.cluster", "site": SITE, "node": None, "range": "1h", "theme": "light"}, False),
        ({"metric": METRIC, "site": "fab-b", "node": None, "range": "1h", "theme": "light"}, False),
        ({"metric": METRIC, "site": SITE, "node": None, "range": "7d", "theme": "light"}, False),
        ({"metric": [METRIC, "mem.util.cluster"], "site": SITE, "range": "1h"}, False),
        ("not a dict", False),
    ],
)
def test_embed_callbacks_stay_in_the_token_scope(console: Console, query: Any, embed_allowed: bool) -> None:
    key = next(k for k in server_callbacks(console.app) if "embed-graph.figure" in k)
    body = callback_body(console.app, key, {("embed-query", "data"): query})
    response = post_callback(console.client("embed"), body)
    assert (response.status_code not in (401, 403)) is embed_allowed, response.data[:200]


def test_a_forged_component_id_does_not_hide_the_scope(console: Console) -> None:
    """Dash binds values by position: the id a client claims for them must not matter."""
    key = next(k for k in server_callbacks(console.app) if "embed-graph.figure" in k)
    body = callback_body(console.app, key)
    for item in body["state"]:
        if item["id"] == "embed-query":
            item["id"] = "something-else"
            item["value"] = {"metric": "mem.util.cluster", "site": SITE, "range": "1h", "theme": "light"}
    assert post_callback(console.client("embed"), body).status_code == 403


def test_unknown_callbacks_are_refused(console: Console) -> None:
    body = {"output": "nothing.children", "outputs": {"id": "nothing", "property": "children"}, "inputs": []}
    assert post_callback(console.client("admin"), body).status_code == 403
    assert post_callback(console.client("admin"), {"no": "output"}).status_code == 400


# ---------------------------------------------------------------------------- API and the rest

API = [
    ("/api/v1/sites", V),
    ("/api/v1/metrics", V),
    (f"/api/v1/sites/{SITE}/series?metric={METRIC}", V),
    (f"/api/v1/sites/{SITE}/series?metric={METRIC}&range=6h", V),
    (f"/api/v1/sites/{SITE}/series?metric={METRIC}&start=1700000000&end=1700003600", E),
    (f"/api/v1/sites/{SITE}/series?metric={METRIC}&range=1h&step=60", E),
    ("/api/v1/no/such/thing", V),
]


@pytest.mark.parametrize("who", PRINCIPALS)
def test_api(console: Console, who: str) -> None:
    client = console.client(who)
    for url, minimum in API:
        response = client.get(url)
        if allowed(who, minimum):
            assert response.status_code not in (401, 403), (who, url)
        else:
            assert response.status_code == (401 if who == "anonymous" else 403), (who, url)
            assert response.json is not None and set(response.json["error"]) == {"code", "message"}


@pytest.mark.parametrize("who", PRINCIPALS)
def test_public_and_shell_routes(console: Console, who: str) -> None:
    client = console.client(who)
    for url in ("/healthz", "/readyz", "/metrics", "/assets/app.css", "/login", "/_favicon.ico"):
        assert client.get(url).status_code not in (401, 403), (who, url)
    for url in ("/_dash-layout", "/_dash-dependencies"):
        assert (client.get(url).status_code == 200) is allowed(who, V, frozenset({"kiosk", "embed"})), (
            who,
            url,
        )
