"""Where a receivable stands, at the edges: surpluses with credit notes, waivers of both charges, the payment-terms
cap, an unissued receivable, a second promise, the credit note's checks."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from domain.errors import InvalidInput
from domain.receivable import Receivable
from domain.values import Money
from tests.unit.builders import ACTOR, ISSUE_DAY, TODAY, at, eur, issued_receivable, pay

NOW = at(TODAY)


def _credit(receivable: Receivable, value: str = "200.00", number: str = "AV-1") -> None:
    receivable.apply_credit_note(credit_note_number=number, credited=eur(value), issued_on=TODAY, now=NOW, actor=ACTOR)
    receivable.collect_events()


def _charge(receivable: Receivable, interest: str = "20.00", indemnity: str = "40.00") -> None:
    receivable.invoice_late_charges(
        interest=eur(interest), indemnity=eur(indemnity), charges_invoice_number="F-2024-0099", invoiced_on=TODAY,
        now=NOW, actor=ACTOR,
    )  # fmt: skip
    receivable.collect_events()


def test_a_surplus_after_a_credit_note_pays_late_charges_first() -> None:
    receivable = issued_receivable()
    _credit(receivable, "200.00")
    _charge(receivable, "0", "40.00")

    pay(receivable, "1030.00")  # 30.00 more than the 1,000.00 left after the credit note

    assert receivable.late_charges_outstanding == Decimal("10.00")


def test_waiving_part_of_the_interest_and_all_the_indemnity_leaves_the_rest_owed_before_any_refund() -> None:
    receivable = issued_receivable()
    _charge(receivable, "20.00", "40.00")
    receivable.waive_late_charges(
        interest=eur("10.00"), indemnity=eur("40.00"), reason="goodwill", now=NOW, actor=ACTOR
    )

    pay(receivable, "1250.00")  # 1,200.00 + the 10.00 of interest still owed + 40.00 too much

    assert receivable.credit_to_refund == Decimal("40.00")


def test_an_unissued_receivable_is_not_settled() -> None:
    assert not Receivable().is_settled


def test_the_payment_terms_cap_is_sixty_days_after_the_issue_date() -> None:
    assert issued_receivable().payment_terms_cap == ISSUE_DAY + timedelta(days=60)


def test_a_due_date_exactly_on_the_cap_is_not_over_it_and_one_day_later_is() -> None:
    on_cap = issued_receivable(due_date=ISSUE_DAY + timedelta(days=60))
    past_cap = issued_receivable(due_date=ISSUE_DAY + timedelta(days=61))

    assert (on_cap.payment_terms_over_cap, past_cap.payment_terms_over_cap) == (False, True)


def test_after_a_broken_promise_the_open_promise_is_the_new_one() -> None:
    receivable = issued_receivable()
    tomorrow = TODAY + timedelta(days=1)
    receivable.record_promise(amount_promised=eur("100.00"), promised_date=tomorrow, now=NOW, actor=ACTOR)
    later = at(tomorrow + timedelta(days=1))
    receivable.break_promise(noted_on=tomorrow + timedelta(days=1), now=later, actor=ACTOR)

    receivable.record_promise(amount_promised=eur("300.00"), promised_date=tomorrow + timedelta(days=9), now=later,
                              actor=ACTOR)  # fmt: skip

    assert receivable.open_promise is not None
    assert receivable.open_promise.amount == Decimal("300.00")


def test_a_credit_note_number_is_accepted_up_to_64_characters_and_refused_at_65() -> None:
    _credit(issued_receivable(), "10.00", "x" * 64)

    with pytest.raises(InvalidInput) as caught:
        _credit(issued_receivable(), "10.00", "x" * 65)

    assert caught.value.rule == "text_length"
    assert caught.value.message == "credit_note_number: at most 64 characters"


def test_a_credit_note_in_another_currency_is_refused_naming_its_amount() -> None:
    receivable = issued_receivable()

    with pytest.raises(InvalidInput) as caught:
        receivable.apply_credit_note(
            credit_note_number="AV-1", credited=Money(Decimal("10.00"), "USD"), issued_on=TODAY, now=NOW, actor=ACTOR
        )

    assert caught.value.message.startswith("credit_note_amount: ")
