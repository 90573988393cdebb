"""Server-side printing of Clusters (`Accept: …;as=Table;v=v1;g=meta.k8s.io`), as `kubectl get` asks.

Columns follow Karmada's printer: NAME, VERSION, MODE, READY, AGE; wide adds ZONES, REGION,
PROVIDER, API-ENDPOINT, PROXY-URL.
"""

from __future__ import annotations

from typing import Any

from ._timefmt import parse_rfc3339

JsonObject = dict[str, Any]
_COLUMNS = (
    ("Name", "name", 0), ("Version", "", 0), ("Mode", "", 0), ("Ready", "", 0), ("Age", "", 0),
    ("Zones", "", 1), ("Region", "", 1), ("Provider", "", 1), ("API-Endpoint", "", 1), ("Proxy-URL", "", 1),
)  # fmt: skip


def wants_table(accept: str) -> bool:
    """Whether the client asked for a meta.k8s.io/v1 Table."""
    return any(
        "as=Table" in part and "g=meta.k8s.io" in part and "v=v1" in part.replace("v=v1beta1", "")
        for part in accept.split(",")
    )


def format_age(seconds: float) -> str:
    """apimachinery `duration.HumanDuration`."""
    total = max(0, int(seconds))
    minutes, hours, days = total // 60, total // 3600, total // 86400
    if total < 120:
        return f"{total}s"
    if minutes < 10:
        return f"{minutes}m{total % 60}s" if total % 60 else f"{minutes}m"
    if minutes < 180:
        return f"{minutes}m"
    if hours < 8:
        return f"{hours}h{minutes % 60}m" if minutes % 60 else f"{hours}h"
    if hours < 48:
        return f"{hours}h"
    if hours < 24 * 8:
        return f"{days}d{hours % 24}h" if hours % 24 else f"{days}d"
    if hours < 24 * 365 * 2:
        return f"{days}d"
    years = days // 365
    return f"{years}y{days % 365}d" if years < 8 and days % 365 else f"{years}y"


def build_row(cluster: JsonObject, now: float) -> JsonObject:
    """One printed row plus the PartialObjectMetadata kubectl expects by default."""
    spec, status, metadata = cluster["spec"], cluster["status"], cluster["metadata"]
    ready = next((c["status"] for c in status.get("conditions", []) if c["type"] == "Ready"), "Unknown")
    age = format_age(now - parse_rfc3339(metadata["creationTimestamp"]))
    cells = [
        metadata["name"], status.get("kubernetesVersion", ""), spec["syncMode"], ready, age,
        ",".join(spec.get("zones", [])), spec.get("region", ""), spec.get("provider", ""),
        spec.get("apiEndpoint", ""), spec.get("proxyURL", ""),
    ]  # fmt: skip
    partial = {"kind": "PartialObjectMetadata", "apiVersion": "meta.k8s.io/v1", "metadata": metadata}
    return {"cells": cells, "object": partial}


def build_table(clusters: list[JsonObject], resource_version: str, now: float) -> JsonObject:
    """A Table of clusters."""
    columns = [
        {"name": name, "type": "date" if name == "Age" else "string", "format": fmt, "description": "",
         "priority": priority}
        for name, fmt, priority in _COLUMNS
    ]  # fmt: skip
    return {
        "kind": "Table",
        "apiVersion": "meta.k8s.io/v1",
        "metadata": {"resourceVersion": resource_version},
        "columnDefinitions": columns,
        "rows": [build_row(cluster, now) for cluster in clusters],
    }
