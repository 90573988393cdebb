"""/readyz follows the snapshots: site list fetched, Karmada reachable, at least one site polled."""

from __future__ import annotations

import time
from pathlib import Path

import flask
from flask.testing import FlaskClient

from i3plat.api.health import health_blueprint
from i3plat.collector.records import FleetRecord
from i3plat.webctx import EXTENSION_KEY, Services
from tests.support.api_services import failure, make_services, site_record


def client(tmp_path: Path) -> tuple[FlaskClient, Services]:
    services = make_services(tmp_path)
    app = flask.Flask("health-test")
    app.extensions[EXTENSION_KEY] = services
    app.register_blueprint(health_blueprint)
    return app.test_client(), services


def test_healthz_always_answers(tmp_path: Path) -> None:
    test_client, _ = client(tmp_path)
    body = test_client.get("/healthz").get_json()
    assert body["status"] == "ok" and body["pid"] > 0


def test_readyz_needs_fleet_and_a_polled_site(tmp_path: Path) -> None:
    test_client, services = client(tmp_path)
    store = services.store
    assert test_client.get("/readyz").status_code == 503
    store.put_fleet(FleetRecord(["fab-a"], time.time()))
    answer = test_client.get("/readyz")
    assert answer.status_code == 503 and "polled" in answer.get_json()["reason"]
    store.put_site(site_record("fab-a"))
    assert test_client.get("/readyz").status_code == 200
    store.put_fleet(
        FleetRecord(["fab-a"], time.time() - 60, failure("unreachable", code="aggregated_api_unavailable"))
    )
    answer = test_client.get("/readyz")
    assert answer.status_code == 503 and "Karmada" in answer.get_json()["reason"]
