"""Vector selectors: matchers, regex anchoring, lookback, offset, @ and the parse errors."""

from __future__ import annotations

import pytest
from synprom_helpers import instant, key, ranged, source

from i3plat.federation_sim.prometheus._evaltypes import Matrix, StringResult
from i3plat.federation_sim.prometheus._evaluator import evaluate_instant, evaluate_range
from i3plat.federation_sim.prometheus._promql_errors import BadDataError, ParseError, UnsupportedError

SRC = source(
    ({"__name__": "up", "job": "node", "instance": "a.b"}, [(0, 1), (100, 1)]),
    ({"__name__": "up", "job": "node", "instance": "axb"}, [(0, 0), (100, 0)]),
    ({"__name__": "up", "job": "kube", "instance": "plain"}, [(0, 1)]),
    ({"__name__": "up_total", "job": "node"}, [(0, 7)]),
    ({"__name__": "other", "job": "node", "extra": ""}, [(0, 9)]),
)


def names(expr: str, t: float = 100) -> set[str]:
    return {dict(k)["instance"] for k in instant(SRC, expr, t)}


def test_equality_and_regex_matchers() -> None:
    assert names('up{job="node"}') == {"a.b", "axb"}
    assert names('up{job!="node"}', 0) == {"plain"}
    assert names('up{instance=~"a.b"}') == {"a.b", "axb"}  # "." is a wildcard
    assert names('up{instance=~"a\\\\.b"}') == {"a.b"}
    assert names('up{instance!~"a.*"}', 0) == {"plain"}


def test_regex_matchers_are_fully_anchored() -> None:
    assert names('up{instance=~"a"}') == set()
    assert names('up{instance=~"xb"}') == set()
    assert names('up{instance=~".*b"}') == {"a.b", "axb"}


def test_metric_name_matchers() -> None:
    assert {dict(k)["__name__"] for k in instant(SRC, '{__name__=~"up.*",job="node"}', 0)} == {
        "up",
        "up_total",
    }
    assert {dict(k)["__name__"] for k in instant(SRC, '{__name__="up_total"}', 0)} == {"up_total"}


def test_absent_and_empty_labels_are_the_same() -> None:
    # the empty `extra` label was dropped when stored; `extra=""` matches series without it
    assert set(instant(SRC, 'other{extra=""}', 0)) == {key(__name__="other", job="node")}
    assert instant(SRC, 'other{extra!=""}', 0) == {}
    assert set(instant(SRC, 'up{job=~"kube|nothing", missing=~""}', 0)) == {
        key(__name__="up", job="kube", instance="plain")
    }


def test_lookback_is_five_minutes_inclusive() -> None:
    assert names('up{job="kube"}', 299) == {"plain"}
    assert names('up{job="kube"}', 300) == {"plain"}
    assert names('up{job="kube"}', 300.001) == set()
    assert names('up{job="kube"}', 301) == set()


def test_instant_value_is_the_newest_sample_and_the_time_is_the_query_time() -> None:
    value = evaluate_instant('up{instance="axb"}', 150, SRC)
    assert value.t_ms == 150_000  # type: ignore[union-attr]


def test_offset_and_at() -> None:
    assert names('up{job="kube"} offset 100s', 400) == {"plain"}
    assert names('up{job="kube"} @ 10', 10_000) == {"plain"}
    got = ranged(SRC, 'up{instance="a.b"} @ 0', 1000, 1200, 100)
    assert got == {key(__name__="up", job="node", instance="a.b"): [(1000, 1.0), (1100, 1.0), (1200, 1.0)]}


def test_range_query_of_a_selector_keeps_names_and_leaves_gaps() -> None:
    got = ranged(SRC, 'up{job="kube"}', 0, 600, 150)
    assert got == {key(__name__="up", job="kube", instance="plain"): [(0, 1.0), (150, 1.0), (300, 1.0)]}


def test_instant_matrix_selector_returns_raw_samples() -> None:
    value = evaluate_instant('up{instance="a.b"}[100s]', 100, SRC)
    assert isinstance(value, Matrix)
    (series,) = value.series
    assert series.points == ((0, 1.0), (100_000, 1.0))


def test_string_and_number_literals() -> None:
    assert evaluate_instant('"hi"', 5, SRC) == StringResult(5000, "hi")
    assert ranged(SRC, "1 + 2 * 3", 0, 20, 10) == {key(): [(0, 7.0), (10, 7.0), (20, 7.0)]}


@pytest.mark.parametrize(
    ("expr", "message"),
    [
        ("sum(up", "unclosed left parenthesis"),
        ('{node-name="x"}', "unexpected character inside braces"),
        ('{node=""}', "vector selector must contain at least one non-empty matcher"),
        ("rate(up)", "expected type matrix"),
        ("1 > 2", "comparisons between scalars must use BOOL modifier"),
    ],
)
def test_parse_errors_read_like_prometheus(expr: str, message: str) -> None:
    with pytest.raises(ParseError, match=r"^parse error: ") as err:
        evaluate_instant(expr, 0, SRC)
    assert message in err.value.message
    assert err.value.error_type == "bad_data"


def test_unsupported_constructs_name_themselves() -> None:
    with pytest.raises(UnsupportedError, match="the @ modifier on a subquery"):
        evaluate_instant("max_over_time(up[5m:1m] @ 100)", 0, SRC)
    with pytest.raises(UnsupportedError, match=r"histogram_quantile\(\)"):
        evaluate_instant("histogram_quantile(0.9, up)", 0, SRC)


def test_range_queries_reject_range_vectors() -> None:
    with pytest.raises(BadDataError, match='invalid expression type "range vector" for range query'):
        evaluate_range("up[5m]", 0, 10, 5, SRC)
