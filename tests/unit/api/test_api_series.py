"""`/api/v1/sites/{site}/series`: live panels from the store, on-demand routing, errors.

The on-demand path is a stand-in that records its calls, so every test can also prove what
was (not) asked upstream.
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient

from i3plat.collector.ondemand import OnDemandRateLimited
from i3plat.collector.records import PanelRecord
from i3plat.promql.errors import QueryInputError
from i3plat.webctx import Services
from tests.support.api_services import (
    POLL,
    FakeOnDemand,
    failure,
    fill_fleet,
    live_panel,
    make_app,
    make_services,
    series,
    site_record,
)

URL = "/api/v1/sites/fab-a/series"


@pytest.fixture
def ondemand() -> FakeOnDemand:
    return FakeOnDemand()


@pytest.fixture
def services(tmp_path: Path, ondemand: FakeOnDemand) -> Iterator[Services]:
    built = make_services(tmp_path, ondemand)
    fill_fleet(built.store, site_record("fab-a"), site_record("fab-b"))
    built.store.put_panel(
        live_panel("fab-a", "cpu.util.node", [series("gpu-01", [0.25, 0.5]), series("gpu-02", [0.75, 1.0])])
    )
    yield built
    built.store.close()


@pytest.fixture
def client(services: Services) -> FlaskClient:
    return make_app(services).test_client()


def get_json(client: FlaskClient, url: str, status: int = 200) -> dict[str, Any]:
    response = client.get(url)
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.headers["Content-Type"] == "application/json"
    assert response.headers["Cache-Control"] == "no-store"
    body: dict[str, Any] = response.get_json()
    return body


# ----------------------------------------------------------------------------- live panels


def test_live_hour_comes_from_the_store(client: FlaskClient, ondemand: FakeOnDemand) -> None:
    for url in (f"{URL}?metric=cpu.util.node", f"{URL}?metric=cpu.util.node&range=1h"):
        body = get_json(client, url)
        assert body["site"] == "fab-a" and body["metric"] == "cpu.util.node" and body["unit"] == "ratio"
        assert body["window"] == "1h" and body["step"] == 15
        assert body["stale"] is False and body["failure"] is None
        assert body["fetched_at"].endswith("Z")
        assert body["series"] == [
            {"labels": {"node": "gpu-01"}, "points": [[1_700_000_000, 0.25], [1_700_000_015, 0.5]]},
            {"labels": {"node": "gpu-02"}, "points": [[1_700_000_000, 0.75], [1_700_000_015, 1]]},
        ]
    assert ondemand.calls == []


def test_node_filters_the_live_panel(client: FlaskClient, ondemand: FakeOnDemand) -> None:
    body = get_json(client, f"{URL}?metric=cpu.util.node&node=gpu-02")
    assert [s["labels"]["node"] for s in body["series"]] == ["gpu-02"]
    other = get_json(client, f"{URL}?metric=cpu.util.node&node=not-there")
    assert other["series"] == []
    assert ondemand.calls == []


def test_nan_and_infinity_become_null(services: Services, client: FlaskClient) -> None:
    rows = [series(None, [math.nan, math.inf, -math.inf, 0.5])]
    services.store.put_panel(live_panel("fab-a", "cpu.util.cluster", rows))
    response = client.get(f"{URL}?metric=cpu.util.cluster")
    assert b"NaN" not in response.data and b"Infinity" not in response.data
    points = response.get_json()["series"][0]["points"]
    assert [p[1] for p in points] == [None, None, None, 0.5]


def test_old_live_panel_or_unreachable_site_is_stale(services: Services, client: FlaskClient) -> None:
    old = live_panel(
        "fab-a", "cpu.util.cluster", [series(None, [0.1])], fetched_at=time.time() - 2 * POLL - 1
    )
    services.store.put_panel(old)
    assert get_json(client, f"{URL}?metric=cpu.util.cluster")["stale"] is True
    services.store.put_panel(live_panel("fab-b", "cpu.util.cluster", [series(None, [0.1])]))
    services.store.put_site(site_record("fab-b", failure=failure("unreachable")))
    body = get_json(client, "/api/v1/sites/fab-b/series?metric=cpu.util.cluster")
    assert body["stale"] is True and body["failure"] is None


def test_live_panel_not_polled_yet_is_503_with_retry(client: FlaskClient, ondemand: FakeOnDemand) -> None:
    response = client.get(f"{URL}?metric=mem.util.node")
    assert response.status_code == 503
    assert response.get_json()["error"]["code"] == "not_ready"
    assert response.headers["Retry-After"] == "15"
    assert ondemand.calls == []


# ----------------------------------------------------------------------------- on demand


def test_other_ranges_go_on_demand(client: FlaskClient, ondemand: FakeOnDemand) -> None:
    before = time.time()
    body = get_json(client, f"{URL}?metric=cpu.util.node&range=6h&node=gpu-01")
    after = time.time()
    (call,) = ondemand.calls
    assert (call["site"], call["metric"], call["node"], call["step"]) == (
        "fab-a",
        "cpu.util.node",
        "gpu-01",
        None,
    )
    assert before <= call["end"] <= after and call["end"] - call["start"] == 21_600
    assert body["window"] == "custom" and body["stale"] is False


def test_explicit_window_goes_on_demand(client: FlaskClient, ondemand: FakeOnDemand) -> None:
    get_json(client, f"{URL}?metric=cpu.util.node&start=2023-11-14T22:13:20Z&end=1700003600&step=60")
    assert ondemand.calls == [
        {"site": "fab-a", "metric": "cpu.util.node", "node": None, "start": 1_700_000_000.0,
         "end": 1_700_003_600.0, "step": 60},
    ]  # fmt: skip


def test_a_metric_not_kept_live_goes_on_demand_even_for_the_hour(
    client: FlaskClient, ondemand: FakeOnDemand
) -> None:
    get_json(client, f"{URL}?metric=k8s.nodes.total")
    assert [c["metric"] for c in ondemand.calls] == ["k8s.nodes.total"]


def test_rate_limited_is_429_with_retry_after(client: FlaskClient, ondemand: FakeOnDemand) -> None:
    ondemand.error = OnDemandRateLimited("fab-a", 2.2)
    response = client.get(f"{URL}?metric=cpu.util.node&range=24h")
    assert response.status_code == 429
    assert response.headers["Retry-After"] == "3"
    assert response.get_json()["error"]["code"] == "rate_limited"


def test_on_demand_input_refusal_is_400(client: FlaskClient, ondemand: FakeOnDemand) -> None:
    ondemand.error = QueryInputError("step", "30 s gives more than 11000 points")
    body = get_json(client, f"{URL}?metric=cpu.util.node&start=1000000000&step=30", status=400)
    assert body["error"]["field"] == "step" and body["error"]["code"] == "bad_request"


# ----------------------------------------------------------------------------- failures


@pytest.mark.parametrize(
    ("cause", "code", "status"),
    [("unreachable", "cluster_unreachable", 502), ("forbidden", "member_forbidden", 502),
     ("query_error", "bad_query", 502), ("no_endpoints", "no_endpoints", 503),
     ("timeout", "gateway_timeout", 504)],
)  # fmt: skip
def test_failure_without_data_is_the_upstream_status(
    client: FlaskClient, ondemand: FakeOnDemand, cause: Any, code: str, status: int
) -> None:
    trouble = failure(cause, code=code, upstream="upstream said: no", status=503)
    ondemand.answer = PanelRecord("x", "y", "custom", 60, [], None, trouble)
    body = get_json(client, f"{URL}?metric=cpu.util.node&range=7d", status=status)
    assert body == {
        "error": {"code": code, "cause": cause, "message": trouble.message,
                  "upstream_message": "upstream said: no", "upstream_status": 503},
    }  # fmt: skip


def test_failed_live_panel_without_series_is_502(services: Services, client: FlaskClient) -> None:
    services.store.put_panel(live_panel("fab-a", "net.rx.node", [], failure=failure("unreachable")))
    body = get_json(client, f"{URL}?metric=net.rx.node", status=502)
    assert body["error"]["cause"] == "unreachable"


def test_failure_with_last_good_series_is_200_stale(services: Services, client: FlaskClient) -> None:
    good_at = time.time() - 600
    record = live_panel(
        "fab-a", "cpu.util.cluster", [series(None, [0.4])], fetched_at=good_at, failure=failure("timeout")
    )
    services.store.put_panel(record)
    body = get_json(client, f"{URL}?metric=cpu.util.cluster")
    assert body["stale"] is True
    assert body["series"][0]["points"] == [[1_700_000_000, 0.4]]
    assert body["failure"]["cause"] == "timeout"
    assert body["failure"]["upstream_message"] is not None
    assert body["fetched_at"] != body["failure"]["at"]  # the last good value keeps its own age


def test_on_demand_failure_with_last_good_series_is_200_stale(
    client: FlaskClient, ondemand: FakeOnDemand
) -> None:
    ondemand.answer = PanelRecord(
        "x", "y", "custom", 60, [series("gpu-01", [0.3])], time.time() - 30, failure("no_endpoints")
    )
    body = get_json(client, f"{URL}?metric=cpu.util.node&range=7d")
    assert body["stale"] is True and body["failure"]["cause"] == "no_endpoints"


# ----------------------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    ("url", "status", "field"),
    [
        ("/api/v1/sites/Fab-A/series?metric=cpu.util.node", 400, "site"),
        ("/api/v1/sites/fab_a/series?metric=cpu.util.node", 400, "site"),
        ("/api/v1/sites/" + "a" * 254 + "/series?metric=cpu.util.node", 400, "site"),
        ("/api/v1/sites/%2e%2e/series?metric=cpu.util.node", 400, "site"),
        ("/api/v1/sites/fab-z/series?metric=cpu.util.node", 404, "site"),
        (f"{URL}", 400, "metric"),
        (f"{URL}?metric=", 400, "metric"),
        (f"{URL}?metric=cpu.util.nope", 404, "metric"),
        (f"{URL}?metric=up%7Bjob%3D%22x%22%7D", 404, "metric"),
        (f"{URL}?metric=cpu.util.node&range=5m", 400, "range"),
        (f"{URL}?metric=cpu.util.node&range=1h&start=1700000000", 400, "range"),
        (f"{URL}?metric=cpu.util.node&start=soon", 400, "start"),
        (f"{URL}?metric=cpu.util.node&end=1700000000", 400, "start"),
        (f"{URL}?metric=cpu.util.node&start=1700000000&end=1600000000", 400, "end"),
        (f"{URL}?metric=cpu.util.node&start=1700000000&step=0", 400, "step"),
        (f"{URL}?metric=cpu.util.node&start=1700000000&step=abc", 400, "step"),
        (f"{URL}?metric=cpu.util.node&node=" + "n" * 254, 400, "node"),
        (f"{URL}?metric=cpu.util.node&node=a%0Ab", 400, "node"),
        (f"{URL}?metric=cpu.util.cluster&node=gpu-01", 400, "node"),
    ],
)
def test_bad_input_is_refused_naming_the_field(
    client: FlaskClient, ondemand: FakeOnDemand, url: str, status: int, field: str
) -> None:
    body = get_json(client, url, status=status)
    error = body["error"]
    assert error["field"] == field
    assert error["code"] == ("bad_request" if status == 400 else "not_found")
    assert isinstance(error["message"], str) and error["message"]
    assert ondemand.calls == []


def test_no_site_list_yet_is_503(tmp_path: Path) -> None:
    services = make_services(tmp_path)
    response = make_app(services).test_client().get(f"{URL}?metric=cpu.util.node")
    assert response.status_code == 503
    assert response.get_json()["error"]["code"] == "not_ready"
    services.store.close()


def test_unexpected_errors_do_not_leak(client: FlaskClient, ondemand: FakeOnDemand) -> None:
    ondemand.error = RuntimeError("secret token abc123 in a traceback")
    response = client.get(f"{URL}?metric=cpu.util.node&range=6h")
    assert response.status_code == 500
    assert response.get_json() == {"error": {"code": "internal", "message": "internal error"}}
    assert b"abc123" not in response.data
