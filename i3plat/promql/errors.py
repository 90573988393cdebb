"""Errors of the query layer.

PromQLError
 ├─ QueryInputError (ValueError)   bad input from a caller; `.field` names it; nothing was sent
 ├─ CatalogError                   the metric catalog file is invalid (fails start-up)
 └─ PrometheusError                Prometheus answered with an error or not at all; its subtree
                                   (BadQuery, QueryTimeout, ...) is in promql.prom_errors
"""

from __future__ import annotations


class PromQLError(Exception):
    """Base of every error raised by `i3plat.promql`."""


class QueryInputError(PromQLError, ValueError):
    """A caller-supplied value is unusable; raised before any query is built or sent."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


class CatalogError(PromQLError):
    """The metric catalog is invalid; the message names the metric id and the problem."""
