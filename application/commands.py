"""Commands: one small dataclass per use case, built by every entry point (HTTP, CLI, imports, jobs).

A command names its aggregate and the domain method that decides it; the command pipeline
(``application/pipeline.py``) checks, loads, runs and appends. Nothing here reads the clock.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, fields
from datetime import date
from decimal import Decimal
from typing import Any, ClassVar
from uuid import UUID

from domain.debtor import Address, Debtor, PursuedClaim
from domain.receivable import Receivable
from domain.receivable_events import ClaimBreakdown
from domain.values import Money, Now
from domain.vocabulary import (
    AcknowledgementOutcome,
    CallOutcome,
    CallPurpose,
    ContactRole,
    DebtorKind,
    DeliveryStatus,
    DisputeOutcome,
    DisputeReason,
    DocumentKind,
    EscalationRoute,
    InsolvencyProcedure,
    NoticeChannel,
    PaymentMethod,
    Priority,
    ReminderChannel,
    ReminderStage,
)

# ------------------------------------------------------------------ debtors


@dataclass(frozen=True)
class RegisterDebtor:
    debtor_id: UUID
    legal_name: str
    kind: DebtorKind
    address: Address
    siren: str | None = None
    siret: str | None = None
    sole_trader: bool = False  # a professional who is a natural person (entrepreneur individuel)


@dataclass(frozen=True)
class DebtorCommand:
    """A command decided by one Debtor method (see ``ReceivableCommand``)."""

    debtor_id: UUID
    decided_by: ClassVar[str] = ""

    def run(self, debtor: Debtor, now: Now, actor: str) -> Any:
        return _decided_by_fields(self, debtor, now, actor)


def _decided_by_fields(command: Any, aggregate: Any, now: Now, actor: str) -> Any:
    """Call the method the command names with the command's own fields (the aggregate's id aside); fields a
    subclass adds are not the domain's (tests add some)."""
    owner: Any = next(cls for cls in type(command).__mro__ if vars(cls).get("decided_by"))
    arguments = {f.name: getattr(command, f.name) for f in fields(owner)}
    arguments.pop("receivable_id", None)
    arguments.pop("debtor_id", None)
    return getattr(aggregate, owner.decided_by)(**arguments, now=now, actor=actor)


@dataclass(frozen=True)
class AddContact(DebtorCommand):
    contact_id: UUID
    role: ContactRole
    name: str
    email: str | None = None
    phone: str | None = None

    decided_by: ClassVar[str] = "add_contact"


@dataclass(frozen=True)
class ChangeContact(DebtorCommand):
    contact_id: UUID
    role: ContactRole
    name: str
    email: str | None = None
    phone: str | None = None
    reason: str | None = None  # why: e.g. a rectification the person asked for (GDPR art. 16)

    decided_by: ClassVar[str] = "change_contact"


@dataclass(frozen=True)
class RecordReturnedMail(DebtorCommand):
    """A letter came back undeliverable: the debtor's postal address is flagged until it is changed."""

    returned_on: date
    document_sha256: str
    proof_sha256: str | None = None

    decided_by: ClassVar[str] = "record_returned_mail"


@dataclass(frozen=True)
class RecordEmailBounce(DebtorCommand):
    """A hard bounce of a message sent to a contact: its e-mail is flagged until the contact's e-mail changes."""

    contact_id: UUID
    email: str
    bounced_on: date
    detail: str | None = None

    decided_by: ClassVar[str] = "record_email_bounce"


@dataclass(frozen=True)
class ChangeAddress(DebtorCommand):
    address: Address
    reason: str | None = None  # why: e.g. a rectification the person asked for (GDPR art. 16)

    decided_by: ClassVar[str] = "change_address"


@dataclass(frozen=True)
class RectifyDebtorName(DebtorCommand):
    """Correct the debtor's name (GDPR art. 16), with why and at whose request: a new event, never an edit."""

    legal_name: str
    reason: str

    decided_by: ClassVar[str] = "rectify_name"


@dataclass(frozen=True)
class SetCreditLimit(DebtorCommand):
    limit: Money

    def run(self, debtor: Debtor, now: Now, actor: str) -> Any:
        return debtor.set_credit_limit(limit=self.limit, now=now, actor=actor)


