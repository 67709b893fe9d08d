"""What people type into the console's forms: French amounts and days, read or refused in French."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from api.console.inputs import FormError, Inputs, read_amount, read_day
from domain.vocabulary import CallOutcome


@pytest.mark.parametrize(
    ("typed", "read"),
    [
        ("1 234,56", "1234.56"),
        ("1\u202f234,56\u00a0€", "1234.56"),
        ("1.234,56", "1234.56"),
        ("1234.56", "1234.56"),
        ("1234", "1234"),
        ("0,5", "0.5"),
        ("12,345", "12.345"),  # three decimals: read as typed, the domain refuses it (amount_precision)
        ("-10,00", "-10.00"),  # the domain refuses it (amount_positive)
    ],
)
def test_an_amount_is_read_the_french_way_or_with_a_dot(typed: str, read: str) -> None:
    assert read_amount(typed, "amount") == Decimal(read)


@pytest.mark.parametrize("typed", ["douze euros", "1,2,3", "1.2.3", "NaN", "Infinity", "1 234,56 $"])
def test_an_unreadable_amount_is_refused_beside_its_field(typed: str) -> None:
    with pytest.raises(FormError) as refused:
        read_amount(typed, "amount")
    assert refused.value.field == "amount" and "n'est pas un montant" in refused.value.message


@pytest.mark.parametrize(("typed", "read"), [("20/06/2026", date(2026, 6, 20)), ("2026-06-20", date(2026, 6, 20)),
                                             ("3/6/2026", date(2026, 6, 3))])  # fmt: skip
def test_a_day_is_read_french_or_iso(typed: str, read: date) -> None:
    assert read_day(typed, "promised_date") == read


def test_a_two_digit_year_asks_for_the_full_one() -> None:
    with pytest.raises(FormError, match="année en entier"):
        read_day("20/06/26", "promised_date")


@pytest.mark.parametrize("typed", ["31/02/2026", "demain", "2026-13-01"])
def test_a_day_that_is_not_one_is_refused(typed: str) -> None:
    with pytest.raises(FormError, match="n'est pas une date"):
        read_day(typed, "promised_date")


def test_an_empty_optional_field_is_none_and_a_required_one_is_asked_for() -> None:
    inputs = Inputs({"amount": "  ", "promised_date": "", "note": " texte "})
    assert inputs.optional_amount("amount") is None and inputs.optional_day("promised_date") is None
    assert inputs.text("note") == "texte"
    with pytest.raises(FormError) as refused:
        inputs.amount("amount")
    assert refused.value.field == "amount"


def test_a_choice_outside_the_list_or_a_forged_id_is_refused() -> None:
    inputs = Inputs({"outcome": "bribed", "contact_id": "not-an-id"})
    with pytest.raises(FormError):
        inputs.choice("outcome", CallOutcome)
    with pytest.raises(FormError):
        inputs.optional_id("contact_id")
