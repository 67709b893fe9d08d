"""Promises and payment plans at their limits: the field each error names, counts, boundary days and amounts."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal

import pytest

from domain.errors import DomainError, InvalidInput, RuleViolation
from domain.receivable import Receivable
from domain.values import Money
from tests.unit.builders import ACTOR, TODAY, at, eur, issued_receivable, pay, refused

NOW = at(TODAY)
TOMORROW = TODAY + timedelta(days=1)
LATER = date(2024, 6, 1)
USD = Money(Decimal("10.00"), "USD")


def _schedule(*amounts: str, first: date = date(2024, 5, 1)) -> list[tuple[date, Money]]:
    return [(first + timedelta(days=30 * i), eur(value)) for i, value in enumerate(amounts)]


def _promised(*, amount: str = "1200.00", on: date = TOMORROW) -> Receivable:
    receivable = issued_receivable()
    receivable.record_promise(amount_promised=eur(amount), promised_date=on, now=NOW, actor=ACTOR)
    receivable.collect_events()
    return receivable


def _in_plan(*amounts: str) -> Receivable:
    receivable = issued_receivable()
    receivable.agree_payment_plan(instalments=_schedule(*amounts), now=NOW, actor=ACTOR)
    receivable.collect_events()
    return receivable


FIELD_ERRORS: list[tuple[str, Callable[[], object]]] = [
    (
        "amount",
        lambda: issued_receivable().record_promise(amount_promised=USD, promised_date=TOMORROW, now=NOW, actor=ACTOR),
    ),
    (
        "promised_date",
        lambda: issued_receivable().record_promise(
            amount_promised=eur("10"), promised_date=TODAY, now=NOW, actor=ACTOR
        ),
    ),
    ("noted_on", lambda: _promised().break_promise(noted_on=TODAY + timedelta(days=2), now=NOW, actor=ACTOR)),
    (
        "instalments[0].due_date",
        lambda: issued_receivable().agree_payment_plan(
            instalments=_schedule("600.00", "600.00", first=TODAY), now=NOW, actor=ACTOR
        ),
    ),
    (
        "agreement_sha256",
        lambda: issued_receivable().agree_payment_plan(
            instalments=_schedule("1200.00"), agreement_sha256="not a digest", now=NOW, actor=ACTOR
        ),
    ),
    (
        "noted_on",
        lambda: _in_plan("600.00", "600.00").miss_instalment(
            instalment_number=1, noted_on=LATER + timedelta(days=1), now=at(LATER), actor=ACTOR
        ),
    ),
]


@pytest.mark.parametrize(
    ("field", "command"),
    FIELD_ERRORS,
    ids=["promised amount", "promised_date", "promise noted_on", "first due date", "agreement", "missed noted_on"],
)
def test_a_refused_promise_or_plan_names_the_field_at_fault(field: str, command: Callable[[], object]) -> None:
    with pytest.raises(DomainError) as caught:
        command()

    assert caught.value.message.startswith(f"{field}: ")


def test_a_promise_may_cover_exactly_what_is_outstanding() -> None:
    receivable = _promised(amount="1200.00")

    assert receivable.open_promise is not None
    assert receivable.open_promise.amount == Decimal("1200.00")


def test_a_promise_is_broken_from_the_day_after_its_date() -> None:
    receivable = _promised(on=TOMORROW)
    day_after = TOMORROW + timedelta(days=1)

    receivable.break_promise(noted_on=day_after, now=at(day_after), actor=ACTOR)

    assert receivable.open_promise is None
    assert receivable.promises[0].broken


def test_a_plan_of_one_hundred_and_twenty_instalments_is_accepted_and_one_more_is_refused() -> None:
    _in_plan(*["10.00"] * 120)

    receivable = issued_receivable()
    with refused(receivable, InvalidInput, "instalments_count"):
        receivable.agree_payment_plan(instalments=_schedule(*["10.00"] * 121), now=NOW, actor=ACTOR)


def test_a_plan_whose_instalments_add_up_exactly_to_what_is_outstanding_is_agreed() -> None:
    receivable = _in_plan("400.00", "800.00")

    assert receivable.active_plan is not None
    assert receivable.active_plan.total == Decimal("1200.00")


@pytest.mark.parametrize("number", [0, 3])
def test_a_missed_instalment_is_numbered_from_one_to_the_plans_last(number: int) -> None:
    receivable = _in_plan("600.00", "600.00")

    with refused(receivable, InvalidInput, "instalment_exists"):
        receivable.miss_instalment(instalment_number=number, noted_on=LATER, now=at(LATER), actor=ACTOR)


def test_the_plans_last_instalment_may_be_missed_the_day_after_it_is_due() -> None:
    receivable = _in_plan("600.00", "600.00")
    last_due = date(2024, 5, 31)
    pay(receivable, "600.00", on=date(2024, 5, 1), now=at(date(2024, 5, 1)))

    receivable.miss_instalment(
        instalment_number=2, noted_on=last_due + timedelta(days=1), now=at(last_due + timedelta(days=1)), actor=ACTOR
    )

    assert receivable.plans[0].missed == [2]


def test_an_instalment_paid_exactly_is_not_missed_but_one_cent_short_is() -> None:
    paid_exactly = _in_plan("600.00", "600.00")
    pay(paid_exactly, "600.00", on=date(2024, 5, 1), now=at(date(2024, 5, 1)))
    with refused(paid_exactly, RuleViolation, "instalment_unpaid"):
        paid_exactly.miss_instalment(instalment_number=1, noted_on=LATER, now=at(LATER), actor=ACTOR)

    one_cent_short = _in_plan("600.00", "600.00")
    pay(one_cent_short, "599.99", on=date(2024, 5, 1), now=at(date(2024, 5, 1)))
    one_cent_short.miss_instalment(instalment_number=1, noted_on=LATER, now=at(LATER), actor=ACTOR)
    assert one_cent_short.plans[0].missed == [1]


def test_a_plan_agreed_after_one_in_default_is_numbered_two() -> None:
    receivable = _in_plan("600.00", "600.00")
    receivable.miss_instalment(instalment_number=1, noted_on=LATER, now=at(LATER), actor=ACTOR)

    receivable.agree_payment_plan(instalments=[(date(2024, 7, 1), eur("1200.00"))], now=at(LATER), actor=ACTOR)

    assert [plan.number for plan in receivable.plans] == [1, 2]


def test_an_instalment_counts_only_payments_made_since_the_plan_was_agreed() -> None:
    receivable = issued_receivable()
    pay(receivable, "600.00", on=TODAY, reference="VIR-BEFORE")
    receivable.agree_payment_plan(instalments=_schedule("300.00", "300.00"), now=NOW, actor=ACTOR)
    receivable.collect_events()

    receivable.miss_instalment(instalment_number=1, noted_on=LATER, now=at(LATER), actor=ACTOR)

    assert receivable.plans[0].missed == [1]
