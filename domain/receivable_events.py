"""The events of a Receivable (one invoice). Names and fields are the journal's interface."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from uuid import UUID

from domain.chain import LedgerEvent, added_field, personal
from domain.vocabulary import (
    AcknowledgementOutcome,
    CallOutcome,
    CallPurpose,
    DebtorKind,
    DeliveryStatus,
    DisputeOutcome,
    DisputeReason,
    DocumentKind,
    EscalationRoute,
    NoticeChannel,
    PaymentMethod,
    ReminderChannel,
    ReminderStage,
)


@dataclass(frozen=True)
class Instalment:
    due_date: date
    amount: Decimal


@dataclass(frozen=True)
class ClaimBreakdown:
    """The amount a formal notice claims: principal, late-payment interest, fixed indemnity."""

    principal: Decimal
    interest: Decimal
    indemnity: Decimal

    @property
    def total(self) -> Decimal:
        return self.principal + self.interest + self.indemnity


@dataclass(frozen=True)
class ReceivableEvent(LedgerEvent):
    AGGREGATE_TYPE = "Receivable"


@dataclass(frozen=True)
class InvoiceIssued(ReceivableEvent):
    invoice_number: str
    debtor_id: UUID
    issue_date: date
    delivery_date: date
    due_date: date
    amount_excl_vat: Decimal
    vat: Decimal
    amount_incl_vat: Decimal
    currency: str
    label: str
    order_reference: str | None
    payment_terms: str | None
    contractual_penalty_rate: Decimal | None
    debtor_kind: DebtorKind


@dataclass(frozen=True)
class ReminderSent(ReceivableEvent):
    stage: ReminderStage
    channel: ReminderChannel
    sent_on: date
    contact_id: UUID | None
    template_id: str | None
    document_sha256: str | None
    policy_id: str | None
    policy_version: int | None
    rule: str | None


@dataclass(frozen=True)
class CallNoted(ReceivableEvent):
    called_on: date
    contact_id: UUID | None
    purpose: CallPurpose
    outcome: CallOutcome
    notes: str | None = field(metadata=personal())


@dataclass(frozen=True)
class PromiseToPayRecorded(ReceivableEvent):
    amount: Decimal
    promised_date: date
    recorded_on: date


@dataclass(frozen=True)
class PromiseBroken(ReceivableEvent):
    promised_date: date
    noted_on: date


@dataclass(frozen=True)
class DisputeOpened(ReceivableEvent):
    dispute_number: int
    amount: Decimal
    reason: DisputeReason
    description: str | None = field(metadata=personal())
    opened_on: date


@dataclass(frozen=True)
class DisputeResolved(ReceivableEvent):
    dispute_number: int
    outcome: DisputeOutcome
    resolved_on: date
    credit_note_number: str | None
    credit_note_amount: Decimal | None
    comment: str | None = field(metadata=personal())


@dataclass(frozen=True)
class FormalNoticeSent(ReceivableEvent):
    notice_number: int
    channel: NoticeChannel
    tracking_number: str | None
    sent_on: date
    deadline: date
    claimed: ClaimBreakdown
    document_sha256: str
    # Sent by the dunning engine: the policy, its version and the rule that fired (issue 5).
    policy_id: str | None = added_field()
    policy_version: int | None = added_field()
    rule: str | None = added_field()


@dataclass(frozen=True)
class FormalNoticeAcknowledged(ReceivableEvent):
    notice_number: int
    outcome: AcknowledgementOutcome
    acknowledged_on: date
    proof_sha256: str | None


@dataclass(frozen=True)
class LetterReturned(ReceivableEvent):
    """A reminder letter came back undeliverable: the step failed (a notice's return is an acknowledgement)."""

    document_sha256: str
    returned_on: date
    proof_sha256: str | None


@dataclass(frozen=True)
class DeliveryReported(ReceivableEvent):
    """What became of a reminder sent by e-mail or SMS, as the mail server or the provider reported it."""

    document_sha256: str
    status: DeliveryStatus
    reported_on: date
    source: str  # "dsn" (a bounce read from the mailbox), or the provider's name ("brevo")
    reference: str | None  # the provider's message id, or the bounced Message-ID
    detail: str | None = field(metadata=personal())  # the diagnostic as reported ("550 5.1.1 user unknown")
    proof_sha256: str | None  # the report itself, stored as a document


@dataclass(frozen=True)
class PaymentReceived(ReceivableEvent):
    amount: Decimal
    value_date: date
    method: PaymentMethod
    bank_reference: str


@dataclass(frozen=True)
class CreditNoteApplied(ReceivableEvent):
    credit_note_number: str
    amount: Decimal
    issued_on: date


@dataclass(frozen=True)
class PaymentPlanAgreed(ReceivableEvent):
    plan_number: int
    instalments: list[Instalment]
    agreed_on: date
    agreement_sha256: str | None


@dataclass(frozen=True)
class InstalmentMissed(ReceivableEvent):
    plan_number: int
    instalment_number: int
    due_date: date
    noted_on: date


@dataclass(frozen=True)
class LateChargesInvoiced(ReceivableEvent):
    interest: Decimal
    indemnity: Decimal
    charges_invoice_number: str
    invoiced_on: date
    calculation_sha256: str | None


@dataclass(frozen=True)
class LateChargesWaived(ReceivableEvent):
    interest: Decimal
    indemnity: Decimal
    reason: str
    waived_on: date


@dataclass(frozen=True)
class EscalatedToLitigation(ReceivableEvent):
    route: EscalationRoute
    escalated_on: date
    reference: str | None


@dataclass(frozen=True)
class WrittenOff(ReceivableEvent):
    reason: str = field(metadata=personal())
    amount: Decimal
    written_off_on: date


@dataclass(frozen=True)
class DunningPaused(ReceivableEvent):
    reason: str = field(metadata=personal())
    paused_on: date
    until: date | None


@dataclass(frozen=True)
class DunningResumed(ReceivableEvent):
    reason: str
    resumed_on: date


@dataclass(frozen=True)
class MediationStarted(ReceivableEvent):
    started_on: date
    reference: str | None


@dataclass(frozen=True)
class MediationEnded(ReceivableEvent):
    ended_on: date
    outcome: str | None = field(metadata=personal())


@dataclass(frozen=True)
class NoteAdded(ReceivableEvent):
    text: str = field(metadata=personal())
    noted_on: date
    document_sha256: str | None


@dataclass(frozen=True)
class DocumentAttached(ReceivableEvent):
    kind: DocumentKind
    document_sha256: str
    media_type: str
    description: str | None = field(metadata=personal())


RECEIVABLE_EVENTS: tuple[type[ReceivableEvent], ...] = (
    InvoiceIssued,
    ReminderSent,
    CallNoted,
    PromiseToPayRecorded,
    PromiseBroken,
    DisputeOpened,
    DisputeResolved,
    FormalNoticeSent,
    FormalNoticeAcknowledged,
    LetterReturned,
    DeliveryReported,
    PaymentReceived,
    CreditNoteApplied,
    PaymentPlanAgreed,
    InstalmentMissed,
    LateChargesInvoiced,
    LateChargesWaived,
    EscalatedToLitigation,
    WrittenOff,
    DunningPaused,
    DunningResumed,
    MediationStarted,
    MediationEnded,
    NoteAdded,
    DocumentAttached,
)
