"""The dunning decision at its boundaries: the exact day a hold lifts or a window closes, the order of
the steps, and what counts as a contact in the week (docs/dunning.md, docs/policies.md)."""

from __future__ import annotations

import dataclasses
from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal
from uuid import UUID

import pytest

from domain.dunning import Decision, Upcoming, contacts_in_week, decide
from domain.dunning_policy import Anchor, Audience, Policy, Stage
from domain.receivable import Receivable
from domain.vocabulary import CallOutcome, CallPurpose, EscalationRoute, NoticeChannel, Priority, ReminderStage
from tests.unit.builders import ACTOR, DOCUMENT, ISSUE_DAY, at, claim, issued_receivable
from tests.unit.test_dunning_decisions import DEFAULT, File, due, issued, on_time, with_plan

CONTACT = UUID("00000000-0000-4000-8000-0000000000c1")


def sending(file: File, on: date, policy: object = DEFAULT) -> str | None:
    action = decide(file.receivable, file.debtor, policy, on).sending  # type: ignore[arg-type]
    return action.rule if action else None


def call(file: File, on: date) -> str | None:
    action = decide(file.receivable, file.debtor, DEFAULT, on).call
    return action.rule if action else None


def noticed_with_deadline(file: File, sent_on: date, deadline: date) -> File:
    file.receivable.send_formal_notice(
        channel=NoticeChannel.REGISTERED_LETTER,
        sent_on=sent_on,
        deadline=deadline,
        claimed=claim(principal=str(file.receivable.outstanding)),
        document_sha256=DOCUMENT,
        now=at(sent_on),
        actor=ACTOR,
    )
    return file


def test_a_step_held_by_the_spacing_is_due_on_the_day_the_spacing_ends() -> None:
    file = File().reminded(ReminderStage.COURTESY, due(-1), rule="courtesy")

    decision = decide(file.receivable, file.debtor, DEFAULT, due(-1 + DEFAULT.min_spacing_days))

    assert decision.sending is not None and decision.sending.rule == "first_reminder"
    assert decision.holds == ()


def test_escalation_waits_for_the_day_after_the_notices_own_deadline() -> None:
    file = noticed_with_deadline(on_time(), due(35), due(50))

    assert sending(file, due(50)) is None
    assert sending(file, due(51)) == "escalate"
    upcoming = decide(file.receivable, file.debtor, DEFAULT, due(50)).upcoming
    assert upcoming is not None and (upcoming.rule, upcoming.on) == ("escalate", due(51))


def test_in_a_sequential_policy_no_later_step_overtakes_a_pending_one() -> None:
    # The first reminder went late (due + 30): the second is pending until due + 45, while the formal
    # notice's own day (due + 35) has come. Nothing goes before the second reminder.
    file = File().invoice_attached().reminded(ReminderStage.FIRST, due(30), rule="first_reminder")

    decision = decide(file.receivable, file.debtor, DEFAULT, due(40))

    assert decision.sending is None
    assert decision.upcoming is not None and (decision.upcoming.rule, decision.upcoming.on) == (
        "second_reminder",
        due(45),
    )
    assert sending(file, due(40), replace(DEFAULT, id="jumping", sequential=False)) == "formal_notice"


def test_a_call_stage_is_due_on_the_last_day_of_its_window_and_not_the_day_after() -> None:
    large = File("6000.00")

    assert call(large, issued(14)) == "reception_call_large"
    assert call(large, issued(15)) is None


def test_a_stage_not_yet_open_is_the_upcoming_step_with_its_day() -> None:
    decision = decide(File().receivable, File().debtor, DEFAULT, due(-8))

    assert decision.actions == ()
    assert decision.upcoming is not None and (decision.upcoming.rule, decision.upcoming.on) == ("courtesy", due(-7))


# ------------------------------------------------------------------ contacts in the week


def noted_call(receivable: Receivable, on: date, contact: UUID | None = None) -> None:
    receivable.note_call(
        called_on=on,
        purpose=CallPurpose.FOLLOW_UP,
        outcome=CallOutcome.REACHED,
        now=at(on),
        actor=ACTOR,
        contact_id=contact,
    )


