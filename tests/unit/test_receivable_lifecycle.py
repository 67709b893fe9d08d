"""What each Receivable command records, and how status and stage follow from the events."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from uuid import UUID

import pytest

from domain.canonical import GENESIS_HASH
from domain.receivable import CreditNote, Receivable, receivable_id_for
from domain.receivable_events import (
    CallNoted,
    ClaimBreakdown,
    CreditNoteApplied,
    DisputeOpened,
    DisputeResolved,
    DocumentAttached,
    DunningPaused,
    DunningResumed,
    EscalatedToLitigation,
    FormalNoticeAcknowledged,
    FormalNoticeSent,
    Instalment,
    InstalmentMissed,
    InvoiceIssued,
    LateChargesInvoiced,
    LateChargesWaived,
    MediationEnded,
    MediationStarted,
    NoteAdded,
    PaymentPlanAgreed,
    PaymentReceived,
    PromiseBroken,
    PromiseToPayRecorded,
    ReminderSent,
    WrittenOff,
)
from domain.vocabulary import (
    AcknowledgementOutcome,
    CallOutcome,
    CallPurpose,
    DebtorKind,
    DisputeOutcome,
    DisputeReason,
    DocumentKind,
    DunningStage,
    EscalationRoute,
    NoticeChannel,
    PaymentMethod,
    ReceivableStatus,
    ReminderChannel,
    ReminderStage,
)
from tests.unit.builders import (
    ACTOR,
    DEBTOR_ID,
    DOCUMENT,
    DUE_DAY,
    ISSUE_DAY,
    PROOF,
    TODAY,
    at,
    claim,
    eur,
    issued_receivable,
    pay,
    settled_receivable,
    with_formal_notice,
    written_off_receivable,
)

CONTACT_ID = UUID("0b7e4c1a-2f3d-4e5a-9b6c-7d8e9f0a1b2c")


def only_event(receivable: Receivable) -> object:
    [event] = receivable.collect_events()
    return event


def promised(receivable: Receivable, value: str = "500.00", *, on: date = date(2024, 4, 15)) -> Receivable:
    receivable.record_promise(amount_promised=eur(value), promised_date=on, now=at(TODAY), actor=ACTOR)
    receivable.collect_events()
    return receivable


def disputed(receivable: Receivable) -> Receivable:
    receivable.open_dispute_for(reason=DisputeReason.PRICE, opened_on=TODAY, now=at(TODAY), actor=ACTOR)
    receivable.collect_events()
    return receivable


def with_plan(receivable: Receivable) -> Receivable:
    receivable.agree_payment_plan(
        instalments=[(date(2024, 4, 30), eur("600.00")), (date(2024, 5, 31), eur("600.00"))],
        now=at(TODAY),
        actor=ACTOR,
    )
    receivable.collect_events()
    return receivable


def reminded(receivable: Receivable, stage: ReminderStage, on: date) -> Receivable:
    receivable.send_reminder(stage=stage, channel=ReminderChannel.EMAIL, sent_on=on, now=at(TODAY), actor=ACTOR)
    receivable.collect_events()
    return receivable


def escalated(receivable: Receivable, route: EscalationRoute = EscalationRoute.PAYMENT_ORDER) -> Receivable:
    receivable.escalate(route=route, escalated_on=TODAY, now=at(TODAY), actor=ACTOR)
    receivable.collect_events()
    return receivable


# ------------------------------------------------------------------- issue


def test_issuing_an_invoice_records_every_field_of_the_invoice() -> None:
    receivable = Receivable.issue(
        invoice_number=" F-2024-0042 ",
        debtor_id=DEBTOR_ID,
        debtor_kind=DebtorKind.PROFESSIONAL,
        issue_date=ISSUE_DAY,
        due_date=DUE_DAY,
        amount_excl_vat=eur("1000"),
        vat=eur("200.0"),
        amount_incl_vat=eur("1200.00"),
        label="Maintenance contract, January 2024",
        order_reference="PO-778",
        payment_terms="30 days net",
        contractual_penalty_rate=Decimal("12.15"),
        now=at(ISSUE_DAY),
        actor=ACTOR,
    )

    event = only_event(receivable)
    assert isinstance(event, InvoiceIssued)
    assert event.originator_id == receivable_id_for("F-2024-0042") == receivable.id
    assert (event.originator_version, event.previous_hash, event.actor) == (1, GENESIS_HASH, ACTOR)
    assert event.timestamp == at(ISSUE_DAY).instant
    assert event.data() == {
        "invoice_number": "F-2024-0042",
        "debtor_id": DEBTOR_ID,
        "issue_date": ISSUE_DAY,
        "delivery_date": ISSUE_DAY,
        "due_date": DUE_DAY,
        "amount_excl_vat": Decimal("1000.00"),
        "vat": Decimal("200.00"),
        "amount_incl_vat": Decimal("1200.00"),
        "currency": "EUR",
        "label": "Maintenance contract, January 2024",
        "order_reference": "PO-778",
        "payment_terms": "30 days net",
        "contractual_penalty_rate": Decimal("12.15"),
        "debtor_kind": DebtorKind.PROFESSIONAL,
    }
    assert str(event.amount_excl_vat) == "1000.00"
    assert (receivable.version, receivable.status, receivable.stage) == (1, ReceivableStatus.OPEN, DunningStage.NONE)
    assert receivable.outstanding == Decimal("1200.00")


def test_an_explicit_delivery_date_is_kept_and_vat_may_be_zero() -> None:
    receivable = issued_receivable(
        delivery_date=date(2024, 1, 10), amount_excl_vat=eur("1200.00"), vat=eur("0"), invoice_number="F-EXPORT-1"
    )

    assert receivable.delivery_date == date(2024, 1, 10)
    assert receivable.vat == Decimal("0.00")


def test_the_receivable_id_is_the_same_for_the_same_invoice_number() -> None:
    assert issued_receivable().id == issued_receivable(invoice_number="F-2024-0042 ").id
    assert issued_receivable().id != issued_receivable(invoice_number="F-2024-0043").id


# --------------------------------------------------------------- reminders


def test_sending_a_reminder_records_stage_channel_and_what_fired_it() -> None:
    receivable = issued_receivable()
    head_before = receivable.head

    event = receivable.send_reminder(
        stage=ReminderStage.FIRST,
        channel=ReminderChannel.LETTER,
        sent_on=date(2024, 2, 19),
        contact_id=CONTACT_ID,
        template_id="first-reminder-fr",
        document_sha256=DOCUMENT,
        policy_id="default",
        policy_version=3,
        rule="due+5",
        now=at(TODAY),
        actor="system:dunning",
    )

    assert isinstance(event, ReminderSent)
    assert event.data() == {
        "stage": ReminderStage.FIRST,
        "channel": ReminderChannel.LETTER,
        "sent_on": date(2024, 2, 19),
        "contact_id": CONTACT_ID,
        "template_id": "first-reminder-fr",
        "document_sha256": DOCUMENT,
        "policy_id": "default",
        "policy_version": 3,
        "rule": "due+5",
    }
    assert (event.actor, event.originator_version, event.previous_hash) == ("system:dunning", 2, head_before)
    assert receivable.stage is DunningStage.FIRST_REMINDER


def test_a_courtesy_reminder_may_be_sent_on_the_due_date() -> None:
    receivable = reminded(issued_receivable(), ReminderStage.COURTESY, DUE_DAY)

    assert receivable.stage is DunningStage.COURTESY


def test_the_stage_is_the_furthest_step_reached() -> None:
    receivable = issued_receivable()
    stages = [receivable.stage]

    reminded(receivable, ReminderStage.COURTESY, date(2024, 2, 7))
    stages.append(receivable.stage)
    reminded(receivable, ReminderStage.FIRST, date(2024, 2, 19))
    stages.append(receivable.stage)
    reminded(receivable, ReminderStage.SECOND, date(2024, 3, 5))
    stages.append(receivable.stage)
    reminded(receivable, ReminderStage.FIRST, date(2024, 3, 6))  # a late first reminder does not step back
    stages.append(receivable.stage)
    with_formal_notice(receivable)
    stages.append(receivable.stage)
    escalated(receivable)
    stages.append(receivable.stage)

    assert stages == [
        DunningStage.NONE,
        DunningStage.COURTESY,
        DunningStage.FIRST_REMINDER,
        DunningStage.SECOND_REMINDER,
        DunningStage.SECOND_REMINDER,
        DunningStage.FORMAL_NOTICE,
        DunningStage.LITIGATION,
    ]


# ------------------------------------------------------------------- calls


def test_noting_a_call_records_its_purpose_outcome_and_notes() -> None:
    receivable = issued_receivable()

    event = receivable.note_call(
        called_on=date(2024, 1, 22),
        purpose=CallPurpose.PRE_DUE_CHECK,
        outcome=CallOutcome.REACHED,
        contact_id=CONTACT_ID,
        notes="  invoice received, will be paid on time ",
        now=at(TODAY),
        actor=ACTOR,
    )

    assert isinstance(event, CallNoted)
    assert event.data() == {
        "called_on": date(2024, 1, 22),
        "contact_id": CONTACT_ID,
        "purpose": CallPurpose.PRE_DUE_CHECK,
        "outcome": CallOutcome.REACHED,
        "notes": "invoice received, will be paid on time",
    }
    assert receivable.calls == [event]


# ---------------------------------------------------------------- promises


def test_recording_a_promise_makes_the_receivable_promised() -> None:
    receivable = issued_receivable()

    event = receivable.record_promise(
        amount_promised=eur("500.00"), promised_date=date(2024, 4, 15), now=at(TODAY), actor=ACTOR
    )

    assert isinstance(event, PromiseToPayRecorded)
    assert event.data() == {"amount": Decimal("500.00"), "promised_date": date(2024, 4, 15), "recorded_on": TODAY}
    assert receivable.status is ReceivableStatus.PROMISED


def test_a_promise_is_broken_the_day_after_its_date_and_the_file_is_open_again() -> None:
    receivable = promised(issued_receivable(), on=date(2024, 4, 15))

    event = receivable.break_promise(noted_on=date(2024, 4, 16), now=at(date(2024, 4, 16)), actor=ACTOR)

    assert isinstance(event, PromiseBroken)
    assert event.data() == {"promised_date": date(2024, 4, 15), "noted_on": date(2024, 4, 16)}
    assert receivable.open_promise is None
    assert receivable.status is ReceivableStatus.OPEN


def test_payments_that_reach_the_promised_amount_keep_the_promise() -> None:
    receivable = promised(issued_receivable(), "500.00")

    pay(receivable, "200.00", reference="VIR-1")
    still_promised = receivable.status
    pay(receivable, "300.00", reference="VIR-2")

    assert still_promised is ReceivableStatus.PROMISED
    assert receivable.open_promise is None
    assert receivable.status is ReceivableStatus.OPEN
    assert receivable.outstanding == Decimal("700.00")


def test_payments_made_before_the_promise_do_not_count_towards_it() -> None:
    receivable = issued_receivable()
    pay(receivable, "400.00", reference="VIR-1")

    promised(receivable, "500.00")

    assert receivable.status is ReceivableStatus.PROMISED


# ---------------------------------------------------------------- disputes


def test_opening_a_dispute_covers_the_whole_invoice_by_default() -> None:
    receivable = issued_receivable()

    event = receivable.open_dispute_for(
        reason=DisputeReason.NON_CONFORMING,
        opened_on=date(2024, 2, 20),
        description="two parts missing",
        now=at(TODAY),
        actor=ACTOR,
    )

    assert isinstance(event, DisputeOpened)
    assert event.data() == {
        "dispute_number": 1,
        "amount": Decimal("1200.00"),
        "reason": DisputeReason.NON_CONFORMING,
        "description": "two parts missing",
        "opened_on": date(2024, 2, 20),
    }
    assert receivable.status is ReceivableStatus.DISPUTED


def test_a_dispute_may_cover_part_of_the_invoice() -> None:
    receivable = issued_receivable()

    event = receivable.open_dispute_for(
        reason=DisputeReason.QUANTITY, opened_on=TODAY, disputed=eur("150.00"), now=at(TODAY), actor=ACTOR
    )

    assert event.amount == Decimal("150.00")


def test_resolving_a_dispute_with_a_credit_note_reduces_what_is_owed() -> None:
    receivable = disputed(issued_receivable())

    event = receivable.resolve_dispute(
        dispute_number=1,
        outcome=DisputeOutcome.UPHELD,
        resolved_on=TODAY,
        credit_note_number="AV-2024-007",
        credit_note_amount=eur("200.00"),
        comment="price corrected",
        now=at(TODAY),
        actor=ACTOR,
    )

    assert isinstance(event, DisputeResolved)
    assert event.data() == {
        "dispute_number": 1,
        "outcome": DisputeOutcome.UPHELD,
        "resolved_on": TODAY,
        "credit_note_number": "AV-2024-007",
        "credit_note_amount": Decimal("200.00"),
        "comment": "price corrected",
    }
    assert receivable.credit_notes == {"AV-2024-007": CreditNote(Decimal("200.00"), TODAY)}
    assert (receivable.credited, receivable.outstanding) == (Decimal("200.00"), Decimal("1000.00"))
    assert receivable.open_dispute is None
    assert receivable.status is ReceivableStatus.OPEN


def test_a_rejected_dispute_leaves_the_amount_owed_unchanged_and_a_new_one_may_follow() -> None:
    receivable = disputed(issued_receivable())
    receivable.resolve_dispute(
        dispute_number=1, outcome=DisputeOutcome.REJECTED, resolved_on=TODAY, now=at(TODAY), actor=ACTOR
    )

    second = receivable.open_dispute_for(reason=DisputeReason.OTHER, opened_on=TODAY, now=at(TODAY), actor=ACTOR)

    assert receivable.outstanding == Decimal("1200.00")
    assert second.dispute_number == 2
    assert [d.outcome for d in receivable.disputes] == [DisputeOutcome.REJECTED, None]


def test_a_credit_note_on_resolution_that_covers_the_rest_settles_the_receivable() -> None:
    receivable = issued_receivable()
    pay(receivable, "1000.00")
    disputed(receivable)

    receivable.resolve_dispute(
        dispute_number=1,
        outcome=DisputeOutcome.SETTLED,
        resolved_on=TODAY,
        credit_note_number="AV-1",
        credit_note_amount=eur("200.00"),
        now=at(TODAY),
        actor=ACTOR,
    )

    assert receivable.status is ReceivableStatus.SETTLED


# ---------------------------------------------------------- formal notices


def test_sending_a_formal_notice_records_the_claim_and_its_deadline() -> None:
    receivable = issued_receivable()

    event = receivable.send_formal_notice(
        channel=NoticeChannel.ELECTRONIC_REGISTERED_LETTER,
        tracking_number="LRE-123",
        sent_on=date(2024, 3, 20),
        deadline=date(2024, 3, 28),
        claimed=ClaimBreakdown(principal=Decimal("1200"), interest=Decimal("25.1"), indemnity=Decimal("40")),
        document_sha256=DOCUMENT,
        now=at(TODAY),
        actor=ACTOR,
    )

    assert isinstance(event, FormalNoticeSent)
    assert event.data() == {
        "notice_number": 1,
        "channel": NoticeChannel.ELECTRONIC_REGISTERED_LETTER,
        "tracking_number": "LRE-123",
        "sent_on": date(2024, 3, 20),
        "deadline": date(2024, 3, 28),
        "claimed": claim("1200.00", "25.10", "40.00"),
        "document_sha256": DOCUMENT,
    }
    assert str(event.claimed.interest) == "25.10"
    assert receivable.stage is DunningStage.FORMAL_NOTICE


def test_acknowledging_a_formal_notice_records_the_outcome_and_its_proof() -> None:
    receivable = with_formal_notice(issued_receivable(), sent_on=date(2024, 3, 20))

    event = receivable.acknowledge_formal_notice(
        notice_number=1,
        outcome=AcknowledgementOutcome.UNCLAIMED,
        acknowledged_on=date(2024, 3, 22),
        proof_sha256=PROOF,
        now=at(TODAY),
        actor=ACTOR,
    )

    assert isinstance(event, FormalNoticeAcknowledged)
    assert event.data() == {
        "notice_number": 1,
        "outcome": AcknowledgementOutcome.UNCLAIMED,
        "acknowledged_on": date(2024, 3, 22),
        "proof_sha256": PROOF,
    }
    assert receivable.notices[0].acknowledgement is AcknowledgementOutcome.UNCLAIMED


def test_a_consumer_may_be_sent_a_formal_notice_claiming_interest_without_indemnity() -> None:
    receivable = issued_receivable(debtor_kind=DebtorKind.CONSUMER)

    event = receivable.send_formal_notice(
        channel=NoticeChannel.REGISTERED_LETTER,
        sent_on=date(2024, 3, 20),
        deadline=date(2024, 3, 28),
        claimed=claim(indemnity="0"),
        document_sha256=DOCUMENT,
        now=at(TODAY),
        actor=ACTOR,
    )

    assert event.claimed.indemnity == Decimal("0.00")


# ---------------------------------------------------------------- payments


def test_receiving_a_payment_records_it_and_reduces_what_is_owed() -> None:
    receivable = issued_receivable()

    payment, recorded = receivable.receive_payment(
        paid=eur("450.5"),
        value_date=date(2024, 3, 1),
        method=PaymentMethod.CHEQUE,
        bank_reference=" CHQ-0001 ",
        now=at(TODAY),
        actor=ACTOR,
    )

    event = only_event(receivable)
    assert isinstance(event, PaymentReceived)
    assert event.data() == {
        "amount": Decimal("450.50"),
        "value_date": date(2024, 3, 1),
        "method": PaymentMethod.CHEQUE,
        "bank_reference": "CHQ-0001",
    }
    assert recorded is True
    assert (payment.amount, payment.bank_reference, payment.version) == (Decimal("450.50"), "CHQ-0001", 2)
    assert (receivable.paid, receivable.outstanding) == (Decimal("450.50"), Decimal("749.50"))


def test_a_payment_with_a_known_reference_returns_the_original_and_records_nothing() -> None:
    receivable = issued_receivable()
    pay(receivable, "450.50", on=date(2024, 3, 1), reference="VIR-1")
    version, head = receivable.version, receivable.head

    payment, recorded = receivable.receive_payment(
        paid=eur("450.50"),
        value_date=date(2024, 3, 1),
        method=PaymentMethod.TRANSFER,
        bank_reference="VIR-1",
        now=at(TODAY, seconds=60),
        actor=ACTOR,
    )

    assert recorded is False
    assert (payment.amount, payment.version) == (Decimal("450.50"), 2)
    assert receivable.collect_events() == []
    assert (receivable.version, receivable.head, receivable.paid) == (version, head, Decimal("450.50"))


def test_a_repeated_payment_on_a_settled_receivable_still_returns_the_original() -> None:
    receivable = settled_receivable()

    recorded = pay(receivable, "1200.00", reference="VIR-FULL")

    assert recorded is False
    assert receivable.version == 2


def test_an_overpayment_is_recorded_and_shown_as_a_credit_to_refund() -> None:
    receivable = issued_receivable()

    recorded = pay(receivable, "1250.00")

    assert recorded is True
    assert receivable.paid == Decimal("1250.00")
    assert receivable.outstanding == Decimal("0.00")
    assert receivable.credit_to_refund == Decimal("50.00")
    assert receivable.status is ReceivableStatus.SETTLED


def test_late_charges_billed_are_owed_before_anything_is_refunded() -> None:
    receivable = issued_receivable()
    receivable.invoice_late_charges(
        interest=eur("20.00"),
        indemnity=eur("40.00"),
        charges_invoice_number="PEN-1",
        invoiced_on=TODAY,
        now=at(TODAY),
        actor=ACTOR,
    )

    pay(receivable, "1250.00")

    assert receivable.credit_to_refund == Decimal("0.00")
    assert receivable.late_charges_outstanding == Decimal("10.00")


# ------------------------------------------------------------ credit notes


def test_applying_a_credit_note_records_it_and_reduces_what_is_owed() -> None:
    receivable = issued_receivable()

    event = receivable.apply_credit_note(
        credit_note_number="AV-2024-001", credited=eur("200"), issued_on=date(2024, 2, 1), now=at(TODAY), actor=ACTOR
    )

    assert isinstance(event, CreditNoteApplied)
    assert event.data() == {
        "credit_note_number": "AV-2024-001",
        "amount": Decimal("200.00"),
        "issued_on": date(2024, 2, 1),
    }
    assert (receivable.credited, receivable.outstanding) == (Decimal("200.00"), Decimal("1000.00"))


def test_a_credit_note_for_the_whole_outstanding_amount_settles_the_receivable() -> None:
    receivable = issued_receivable()
    pay(receivable, "200.00")

    receivable.apply_credit_note(
        credit_note_number="AV-1", credited=eur("1000.00"), issued_on=TODAY, now=at(TODAY), actor=ACTOR
    )

    assert receivable.status is ReceivableStatus.SETTLED
    assert receivable.credit_to_refund == Decimal("0.00")


# ----------------------------------------------------------- payment plans


def test_agreeing_a_payment_plan_records_its_instalments() -> None:
    receivable = issued_receivable()

    event = receivable.agree_payment_plan(
        instalments=[(date(2024, 4, 30), eur("600")), (date(2024, 5, 31), eur("600.00"))],
        agreement_sha256=DOCUMENT,
        now=at(TODAY),
        actor=ACTOR,
    )

    assert isinstance(event, PaymentPlanAgreed)
    assert event.data() == {
        "plan_number": 1,
        "instalments": [
            Instalment(due_date=date(2024, 4, 30), amount=Decimal("600.00")),
            Instalment(due_date=date(2024, 5, 31), amount=Decimal("600.00")),
        ],
        "agreed_on": TODAY,
        "agreement_sha256": DOCUMENT,
    }
    assert receivable.status is ReceivableStatus.IN_PAYMENT_PLAN


def test_an_unpaid_instalment_is_missed_after_its_date_and_puts_the_plan_in_default() -> None:
    receivable = with_plan(issued_receivable())
    day = date(2024, 5, 1)

    event = receivable.miss_instalment(instalment_number=1, noted_on=day, now=at(day), actor=ACTOR)

    assert isinstance(event, InstalmentMissed)
    assert event.data() == {"plan_number": 1, "instalment_number": 1, "due_date": date(2024, 4, 30), "noted_on": day}
    assert receivable.plans[0].in_default
    assert receivable.active_plan is None
    assert receivable.status is ReceivableStatus.OPEN


def test_a_new_plan_may_be_agreed_once_the_previous_one_is_in_default() -> None:
    receivable = with_plan(issued_receivable())
    day = date(2024, 5, 1)
    receivable.miss_instalment(instalment_number=1, noted_on=day, now=at(day), actor=ACTOR)

    event = receivable.agree_payment_plan(instalments=[(date(2024, 6, 1), eur("1200.00"))], now=at(day), actor=ACTOR)

    assert event.plan_number == 2
    assert receivable.status is ReceivableStatus.IN_PAYMENT_PLAN


def test_a_plan_paid_off_settles_the_receivable() -> None:
    receivable = with_plan(issued_receivable())

    pay(receivable, "600.00", on=date(2024, 4, 30), reference="ECH-1", now=at(date(2024, 4, 30)))
    in_plan = receivable.status
    pay(receivable, "600.00", on=date(2024, 5, 31), reference="ECH-2", now=at(date(2024, 5, 31)))

    assert in_plan is ReceivableStatus.IN_PAYMENT_PLAN
    assert receivable.status is ReceivableStatus.SETTLED


# ------------------------------------------------------------ late charges


def test_invoicing_late_charges_records_interest_indemnity_and_the_calculation() -> None:
    receivable = issued_receivable()

    event = receivable.invoice_late_charges(
        interest=eur("25.1"),
        indemnity=eur("40"),
        charges_invoice_number="PEN-2024-001",
        invoiced_on=TODAY,
        calculation_sha256=DOCUMENT,
        now=at(TODAY),
        actor=ACTOR,
    )

    assert isinstance(event, LateChargesInvoiced)
    assert event.data() == {
        "interest": Decimal("25.10"),
        "indemnity": Decimal("40.00"),
        "charges_invoice_number": "PEN-2024-001",
        "invoiced_on": TODAY,
        "calculation_sha256": DOCUMENT,
    }
    assert receivable.late_charges_outstanding == Decimal("65.10")
    assert receivable.outstanding == Decimal("1200.00")  # the principal is unchanged


def test_waiving_late_charges_records_the_reason_and_reduces_what_is_owed_for_them() -> None:
    receivable = issued_receivable()
    receivable.invoice_late_charges(
        interest=eur("25.10"),
        indemnity=eur("40.00"),
        charges_invoice_number="PEN-1",
        invoiced_on=TODAY,
        now=at(TODAY),
        actor=ACTOR,
    )

    event = receivable.waive_late_charges(
        interest=eur("0"), indemnity=eur("40.00"), reason="good customer", now=at(TODAY), actor=ACTOR
    )

    assert isinstance(event, LateChargesWaived)
    assert event.data() == {
        "interest": Decimal("0.00"),
        "indemnity": Decimal("40.00"),
        "reason": "good customer",
        "waived_on": TODAY,
    }
    assert receivable.late_charges_outstanding == Decimal("25.10")


def test_a_consumer_may_be_charged_interest_without_indemnity() -> None:
    receivable = issued_receivable(debtor_kind=DebtorKind.CONSUMER)

    event = receivable.invoice_late_charges(
        interest=eur("8.00"),
        indemnity=eur("0"),
        charges_invoice_number="PEN-1",
        invoiced_on=TODAY,
        now=at(TODAY),
        actor=ACTOR,
    )

    assert event.indemnity == Decimal("0.00")


# --------------------------------------------------- escalation, write-off


def test_escalating_records_the_route_and_the_file_is_escalated() -> None:
    receivable = disputed(issued_receivable())

    event = receivable.escalate(
        route=EscalationRoute.SMALL_CLAIMS, escalated_on=TODAY, reference="CJ-77", now=at(TODAY), actor=ACTOR
    )

    assert isinstance(event, EscalatedToLitigation)
    assert event.data() == {"route": EscalationRoute.SMALL_CLAIMS, "escalated_on": TODAY, "reference": "CJ-77"}
    assert receivable.status is ReceivableStatus.ESCALATED
    assert receivable.stage is DunningStage.LITIGATION


def test_a_file_may_be_escalated_by_several_routes() -> None:
    receivable = escalated(issued_receivable(), EscalationRoute.COLLECTION_AGENCY)

    escalated(receivable, EscalationRoute.CREDIT_INSURER)

    assert [e.route for e in receivable.escalations] == [
        EscalationRoute.COLLECTION_AGENCY,
        EscalationRoute.CREDIT_INSURER,
    ]


def test_writing_off_records_the_amount_still_outstanding() -> None:
    receivable = issued_receivable()
    pay(receivable, "450.00")

    event = receivable.write_off(reason="debtor dissolved", now=at(TODAY), actor=ACTOR)

    assert isinstance(event, WrittenOff)
    assert event.data() == {"reason": "debtor dissolved", "amount": Decimal("750.00"), "written_off_on": TODAY}
    assert receivable.status is ReceivableStatus.WRITTEN_OFF
    assert receivable.is_closed


# ------------------------------------------------------ pause and mediation


def test_pausing_and_resuming_dunning_is_recorded() -> None:
    receivable = issued_receivable()

    paused = receivable.pause_dunning(reason="holidays", until=date(2024, 4, 20), now=at(TODAY), actor=ACTOR)
    pause = receivable.pause
    resumed = receivable.resume_dunning(reason="back", now=at(date(2024, 4, 10)), actor=ACTOR)

    assert isinstance(paused, DunningPaused)
    assert paused.data() == {"reason": "holidays", "paused_on": TODAY, "until": date(2024, 4, 20)}
    assert pause is not None and pause.until == date(2024, 4, 20)
    assert isinstance(resumed, DunningResumed)
    assert resumed.data() == {"reason": "back", "resumed_on": date(2024, 4, 10)}
    assert receivable.pause is None


def test_a_pause_may_have_no_end_date() -> None:
    receivable = issued_receivable()

    event = receivable.pause_dunning(reason="insolvency", now=at(TODAY), actor=ACTOR)

    assert event.until is None


def test_a_mediation_starts_and_ends() -> None:
    receivable = issued_receivable()

    started = receivable.start_mediation(started_on=date(2024, 3, 1), reference="MED-9", now=at(TODAY), actor=ACTOR)
    under_way = receivable.mediation_started_on
    ended = receivable.end_mediation(ended_on=TODAY, outcome="agreement", now=at(TODAY), actor=ACTOR)

    assert isinstance(started, MediationStarted)
    assert started.data() == {"started_on": date(2024, 3, 1), "reference": "MED-9"}
    assert under_way == date(2024, 3, 1)
    assert isinstance(ended, MediationEnded)
    assert ended.data() == {"ended_on": TODAY, "outcome": "agreement"}
    assert receivable.mediation_started_on is None


# ------------------------------------------------------- notes, documents


def test_adding_a_note_records_its_text_and_document() -> None:
    receivable = issued_receivable()

    event = receivable.add_note(note=" met at the trade fair ", document_sha256=DOCUMENT, now=at(TODAY), actor=ACTOR)

    assert isinstance(event, NoteAdded)
    assert event.data() == {"text": "met at the trade fair", "noted_on": TODAY, "document_sha256": DOCUMENT}


def test_attaching_a_document_records_its_kind_hash_and_media_type() -> None:
    receivable = issued_receivable()

    event = receivable.attach_document(
        kind=DocumentKind.DELIVERY_PROOF,
        document_sha256=DOCUMENT,
        media_type="application/pdf",
        description="signed delivery note",
        now=at(TODAY),
        actor=ACTOR,
    )

    assert isinstance(event, DocumentAttached)
    assert event.data() == {
        "kind": DocumentKind.DELIVERY_PROOF,
        "document_sha256": DOCUMENT,
        "media_type": "application/pdf",
        "description": "signed delivery note",
    }


@pytest.mark.parametrize("closed", [settled_receivable, written_off_receivable], ids=["settled", "written_off"])
def test_a_closed_receivable_still_takes_notes_documents_and_late_charges(closed: object) -> None:
    assert callable(closed)
    receivable: Receivable = closed()
    version = receivable.version

    receivable.add_note(note="letter received from the debtor", now=at(TODAY), actor=ACTOR)
    receivable.attach_document(
        kind=DocumentKind.OTHER, document_sha256=DOCUMENT, media_type="image/png", now=at(TODAY), actor=ACTOR
    )
    receivable.invoice_late_charges(
        interest=eur("12.00"),
        indemnity=eur("40.00"),
        charges_invoice_number="PEN-9",
        invoiced_on=TODAY,
        now=at(TODAY),
        actor=ACTOR,
    )
    receivable.waive_late_charges(
        interest=eur("12.00"), indemnity=eur("0"), reason="goodwill", now=at(TODAY), actor=ACTOR
    )

    assert [type(e).__name__ for e in receivable.collect_events()] == [
        "NoteAdded",
        "DocumentAttached",
        "LateChargesInvoiced",
        "LateChargesWaived",
    ]
    assert receivable.version == version + 4


# ---------------------------------------------------------------- status


def test_status_is_the_most_decisive_situation_of_the_file() -> None:
    receivable = issued_receivable()
    seen = [receivable.status]

    promised(receivable)
    seen.append(receivable.status)
    with_plan(receivable)
    seen.append(receivable.status)
    disputed(receivable)
    seen.append(receivable.status)
    escalated(receivable)
    seen.append(receivable.status)
    pay(receivable, "1200.00")
    seen.append(receivable.status)

    assert seen == [
        ReceivableStatus.OPEN,
        ReceivableStatus.PROMISED,
        ReceivableStatus.IN_PAYMENT_PLAN,
        ReceivableStatus.DISPUTED,
        ReceivableStatus.ESCALATED,
        ReceivableStatus.SETTLED,
    ]


def test_a_written_off_receivable_stays_written_off_whatever_came_before() -> None:
    receivable = escalated(disputed(issued_receivable()))

    receivable.write_off(reason="judgment unenforceable", now=at(TODAY), actor=ACTOR)

    assert receivable.status is ReceivableStatus.WRITTEN_OFF


def test_days_past_due_count_from_the_due_date() -> None:
    receivable = issued_receivable()

    assert receivable.days_past_due(DUE_DAY) == 0
    assert receivable.days_past_due(DUE_DAY - timedelta(days=3)) == 0
    assert receivable.days_past_due(date(2024, 2, 24)) == 10


# ------------------------------------------------------------------ chain


def test_each_event_links_to_the_hash_of_the_one_before() -> None:
    receivable = Receivable.issue(
        invoice_number="F-1",
        debtor_id=DEBTOR_ID,
        debtor_kind=DebtorKind.PROFESSIONAL,
        issue_date=ISSUE_DAY,
        due_date=DUE_DAY,
        amount_excl_vat=eur("100.00"),
        vat=eur("20.00"),
        amount_incl_vat=eur("120.00"),
        label="x",
        now=at(ISSUE_DAY),
        actor=ACTOR,
    )
    receivable.add_note(note="one", now=at(TODAY), actor=ACTOR)
    receivable.add_note(note="two", now=at(TODAY), actor=ACTOR)

    first, second, third = receivable.collect_events()

    assert first.previous_hash == GENESIS_HASH
    assert second.previous_hash == first.hash()
    assert third.previous_hash == second.hash()
    assert receivable.head == third.hash()
    assert [e.originator_version for e in (first, second, third)] == [1, 2, 3]
