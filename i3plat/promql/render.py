"""Turning a catalog template into PromQL for one site, safely.

Placeholders are replaced from a closed table: job selectors from the site profile, node filters
as escaped literals, the rate window as a duration from a closed grammar. Per-node results then
get a normalised `node` label, whatever the site's labelling flavour.
"""

from __future__ import annotations

import re

from i3plat.promql.catalog import PLACEHOLDER, Catalog, MetricDef
from i3plat.promql.errors import CatalogError, QueryInputError
from i3plat.promql.escape import quote_label_value
from i3plat.promql.profiles import SiteProfile
from i3plat.promql.timerange import format_duration

MAX_NODE_NAME = 253
ANY = '=~".+"'


def check_node(node: str | None) -> str | None:
    if node is None:
        return None
    if not isinstance(node, str) or not node:
        raise QueryInputError("node", "must be a non-empty node name")
    if len(node) > MAX_NODE_NAME:
        raise QueryInputError("node", f"longer than {MAX_NODE_NAME} characters")
    return node


def job_selector(profile: SiteProfile, source: str) -> str:
    if source == "node_exporter":
        return "job=" + quote_label_value(profile.node_exporter_job, "node_exporter_job")
    if source == "kube_state_metrics":
        return "job=" + quote_label_value(profile.kube_state_metrics_job, "kube_state_metrics_job")
    if profile.dcgm_job:
        return "job=" + quote_label_value(profile.dcgm_job, "dcgm_job")
    return 'job=~".*dcgm.*"'


def placeholder_values(
    catalog: Catalog, metric: MetricDef, profile: SiteProfile, node: str | None, rate_window: int
) -> dict[str, str]:
    literal = quote_label_value(node, "node") if node is not None else None
    filter_instance = literal is not None and profile.node_label_style == "instance"
    values = {
        "NE": job_selector(profile, "node_exporter"),
        "KSM": job_selector(profile, "kube_state_metrics"),
        "DCGM": job_selector(profile, "dcgm"),
        "INST": "instance" + (f"={literal}" if filter_instance else ANY),
        "NODE": "node" + (f"={literal}" if literal else ANY),
        "HOST": profile.gpu_host_label + (f"={literal}" if literal else ANY),
        "HOSTLABEL": profile.gpu_host_label,
        "W": format_duration(rate_window),
    }
    values.update(catalog.constants)
    return values


def substitute(template: str, values: dict[str, str], metric_id: str) -> str:
    def replace(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in values:
            raise CatalogError(f"{metric_id}: unknown placeholder ${name}")
        return values[name]

    return PLACEHOLDER.sub(replace, template)


def with_node_label(expr: str, metric: MetricDef, profile: SiteProfile, node: str | None) -> str:
    """Wrap a per-node expression so its result carries `node`, filtered to `node` if given."""
    if metric.scope == "cluster" or metric.source == "kube_state_metrics":
        return expr
    if metric.source == "dcgm":
        return f'label_replace({expr}, "node", "$1", "{profile.gpu_host_label}", "(.*)")'
    if profile.node_label_style == "instance":
        return f'label_replace({expr}, "node", "$1", "instance", "(.*)")'
    uname = "node_uname_info{" + job_selector(profile, "node_exporter")
    if node is not None:
        uname += ",nodename=" + quote_label_value(node, "node")
    uname += "}"
    joined = f"({expr}) * on (instance) group_left (nodename) {uname}"
    return f'label_replace({joined}, "node", "$1", "nodename", "(.*)")'


def render_query(
    catalog: Catalog,
    metric_id: str,
    profile: SiteProfile,
    *,
    node: str | None = None,
    rate_window: int = 300,
    use_rule: bool = False,
) -> str:
    """PromQL for one metric on one site; `node` limits per-node metrics to that node."""
    metric = catalog.get(metric_id)
    node = check_node(node)
    if node is not None and metric.scope == "cluster":
        raise QueryInputError("node", f"{metric_id} is cluster-wide and takes no node")
    template = metric.rule if use_rule and metric.rule else metric.raw
    values = placeholder_values(catalog, metric, profile, node, rate_window)
    return with_node_label(substitute(template, values, metric_id), metric, profile, node)
