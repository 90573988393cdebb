"""JSON responses and errors of the API: one shape, `{"error": {"code", "message", "field"?}}`.

Routes raise `ApiError`; the blueprint's handlers turn it (and anything unexpected) into a
JSON answer, so no route formats an error itself and no stack trace ever reaches a client.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import flask
import orjson
from werkzeug.exceptions import HTTPException

CODE_BY_HTTP_STATUS = {
    400: "bad_request",
    404: "not_found",
    405: "method_not_allowed",
    429: "too_many_requests",
    503: "not_ready",
}


class ApiError(Exception):
    """An answer other than 200: the status, a stable `code`, and the input `field` at fault."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        *,
        field: str | None = None,
        extra: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.field = field
        self.extra = dict(extra or {})
        self.headers = dict(headers or {})

    def body(self) -> dict[str, Any]:
        error: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.field is not None:
            error["field"] = self.field
        error.update(self.extra)
        return {"error": error}


def bad_input(field: str, message: str) -> ApiError:
    return ApiError(400, "bad_request", message, field=field)


def not_found(field: str, message: str) -> ApiError:
    return ApiError(404, "not_found", message, field=field)


def json_response(
    payload: Any, status: int = 200, headers: Mapping[str, str] | None = None
) -> flask.Response:
    """orjson body (NaN/±Inf become null), never cached: every answer is a live snapshot."""
    response = flask.Response(orjson.dumps(payload), status=status, mimetype="application/json")
    response.headers["Cache-Control"] = "no-store"
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def api_error_response(error: ApiError) -> flask.Response:
    return json_response(error.body(), error.status, error.headers)


def http_error_response(error: HTTPException) -> flask.Response:
    status = error.code or 500
    code = CODE_BY_HTTP_STATUS.get(status, "internal" if status >= 500 else "bad_request")
    methods = getattr(error, "valid_methods", None)
    headers = {"Allow": ", ".join(methods)} if methods else {}
    message = error.description or error.name
    return json_response({"error": {"code": code, "message": message}}, status, headers)


def internal_error_response(error: Exception) -> flask.Response:
    """Log the details for operators; tell the client nothing about them."""
    flask.current_app.logger.error("unexpected error in %s", flask.request.path, exc_info=error)
    return json_response({"error": {"code": "internal", "message": "internal error"}}, 500)
