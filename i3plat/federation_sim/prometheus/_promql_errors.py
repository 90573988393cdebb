"""Typed PromQL errors carrying the Prometheus API `errorType` they are reported as."""

from __future__ import annotations

from typing import ClassVar, Literal

ErrorType = Literal["bad_data", "execution", "timeout", "canceled", "internal", "not_found", "unavailable"]


class PromQLError(Exception):
    """Base class; `error_type` is the API's errorType (mapped to an HTTP status by the server)."""

    error_type: ClassVar[ErrorType] = "internal"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class BadDataError(PromQLError):
    """The request or query is malformed (HTTP 400)."""

    error_type: ClassVar[ErrorType] = "bad_data"


class ParseError(BadDataError):
    """The query does not parse; the message reads like Prometheus' `parse error: …`."""


class UnsupportedError(BadDataError):
    """Valid PromQL this synthetic Prometheus does not implement; the message names the construct."""

    def __init__(self, construct: str) -> None:
        super().__init__(f"{construct} is not supported by the synthetic Prometheus")
        self.construct = construct


class ExecutionError(PromQLError):
    """The query parsed but failed while evaluating (HTTP 422), e.g. many-to-many matching."""

    error_type: ClassVar[ErrorType] = "execution"


MANY_TO_ONE_MESSAGE = (
    "multiple matches for labels: many-to-one matching must be explicit (group_left/group_right)"
)
DUPLICATE_LABELSET_MESSAGE = "vector cannot contain metrics with the same labelset"