def test_a_formal_notice_counts_as_a_contact_for_seven_days() -> None:
    file = noticed_with_deadline(on_time(), due(35), due(43))
    receivable = file.receivable

    assert contacts_in_week([receivable], due(35)) == 1  # sent that day
    assert contacts_in_week([receivable], due(41)) == 1  # the notice of due + 35, six days before
    assert contacts_in_week([receivable], due(42)) == 0
    assert contacts_in_week([receivable], due(34)) == 0  # a notice not yet sent


def test_each_call_counts_as_a_contact_but_two_calls_to_one_contact_on_one_day_count_once() -> None:
    receivable = issued_receivable()
    noted_call(receivable, due(1), CONTACT)
    noted_call(receivable, due(1), CONTACT)
    noted_call(receivable, due(2))
    noted_call(receivable, due(2))

    assert contacts_in_week([receivable], due(2)) == 3
    assert contacts_in_week([receivable], due(7)) == 3
    assert contacts_in_week([receivable], due(8)) == 2  # the calls of due + 1 are a week old
    assert contacts_in_week([receivable], due(0)) == 0


def test_reminders_without_a_document_count_one_contact_each() -> None:
    file = File().reminded(ReminderStage.COURTESY, due(-3)).reminded(ReminderStage.FIRST, due(1))

    assert contacts_in_week([file.receivable], due(1)) == 2
    assert contacts_in_week([file.receivable], due(3)) == 2  # the courtesy e-mail is six days old
    assert contacts_in_week([file.receivable], due(4)) == 1


# ------------------------------------------------------------------ windows of custom stages


def with_stages(*stages: Stage) -> Policy:
    return replace(DEFAULT, id="custom", stages=stages)


def test_a_courtesy_e_mail_is_never_offered_on_or_after_the_due_date_whatever_its_own_window() -> None:
    # Counted from the issue date (30 days before the due date), the stage's own window would run past it.
    for until in (None, 40):
        stage = replace(DEFAULT.stage("courtesy"), anchor=Anchor.ISSUE, offset_days=25, until_days=until)
        policy = with_stages(stage)

        assert sending(File(), due(-1), policy) == "courtesy"
        assert sending(File(), due(0), policy) is None


def test_an_invoice_due_the_day_after_its_issue_gets_its_courtesy_e_mail_on_its_issue_day() -> None:
    file = File()
    file.receivable = issued_receivable(issue_date=ISSUE_DAY, due_date=ISSUE_DAY + timedelta(days=1))

    assert sending(file, ISSUE_DAY) == "courtesy"
    assert decide(file.receivable, file.debtor, DEFAULT, ISSUE_DAY - timedelta(days=1)) == Decision()


def test_a_reminder_stage_set_before_the_due_date_waits_for_the_day_after_it() -> None:
    # 20 days after the issue date is 10 days before the due date.
    policy = with_stages(replace(DEFAULT.stage("first_reminder"), anchor=Anchor.ISSUE, offset_days=20))

    assert sending(File(), due(0), policy) is None
    assert sending(File(), due(1), policy) == "first_reminder"


def test_a_non_sequential_policy_does_not_send_a_step_whose_day_has_not_come() -> None:
    policy = replace(DEFAULT, id="jumping", sequential=False)

    assert sending(File().invoice_attached(), due(6), policy) == "first_reminder"


def test_escalation_waits_for_the_deadline_of_the_latest_formal_notice() -> None:
    file = on_time()
    noticed_with_deadline(file, due(35), due(43))
    noticed_with_deadline(file, due(45), due(60))

    assert sending(file, due(50)) is None
    assert sending(file, due(61)) == "escalate"


def test_escalation_is_no_contact_and_may_follow_a_letter_sent_the_day_before() -> None:
    file = on_time()
    noticed_with_deadline(file, due(35), due(43))
    file.reminded(ReminderStage.SECOND, due(44))

    assert sending(file, due(44)) is None
    assert sending(file, due(45)) == "escalate"


