"""SyntheticBackend's HTTP API: envelopes, parameter rules, error types and status codes (2.42)."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlencode

import pytest

from i3plat.federation_sim._backend import BackendResponse
from i3plat.federation_sim.prometheus._synthetic import SyntheticBackend

ORIGIN = 1_700_000_100.0  # on the 15 s grid
NOW = ORIGIN + 3600.0
FORM = "application/x-www-form-urlencoded"
RESOLUTION = (
    "exceeded maximum resolution of 11,000 points per timeseries."
    " Try decreasing the query resolution (?step=XX)"
)
STEP = "zero or negative query resolution step widths are not accepted. Try a positive integer"
SCALAR_OR_VECTOR = "must be Scalar or instant Vector"


class FakeModel:
    """A model with only `samples_at` (the generic, scrape-cache path of ModelSource)."""

    scrape_interval = 15.0
    origin = ORIGIN

    def samples_at(self, t: float) -> list[tuple[dict[str, str], float]]:
        out = [
            ({"__name__": "up", "job": "node", "instance": "n1"}, 1.0),
            ({"__name__": "up", "job": "node", "instance": "n2"}, 0.0),
            ({"__name__": "requests_total", "job": "node", "instance": "n1"}, 2.0 * (t - ORIGIN)),
            ({"__name__": "tiny", "job": "node"}, 1e-7),
            ({"__name__": "weird", "job": "node", "value": 'a"b'}, float("nan")),
        ]
        if t >= NOW - 600:  # a series that appeared ten minutes ago
            out.append(({"__name__": "late", "job": "new"}, 5.0))
        return out


@pytest.fixture
def backend() -> SyntheticBackend:
    return SyntheticBackend(FakeModel(), clock=lambda: NOW)


def call(
    backend: SyntheticBackend, path: str, params: dict[str, Any] | None = None, method: str = "GET"
) -> BackendResponse:
    encoded = urlencode(params or {}, doseq=True)
    if method == "POST":
        return backend.handle("POST", path, "", encoded.encode(), FORM)
    return backend.handle(method, path, encoded, b"", None)


def ok(resp: BackendResponse) -> Any:
    assert resp.status == 200, resp.body
    assert resp.content_type == "application/json"
    payload = json.loads(resp.body)
    assert payload["status"] == "success"
    return payload["data"]


def error(resp: BackendResponse, status: int, error_type: str) -> str:
    assert resp.status == status, resp.body
    payload = json.loads(resp.body)
    assert payload["status"] == "error" and payload["errorType"] == error_type
    assert set(payload) == {"status", "errorType", "error"}
    message: str = payload["error"]
    return message


def test_instant_vector_envelope(backend: SyntheticBackend) -> None:
    data = ok(call(backend, "/api/v1/query", {"query": 'up{instance="n1"}', "time": NOW - 1}))
    assert data == {
        "resultType": "vector",
        "result": [{"metric": {"__name__": "up", "job": "node", "instance": "n1"}, "value": [NOW - 1, "1"]}],
    }


def test_post_form_and_default_time_is_now(backend: SyntheticBackend) -> None:
    data = ok(call(backend, "/api/v1/query", {"query": "sum(up)"}, method="POST"))
    assert data["result"] == [{"metric": {}, "value": [NOW, "1"]}]


def test_sample_values_are_strings_with_go_formatting(backend: SyntheticBackend) -> None:
    data = ok(call(backend, "/api/v1/query", {"query": '{job="node", __name__=~"tiny|weird"}', "time": NOW}))
    values = {r["metric"]["__name__"]: r["value"][1] for r in data["result"]}
    assert values == {"tiny": "1e-07", "weird": "NaN"}
    data = ok(call(backend, "/api/v1/query", {"query": "-1/0", "time": NOW}))
    assert data == {"resultType": "scalar", "result": [NOW, "-Inf"]}


def test_rate_on_the_scrape_grid(backend: SyntheticBackend) -> None:
    data = ok(call(backend, "/api/v1/query", {"query": "rate(requests_total[1m])", "time": NOW}))
    assert [r["value"][1] for r in data["result"]] == ["2"]


def test_range_query_matrix(backend: SyntheticBackend) -> None:
    data = ok(
        call(
            backend, "/api/v1/query_range", {"query": "sum(up)", "start": NOW - 60, "end": NOW, "step": "30s"}
        )
    )
    assert data == {
        "resultType": "matrix",
        "result": [{"metric": {}, "values": [[NOW - 60, "1"], [NOW - 30, "1"], [NOW, "1"]]}],
    }


def test_range_query_scalar_is_a_matrix_without_labels(backend: SyntheticBackend) -> None:
    data = ok(call(backend, "/api/v1/query_range", {"query": "1", "start": NOW - 15, "end": NOW, "step": 15}))
    assert data["result"] == [{"metric": {}, "values": [[NOW - 15, "1"], [NOW, "1"]]}]


def test_no_data_after_now_or_before_history(backend: SyntheticBackend) -> None:
    assert ok(call(backend, "/api/v1/query", {"query": "up", "time": NOW + 301}))["result"] == []
    assert ok(call(backend, "/api/v1/query", {"query": "up", "time": ORIGIN - 1}))["result"] == []
    assert len(ok(call(backend, "/api/v1/query", {"query": "up", "time": NOW + 299}))["result"]) == 2


def test_eleven_thousand_points_rule(backend: SyntheticBackend) -> None:
    fine = call(backend, "/api/v1/query_range", {"query": "1", "start": 0, "end": 11000, "step": 1})
    assert len(ok(fine)["result"][0]["values"]) == 11001
    message = error(
        call(backend, "/api/v1/query_range", {"query": "1", "start": 0, "end": 11001, "step": 1}),
        400,
        "bad_data",
    )
    assert message == RESOLUTION


@pytest.mark.parametrize(
    ("params", "message"),
    [
        (
            {"query": "up", "start": 10, "end": 20, "step": 0},
            'invalid parameter "step": ' + STEP,
        ),
        (
            {"query": "up", "start": 20, "end": 10, "step": 1},
            'invalid parameter "end": end timestamp must not be before start time',
        ),
        (
            {"query": "up", "start": "yesterday", "end": 10, "step": 1},
            'invalid parameter "start": cannot parse "yesterday" to a valid timestamp',
        ),
        (
            {"query": "up", "end": 10, "step": 1},
            'invalid parameter "start": cannot parse "" to a valid timestamp',
        ),
        (
            {"query": "up", "start": 0, "end": 10, "step": "x"},
            'invalid parameter "step": cannot parse "x" to a valid duration',
        ),
        (
            {"query": "up[5m]", "start": 0, "end": 10, "step": 1},
            'invalid expression type "range vector" for range query, ' + SCALAR_OR_VECTOR,
        ),
        (
            {"query": "sum(up", "start": 0, "end": 10, "step": 1},
            "parse error: unclosed left parenthesis",  # query_range does not prefix these
        ),
    ],
)
def test_range_query_parameter_errors(
    backend: SyntheticBackend, params: dict[str, Any], message: str
) -> None:
    assert error(call(backend, "/api/v1/query_range", params), 400, "bad_data") == message


def test_query_errors(backend: SyntheticBackend) -> None:
    assert error(call(backend, "/api/v1/query", {"query": "up{"}), 400, "bad_data").startswith(
        'invalid parameter "query": parse error:'
    )
    assert error(call(backend, "/api/v1/query", {"query": "up", "timeout": "banana"}), 400, "bad_data") == (
        'invalid parameter "timeout": cannot parse "banana" to a valid duration'
    )
    unsupported = call(backend, "/api/v1/query", {"query": "histogram_quantile(0.9, up)"})
    assert error(unsupported, 400, "bad_data") == (
        'invalid parameter "query": function histogram_quantile() is not supported'
        " by the synthetic Prometheus"
    )
    message = error(
        call(backend, "/api/v1/query", {"query": "up * on (job) requests_total"}), 422, "execution"
    )
    assert (
        message
        == "multiple matches for labels: many-to-one matching must be explicit (group_left/group_right)"
    )


def test_stats_are_added_on_request(backend: SyntheticBackend) -> None:
    data = ok(call(backend, "/api/v1/query", {"query": "up", "stats": "all"}))
    assert set(data["stats"]) == {"timings", "samples"}
    assert data["stats"]["samples"]["totalQueryableSamples"] == 2  # one sample per series
    assert "stats" not in ok(call(backend, "/api/v1/query", {"query": "up"}))


def test_series_labels_and_label_values(backend: SyntheticBackend) -> None:
    series = ok(call(backend, "/api/v1/series", {"match[]": ["up", "late"], "start": NOW - 60, "end": NOW}))
    assert series == [
        {"__name__": "late", "job": "new"},
        {"__name__": "up", "instance": "n1", "job": "node"},
        {"__name__": "up", "instance": "n2", "job": "node"},
    ]
    old = ok(call(backend, "/api/v1/series", {"match[]": "late", "start": ORIGIN, "end": NOW - 1200}))
    assert old == []
    assert ok(call(backend, "/api/v1/labels", {"match[]": "up"})) == ["__name__", "instance", "job"]
    assert "value" in ok(call(backend, "/api/v1/labels"))
    assert ok(call(backend, "/api/v1/label/job/values")) == ["new", "node"]
    got = ok(call(backend, "/api/v1/label/instance/values", {"match[]": 'up{instance!="n2"}'}))
    assert got == ["n1"]


def test_metadata_errors(backend: SyntheticBackend) -> None:
    assert error(call(backend, "/api/v1/series"), 400, "bad_data") == "no match[] parameter provided"
    assert error(call(backend, "/api/v1/series", {"match[]": "up{"}), 400, "bad_data").startswith(
        'invalid parameter "match[]"'
    )
    assert error(call(backend, "/api/v1/label/1x/values"), 400, "bad_data") == 'invalid label name: "1x"'


def test_label_values_is_get_only(backend: SyntheticBackend) -> None:
    resp = call(backend, "/api/v1/label/job/values", method="POST")
    assert (resp.status, resp.content_type, resp.body) == (
        405,
        "text/plain; charset=utf-8",
        b"Method Not Allowed\n",
    )
    assert ok(call(backend, "/api/v1/labels", method="POST")) == ok(call(backend, "/api/v1/labels"))


def test_plain_text_endpoints(backend: SyntheticBackend) -> None:
    assert call(backend, "/-/ready").body == b"Prometheus Server is Ready.\n"
    assert call(backend, "/-/healthy").body == b"Prometheus Server is Healthy.\n"
    missing = call(backend, "/api/v1/nope")
    assert (missing.status, missing.content_type, missing.body) == (
        404,
        "text/plain; charset=utf-8",
        b"404 page not found\n",
    )


def test_status_endpoints(backend: SyntheticBackend) -> None:
    info = ok(call(backend, "/api/v1/status/buildinfo"))
    assert info["version"] == "2.42.0+sim"
    assert ok(call(backend, "/api/v1/status/flags"))["query.lookback-delta"] == "5m"
    assert ok(call(backend, "/api/v1/rules")) == {"groups": []}
    targets = ok(call(backend, "/api/v1/targets"))["activeTargets"]
    assert {(t["labels"]["instance"], t["health"]) for t in targets} == {("n1", "up"), ("n2", "down")}


def test_closed_backend_is_unavailable(backend: SyntheticBackend) -> None:
    backend.close()
    assert call(backend, "/-/ready").status == 503
