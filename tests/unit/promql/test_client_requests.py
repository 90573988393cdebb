"""What the client sends: methods, form encoding, params, explicit timeouts; and what it returns."""

from __future__ import annotations

import math

import httpx
import pytest
from prom_client_helpers import PROM, Recorder, direct, form_of, success, text, vector_data

from i3plat.promql.client import PrometheusClient
from i3plat.promql.prom_errors import UnexpectedResponse

FORM = "application/x-www-form-urlencoded"


def timeouts(request: httpx.Request) -> dict[str, float]:
    value: dict[str, float] = request.extensions["timeout"]
    return value


def test_query_is_a_post_form_with_time_and_server_timeout() -> None:
    data = vector_data(({"__name__": "up", "job": "node"}, 1700000000.25, "1"))
    client, rec = direct(lambda r: success(data))
    with client:
        result = client.query('up{job="node"}', at=1700000000.25)
    request = rec.last
    assert request.method == "POST"
    assert request.url == f"{PROM}/api/v1/query"
    assert request.url.query == b""
    assert request.headers["content-type"] == FORM
    assert request.headers["accept"] == "application/json"
    assert form_of(request) == [
        ("query", 'up{job="node"}'),
        ("time", "1700000000.250"),
        ("timeout", "27s"),
    ]
    assert timeouts(request) == {"connect": 30.0, "read": 30.0, "write": 30.0, "pool": 30.0}
    assert result.result_type == "vector"
    assert result.scalar() == 1.0


def test_query_range_form_and_stats() -> None:
    data = {"resultType": "matrix", "result": [], "stats": {"timings": {"evalTotalTime": 0.01}}}
    client, rec = direct(lambda r: success(data), timeout=10.0)
    with client:
        result = client.query_range("rate(x[1m])", start=1700000000, end=1700003600, step=15, stats=True)
    request = rec.last
    assert request.method == "POST"
    assert request.url.path == "/api/v1/query_range"
    assert request.headers["content-type"] == FORM
    assert form_of(request) == [
        ("query", "rate(x[1m])"),
        ("start", "1700000000"),
        ("end", "1700003600"),
        ("step", "15s"),
        ("timeout", "9s"),
        ("stats", "all"),
    ]
    assert timeouts(request)["read"] == 10.0
    assert result.series == ()
    assert result.stats == {"timings": {"evalTotalTime": 0.01}}


def test_fractional_step_and_per_call_timeout() -> None:
    client, rec = direct(lambda r: success({"resultType": "matrix", "result": []}))
    with client:
        client.query_range("x", start=100.5, end=101.5, step=0.25, timeout=2.0)
    assert dict(form_of(rec.last))["step"] == "250ms"
    assert dict(form_of(rec.last))["start"] == "100.500"
    assert dict(form_of(rec.last))["timeout"] == "1750ms"
    assert timeouts(rec.last)["read"] == 2.0


def test_form_encoding_of_awkward_expressions() -> None:
    expr = 'sum by (node) (rate(x{path=~"/a&b=c?d#e", v="ü\\n"}[5m])) + 1'
    client, rec = direct(lambda r: success({"resultType": "vector", "result": []}))
    with client:
        client.query(expr)
    assert dict(form_of(rec.last))["query"] == expr
    assert b"&b=c" not in rec.last.content  # & and = are percent-encoded inside the value


def test_label_values_is_a_get_with_repeated_match() -> None:
    client, rec = direct(lambda r: success(["node-1", "node-2"]))
    with client:
        values = client.label_values(
            "node", match=['up{job="node"}', "kube_node_info"], start=1700000000, end=1700000600.5
        )
    assert values == ["node-1", "node-2"]
    request = rec.last
    assert request.method == "GET"
    assert request.url.path == "/api/v1/label/node/values"
    assert request.content == b""
    assert request.url.params.multi_items() == [
        ("match[]", 'up{job="node"}'),
        ("match[]", "kube_node_info"),
        ("start", "1700000000"),
        ("end", "1700000600.500"),
    ]
    assert timeouts(request)["read"] == 30.0


def test_label_values_of_name_without_match() -> None:
    client, rec = direct(lambda r: success(["node_load1", "up"]))
    with client:
        assert client.label_values("__name__") == ["node_load1", "up"]
    assert rec.last.url.path == "/api/v1/label/__name__/values"
    assert rec.last.url.query == b""


