"""Parsing query results: vector, matrix, scalar, string; special floats; malformed shapes."""

from __future__ import annotations

import math
import pickle
from array import array
from typing import Any

import orjson
import pytest
from hypothesis import given
from hypothesis import strategies as st

from i3plat.promql.prom_errors import UnexpectedResponse
from i3plat.promql.results import (
    QueryResult,
    Series,
    decode_body,
    parse_build_info,
    parse_label_values,
    parse_query_response,
    parse_series,
)


def envelope(result_type: str, result: Any, **extra: Any) -> dict[str, Any]:
    return {"status": "success", "data": {"resultType": result_type, "result": result}, **extra}


def test_vector_one_point_per_series() -> None:
    body = envelope(
        "vector",
        [
            {"metric": {"node": "n1", "job": "node"}, "value": [1700000000.123, "0.25"]},
            {"metric": {"node": "n2", "job": "node"}, "value": [1700000000.123, "1e-07"]},
        ],
    )
    result = parse_query_response(body)
    assert result.result_type == "vector"
    assert [dict(s.labels) for s in result.series] == [
        {"node": "n1", "job": "node"},
        {"node": "n2", "job": "node"},
    ]
    first = result.series[0]
    assert first.timestamps.typecode == "d" and first.values.typecode == "d"
    assert list(first.timestamps) == [1700000000.123]
    assert list(first.values) == [0.25]
    assert result.series[1].values[0] == 1e-07
    assert result.warnings == () and result.stats is None


def test_matrix_is_columnar_with_special_floats() -> None:
    body = envelope(
        "matrix",
        [
            {
                "metric": {"__name__": "gpu_util", "gpu": "0"},
                "values": [
                    [1700000000, "1"],
                    [1700000015, "NaN"],
                    [1700000030, "+Inf"],
                    [1700000045, "-Inf"],
                ],
            },
            {
                "metric": {"gpu": "1"},
                "values": [[1700000000, "0.5"], [1700000015, "-0"], [1700000030, "2e+21"]],
            },
        ],
    )
    result = parse_query_response(body)
    assert result.result_type == "matrix"
    a, b = result.series
    assert a.timestamps == array("d", [1700000000, 1700000015, 1700000030, 1700000045])
    assert a.values[0] == 1.0 and math.isnan(a.values[1])
    assert a.values[2] == math.inf and a.values[3] == -math.inf
    assert len(a) == len(a.values) == 4
    assert list(b.values) == [0.5, -0.0, 2e21]
    assert math.copysign(1.0, b.values[1]) == -1.0


def test_scalar_and_string() -> None:
    scalar = parse_query_response(envelope("scalar", [1700000000.5, "42"]))
    assert scalar.result_type == "scalar"
    assert scalar.scalar() == 42.0
    assert dict(scalar.series[0].labels) == {}
    assert list(scalar.series[0].timestamps) == [1700000000.5]
    nan = parse_query_response(envelope("scalar", [1700000000, "NaN"])).scalar()
    assert nan is not None and math.isnan(nan)
    string = parse_query_response(envelope("string", [1700000000, "hello"]))
    assert (string.result_type, string.series, string.string) == ("string", (), "hello")


def test_empty_results() -> None:
    assert parse_query_response(envelope("vector", [])).series == ()
    assert parse_query_response(envelope("vector", [])).scalar() is None
    assert parse_query_response(envelope("matrix", [])).series == ()
    empty = parse_query_response(envelope("matrix", [{"metric": {"a": "b"}, "values": []}]))
    assert len(empty.series[0]) == 0 and len(empty.series[0].values) == 0


def test_metric_may_be_missing_or_empty() -> None:
    result = parse_query_response(
        envelope("vector", [{"value": [1, "3"]}, {"metric": {}, "value": [1, "4"]}])
    )
    assert [dict(s.labels) for s in result.series] == [{}, {}]


def test_scalar_of_several_series_or_a_matrix_is_an_error() -> None:
    two = parse_query_response(envelope("vector", [{"value": [1, "3"]}, {"value": [1, "4"]}]))
    with pytest.raises(UnexpectedResponse, match="single value"):
        two.scalar()
    matrix = parse_query_response(envelope("matrix", [{"metric": {}, "values": [[1, "2"]]}]))
    with pytest.raises(UnexpectedResponse):
        matrix.scalar()


def test_warnings_and_stats_are_kept() -> None:
    body = envelope("vector", [], warnings=["remote read failed for site-b"])
    body["data"]["stats"] = {"timings": {"evalTotalTime": 0.01}, "samples": {"peakSamples": 3}}
    result = parse_query_response(body)
    assert result.warnings == ("remote read failed for site-b",)
    assert result.stats == {"timings": {"evalTotalTime": 0.01}, "samples": {"peakSamples": 3}}


