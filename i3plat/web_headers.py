"""Security headers on every response: who may frame us, no MIME sniffing, no leaking referrers.

Only embeddable panels (`/embed/...`) may be framed, and only by the origins listed in
`I3PLAT_EMBED_ORIGINS`; everything else says `frame-ancestors 'none'`. CSP `frame-ancestors`
replaces X-Frame-Options, which cannot express an allow-list.

The Dash requests an embedded panel makes (`/_dash-layout`, `/_dash-update-component`, assets)
are fetched, not framed, so their frame-ancestors does not matter to the browser; they are
recognised by their Referer anyway so the header tells the truth about them.

Every response also gets a content policy that allows scripts only from this origin plus the
hashes of Dash's own inline scripts (`app.csp_hashes()`, installed by `create_app` under
`CSP_HASHES_KEY`; the set grows once, when the page router registers its clientside
callback on the first request, so it is read per response). Styles stay 'unsafe-inline':
Dash components set inline styles.
"""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import urlsplit

import flask

from i3plat.webctx import current_services

EMBED_PREFIX = "/embed/"
CSP_HASHES_KEY = "i3plat.csp_script_hashes"
BASE_POLICY = (
    "default-src 'self'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "font-src 'self' data:",
    "connect-src 'self'",
    "worker-src 'self' blob:",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
)


def content_policy(script_hashes: Iterable[str], ancestors: str) -> str:
    """The full CSP for our own responses (hashes come already quoted from Dash)."""
    scripts = " ".join(["'self'", *script_hashes])
    return "; ".join([*BASE_POLICY, f"script-src {scripts}", f"frame-ancestors {ancestors}"])


def script_hashes(app: flask.Flask) -> list[str]:
    provider = app.extensions.get(CSP_HASHES_KEY)
    return list(provider()) if callable(provider) else []


def frame_ancestors(origins: tuple[str, ...]) -> str:
    """The CSP source list for embeddable responses: the allowed origins, or 'none'."""
    return " ".join(origins) if origins else "'none'"


def is_embed_request(request: flask.Request, prefix: str = "/") -> bool:
    """A panel page itself, or a request the panel's page made (judged by its Referer)."""
    embed = prefix.rstrip("/") + EMBED_PREFIX
    if request.path.startswith(embed):
        return True
    referrer = request.headers.get("Referer")
    if not referrer:
        return False
    parts = urlsplit(referrer)
    return parts.netloc == request.host and parts.path.startswith(embed)


def security_headers(response: flask.Response) -> flask.Response:
    """Flask `after_request` hook; reads the allowed origins from the console's settings."""
    embed = is_embed_request(flask.request)
    ancestors = frame_ancestors(current_services().settings.embed_origins) if embed else "'none'"
    policy = response.headers.get("Content-Security-Policy", "")
    if not policy:
        policy = content_policy(script_hashes(flask.current_app), ancestors)
    elif "frame-ancestors" not in policy:  # keep a stricter policy set earlier in the chain
        policy = f"{policy}; frame-ancestors {ancestors}"
    response.headers["Content-Security-Policy"] = policy
    response.headers.pop("X-Frame-Options", None)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "same-origin"
    return response
