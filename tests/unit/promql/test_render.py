"""Rendering: typed placeholders only, node values as single literals, a normalised node label."""

from __future__ import annotations

import promql_parser
import pytest
from hypothesis import given
from hypothesis import strategies as st

from i3plat.promql.catalog import default_catalog
from i3plat.promql.errors import QueryInputError
from i3plat.promql.profiles import SiteProfile
from i3plat.promql.render import render_query

KUBE_PROMETHEUS = SiteProfile()
STACK = SiteProfile(node_label_style="uname")


def matcher_values(expr: str, label: str) -> list[str]:
    """Values of every `label="…"` equality matcher anywhere in the parsed expression."""
    found: list[str] = []

    def visit(node: object) -> None:
        matchers = getattr(node, "matchers", None)
        if matchers is not None:
            for m in matchers.matchers:
                if m.name == label and str(m.op) in {"MatchOp.Equal", "="}:
                    found.append(str(m.value))
        for attr in ("expr", "lhs", "rhs", "args", "param", "vector_selector"):
            child = getattr(node, attr, None)
            if isinstance(child, list):
                for item in child:
                    visit(item)
            elif child is not None and child is not node:
                visit(child)

    visit(promql_parser.parse(expr))
    return found


def test_instance_style_filters_on_instance_and_adds_node_label() -> None:
    expr = render_query(default_catalog(), "mem.util.node", KUBE_PROMETHEUS, node="n-1")
    assert expr.startswith("label_replace(") and '"node", "$1", "instance"' in expr
    assert matcher_values(expr, "instance") == ["n-1", "n-1"]


def test_uname_style_joins_and_filters_on_nodename() -> None:
    expr = render_query(default_catalog(), "mem.util.node", STACK, node="n-1")
    assert "group_left (nodename) node_uname_info" in expr
    assert matcher_values(expr, "nodename") == ["n-1"]
    assert matcher_values(expr, "instance") == []


def test_rate_window_is_a_duration() -> None:
    expr = render_query(default_catalog(), "net.rx.node", KUBE_PROMETHEUS, rate_window=75)
    assert "[75s]" in expr
    assert "[1m]" in render_query(default_catalog(), "net.rx.node", KUBE_PROMETHEUS, rate_window=60)


def test_gpu_host_label_follows_profile() -> None:
    expr = render_query(default_catalog(), "gpu.util.node", SiteProfile(gpu_host_label="hostname"), node="g")
    assert "avg by (hostname)" in expr and matcher_values(expr, "hostname") == ["g"]


def test_rule_form_only_when_asked() -> None:
    catalog = default_catalog()
    assert "instance:node_cpu_utilisation:rate5m" in render_query(
        catalog, "cpu.util.node", KUBE_PROMETHEUS, use_rule=True
    )
    assert "node_cpu_seconds_total" in render_query(catalog, "cpu.util.node", KUBE_PROMETHEUS)


@pytest.mark.parametrize(
    ("metric", "node", "field"),
    [
        ("cpu.util.cluster", "n-1", "node"),
        ("nope.metric", None, "metric"),
        ("cpu.util.node", "x" * 254, "node"),
        ("cpu.util.node", "", "node"),
    ],
)
def test_bad_input_names_the_field(metric: str, node: str | None, field: str) -> None:
    with pytest.raises(QueryInputError) as err:
        render_query(default_catalog(), metric, KUBE_PROMETHEUS, node=node)
    assert err.value.field == field


@given(node=st.text(min_size=1, max_size=60), flavour=st.sampled_from([KUBE_PROMETHEUS, STACK]))
def test_any_node_name_stays_one_literal(node: str, flavour: SiteProfile) -> None:
    catalog = default_catalog()
    for metric_id in ("cpu.util.node", "gpu.util.gpu", "k8s.pods.node"):
        expr = render_query(catalog, metric_id, flavour, node=node)
        label = {
            "cpu.util.node": "instance" if flavour is KUBE_PROMETHEUS else "nodename",
            "gpu.util.gpu": "Hostname",
            "k8s.pods.node": "node",
        }[metric_id]
        values = matcher_values(expr, label)
        assert values and all(v == node for v in values)
