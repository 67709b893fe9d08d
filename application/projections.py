"""Read-model projections as pure functions: (current rows, event) -> row changes.

No I/O here: ``infrastructure/projector.py`` loads the rows an event needs, calls these
functions and writes what they return, with the projection's position, in one
transaction. Amounts are integer cents (exact sums in SQL on both stores).

Three projections:

* ``receivables``: one row per invoice (dates, amount, when it closed) plus its dated
  reductions (payments, credit notes, write-off: value date *and* recorded_at) and its
  dunning steps: enough for the aged balance as of any date under both readings, DSO and
  collection effectiveness, by SQL aggregation rather than replay;
* ``debtors``: kind and credit limit (no names: the read models hold no personal data);
* ``audit``: one line per event, with a summary free of personal data.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any, NamedTuple
from uuid import UUID

from domain.chain import LedgerEvent
from domain.debtor import CreditLimitSet, DebtorErased, DebtorEvent, DebtorRegistered
from domain.receivable_events import (
    CallNoted,
    CreditNoteApplied,
    DisputeOpened,
    DisputeResolved,
    DocumentAttached,
    DunningPaused,
    DunningResumed,
    EscalatedToLitigation,
    FormalNoticeAcknowledged,
    FormalNoticeSent,
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
    ReceivableEvent,
    ReminderSent,
    WrittenOff,
)

FORMAL_NOTICE_STAGE = "formal_notice"  # beside ReminderStage's courtesy, first, second


class ReductionKind(Enum):
    PAYMENT = "payment"
    CREDIT_NOTE = "credit_note"
    WRITE_OFF = "write_off"


def cents(amount: Decimal) -> int:
    """Money as integer cents (amounts in events have at most two places)."""
    return int((amount * 100).to_integral_value())


def money(value: int) -> Decimal:
    return (Decimal(value) / 100).quantize(Decimal("0.01"))


# ------------------------------------------------------------------ receivables


@dataclass(frozen=True)
class Reduction:
    """Something that lowers what is owed, dated twice: when it counts (value date) and
    when the ledger learnt it (recorded_at)."""

    receivable_id: UUID
    version: int
    kind: ReductionKind
    amount: int  # cents
    value_date: date
    recorded_at: datetime


class ReceivableRow(NamedTuple):
    """One receivable (a tuple in the order of the ``rm_receivables`` columns)."""

    receivable_id: UUID
    debtor_id: UUID
    invoice_number: str
    currency: str
    issue_date: date
    due_date: date
    amount: int  # cents, incl. VAT
    issued_at: datetime  # recorded_at of InvoiceIssued
    reduced: int = 0  # cents: every reduction known now (may exceed the amount: an overpayment)
    closed_at: datetime | None = None  # the instant the recorded reductions reached the amount
    closed_on: date | None = None  # the value date by which the reductions reach the amount
    settled_on: date | None = None  # the same, counting payments and credit notes only (not a write-off)


@dataclass(frozen=True)
class DunningStep:
    """A reminder or a formal notice: what collection effectiveness is measured after."""

    receivable_id: UUID
    version: int
    stage: str  # courtesy, first, second, formal_notice
    channel: str
    sent_on: date


@dataclass(frozen=True)
class ReceivableState:
    """What the projection needs to know about one receivable to apply its next event."""

    row: ReceivableRow
    reductions: tuple[Reduction, ...] = ()


@dataclass(frozen=True)
class ReceivableChange:
    """What one event changes: the row (when it changed), a new reduction, a new step."""

    row: ReceivableRow | None = None
    reduction: Reduction | None = None
    step: DunningStep | None = None

    @property
    def is_empty(self) -> bool:
        return self.row is None and self.reduction is None and self.step is None


def closing(row: ReceivableRow, reductions: Sequence[Reduction]) -> ReceivableRow:
    """The row's totals and closing dates recomputed from all its reductions.

    ``closed_at``: the earliest instant t such that the reductions recorded by t cover the
    amount (reductions are only ever added, so the file stays closed after it). ``closed_on``
    and ``settled_on``: the same by value date, which a reduction recorded later with an
    earlier value date can move back.
    """
    by_recording = sorted(reductions, key=lambda r: (r.recorded_at, r.version))
    by_value = sorted(reductions, key=lambda r: (r.value_date, r.version))
    paid_by_value = [r for r in by_value if r.kind is not _WRITE_OFF]
    return row._replace(
        reduced=sum(r.amount for r in reductions),
        closed_at=_first_covering(row.amount, [(r.recorded_at, r.amount) for r in by_recording]),
        closed_on=_first_covering(row.amount, [(r.value_date, r.amount) for r in by_value]),
        settled_on=_first_covering(row.amount, [(r.value_date, r.amount) for r in paid_by_value]),
    )


_WRITE_OFF = ReductionKind.WRITE_OFF


def _first_covering(amount: int, dated: Iterable[tuple[Any, int]]) -> Any:
    total = 0
    for when, value in dated:
        total += value
        if total >= amount:
            return when
    return None


def reduction_of(event: ReceivableEvent) -> tuple[ReductionKind, Decimal, date] | None:
    match event:
        case PaymentReceived():
            return ReductionKind.PAYMENT, event.amount, event.value_date
        case CreditNoteApplied():
            return ReductionKind.CREDIT_NOTE, event.amount, event.issued_on
        case DisputeResolved(credit_note_amount=Decimal() as amount):
            return ReductionKind.CREDIT_NOTE, amount, event.resolved_on
        case WrittenOff():
            return ReductionKind.WRITE_OFF, event.amount, event.written_off_on
    return None


def step_of(event: ReceivableEvent) -> tuple[str, str, date] | None:
    match event:
        case ReminderSent():
            return event.stage._value_, event.channel._value_, event.sent_on
        case FormalNoticeSent():
            return FORMAL_NOTICE_STAGE, event.channel._value_, event.sent_on
    return None


PROJECTED = (
    InvoiceIssued, PaymentReceived, CreditNoteApplied, DisputeResolved, WrittenOff, ReminderSent, FormalNoticeSent
)  # fmt: skip
"""The Receivable events that change the ``receivables`` read model (the others change nothing)."""


def touches_receivable_row(event: LedgerEvent) -> bool:
    """Whether applying ``event`` needs the receivable's current state (its row and reductions)."""
    return isinstance(event, ReceivableEvent) and reduction_of(event) is not None


