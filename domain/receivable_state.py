"""A receivable's state and ``when``, which applies each event: it only changes state, never checks.

It is replayed for ever, so rules may tighten without breaking old files.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from uuid import NAMESPACE_URL, UUID, uuid5

from domain.chain import ChainedAggregate
from domain.receivable_events import (
    CallNoted,
    ClaimBreakdown,
    CreditNoteApplied,
    DeliveryReported,
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
    LetterReturned,
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
from domain.vocabulary import (
    AcknowledgementOutcome,
    DebtorKind,
    DeliveryStatus,
    DisputeOutcome,
    DisputeReason,
    NoticeChannel,
    PaymentMethod,
)

ZERO = Decimal("0.00")
PAYMENT_TERMS_CAP_DAYS = 60  # Code de commerce L441-10 I: 60 days from the invoice date
RECEIVABLE_NAMESPACE = uuid5(NAMESPACE_URL, "https://relance.invalid/receivable")
# What a closed file still takes: notes, documents, late charges, and news of an e-mail or SMS sent before.
ALWAYS_ALLOWED_WHEN_CLOSED = (NoteAdded, DocumentAttached, LateChargesInvoiced, LateChargesWaived, DeliveryReported)


@dataclass
class Payment:
    amount: Decimal
    value_date: date
    method: PaymentMethod
    bank_reference: str
    version: int


@dataclass
class CreditNote:
    amount: Decimal
    issued_on: date  # the day it reduces the debt: its issue date, or the dispute's resolution date


@dataclass
class Mediation:
    started_on: date
    ended_on: date | None = None


@dataclass
class Dispute:
    number: int
    amount: Decimal
    reason: DisputeReason
    opened_on: date
    outcome: DisputeOutcome | None = None
    resolved_on: date | None = None


@dataclass
class Promise:
    amount: Decimal
    promised_date: date
    paid_when_made: Decimal
    broken: bool = False


@dataclass
class FormalNotice:
    number: int
    channel: NoticeChannel
    sent_on: date
    deadline: date
    claimed: ClaimBreakdown
    acknowledgement: AcknowledgementOutcome | None = None
    acknowledged_on: date | None = None
    document_sha256: str = ""
    rule: str | None = None  # the dunning rule that sent it, when the engine did

    @property
    def failed(self) -> bool:
        """Returned undeliverable: the notice never reached the debtor."""
        return self.acknowledgement is AcknowledgementOutcome.UNDELIVERABLE

    @property
    def effective_deadline(self) -> date | None:
        """The deadline runs from receipt, or from the first presentation of a letter left unclaimed or
        refused (legal.md §6: « 8 jours après réception »); until the acknowledgement comes back, from the
        sending. None when the letter came back undeliverable."""
        if self.failed:
            return None
        if self.acknowledged_on is None:
            return self.deadline
        return self.acknowledged_on + (self.deadline - self.sent_on)


@dataclass
class PaymentPlan:
    number: int
    instalments: list[Instalment]
    agreed_on: date
    paid_when_agreed: Decimal
    missed: list[int] = field(default_factory=list)

    @property
    def total(self) -> Decimal:
        return sum((i.amount for i in self.instalments), ZERO)

    @property
    def in_default(self) -> bool:
        return bool(self.missed)


@dataclass
class Pause:
    reason: str
    paused_on: date
    until: date | None


class ReceivableState(ChainedAggregate[ReceivableEvent]):
    def __init__(self) -> None:
        super().__init__()
        self.invoice_number = ""
        self.debtor_id = UUID(int=0)
        self.debtor_kind = DebtorKind.PROFESSIONAL
        self.issue_date = date.min
        self.delivery_date = date.min
        self.due_date = date.min
        self.amount_excl_vat = ZERO
        self.vat = ZERO
        self.amount_incl_vat = ZERO
        self.currency = "EUR"
        self.label = ""
        self.order_reference: str | None = None
        self.payment_terms: str | None = None
        self.contractual_penalty_rate: Decimal | None = None
        self.payments: list[Payment] = []
        self.credit_notes: dict[str, CreditNote] = {}
        self.reminders: list[ReminderSent] = []
        self.returned_letters: dict[str, date] = {}  # document sha256 -> the day the reminder letter came back
        # document sha256 -> what was reported of that e-mail or SMS, status -> the day
        self.deliveries: dict[str, dict[DeliveryStatus, date]] = {}
        self.calls: list[CallNoted] = []
        self.promises: list[Promise] = []
        self.disputes: list[Dispute] = []
        self.notices: list[FormalNotice] = []
        self.plans: list[PaymentPlan] = []
        self.interest_invoiced = ZERO
        self.indemnity_invoiced = ZERO
        self.interest_waived = ZERO
        self.indemnity_waived = ZERO
        self.charges_invoiced: list[LateChargesInvoiced] = []
        self.waivers: list[LateChargesWaived] = []
        self.escalations: list[EscalatedToLitigation] = []
        self.written_off: WrittenOff | None = None
        self.pause: Pause | None = None
        self.mediation_started_on: date | None = None
        self.mediations: list[Mediation] = []
        self.documents: list[DocumentAttached] = []
        self.notes: list[NoteAdded] = []

    @property
    def paid(self) -> Decimal:
        return sum((p.amount for p in self.payments), ZERO)

    def _dispute_numbered(self, number: int) -> Dispute | None:
        return next((d for d in self.disputes if d.number == number), None)

    def when(self, event: ReceivableEvent) -> None:
        match event:
            case InvoiceIssued():
                self.invoice_number = event.invoice_number
                self.debtor_id = event.debtor_id
                self.debtor_kind = event.debtor_kind
                self.issue_date = event.issue_date
                self.delivery_date = event.delivery_date
                self.due_date = event.due_date
                self.amount_excl_vat = event.amount_excl_vat
                self.vat = event.vat
                self.amount_incl_vat = event.amount_incl_vat
                self.currency = event.currency
                self.label = event.label
                self.order_reference = event.order_reference
                self.payment_terms = event.payment_terms
                self.contractual_penalty_rate = event.contractual_penalty_rate
            case ReminderSent():
                self.reminders.append(event)
            case CallNoted():
                self.calls.append(event)
            case PromiseToPayRecorded():
                self.promises.append(Promise(event.amount, event.promised_date, self.paid))
            case PromiseBroken():
                self.promises[-1].broken = True
            case DisputeOpened():
                self.disputes.append(Dispute(event.dispute_number, event.amount, event.reason, event.opened_on))
            case DisputeResolved():
                dispute = self._dispute_numbered(event.dispute_number)
                assert dispute is not None  # recorded only for a dispute that was opened
                dispute.outcome, dispute.resolved_on = event.outcome, event.resolved_on
                if event.credit_note_number is not None and event.credit_note_amount is not None:
                    self.credit_notes[event.credit_note_number] = CreditNote(
                        event.credit_note_amount, event.resolved_on
                    )
            case FormalNoticeSent():
                self.notices.append(
                    FormalNotice(
                        event.notice_number,
                        event.channel,
                        event.sent_on,
                        event.deadline,
                        event.claimed,
                        document_sha256=event.document_sha256,
                        rule=event.rule,
                    )
                )
            case FormalNoticeAcknowledged():
                notice = self.notices[event.notice_number - 1]
                notice.acknowledgement, notice.acknowledged_on = event.outcome, event.acknowledged_on
            case LetterReturned():
                self.returned_letters[event.document_sha256] = event.returned_on
            case DeliveryReported():
                self.deliveries.setdefault(event.document_sha256, {})[event.status] = event.reported_on
            case PaymentReceived():
                self.payments.append(
                    Payment(
                        event.amount, event.value_date, event.method, event.bank_reference, event.originator_version
                    )
                )
            case CreditNoteApplied():
                self.credit_notes[event.credit_note_number] = CreditNote(event.amount, event.issued_on)
            case PaymentPlanAgreed():
                self.plans.append(PaymentPlan(event.plan_number, list(event.instalments), event.agreed_on, self.paid))
            case InstalmentMissed():
                self.plans[event.plan_number - 1].missed.append(event.instalment_number)
            case LateChargesInvoiced():
                self.interest_invoiced += event.interest
                self.indemnity_invoiced += event.indemnity
                self.charges_invoiced.append(event)
            case LateChargesWaived():
                self.interest_waived += event.interest
                self.indemnity_waived += event.indemnity
                self.waivers.append(event)
            case EscalatedToLitigation():
                self.escalations.append(event)
            case WrittenOff():
                self.written_off = event
            case DunningPaused():
                self.pause = Pause(event.reason, event.paused_on, event.until)
            case DunningResumed():
                self.pause = None
            case MediationStarted():
                self.mediation_started_on = event.started_on
                self.mediations.append(Mediation(event.started_on))
            case MediationEnded():
                self.mediation_started_on = None
                self.mediations[-1].ended_on = event.ended_on
            case NoteAdded():
                self.notes.append(event)
            case DocumentAttached():
                self.documents.append(event)
