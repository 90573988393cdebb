"""Builds the Dash app and its Flask `server`: wiring only, no data access."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import dash
import flask
from flask_compress import Compress

from i3plat.api import health_blueprint
from i3plat.api.metrics_endpoint import metrics_blueprint
from i3plat.api.v1 import api_v1_blueprint
from i3plat.auth.install import install_auth
from i3plat.auth.shell import shell_links, shell_notice, shell_user
from i3plat.collector.access import SiteAccess
from i3plat.collector.logs import PodLogs
from i3plat.collector.ondemand import OnDemandQueries
from i3plat.collector.store import SnapshotStore
from i3plat.components.shell import chromeless_url, shell
from i3plat.karmada_client import KarmadaClient, load_config
from i3plat.settings import Settings
from i3plat.web_headers import CSP_HASHES_KEY, security_headers
from i3plat.webctx import EXTENSION_KEY, Services, remember_language, request_translator

PACKAGE_DIR = Path(__file__).parent


def build_services(settings: Settings) -> Services:
    """The shared, process-wide services every page and API route reads from."""

    def client_factory() -> KarmadaClient:
        path = str(settings.kubeconfig) if settings.kubeconfig else None
        return KarmadaClient(load_config(path), timeout=settings.request_timeout)

    store = SnapshotStore(settings.data_dir / "cache")

    def known_profile(site: str) -> dict[str, Any] | None:
        record = store.site(site)
        return record.profile if record is not None else None

    access = SiteAccess(settings, client_factory, known_profile=known_profile)
    return Services(
        settings=settings,
        access=access,
        store=store,
        ondemand=OnDemandQueries(access, store, poll_interval=settings.poll_interval),
        logs=PodLogs(access, store),
    )


def serve_shell() -> Any:
    """Chrome-less for kiosk and embed pages: the layout request's Referer is the page's URL.

    (assets/kiosk.js hides the chrome too when a Referrer-Policy withholds the URL.)
    """
    prefix = dash.get_app().config.requests_pathname_prefix  # type: ignore[no-untyped-call]
    referrer = flask.request.referrer if flask.has_request_context() else None
    t, chromeless = request_translator(), chromeless_url(referrer, prefix)
    notice, user = shell_notice(t, chromeless=chromeless), shell_user(t)
    return shell(
        t, dash.page_container, chromeless=chromeless, notice=notice, user=user, links=shell_links(t)
    )


def create_app(settings: Settings, services: Services | None = None) -> dash.Dash:
    app = dash.Dash(
        __name__,
        use_pages=True,
        pages_folder=str(PACKAGE_DIR / "pages"),
        assets_folder=str(PACKAGE_DIR / "assets"),
        update_title="",  # falsy: the tab title never flashes "Updating…" on a TV
        suppress_callback_exceptions=True,
        title="I3Plat",
    )
    server = app.server
    server.extensions[EXTENSION_KEY] = services or build_services(settings)
    server.register_blueprint(health_blueprint)
    server.register_blueprint(api_v1_blueprint)
    server.register_blueprint(metrics_blueprint)
    server.after_request(remember_language)
    server.after_request(security_headers)
    server.extensions[CSP_HASHES_KEY] = app.csp_hashes
    Compress(server)
    app.layout = serve_shell
    install_auth(app, settings)  # after the pages registered: it guards their layouts
    # TVs run for weeks: never an error overlay or hot reload, whatever DASH_* variables say
    app.enable_dev_tools(
        debug=False, dev_tools_ui=False, dev_tools_hot_reload=False, dev_tools_props_check=False,
        dev_tools_serve_dev_bundles=False,
    )  # fmt: skip
    set_up_before_serving(app)
    return app


def set_up_before_serving(app: dash.Dash) -> None:
    """Run Dash's one-time set-up now, before any request.

    Dash does it on the first request and marks it done before it has registered its script
    libraries, so under a threaded server (gunicorn gthread) concurrent first requests of a fresh
    worker answered 500 "dash is not a registered library" and the page never started.
    """
    with app.server.test_request_context("/"):
        app._setup_server()  # type: ignore[no-untyped-call]