def test_series_is_a_post_form_with_repeated_match() -> None:
    series = [{"__name__": "up", "job": "node", "instance": "10.0.0.1:9100"}]
    client, rec = direct(lambda r: success(series))
    with client:
        assert client.series(["up", 'kube_node_info{node="a"}'], start=0) == series
    request = rec.last
    assert request.method == "POST"
    assert request.url.path == "/api/v1/series"
    assert request.headers["content-type"] == FORM
    assert form_of(request) == [("match[]", "up"), ("match[]", 'kube_node_info{node="a"}'), ("start", "0")]


def test_buildinfo() -> None:
    data = {
        "version": "2.42.0+ds",
        "revision": "2.42.0+ds-5+deb12u1",
        "branch": "debian/sid",
        "buildUser": "team+pkg-go@tracker.debian.org",
        "buildDate": "20230828-15:21:49",
        "goVersion": "go1.19.8",
    }
    client, rec = direct(lambda r: success(data))
    with client:
        info = client.buildinfo()
    assert rec.last.method == "GET"
    assert rec.last.url.path == "/api/v1/status/buildinfo"
    assert info.version == "2.42.0+ds"
    assert info.version_tuple == (2, 42, 0)
    assert info.go_version == "go1.19.8"
    assert info.build_user == "team+pkg-go@tracker.debian.org"


def test_buildinfo_without_version_is_unexpected() -> None:
    client, _ = direct(lambda r: success({"revision": "x"}))
    with client, pytest.raises(UnexpectedResponse) as info:
        client.buildinfo()
    assert info.value.field == "data.version"


@pytest.mark.parametrize(
    ("response", "expected"),
    [
        (text(200, "Prometheus Server is Ready.\n"), True),
        (text(503, "Service Unavailable\n"), False),
    ],
)
def test_ready(response: httpx.Response, expected: bool) -> None:
    client, rec = direct(lambda r: response)
    with client:
        assert client.ready() is expected
    assert rec.last.method == "GET"
    assert rec.last.url.path == "/-/ready"
    assert timeouts(rec.last)["read"] == 30.0


@pytest.mark.parametrize(
    "response",
    [text(404, "404 page not found\n"), text(500, "oops"), text(503, "<html>down</html>", "text/html")],
)
def test_ready_raises_for_anything_else(response: httpx.Response) -> None:
    client, _ = direct(lambda r: response)
    with client, pytest.raises(UnexpectedResponse):
        client.ready()


def test_warnings_are_kept() -> None:
    body = success(
        {"resultType": "vector", "result": []}, warnings=["PromQL info: metric might not be a counter"]
    )
    client, _ = direct(lambda r: body)
    with client:
        result = client.query("rate(x[5m])")
    assert result.warnings == ("PromQL info: metric might not be a counter",)


def test_direct_owns_its_client_but_a_borrowed_one_stays_open() -> None:
    rec = Recorder(lambda r: success(["a"]))
    http = httpx.Client(base_url=PROM, transport=httpx.MockTransport(rec))
    with PrometheusClient(http, proxied=False):
        pass
    assert not http.is_closed
    assert PrometheusClient(http, proxied=False).label_values("job") == ["a"]
    http.close()

    client, _ = direct(lambda r: success(["a"]))
    with client:
        pass
    with pytest.raises(RuntimeError):
        client.label_values("job")


def test_direct_with_a_path_prefix() -> None:
    rec = Recorder(lambda r: success(["a"]))
    with PrometheusClient.direct(PROM + "/prometheus", transport=httpx.MockTransport(rec)) as client:
        client.label_values("job")
    assert rec.last.url.path == "/prometheus/api/v1/label/job/values"


def test_defaults_never_fall_back_to_httpx_5s() -> None:
    client, rec = direct(lambda r: success({"resultType": "vector", "result": []}), timeout=120.0)
    with client:
        client.query("up")
        client.ready()
    for request in rec.requests:
        assert timeouts(request)["read"] == 120.0
    assert dict(form_of(rec.requests[0]))["timeout"] == "117s"
    assert not math.isclose(timeouts(rec.requests[1])["connect"], 5.0)


def test_config_yaml() -> None:
    yaml_text = "global:\n  scrape_interval: 15s\n  evaluation_interval: 15s\n"
    client, rec = direct(lambda r: success({"yaml": yaml_text}))
    with client:
        assert client.config_yaml() == yaml_text
    assert rec.last.method == "GET"
    assert rec.last.url.path == "/api/v1/status/config"
    bad, _ = direct(lambda r: success({"yaml": None}))
    with bad, pytest.raises(UnexpectedResponse) as info:
        bad.config_yaml()
    assert info.value.field == "data.yaml"
