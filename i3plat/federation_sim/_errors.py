"""Typed errors of the simulator: each names the field or site that is wrong."""

from __future__ import annotations


class SimError(Exception):
    """Base class of every error the simulator raises on purpose."""


class SimConfigError(SimError, ValueError):
    """A site spec, config value or control request is invalid; `field` names the culprit."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


class UnknownSiteError(SimError, LookupError):
    """No site of that name is registered in the federation."""

    def __init__(self, site: str) -> None:
        super().__init__(f"unknown site {site!r}")
        self.site = site


class SiteExistsError(SimError):
    """A site of that name is already registered."""

    def __init__(self, site: str) -> None:
        super().__init__(f"site {site!r} already exists")
        self.site = site