def project_receivable(
    state: ReceivableState | None, event: ReceivableEvent
) -> tuple[ReceivableState | None, ReceivableChange]:
    """Apply one Receivable event: the state after it and the rows it adds or changes.

    ``state`` may be None for events that need none (see ``touches_receivable_row``);
    InvoiceIssued creates it.
    """
    if isinstance(event, InvoiceIssued):
        row = ReceivableRow(
            receivable_id=event.originator_id,
            debtor_id=event.debtor_id,
            invoice_number=event.invoice_number,
            currency=event.currency,
            issue_date=event.issue_date,
            due_date=event.due_date,
            amount=cents(event.amount_incl_vat),
            issued_at=event.timestamp,
        )
        return ReceivableState(row), ReceivableChange(row=row)
    step = step_of(event)
    if step is not None:
        stage, channel, sent_on = step
        return state, ReceivableChange(
            step=DunningStep(event.originator_id, event.originator_version, stage, channel, sent_on)
        )
    reduced = reduction_of(event)
    if reduced is None:
        return state, ReceivableChange()
    if state is None:
        raise ValueError(f"receivable {event.originator_id}: {type(event).__name__} before its InvoiceIssued")
    kind, amount, value_date = reduced
    reduction = Reduction(
        event.originator_id, event.originator_version, kind, cents(amount), value_date, event.timestamp
    )
    reductions = (*state.reductions, reduction)
    row = closing(state.row, reductions)
    return ReceivableState(row, reductions), ReceivableChange(row=row, reduction=reduction)


# ---------------------------------------------------------------------- debtors


@dataclass(frozen=True)
class DebtorRow:
    debtor_id: UUID
    kind: str
    credit_limit: int | None = None  # cents
    credit_limit_currency: str | None = None
    erased: bool = False


def project_debtor(row: DebtorRow | None, event: DebtorEvent) -> DebtorRow | None:
    """The debtor's row after ``event`` (None: nothing changed)."""
    match event:
        case DebtorRegistered():
            return DebtorRow(event.originator_id, event.kind.value)
        case CreditLimitSet() if row is not None:
            return replace(row, credit_limit=cents(event.limit), credit_limit_currency=event.currency)
        case DebtorErased() if row is not None:
            return replace(row, erased=True)
    return None


# ------------------------------------------------------------------------ audit


class AuditRow(NamedTuple):
    """One line of the audit journal (a tuple in the table's column order)."""

    notification_id: int
    recorded_at: datetime
    actor: str
    aggregate_type: str
    aggregate_id: UUID
    version: int
    event_type: str
    debtor_id: UUID | None  # the debtor the event concerns, for filtering
    summary: str