@dataclass(frozen=True)
class ChangePriority(DebtorCommand):
    priority: Priority

    decided_by: ClassVar[str] = "change_priority"


@dataclass(frozen=True)
class AssignPolicy(DebtorCommand):
    policy_id: str

    decided_by: ClassVar[str] = "assign_policy"


@dataclass(frozen=True)
class RecordElectronicDeliveryConsent(DebtorCommand):
    consented_on: date
    proof_sha256: str | None = None

    def run(self, debtor: Debtor, now: Now, actor: str) -> Any:
        return debtor.consent_to_electronic_delivery(
            consented_on=self.consented_on, proof_sha256=self.proof_sha256, now=now, actor=actor
        )


@dataclass(frozen=True)
class OpenInsolvency(DebtorCommand):
    procedure: InsolvencyProcedure
    court: str
    judgment_date: date
    publication_date: date

    decided_by: ClassVar[str] = "open_insolvency"


@dataclass(frozen=True)
class DeclareClaim(DebtorCommand):
    declared_on: date
    amount: Money
    administrator: str
    document_sha256: str | None = None

    def run(self, debtor: Debtor, now: Now, actor: str) -> Any:
        return debtor.declare_claim(
            declared_on=self.declared_on,
            declared=self.amount,
            administrator=self.administrator,
            document_sha256=self.document_sha256,
            now=now,
            actor=actor,
        )


@dataclass(frozen=True)
class EraseContact(DebtorCommand):
    contact_id: UUID
    reason: str

    decided_by: ClassVar[str] = "erase_contact"


@dataclass(frozen=True)
class EraseDebtor(DebtorCommand):
    """Erase a natural person's data. Refused while a claim against them is pursued, unless ``force``:
    which claims are pursued is found by the pipeline, for every entry point, never taken from the caller."""

    reason: str
    force: bool = False

    def run(self, debtor: Debtor, now: Now, actor: str, *, pursued: Sequence[PursuedClaim] | None = None) -> Any:
        if pursued is None:
            raise TypeError("EraseDebtor is decided by the pipeline, which finds the claims still pursued")
        return debtor.erase(reason=self.reason, force=self.force, pursued=pursued, now=now, actor=actor)


# -------------------------------------------------------------------- rates


@dataclass(frozen=True)
class PublishRates:
    """Add a newly published half-year's rates (legal.md §1), one source for all of them.

    The ECB rate is the one in force on the half-year's first day: ``ecb_effective_from``
    is the day the ECB decision took effect (default: that first day)."""

    half_year: str
    source: str
    ecb_mro: Decimal | None = None
    legal_consumer_creditor: Decimal | None = None
    legal_other: Decimal | None = None
    ecb_effective_from: date | None = None


# -------------------------------------------------------------- receivables


@dataclass(frozen=True)
class IssueInvoice:
    invoice_number: str
    debtor_id: UUID
    issue_date: date
    due_date: date
    amount_excl_vat: Decimal
    vat: Decimal
    amount_incl_vat: Decimal
    label: str
    currency: str = "EUR"
    delivery_date: date | None = None
    order_reference: str | None = None
    payment_terms: str | None = None
    contractual_penalty_rate: Decimal | None = None


@dataclass(frozen=True)
class ReceivableCommand:
    """A command decided by one Receivable method. When the command's fields are that method's arguments,
    naming it (``decided_by``) is enough; a command that converts its fields says how in its own ``run``."""

    receivable_id: UUID
    decided_by: ClassVar[str] = ""

    def run(self, receivable: Receivable, now: Now, actor: str) -> Any:
        return _decided_by_fields(self, receivable, now, actor)


def _money(receivable: Receivable, value: Decimal, currency: str | None) -> Money:
    return Money(value, currency or receivable.currency)


@dataclass(frozen=True)
class SendReminder(ReceivableCommand):
    stage: ReminderStage
    channel: ReminderChannel
    sent_on: date
    contact_id: UUID | None = None
    template_id: str | None = None
    document_sha256: str | None = None
    policy_id: str | None = None
    policy_version: int | None = None
    rule: str | None = None

    decided_by: ClassVar[str] = "send_reminder"


