"""Binary operators: vector matching (on/ignoring/group_x), errors, filtering vs bool, set ops."""

from __future__ import annotations

import math

import pytest
from synprom_helpers import instant, key, scalar, source

from i3plat.federation_sim.prometheus._promql_errors import MANY_TO_ONE_MESSAGE, ExecutionError

SRC = source(
    ({"__name__": "left", "node": "n1", "pod": "p1", "ns": "a"}, [(0, 10)]),
    ({"__name__": "left", "node": "n2", "pod": "p2", "ns": "a"}, [(0, 20)]),
    ({"__name__": "info", "pod": "p1", "ns": "a", "host": "h1"}, [(0, 1)]),
    ({"__name__": "info", "pod": "p2", "ns": "a", "host": "h2"}, [(0, 1)]),
    ({"__name__": "single", "ns": "a"}, [(0, 2)]),
    ({"__name__": "used", "gpu": "0"}, [(0, 1)]),
    ({"__name__": "used", "gpu": "1"}, [(0, 3)]),
    ({"__name__": "free", "gpu": "0"}, [(0, 3)]),
    ({"__name__": "free", "gpu": "1"}, [(0, 1)]),
)


def at0(expr: str) -> dict[frozenset[tuple[str, str]], float]:
    return instant(SRC, expr, 0)


def test_one_to_one_matching_drops_the_name() -> None:
    assert at0("used / (used + free)") == {key(gpu="0"): 0.25, key(gpu="1"): 0.75}


def test_group_left_copies_labels_from_the_one_side() -> None:
    assert at0("left * on (ns, pod) group_left (host) info") == {
        key(node="n1", pod="p1", ns="a", host="h1"): 10.0,
        key(node="n2", pod="p2", ns="a", host="h2"): 20.0,
    }
    assert at0("left / on (ns) group_left () single") == {
        key(node="n1", pod="p1", ns="a"): 5.0,
        key(node="n2", pod="p2", ns="a"): 10.0,
    }


def test_group_right_mirrors_group_left() -> None:
    assert at0("single - on (ns) group_right left") == {
        key(node="n1", pod="p1", ns="a"): -8.0,
        key(node="n2", pod="p2", ns="a"): -18.0,
    }


def test_on_with_one_to_one_keeps_only_the_matching_labels() -> None:
    assert at0("left + on (pod, ns) info") == {key(pod="p1", ns="a"): 11.0, key(pod="p2", ns="a"): 21.0}
    assert at0("left + ignoring (node, host) info") == {
        key(pod="p1", ns="a"): 11.0,
        key(pod="p2", ns="a"): 21.0,
    }


def test_many_to_one_without_group_modifier_is_an_error() -> None:
    with pytest.raises(ExecutionError) as err:
        at0("left * on (ns) single")
    assert err.value.message == MANY_TO_ONE_MESSAGE
    assert err.value.error_type == "execution"


def test_duplicates_on_the_one_side_are_many_to_many() -> None:
    with pytest.raises(
        ExecutionError, match=r"found duplicate series for the match group \{ns=\"a\"\} on the right"
    ):
        at0("left * on (ns) group_left info")


def test_comparison_filters_and_keeps_the_name() -> None:
    assert at0("left > 15") == {key(__name__="left", node="n2", pod="p2", ns="a"): 20.0}
    assert at0("15 < left") == {key(__name__="left", node="n2", pod="p2", ns="a"): 20.0}
    assert at0("used > free") == {key(__name__="used", gpu="1"): 3.0}


def test_comparison_with_bool_returns_zero_or_one_without_the_name() -> None:
    assert at0("left > bool 15") == {
        key(node="n1", pod="p1", ns="a"): 0.0,
        key(node="n2", pod="p2", ns="a"): 1.0,
    }
    assert at0("used >= bool free") == {key(gpu="0"): 0.0, key(gpu="1"): 1.0}
    assert scalar(SRC, "2 > bool 1", 0) == 1.0


def test_set_operators() -> None:
    assert set(at0('left and on (pod) info{host="h1"}')) == {
        key(__name__="left", node="n1", pod="p1", ns="a")
    }
    assert set(at0('left unless on (pod) info{host="h1"}')) == {
        key(__name__="left", node="n2", pod="p2", ns="a")
    }
    assert at0('used or free{gpu="2"}') == {
        key(__name__="used", gpu="0"): 1.0,
        key(__name__="used", gpu="1"): 3.0,
    }
    # `or` matches on all labels but the name: free{gpu="0"} is shadowed by used{gpu="0"}
    assert at0("used or free") == {key(__name__="used", gpu="0"): 1.0, key(__name__="used", gpu="1"): 3.0}
    assert set(at0("nothing or single")) == {key(__name__="single", ns="a")}


def test_arithmetic_follows_go_float_semantics() -> None:
    assert at0("used / 0") == {key(gpu="0"): math.inf, key(gpu="1"): math.inf}
    assert math.isnan(scalar(SRC, "0 / 0", 0))
    assert scalar(SRC, "-1 / 0", 0) == -math.inf
    assert math.isnan(scalar(SRC, "5 % 0", 0))
    assert scalar(SRC, "-7 % 3", 0) == -1.0
    assert scalar(SRC, "2 ^ 10", 0) == 1024.0
    assert math.isnan(scalar(SRC, "(-8) ^ 0.5", 0))
    assert scalar(SRC, "10 ^ 400", 0) == math.inf
    assert scalar(SRC, "2 ^ 3 ^ 2", 0) == 512.0  # right-associative


def test_unary_minus_drops_the_name() -> None:
    assert at0("-used") == {key(gpu="0"): -1.0, key(gpu="1"): -3.0}


def test_name_dropping_can_collide() -> None:
    with pytest.raises(ExecutionError, match="vector cannot contain metrics with the same labelset"):
        at0('{__name__=~"used|free"} * 2')
