"""Local refusal of input Prometheus would refuse (nothing is sent), and exact parameter encoding."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from prom_client_helpers import PROM, direct, form_of, refusing_transport, success

from i3plat.promql.api_params import (
    format_duration_ms,
    format_time_ms,
    range_params,
    server_timeout,
)
from i3plat.promql.client import MAX_GET_QUERY_BYTES, PrometheusClient
from i3plat.promql.errors import QueryInputError


@pytest.fixture
def refusing() -> Any:
    with PrometheusClient.direct(PROM, transport=refusing_transport()) as client:
        yield client


@pytest.mark.parametrize(
    ("kwargs", "field", "words"),
    [
        ({"start": 0, "end": 11_001 * 15, "step": 15}, "step", "11,000 points"),
        ({"start": 0, "end": 86_400 * 30, "step": 15}, "step", "at least 236 s"),
        ({"start": 0, "end": 60, "step": 0}, "step", "positive"),
        ({"start": 0, "end": 60, "step": -15}, "step", "positive"),
        ({"start": 0, "end": 60, "step": 0.0001}, "step", "0.001"),
        ({"start": 0, "end": 60, "step": float("nan")}, "step", "finite"),
        ({"start": 0, "end": 60, "step": "15s"}, "step", "number"),
        ({"start": 120, "end": 60, "step": 15}, "end", "before start"),
        ({"start": float("inf"), "end": 60, "step": 15}, "start", "finite"),
        ({"start": -1, "end": 60, "step": 15}, "start", "≥ 0"),
        ({"start": True, "end": 60, "step": 15}, "start", "number"),
    ],
)
def test_query_range_refuses_locally(
    refusing: PrometheusClient, kwargs: dict[str, Any], field: str, words: str
) -> None:
    with pytest.raises(QueryInputError) as info:
        refusing.query_range("up", **kwargs)
    assert info.value.field == field
    assert words in str(info.value)


def test_exactly_11000_steps_is_allowed() -> None:
    client, rec = direct(lambda r: success({"resultType": "matrix", "result": []}))
    with client:
        client.query_range("up", start=0, end=11_000 * 15, step=15)
        with pytest.raises(QueryInputError):
            client.query_range("up", start=0, end=11_000 * 15 + 15, step=15)
    assert len(rec.requests) == 1
    assert dict(form_of(rec.last))["end"] == "165000"


@pytest.mark.parametrize("expr", ["", "   ", None, 42])
def test_empty_expression_is_refused(refusing: PrometheusClient, expr: Any) -> None:
    with pytest.raises(QueryInputError) as info:
        refusing.query(expr)
    assert info.value.field == "expr"
    with pytest.raises(QueryInputError):
        refusing.query_range(expr, start=0, end=60, step=15)


@pytest.mark.parametrize("at", [float("nan"), -5, "now"])
def test_bad_evaluation_time_is_refused(refusing: PrometheusClient, at: Any) -> None:
    with pytest.raises(QueryInputError) as info:
        refusing.query("up", at=at)
    assert info.value.field == "at"


@pytest.mark.parametrize(
    "label", ["", "1abc", "node-name", "../../secrets", "node/values", "nöde", "a b", "job%2F", None]
)
def test_label_names_are_refused(refusing: PrometheusClient, label: Any) -> None:
    with pytest.raises(QueryInputError) as info:
        refusing.label_values(label)
    assert info.value.field == "label"


@pytest.mark.parametrize("match", ["up", b"up", [""], ["up", 3]])
def test_bad_match_is_refused(refusing: PrometheusClient, match: Any) -> None:
    with pytest.raises(QueryInputError) as info:
        refusing.label_values("job", match=match)
    assert info.value.field == "match"
    with pytest.raises(QueryInputError):
        refusing.series(match)


def test_series_needs_a_selector(refusing: PrometheusClient) -> None:
    with pytest.raises(QueryInputError) as info:
        refusing.series([])
    assert info.value.field == "match"


def test_series_and_label_values_check_the_window(refusing: PrometheusClient) -> None:
    with pytest.raises(QueryInputError) as info:
        refusing.series(["up"], start=100, end=50)
    assert info.value.field == "end"
    with pytest.raises(QueryInputError) as info:
        refusing.label_values("job", start=float("nan"))
    assert info.value.field == "start"


def test_too_long_label_values_get_is_refused(refusing: PrometheusClient) -> None:
    with pytest.raises(QueryInputError) as info:
        refusing.label_values("job", match=["x" * (MAX_GET_QUERY_BYTES + 1)])
    assert info.value.field == "match"


@pytest.mark.parametrize("timeout", [0, -1, float("inf"), "30"])
def test_bad_timeouts_are_refused(timeout: Any) -> None:
    with pytest.raises(QueryInputError) as info:
        PrometheusClient.direct(PROM, timeout=timeout, transport=refusing_transport())
    assert info.value.field == "timeout"
    with (
        PrometheusClient.direct(PROM, transport=refusing_transport()) as client,
        pytest.raises(QueryInputError),
    ):
        client.query("up", timeout=timeout)


@pytest.mark.parametrize("url", ["", "127.0.0.1:9090", "ftp://host/", "http://", "http://[::1"])
def test_bad_base_url_is_refused(url: str) -> None:
    with pytest.raises(QueryInputError) as info:
        PrometheusClient.direct(url)
    assert info.value.field == "base_url"


# ------------------------------------------------------------------------------------------
# Pure encoders


@pytest.mark.parametrize(
    ("ms", "text"),
    [(0, "0"), (1_700_000_000_000, "1700000000"), (1_700_000_000_250, "1700000000.250"), (5, "0.005")],
)
def test_format_time_ms(ms: int, text: str) -> None:
    assert format_time_ms(ms) == text


@pytest.mark.parametrize(("ms", "text"), [(15_000, "15s"), (250, "250ms"), (1, "1ms"), (90_500, "90500ms")])
def test_format_duration_ms(ms: int, text: str) -> None:
    assert format_duration_ms(ms) == text


@pytest.mark.parametrize(
    ("client", "server"), [(30.0, 27.0), (120.0, 117.0), (10.0, 9.0), (1.0, 0.75), (0.2, 0.1)]
)
def test_server_timeout_is_shorter_than_the_client_timeout(client: float, server: float) -> None:
    assert server_timeout(client) == pytest.approx(server)


def test_range_params_round_to_milliseconds() -> None:
    assert range_params(1700000000.0004, 1700000060.9996, 15) == {
        "start": "1700000000",
        "end": "1700000061",
        "step": "15s",
    }


def test_a_refused_request_really_sends_nothing() -> None:
    sent: list[httpx.Request] = []
    transport = httpx.MockTransport(lambda r: sent.append(r) or httpx.Response(500))
    with PrometheusClient.direct(PROM, transport=transport) as client, pytest.raises(QueryInputError):
        client.query_range("up", start=0, end=1e9, step=1)
    assert sent == []
