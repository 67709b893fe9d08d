"""Reminders, calls and formal notices at their limits: the field each error names, text lengths, boundary days,
policy versions and numbering."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest

from domain.errors import DomainError, InvalidInput, RuleViolation
from domain.receivable import Receivable
from domain.receivable_events import ClaimBreakdown
from domain.vocabulary import (
    AcknowledgementOutcome,
    CallOutcome,
    CallPurpose,
    DeliveryStatus,
    NoticeChannel,
    ReminderChannel,
    ReminderStage,
)
from tests.unit.builders import (
    ACTOR,
    DOCUMENT,
    DUE_DAY,
    TODAY,
    at,
    claim,
    issued_receivable,
    pay,
    refused,
    with_formal_notice,
)

NOW = at(TODAY)
TOMORROW = TODAY + timedelta(days=1)
AFTER_DUE = DUE_DAY + timedelta(days=1)
NOTICE_DAY = date(2024, 3, 20)


def _remind(receivable: Receivable, **overrides: Any) -> object:
    fields: dict[str, Any] = {
        "stage": ReminderStage.FIRST,
        "channel": ReminderChannel.EMAIL,
        "sent_on": AFTER_DUE,
        "now": NOW,
        "actor": ACTOR,
    }
    fields.update(overrides)
    return receivable.send_reminder(**fields)


def _call(receivable: Receivable, **overrides: Any) -> object:
    fields: dict[str, Any] = {
        "called_on": AFTER_DUE,
        "purpose": CallPurpose.FOLLOW_UP,
        "outcome": CallOutcome.REACHED,
        "now": NOW,
        "actor": ACTOR,
    }
    fields.update(overrides)
    return receivable.note_call(**fields)


def _notice(receivable: Receivable, **overrides: Any) -> object:
    fields: dict[str, Any] = {
        "channel": NoticeChannel.REGISTERED_LETTER,
        "sent_on": NOTICE_DAY,
        "deadline": NOTICE_DAY + timedelta(days=8),
        "claimed": claim(),
        "document_sha256": DOCUMENT,
        "now": NOW,
        "actor": ACTOR,
    }
    fields.update(overrides)
    return receivable.send_formal_notice(**fields)


def _acknowledge(receivable: Receivable, **overrides: Any) -> object:
    fields: dict[str, Any] = {
        "notice_number": 1,
        "outcome": AcknowledgementOutcome.DELIVERED,
        "acknowledged_on": TODAY,
        "now": NOW,
        "actor": ACTOR,
    }
    fields.update(overrides)
    return receivable.acknowledge_formal_notice(**fields)


def _claimed(**overrides: str) -> ClaimBreakdown:
    fields = {"principal": "1200.00", "interest": "25.10", "indemnity": "40.00"} | overrides
    return ClaimBreakdown(**{k: Decimal(v) for k, v in fields.items()})


FIELD_ERRORS: list[tuple[str, Callable[[], object]]] = [
    ("sent_on", lambda: _remind(issued_receivable(), sent_on=TOMORROW)),
    ("document_sha256", lambda: _remind(issued_receivable(), document_sha256="not a digest")),
    ("called_on", lambda: _call(issued_receivable(), called_on=TOMORROW)),
    ("sent_on", lambda: _notice(issued_receivable(), sent_on=TOMORROW, deadline=TOMORROW + timedelta(days=8))),
    ("claimed.principal", lambda: _notice(issued_receivable(), claimed=_claimed(principal="0"))),
    ("claimed.interest", lambda: _notice(issued_receivable(), claimed=_claimed(interest="-1"))),
    ("claimed.indemnity", lambda: _notice(issued_receivable(), claimed=_claimed(indemnity="-1"))),
    ("document_sha256", lambda: _notice(issued_receivable(), document_sha256="not a digest")),
    ("acknowledged_on", lambda: _acknowledge(with_formal_notice(issued_receivable()), acknowledged_on=TOMORROW)),
    ("proof_sha256", lambda: _acknowledge(with_formal_notice(issued_receivable()), proof_sha256="not a digest")),
]


@pytest.mark.parametrize(
    ("field", "command"),
    FIELD_ERRORS,
    ids=[
        "reminder sent_on",
        "reminder document",
        "called_on",
        "notice sent_on",
        "principal",
        "interest",
        "indemnity",
        "notice document",
        "acknowledged_on",
        "proof_sha256",
    ],
)
def test_a_refused_reminder_call_or_notice_names_the_field_at_fault(field: str, command: Callable[[], object]) -> None:
    with pytest.raises(DomainError) as caught:
        command()

    assert caught.value.message.startswith(f"{field}: ")


TEXT_FIELDS: list[tuple[str, int, Callable[[str], object]]] = [
    ("template_id", 100, lambda value: _remind(issued_receivable(), template_id=value)),
    ("policy_id", 100, lambda value: _remind(issued_receivable(), policy_id=value)),
    ("rule", 200, lambda value: _remind(issued_receivable(), rule=value)),
    ("notes", 4000, lambda value: _call(issued_receivable(), notes=value)),
    ("tracking_number", 100, lambda value: _notice(issued_receivable(), tracking_number=value)),
    ("policy_id", 100, lambda value: _notice(issued_receivable(), policy_id=value)),
    ("rule", 200, lambda value: _notice(issued_receivable(), rule=value)),
]


@pytest.mark.parametrize(
    ("field", "longest", "command"),
    TEXT_FIELDS,
    ids=[
        "template_id",
        "reminder policy_id",
        "reminder rule",
        "notes",
        "tracking_number",
        "notice policy_id",
        "notice rule",
    ],
)
def test_a_reminder_call_or_notice_text_is_accepted_at_its_longest_and_refused_one_character_longer(
    field: str, longest: int, command: Callable[[str], object]
) -> None:
    command("x" * longest)

    with pytest.raises(InvalidInput) as caught:
        command("x" * (longest + 1))

    assert caught.value.rule == "text_length"
    assert caught.value.message == f"{field}: at most {longest} characters"


@pytest.mark.parametrize("send", [_remind, _notice], ids=["reminder", "formal notice"])
def test_policy_version_one_is_the_first_accepted_and_zero_is_refused(send: Callable[..., object]) -> None:
    send(issued_receivable(), policy_id="default", policy_version=1)

    receivable = issued_receivable()
    with refused(receivable, InvalidInput, "policy_version"):
        send(receivable, policy_id="default", policy_version=0)


def test_a_courtesy_reminder_may_be_sent_on_the_due_date_and_a_first_one_the_day_after() -> None:
    receivable = issued_receivable()

    _remind(receivable, stage=ReminderStage.COURTESY, sent_on=DUE_DAY)
    _remind(receivable, stage=ReminderStage.FIRST, sent_on=AFTER_DUE)

    assert [(r.stage, r.sent_on) for r in receivable.reminders] == [
        (ReminderStage.COURTESY, DUE_DAY),
        (ReminderStage.FIRST, AFTER_DUE),
    ]


def test_a_second_reminder_does_not_follow_a_courtesy_reminder_alone() -> None:
    receivable = issued_receivable()
    _remind(receivable, stage=ReminderStage.COURTESY, sent_on=DUE_DAY)
    receivable.collect_events()

    with refused(receivable, RuleViolation, "second_after_first"):
        _remind(receivable, stage=ReminderStage.SECOND)


def test_a_formal_notice_may_be_sent_the_day_after_the_due_date_with_a_deadline_the_next_day() -> None:
    receivable = issued_receivable()

    _notice(receivable, sent_on=AFTER_DUE, deadline=AFTER_DUE + timedelta(days=1))

    assert [(n.sent_on, n.deadline) for n in receivable.notices] == [(AFTER_DUE, AFTER_DUE + timedelta(days=1))]


def test_a_formal_notice_may_claim_exactly_the_outstanding_principal() -> None:
    receivable = issued_receivable()

    _notice(receivable, claimed=_claimed(principal="1200.00"))

    assert receivable.notices[0].claimed.principal == Decimal("1200.00")


def test_a_second_formal_notice_is_numbered_two() -> None:
    receivable = with_formal_notice(issued_receivable())

    _notice(receivable, sent_on=TODAY, deadline=TODAY + timedelta(days=8))

    assert [n.number for n in receivable.notices] == [1, 2]


def test_a_formal_notice_may_be_acknowledged_on_the_day_it_was_sent() -> None:
    receivable = with_formal_notice(issued_receivable(), sent_on=NOTICE_DAY)

    _acknowledge(receivable, acknowledged_on=NOTICE_DAY)

    assert (receivable.notices[0].acknowledgement, receivable.notices[0].acknowledged_on) == (
        AcknowledgementOutcome.DELIVERED,
        NOTICE_DAY,
    )


def test_a_formal_notice_may_claim_the_principal_without_interest_or_indemnity() -> None:
    receivable = issued_receivable()

    _notice(receivable, claimed=_claimed(interest="0", indemnity="0"))

    assert receivable.notices[0].claimed == _claimed(interest="0", indemnity="0")


# ---------------------------------------------------- the deadline and returned letters (issue 17)


@pytest.mark.parametrize(
    ("outcome", "effective"),
    [
        (None, NOTICE_DAY + timedelta(days=8)),  # no acknowledgement yet: from the posting
        (AcknowledgementOutcome.DELIVERED, NOTICE_DAY + timedelta(days=11)),  # signed on day 3
        (AcknowledgementOutcome.UNCLAIMED, NOTICE_DAY + timedelta(days=11)),  # first presented on day 3
        (AcknowledgementOutcome.REFUSED, NOTICE_DAY + timedelta(days=11)),  # presented and refused on day 3
        (AcknowledgementOutcome.UNDELIVERABLE, None),  # it never reached the debtor
    ],
    ids=["not yet", "delivered", "unclaimed", "refused", "undeliverable"],
)
def test_a_notices_deadline_runs_eight_days_from_receipt_or_first_presentation(
    outcome: AcknowledgementOutcome | None, effective: date | None
) -> None:
    receivable = with_formal_notice(issued_receivable(), sent_on=NOTICE_DAY)
    if outcome is not None:
        presented = NOTICE_DAY + timedelta(days=3)
        receivable.acknowledge_formal_notice(
            notice_number=1, outcome=outcome, acknowledged_on=presented, now=NOW, actor=ACTOR
        )

    notice = receivable.notices[0]

    assert notice.effective_deadline == effective
    assert notice.failed is (outcome is AcknowledgementOutcome.UNDELIVERABLE)
    assert notice.deadline == NOTICE_DAY + timedelta(days=8)  # what the journal recorded at the posting stays


def letter_reminded() -> Receivable:
    receivable = issued_receivable()
    receivable.send_reminder(stage=ReminderStage.FIRST, channel=ReminderChannel.LETTER, sent_on=AFTER_DUE,
                             document_sha256=DOCUMENT, now=NOW, actor=ACTOR)  # fmt: skip
    receivable.collect_events()
    return receivable


def test_a_reminder_letter_returned_is_recorded_once_with_its_date() -> None:
    receivable = letter_reminded()

    receivable.return_letter(document_sha256=DOCUMENT, returned_on=AFTER_DUE + timedelta(days=4), now=NOW, actor=ACTOR)
    receivable.collect_events()

    assert receivable.returned_letters == {DOCUMENT: AFTER_DUE + timedelta(days=4)}
    with refused(receivable, RuleViolation, "returned_once"):
        receivable.return_letter(document_sha256=DOCUMENT, returned_on=AFTER_DUE + timedelta(days=5), now=NOW,
                                 actor=ACTOR)  # fmt: skip


@pytest.mark.parametrize(
    ("document", "returned_on", "rule"),
    [
        ("0" * 64, AFTER_DUE, "return_needs_letter"),
        (DOCUMENT, AFTER_DUE - timedelta(days=1), "date_order"),
        (DOCUMENT, TOMORROW, "date_not_in_future"),
    ],
    ids=["another document", "before the posting", "in the future"],
)
def test_a_letters_return_is_refused_for_an_unknown_letter_or_an_impossible_day(
    document: str, returned_on: date, rule: str
) -> None:
    receivable = letter_reminded()

    with refused(receivable, RuleViolation, rule):
        receivable.return_letter(document_sha256=document, returned_on=returned_on, now=NOW, actor=ACTOR)


def test_an_e_mail_reminder_cannot_come_back_by_post() -> None:
    receivable = issued_receivable()
    receivable.send_reminder(stage=ReminderStage.FIRST, channel=ReminderChannel.EMAIL, sent_on=AFTER_DUE,
                             document_sha256=DOCUMENT, now=NOW, actor=ACTOR)  # fmt: skip
    receivable.collect_events()

    with refused(receivable, RuleViolation, "return_needs_letter"):
        receivable.return_letter(document_sha256=DOCUMENT, returned_on=AFTER_DUE, now=NOW, actor=ACTOR)


# ------------------------------------------------ what became of an e-mail or an SMS (issue 17)


def emailed(channel: ReminderChannel = ReminderChannel.EMAIL) -> Receivable:
    receivable = issued_receivable()
    receivable.send_reminder(stage=ReminderStage.FIRST, channel=channel, sent_on=AFTER_DUE,
                             document_sha256=DOCUMENT, now=NOW, actor=ACTOR)  # fmt: skip
    receivable.collect_events()
    return receivable


def _report(receivable: Receivable, **overrides: Any) -> object:
    fields: dict[str, Any] = {
        "document_sha256": DOCUMENT,
        "status": DeliveryStatus.HARD_BOUNCE,
        "reported_on": AFTER_DUE,
        "source": "dsn",
        "detail": "550 5.1.1 user unknown",
        "now": NOW,
        "actor": ACTOR,
    }
    fields.update(overrides)
    return receivable.report_delivery(**fields)


@pytest.mark.parametrize("channel", [ReminderChannel.EMAIL, ReminderChannel.SMS])
def test_each_status_of_a_message_is_recorded_once_with_its_day(channel: ReminderChannel) -> None:
    receivable = emailed(channel)

    _report(receivable, status=DeliveryStatus.DELIVERED)
    _report(receivable, status=DeliveryStatus.OPENED, reported_on=AFTER_DUE + timedelta(days=1))
    receivable.collect_events()

    assert receivable.deliveries == {
        DOCUMENT: {DeliveryStatus.DELIVERED: AFTER_DUE, DeliveryStatus.OPENED: AFTER_DUE + timedelta(days=1)}
    }
    with refused(receivable, RuleViolation, "delivery_reported_once"):
        _report(receivable, status=DeliveryStatus.DELIVERED)


@pytest.mark.parametrize(
    ("receivable", "overrides", "rule"),
    [
        (emailed, {"document_sha256": "0" * 64}, "delivery_needs_message"),
        (letter_reminded, {}, "delivery_needs_message"),
        (emailed, {"reported_on": AFTER_DUE - timedelta(days=1)}, "date_order"),
        (emailed, {"reported_on": TOMORROW}, "date_not_in_future"),
    ],
    ids=["another document", "a letter", "before the sending", "in the future"],
)
def test_a_delivery_report_is_refused_for_an_unknown_message_a_letter_or_an_impossible_day(
    receivable: Callable[[], Receivable], overrides: dict[str, Any], rule: str
) -> None:
    file = receivable()

    with refused(file, RuleViolation, rule):
        _report(file, **overrides)


def test_a_delivery_report_is_still_recorded_once_the_invoice_is_paid() -> None:
    receivable = emailed()
    pay(receivable, str(receivable.outstanding), on=AFTER_DUE)

    _report(receivable)

    assert DeliveryStatus.HARD_BOUNCE in receivable.deliveries[DOCUMENT]
