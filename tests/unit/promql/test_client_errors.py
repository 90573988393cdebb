"""Prometheus answers and transport failures on a direct URL → the `PrometheusError` tree.

Bodies are 2.42's, copied from `recipes/prometheus/results/check_api.txt` and reference §5.
"""

from __future__ import annotations

import pickle

import httpx
import pytest
from prom_client_helpers import PROM, direct, prom_error, raising, success, text

from i3plat.promql.errors import PromQLError
from i3plat.promql.prom_errors import (
    BadQuery,
    ExecutionError,
    PrometheusError,
    PrometheusNotReady,
    PrometheusUnreachable,
    QueryTimeout,
    UnexpectedResponse,
    error_for_answer,
)

PARSE_ERROR = 'invalid parameter "query": 1:37: parse error: unclosed left parenthesis'
TOO_MANY_POINTS = (
    "exceeded maximum resolution of 11,000 points per timeseries. "
    "Try decreasing the query resolution (?step=XX)"
)
MANY_TO_MANY = "multiple matches for labels: many-to-one matching must be explicit (group_left/group_right)"
MAX_SAMPLES = "query processing would load too many samples into memory in query execution"


def query_error(response: httpx.Response) -> PrometheusError:
    client, _ = direct(lambda request: response)
    with client, pytest.raises(PrometheusError) as info:
        client.query("up")
    return info.value


@pytest.mark.parametrize(
    ("response", "cls", "code", "error_type"),
    [
        (prom_error(400, "bad_data", PARSE_ERROR), BadQuery, "bad_query", "bad_data"),
        (prom_error(400, "bad_data", TOO_MANY_POINTS), BadQuery, "bad_query", "bad_data"),
        (prom_error(422, "execution", MANY_TO_MANY), ExecutionError, "execution", "execution"),
        (prom_error(422, "execution", MAX_SAMPLES), ExecutionError, "execution", "execution"),
        (
            prom_error(422, "execution", "expanding series: context deadline exceeded"),
            QueryTimeout,
            "timeout",
            "execution",
        ),
        (
            prom_error(503, "timeout", "query timed out in expression evaluation"),
            QueryTimeout,
            "timeout",
            "timeout",
        ),
        (
            prom_error(503, "canceled", "query was canceled in query queue"),
            QueryTimeout,
            "timeout",
            "canceled",
        ),
        (prom_error(499, "canceled", "context canceled"), QueryTimeout, "timeout", "canceled"),
        (prom_error(500, "internal", "error reading WAL"), UnexpectedResponse, "unexpected", "internal"),
        (
            prom_error(500, "unavailable", "admin APIs disabled"),
            UnexpectedResponse,
            "unexpected",
            "unavailable",
        ),
        (prom_error(404, "not_found", "rule not found"), UnexpectedResponse, "unexpected", "not_found"),
    ],
)
def test_error_envelopes_map_by_error_type(
    response: httpx.Response, cls: type[PrometheusError], code: str, error_type: str
) -> None:
    err = query_error(response)
    assert type(err) is cls
    assert err.code == code
    assert err.status_code == response.status_code
    assert err.error_type == error_type
    assert err.upstream_message == response.json()["error"]
    assert err.upstream_message in str(err)
    assert isinstance(err, PromQLError)


def test_bad_query_keeps_the_parse_position() -> None:
    err = query_error(prom_error(400, "bad_data", PARSE_ERROR))
    assert err.upstream_message == PARSE_ERROR
    assert "1:37" in str(err)
    assert "HTTP 400" in str(err)


def test_timeouts_say_which_side() -> None:
    server = query_error(prom_error(503, "timeout", "query timed out in expression evaluation"))
    assert isinstance(server, QueryTimeout)
    assert server.side == "server"
    assert server.phase is None


def test_not_ready_is_the_plain_text_503() -> None:
    err = query_error(text(503, "Service Unavailable\n"))
    assert type(err) is PrometheusNotReady
    assert err.code == "not_ready"
    assert err.status_code == 503
    assert err.error_type is None
    assert err.upstream_message == "Service Unavailable"


@pytest.mark.parametrize(
    ("response", "content_type", "excerpt"),
    [
        (text(404, "404 page not found\n"), "text/plain", "404 page not found"),
        (
            text(
                502,
                "<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway"
                "</h1></center><hr><center>nginx</center></body></html>",
                "text/html",
            ),
            "text/html",
            "502 Bad Gateway 502 Bad Gateway nginx",
        ),
        (text(200, "<!doctype html><title>Prometheus Time Series</title>", "text/html"), "text/html", None),
        (text(200, "not json at all"), "text/plain", "not json at all"),
        # lower-case: that is the aggregator's, and only Karmada's mapping may claim it
        (text(503, "service unavailable\n"), "text/plain", "service unavailable"),
        (httpx.Response(500, content=b""), None, None),
    ],
)
def test_non_envelope_answers_are_unexpected(
    response: httpx.Response, content_type: str | None, excerpt: str | None
) -> None:
    err = query_error(response)
    assert type(err) is UnexpectedResponse
    assert err.code == "unexpected"
    assert err.status_code == response.status_code
    assert err.error_type is None
    assert isinstance(err, UnexpectedResponse)
    assert err.content_type == content_type
    if excerpt is not None:
        assert err.excerpt == excerpt
    assert err.excerpt is None or ("<" not in err.excerpt and len(err.excerpt) <= 200)


