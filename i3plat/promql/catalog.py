"""The metric catalog: loaded from `catalog.yaml`, validated, and every template parse-checked.

A broken template stops start-up with its metric id named, instead of failing a panel at run time.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, Literal, cast, get_args

import promql_parser
import yaml

from i3plat.promql.errors import CatalogError, QueryInputError

CATALOG_FILE = Path(__file__).with_name("catalog.yaml")

Unit = Literal["ratio", "bytes", "bytes_per_second", "ops_per_second", "count", "celsius", "watts", "bool"]
Scope = Literal["cluster", "node", "gpu"]
Panel = Literal["timeseries", "stat", "table"]
Source = Literal["node_exporter", "kube_state_metrics", "dcgm"]

METRIC_ID = re.compile(r"^[a-z0-9]+(\.[a-z0-9_]+)+$")
PLACEHOLDER = re.compile(r"\$([A-Z]+)")
LOCALES = ("zh_CN", "en")
REQUIRED_IDS = (
    "cpu.util.node", "cpu.util.cluster", "mem.util.node", "mem.util.cluster", "fs.root.used.ratio",
    "net.rx.node", "net.tx.node", "gpu.util.gpu", "gpu.util.node", "gpu.util.cluster",
    "gpu.mem.ratio.gpu", "k8s.nodes.ready", "k8s.nodes.total",
)  # fmt: skip
"""Ids other parts of the system rely on (DESIGN.md); the catalog may not drop them."""


@dataclass(frozen=True)
class MetricDef:
    """One catalog entry. `raw` works on plain exporter data; `rule` uses recording rules."""

    id: str
    titles: Mapping[str, str]
    unit: Unit
    scope: Scope
    panel: Panel
    source: Source
    raw: str
    rule: str | None = None

    def title(self, locale: str) -> str:
        return self.titles.get(locale) or self.titles["en"]


@dataclass(frozen=True)
class Catalog:
    metrics: Mapping[str, MetricDef]
    constants: Mapping[str, str]

    def get(self, metric_id: str) -> MetricDef:
        """The metric, or QueryInputError("metric") — callers turn that into a 404."""
        try:
            return self.metrics[metric_id]
        except (KeyError, TypeError):
            raise QueryInputError("metric", f"unknown metric id {metric_id!r}") from None

    def __iter__(self) -> Iterator[MetricDef]:
        return iter(self.metrics.values())

    def __len__(self) -> int:
        return len(self.metrics)


def parse_catalog(document: Any) -> Catalog:
    """Validate the YAML document's shape; templates are checked by `check_templates`."""
    if not isinstance(document, dict) or document.get("version") != 1:
        raise CatalogError("catalog: expected a mapping with version: 1")
    constants = document.get("constants") or {}
    if not isinstance(constants, dict) or not all(
        isinstance(k, str) and k.isupper() and isinstance(v, str) for k, v in constants.items()
    ):
        raise CatalogError("catalog.constants: expected UPPER_CASE names mapped to selector strings")
    entries = document.get("metrics")
    if not isinstance(entries, list) or not entries:
        raise CatalogError("catalog.metrics: expected a non-empty list")
    metrics: dict[str, MetricDef] = {}
    for index, entry in enumerate(entries):
        metric = parse_metric(entry, index)
        if metric.id in metrics:
            raise CatalogError(f"{metric.id}: duplicate metric id")
        metrics[metric.id] = metric
    missing = [m for m in REQUIRED_IDS if m not in metrics]
    if missing:
        raise CatalogError(f"catalog: required metric ids missing: {', '.join(missing)}")
    return Catalog(metrics=metrics, constants=dict(constants))


def parse_metric(entry: Any, index: int) -> MetricDef:
    if not isinstance(entry, dict):
        raise CatalogError(f"catalog.metrics[{index}]: expected a mapping")
    metric_id = entry.get("id")
    if not isinstance(metric_id, str) or not METRIC_ID.match(metric_id):
        raise CatalogError(f"catalog.metrics[{index}].id: {metric_id!r} is not like cpu.util.node")
    unknown = set(entry) - {"id", "title", "unit", "scope", "panel", "source", "raw", "rule"}
    if unknown:
        raise CatalogError(f"{metric_id}: unknown keys {sorted(unknown)}")
    titles = entry.get("title")
    if not isinstance(titles, dict) or any(
        not isinstance(titles.get(loc), str) or not titles[loc] for loc in LOCALES
    ):
        raise CatalogError(f"{metric_id}.title: needs non-empty zh_CN and en titles")
    raw, rule = entry.get("raw"), entry.get("rule")
    if not isinstance(raw, str) or not raw.strip():
        raise CatalogError(f"{metric_id}.raw: missing template")
    if rule is not None and (not isinstance(rule, str) or not rule.strip()):
        raise CatalogError(f"{metric_id}.rule: must be a non-empty template when given")
    return MetricDef(
        id=metric_id,
        titles={loc: titles[loc] for loc in LOCALES},
        unit=cast(Unit, check_choice(metric_id, "unit", entry.get("unit"), get_args(Unit))),
        scope=cast(Scope, check_choice(metric_id, "scope", entry.get("scope"), get_args(Scope))),
        panel=cast(Panel, check_choice(metric_id, "panel", entry.get("panel"), get_args(Panel))),
        source=cast(Source, check_choice(metric_id, "source", entry.get("source"), get_args(Source))),
        raw=raw.strip(),
        rule=rule.strip() if rule else None,
    )


def check_choice(metric_id: str, field: str, value: Any, choices: tuple[str, ...]) -> str:
    if value not in choices:
        raise CatalogError(f"{metric_id}.{field}: {value!r} is not one of {', '.join(choices)}")
    return str(value)


def check_templates(catalog: Catalog) -> None:
    """Render every template for every labelling flavour, with and without a node, and parse it."""
    from i3plat.promql.profiles import SiteProfile
    from i3plat.promql.render import render_query

    profiles = [
        SiteProfile(),
        SiteProfile(node_label_style="uname", gpu_host_label="hostname", dcgm_job="dcgm"),
    ]
    for metric in catalog:
        for use_rule in (False, True) if metric.rule else (False,):
            for profile in profiles:
                nodes = (None, 'node-"1"') if metric.scope != "cluster" else (None,)
                for node in nodes:
                    try:
                        expr = render_query(
                            catalog, metric.id, profile, node=node, rate_window=75, use_rule=use_rule
                        )
                        promql_parser.parse(expr)
                    except (ValueError, CatalogError) as exc:
                        form = "rule" if use_rule else "raw"
                        raise CatalogError(
                            f"{metric.id}.{form}: does not render to valid PromQL: {exc}"
                        ) from None


def load_catalog(path: Path = CATALOG_FILE) -> Catalog:
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise CatalogError(f"catalog: cannot read {path}: {exc}") from None
    catalog = parse_catalog(document)
    check_templates(catalog)
    return catalog


@cache
def default_catalog() -> Catalog:
    """The packaged catalog, loaded and checked once per process."""
    return load_catalog()