def test_a_call_noted_on_the_day_its_stage_opens_takes_it_off_the_worklist() -> None:
    assert call(File().called(due(1)), due(2)) is None


# ------------------------------------------------------------------ holds and what they say


def test_a_step_held_by_the_spacing_is_the_upcoming_one_on_the_day_the_hold_lifts() -> None:
    file = File().reminded(ReminderStage.COURTESY, due(-1), rule="courtesy")

    decision = decide(file.receivable, file.debtor, DEFAULT, due(5))

    assert decision.upcoming == Upcoming("first_reminder", due(6))


def test_a_step_held_by_a_guardrail_has_no_upcoming_day() -> None:
    file = (
        File()
        .reminded(ReminderStage.FIRST, due(5), rule="first_reminder")
        .reminded(ReminderStage.SECOND, due(20), rule="second_reminder")
    )

    decision = decide(file.receivable, file.debtor, DEFAULT, due(35))

    assert [h.reason for h in decision.holds] == ["guardrail_invoice_document"]
    assert decision.upcoming is None


def test_a_stage_skipped_below_its_minimum_is_named_even_when_a_later_one_is_for_other_debtors() -> None:
    policy = with_stages(
        replace(DEFAULT.stage("first_reminder"), audience=Audience(min_amount=Decimal("5000.00"))),
        replace(
            DEFAULT.stage("formal_notice"),
            audience=Audience(min_amount=Decimal("1200.00"), priorities=frozenset({Priority.HIGH})),
        ),
    )

    [hold] = decide(File().receivable, File().debtor, policy, due(40)).holds

    assert (hold.reason, hold.detail) == (
        "below_minimum",
        "Premier rappel: from 5000.00 outstanding only, 1200.00 is outstanding",
    )


def test_a_stage_below_its_minimum_holds_nothing_while_a_later_step_is_upcoming() -> None:
    policy = with_stages(
        replace(DEFAULT.stage("first_reminder"), audience=Audience(min_amount=Decimal("5000.00"))),
        DEFAULT.stage("formal_notice"),
    )

    decision = decide(File().receivable, File().debtor, policy, due(10))

    assert decision.holds == ()
    assert decision.upcoming == Upcoming("formal_notice", due(35))


def test_an_escalated_file_names_its_latest_route() -> None:
    file = on_time().noticed(due(35))
    for route in (EscalationRoute.COLLECTION_AGENCY, EscalationRoute.PAYMENT_ORDER):
        file.receivable.escalate(route=route, escalated_on=due(44), now=at(due(44)), actor=ACTOR)

    [hold] = decide(file.receivable, file.debtor, DEFAULT, due(50)).holds

    assert hold.detail == "escalated (payment_order): out of the amicable process"


def test_an_instalment_short_by_a_few_cents_is_missed() -> None:
    file = with_plan().paid("599.50", due(20))

    [detection] = decide(file.receivable, file.debtor, DEFAULT, due(24)).detections

    assert (detection.kind, detection.instalment_number) == ("instalment_missed", 1)


def test_a_receivable_not_yet_issued_needs_nothing() -> None:
    assert decide(Receivable(), File().debtor, DEFAULT, due(0)) == Decision()


def test_one_formal_notice_about_two_invoices_is_one_contact() -> None:
    first, second = File(), File()
    second.receivable = issued_receivable(invoice_number="F-2024-0043")
    for file in (first, second):
        noticed_with_deadline(file, due(35), due(43))

    assert contacts_in_week([first.receivable, second.receivable], due(35)) == 1


def test_what_a_decision_says_cannot_be_altered() -> None:
    file = File().promised("1200.00", due(10), on=due(3))
    decision = decide(file.receivable, file.debtor, DEFAULT, due(14))
    action = decision.sending
    [detection] = decision.detections
    held = decide(file.receivable, file.debtor, DEFAULT, due(12))
    assert action is not None and held.holds
    for value in (decision, action, detection, held.holds[0], Upcoming("x", due(1))):
        field = dataclasses.fields(value)[0].name
        with pytest.raises(dataclasses.FrozenInstanceError):
            setattr(value, field, None)
