"""Per-request context for pages and API routes: the shared services and the viewer's language.

Pages never build clients or read settings themselves; `create_app` puts one `Services` on the
Flask app and every callback reaches it through `current_services()`.
"""

from __future__ import annotations

from dataclasses import dataclass
from zoneinfo import ZoneInfo

import flask

from i3plat.collector.access import SiteAccess
from i3plat.collector.logs import PodLogs
from i3plat.collector.ondemand import OnDemandQueries
from i3plat.collector.store import SnapshotStore
from i3plat.i18n import LANG_COOKIE, TZ_COOKIE, Translator, match_locale, negotiate_locale, parse_zone
from i3plat.promql.catalog import Catalog
from i3plat.settings import Settings

EXTENSION_KEY = "i3plat"


@dataclass(frozen=True)
class Services:
    """Process-wide: one Karmada client, one snapshot store, one on-demand path per process."""

    settings: Settings
    access: SiteAccess
    store: SnapshotStore
    ondemand: OnDemandQueries
    logs: PodLogs | None = None
    """Namespaces, pods and pod logs on demand (None where a test or tool needs none)."""

    @property
    def catalog(self) -> Catalog:
        return self.access.catalog

    def close(self) -> None:
        self.access.close()
        self.store.close()


def current_services() -> Services:
    services = flask.current_app.extensions.get(EXTENSION_KEY)
    if not isinstance(services, Services):
        raise RuntimeError("the console's services are not installed on this Flask app")
    return services


def request_locale() -> str:
    """`?lang=` wins, then the remembered cookie, then the configured default (zh_CN)."""
    default = current_services().settings.language
    if not flask.has_request_context():
        return default
    return negotiate_locale(
        flask.request.args.get("lang"), flask.request.cookies.get(LANG_COOKIE), default=default
    )


def request_zone() -> ZoneInfo:
    """The browser's own zone (cookie set by assets/tz.js) when valid, else the configured one."""
    configured = current_services().settings.timezone
    if flask.has_request_context():
        chosen = parse_zone(flask.request.cookies.get(TZ_COOKIE))
        if chosen is not None:
            return chosen
    return ZoneInfo(configured)


def request_translator() -> Translator:
    return Translator(request_locale(), request_zone())


def remember_language(response: flask.Response) -> flask.Response:
    """after_request hook: a valid `?lang=` choice is kept in a cookie for later visits."""
    chosen = match_locale(flask.request.args.get("lang"))
    if chosen:
        response.set_cookie(LANG_COOKIE, chosen, max_age=365 * 24 * 3600, samesite="Lax", httponly=True)
    return response
