"""Kubernetes resource quantities (k8s.io/apimachinery/pkg/api/resource), parsed to `Decimal`.

Grammar (from apimachinery's quantity.go), plus the ``n`` and ``u`` suffixes it also accepts::

    quantity  ::= signedNumber suffix
    suffix    ::= binarySI | decimalExponent | decimalSI
    binarySI  ::= Ki | Mi | Gi | Ti | Pi | Ei
    decimalSI ::= n | u | m | "" | k | M | G | T | P | E
    decimalExponent ::= "e" signedInteger | "E" signedInteger

``"1E"`` is one exa, ``"1E3"`` is a thousand. The value is exact: ``37350m`` is ``Decimal("37.350")``.
"""

from __future__ import annotations

import re
from decimal import Context, Decimal

__all__ = ["parse_quantity"]

_QUANTITY_RE = re.compile(
    r"(?P<number>[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+))"
    r"(?:[eE](?P<exp>[+-]?[0-9]{1,4})|(?P<suffix>Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E))?"
)
_MAX_LEN = 64
_MAX_EXPONENT = 100

_CTX = Context(prec=200)  # exact for 64 digits scaled by up to 10**100

_DECIMAL_SI = {"n": -9, "u": -6, "m": -3, "k": 3, "M": 6, "G": 9, "T": 12, "P": 15, "E": 18}
_BINARY_SI = {"Ki": 10, "Mi": 20, "Gi": 30, "Ti": 40, "Pi": 50, "Ei": 60}


def parse_quantity(text: str) -> Decimal:
    """Parse a Kubernetes quantity such as ``37350m``, ``1532876848Ki``, ``288Gi`` or ``1e3``.

    Raises ValueError naming `text` when it is not a quantity (including surrounding whitespace,
    which Kubernetes refuses too).
    """
    if not isinstance(text, str):
        raise ValueError(f"not a Kubernetes quantity: {text!r} (expected a string)")
    if len(text) > _MAX_LEN:
        raise ValueError(f"not a Kubernetes quantity: {text[:_MAX_LEN]!r}… (longer than {_MAX_LEN})")
    m = _QUANTITY_RE.fullmatch(text)
    if m is None:
        raise ValueError(f"not a Kubernetes quantity: {text!r}")
    number = Decimal(m["number"])
    suffix = m["suffix"]
    if m["exp"] is not None:
        exp = int(m["exp"])
        if abs(exp) > _MAX_EXPONENT:
            raise ValueError(f"not a Kubernetes quantity: {text!r} (exponent out of range)")
        value = number.scaleb(exp, _CTX)
    elif suffix is None:
        value = number
    elif suffix in _BINARY_SI:
        value = _CTX.multiply(number, Decimal(2 ** _BINARY_SI[suffix]))
    else:
        value = number.scaleb(_DECIMAL_SI[suffix], _CTX)
    # Show whole numbers as such ("1000", not "1E+3"); the value is the same either way.
    if value.as_tuple().exponent > 0:  # type: ignore[operator]
        value = value.quantize(Decimal(1), context=_CTX)
    return value
