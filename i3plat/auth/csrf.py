"""CSRF: a per-session secret, mirrored into a cookie that dash-renderer sends back as a header.

dash-renderer reads the cookie `_csrf_token` and sends its value as `X-CSRFToken` on every
callback POST (dash_renderer `csrf_token_name`/`csrf_header_name`); forms send a hidden field.
The expected value lives in Flask's signed, HttpOnly session cookie, so a value planted in the
readable cookie (e.g. by a sibling subdomain) is useless without the matching signed session.
"""

from __future__ import annotations

import secrets
from collections.abc import MutableMapping
from typing import Any

CSRF_COOKIE = "_csrf_token"
CSRF_HEADER = "X-CSRFToken"
CSRF_FIELD = "csrf_token"
SESSION_KEY = "_csrf"
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
_MAX_LENGTH = 256


def csrf_value(session: MutableMapping[str, Any]) -> str:
    """The session's CSRF secret, made on first use."""
    value = session.get(SESSION_KEY)
    if not isinstance(value, str) or len(value) < 32:
        value = secrets.token_urlsafe(32)
        session[SESSION_KEY] = value
    return value


def rotate_csrf(session: MutableMapping[str, Any]) -> str:
    """A new secret at sign-in, so a value seen before it is worthless after."""
    session.pop(SESSION_KEY, None)
    return csrf_value(session)


def csrf_ok(session: MutableMapping[str, Any], submitted: str | None) -> bool:
    expected = session.get(SESSION_KEY)
    if not isinstance(expected, str) or not submitted or len(submitted) > _MAX_LENGTH:
        return False
    return secrets.compare_digest(expected.encode(), submitted.encode())
