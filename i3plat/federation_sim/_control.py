"""The `/_sim/` control API: fault injection, site management and counters over HTTP.

Same bearer token as the Karmada API. Errors are `{"error": {"code", "field", "message"}}`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import orjson
from werkzeug.wrappers import Response

from ._errors import SimConfigError, SiteExistsError, UnknownSiteError
from ._responses import json_response
from ._spec import site_spec_from_dict
from ._state import Federation

_SITE_ACTION_RE = re.compile(r"^/sites/([^/]+)/([a-z-]+)$")
_SITE_RE = re.compile(r"^/sites/([^/]+)$")


def error_response(code: int, message: str, field: str | None = None) -> Response:
    """The control API's error envelope."""
    return json_response({"error": {"code": code, "field": field, "message": message}}, code)


def parse_body(raw: bytes) -> dict[str, Any]:
    """The JSON object of a control request (empty body = `{}`)."""
    if not raw.strip():
        return {}
    try:
        data = orjson.loads(raw)
    except orjson.JSONDecodeError as error:
        raise SimConfigError("body", f"invalid JSON: {error}") from None
    if not isinstance(data, dict):
        raise SimConfigError("body", "must be a JSON object")
    return data


def require(body: dict[str, Any], key: str) -> Any:
    """A mandatory field of the request body."""
    if key not in body:
        raise SimConfigError(key, "is required")
    return body[key]


def optional_str(body: dict[str, Any], key: str) -> str | None:
    value = body.get(key)
    if value is not None and not isinstance(value, str):
        raise SimConfigError(key, "must be a string")
    return value


SiteAction = Callable[[Federation, str, dict[str, Any]], None]
SITE_ACTIONS: dict[str, SiteAction] = {
    "offline": lambda fed, site, body: fed.set_offline(site, True),
    "online": lambda fed, site, body: fed.set_offline(site, False),
    "latency": lambda fed, site, body: fed.set_latency(site, require(body, "seconds")),
    "error-rate": lambda fed, site, body: fed.set_error_rate(site, require(body, "rate")),
    "ready": lambda fed, site, body: fed.set_ready(
        site, require(body, "status"), optional_str(body, "reason"), optional_str(body, "detail")
    ),
    "failures": lambda fed, site, body: fed.set_failures(site, **body),
}


def handle_control(federation: Federation, method: str, path: str, raw_body: bytes) -> Response:
    """Dispatch one control request; every mutation answers with the new state of the federation."""
    try:
        return route_control(federation, method, path, raw_body)
    except SimConfigError as error:
        return error_response(400, error.message, error.field)
    except UnknownSiteError as error:
        return error_response(404, str(error), "site")
    except SiteExistsError as error:
        return error_response(409, str(error), "name")


def route_control(federation: Federation, method: str, path: str, raw_body: bytes) -> Response:
    if path == "/state" and method == "GET":
        return json_response(federation.state())
    if path == "/counters" and method == "GET":
        return json_response(federation.counters())
    if path == "/counters/reset" and method == "POST":
        federation.reset_counters()
        return json_response(federation.counters())
    if path == "/aggregated-api" and method == "POST":
        federation.set_aggregated_api(require(parse_body(raw_body), "up"))
        return json_response(federation.state())
    if path == "/ready-grace" and method == "POST":
        federation.set_ready_grace(require(parse_body(raw_body), "seconds"))
        return json_response(federation.state())
    if path == "/sites" and method == "POST":
        federation.add_site(site_spec_from_dict(parse_body(raw_body)))
        return json_response(federation.state(), 201)
    if (match := _SITE_RE.match(path)) and method == "DELETE":
        federation.remove_site(match[1])
        return json_response(federation.state())
    if (match := _SITE_ACTION_RE.match(path)) and match[2] in SITE_ACTIONS:
        if method != "POST":
            return error_response(405, f"use POST for {path}")
        SITE_ACTIONS[match[2]](federation, match[1], parse_body(raw_body))
        return json_response(federation.state())
    return error_response(404, f"no control endpoint {method} {path}")
