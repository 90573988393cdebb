from __future__ import annotations

from decimal import Decimal

import pytest

from i3plat.karmada_client import parse_quantity


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("37350m", Decimal("37.35")),
        ("1532876848Ki", Decimal(1532876848 * 1024)),
        ("288Gi", Decimal(288 * 2**30)),
        ("16", Decimal(16)),
        ("1e3", Decimal(1000)),
        ("1E3", Decimal(1000)),
        ("1e-3", Decimal("0.001")),
        ("0.5", Decimal("0.5")),
        (".5", Decimal("0.5")),
        ("5.", Decimal(5)),
        ("100M", Decimal(100_000_000)),
        ("2k", Decimal(2000)),
        ("1E", Decimal(10**18)),
        ("3Ei", Decimal(3 * 2**60)),
        ("1Pi", Decimal(2**50)),
        ("250u", Decimal("0.00025")),
        ("100n", Decimal("1E-7")),
        ("+2", Decimal(2)),
        ("-1", Decimal(-1)),
        ("0", Decimal(0)),
        ("9223372036854775807", Decimal(9223372036854775807)),
    ],
)
def test_quantities(text: str, expected: Decimal) -> None:
    assert parse_quantity(text) == expected


def test_exact_and_readable() -> None:
    assert str(parse_quantity("1e3")) == "1000"
    assert str(parse_quantity("37350m")) == "37.350"


@pytest.mark.parametrize(
    "text",
    [
        "",
        "abc",
        " 1",
        "1 ",
        "1.2.3",
        "1KiB",
        "1ki",
        "e3",
        "1e",
        "Ki",
        "NaN",
        "inf",
        "--1",
        "1e1.5",
        "0x10",
        "1_000",
        "１",
        "1e101",
        "9" * 100,
    ],
)
def test_garbage_names_the_text(text: str) -> None:
    with pytest.raises(ValueError, match="not a Kubernetes quantity") as info:
        parse_quantity(text)
    assert repr(text[:20])[:-1] in str(info.value)


def test_non_string_is_refused() -> None:
    with pytest.raises(ValueError, match="expected a string"):
        parse_quantity(16)  # type: ignore[arg-type]
