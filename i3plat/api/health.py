"""`/healthz`: the process answers. `/readyz`: Karmada answered recently and the cache is warm.

Readiness is read from the poller's snapshots, so every web worker gives the same answer and a
probe never causes an upstream request.
"""

from __future__ import annotations

import os
import time

import flask

from i3plat.webctx import current_services

health_blueprint = flask.Blueprint("health", __name__)


@health_blueprint.get("/healthz")
def healthz() -> flask.Response:
    return flask.jsonify(status="ok", pid=os.getpid())


@health_blueprint.get("/readyz")
def readyz() -> tuple[flask.Response, int]:
    services = current_services()
    store, interval = services.store, services.settings.poll_interval
    fleet = store.fleet()
    if fleet is None or fleet.fetched_at is None:
        return flask.jsonify(
            status="not ready", reason="the site list has not been fetched from Karmada yet"
        ), 503
    if fleet.failure is not None and time.time() - fleet.failure.at < 2 * interval:
        reason = f"Karmada is not reachable: {fleet.failure.message}"
        return flask.jsonify(status="not ready", reason=reason), 503
    polled = [s for s in fleet.sites if (r := store.site(s)) is not None and r.last_attempt_at is not None]
    if fleet.sites and not polled:
        return flask.jsonify(status="not ready", reason="no site has been polled yet"), 503
    return flask.jsonify(status="ready", sites=len(fleet.sites), polled=len(polled)), 200