@pytest.mark.parametrize(
    "body",
    [
        b'{"data": {"resultType": "vector", "result": []}}',
        b'{"status": "success"}',
        b"[1, 2, 3]",
        b'{"status": "success", "data": {"resultType": "vector", "result": [',
    ],
)
def test_200_without_the_envelope_is_unexpected(body: bytes) -> None:
    err = query_error(httpx.Response(200, content=body, headers={"content-type": "application/json"}))
    assert type(err) is UnexpectedResponse
    assert err.status_code == 200
    assert err.content_type == "application/json"


def test_long_html_bodies_are_cut_and_cleaned() -> None:
    page = "<html><body>" + "<p>x\x07y</p>" * 5000 + "</body></html>"
    err = error_for_answer(502, "text/html", page.encode())
    assert isinstance(err, UnexpectedResponse)
    assert err.excerpt is not None and len(err.excerpt) <= 200 and "\x07" not in err.excerpt
    assert err.upstream_message == err.excerpt


def test_error_envelope_on_a_200_is_still_an_error() -> None:
    body = b'{"status":"error","errorType":"bad_data","error":"boom"}'
    err = query_error(httpx.Response(200, content=body, headers={"content-type": "application/json"}))
    assert type(err) is BadQuery
    assert err.status_code == 200


def test_cluster_is_attached_and_errors_pickle() -> None:
    client, _ = direct(lambda r: prom_error(400, "bad_data", PARSE_ERROR), cluster="site-b")
    with client, pytest.raises(BadQuery) as info:
        client.query("sum(rate(x[5m])")
    err = info.value
    assert err.cluster == "site-b"
    assert str(err).startswith("cluster site-b: ")
    clone = pickle.loads(pickle.dumps(err))
    assert type(clone) is BadQuery
    assert (clone.cluster, clone.status_code, clone.error_type, clone.upstream_message) == (
        "site-b",
        400,
        "bad_data",
        PARSE_ERROR,
    )
    assert str(clone) == str(err)


def test_malformed_success_names_the_field_and_cluster() -> None:
    data = {"resultType": "vector", "result": [{"metric": {}, "value": [1, "oops"]}]}
    client, _ = direct(lambda r: success(data), cluster="site-c")
    with client, pytest.raises(UnexpectedResponse) as info:
        client.query("up")
    assert info.value.field == "data.result[0].value"
    assert info.value.cluster == "site-c"
    assert info.value.status_code == 200


# ------------------------------------------------------------------------------------------
# Transport failures on a direct URL


@pytest.mark.parametrize(
    ("exc", "cls", "code", "words"),
    [
        (
            httpx.ConnectError("[Errno 111] Connection refused"),
            PrometheusUnreachable,
            "unreachable",
            "could not connect",
        ),
        (httpx.ConnectTimeout("timed out"), PrometheusUnreachable, "unreachable", "connect timed out"),
        (
            httpx.RemoteProtocolError("Server disconnected without sending a response."),
            PrometheusUnreachable,
            "unreachable",
            "RemoteProtocolError",
        ),
        (
            httpx.ReadError("[Errno 104] Connection reset by peer"),
            PrometheusUnreachable,
            "unreachable",
            "ReadError",
        ),
        (httpx.ReadTimeout("timed out"), QueryTimeout, "timeout", "read timeout"),
        (httpx.WriteTimeout("timed out"), QueryTimeout, "timeout", "write timeout"),
        (httpx.PoolTimeout("timed out"), QueryTimeout, "timeout", "pool timeout"),
    ],
)
def test_transport_failures_on_a_direct_url(
    exc: httpx.TransportError, cls: type[PrometheusError], code: str, words: str
) -> None:
    client, _ = direct(raising(exc), cluster="site-a")
    with client, pytest.raises(PrometheusError) as info:
        client.query("up")
    err = info.value
    assert type(err) is cls
    assert err.code == code
    assert words in str(err)
    assert PROM in str(err)
    assert err.status_code is None
    assert err.cluster == "site-a"
    assert err.upstream_message == str(exc)
    assert err.__cause__ is exc
    if isinstance(err, QueryTimeout):
        assert err.side == "client"
        assert err.phase == words.split()[0]
