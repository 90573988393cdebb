"""JSON shapes of the Prometheus HTTP API: envelopes, result types, sample encoding.

Samples are `[<unix seconds>, "<value>"]`: the time as Go's `jsonutil.MarshalTimestamp` writes it
(whole seconds as an integer, else with milliseconds) and the value as `strconv.FormatFloat`
(`'f'`, or `'e'` outside [1e-6, 1e21); `"NaN"`, `"+Inf"`, `"-Inf"`).
"""

from __future__ import annotations

from typing import Any

import orjson

from ._evaltypes import InstantVector, Matrix, Scalar, StringResult, Value
from ._gofloat import format_sample_value, ms_to_json_seconds
from ._labels import labels_to_dict
from ._promql_errors import ErrorType

JSON_CONTENT_TYPE = "application/json"

STATUS_BY_ERROR_TYPE: dict[ErrorType, int] = {
    "bad_data": 400,
    "execution": 422,
    "timeout": 503,
    "canceled": 503,
    "internal": 500,
    "not_found": 404,
    "unavailable": 500,
}
"""2.42's `respondError` (unavailable falls to the default branch: 500)."""


def encode_point(t_ms: int, value: float) -> list[Any]:
    return [ms_to_json_seconds(t_ms), format_sample_value(value)]


def encode_value(value: Value) -> dict[str, Any]:
    """`{"resultType": …, "result": …}` of a query result."""
    if isinstance(value, InstantVector):
        result: Any = [
            {"metric": labels_to_dict(s.labels), "value": encode_point(value.t_ms, s.value)}
            for s in value.samples
        ]
        return {"resultType": "vector", "result": result}
    if isinstance(value, Matrix):
        result = [
            {"metric": labels_to_dict(s.labels), "values": [encode_point(t, v) for t, v in s.points]}
            for s in value.series
        ]
        return {"resultType": "matrix", "result": result}
    if isinstance(value, Scalar):
        return {"resultType": "scalar", "result": encode_point(value.t_ms, value.value)}
    assert isinstance(value, StringResult)
    return {"resultType": "string", "result": [ms_to_json_seconds(value.t_ms), value.value]}


def success_body(data: Any) -> bytes:
    return orjson.dumps({"status": "success", "data": data})


def error_body(error_type: ErrorType, message: str) -> bytes:
    return orjson.dumps({"status": "error", "errorType": error_type, "error": message})
