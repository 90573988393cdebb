"""Flask blueprint for machine clients: health now, the JSON API (`/api/v1/*`) with the collector."""

from i3plat.api.health import health_blueprint

__all__ = ["health_blueprint"]
