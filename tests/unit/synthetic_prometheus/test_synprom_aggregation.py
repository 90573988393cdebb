"""Aggregations: by/without, the value of each operator, topk/bottomk tie-breaking."""

from __future__ import annotations

import math

import pytest
from synprom_helpers import instant, key, ranged, source

from i3plat.federation_sim.prometheus._evaltypes import InstantVector
from i3plat.federation_sim.prometheus._evaluator import evaluate_instant
from i3plat.federation_sim.prometheus._promql_errors import ExecutionError

SRC = source(
    ({"__name__": "m", "job": "a", "inst": "1", "mode": "x"}, [(0, 1)]),
    ({"__name__": "m", "job": "a", "inst": "1", "mode": "y"}, [(0, 2)]),
    ({"__name__": "m", "job": "a", "inst": "2", "mode": "x"}, [(0, 3)]),
    ({"__name__": "m", "job": "b", "inst": "3", "mode": "x"}, [(0, 4)]),
    ({"__name__": "t", "i": "1"}, [(0, 5)]),
    ({"__name__": "t", "i": "2"}, [(0, 5)]),
    ({"__name__": "t", "i": "3"}, [(0, 5)]),
    ({"__name__": "t", "i": "4"}, [(0, 1)]),
)


def at0(expr: str) -> dict[frozenset[tuple[str, str]], float]:
    return instant(SRC, expr, 0)


def test_by_keeps_only_the_grouping_labels() -> None:
    assert at0("sum by (job) (m)") == {key(job="a"): 6.0, key(job="b"): 4.0}
    assert at0("sum(m) by (job)") == {key(job="a"): 6.0, key(job="b"): 4.0}
    assert at0("sum(m)") == {key(): 10.0}
    assert at0("count by (__name__) (m)") == {key(__name__="m"): 4.0}


def test_without_drops_the_listed_labels_and_the_name() -> None:
    assert at0("sum without (mode) (m)") == {
        key(job="a", inst="1"): 3.0,
        key(job="a", inst="2"): 3.0,
        key(job="b", inst="3"): 4.0,
    }
    assert at0("max without () (m)") == {
        key(job="a", inst="1", mode="x"): 1.0,
        key(job="a", inst="1", mode="y"): 2.0,
        key(job="a", inst="2", mode="x"): 3.0,
        key(job="b", inst="3", mode="x"): 4.0,
    }


def test_operator_values() -> None:
    assert at0("avg(m)") == {key(): 2.5}
    assert at0("min by (job) (m)") == {key(job="a"): 1.0, key(job="b"): 4.0}
    assert at0("max by (job) (m)") == {key(job="a"): 3.0, key(job="b"): 4.0}
    assert at0("count(m)") == {key(): 4.0}
    assert at0("group by (job) (m)") == {key(job="a"): 1.0, key(job="b"): 1.0}
    assert at0("stddev(m)") == {key(): pytest.approx(math.sqrt(1.25))}
    assert at0("stdvar(m)") == {key(): pytest.approx(1.25)}
    assert at0("quantile(0.5, m)") == {key(): 2.5}
    assert at0("quantile(0.25, m)") == {key(): 1.75}
    assert at0('count_values("v", t)') == {key(v="5"): 3.0, key(v="1"): 1.0}


def test_topk_keeps_series_labels_and_groups() -> None:
    assert at0("topk(1, m)") == {key(__name__="m", job="b", inst="3", mode="x"): 4.0}
    assert at0("topk by (job) (1, m)") == {
        key(__name__="m", job="a", inst="2", mode="x"): 3.0,
        key(__name__="m", job="b", inst="3", mode="x"): 4.0,
    }
    assert at0("bottomk(2, m)") == {
        key(__name__="m", job="a", inst="1", mode="x"): 1.0,
        key(__name__="m", job="a", inst="1", mode="y"): 2.0,
    }
    assert at0("topk(0, m)") == {}


def test_topk_orders_an_instant_result_by_value() -> None:
    value = evaluate_instant("topk(3, m)", 0, SRC)
    assert isinstance(value, InstantVector)
    assert [s.value for s in value.samples] == [4.0, 3.0, 2.0]


def test_topk_ties_resolve_like_gos_heap() -> None:
    # t{i="1".."3"} tie at 5. In Go's heap only a strictly larger value displaces the minimum,
    # so the first series seen (in label order) win: i="1" for k=1, i="1" and i="2" for k=2.
    assert set(at0("topk(1, t)")) == {key(__name__="t", i="1")}
    assert set(at0("topk(2, t)")) == {key(__name__="t", i="1"), key(__name__="t", i="2")}
    assert set(at0("bottomk(1, t)")) == {key(__name__="t", i="4")}


def test_topk_rejects_a_non_integer_overflow() -> None:
    with pytest.raises(ExecutionError, match="overflows int64"):
        at0("topk(1e300, m)")


def test_aggregation_over_steps_with_gaps() -> None:
    src = source(
        ({"__name__": "x", "a": "1"}, [(0, 1), (10, 1)]),
        ({"__name__": "x", "a": "2"}, [(10, 2), (20, 2)]),
    )
    got = ranged(src, "sum(x)", 0, 20, 10)
    # with a lookback of 5 min every sample stays visible until a newer one replaces it
    assert got == {key(): [(0, 1.0), (10, 3.0), (20, 3.0)]}
