"""The dunning decision at its boundaries: the exact day a hold lifts or a window closes, the order of
the steps, and what counts as a contact in the week (docs/dunning.md, docs/policies.md)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from uuid import UUID

from domain.dunning import contacts_in_week, decide
from domain.receivable import Receivable
from domain.vocabulary import CallOutcome, CallPurpose, NoticeChannel, ReminderStage
from tests.unit.builders import ACTOR, DOCUMENT, at, claim, issued_receivable
from tests.unit.test_dunning_decisions import DEFAULT, File, due, issued, on_time

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
