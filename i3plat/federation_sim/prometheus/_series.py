"""Closed-form signals, the series table a site model is made of, and text formatting shared by
the OpenMetrics backfill writer and the live exporter.

Every value is a closed form of time (a constant plus an optional sinusoid; counters are its
exact integral from the model origin), so a value computed for the backfill at `t` and one
computed by the exporter at `t` agree to the last bit: `rate()` across the backfill/live seam
stays exact.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

FamilyKind = Literal["counter", "gauge", "unknown"]

WOBBLE_PERIOD_S = 1200.0
"""Period of the demo variation (20 min): slow enough to look like load, fast enough to see."""

OMEGA = 2.0 * math.pi / WOBBLE_PERIOD_S


@dataclass(frozen=True, slots=True)
class Wave:
    """`base + amp·sin(OMEGA·(t − origin) + phase)`: a level (gauges) or a rate (counters)."""

    base: float
    amp: float = 0.0
    phase: float = 0.0

    def level(self, t: float, origin: float) -> float:
        """The instantaneous value at `t`."""
        if self.amp == 0.0:
            return self.base
        return self.base + self.amp * math.sin(OMEGA * (t - origin) + self.phase)

    def integral(self, t: float, origin: float) -> float:
        """∫ level dt from `origin` to `t`, in closed form so any two times are consistent."""
        dt = t - origin
        if self.amp == 0.0:
            return self.base * dt
        swing = (math.cos(self.phase) - math.cos(OMEGA * dt + self.phase)) / OMEGA
        return self.base * dt + self.amp * swing


@dataclass(frozen=True, slots=True)
class Series:
    """One time series: its sample name, labels (without `__name__`) and how to compute it."""

    name: str
    labels: tuple[tuple[str, str], ...]
    wave: Wave
    cumulative: bool = False
    initial: float = 0.0

    def value_at(self, t: float, origin: float) -> float:
        """Gauge level, or counter value `initial + ∫ rate` for cumulative series."""
        if self.cumulative:
            return self.initial + self.wave.integral(t, origin)
        return self.wave.level(t, origin)


@dataclass(frozen=True, slots=True)
class Family:
    """A metric family. `name` is the OpenMetrics family name: counters lack `_total` there."""

    name: str
    kind: FamilyKind
    help: str
    series: tuple[Series, ...]

    @property
    def text_type(self) -> str:
        """The TYPE word of the Prometheus text format (0.0.4 says `untyped`, not `unknown`)."""
        return "untyped" if self.kind == "unknown" else self.kind

    @property
    def sample_name(self) -> str:
        """The name samples carry (and the name the 0.0.4 text format puts on HELP/TYPE lines)."""
        return f"{self.name}_total" if self.kind == "counter" else self.name


def escape_label_value(value: str) -> str:
    """Escape a label value for both text formats: only backslash, quote and newline."""
    return value.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def escape_help(text: str, *, openmetrics: bool) -> str:
    """Escape HELP text; OpenMetrics also escapes the double quote, 0.0.4 does not."""
    out = text.replace("\\", "\\\\").replace("\n", "\\n")
    return out.replace('"', '\\"') if openmetrics else out


def format_labels(labels: tuple[tuple[str, str], ...]) -> str:
    """`{a="x",b="y"}` (empty string for no labels)."""
    if not labels:
        return ""
    return "{" + ",".join(f'{k}="{escape_label_value(v)}"' for k, v in labels) + "}"


def format_value(value: float) -> str:
    """Shortest round-trip float text; NaN and infinities in the spelling Prometheus parses."""
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    return repr(float(value))


def format_timestamp(t: float) -> str:
    """Seconds (never milliseconds: promtool would accept those silently, §8.4), ms precision."""
    if t == int(t):
        return str(int(t))
    return f"{t:.3f}"
