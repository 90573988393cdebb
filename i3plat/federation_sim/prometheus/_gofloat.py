"""Go float64 semantics and formatting, so answers match a real Prometheus to the last bit.

Python raises where Go returns ±Inf or NaN (`1/0`, `math.sqrt(-1)`, `math.log(0)`, overflow in
`math.pow`/`math.exp`) and rounds differently (`round` is banker's rounding, `math.Round` rounds
half away from zero). Every arithmetic the evaluator does on sample values goes through here.
"""

from __future__ import annotations

import math
from collections.abc import Callable

NAN = math.nan
INF = math.inf


def go_div(a: float, b: float) -> float:
    """`a / b` with IEEE semantics: x/±0 is ±Inf, 0/0 and NaN/0 are NaN."""
    try:
        return a / b
    except ZeroDivisionError:
        if math.isnan(a) or a == 0.0:
            return NAN
        return math.copysign(INF, a) * math.copysign(1.0, b)


def go_mod(a: float, b: float) -> float:
    """Go's `math.Mod` (sign of `a`; NaN for Inf dividend or zero divisor; `a` for ±Inf divisor)."""
    if math.isnan(a) or math.isnan(b) or math.isinf(a) or b == 0.0:
        return NAN
    if math.isinf(b):
        return a
    return math.fmod(a, b)


def _is_odd_int(y: float) -> bool:
    return math.isfinite(y) and y == math.floor(y) and math.fmod(y, 2.0) != 0.0


def go_pow(x: float, y: float) -> float:
    """Go's `math.Pow` (C99 Annex F results where Python raises)."""
    try:
        return math.pow(x, y)
    except ValueError:
        if x == 0.0:
            return math.copysign(INF, x) if _is_odd_int(y) else INF
        return NAN
    except OverflowError:
        return -INF if (x < 0 and _is_odd_int(y)) else INF


def go_round(x: float) -> float:
    """Go's `math.Round`: half away from zero (Python's `round` is half to even)."""
    if not math.isfinite(x):
        return x
    r = float(math.floor(abs(x)))
    if abs(x) - r >= 0.5:
        r += 1.0
    return math.copysign(r, x)


def _keep_zero_sign(result: float, x: float) -> float:
    return math.copysign(0.0, x) if result == 0.0 else result


def go_ceil(x: float) -> float:
    """Go's `math.Ceil` (keeps Inf/NaN and the sign of zero)."""
    return x if not math.isfinite(x) else _keep_zero_sign(float(math.ceil(x)), x)


def go_floor(x: float) -> float:
    """Go's `math.Floor` (keeps Inf/NaN and the sign of zero)."""
    return x if not math.isfinite(x) else _keep_zero_sign(float(math.floor(x)), x)


def _guarded(
    fn: Callable[[float], float],
    *,
    pole: Callable[[float], float] | None = None,
    odd: bool = False,
) -> Callable[[float], float]:
    """Wrap a `math` function: domain errors give NaN (or `pole(x)`), overflow gives ±Inf.

    `odd` marks functions whose overflow takes the sign of the argument (sinh).
    """

    def apply(x: float) -> float:
        try:
            return fn(x)
        except ValueError:
            return pole(x) if pole is not None else NAN
        except OverflowError:
            return math.copysign(INF, x) if odd else INF

    return apply


def _log_pole(x: float) -> float:
    return -INF if x == 0.0 else NAN


def _atanh_pole(x: float) -> float:
    return math.copysign(INF, x) if abs(x) == 1.0 else NAN


def _sgn(x: float) -> float:
    if x < 0:
        return -1.0
    if x > 0:
        return 1.0
    return x


SIMPLE_FUNCS: dict[str, Callable[[float], float]] = {
    "abs": abs,
    "ceil": go_ceil,
    "floor": go_floor,
    "exp": _guarded(math.exp),
    "sqrt": _guarded(math.sqrt),
    "ln": _guarded(math.log, pole=_log_pole),
    "log2": _guarded(math.log2, pole=_log_pole),
    "log10": _guarded(math.log10, pole=_log_pole),
    "sin": _guarded(math.sin),
    "cos": _guarded(math.cos),
    "tan": _guarded(math.tan),
    "asin": _guarded(math.asin),
    "acos": _guarded(math.acos),
    "atan": _guarded(math.atan),
    "sinh": _guarded(math.sinh, odd=True),
    "cosh": _guarded(math.cosh),
    "tanh": _guarded(math.tanh),
    "asinh": _guarded(math.asinh),
    "acosh": _guarded(math.acosh),
    "atanh": _guarded(math.atanh, pole=_atanh_pole),
    "rad": lambda v: v * math.pi / 180,
    "deg": lambda v: v * 180 / math.pi,
    "sgn": _sgn,
}
"""The one-argument math functions of PromQL (all drop the metric name)."""


