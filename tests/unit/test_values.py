"""Value checks shared by both aggregates: money, currency, hashes, text, SIREN/SIRET, the clock."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import pytest

from domain.errors import InvalidInput
from domain.values import Now, amount, currency, luhn_valid, sha256, siren, siret, text


@contextmanager
def refused_value(rule: str) -> Iterator[None]:
    with pytest.raises(InvalidInput) as caught:
        yield
    assert caught.value.rule == rule, caught.value.message


# ------------------------------------------------------------------ money


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("1234.5", Decimal("1234.50")),
        ("1234.50", Decimal("1234.50")),
        (Decimal("0.01"), Decimal("0.01")),
        (1200, Decimal("1200.00")),
        ("10.000", Decimal("10.00")),
    ],
)
def test_an_amount_is_quantised_to_cents(given: str | Decimal | int, expected: Decimal) -> None:
    result = amount(given, "amount")

    assert result == expected
    assert result.as_tuple().exponent == -2


@pytest.mark.parametrize(
    ("given", "rule"),
    [
        ("-0.01", "amount_positive"),
        (Decimal("-100"), "amount_positive"),
        ("0", "amount_positive"),
        ("0.00", "amount_positive"),
        (Decimal("10.005"), "amount_precision"),
        ("0.001", "amount_precision"),
        (10.5, "amount_format"),
        ("ten euros", "amount_format"),
        ("NaN", "amount_format"),
        ("Infinity", "amount_format"),
        ("1e13", "amount_range"),
        ("10000000000000.00", "amount_range"),
        ("1234567890123456789012345678.001", "amount_range"),
        ("-1234567890123456789012345678.001", "amount_range"),
    ],
)
def test_a_malformed_amount_is_refused_as_invalid_input(given: Any, rule: str) -> None:
    with refused_value(rule):
        amount(given, "amount")


def test_zero_is_accepted_where_the_field_allows_it() -> None:
    assert amount("0", "vat", allow_zero=True) == Decimal("0.00")


def test_a_negative_amount_is_refused_even_where_zero_is_allowed() -> None:
    with refused_value("amount_positive"):
        amount("-1.00", "vat", allow_zero=True)


def test_the_largest_amount_below_the_limit_is_accepted() -> None:
    assert amount("9999999999999.99", "amount") == Decimal("9999999999999.99")


@pytest.mark.parametrize("given", ["EUR", "USD", "CHF"])
def test_an_iso_currency_code_is_accepted(given: str) -> None:
    assert currency(given) == given


@pytest.mark.parametrize("given", ["eur", "EURO", "E1R", ""])
def test_a_currency_that_is_not_three_capital_letters_is_refused(given: str) -> None:
    with refused_value("currency_format"):
        currency(given)


# ------------------------------------------------------------- hash, text


def test_a_sha256_is_sixty_four_lower_case_hex_digits() -> None:
    digest = "0123456789abcdef" * 4

    assert sha256(digest, "document_sha256") == digest


@pytest.mark.parametrize("given", ["0123456789ABCDEF" * 4, "a" * 63, "a" * 65, "g" * 64, ""])
def test_anything_else_is_not_a_sha256(given: str) -> None:
    with refused_value("sha256_format"):
        sha256(given, "document_sha256")


def test_text_is_stripped() -> None:
    assert text("  Relance  ", "label") == "Relance"


def test_blank_text_is_refused_when_required() -> None:
    with refused_value("text_required"):
        text("   ", "label")


def test_text_longer_than_its_limit_is_refused() -> None:
    with refused_value("text_length"):
        text("x" * 11, "label", max_length=10)


# ------------------------------------------------------------ SIREN, SIRET


@pytest.mark.parametrize("given", ["732829320", "552100554", "732 829 320"])
def test_a_siren_with_a_valid_luhn_key_is_accepted_without_spaces(given: str) -> None:
    assert siren(given) == given.replace(" ", "")


@pytest.mark.parametrize("given", ["732829321", "73282932", "7328293200", "73282932A", ""])
def test_a_siren_with_a_wrong_key_or_length_is_refused(given: str) -> None:
    with refused_value("siren_format"):
        siren(given)


@pytest.mark.parametrize("given", ["73282932000074", "55210055400013", "732 829 320 00074"])
def test_a_siret_with_a_valid_luhn_key_is_accepted(given: str) -> None:
    assert siret(given) == given.replace(" ", "")


@pytest.mark.parametrize("given", ["73282932000075", "7328293200007", "732829320000744"])
def test_a_siret_with_a_wrong_key_or_length_is_refused(given: str) -> None:
    with refused_value("siret_format"):
        siret(given)


def test_a_la_poste_siret_is_accepted_although_its_luhn_key_fails() -> None:
    assert not luhn_valid("35600000049837")

    assert siret("35600000049837") == "35600000049837"


@pytest.mark.parametrize(
    ("digits", "valid"), [("0", True), ("18", True), ("79927398713", True), ("79927398710", False)]
)
def test_the_luhn_key_is_the_standard_one(digits: str, valid: bool) -> None:
    assert luhn_valid(digits) is valid


# ------------------------------------------------------------------ clock


def test_the_clock_refuses_a_naive_instant() -> None:
    with pytest.raises(ValueError):
        Now(instant=datetime(2024, 3, 1, 12, 0), today=date(2024, 3, 1))


def test_the_clock_stores_its_instant_in_utc() -> None:
    paris_winter = timezone(timedelta(hours=1))

    now = Now(instant=datetime(2024, 3, 1, 0, 30, tzinfo=paris_winter), today=date(2024, 3, 1))

    assert now.instant == datetime(2024, 2, 29, 23, 30, tzinfo=UTC)
    assert now.instant.utcoffset() == timedelta(0)
    assert now.today == date(2024, 3, 1)
