"""Payments, credit notes and late charges at their limits: the field each error names, text lengths, which payment
a command returns."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal

import pytest

from domain.errors import DomainError, InvalidInput
from domain.receivable import Receivable
from domain.values import Money
from domain.vocabulary import PaymentMethod
from tests.unit.builders import ACTOR, TODAY, at, eur, issued_receivable, pay

NOW = at(TODAY)
TOMORROW = TODAY + timedelta(days=1)
USD = Money(Decimal("10.00"), "USD")
HUNDRED, TWELVE, FORTY, NOTHING = eur("100.00"), eur("12.00"), eur("40.00"), eur("0")


def _receive(receivable: Receivable, *, paid: Money = HUNDRED, on: date = TODAY, reference: str = "VIR-9") -> object:
    return receivable.receive_payment(
        paid=paid, value_date=on, method=PaymentMethod.TRANSFER, bank_reference=reference, now=NOW, actor=ACTOR
    )


def _invoice_charges(
    receivable: Receivable,
    *,
    interest: Money = TWELVE,
    indemnity: Money = FORTY,
    on: date = TODAY,
    number: str = "F-2024-0099",
    calculation: str | None = None,
) -> object:
    return receivable.invoice_late_charges(
        interest=interest,
        indemnity=indemnity,
        charges_invoice_number=number,
        invoiced_on=on,
        calculation_sha256=calculation,
        now=NOW,
        actor=ACTOR,
    )


def _waive(
    receivable: Receivable, *, interest: Money = TWELVE, indemnity: Money = NOTHING, reason: str = "goodwill"
) -> object:
    return receivable.waive_late_charges(interest=interest, indemnity=indemnity, reason=reason, now=NOW, actor=ACTOR)


FIELD_ERRORS: list[tuple[str, Callable[[Receivable], object]]] = [
    ("amount", lambda r: _receive(r, paid=USD)),
    ("value_date", lambda r: _receive(r, on=TOMORROW)),
    (
        "issued_on",
        lambda r: r.apply_credit_note(
            credit_note_number="AV-1", credited=eur("10.00"), issued_on=TOMORROW, now=NOW, actor=ACTOR
        ),
    ),
    ("interest", lambda r: _invoice_charges(r, interest=USD)),
    ("indemnity", lambda r: _invoice_charges(r, indemnity=USD)),
    ("invoiced_on", lambda r: _invoice_charges(r, on=TOMORROW)),
    ("calculation_sha256", lambda r: _invoice_charges(r, calculation="not a digest")),
    ("interest", lambda r: _waive(r, interest=USD)),
    ("indemnity", lambda r: _waive(r, indemnity=USD)),
]


@pytest.mark.parametrize(
    ("field", "command"),
    FIELD_ERRORS,
    ids=[
        "payment amount",
        "value_date",
        "issued_on",
        "charged interest",
        "charged indemnity",
        "invoiced_on",
        "calculation_sha256",
        "waived interest",
        "waived indemnity",
    ],
)
def test_a_refused_payment_credit_or_charge_names_the_field_at_fault(
    field: str, command: Callable[[Receivable], object]
) -> None:
    receivable = issued_receivable()

    with pytest.raises(DomainError) as caught:
        command(receivable)

    assert caught.value.message.startswith(f"{field}: ")
    assert receivable.collect_events() == []


TEXT_FIELDS: list[tuple[str, int, Callable[[Receivable, str], object]]] = [
    ("bank_reference", 140, lambda r, value: _receive(r, reference=value)),
    ("charges_invoice_number", 64, lambda r, value: _invoice_charges(r, number=value)),
    ("reason", 1000, lambda r, value: _waive(r, reason=value)),
]


@pytest.mark.parametrize(("field", "longest", "command"), TEXT_FIELDS, ids=[f for f, _, _ in TEXT_FIELDS])
def test_a_payment_or_charge_text_is_accepted_at_its_longest_and_refused_one_character_longer(
    field: str, longest: int, command: Callable[[Receivable, str], object]
) -> None:
    command(issued_receivable(), "x" * longest)

    with pytest.raises(InvalidInput) as caught:
        command(issued_receivable(), "x" * (longest + 1))

    assert caught.value.rule == "text_length"
    assert caught.value.message == f"{field}: at most {longest} characters"


def test_receiving_a_second_payment_returns_that_payment() -> None:
    receivable = issued_receivable()
    pay(receivable, "100.00", reference="VIR-1")

    payment, recorded = receivable.receive_payment(
        paid=eur("250.00"),
        value_date=TODAY,
        method=PaymentMethod.CHEQUE,
        bank_reference="CHQ-2",
        now=NOW,
        actor=ACTOR,
    )

    assert recorded
    assert (payment.amount, payment.bank_reference) == (Decimal("250.00"), "CHQ-2")
