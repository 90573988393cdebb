"""`/healthz` (the process answers) and `/readyz` (the site list could be fetched from Karmada)."""

from __future__ import annotations

import os

import flask

from i3plat.webctx import current_services

health_blueprint = flask.Blueprint("health", __name__)


@health_blueprint.get("/healthz")
def healthz() -> flask.Response:
    return flask.jsonify(status="ok", pid=os.getpid())


@health_blueprint.get("/readyz")
def readyz() -> tuple[flask.Response, int]:
    snapshot = current_services().fleet.snapshot()
    if snapshot.fetched_at is None:
        return flask.jsonify(status="not ready", reason=snapshot.error or "no site list yet"), 503
    return flask.jsonify(status="ready", sites=len(snapshot.sites), karmada_error=snapshot.error), 200
