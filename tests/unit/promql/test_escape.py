"""Escaping: literals round-trip through the real PromQL lexer (promql-parser) for any text."""

from __future__ import annotations

import re

import promql_parser
import pytest
from hypothesis import given
from hypothesis import strategies as st

from i3plat.promql.errors import QueryInputError
from i3plat.promql.escape import escape_re2, quote_label_value, quote_regex_any, quote_regex_literal


def parsed_matcher_value(literal: str, op: str = "=") -> str:
    expr = promql_parser.parse(f"up{{node{op}{literal}}}")
    (matcher,) = [m for m in expr.matchers.matchers if m.name == "node"]
    return str(matcher.value)


@pytest.mark.parametrize(
    "value",
    [
        "plain",
        'a"b',
        "a\\b",
        "a'b",
        "a\nb",
        "tab\there",
        "emoji-\U0001f600",
        "back`tick",
        "ünïcødé",
        'x"} or vector(1) or {a="',
        "ip-10-0-1-2.ec2.internal",
        "",
    ],
)
def test_hostile_values_stay_one_literal(value: str) -> None:
    assert parsed_matcher_value(quote_label_value(value)) == value


@given(st.text(max_size=80))
def test_any_text_round_trips(value: str) -> None:
    assert parsed_matcher_value(quote_label_value(value)) == value


@given(st.text(max_size=40))
def test_regex_literal_matches_only_itself(value: str) -> None:
    pattern = parsed_matcher_value(quote_regex_literal(value), "=~")
    assert pattern == escape_re2(value)
    assert re.fullmatch(pattern, value, flags=re.DOTALL)


def test_regex_any_matches_each_value_literally() -> None:
    pattern = parsed_matcher_value(quote_regex_any(["a.b", "c|d"]), "=~")
    assert re.fullmatch(pattern, "a.b") and re.fullmatch(pattern, "c|d")
    assert not re.fullmatch(pattern, "axb") and not re.fullmatch(pattern, "c")


def test_no_ascii_escaping_of_astral_characters() -> None:
    assert quote_label_value("\U0001f600") == '"\U0001f600"'  # \ud83d\ude00 would be rejected by Go


@pytest.mark.parametrize("value", ["x" * 1025, "\ud800"])
def test_unusable_values_are_refused_naming_the_field(value: str) -> None:
    with pytest.raises(QueryInputError, match=r"^node:"):
        quote_label_value(value, field="node")


def test_empty_multiselect_is_refused() -> None:
    with pytest.raises(QueryInputError, match="node"):
        quote_regex_any([], field="node")