@dataclass(frozen=True)
class NoteCall(ReceivableCommand):
    called_on: date
    purpose: CallPurpose
    outcome: CallOutcome
    contact_id: UUID | None = None
    notes: str | None = None

    decided_by: ClassVar[str] = "note_call"


@dataclass(frozen=True)
class RecordPromise(ReceivableCommand):
    amount: Decimal
    promised_date: date
    currency: str | None = None

    def run(self, receivable: Receivable, now: Now, actor: str) -> Any:
        return receivable.record_promise(
            amount_promised=_money(receivable, self.amount, self.currency),
            promised_date=self.promised_date,
            now=now,
            actor=actor,
        )


@dataclass(frozen=True)
class BreakPromise(ReceivableCommand):
    noted_on: date

    decided_by: ClassVar[str] = "break_promise"


@dataclass(frozen=True)
class OpenDispute(ReceivableCommand):
    reason: DisputeReason
    opened_on: date
    amount: Decimal | None = None
    description: str | None = None
    currency: str | None = None

    def run(self, receivable: Receivable, now: Now, actor: str) -> Any:
        disputed = None if self.amount is None else _money(receivable, self.amount, self.currency)
        return receivable.open_dispute_for(
            reason=self.reason,
            opened_on=self.opened_on,
            disputed=disputed,
            description=self.description,
            now=now,
            actor=actor,
        )


@dataclass(frozen=True)
class ResolveDispute(ReceivableCommand):
    dispute_number: int
    outcome: DisputeOutcome
    resolved_on: date
    credit_note_number: str | None = None
    credit_note_amount: Decimal | None = None
    comment: str | None = None
    currency: str | None = None

    def run(self, receivable: Receivable, now: Now, actor: str) -> Any:
        credit = None if self.credit_note_amount is None else _money(receivable, self.credit_note_amount, self.currency)
        return receivable.resolve_dispute(
            dispute_number=self.dispute_number,
            outcome=self.outcome,
            resolved_on=self.resolved_on,
            credit_note_number=self.credit_note_number,
            credit_note_amount=credit,
            comment=self.comment,
            now=now,
            actor=actor,
        )


@dataclass(frozen=True)
class SendFormalNotice(ReceivableCommand):
    channel: NoticeChannel
    sent_on: date
    deadline: date
    principal: Decimal
    interest: Decimal
    indemnity: Decimal
    document_sha256: str
    tracking_number: str | None = None
    policy_id: str | None = None
    policy_version: int | None = None
    rule: str | None = None

    def run(self, receivable: Receivable, now: Now, actor: str) -> Any:
        return receivable.send_formal_notice(
            channel=self.channel,
            sent_on=self.sent_on,
            deadline=self.deadline,
            claimed=ClaimBreakdown(self.principal, self.interest, self.indemnity),
            document_sha256=self.document_sha256,
            tracking_number=self.tracking_number,
            policy_id=self.policy_id,
            policy_version=self.policy_version,
            rule=self.rule,
            now=now,
            actor=actor,
        )


@dataclass(frozen=True)
class AcknowledgeFormalNotice(ReceivableCommand):
    notice_number: int
    outcome: AcknowledgementOutcome
    acknowledged_on: date
    proof_sha256: str | None = None

    decided_by: ClassVar[str] = "acknowledge_formal_notice"


@dataclass(frozen=True)
class ReturnLetter(ReceivableCommand):
    """A reminder letter came back undeliverable: the step failed."""

    document_sha256: str
    returned_on: date
    proof_sha256: str | None = None

    decided_by: ClassVar[str] = "return_letter"


@dataclass(frozen=True)
class ReportDelivery(ReceivableCommand):
    """What the mail server or the provider reported of a reminder sent by e-mail or SMS."""

    document_sha256: str
    status: DeliveryStatus
    reported_on: date
    source: str
    reference: str | None = None
    detail: str | None = None
    proof_sha256: str | None = None

    decided_by: ClassVar[str] = "report_delivery"


