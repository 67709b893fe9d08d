"""Limitation periods (legal.md §5): each interruption, each act that does not interrupt, the suspension."""

from __future__ import annotations

from datetime import date, timedelta

from domain.limitation import limitation_of
from domain.receivable import Receivable
from domain.vocabulary import DebtorKind, EscalationRoute, ReminderChannel, ReminderStage
from tests.unit.builders import ACTOR, at, eur, issued_receivable, pay, with_formal_notice

DELIVERED = date(2024, 1, 10)  # invoice issued 15 January 2024, due 14 February 2024
FIVE_YEARS = date(2029, 1, 10)
TWO_YEARS = date(2026, 1, 10)
EARLY = date(2024, 6, 1)


def professional() -> Receivable:
    return issued_receivable(delivery_date=DELIVERED)


def consumer() -> Receivable:
    return issued_receivable(delivery_date=DELIVERED, debtor_kind=DebtorKind.CONSUMER)


def escalate(receivable: Receivable, route: EscalationRoute, on: date) -> None:
    receivable.escalate(route=route, escalated_on=on, now=at(on), actor=ACTOR)


def mediate(receivable: Receivable, started: date, ended: date | None = None) -> None:
    receivable.start_mediation(started_on=started, now=at(started), actor=ACTOR)
    if ended is not None:
        receivable.end_mediation(ended_on=ended, now=at(ended), actor=ACTOR)


# -------------------------------------------------------------- the period


def test_between_professionals_the_period_is_5_years_from_delivery() -> None:
    limitation = limitation_of(professional(), on=EARLY)

    assert (limitation.years, limitation.starts_on, limitation.limitation_date) == (5, DELIVERED, FIVE_YEARS)
    assert "L110-4" in limitation.reference
    assert limitation.last_interruption is None
    assert not (limitation.alert or limitation.time_barred)


def test_against_a_consumer_the_period_is_2_years_from_delivery() -> None:
    limitation = limitation_of(consumer(), on=EARLY)

    assert (limitation.years, limitation.limitation_date) == (2, TWO_YEARS)
    assert "L218-2" in limitation.reference


def test_without_a_delivery_date_the_period_runs_from_the_issue_date() -> None:
    limitation = limitation_of(issued_receivable(), on=EARLY)

    assert limitation.limitation_date == date(2029, 1, 15)


def test_a_period_starting_on_29_february_ends_on_28_february() -> None:
    receivable = issued_receivable(issue_date=date(2024, 2, 29), due_date=date(2024, 3, 30), now=at(date(2024, 2, 29)))

    assert limitation_of(receivable, on=EARLY).limitation_date == date(2029, 2, 28)


# ---------------------------------------------------------- interruptions


def test_a_partial_payment_starts_a_new_full_period() -> None:
    receivable = professional()
    pay(receivable, "300.00", on=date(2024, 3, 1), now=at(date(2024, 3, 1)))

    limitation = limitation_of(receivable, on=EARLY)

    assert limitation.limitation_date == date(2029, 3, 1)
    assert limitation.last_interruption is not None
    assert (limitation.last_interruption.kind, limitation.last_interruption.on) == ("partial_payment", date(2024, 3, 1))
    assert "2240" in limitation.last_interruption.reference


def test_a_signed_payment_plan_starts_a_new_full_period() -> None:
    receivable = professional()
    receivable.agree_payment_plan(
        instalments=[(date(2024, 5, 1), eur("600.00")), (date(2024, 6, 1), eur("600.00"))],
        now=at(date(2024, 4, 2)),
        actor=ACTOR,
    )

    limitation = limitation_of(receivable, on=EARLY)

    assert limitation.limitation_date == date(2029, 4, 2)
    assert limitation.last_interruption is not None and limitation.last_interruption.kind == "payment_plan"


def test_a_payment_order_is_a_court_action_that_starts_a_new_period() -> None:
    receivable = consumer()
    escalate(receivable, EscalationRoute.PAYMENT_ORDER, date(2024, 5, 10))

    limitation = limitation_of(receivable, on=EARLY)

    assert limitation.limitation_date == date(2026, 5, 10)
    assert limitation.last_interruption is not None
    assert (limitation.last_interruption.kind, limitation.last_interruption.reference) == (
        "court_action",
        "Code civil 2241, 2231",
    )


def test_summary_proceedings_are_a_court_action_too() -> None:
    receivable = professional()
    escalate(receivable, EscalationRoute.SUMMARY_PROCEEDINGS, date(2024, 5, 10))

    assert limitation_of(receivable, on=EARLY).limitation_date == date(2029, 5, 10)


def test_the_latest_act_by_its_own_date_counts_whatever_the_order_of_recording() -> None:
    receivable = professional()
    escalate(receivable, EscalationRoute.PAYMENT_ORDER, date(2024, 5, 10))
    pay(receivable, "100.00", on=date(2024, 4, 1), now=at(date(2024, 5, 20)))  # recorded later, earlier value date

    limitation = limitation_of(receivable, on=EARLY)

    assert limitation.limitation_date == date(2029, 5, 10)
    assert limitation.last_interruption is not None and limitation.last_interruption.kind == "court_action"


