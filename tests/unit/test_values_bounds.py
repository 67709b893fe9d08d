"""Value objects and domain errors at their bounds: money's range, text lengths, what an error carries."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from domain.errors import (
    AlreadyExists,
    DomainError,
    InvalidInput,
    NotFound,
    RuleViolation,
    VersionConflict,
    VersionMismatch,
)
from domain.values import Money, Now, amount, optional_text, text


@pytest.mark.parametrize("value", ["10000000000000", "-10000000000000", "1E+13"])
def test_an_amount_of_ten_thousand_billion_or_more_is_out_of_range(value: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        amount(value, "amount")
    assert refused.value.rule == "amount_range"


def test_the_largest_amount_is_just_below_ten_thousand_billion() -> None:
    assert amount("9999999999999.99", "amount") == Decimal("9999999999999.99")


def test_money_is_in_euros_unless_said_otherwise() -> None:
    assert Money(Decimal("1.00")).currency == "EUR"


def test_money_and_the_clock_cannot_be_altered() -> None:
    now = Now(instant=datetime(2024, 1, 15, 12, tzinfo=UTC), today=date(2024, 1, 15))
    with pytest.raises(dataclasses.FrozenInstanceError):
        Money(Decimal("1.00")).amount = Decimal("2.00")  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        now.today = date(2024, 1, 16)  # type: ignore[misc]


@pytest.mark.parametrize("check", [text, optional_text])
def test_a_text_is_five_hundred_characters_at_most_by_default(check: object) -> None:
    assert check("a" * 500, "label") == "a" * 500  # type: ignore[operator]
    with pytest.raises(InvalidInput, match="at most 500 characters"):
        check("a" * 501, "label")  # type: ignore[operator]


@pytest.mark.parametrize(
    ("error", "code"),
    [
        (DomainError, "domain_error"),
        (InvalidInput, "invalid_input"),
        (RuleViolation, "rule_violation"),
        (NotFound, "not_found"),
        (AlreadyExists, "already_exists"),
        (VersionConflict, "version_conflict"),
        (VersionMismatch, "version_mismatch"),
    ],
)
def test_an_error_carries_its_message_and_its_code_as_rule_unless_a_rule_is_named(
    error: type[DomainError], code: str
) -> None:
    plain = error("something is wrong")
    named = error("something is wrong", rule="a_rule")

    assert (str(plain), plain.message, plain.code, plain.rule) == (
        "something is wrong",
        "something is wrong",
        code,
        code,
    )
    assert (named.code, named.rule) == (code, "a_rule")
