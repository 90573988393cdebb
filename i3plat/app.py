"""Builds the Dash app and its Flask `server`: wiring only, no data access."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import dash
from flask_compress import Compress

from i3plat.api import health_blueprint
from i3plat.api.metrics_endpoint import metrics_blueprint
from i3plat.api.v1 import api_v1_blueprint
from i3plat.collector.access import SiteAccess
from i3plat.collector.ondemand import OnDemandQueries
from i3plat.collector.store import SnapshotStore
from i3plat.components.shell import shell
from i3plat.karmada_client import KarmadaClient, load_config
from i3plat.settings import Settings
from i3plat.webctx import EXTENSION_KEY, Services, remember_language, request_translator

PACKAGE_DIR = Path(__file__).parent


def build_services(settings: Settings) -> Services:
    """The shared, process-wide services every page and API route reads from."""

    def client_factory() -> KarmadaClient:
        path = str(settings.kubeconfig) if settings.kubeconfig else None
        return KarmadaClient(load_config(path), timeout=settings.request_timeout)

    access = SiteAccess(settings, client_factory)
    store = SnapshotStore(settings.data_dir / "cache")
    return Services(
        settings=settings,
        access=access,
        store=store,
        ondemand=OnDemandQueries(access, store, poll_interval=settings.poll_interval),
    )


def serve_shell() -> Any:
    return shell(request_translator(), dash.page_container)


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
    Compress(server)
    app.layout = serve_shell
    return app