def audit_row(notification_id: int, event: LedgerEvent, debtor_id: UUID | None) -> AuditRow:
    return AuditRow(
        notification_id=notification_id,
        recorded_at=event.timestamp,
        actor=event.actor,
        aggregate_type=event.AGGREGATE_TYPE or type(event).__name__,
        aggregate_id=event.originator_id,
        version=event.originator_version,
        event_type=event.type_name(),
        debtor_id=debtor_id,
        summary=summary(event),
    )


def debtor_of(event: LedgerEvent) -> UUID | None:
    """The debtor an event names by itself (a Receivable's later events need its InvoiceIssued)."""
    if isinstance(event, DebtorEvent):
        return event.originator_id
    if isinstance(event, InvoiceIssued):
        return event.debtor_id
    return None


def _words(type_name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", " ", type_name).lower()


def _v(value: Any) -> str:
    # ``_value_``, not ``value``: the same string without the descriptor, ten times slower on 3.11
    return str(value._value_) if isinstance(value, Enum) else str(value)


def summary(event: LedgerEvent) -> str:
    """One line saying what happened, without personal data.

    Only enums, amounts, dates, numbers and ids: never free text (notes, descriptions,
    reasons, labels, references) nor anything from a Debtor event but its type, because
    a debtor's names, addresses and contacts may be erased and must not survive here.
    """
    match event:
        case InvoiceIssued():
            return (
                f"invoice {event.invoice_number} issued on {event.issue_date}, due {event.due_date}: "
                f"{event.amount_incl_vat} {event.currency} incl. VAT"
            )
        case ReminderSent():
            by_policy = f" (policy {event.policy_id} v{event.policy_version})" if event.policy_id else ""
            return f"{_v(event.stage)} reminder by {_v(event.channel)} sent on {event.sent_on}{by_policy}"
        case CallNoted():
            return f"call on {event.called_on}: {_v(event.purpose)}, {_v(event.outcome)}"
        case PromiseToPayRecorded():
            return f"promise to pay {event.amount} by {event.promised_date}"
        case PromiseBroken():
            return f"promise of {event.promised_date} broken, noted on {event.noted_on}"
        case DisputeOpened():
            return f"dispute {event.dispute_number} opened on {event.opened_on}: {event.amount}, {_v(event.reason)}"
        case DisputeResolved():
            credit = (
                f", credit note {event.credit_note_number} of {event.credit_note_amount}"
                if event.credit_note_number
                else ""
            )
            return f"dispute {event.dispute_number} resolved on {event.resolved_on}: {_v(event.outcome)}{credit}"
        case FormalNoticeSent():
            return (
                f"formal notice {event.notice_number} by {_v(event.channel)} sent on {event.sent_on}, "
                f"deadline {event.deadline}, claiming {event.claimed.total}"
            )
        case FormalNoticeAcknowledged():
            return f"formal notice {event.notice_number} {_v(event.outcome)} on {event.acknowledged_on}"
        case PaymentReceived():
            return f"payment of {event.amount} by {_v(event.method)}, value date {event.value_date}"
        case CreditNoteApplied():
            return f"credit note {event.credit_note_number} of {event.amount} issued on {event.issued_on}"
        case PaymentPlanAgreed():
            total = sum((i.amount for i in event.instalments), Decimal("0.00"))
            return (
                f"payment plan {event.plan_number} agreed on {event.agreed_on}: "
                f"{len(event.instalments)} instalment(s) totalling {total}"
            )
        case InstalmentMissed():
            return (
                f"instalment {event.instalment_number} of plan {event.plan_number} due {event.due_date} "
                f"missed, noted on {event.noted_on}"
            )
        case LateChargesInvoiced():
            return (
                f"late charges invoiced on {event.invoiced_on} ({event.charges_invoice_number}): "
                f"interest {event.interest}, indemnity {event.indemnity}"
            )
        case LateChargesWaived():
            return f"late charges waived on {event.waived_on}: interest {event.interest}, indemnity {event.indemnity}"
        case EscalatedToLitigation():
            return f"escalated to {_v(event.route)} on {event.escalated_on}"
        case WrittenOff():
            return f"written off on {event.written_off_on}: {event.amount}"
        case DunningPaused():
            until = f" until {event.until}" if event.until else ""
            return f"dunning paused on {event.paused_on}{until}"
        case DunningResumed():
            return f"dunning resumed on {event.resumed_on}"
        case MediationStarted():
            return f"mediation started on {event.started_on}"
        case MediationEnded():
            return f"mediation ended on {event.ended_on}"
        case NoteAdded():
            return f"note added on {event.noted_on}" + (" with a document" if event.document_sha256 else "")
        case DocumentAttached():
            return f"document attached: {_v(event.kind)}, {event.media_type}"
    return _words(event.type_name())  # Debtor events and any other aggregate's: the type only
