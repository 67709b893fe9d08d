"""Limitation periods at their boundaries (legal.md §5): the last day, the day asked about, the notes."""

from __future__ import annotations

import dataclasses
from datetime import date, timedelta

import pytest

from domain.limitation import limitation_of
from domain.receivable import Receivable
from domain.vocabulary import DebtorKind, EscalationRoute, ReminderChannel, ReminderStage
from tests.unit.builders import ACTOR, at, eur, issued_receivable, pay, with_formal_notice

DELIVERED = date(2024, 1, 10)
TWO_YEARS = date(2026, 1, 10)
FIVE_YEARS = date(2029, 1, 10)
NOT_INTERRUPTING_NOTE = "reminders and formal notices, even by registered letter, do not interrupt"


def consumer() -> Receivable:
    return issued_receivable(delivery_date=DELIVERED, debtor_kind=DebtorKind.CONSUMER)


def professional() -> Receivable:
    return issued_receivable(delivery_date=DELIVERED)


def test_a_payment_on_the_last_day_of_the_period_still_interrupts_it() -> None:
    receivable = consumer()
    pay(receivable, "100.00", on=TWO_YEARS, now=at(TWO_YEARS))

    limitation = limitation_of(receivable, on=TWO_YEARS + timedelta(days=1))

    assert limitation.limitation_date == date(2028, 1, 10)
    assert not limitation.time_barred
    assert limitation.last_interruption is not None and limitation.last_interruption.on == TWO_YEARS


def test_an_act_dated_on_the_day_asked_about_counts() -> None:
    receivable = professional()
    pay(receivable, "300.00", on=date(2024, 3, 1), now=at(date(2024, 3, 1)))

    limitation = limitation_of(receivable, on=date(2024, 3, 1))

    assert limitation.limitation_date == date(2029, 3, 1)
    assert limitation.last_interruption is not None and limitation.last_interruption.kind == "partial_payment"


def test_the_alert_starts_exactly_on_the_first_day_of_its_window() -> None:
    first = TWO_YEARS - timedelta(days=90)

    assert limitation_of(consumer(), on=first).alert
    assert not limitation_of(consumer(), on=first - timedelta(days=1)).alert


def test_a_reminder_alone_is_noted_as_not_interrupting() -> None:
    receivable = professional()
    receivable.send_reminder(
        stage=ReminderStage.FIRST,
        channel=ReminderChannel.LETTER,
        sent_on=date(2024, 2, 20),
        now=at(date(2024, 2, 20)),
        actor=ACTOR,
    )

    limitation = limitation_of(receivable, on=date(2024, 6, 1))

    assert limitation.limitation_date == FIVE_YEARS
    assert limitation.notes == (f"{NOT_INTERRUPTING_NOTE} (Cass. com. 18 May 2022)",)


def test_a_formal_notice_alone_is_noted_from_the_day_it_was_sent() -> None:
    receivable = with_formal_notice(professional(), sent_on=date(2024, 3, 20))

    assert limitation_of(receivable, on=date(2024, 3, 19)).notes == ()
    [note] = limitation_of(receivable, on=date(2024, 3, 20)).notes
    assert note.startswith(NOT_INTERRUPTING_NOTE)


def test_a_route_that_does_not_interrupt_is_noted_from_the_day_it_was_taken() -> None:
    receivable = professional()
    receivable.escalate(
        route=EscalationRoute.COLLECTION_AGENCY, escalated_on=date(2024, 4, 1), now=at(date(2024, 4, 1)), actor=ACTOR
    )

    assert limitation_of(receivable, on=date(2024, 3, 31)).notes == ()
    assert limitation_of(receivable, on=date(2024, 4, 1)).notes == (
        "2024-04-01: transfer to a collection agency: not a court action, does not interrupt",
    )


def test_nothing_is_noted_without_reminder_notice_or_route() -> None:
    assert limitation_of(professional(), on=date(2024, 6, 1)).notes == ()


# ------------------------------------------------------------ acts on the same day


def mediated_with_acknowledgement(acknowledge: str) -> Receivable:
    """A consumer file (limitation 10 January 2026): a mediation from 1 December 2025 to 1 March 2026,
    and an acknowledgement dated the day the mediation started."""
    receivable = consumer()
    start = date(2025, 12, 1)
    receivable.start_mediation(started_on=start, now=at(start), actor=ACTOR)
    if acknowledge == "partial_payment":
        pay(receivable, "100.00", on=start, now=at(start))
    else:
        receivable.agree_payment_plan(instalments=[(date(2026, 4, 1), eur("1200.00"))], now=at(start), actor=ACTOR)
    receivable.end_mediation(ended_on=date(2026, 3, 1), now=at(date(2026, 3, 1)), actor=ACTOR)
    return receivable


