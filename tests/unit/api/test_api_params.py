"""The series query string: a closed grammar, and every refusal names its parameter."""

from __future__ import annotations

import pytest

from i3plat.api.params import SeriesQuery, parse_node, parse_series_args, parse_time
from i3plat.promql.errors import QueryInputError


def args(**values: str | list[str]) -> dict[str, list[str]]:
    return {k: v if isinstance(v, list) else [v] for k, v in values.items()}


def test_defaults_to_the_live_hour() -> None:
    query = parse_series_args(args(metric="cpu.util.node"))
    assert query == SeriesQuery("cpu.util.node", None, "1h", None, None, None)
    assert query.window(10_000.0) == (6_400.0, 10_000.0)


def test_preset_range_and_node() -> None:
    query = parse_series_args(args(metric="cpu.util.node", range="6h", node="gpu-01"))
    assert (query.range, query.node, query.start) == ("6h", "gpu-01", None)
    assert query.window(100_000.0) == (100_000.0 - 21_600, 100_000.0)


def test_start_end_step_in_both_time_forms() -> None:
    query = parse_series_args(
        args(metric="m.x", start="1700000000", end="2023-11-14T23:13:20.5+01:00", step="30")
    )
    assert query.start == 1_700_000_000.0
    assert query.end == 1_700_000_000.5  # 22:13:20.5Z
    assert query.step == 30
    assert query.window(0.0) == (query.start, query.end)


def test_start_alone_ends_now() -> None:
    query = parse_series_args(args(metric="m.x", start="2023-11-14T22:13:20Z"))
    assert query.start == 1_700_000_000.0 and query.end is None
    assert query.window(1_700_000_600.0) == (1_700_000_000.0, 1_700_000_600.0)


@pytest.mark.parametrize(
    ("given", "field"),
    [
        ({}, "metric"),
        ({"metric": " "}, "metric"),
        ({"metric": ["a.b", "c.d"]}, "metric"),
        ({"metric": "a.b", "range": "2h"}, "range"),
        ({"metric": "a.b", "range": "1H"}, "range"),
        ({"metric": "a.b", "range": ""}, "range"),
        ({"metric": "a.b", "range": "1h", "start": "1700000000"}, "range"),
        ({"metric": "a.b", "range": "1h", "step": "15"}, "range"),
        ({"metric": "a.b", "range": ["1h", "6h"]}, "range"),
        ({"metric": "a.b", "end": "1700000000"}, "start"),
        ({"metric": "a.b", "step": "15"}, "step"),
        ({"metric": "a.b", "start": "yesterday"}, "start"),
        ({"metric": "a.b", "start": "nan"}, "start"),
        ({"metric": "a.b", "start": "inf"}, "start"),
        ({"metric": "a.b", "start": "-5"}, "start"),
        ({"metric": "a.b", "start": "1e9"}, "start"),
        ({"metric": "a.b", "start": "2023-11-14T22:13:20"}, "start"),  # no zone
        ({"metric": "a.b", "start": "2023-11-14"}, "start"),  # no time
        ({"metric": "a.b", "start": "99999999999999"}, "start"),
        ({"metric": "a.b", "start": "1700000000", "end": "1699999999"}, "end"),
        ({"metric": "a.b", "start": "1700000000", "end": "1700000000"}, "end"),
        ({"metric": "a.b", "start": "1700000000", "end": "soon"}, "end"),
        ({"metric": "a.b", "start": "1700000000", "step": "0"}, "step"),
        ({"metric": "a.b", "start": "1700000000", "step": "-15"}, "step"),
        ({"metric": "a.b", "start": "1700000000", "step": "1.5"}, "step"),
        ({"metric": "a.b", "start": "1700000000", "step": "15s"}, "step"),
        ({"metric": "a.b", "start": "1700000000", "step": "9" * 40}, "step"),
        ({"metric": "a.b", "node": "n" * 254}, "node"),
        ({"metric": "a.b", "node": "gpu-01\n"}, "node"),
        ({"metric": "a.b", "node": "gpu\x00"}, "node"),
        ({"metric": "a.b", "node": "gpu\u202e10"}, "node"),  # bidi override
        ({"metric": "a.b", "node": ["a", "b"]}, "node"),
    ],
)
def test_refusals_name_the_parameter(given: dict[str, str | list[str]], field: str) -> None:
    with pytest.raises(QueryInputError) as info:
        parse_series_args(args(**given))
    assert info.value.field == field


def test_any_printable_node_is_accepted_as_is() -> None:
    hostile = 'node"} or vector(1) #'
    assert parse_node(hostile) == hostile
    assert parse_node("节点-1") == "节点-1"
    assert parse_node("n" * 253) == "n" * 253
    assert parse_node("") is None


def test_rfc3339_with_offset() -> None:
    assert parse_time("2023-11-15T06:13:20+08:00", "start") == 1_700_000_000.0