def test_an_act_dated_after_the_day_asked_about_does_not_count_yet() -> None:
    receivable = professional()
    pay(receivable, "300.00", on=date(2024, 3, 1), now=at(date(2024, 3, 1)))

    assert limitation_of(receivable, on=date(2024, 2, 28)).limitation_date == FIVE_YEARS


# ------------------------------------------------------- what does not interrupt


def test_small_claims_agency_and_credit_insurer_do_not_interrupt_and_say_why() -> None:
    receivable = professional()
    escalate(receivable, EscalationRoute.SMALL_CLAIMS, date(2024, 3, 1))
    escalate(receivable, EscalationRoute.COLLECTION_AGENCY, date(2024, 3, 2))
    escalate(receivable, EscalationRoute.CREDIT_INSURER, date(2024, 3, 3))

    limitation = limitation_of(receivable, on=EARLY)

    assert (limitation.limitation_date, limitation.last_interruption) == (FIVE_YEARS, None)
    assert len(limitation.notes) == 3
    assert "L125-1" in limitation.notes[0] and "2238" in limitation.notes[0]


def test_reminders_and_a_formal_notice_do_not_interrupt() -> None:
    receivable = with_formal_notice(professional())
    receivable.send_reminder(
        stage=ReminderStage.FIRST,
        channel=ReminderChannel.LETTER,
        sent_on=date(2024, 2, 20),
        now=at(date(2024, 2, 20)),
        actor=ACTOR,
    )

    limitation = limitation_of(receivable, on=EARLY)

    assert (limitation.limitation_date, limitation.last_interruption) == (FIVE_YEARS, None)
    assert any("18 May 2022" in note for note in limitation.notes)


# ------------------------------------------------------------ suspension


def test_a_mediation_under_way_suspends_the_period() -> None:
    receivable = professional()
    mediate(receivable, date(2024, 3, 1))

    limitation = limitation_of(receivable, on=EARLY)

    assert (limitation.limitation_date, limitation.suspended_since) == (None, date(2024, 3, 1))
    assert not limitation.alert


def test_after_a_mediation_the_period_resumes_with_the_time_that_was_left() -> None:
    receivable = professional()
    mediate(receivable, date(2024, 3, 1), date(2024, 4, 1))

    # 31 days of mediation: 10 January 2029 + 31 days = 10 February 2029
    assert limitation_of(receivable, on=EARLY).limitation_date == date(2029, 2, 10)


def test_after_a_mediation_at_least_6_months_remain() -> None:
    receivable = consumer()  # limitation 10 January 2026
    mediate(receivable, date(2025, 12, 20), date(2026, 1, 5))

    # 21 days were left on 20 December: 5 January + 21 days = 26 January < 5 January + 6 months = 5 July
    limitation = limitation_of(receivable, on=date(2026, 1, 6))

    assert limitation.limitation_date == date(2026, 7, 5)
    assert limitation.suspended_since is None


def test_an_acknowledgement_during_a_mediation_gives_a_full_period_once_it_ends() -> None:
    receivable = consumer()
    receivable.start_mediation(started_on=date(2025, 6, 1), now=at(date(2025, 6, 1)), actor=ACTOR)
    pay(receivable, "100.00", on=date(2025, 6, 15), now=at(date(2025, 6, 15)))
    receivable.end_mediation(ended_on=date(2025, 9, 1), now=at(date(2025, 9, 1)), actor=ACTOR)

    limitation = limitation_of(receivable, on=date(2025, 9, 2))

    assert limitation.limitation_date == date(2027, 9, 1)
    assert limitation.last_interruption is not None and limitation.last_interruption.on == date(2025, 6, 15)


# ----------------------------------------------------------------- alerts


def test_the_alert_starts_90_days_before_the_limitation_date() -> None:
    receivable = consumer()  # 10 January 2026; 90 days before: 12 October 2025

    before = limitation_of(receivable, on=date(2025, 10, 11))
    within = limitation_of(receivable, on=date(2025, 10, 12))

    assert within.alert_from == date(2025, 10, 12)
    assert (before.alert, within.alert) == (False, True)


def test_the_alert_window_is_a_setting() -> None:
    limitation = limitation_of(consumer(), on=date(2025, 11, 1), alert_days=30)

    assert (limitation.alert_from, limitation.alert) == (TWO_YEARS - timedelta(days=30), False)


def test_after_the_limitation_date_the_claim_is_time_barred() -> None:
    limitation = limitation_of(consumer(), on=TWO_YEARS + timedelta(days=1))

    assert (limitation.time_barred, limitation.alert) == (True, False)
    assert not limitation_of(consumer(), on=TWO_YEARS).time_barred  # the last day still counts


def test_a_payment_after_the_limitation_date_does_not_revive_the_claim() -> None:
    receivable = consumer()
    pay(receivable, "100.00", on=date(2026, 2, 1), now=at(date(2026, 2, 1)))

    limitation = limitation_of(receivable, on=date(2026, 2, 2))

    assert (limitation.limitation_date, limitation.time_barred) == (TWO_YEARS, True)
    assert any("no effect" in note for note in limitation.notes)


def test_a_settled_receivable_raises_no_alert() -> None:
    receivable = consumer()
    pay(receivable, "1200.00", on=date(2024, 3, 1), now=at(date(2024, 3, 1)))

    limitation = limitation_of(receivable, on=date(2026, 2, 20))

    assert not limitation.alert
