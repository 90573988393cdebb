"""Typed views of Karmada Cluster objects and member Pods, and their pure parsers.

The parsers tolerate missing fields (Karmada omits zero quantities and empty lists) and raise
`MalformedResponse` naming the field (e.g. ``items[1].status.resourceSummary.allocated.cpu``) when
a field is present with the wrong shape. Items of a ClusterList carry no kind/apiVersion.

Stale data: when a cluster goes offline Karmada updates only its Ready condition; the version, node
and resource summaries keep their last values (`Cluster.summaries_stale`).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from ._errors import MalformedResponse
from ._quantity import parse_quantity

__all__ = [
    "Cluster",
    "Condition",
    "FrozenMap",
    "NodeSummary",
    "PodInfo",
    "ResourceSummary",
    "Resources",
    "SyncMode",
    "Taint",
    "parse_cluster",
    "parse_cluster_list",
    "parse_pod",
    "parse_pod_list",
]

GPU_RESOURCE = "nvidia.com/gpu"


class FrozenMap(Mapping[str, Any]):
    """A read-only, hashable (when its values are) and picklable mapping."""

    __slots__ = ("_data",)

    def __init__(self, data: Mapping[str, Any] | None = None) -> None:
        self._data: dict[str, Any] = dict(data or {})

    def __getitem__(self, key: str) -> Any:
        return self._data[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)

    def __hash__(self) -> int:
        return hash(frozenset(self._data.items()))

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Mapping):
            return self._data == dict(other)
        return NotImplemented

    def __repr__(self) -> str:
        return f"FrozenMap({self._data!r})"

    def __reduce__(self) -> tuple[Any, ...]:
        return (FrozenMap, (self._data,))


class SyncMode(StrEnum):
    PUSH = "Push"
    PULL = "Pull"


@dataclass(frozen=True)
class Condition:
    type: str
    status: str
    reason: str | None = None
    message: str | None = None
    since: datetime | None = None


@dataclass(frozen=True)
class Taint:
    key: str
    value: str | None
    effect: str
    time_added: datetime | None = None


@dataclass(frozen=True)
class NodeSummary:
    total: int
    ready: int


@dataclass(frozen=True)
class Resources:
    """Resource amounts: `cpu` in cores, `memory` in bytes, `gpu` (nvidia.com/gpu), `pods`,
    and every other resource name in `other`. An absent resource is zero."""

    cpu: Decimal = Decimal(0)
    memory: Decimal = Decimal(0)
    gpu: Decimal = Decimal(0)
    pods: Decimal = Decimal(0)
    other: Mapping[str, Decimal] = field(default_factory=FrozenMap)


@dataclass(frozen=True)
class ResourceSummary:
    allocatable: Resources = field(default_factory=Resources)
    allocated: Resources = field(default_factory=Resources)
    allocating: Resources = field(default_factory=Resources)


@dataclass(frozen=True)
class Cluster:
    """One member cluster as Karmada reports it (``cluster.karmada.io/v1alpha1`` Cluster)."""

    name: str
    uid: str = ""
    sync_mode: SyncMode | None = None
    api_endpoint: str | None = None
    proxy_url: str | None = None
    provider: str | None = None
    region: str | None = None
    zones: tuple[str, ...] = ()
    kubernetes_version: str | None = None
    ready: Condition | None = None
    conditions: tuple[Condition, ...] = ()
    taints: tuple[Taint, ...] = ()
    node_summary: NodeSummary | None = None
    resource_summary: ResourceSummary | None = None
    created: datetime | None = None
    raw: Mapping[str, Any] = field(default_factory=FrozenMap, repr=False, compare=False, hash=False)
    impersonator_secret: str | None = None
    """``namespace/name`` of spec.impersonatorSecretRef; None makes every proxy call fail (§1.3)."""

    @property
    def is_ready(self) -> bool:
        return self.ready is not None and self.ready.status == "True"

    @property
    def ready_state(self) -> str:
        """``"True"``, ``"False"`` or ``"Unknown"`` (also when the condition is missing), like kubectl."""
        if self.ready is None or self.ready.status not in ("True", "False"):
            return "Unknown"
        return self.ready.status

    @property
    def summaries_stale(self) -> bool:
        """True when not ready: Karmada keeps the last version/node/resource summaries then."""
        return not self.is_ready


@dataclass(frozen=True)
class PodInfo:
    name: str
    namespace: str
    phase: str | None = None
    node: str | None = None
    containers: tuple[str, ...] = ()
    init_containers: tuple[str, ...] = ()
    restarts: int = 0
    ready: bool = False
    created: datetime | None = None


# --------------------------------------------------------------------------------------------
# Field helpers


class _Fields:
    """Typed access to one JSON object, naming the full field path in errors."""

    def __init__(self, obj: object, where: str) -> None:
        if not isinstance(obj, Mapping):
            raise MalformedResponse(where or "<root>", f"expected an object, got {type(obj).__name__}")
        self.obj: Mapping[str, Any] = obj
        self.where = where

    def path(self, key: str) -> str:
        return f"{self.where}.{key}" if self.where else key

    def sub(self, key: str) -> _Fields:
        value = self.obj.get(key)
        return _Fields({} if value is None else value, self.path(key))

    def opt_sub(self, key: str) -> _Fields | None:
        value = self.obj.get(key)
        return None if value is None else _Fields(value, self.path(key))

    def get_str(self, key: str) -> str | None:
        value = self.obj.get(key)
        if value is None or value == "":
            return None
        if not isinstance(value, str):
            raise MalformedResponse(self.path(key), f"expected a string, got {type(value).__name__}")
        return value

    def get_int(self, key: str) -> int | None:
        value = self.obj.get(key)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            raise MalformedResponse(self.path(key), f"expected an integer, got {value!r:.60}")
        return value

    def get_bool(self, key: str) -> bool | None:
        value = self.obj.get(key)
        if value is None:
            return None
        if not isinstance(value, bool):
            raise MalformedResponse(self.path(key), f"expected a boolean, got {value!r:.60}")
        return value

    def get_list(self, key: str) -> list[Any]:
        value = self.obj.get(key)
        if value is None:
            return []
        if not isinstance(value, list):
            raise MalformedResponse(self.path(key), f"expected a list, got {type(value).__name__}")
        return value

    def items(self, key: str) -> Iterator[_Fields]:
        base = self.path(key)
        for i, item in enumerate(self.get_list(key)):
            yield _Fields(item, f"{base}[{i}]")

    def get_time(self, key: str) -> datetime | None:
        text = self.get_str(key)
        if text is None:
            return None
        try:
            parsed = datetime.fromisoformat(text)
        except ValueError:
            raise MalformedResponse(self.path(key), f"not an RFC 3339 time: {text!r:.60}") from None
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _resources(fields: _Fields | None) -> Resources:
    if fields is None:
        return Resources()
    values: dict[str, Decimal] = {}
    for key, raw in fields.obj.items():
        if isinstance(raw, bool) or not isinstance(raw, str | int | float):
            raise MalformedResponse(fields.path(str(key)), f"expected a quantity, got {raw!r:.60}")
        try:
            values[str(key)] = parse_quantity(raw if isinstance(raw, str) else str(raw))
        except ValueError as exc:
            raise MalformedResponse(fields.path(str(key)), str(exc)) from None
    zero = Decimal(0)
    known = ("cpu", "memory", GPU_RESOURCE, "pods")
    return Resources(
        cpu=values.get("cpu", zero),
        memory=values.get("memory", zero),
        gpu=values.get(GPU_RESOURCE, zero),
        pods=values.get("pods", zero),
        other=FrozenMap({k: v for k, v in values.items() if k not in known}),
    )


def _condition(f: _Fields) -> Condition:
    return Condition(
        type=f.get_str("type") or "",
        status=f.get_str("status") or "Unknown",
        reason=f.get_str("reason"),
        message=f.get_str("message"),
        since=f.get_time("lastTransitionTime"),
    )


def _taint(f: _Fields) -> Taint:
    return Taint(
        key=f.get_str("key") or "",
        value=f.get_str("value"),
        effect=f.get_str("effect") or "",
        time_added=f.get_time("timeAdded"),
    )


def _sync_mode(text: str | None) -> SyncMode | None:
    try:
        return SyncMode(text) if text is not None else None
    except ValueError:
        return None  # a mode this client does not know; `raw` still has it


def _cluster(f: _Fields) -> Cluster:
    meta, spec, status = f.sub("metadata"), f.sub("spec"), f.sub("status")
    name = meta.get_str("name")
    if name is None:
        raise MalformedResponse(meta.path("name"), "missing")
    conditions = tuple(_condition(c) for c in status.items("conditions"))
    ready = next((c for c in conditions if c.type == "Ready"), None)
    zones = tuple(str(z) for z in spec.get_list("zones") if isinstance(z, str) and z)
    if not zones and (zone := spec.get_str("zone")):
        zones = (zone,)
    nodes = status.opt_sub("nodeSummary")
    node_summary = None
    if nodes is not None:
        node_summary = NodeSummary(total=nodes.get_int("totalNum") or 0, ready=nodes.get_int("readyNum") or 0)
    res = status.opt_sub("resourceSummary")
    resource_summary = None
    if res is not None:
        resource_summary = ResourceSummary(
            allocatable=_resources(res.opt_sub("allocatable")),
            allocated=_resources(res.opt_sub("allocated")),
            allocating=_resources(res.opt_sub("allocating")),
        )
    imp = spec.opt_sub("impersonatorSecretRef")
    impersonator = None
    if imp is not None and imp.get_str("name"):
        impersonator = f"{imp.get_str('namespace') or ''}/{imp.get_str('name')}"
    return Cluster(
        name=name,
        uid=meta.get_str("uid") or "",
        sync_mode=_sync_mode(spec.get_str("syncMode")),
        api_endpoint=spec.get_str("apiEndpoint"),
        proxy_url=spec.get_str("proxyURL"),
        provider=spec.get_str("provider"),
        region=spec.get_str("region"),
        zones=zones,
        kubernetes_version=status.get_str("kubernetesVersion"),
        ready=ready,
        conditions=conditions,
        taints=tuple(_taint(t) for t in spec.items("taints")),
        node_summary=node_summary,
        resource_summary=resource_summary,
        created=meta.get_time("creationTimestamp"),
        raw=FrozenMap(f.obj),
        impersonator_secret=impersonator,
    )


def parse_cluster(obj: Mapping[str, Any]) -> Cluster:
    """Parse one Cluster object (with or without kind/apiVersion)."""
    return _cluster(_Fields(obj, ""))


def parse_cluster_list(obj: Mapping[str, Any]) -> list[Cluster]:
    """Parse a ClusterList; its items carry no kind/apiVersion."""
    return [_cluster(item) for item in _Fields(obj, "").items("items")]


def _pod(f: _Fields) -> PodInfo:
    meta, spec, status = f.sub("metadata"), f.sub("spec"), f.sub("status")
    name = meta.get_str("name")
    if name is None:
        raise MalformedResponse(meta.path("name"), "missing")
    restarts = 0
    for key in ("containerStatuses", "initContainerStatuses"):
        for cs in status.items(key):
            restarts += cs.get_int("restartCount") or 0
    ready = any(
        c.get_str("type") == "Ready" and c.get_str("status") == "True" for c in status.items("conditions")
    )
    return PodInfo(
        name=name,
        namespace=meta.get_str("namespace") or "",
        phase=status.get_str("phase"),
        node=spec.get_str("nodeName"),
        containers=tuple(c.get_str("name") or "" for c in spec.items("containers")),
        init_containers=tuple(c.get_str("name") or "" for c in spec.items("initContainers")),
        restarts=restarts,
        ready=ready,
        created=meta.get_time("creationTimestamp"),
    )


def parse_pod(obj: Mapping[str, Any]) -> PodInfo:
    """Parse one core/v1 Pod into a `PodInfo`."""
    return _pod(_Fields(obj, ""))


def parse_pod_list(obj: Mapping[str, Any]) -> list[PodInfo]:
    """Parse a core/v1 PodList."""
    return [_pod(item) for item in _Fields(obj, "").items("items")]
