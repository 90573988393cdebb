"""Pure shaping helpers: JSON-safe numbers, UTC times, who counts as unreachable."""

from __future__ import annotations

import math

import orjson

from i3plat.api.shapes import iso_utc, json_number, keep_node, points_view
from i3plat.collector.freshness import is_unreachable
from i3plat.collector.records import Failure, SeriesRecord
from tests.support.api_services import site_record


def test_numbers_json_can_carry() -> None:
    assert [json_number(v) for v in (math.nan, math.inf, -math.inf, None)] == [None] * 4
    assert json_number(1_700_000_000.0) == 1_700_000_000 and isinstance(json_number(3.0), int)
    assert json_number(0.25) == 0.25
    row = SeriesRecord({"node": "n1"}, [1.5, 2.0], [math.nan, 1e308 * 10])
    assert orjson.dumps(points_view(row)) == b"[[1.5,null],[2,null]]"


def test_iso_utc() -> None:
    assert iso_utc(1_700_000_000.9) == "2023-11-14T22:13:20Z"
    assert iso_utc(None) is None


def test_unreachable_means_a_site_level_connection_failure() -> None:
    def failed(cause: str) -> Failure:
        return Failure(cause, "x", "m", None, None, 0.0)  # type: ignore[arg-type]

    assert is_unreachable(site_record("a", failure=failed("unreachable")))
    assert is_unreachable(site_record("a", failure=failed("timeout")))
    assert not is_unreachable(site_record("a", failure=failed("forbidden")))
    assert not is_unreachable(site_record("a"))
    assert not is_unreachable(None)


def test_keep_node() -> None:
    rows = [
        SeriesRecord({"node": "a"}, [], []),
        SeriesRecord({"node": "b"}, [], []),
        SeriesRecord({}, [], []),
    ]
    assert keep_node(rows, None) == rows
    assert keep_node(rows, "b") == [rows[1]]
