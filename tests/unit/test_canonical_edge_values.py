"""Canonical JSON at its edges (evidence.md §1): values a third party's tool must write the same way.

Expected outputs are written by hand from the spec, not produced by the code under test.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from domain.canonical import canonical_bytes, to_canonical_value


class InvoiceNumber(str):
    """A str subclass, as a value object of a caller could be."""


class Count(int):
    """An int subclass that is not an enum."""


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (Decimal("1E+2"), b'"100"'),
        (Decimal("1.5E-3"), b'"0.0015"'),
        (Decimal("12E-2"), b'"0.12"'),
        (Decimal("-2.50"), b'"-2.50"'),
    ],
)
def test_a_decimal_in_exponent_form_is_written_in_plain_digits(value: Decimal, expected: bytes) -> None:
    assert canonical_bytes(value) == expected


def test_a_subclass_of_str_is_written_as_its_text() -> None:
    assert to_canonical_value(InvoiceNumber("F-2024-0042")) == "F-2024-0042"
    assert canonical_bytes({"n": InvoiceNumber("F-1")}) == b'{"n":"F-1"}'


def test_a_subclass_of_int_is_written_as_a_json_integer() -> None:
    assert canonical_bytes([Count(3)]) == b"[3]"


def test_a_float_is_refused_as_a_float_not_as_an_unknown_type() -> None:
    with pytest.raises(TypeError, match="floats are not allowed"):
        to_canonical_value(1.5)
