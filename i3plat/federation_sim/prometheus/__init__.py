"""Real-Prometheus half of the simulated federation: site models, backfill, live exporter."""

from ._exporter import MetricsExporter, ScrapeTarget, render_exposition
from ._model import (
    ExpectedNode,
    ExpectedSite,
    InstanceStyle,
    NodeModel,
    SiteModel,
    SiteModelError,
    build_site_model,
)
from ._openmetrics import BackfillWindowError, backfill_window, write_openmetrics
from ._process import (
    BackfillError,
    BackfillResult,
    DataDirError,
    PrometheusError,
    PrometheusProcess,
    PrometheusStartError,
    launch_all,
    prometheus_available,
)
from ._real_backend import RealBackendFactory, RealPrometheusBackend, real_backend_factory
from ._series import Family, FamilyKind, Series, Wave
from ._synthetic import SyntheticBackend

__all__ = [
    "BackfillError",
    "BackfillResult",
    "BackfillWindowError",
    "DataDirError",
    "ExpectedNode",
    "ExpectedSite",
    "Family",
    "FamilyKind",
    "InstanceStyle",
    "MetricsExporter",
    "NodeModel",
    "PrometheusError",
    "PrometheusProcess",
    "PrometheusStartError",
    "RealBackendFactory",
    "RealPrometheusBackend",
    "ScrapeTarget",
    "Series",
    "SiteModel",
    "SiteModelError",
    "SyntheticBackend",
    "Wave",
    "backfill_window",
    "build_site_model",
    "launch_all",
    "prometheus_available",
    "real_backend_factory",
    "render_exposition",
    "write_openmetrics",
]
