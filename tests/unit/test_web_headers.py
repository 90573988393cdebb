"""web_headers: frame-ancestors only for embeddable panels, and only for configured origins."""

from __future__ import annotations

from pathlib import Path

import flask
import pytest
from werkzeug.test import TestResponse

from i3plat.web_headers import CSP_HASHES_KEY, frame_ancestors, is_embed_request, security_headers
from tests.support.api_services import make_services

PORTAL = "https://portal.example.com"


def make_app(tmp_path: Path, **settings: object) -> flask.Flask:
    app = flask.Flask("headers-test")
    app.extensions["i3plat"] = make_services(tmp_path, **settings)

    @app.route("/<path:rest>")
    @app.route("/")
    def anything(rest: str = "") -> flask.Response:
        response = flask.make_response("ok")
        response.headers["X-Frame-Options"] = "DENY"
        return response

    app.after_request(security_headers)
    return app


def directives(response: TestResponse) -> dict[str, str]:
    policy = response.headers["Content-Security-Policy"]
    parts = [part.strip().split(" ", 1) for part in policy.split(";")]
    return {part[0]: part[1] if len(part) > 1 else "" for part in parts}


def test_frame_ancestors_lists_origins_or_none() -> None:
    assert frame_ancestors(()) == "'none'"
    assert frame_ancestors((PORTAL, "http://127.0.0.1:8060")) == f"{PORTAL} http://127.0.0.1:8060"


@pytest.mark.parametrize(
    ("path", "referrer", "embed"),
    [
        ("/embed/cpu.util.cluster", None, True),
        ("/_dash-update-component", "http://console.local/embed/cpu.util.cluster?site=a", True),
        ("/_dash-update-component", "http://elsewhere.local/embed/x", False),
        ("/_dash-layout", "http://console.local/sites/a", False),
        ("/sites/a", None, False),
        ("/embedded", None, False),
    ],
)
def test_embed_requests_are_recognised(path: str, referrer: str | None, embed: bool) -> None:
    app = flask.Flask("x")
    headers = {"Referer": referrer} if referrer else {}
    with app.test_request_context(path, headers=headers, base_url="http://console.local"):
        assert is_embed_request(flask.request) is embed


def test_only_embed_pages_may_be_framed_by_configured_origins(tmp_path: Path) -> None:
    client = make_app(tmp_path, embed_origins=(PORTAL,)).test_client()
    embed = client.get("/embed/cpu.util.cluster?site=a")
    assert directives(embed)["frame-ancestors"] == PORTAL
    other = client.get("/sites/a")
    assert directives(other)["frame-ancestors"] == "'none'"
    for response in (embed, other):
        assert "X-Frame-Options" not in response.headers
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Referrer-Policy"] == "same-origin"


def test_nothing_is_framed_by_default(tmp_path: Path) -> None:
    client = make_app(tmp_path).test_client()
    assert directives(client.get("/embed/x"))["frame-ancestors"] == "'none'"


def test_scripts_only_from_this_origin_and_dash_inline_hashes(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    app.extensions[CSP_HASHES_KEY] = lambda: ["'sha256-abc='"]
    policy = directives(app.test_client().get("/sites/a"))
    assert policy["script-src"] == "'self' 'sha256-abc='"
    assert policy["default-src"] == "'self'"
    assert policy["object-src"] == "'none'"
    assert "unsafe-eval" not in " ".join(policy.values())


def test_an_existing_policy_is_extended_not_replaced(tmp_path: Path) -> None:
    app = make_app(tmp_path, embed_origins=(PORTAL,))

    @app.route("/strict")
    def strict() -> flask.Response:
        response = flask.make_response("ok")
        response.headers["Content-Security-Policy"] = "default-src 'self'"
        return response

    policy = app.test_client().get("/strict").headers["Content-Security-Policy"]
    assert policy == "default-src 'self'; frame-ancestors 'none'"