@pytest.mark.parametrize("acknowledge", ["partial_payment", "payment_plan"])
def test_an_acknowledgement_on_the_day_a_mediation_starts_counts_as_made_during_it(acknowledge: str) -> None:
    # During the mediation: a new full period once it ends, 1 March 2026 + 2 years (not 730 days from the
    # acknowledgement carried over the suspension, which would give 29 February 2028).
    limitation = limitation_of(mediated_with_acknowledgement(acknowledge), on=date(2026, 3, 2))

    assert limitation.limitation_date == date(2028, 3, 1)
    assert limitation.last_interruption is not None
    assert (limitation.last_interruption.kind, limitation.last_interruption.on) == (acknowledge, date(2025, 12, 1))


def test_a_court_action_is_an_interruption_of_its_own_kind() -> None:
    receivable = professional()
    receivable.escalate(
        route=EscalationRoute.PAYMENT_ORDER, escalated_on=date(2024, 4, 1), now=at(date(2024, 4, 1)), actor=ACTOR
    )

    last = limitation_of(receivable, on=date(2024, 4, 1)).last_interruption

    assert last is not None and (last.kind, last.on) == ("court_action", date(2024, 4, 1))
    assert last.reference == "Code civil 2241, 2231"
    assert "payment order (injonction de payer)" in last.description


def test_a_payment_dated_on_the_day_the_period_starts_interrupts_it() -> None:
    receivable = issued_receivable(delivery_date=date(2024, 1, 15))
    pay(receivable, "100.00", on=date(2024, 1, 15), now=at(date(2024, 1, 15)))

    limitation = limitation_of(receivable, on=date(2024, 6, 1))

    assert limitation.last_interruption is not None and limitation.last_interruption.on == date(2024, 1, 15)


def test_a_limitation_and_its_interruption_cannot_be_altered() -> None:
    receivable = professional()
    pay(receivable, "100.00", on=date(2024, 3, 1), now=at(date(2024, 3, 1)))
    limitation = limitation_of(receivable, on=date(2024, 6, 1))

    with pytest.raises(dataclasses.FrozenInstanceError):
        limitation.time_barred = True  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        limitation.last_interruption.on = date(2024, 1, 1)  # type: ignore[misc,union-attr]


def test_a_payment_dated_before_the_delivery_date_does_not_interrupt() -> None:
    # Invoiced on 15 January 2024 (recorded on the 25th) for a delivery on 20 January; a deposit on the 16th.
    receivable = issued_receivable(delivery_date=date(2024, 1, 20), now=at(date(2024, 1, 25)))
    pay(receivable, "100.00", on=date(2024, 1, 16), now=at(date(2024, 1, 25)))

    limitation = limitation_of(receivable, on=date(2024, 6, 1))

    assert (limitation.starts_on, limitation.limitation_date) == (date(2024, 1, 20), date(2029, 1, 20))
    assert limitation.last_interruption is None


def test_a_court_action_on_the_day_a_mediation_starts_counts_as_made_during_it() -> None:
    receivable = consumer()
    start = date(2025, 12, 1)
    receivable.start_mediation(started_on=start, now=at(start), actor=ACTOR)
    receivable.escalate(route=EscalationRoute.PAYMENT_ORDER, escalated_on=start, now=at(start), actor=ACTOR)
    receivable.end_mediation(ended_on=date(2026, 3, 1), now=at(date(2026, 3, 1)), actor=ACTOR)

    assert limitation_of(receivable, on=date(2026, 3, 2)).limitation_date == date(2028, 3, 1)


@pytest.mark.parametrize(
    ("act", "named"), [("payment", "partial payment"), ("plan", "payment plan"), ("court", "court action")]
)
def test_an_act_after_the_limitation_date_is_noted_by_its_kind_as_having_no_effect(act: str, named: str) -> None:
    receivable = consumer()  # limitation 10 January 2026
    late = date(2026, 2, 1)
    if act == "payment":
        pay(receivable, "100.00", on=late, now=at(late))
    elif act == "plan":
        receivable.agree_payment_plan(instalments=[(date(2026, 4, 1), eur("1200.00"))], now=at(late), actor=ACTOR)
    else:
        receivable.escalate(route=EscalationRoute.PAYMENT_ORDER, escalated_on=late, now=at(late), actor=ACTOR)

    limitation = limitation_of(receivable, on=date(2026, 2, 2))

    assert limitation.notes[-1] == f"2026-02-01: {named} after the limitation date 2026-01-10: no effect"
    assert limitation.time_barred
