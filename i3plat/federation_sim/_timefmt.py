"""RFC 3339 formatting as Kubernetes writes it (seconds for objects, trimmed nanoseconds for logs)."""

from __future__ import annotations

from datetime import UTC, datetime


def format_rfc3339(ts: float) -> str:
    """`metav1.Time` JSON: whole seconds, UTC, `Z` suffix."""
    return datetime.fromtimestamp(int(ts), tz=UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def format_rfc3339_nano(ts_ns: int) -> str:
    """Go's `time.RFC3339Nano`: fractional seconds with trailing zeros trimmed (none if zero)."""
    seconds, nanos = divmod(ts_ns, 1_000_000_000)
    base = datetime.fromtimestamp(seconds, tz=UTC).strftime("%Y-%m-%dT%H:%M:%S")
    fraction = f"{nanos:09d}".rstrip("0")
    return f"{base}.{fraction}Z" if fraction else f"{base}Z"


def parse_rfc3339(text: str) -> float:
    """Seconds since the epoch of an RFC 3339 timestamp (`Z` or an offset); ValueError if malformed."""
    normalised = text.strip()
    if normalised.endswith(("Z", "z")):
        normalised = normalised[:-1] + "+00:00"
    parsed = datetime.fromisoformat(normalised)
    if parsed.tzinfo is None:
        raise ValueError(f"{text!r} has no time zone")
    return parsed.timestamp()
