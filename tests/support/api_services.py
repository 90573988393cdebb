"""Services for API tests: a real SnapshotStore in a tmp dir, records written by the test,
and an on-demand stand-in that records its calls (so a test can prove nothing was asked)."""

from __future__ import annotations

import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import flask

from i3plat.api.metrics_endpoint import metrics_blueprint
from i3plat.api.v1 import api_v1_blueprint
from i3plat.collector.access import SiteAccess
from i3plat.collector.records import Cause, Failure, FleetRecord, PanelRecord, SeriesRecord, SiteRecord
from i3plat.collector.store import SnapshotStore
from i3plat.karmada_client import KarmadaClient
from i3plat.settings import Settings
from i3plat.webctx import EXTENSION_KEY, Services, remember_language

POLL = 15.0


def no_karmada() -> KarmadaClient:
    raise AssertionError("the API must not reach Karmada")


@dataclass
class FakeOnDemand:
    """Same `series` signature as OnDemandQueries; answers `answer` (or raises `error`)."""

    answer: PanelRecord | None = None
    error: Exception | None = None
    calls: list[dict[str, Any]] = field(default_factory=list)

    def series(
        self,
        site: str,
        metric: str,
        *,
        node: str | None,
        start: float,
        end: float,
        step: int | None,
        max_points: int = 400,
    ) -> PanelRecord:
        self.calls.append(
            {"site": site, "metric": metric, "node": node, "start": start, "end": end, "step": step}
        )
        if self.error is not None:
            raise self.error
        if self.answer is not None:
            return replace(self.answer, site=site, metric=metric)
        return PanelRecord(site, metric, "custom", step or 60, [], time.time(), None, node, start, end)


def make_services(tmp_path: Path, ondemand: Any = None, **settings: Any) -> Services:
    config = Settings(data_dir=tmp_path, poll_interval=POLL, **settings)
    return Services(
        settings=config,
        access=SiteAccess(config, no_karmada),
        store=SnapshotStore(tmp_path / "cache"),
        ondemand=ondemand if ondemand is not None else FakeOnDemand(),
    )


def make_app(services: Services) -> flask.Flask:
    """The API blueprints on a bare Flask app, wired like `create_app` does."""
    app = flask.Flask("i3plat-api-test")
    app.extensions[EXTENSION_KEY] = services
    app.register_blueprint(api_v1_blueprint)
    app.register_blueprint(metrics_blueprint)
    app.after_request(remember_language)
    return app


def failure(
    cause: Cause = "unreachable",
    *,
    code: str = "cluster_unreachable",
    at: float | None = None,
    upstream: str | None = "dial tcp 10.0.0.7:6443: connect: connection refused",
    status: int | None = 500,
) -> Failure:
    message = {"unreachable": "site fab-a is unreachable through Karmada"}.get(cause, f"{cause} upstream")
    return Failure(cause, code, message, upstream, status, at if at is not None else time.time())


def site_record(name: str, **changes: Any) -> SiteRecord:
    now = time.time()
    base = SiteRecord(
        site=name, ready_state="True", reason="ClusterReady", sync_mode="Pull",
        kubernetes_version="v1.29.4", nodes_total=4, nodes_ready=3, gpus_allocatable=8.0,
        gpus_allocated=2.0, last_attempt_at=now, last_success_at=now,
    )  # fmt: skip
    return replace(base, **changes)


def series(
    node: str | None, values: list[float], start: float = 1_700_000_000.0, step: int = 15, **labels: str
) -> SeriesRecord:
    all_labels = {**labels, **({"node": node} if node else {})}
    return SeriesRecord(all_labels, [start + i * step for i in range(len(values))], values)


def live_panel(site: str, metric: str, rows: list[SeriesRecord], **changes: Any) -> PanelRecord:
    base = PanelRecord(site, metric, "1h", 15, rows, time.time())
    return replace(base, **changes)


def fill_fleet(store: SnapshotStore, *sites: SiteRecord, extra: tuple[str, ...] = ()) -> None:
    """The fleet lists `sites` (plus `extra` names that were never polled) in the given order."""
    for record in sites:
        store.put_site(record)
    store.put_fleet(FleetRecord([s.site for s in sites] + list(extra), time.time()))
