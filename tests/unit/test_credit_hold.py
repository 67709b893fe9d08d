"""Credit hold: the ERP asks before shipping; the answer is yes or no with the reason."""

from __future__ import annotations

import dataclasses
from datetime import date, timedelta

import pytest

from domain.credit_hold import credit_hold
from domain.debtor import Debtor
from domain.vocabulary import InsolvencyProcedure
from tests.unit.builders import ACTOR, DUE_DAY, TODAY, at, eur, issued_receivable, pay, registered_debtor


def limited_debtor(limit: str) -> Debtor:
    debtor = registered_debtor()
    debtor.set_credit_limit(limit=eur(limit), now=at(TODAY), actor=ACTOR)
    debtor.collect_events()
    return debtor


def test_a_debtor_whose_overdue_exposure_passes_its_limit_is_held() -> None:
    debtor = limited_debtor("500.00")
    hold = credit_hold(debtor, [issued_receivable()], TODAY)
    assert hold.held and hold.reason == "over_limit"
    assert hold.overdue == eur("1200.00").amount and hold.overdue_receivables == 1


def test_invoices_not_yet_due_are_not_overdue_exposure() -> None:
    debtor = limited_debtor("500.00")
    hold = credit_hold(debtor, [issued_receivable()], DUE_DAY)
    assert not hold.held and hold.reason == "within_limit" and hold.overdue == 0


def test_payments_bring_the_exposure_back_within_the_limit() -> None:
    debtor = limited_debtor("500.00")
    receivable = issued_receivable()
    pay(receivable, "800.00")
    hold = credit_hold(debtor, [receivable], TODAY)
    assert not hold.held and hold.overdue == eur("400.00").amount


def test_exposure_equal_to_the_limit_is_not_above_it() -> None:
    debtor = limited_debtor("1200.00")
    assert not credit_hold(debtor, [issued_receivable()], TODAY).held


def test_a_debtor_without_a_limit_is_not_held_and_says_why() -> None:
    hold = credit_hold(registered_debtor(), [issued_receivable()], TODAY)
    assert not hold.held and hold.reason == "no_limit" and hold.credit_limit is None


def test_insolvency_proceedings_put_the_debtor_on_hold_whatever_its_limit() -> None:
    debtor = registered_debtor()
    judgment = TODAY - timedelta(days=10)
    debtor.open_insolvency(
        procedure=InsolvencyProcedure.RECEIVERSHIP, court="Tribunal de commerce de Lyon", judgment_date=judgment,
        publication_date=judgment + timedelta(days=5), now=at(TODAY), actor=ACTOR,
    )  # fmt: skip
    hold = credit_hold(debtor, [], date(2024, 4, 2))
    assert hold.held and hold.reason == "insolvency" and "receivership" in hold.detail


def test_a_debtor_without_a_limit_is_answered_in_euros() -> None:
    assert credit_hold(registered_debtor(), [], TODAY).currency == "EUR"


def test_a_credit_hold_answer_cannot_be_altered() -> None:
    answer = credit_hold(registered_debtor(), [], TODAY)

    with pytest.raises(dataclasses.FrozenInstanceError):
        answer.held = True  # type: ignore[misc]