@dataclass(frozen=True)
class RecordPayment(ReceivableCommand):
    amount: Decimal
    value_date: date
    method: PaymentMethod
    bank_reference: str
    currency: str | None = None

    def run(self, receivable: Receivable, now: Now, actor: str) -> Any:
        return receivable.receive_payment(
            paid=_money(receivable, self.amount, self.currency),
            value_date=self.value_date,
            method=self.method,
            bank_reference=self.bank_reference,
            now=now,
            actor=actor,
        )


@dataclass(frozen=True)
class ApplyCreditNote(ReceivableCommand):
    credit_note_number: str
    amount: Decimal
    issued_on: date
    currency: str | None = None

    def run(self, receivable: Receivable, now: Now, actor: str) -> Any:
        return receivable.apply_credit_note(
            credit_note_number=self.credit_note_number,
            credited=_money(receivable, self.amount, self.currency),
            issued_on=self.issued_on,
            now=now,
            actor=actor,
        )


@dataclass(frozen=True)
class AgreePaymentPlan(ReceivableCommand):
    instalments: list[tuple[date, Decimal]] = field(default_factory=list)
    agreement_sha256: str | None = None
    currency: str | None = None

    def run(self, receivable: Receivable, now: Now, actor: str) -> Any:
        return receivable.agree_payment_plan(
            instalments=[(due, _money(receivable, value, self.currency)) for due, value in self.instalments],
            agreement_sha256=self.agreement_sha256,
            now=now,
            actor=actor,
        )


@dataclass(frozen=True)
class MissInstalment(ReceivableCommand):
    instalment_number: int
    noted_on: date

    decided_by: ClassVar[str] = "miss_instalment"


@dataclass(frozen=True)
class InvoiceLateCharges(ReceivableCommand):
    interest: Decimal
    indemnity: Decimal
    charges_invoice_number: str
    invoiced_on: date
    calculation_sha256: str | None = None
    currency: str | None = None

    def run(self, receivable: Receivable, now: Now, actor: str) -> Any:
        return receivable.invoice_late_charges(
            interest=_money(receivable, self.interest, self.currency),
            indemnity=_money(receivable, self.indemnity, self.currency),
            charges_invoice_number=self.charges_invoice_number,
            invoiced_on=self.invoiced_on,
            calculation_sha256=self.calculation_sha256,
            now=now,
            actor=actor,
        )


@dataclass(frozen=True)
class WaiveLateCharges(ReceivableCommand):
    interest: Decimal
    indemnity: Decimal
    reason: str
    currency: str | None = None

    def run(self, receivable: Receivable, now: Now, actor: str) -> Any:
        return receivable.waive_late_charges(
            interest=_money(receivable, self.interest, self.currency),
            indemnity=_money(receivable, self.indemnity, self.currency),
            reason=self.reason,
            now=now,
            actor=actor,
        )


@dataclass(frozen=True)
class Escalate(ReceivableCommand):
    route: EscalationRoute
    escalated_on: date
    reference: str | None = None

    decided_by: ClassVar[str] = "escalate"


@dataclass(frozen=True)
class WriteOff(ReceivableCommand):
    reason: str

    decided_by: ClassVar[str] = "write_off"


@dataclass(frozen=True)
class PauseDunning(ReceivableCommand):
    reason: str
    until: date | None = None

    decided_by: ClassVar[str] = "pause_dunning"


@dataclass(frozen=True)
class ResumeDunning(ReceivableCommand):
    reason: str

    decided_by: ClassVar[str] = "resume_dunning"


@dataclass(frozen=True)
class StartMediation(ReceivableCommand):
    started_on: date
    reference: str | None = None

    decided_by: ClassVar[str] = "start_mediation"


@dataclass(frozen=True)
class EndMediation(ReceivableCommand):
    ended_on: date
    outcome: str | None = None

    decided_by: ClassVar[str] = "end_mediation"


@dataclass(frozen=True)
class AddNote(ReceivableCommand):
    text: str
    document_sha256: str | None = None

    def run(self, receivable: Receivable, now: Now, actor: str) -> Any:
        return receivable.add_note(note=self.text, document_sha256=self.document_sha256, now=now, actor=actor)


@dataclass(frozen=True)
class AttachDocument(ReceivableCommand):
    kind: DocumentKind
    document_sha256: str
    media_type: str
    description: str | None = None

    decided_by: ClassVar[str] = "attach_document"