# -- formatting -------------------------------------------------------------------------------


def _decompose(x: float) -> tuple[str, int]:
    """Shortest round-trip digits of `x > 0` and exponent `e` with `x = 0.DIGITS × 10**e`."""
    mantissa, _, exp = repr(x).partition("e")
    e = int(exp) if exp else 0
    int_part, _, frac = mantissa.partition(".")
    digits = int_part + frac
    e += len(int_part)
    stripped = digits.lstrip("0")
    e -= len(digits) - len(stripped)
    return stripped.rstrip("0"), e


def format_float(x: float, fmt: str = "f") -> str:
    """Go's `strconv.FormatFloat(x, fmt, -1, 64)` for fmt 'f' or 'e' (shortest digits)."""
    if math.isnan(x):
        return "NaN"
    if math.isinf(x):
        return "+Inf" if x > 0 else "-Inf"
    sign = "-" if math.copysign(1.0, x) < 0 else ""
    if x == 0.0:
        return sign + ("0e+00" if fmt == "e" else "0")
    digits, e = _decompose(abs(x))
    if fmt == "e":
        exp = e - 1
        head = digits[0] + ("." + digits[1:] if len(digits) > 1 else "")
        return f"{sign}{head}e{'-' if exp < 0 else '+'}{abs(exp):02d}"
    if e <= 0:
        return f"{sign}0.{'0' * -e}{digits}"
    if e >= len(digits):
        return sign + digits + "0" * (e - len(digits))
    return f"{sign}{digits[:e]}.{digits[e:]}"


def format_float_g(x: float) -> str:
    """Go's `%v` of a float64 (strconv 'g', -1: exponent form below 1e-4 or from 1e6 on)."""
    if not math.isfinite(x) or x == 0.0:
        return format_float(x, "f")
    _, e = _decompose(abs(x))
    return format_float(x, "e") if (e - 1 < -4 or e - 1 >= 6) else format_float(x, "f")


def format_sample_value(x: float) -> str:
    """A sample value as the API writes it (jsonutil.MarshalFloat: 'e' outside [1e-6, 1e21))."""
    a = abs(x)
    fmt = "e" if a != 0.0 and math.isfinite(a) and (a < 1e-6 or a >= 1e21) else "f"
    return format_float(x, fmt)


def unix_seconds_to_ns(seconds: float) -> int:
    """Prometheus' float-seconds → time: the fraction is rounded to milliseconds (`parseTime`)."""
    whole = math.trunc(seconds)
    return whole * 1_000_000_000 + int(go_round((seconds - whole) * 1000) / 1000 * 1e9)


def ns_to_ms(ns: int) -> int:
    """Go's `UnixNano() / 1e6` (integer division truncating toward zero)."""
    return ns // 1_000_000 if ns >= 0 else -((-ns) // 1_000_000)


def ms_to_json_seconds(t_ms: int) -> int | float:
    """A timestamp as the API writes it: whole seconds as an integer, else seconds.milliseconds."""
    if t_ms % 1000 == 0:
        return t_ms // 1000
    return t_ms / 1000


# -- summation and order statistics as Prometheus 2.42 computes them --------------------------


def kahan_inc(inc: float, total: float, comp: float) -> tuple[float, float]:
    """One step of Kahan–Neumaier summation (promql `kahanSumInc`)."""
    t = total + inc
    if abs(total) >= abs(inc):
        comp += (total - t) + inc
    else:
        comp += (inc - t) + total
    return t, comp


def _nan_first_key(v: float) -> tuple[int, float]:
    return (0, 0.0) if math.isnan(v) else (1, v)


def quantile(q: float, values: list[float]) -> float:
    """promql `quantile`: linear interpolation between closest ranks; NaN sorts first."""
    if not values:
        return NAN
    if q < 0:
        return -INF
    if q > 1:
        return INF
    ordered = sorted(values, key=_nan_first_key)
    n = float(len(ordered))
    rank = q * (n - 1)
    lower = max(0.0, math.floor(rank))
    upper = min(n - 1, lower + 1)
    weight = rank - math.floor(rank)
    return ordered[int(lower)] * (1 - weight) + ordered[int(upper)] * weight
