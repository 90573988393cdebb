"""The catalog file: shape, required ids, and templates that must parse for every flavour."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from i3plat.promql.catalog import CATALOG_FILE, REQUIRED_IDS, default_catalog, load_catalog
from i3plat.promql.errors import CatalogError, QueryInputError


def test_packaged_catalog_loads_with_required_ids() -> None:
    catalog = default_catalog()
    assert set(REQUIRED_IDS) <= set(catalog.metrics)
    for metric in catalog:
        assert metric.title("zh_CN") and metric.title("en")
        assert metric.title("zh_CN") != metric.title("en")


def test_utilisations_are_ratios() -> None:
    for metric in default_catalog():
        if ".util." in metric.id or metric.id.endswith(".ratio") or ".ratio." in metric.id:
            assert metric.unit == "ratio", metric.id


def test_unknown_metric_names_the_field() -> None:
    with pytest.raises(QueryInputError) as err:
        default_catalog().get("cpu.nope")
    assert err.value.field == "metric"


def write_variant(tmp_path: Path, metric_id: str, **changes: object) -> Path:
    document = yaml.safe_load(CATALOG_FILE.read_text())
    for entry in document["metrics"]:
        if entry["id"] == metric_id:
            entry.update(changes)
    path = tmp_path / "catalog.yaml"
    path.write_text(yaml.safe_dump(document, allow_unicode=True))
    return path


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"raw": "sum(rate(node_cpu_seconds_total{$NE}[$W])"}, r"mem\.used\.node\.raw: does not render"),
        ({"raw": "node_load1{$NE,$TYPO}"}, r"mem\.used\.node.*\$TYPO"),
        ({"rule": "instance:x{$NE"}, r"mem\.used\.node\.rule"),
        ({"unit": "percent"}, r"mem\.used\.node\.unit"),
        ({"scope": "pod"}, r"mem\.used\.node\.scope"),
        ({"title": {"en": "Memory"}}, r"mem\.used\.node\.title"),
        ({"extra": 1}, r"mem\.used\.node: unknown keys"),
    ],
)
def test_broken_entries_fail_loading_naming_the_metric(
    tmp_path: Path, changes: dict[str, object], message: str
) -> None:
    with pytest.raises(CatalogError, match=message):
        load_catalog(write_variant(tmp_path, "mem.used.node", **changes))


def test_required_ids_cannot_be_dropped(tmp_path: Path) -> None:
    document = yaml.safe_load(CATALOG_FILE.read_text())
    document["metrics"] = [m for m in document["metrics"] if m["id"] != "k8s.nodes.ready"]
    path = tmp_path / "catalog.yaml"
    path.write_text(yaml.safe_dump(document, allow_unicode=True))
    with pytest.raises(CatalogError, match=r"k8s\.nodes\.ready"):
        load_catalog(path)


def test_duplicate_ids_are_refused(tmp_path: Path) -> None:
    document = yaml.safe_load(CATALOG_FILE.read_text())
    document["metrics"].append(dict(document["metrics"][0]))
    path = tmp_path / "catalog.yaml"
    path.write_text(yaml.safe_dump(document, allow_unicode=True))
    with pytest.raises(CatalogError, match="duplicate"):
        load_catalog(path)
