"""`/api/v1/sites` and `/api/v1/metrics` over a real snapshot store."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient

from i3plat.collector.records import FleetRecord
from i3plat.webctx import Services
from tests.support.api_services import POLL, failure, fill_fleet, make_app, make_services, site_record


@pytest.fixture
def services(tmp_path: Path) -> Iterator[Services]:
    built = make_services(tmp_path)
    yield built
    built.store.close()


@pytest.fixture
def client(services: Services) -> FlaskClient:
    return make_app(services).test_client()


def sites_by_name(client: FlaskClient) -> dict[str, dict[str, Any]]:
    response = client.get("/api/v1/sites")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/json"
    assert response.headers["Cache-Control"] == "no-store"
    body = response.get_json()
    return {site["name"]: site for site in body["sites"]}


def test_a_ready_site_in_full(services: Services, client: FlaskClient) -> None:
    polled = 1_700_000_000.0
    fill_fleet(services.store, site_record("fab-a", last_success_at=polled, last_attempt_at=polled))
    site = sites_by_name(client)["fab-a"]
    assert site == {
        "name": "fab-a", "ready": True, "reason": "ClusterReady", "sync_mode": "Pull",
        "kubernetes_version": "v1.29.4", "nodes": {"total": 4, "ready": 3},
        "gpus": {"allocatable": 8.0, "allocated": 2.0}, "last_poll": "2023-11-14T22:13:20Z",
        "stale": True,  # polled long ago
        "unreachable_since": None, "failure": None,
    }  # fmt: skip


def test_ready_unreachable_stale_and_never_polled(services: Services, client: FlaskClient) -> None:
    now = time.time()
    down = failure("unreachable", at=now - 5)
    fill_fleet(
        services.store,
        site_record("fab-ok", last_success_at=now - 3),
        site_record("fab-late", last_success_at=now - 2 * POLL - 5),
        site_record("fab-down", last_success_at=now - 2, failure=down, unreachable_since=now - 600),
        site_record("fab-notready", ready_state="False", reason="ClusterNotReachable"),
        site_record("fab-forbidden", failure=failure("forbidden", code="member_forbidden")),
        extra=("fab-new",),
    )
    sites = sites_by_name(client)
    assert list(sites) == ["fab-ok", "fab-late", "fab-down", "fab-notready", "fab-forbidden", "fab-new"]
    assert sites["fab-ok"]["ready"] is True and sites["fab-ok"]["stale"] is False
    assert sites["fab-late"]["ready"] is True and sites["fab-late"]["stale"] is True
    down_view = sites["fab-down"]
    assert down_view["ready"] is False and down_view["stale"] is True
    assert down_view["reason"] == down.message
    assert down_view["unreachable_since"] is not None and down_view["unreachable_since"].endswith("Z")
    assert down_view["failure"]["cause"] == "unreachable"
    assert down_view["failure"]["upstream_message"] == down.upstream_message
    assert down_view["failure"]["status_code"] == 500
    assert sites["fab-notready"]["ready"] is False
    assert sites["fab-notready"]["reason"] == "ClusterNotReachable"
    # A forbidden query does not make the cluster unready; the failure is still reported.
    assert sites["fab-forbidden"]["ready"] is True
    assert sites["fab-forbidden"]["failure"]["cause"] == "forbidden"
    new = sites["fab-new"]
    assert new["ready"] is False and new["stale"] is True and new["last_poll"] is None


def test_before_the_first_poll_the_list_is_empty(client: FlaskClient) -> None:
    body = client.get("/api/v1/sites").get_json()
    assert body == {"sites": [], "fetched_at": None, "failure": None}


def test_karmada_failure_keeps_the_last_list(services: Services, client: FlaskClient) -> None:
    fill_fleet(services.store, site_record("fab-a"))
    trouble = failure("no_endpoints", code="aggregated_api_unavailable", upstream="503 Service Unavailable")
    services.store.put_fleet(FleetRecord(["fab-a"], 1_700_000_000.0, trouble))
    body = client.get("/api/v1/sites").get_json()
    assert [s["name"] for s in body["sites"]] == ["fab-a"]
    assert body["fetched_at"] == "2023-11-14T22:13:20Z"
    assert body["failure"]["upstream_message"] == "503 Service Unavailable"


@pytest.mark.parametrize(
    ("query", "cookie", "title"),
    [
        ("", None, "节点 CPU 利用率"),
        ("?lang=en", None, "CPU utilisation per node"),
        ("?lang=zh-CN", "en", "节点 CPU 利用率"),
        ("", "en", "CPU utilisation per node"),
        ("?lang=xx", None, "节点 CPU 利用率"),
    ],
)
def test_metric_titles_follow_the_language(
    client: FlaskClient, query: str, cookie: str | None, title: str
) -> None:
    if cookie:
        client.set_cookie("i3plat_lang", cookie)
    body = client.get("/api/v1/metrics" + query).get_json()
    metrics = {m["id"]: m for m in body["metrics"]}
    assert metrics["cpu.util.node"] == {
        "id": "cpu.util.node", "title": title, "unit": "ratio", "scope": "node",
        "titles": {"zh_CN": "节点 CPU 利用率", "en": "CPU utilisation per node"},
    }  # fmt: skip
    assert {"cpu.util.cluster", "gpu.util.gpu", "k8s.nodes.ready"} <= set(metrics)
    assert all(set(m) == {"id", "title", "unit", "scope", "titles"} for m in body["metrics"])


def test_unknown_paths_and_methods_answer_json(client: FlaskClient) -> None:
    missing = client.get("/api/v1/nope")
    assert missing.status_code == 404
    assert missing.get_json()["error"]["code"] == "not_found"
    post = client.post("/api/v1/sites")
    assert post.status_code == 405
    assert post.get_json()["error"]["code"] == "method_not_allowed"
    assert "GET" in post.headers["Allow"]
