"""Go number formatting and the API's time/duration parameter parsing."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from i3plat.federation_sim.prometheus._api_params import Form, parse_duration_ns, parse_time_ns
from i3plat.federation_sim.prometheus._gofloat import (
    format_float,
    format_sample_value,
    go_pow,
    ms_to_json_seconds,
    ns_to_ms,
)


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (0.0, "0"),
        (-0.0, "-0"),
        (1.0, "1"),
        (0.1, "0.1"),
        (123.456, "123.456"),
        (1e20, "100000000000000000000"),
        (1e21, "1e+21"),
        (1.5e21, "1.5e+21"),
        (1e-6, "0.000001"),
        (1e-7, "1e-07"),
        (-2.5e-9, "-2.5e-09"),
        (16.00000000000001, "16.00000000000001"),
        (math.inf, "+Inf"),
        (-math.inf, "-Inf"),
        (math.nan, "NaN"),
    ],
)
def test_sample_values_are_formatted_like_prometheus(value: float, text: str) -> None:
    assert format_sample_value(value) == text


@given(st.floats(allow_nan=False, allow_infinity=False))
def test_formatting_round_trips(value: float) -> None:
    assert float(format_float(value, "f")) == value
    assert float(format_float(value, "e")) == value
    assert float(format_sample_value(value)) == value


def test_timestamps_are_integers_when_whole() -> None:
    assert ms_to_json_seconds(1_700_000_000_000) == 1_700_000_000
    assert ms_to_json_seconds(1_700_000_000_500) == 1_700_000_000.5


@pytest.mark.parametrize(
    ("text", "ms"),
    [
        ("1700000000", 1_700_000_000_000),
        ("1700000000.123", 1_700_000_000_123),
        ("1700000000.1234", 1_700_000_000_123),
        ("1700000000.1235", 1_700_000_000_124),  # fraction rounded to the millisecond
        ("1.7e9", 1_700_000_000_000),
        ("2023-11-14T22:13:20Z", 1_700_000_000_000),
        ("2023-11-14T22:13:20.5Z", 1_700_000_000_500),
        ("2023-11-15T00:13:20+02:00", 1_700_000_000_000),
    ],
)
def test_parse_time(text: str, ms: int) -> None:
    assert ns_to_ms(parse_time_ns(text)) == ms


@pytest.mark.parametrize("text", ["", "yesterday", "2023-02-30T00:00:00Z", "2023-11-14 22:13:20Z", "1_000"])
def test_parse_time_rejects(text: str) -> None:
    with pytest.raises(ValueError, match="to a valid timestamp"):
        parse_time_ns(text)


def test_non_finite_times_are_accepted_but_find_nothing() -> None:
    # Go parses "inf" and turns it into a nonsense time; the query then simply has no data.
    assert parse_time_ns("inf") == parse_time_ns("NaN") < parse_time_ns("0")


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("15", 15),
        ("0.5", 0.5),
        ("15s", 15),
        ("1m30s", 90),
        ("1h", 3600),
        ("2d", 172_800),
        ("100ms", 0.1),
        ("0", 0),
    ],
)
def test_parse_duration(text: str, seconds: float) -> None:
    assert parse_duration_ns(text) == round(seconds * 1e9)


@pytest.mark.parametrize("text", ["", "banana", "1x", "30s1m"])
def test_parse_duration_rejects(text: str) -> None:
    with pytest.raises(ValueError, match="to a valid duration"):
        parse_duration_ns(text)


def test_form_takes_the_post_body_first() -> None:
    form = Form.parse("POST", "query=b&match[]=y", b"query=a&match[]=x", "application/x-www-form-urlencoded")
    assert form.first("query") == "a"
    assert form.all("match[]") == ["x", "y"]
    assert Form.parse("GET", "query=b", b"query=a", "application/x-www-form-urlencoded").first("query") == "b"


def test_go_pow_special_cases() -> None:
    assert go_pow(0.0, -1.0) == math.inf
    assert go_pow(-0.0, -3.0) == -math.inf
    assert go_pow(-2.0, 1e308) == math.inf
    assert math.isnan(go_pow(-2.0, 0.5))
