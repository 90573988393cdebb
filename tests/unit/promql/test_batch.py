"""Combining queries into one request and splitting the answer again (`promql.batch`)."""

from __future__ import annotations

from array import array

import pytest
from promql_parser import parse

from i3plat.promql.batch import BATCH_LABEL, combine_queries, split_series
from i3plat.promql.prom_errors import UnexpectedResponse
from i3plat.promql.results import Series


def series(labels: dict[str, str], *values: float) -> Series:
    return Series(labels=labels, timestamps=array("d", range(len(values))), values=array("d", values))


def test_one_expression_is_sent_as_it_is() -> None:
    assert combine_queries(["sum(up)"]) == "sum(up)"


def test_combined_query_parses_and_tags_each_part_in_order() -> None:
    exprs = ['sum(rate(a_total{job="x"}[1m]))', "b or c", "count(kube_node_info) by (node)"]
    combined = combine_queries(exprs)
    parse(combined)  # valid PromQL: raises on a syntax error
    for index, expr in enumerate(exprs):
        assert f'label_replace({expr}, "{BATCH_LABEL}", "{index}", "", "")' in combined
    assert combined.count(" or ") == 3  # two joins, and the inner `or` of "b or c" inside its call


def test_nothing_to_combine_is_a_programming_error() -> None:
    with pytest.raises(ValueError):
        combine_queries([])


def test_split_returns_each_part_without_the_tag() -> None:
    answer = [
        series({"node": "n1", BATCH_LABEL: "1"}, 1.0),
        series({BATCH_LABEL: "0"}, 2.0, 3.0),
        series({"node": "n2", BATCH_LABEL: "1"}, 4.0),
    ]
    parts = split_series(answer, 3)
    assert [[dict(s.labels) for s in part] for part in parts] == [[{}], [{"node": "n1"}, {"node": "n2"}], []]
    assert list(parts[0][0].values) == [2.0, 3.0]


def test_split_of_a_single_query_keeps_everything() -> None:
    answer = [series({"node": "n1"}, 1.0)]
    assert split_series(answer, 1) == [tuple(answer)]


@pytest.mark.parametrize("tag", [None, "", "x", "-1", "3"])
def test_a_series_that_belongs_to_no_part_is_an_unexpected_answer(tag: str | None) -> None:
    labels = {"node": "n1"} if tag is None else {"node": "n1", BATCH_LABEL: tag}
    with pytest.raises(UnexpectedResponse) as caught:
        split_series([series(labels, 1.0)], 3)
    assert BATCH_LABEL in str(caught.value)
