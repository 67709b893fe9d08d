"""A receivable's state: what an unissued one holds, and what an issued invoice and a waiver leave in it."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from uuid import UUID

from domain.receivable import Receivable
from domain.vocabulary import DebtorKind
from tests.unit.builders import ACTOR, DEBTOR_ID, TODAY, at, eur, issued_receivable


def test_an_unissued_receivable_holds_empty_values_in_euros() -> None:
    receivable = Receivable()

    assert (receivable.invoice_number, receivable.debtor_id, receivable.debtor_kind, receivable.label) == (
        "",
        UUID(int=0),
        DebtorKind.PROFESSIONAL,
        "",
    )
    assert (receivable.issue_date, receivable.delivery_date, receivable.due_date) == (date.min,) * 3
    assert (receivable.amount_excl_vat, receivable.vat, receivable.amount_incl_vat) == (Decimal("0.00"),) * 3
    assert receivable.currency == "EUR"


def test_an_issued_invoice_keeps_its_number_debtor_amounts_label_order_and_terms() -> None:
    receivable = issued_receivable(order_reference="BC-7781", payment_terms="30 jours date de facture")

    assert (receivable.invoice_number, receivable.debtor_id, receivable.label) == (
        "F-2024-0042",
        DEBTOR_ID,
        "Maintenance contract, January 2024",
    )
    assert (receivable.amount_excl_vat, receivable.vat, receivable.currency) == (
        Decimal("1000.00"),
        Decimal("200.00"),
        "EUR",
    )
    assert (receivable.order_reference, receivable.payment_terms) == ("BC-7781", "30 jours date de facture")


def test_waived_interest_is_kept_in_the_state() -> None:
    receivable = issued_receivable()

    receivable.waive_late_charges(
        interest=eur("12.00"), indemnity=eur("0"), reason="goodwill", now=at(TODAY), actor=ACTOR
    )

    assert (receivable.interest_waived, receivable.indemnity_waived) == (Decimal("12.00"), Decimal("0.00"))