@pytest.mark.parametrize(
    ("body", "field", "words"),
    [
        ({"status": "error", "errorType": "bad_data", "error": "x"}, "status", "success"),
        ({"status": "success"}, "data", "missing"),
        ({"status": "success", "data": []}, "data", "object"),
        (
            {"status": "success", "data": {"resultType": "histogram", "result": []}},
            "data.resultType",
            "one of",
        ),
        ({"status": "success", "data": {"resultType": "vector"}}, "data.result", "missing"),
        (envelope("vector", {"metric": {}}), "data.result", "list"),
        (envelope("vector", [["x"]]), "data.result[0]", "object"),
        (envelope("vector", [{"metric": {}}]), "data.result[0].value", "missing"),
        (envelope("vector", [{"metric": {}, "value": [1]}]), "data.result[0].value", "pair"),
        (envelope("vector", [{"metric": {}, "value": ["1", "2"]}]), "data.result[0].value", "timestamp"),
        (envelope("vector", [{"metric": {}, "value": [1, "abc"]}]), "data.result[0].value", "'abc'"),
        (envelope("vector", [{"metric": {}, "value": [1, None]}]), "data.result[0].value", "NoneType"),
        (envelope("vector", [{"metric": {"a": 1}, "value": [1, "2"]}]), "data.result[0].metric.a", "string"),
        (envelope("vector", [{"metric": ["a"], "value": [1, "2"]}]), "data.result[0].metric", "object"),
        (envelope("vector", [{"metric": {}, "histogram": [1, {}]}]), "data.result[0]", "histogram"),
        (envelope("matrix", [{"metric": {}}]), "data.result[0].values", "missing"),
        (envelope("matrix", [{"metric": {}, "values": "x"}]), "data.result[0].values", "list of points"),
        (
            envelope("matrix", [{"metric": {}, "values": [[1, "2"], [2, "x"]]}]),
            "data.result[0].values[1]",
            "'x'",
        ),
        (envelope("matrix", [{"metric": {}, "values": [[1, "2"], [2]]}]), "data.result[0].values[1]", "pair"),
        (envelope("matrix", [{"metric": {}, "values": [[1, "2", 3]]}]), "data.result[0].values[0]", "pair"),
        (
            envelope("matrix", [{"metric": {}, "values": [[1, "2"], "ab"]}]),
            "data.result[0].values[1]",
            "pair",
        ),
        (
            envelope("matrix", [{"metric": {}, "values": [[1, "2"], [1, "1,2"]]}]),
            "data.result[0].values[1]",
            "'1,2'",
        ),
        (
            envelope("matrix", [{"metric": {}, "values": [[1, "2"], [None, "3"]]}]),
            "data.result[0].values[1]",
            "timestamp",
        ),
        (
            envelope("matrix", [{"metric": {}, "values": [[1, "2"]], "histograms": []}]),
            "data.result[0]",
            "histogram",
        ),
        (envelope("scalar", ["1", "2"]), "data.result", "timestamp"),
        (envelope("scalar", []), "data.result", "pair"),
        (envelope("string", [1, 2]), "data.result", "text"),
        ({**envelope("vector", []), "warnings": "careful"}, "warnings", "list of strings"),
    ],
)
def test_malformed_shapes_name_the_field(body: dict[str, Any], field: str, words: str) -> None:
    with pytest.raises(UnexpectedResponse) as info:
        parse_query_response(body)
    err = info.value
    assert err.field == field
    assert words in str(err)
    assert err.code == "unexpected"


def test_decode_body() -> None:
    assert decode_body(b'{"status":"success","data":[]}') == {"status": "success", "data": []}
    with pytest.raises(UnexpectedResponse) as info:
        decode_body(b"<html>nope</html>")
    assert info.value.excerpt == "nope"
    with pytest.raises(UnexpectedResponse) as info:
        decode_body(b"[1]")
    assert info.value.field == "(body)"


def test_other_endpoints() -> None:
    assert parse_label_values({"status": "success", "data": ["a", "b"]}) == ["a", "b"]
    with pytest.raises(UnexpectedResponse):
        parse_label_values({"status": "success", "data": ["a", 1]})
    assert parse_series({"status": "success", "data": [{"job": "x"}]}) == [{"job": "x"}]
    with pytest.raises(UnexpectedResponse) as info:
        parse_series({"status": "success", "data": [{"job": "x"}, {"job": 1}]})
    assert info.value.field == "data[1].job"
    info_ = parse_build_info({"status": "success", "data": {"version": "v3.1.0", "goVersion": 1}})
    assert info_.version_tuple == (3, 1, 0) and info_.go_version == ""
    assert parse_build_info({"status": "success", "data": {"version": "main"}}).version_tuple is None


def test_results_pickle() -> None:
    result = parse_query_response(
        envelope("matrix", [{"metric": {"a": "b"}, "values": [[1, "NaN"], [2, "3"]]}])
    )
    clone = pickle.loads(pickle.dumps(result))
    assert isinstance(clone, QueryResult) and isinstance(clone.series[0], Series)
    assert dict(clone.series[0].labels) == {"a": "b"}
    assert list(clone.series[0].timestamps) == [1.0, 2.0]


def go_format(value: float) -> str:
    """Prometheus's value formatting (strconv.FormatFloat 'f'/'e', -1) as far as this test needs."""
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    text = repr(value)
    return text[:-2] if text.endswith(".0") else text


@given(st.lists(st.floats(allow_nan=True, allow_infinity=True), max_size=50))
def test_values_round_trip_through_the_fast_path(values: list[float]) -> None:
    points = [[1700000000 + 15 * i, go_format(v)] for i, v in enumerate(values)]
    body = orjson.loads(orjson.dumps(envelope("matrix", [{"metric": {}, "values": points}])))
    (series,) = parse_query_response(body).series
    assert len(series.timestamps) == len(values)
    for got, want in zip(series.values, values, strict=True):
        assert (math.isnan(got) and math.isnan(want)) or got == want
