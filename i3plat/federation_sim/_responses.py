"""Small response constructors shared by the Karmada layer, the member API and the control API."""

from __future__ import annotations

from typing import Any

import orjson
from werkzeug.wrappers import Response

JSON = "application/json"


def json_response(body: Any, status: int = 200) -> Response:
    """Compact JSON with the trailing newline Go's encoder writes."""
    return Response(orjson.dumps(body) + b"\n", status=status, content_type=JSON)


def status_response(body: dict[str, Any]) -> Response:
    """A Status object answered with its own `code`."""
    return json_response(body, int(body["code"]))


def text_response(text: str, status: int = 200, content_type: str = "text/plain; charset=utf-8") -> Response:
    """A plain-text answer (health checks, kube-aggregator 503, go-restful 405)."""
    return Response(text.encode(), status=status, content_type=content_type)


def raw_response(body: bytes, status: int, content_type: str | None) -> Response:
    """Bytes with exactly the given Content-Type (none at all when empty)."""
    response = Response(body, status=status, content_type=content_type or "text/plain")
    if not content_type:
        del response.headers["Content-Type"]
    return response


def redirect_response(location: str) -> Response:
    """301 with an empty body, as the upgrade-aware proxy answers a bare `…/proxy`."""
    response = Response(b"", status=301)
    del response.headers["Content-Type"]
    response.headers["Location"] = location
    return response
