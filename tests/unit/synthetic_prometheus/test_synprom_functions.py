"""Instant-vector and scalar functions: label_replace/label_join, clamp, math, vector/scalar/time."""

from __future__ import annotations

import math

import pytest
from synprom_helpers import instant, key, ranged, scalar, source

from i3plat.federation_sim.prometheus._promql_errors import ExecutionError

SRC = source(
    ({"__name__": "up", "instance": "10.0.0.1:9100", "job": "node"}, [(0, -1.5)]),
    ({"__name__": "up", "instance": "10.0.0.2:9100", "job": "node"}, [(0, 2.5)]),
    ({"__name__": "one", "job": "x"}, [(0, 42)]),
)


def at0(expr: str) -> dict[frozenset[tuple[str, str]], float]:
    return instant(SRC, expr, 0)


def test_label_replace_keeps_the_name_and_expands_groups() -> None:
    got = at0('label_replace(up, "ip", "$1", "instance", "(.*):.*")')
    assert got == {
        key(__name__="up", instance="10.0.0.1:9100", job="node", ip="10.0.0.1"): -1.5,
        key(__name__="up", instance="10.0.0.2:9100", job="node", ip="10.0.0.2"): 2.5,
    }


def test_label_replace_regex_is_anchored_and_no_match_leaves_labels() -> None:
    got = at0('label_replace(one, "dst", "x", "job", "y")')
    assert got == {key(__name__="one", job="x"): 42.0}


def test_label_replace_template_follows_go_expand() -> None:
    assert set(at0('label_replace(one, "d", "${1}-$1x-$$", "job", "(x)")')) == {
        key(__name__="one", job="x", d="x--$")  # $1x is the (missing) group "1x"
    }
    assert set(at0('label_replace(one, "d", "$name", "job", "(?P<name>x)")')) == {
        key(__name__="one", job="x", d="x")
    }
    # an empty replacement deletes the destination label
    assert set(at0('label_replace(one, "job", "", "job", ".*")')) == {key(__name__="one")}


def test_label_replace_rejects_bad_arguments() -> None:
    with pytest.raises(ExecutionError, match="invalid regular expression in label_replace"):
        at0('label_replace(one, "d", "x", "job", "(")')
    with pytest.raises(ExecutionError, match="invalid destination label name"):
        at0('label_replace(one, "1d", "x", "job", ".*")')


def test_label_join() -> None:
    assert set(at0('label_join(one, "d", "-", "job", "job", "nope")')) == {
        key(__name__="one", job="x", d="x-x-")
    }


def test_math_functions_drop_the_name() -> None:
    assert at0("abs(up)") == {
        key(instance="10.0.0.1:9100", job="node"): 1.5,
        key(instance="10.0.0.2:9100", job="node"): 2.5,
    }
    assert at0("clamp_min(up, 0)") == {
        key(instance="10.0.0.1:9100", job="node"): 0.0,
        key(instance="10.0.0.2:9100", job="node"): 2.5,
    }
    assert at0("clamp_max(up, 0)") == {
        key(instance="10.0.0.1:9100", job="node"): -1.5,
        key(instance="10.0.0.2:9100", job="node"): 0.0,
    }
    assert at0("clamp(up, -1, 1)") == {
        key(instance="10.0.0.1:9100", job="node"): -1.0,
        key(instance="10.0.0.2:9100", job="node"): 1.0,
    }
    assert at0("clamp(up, 1, -1)") == {}
    assert at0("ceil(one)") == {key(job="x"): 42.0}
    assert at0("round(up)") == {
        key(instance="10.0.0.1:9100", job="node"): -1.0,
        key(instance="10.0.0.2:9100", job="node"): 3.0,
    }
    assert at0("round(one, 5)") == {key(job="x"): 40.0}
    (sqrt_neg,) = at0('sqrt(up{instance="10.0.0.1:9100"})').values()
    assert math.isnan(sqrt_neg)
    assert at0("ln(one - 42)") == {key(job="x"): -math.inf}


def test_vector_scalar_and_time() -> None:
    assert at0("vector(3)") == {key(): 3.0}
    assert scalar(SRC, "scalar(one)", 0) == 42.0
    assert math.isnan(scalar(SRC, "scalar(up)", 0))
    assert ranged(SRC, "time()", 0, 30, 15) == {key(): [(0, 0.0), (15, 15.0), (30, 30.0)]}
    assert at0("vector(time()) + 1") == {key(): 1.0}


def test_absent() -> None:
    assert at0("absent(one)") == {}
    assert at0('absent(nope{job="x", a=~"b"})') == {key(job="x"): 1.0}
    assert at0("absent(sum(nope))") == {key(): 1.0}


def test_timestamp_of_a_selector_is_the_sample_time() -> None:
    assert instant(SRC, "timestamp(one)", 100) == {key(job="x"): 0.0}
    assert instant(SRC, "timestamp(one * 1)", 100) == {key(job="x"): 100.0}


def test_date_functions_use_utc() -> None:
    assert at0("year()") == {key(): 1970.0}
    assert at0("day_of_week(vector(86400 * 3))") == {key(): 0.0}  # 1970-01-04 was a Sunday
    assert at0("days_in_month(vector(86400 * 40))") == {key(): 28.0}
    assert at0("day_of_year(vector(86400 * 40))") == {key(): 41.0}
