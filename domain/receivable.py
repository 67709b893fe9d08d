"""The Receivable aggregate: one invoice and everything that happens to it until it is closed.

Command methods check the rules of product.md, then trigger one event. ``when`` only
changes state: it is replayed for ever, so rules may tighten without breaking old files.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from itertools import pairwise
from uuid import NAMESPACE_URL, UUID, uuid5

from domain.chain import ChainedAggregate
from domain.errors import InvalidInput, RuleViolation
from domain.rates import PenaltyRateFloor
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
    ReceivableEvent,
    ReminderSent,
    WrittenOff,
)
from domain.values import (
    Money,
    Now,
    amount,
    currency,
    optional_sha256,
    optional_text,
    sha256,
    text,
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

ZERO = Decimal("0.00")
PAYMENT_TERMS_CAP_DAYS = 60  # Code de commerce L441-10 I: 60 days from the invoice date
RECEIVABLE_NAMESPACE = uuid5(NAMESPACE_URL, "https://relance.invalid/receivable")
ALWAYS_ALLOWED_WHEN_CLOSED = (NoteAdded, DocumentAttached, LateChargesInvoiced, LateChargesWaived)


def receivable_id_for(invoice_number: str) -> UUID:
    """One invoice number, one receivable: the id is derived, so the store's primary key
    refuses a second invoice with the same number even under concurrent writers."""
    return uuid5(RECEIVABLE_NAMESPACE, invoice_number.strip())


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


class Receivable(ChainedAggregate[ReceivableEvent]):
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

    # ----------------------------------------------------------------- queries

    @property
    def paid(self) -> Decimal:
        return sum((p.amount for p in self.payments), ZERO)

    @property
    def credited(self) -> Decimal:
        return sum((c.amount for c in self.credit_notes.values()), ZERO)

    @property
    def outstanding(self) -> Decimal:
        """Principal (incl. VAT) still owed: the invoice less payments and credit notes."""
        return max(ZERO, self.amount_incl_vat - self.paid - self.credited)

    @property
    def late_charges_outstanding(self) -> Decimal:
        billed = self.interest_invoiced + self.indemnity_invoiced
        waived = self.interest_waived + self.indemnity_waived
        surplus = max(ZERO, self.paid + self.credited - self.amount_incl_vat)
        return max(ZERO, billed - waived - surplus)

    @property
    def credit_to_refund(self) -> Decimal:
        """Money received beyond what is owed: recorded, shown, never dropped."""
        billed = self.interest_invoiced + self.indemnity_invoiced
        waived = self.interest_waived + self.indemnity_waived
        owed = self.amount_incl_vat + max(ZERO, billed - waived)
        return max(ZERO, self.paid + self.credited - owed)

    @property
    def is_settled(self) -> bool:
        return self.version > 0 and self.outstanding == ZERO

    @property
    def is_closed(self) -> bool:
        return self.is_settled or self.written_off is not None

    @property
    def open_dispute(self) -> Dispute | None:
        """An unresolved dispute of a file still open (a settled file has nothing left to contest)."""
        if self.is_closed:
            return None
        return next((d for d in self.disputes if d.outcome is None), None)

    @property
    def open_promise(self) -> Promise | None:
        if not self.promises or self.is_closed:
            return None
        promise = self.promises[-1]
        kept = self.paid - promise.paid_when_made >= promise.amount
        return None if promise.broken or kept else promise

    @property
    def active_plan(self) -> PaymentPlan | None:
        """The latest plan while it is in good standing and not yet paid off."""
        if not self.plans or self.is_closed:
            return None
        plan = self.plans[-1]
        paid_off = self.paid - plan.paid_when_agreed >= plan.total
        return None if plan.in_default or paid_off else plan

    @property
    def status(self) -> ReceivableStatus:
        if self.written_off is not None:
            return ReceivableStatus.WRITTEN_OFF
        if self.is_settled:
            return ReceivableStatus.SETTLED
        if self.escalations:
            return ReceivableStatus.ESCALATED
        if self.open_dispute is not None:
            return ReceivableStatus.DISPUTED
        if self.active_plan is not None:
            return ReceivableStatus.IN_PAYMENT_PLAN
        if self.open_promise is not None:
            return ReceivableStatus.PROMISED
        return ReceivableStatus.OPEN

    @property
    def stage(self) -> DunningStage:
        if self.escalations:
            return DunningStage.LITIGATION
        if self.notices:
            return DunningStage.FORMAL_NOTICE
        stages = {r.stage for r in self.reminders}
        if ReminderStage.SECOND in stages:
            return DunningStage.SECOND_REMINDER
        if ReminderStage.FIRST in stages:
            return DunningStage.FIRST_REMINDER
        if ReminderStage.COURTESY in stages:
            return DunningStage.COURTESY
        return DunningStage.NONE

    @property
    def payment_terms_cap(self) -> date:
        """The latest due date L441-10 I allows without a "45 days end of month" agreement."""
        return self.issue_date + timedelta(days=PAYMENT_TERMS_CAP_DAYS)

    @property
    def payment_terms_over_cap(self) -> bool:
        """Terms longer than the legal cap: the invoice is accepted, and flagged."""
        return self.due_date > self.payment_terms_cap

    def days_past_due(self, on: date) -> int:
        return max(0, (on - self.due_date).days)

    def payment_with_reference(self, bank_reference: str) -> Payment | None:
        return next((p for p in self.payments if p.bank_reference == bank_reference), None)

    # ---------------------------------------------------------------- commands

    @classmethod
    def issue(
        cls,
        *,
        invoice_number: str,
        debtor_id: UUID,
        debtor_kind: DebtorKind,
        issue_date: date,
        due_date: date,
        amount_excl_vat: Money,
        vat: Money,
        amount_incl_vat: Money,
        label: str,
        now: Now,
        actor: str,
        delivery_date: date | None = None,
        order_reference: str | None = None,
        payment_terms: str | None = None,
        contractual_penalty_rate: Decimal | None = None,
        penalty_rate_floor: PenaltyRateFloor | None = None,
    ) -> Receivable:
        """Issue an invoice. ``penalty_rate_floor`` (the application passes it for a professional
        debtor) refuses a contractual penalty rate below 3 × the legal rate of the issue date."""
        number = text(invoice_number, "invoice_number", max_length=64)
        code = currency(amount_incl_vat.currency)
        if {amount_excl_vat.currency, vat.currency} != {code}:
            raise InvalidInput("amounts: all in one currency", rule="currency_mismatch")
        excl = amount(amount_excl_vat.amount, "amount_excl_vat")
        tax = amount(vat.amount, "vat", allow_zero=True)
        incl = amount(amount_incl_vat.amount, "amount_incl_vat")
        if excl + tax != incl:
            raise InvalidInput(f"amount_incl_vat: {incl} is not {excl} + {tax}", rule="amounts_add_up")
        if issue_date > now.today:
            raise RuleViolation("issue_date: an invoice cannot be issued in the future", rule="date_not_in_future")
        delivered = delivery_date or issue_date
        if delivered > now.today:
            raise RuleViolation("delivery_date: must not be in the future", rule="date_not_in_future")
        if due_date < issue_date:
            raise InvalidInput("due_date: must not be before the issue date", rule="due_after_issue")
        rate = None
        if contractual_penalty_rate is not None:
            if isinstance(contractual_penalty_rate, float):
                raise InvalidInput("contractual_penalty_rate: a rate is never a float", rule="rate_format")
            rate = Decimal(contractual_penalty_rate)
            if not rate.is_finite() or rate <= 0 or rate > 100:
                raise InvalidInput("contractual_penalty_rate: a percentage between 0 and 100", rule="rate_range")
            if penalty_rate_floor is not None and rate < penalty_rate_floor.minimum:
                raise RuleViolation(
                    f"contractual_penalty_rate: {rate} % is below the legal floor of {penalty_rate_floor.describe()}",
                    rule="contractual_rate_floor",
                )
        receivable = cls()
        receivable.id = receivable_id_for(number)
        receivable._trigger(
            InvoiceIssued,
            now,
            actor,
            invoice_number=number,
            debtor_id=debtor_id,
            issue_date=issue_date,
            delivery_date=delivered,
            due_date=due_date,
            amount_excl_vat=excl,
            vat=tax,
            amount_incl_vat=incl,
            currency=code,
            label=text(label, "label", max_length=500),
            order_reference=optional_text(order_reference, "order_reference", max_length=100),
            payment_terms=optional_text(payment_terms, "payment_terms", max_length=500),
            contractual_penalty_rate=rate,
            debtor_kind=debtor_kind,
        )
        return receivable

    def send_reminder(
        self,
        *,
        stage: ReminderStage,
        channel: ReminderChannel,
        sent_on: date,
        now: Now,
        actor: str,
        contact_id: UUID | None = None,
        template_id: str | None = None,
        document_sha256: str | None = None,
        policy_id: str | None = None,
        policy_version: int | None = None,
        rule: str | None = None,
    ) -> ReminderSent:
        self._require_open()
        self._require_happened(sent_on, "sent_on", now)
        if stage is ReminderStage.COURTESY and sent_on > self.due_date:
            raise RuleViolation("a courtesy reminder is sent before the due date", rule="courtesy_before_due")
        if stage is not ReminderStage.COURTESY and sent_on <= self.due_date:
            raise RuleViolation(f"a {stage.value} reminder is sent after the due date", rule="reminder_after_due")
        if stage is ReminderStage.SECOND and self.stage in (DunningStage.NONE, DunningStage.COURTESY):
            raise RuleViolation("a second reminder follows a first one", rule="second_after_first")
        if policy_version is not None and policy_version < 1:
            raise InvalidInput("policy_version: a positive integer", rule="policy_version")
        return self._trigger(
            ReminderSent,
            now,
            actor,
            stage=stage,
            channel=channel,
            sent_on=sent_on,
            contact_id=contact_id,
            template_id=optional_text(template_id, "template_id", max_length=100),
            document_sha256=optional_sha256(document_sha256, "document_sha256"),
            policy_id=optional_text(policy_id, "policy_id", max_length=100),
            policy_version=policy_version,
            rule=optional_text(rule, "rule", max_length=200),
        )

    def note_call(
        self,
        *,
        called_on: date,
        purpose: CallPurpose,
        outcome: CallOutcome,
        now: Now,
        actor: str,
        contact_id: UUID | None = None,
        notes: str | None = None,
    ) -> CallNoted:
        self._require_open()
        self._require_happened(called_on, "called_on", now)
        return self._trigger(
            CallNoted,
            now,
            actor,
            called_on=called_on,
            contact_id=contact_id,
            purpose=purpose,
            outcome=outcome,
            notes=optional_text(notes, "notes", max_length=4000),
        )

    def record_promise(
        self, *, amount_promised: Money, promised_date: date, now: Now, actor: str
    ) -> PromiseToPayRecorded:
        self._require_open()
        value = self._money(amount_promised, "amount")
        if value > self.outstanding:
            raise RuleViolation(
                f"amount: {value} is more than the {self.outstanding} outstanding", rule="promise_within_outstanding"
            )
        self._require_future(promised_date, "promised_date", now)
        return self._trigger(
            PromiseToPayRecorded, now, actor, amount=value, promised_date=promised_date, recorded_on=now.today
        )

    def break_promise(self, *, noted_on: date, now: Now, actor: str) -> PromiseBroken:
        self._require_open()
        promise = self.open_promise
        if promise is None:
            raise RuleViolation("there is no open promise to pay", rule="promise_open")
        self._require_happened(noted_on, "noted_on", now)
        if noted_on <= promise.promised_date:
            raise RuleViolation(f"the promise runs until {promise.promised_date}", rule="promise_date_passed")
        return self._trigger(PromiseBroken, now, actor, promised_date=promise.promised_date, noted_on=noted_on)

    def open_dispute_for(
        self,
        *,
        reason: DisputeReason,
        opened_on: date,
        now: Now,
        actor: str,
        disputed: Money | None = None,
        description: str | None = None,
    ) -> DisputeOpened:
        self._require_open()
        if self.open_dispute is not None:
            raise RuleViolation(f"dispute {self.open_dispute.number} is still open", rule="one_open_dispute")
        self._require_happened(opened_on, "opened_on", now)
        value = self.amount_incl_vat if disputed is None else self._money(disputed, "amount")
        if value > self.amount_incl_vat:
            raise RuleViolation("amount: more than the invoice", rule="dispute_within_invoice")
        return self._trigger(
            DisputeOpened,
            now,
            actor,
            dispute_number=len(self.disputes) + 1,
            amount=value,
            reason=reason,
            description=optional_text(description, "description", max_length=4000),
            opened_on=opened_on,
        )

    def resolve_dispute(
        self,
        *,
        dispute_number: int,
        outcome: DisputeOutcome,
        resolved_on: date,
        now: Now,
        actor: str,
        credit_note_number: str | None = None,
        credit_note_amount: Money | None = None,
        comment: str | None = None,
    ) -> DisputeResolved:
        self._require_open()
        dispute = self._dispute(dispute_number)
        if dispute.outcome is not None:
            raise RuleViolation(f"dispute {dispute_number} is already resolved", rule="dispute_open")
        self._require_happened(resolved_on, "resolved_on", now)
        if resolved_on < dispute.opened_on:
            raise RuleViolation("resolved_on: before the dispute was opened", rule="date_order")
        number, value = None, None
        if (credit_note_number is None) != (credit_note_amount is None):
            raise InvalidInput("a credit note needs both its number and its amount", rule="credit_note_complete")
        if credit_note_number is not None and credit_note_amount is not None:
            number, value = self._check_credit_note(credit_note_number, credit_note_amount)
        return self._trigger(
            DisputeResolved,
            now,
            actor,
            dispute_number=dispute_number,
            outcome=outcome,
            resolved_on=resolved_on,
            credit_note_number=number,
            credit_note_amount=value,
            comment=optional_text(comment, "comment", max_length=4000),
        )

    def send_formal_notice(
        self,
        *,
        channel: NoticeChannel,
        sent_on: date,
        deadline: date,
        claimed: ClaimBreakdown,
        document_sha256: str,
        now: Now,
        actor: str,
        tracking_number: str | None = None,
        policy_id: str | None = None,
        policy_version: int | None = None,
        rule: str | None = None,
    ) -> FormalNoticeSent:
        self._require_open()
        self._require_happened(sent_on, "sent_on", now)
        if sent_on <= self.due_date:
            raise RuleViolation("a formal notice is sent after the due date", rule="notice_after_due")
        if deadline <= sent_on:
            raise RuleViolation("deadline: must come after the sending date", rule="deadline_after_sending")
        breakdown = ClaimBreakdown(
            principal=amount(claimed.principal, "claimed.principal"),
            interest=amount(claimed.interest, "claimed.interest", allow_zero=True),
            indemnity=amount(claimed.indemnity, "claimed.indemnity", allow_zero=True),
        )
        if breakdown.principal > self.outstanding:
            raise RuleViolation(
                f"claimed.principal: {breakdown.principal} is more than the {self.outstanding} outstanding",
                rule="claim_within_outstanding",
            )
        self._require_no_indemnity_for_consumer(breakdown.indemnity)
        if policy_version is not None and policy_version < 1:
            raise InvalidInput("policy_version: a positive integer", rule="policy_version")
        return self._trigger(
            FormalNoticeSent,
            now,
            actor,
            notice_number=len(self.notices) + 1,
            channel=channel,
            tracking_number=optional_text(tracking_number, "tracking_number", max_length=100),
            sent_on=sent_on,
            deadline=deadline,
            claimed=breakdown,
            document_sha256=sha256(document_sha256, "document_sha256"),
            policy_id=optional_text(policy_id, "policy_id", max_length=100),
            policy_version=policy_version,
            rule=optional_text(rule, "rule", max_length=200),
        )

    def acknowledge_formal_notice(
        self,
        *,
        notice_number: int,
        outcome: AcknowledgementOutcome,
        acknowledged_on: date,
        now: Now,
        actor: str,
        proof_sha256: str | None = None,
    ) -> FormalNoticeAcknowledged:
        self._require_open()
        notice = next((n for n in self.notices if n.number == notice_number), None)
        if notice is None:
            raise RuleViolation(
                f"no formal notice number {notice_number} was sent", rule="acknowledgement_needs_notice"
            )
        if notice.acknowledgement is not None:
            raise RuleViolation(f"formal notice {notice_number} is already acknowledged", rule="acknowledged_once")
        self._require_happened(acknowledged_on, "acknowledged_on", now)
        if acknowledged_on < notice.sent_on:
            raise RuleViolation("acknowledged_on: before the notice was sent", rule="date_order")
        return self._trigger(
            FormalNoticeAcknowledged,
            now,
            actor,
            notice_number=notice_number,
            outcome=outcome,
            acknowledged_on=acknowledged_on,
            proof_sha256=optional_sha256(proof_sha256, "proof_sha256"),
        )

    def receive_payment(
        self,
        *,
        paid: Money,
        value_date: date,
        method: PaymentMethod,
        bank_reference: str,
        now: Now,
        actor: str,
    ) -> tuple[Payment, bool]:
        """Record a payment; a known bank reference returns the original, recording nothing.

        Returns the payment and whether it was recorded now. An amount above what is
        owed is recorded all the same and shows as ``credit_to_refund``.
        """
        reference = text(bank_reference, "bank_reference", max_length=140)
        value = self._money(paid, "amount")
        existing = self.payment_with_reference(reference)
        if existing is not None:
            if (existing.amount, existing.value_date) != (value, value_date):
                raise RuleViolation(
                    f"bank reference {reference} was recorded for another payment "
                    f"({existing.amount} on {existing.value_date})",
                    rule="payment_reference_unique",
                )
            return existing, False
        self._require_open()
        self._require_happened(value_date, "value_date", now)
        self._trigger(
            PaymentReceived, now, actor, amount=value, value_date=value_date, method=method, bank_reference=reference
        )
        return self.payments[-1], True

    def apply_credit_note(
        self, *, credit_note_number: str, credited: Money, issued_on: date, now: Now, actor: str
    ) -> CreditNoteApplied:
        self._require_open()
        self._require_happened(issued_on, "issued_on", now)
        number, value = self._check_credit_note(credit_note_number, credited)
        return self._trigger(
            CreditNoteApplied, now, actor, credit_note_number=number, amount=value, issued_on=issued_on
        )

    def agree_payment_plan(
        self,
        *,
        instalments: list[tuple[date, Money]],
        now: Now,
        actor: str,
        agreement_sha256: str | None = None,
    ) -> PaymentPlanAgreed:
        self._require_open()
        if self.active_plan is not None:
            raise RuleViolation(f"payment plan {self.active_plan.number} is in good standing", rule="one_active_plan")
        if not instalments or len(instalments) > 120:
            raise InvalidInput("instalments: between 1 and 120", rule="instalments_count")
        schedule = [
            Instalment(due_date=due, amount=self._money(money, f"instalments[{i}].amount"))
            for i, (due, money) in enumerate(instalments)
        ]
        self._require_future(schedule[0].due_date, "instalments[0].due_date", now)
        for before, after in pairwise(schedule):
            if after.due_date <= before.due_date:
                raise InvalidInput("instalments: due dates must increase", rule="instalments_order")
        total = sum((i.amount for i in schedule), ZERO)
        if total < self.outstanding:
            raise RuleViolation(
                f"instalments: {total} does not cover the {self.outstanding} outstanding",
                rule="plan_covers_outstanding",
            )
        return self._trigger(
            PaymentPlanAgreed,
            now,
            actor,
            plan_number=len(self.plans) + 1,
            instalments=schedule,
            agreed_on=now.today,
            agreement_sha256=optional_sha256(agreement_sha256, "agreement_sha256"),
        )

    def miss_instalment(self, *, instalment_number: int, noted_on: date, now: Now, actor: str) -> InstalmentMissed:
        self._require_open()
        plan = self.active_plan
        if plan is None:
            raise RuleViolation("there is no payment plan in good standing", rule="plan_active")
        if not 1 <= instalment_number <= len(plan.instalments):
            raise InvalidInput(f"instalment_number: 1 to {len(plan.instalments)}", rule="instalment_exists")
        instalment = plan.instalments[instalment_number - 1]
        self._require_happened(noted_on, "noted_on", now)
        if noted_on <= instalment.due_date:
            raise RuleViolation(
                f"instalment {instalment_number} is due on {instalment.due_date}", rule="instalment_date_passed"
            )
        due_so_far = sum((i.amount for i in plan.instalments[:instalment_number]), ZERO)
        if self.paid - plan.paid_when_agreed >= due_so_far:
            raise RuleViolation(f"instalment {instalment_number} was paid", rule="instalment_unpaid")
        return self._trigger(
            InstalmentMissed,
            now,
            actor,
            plan_number=plan.number,
            instalment_number=instalment_number,
            due_date=instalment.due_date,
            noted_on=noted_on,
        )

    def invoice_late_charges(
        self,
        *,
        interest: Money,
        indemnity: Money,
        charges_invoice_number: str,
        invoiced_on: date,
        now: Now,
        actor: str,
        calculation_sha256: str | None = None,
    ) -> LateChargesInvoiced:
        interest_value = self._money(interest, "interest", allow_zero=True)
        indemnity_value = self._money(indemnity, "indemnity", allow_zero=True)
        if interest_value == ZERO and indemnity_value == ZERO:
            raise InvalidInput("interest and indemnity are both zero", rule="charges_positive")
        self._require_no_indemnity_for_consumer(indemnity_value)
        self._require_happened(invoiced_on, "invoiced_on", now)
        if invoiced_on <= self.due_date:
            raise RuleViolation("late charges accrue after the due date", rule="charges_after_due")
        return self._trigger(
            LateChargesInvoiced,
            now,
            actor,
            interest=interest_value,
            indemnity=indemnity_value,
            charges_invoice_number=text(charges_invoice_number, "charges_invoice_number", max_length=64),
            invoiced_on=invoiced_on,
            calculation_sha256=optional_sha256(calculation_sha256, "calculation_sha256"),
        )

    def waive_late_charges(
        self, *, interest: Money, indemnity: Money, reason: str, now: Now, actor: str
    ) -> LateChargesWaived:
        interest_value = self._money(interest, "interest", allow_zero=True)
        indemnity_value = self._money(indemnity, "indemnity", allow_zero=True)
        if interest_value == ZERO and indemnity_value == ZERO:
            raise InvalidInput("interest and indemnity are both zero", rule="charges_positive")
        return self._trigger(
            LateChargesWaived,
            now,
            actor,
            interest=interest_value,
            indemnity=indemnity_value,
            reason=text(reason, "reason", max_length=1000),
            waived_on=now.today,
        )

    def escalate(
        self, *, route: EscalationRoute, escalated_on: date, now: Now, actor: str, reference: str | None = None
    ) -> EscalatedToLitigation:
        self._require_open()
        if any(e.route is route for e in self.escalations):
            raise RuleViolation(f"already escalated by {route.value}", rule="escalated_once_per_route")
        self._require_happened(escalated_on, "escalated_on", now)
        if escalated_on <= self.due_date:
            raise RuleViolation("escalation comes after the due date", rule="escalation_after_due")
        return self._trigger(
            EscalatedToLitigation,
            now,
            actor,
            route=route,
            escalated_on=escalated_on,
            reference=optional_text(reference, "reference", max_length=100),
        )

    def write_off(self, *, reason: str, now: Now, actor: str) -> WrittenOff:
        self._require_open()
        return self._trigger(
            WrittenOff,
            now,
            actor,
            reason=text(reason, "reason", max_length=1000),
            amount=self.outstanding,
            written_off_on=now.today,
        )

    def pause_dunning(self, *, reason: str, now: Now, actor: str, until: date | None = None) -> DunningPaused:
        self._require_open()
        if self.pause is not None:
            raise RuleViolation("dunning is already paused", rule="not_paused")
        if until is not None:
            self._require_future(until, "until", now)
        return self._trigger(
            DunningPaused, now, actor, reason=text(reason, "reason", max_length=1000), paused_on=now.today, until=until
        )

    def resume_dunning(self, *, reason: str, now: Now, actor: str) -> DunningResumed:
        self._require_open()
        if self.pause is None:
            raise RuleViolation("dunning is not paused", rule="paused")
        return self._trigger(
            DunningResumed, now, actor, reason=text(reason, "reason", max_length=1000), resumed_on=now.today
        )

    def start_mediation(
        self, *, started_on: date, now: Now, actor: str, reference: str | None = None
    ) -> MediationStarted:
        self._require_open()
        if self.mediation_started_on is not None:
            raise RuleViolation("a mediation is already under way", rule="one_mediation")
        self._require_happened(started_on, "started_on", now)
        return self._trigger(
            MediationStarted,
            now,
            actor,
            started_on=started_on,
            reference=optional_text(reference, "reference", max_length=100),
        )

    def end_mediation(self, *, ended_on: date, now: Now, actor: str, outcome: str | None = None) -> MediationEnded:
        self._require_open()
        if self.mediation_started_on is None:
            raise RuleViolation("no mediation is under way", rule="mediation_under_way")
        self._require_happened(ended_on, "ended_on", now)
        if ended_on < self.mediation_started_on:
            raise RuleViolation("ended_on: before the mediation started", rule="date_order")
        return self._trigger(
            MediationEnded, now, actor, ended_on=ended_on, outcome=optional_text(outcome, "outcome", max_length=1000)
        )

    def add_note(self, *, note: str, now: Now, actor: str, document_sha256: str | None = None) -> NoteAdded:
        return self._trigger(
            NoteAdded,
            now,
            actor,
            text=text(note, "text", max_length=4000),
            noted_on=now.today,
            document_sha256=optional_sha256(document_sha256, "document_sha256"),
        )

    def attach_document(
        self,
        *,
        kind: DocumentKind,
        document_sha256: str,
        media_type: str,
        now: Now,
        actor: str,
        description: str | None = None,
    ) -> DocumentAttached:
        media = text(media_type, "media_type", max_length=100)
        if "/" not in media:
            raise InvalidInput("media_type: a MIME type such as application/pdf", rule="media_type_format")
        return self._trigger(
            DocumentAttached,
            now,
            actor,
            kind=kind,
            document_sha256=sha256(document_sha256, "document_sha256"),
            media_type=media,
            description=optional_text(description, "description", max_length=500),
        )

    # ------------------------------------------------------------ rule helpers

    def _require_open(self) -> None:
        if self.written_off is not None:
            raise RuleViolation(
                "the receivable is written off: only notes, documents and late charges", rule="receivable_open"
            )
        if self.is_settled:
            raise RuleViolation(
                "the receivable is settled: only notes, documents and late charges", rule="receivable_open"
            )

    def _require_happened(self, day: date, field_name: str, now: Now) -> None:
        if day < self.issue_date:
            raise RuleViolation(
                f"{field_name}: {day} is before the invoice was issued ({self.issue_date})",
                rule="date_not_before_issue",
            )
        if day > now.today:
            raise RuleViolation(f"{field_name}: {day} is in the future", rule="date_not_in_future")

    @staticmethod
    def _require_future(day: date, field_name: str, now: Now) -> None:
        if day <= now.today:
            raise RuleViolation(f"{field_name}: {day} must be in the future", rule="date_in_future")

    def _require_no_indemnity_for_consumer(self, indemnity: Decimal) -> None:
        if indemnity > ZERO and self.debtor_kind is DebtorKind.CONSUMER:
            raise RuleViolation("no recovery indemnity may be charged to a consumer", rule="no_indemnity_for_consumers")

    def _money(self, money: Money, field_name: str, *, allow_zero: bool = False) -> Decimal:
        if money.currency != self.currency:
            raise InvalidInput(
                f"{field_name}: the invoice is in {self.currency}, not {money.currency}", rule="currency_mismatch"
            )
        return amount(money.amount, field_name, allow_zero=allow_zero)

    def _check_credit_note(self, credit_note_number: str, credited: Money) -> tuple[str, Decimal]:
        number = text(credit_note_number, "credit_note_number", max_length=64)
        if number in self.credit_notes:
            raise RuleViolation(f"credit note {number} is already applied", rule="credit_note_unique")
        value = self._money(credited, "credit_note_amount")
        if value > self.outstanding:
            raise RuleViolation(
                f"credit note: {value} is more than the {self.outstanding} outstanding",
                rule="credit_within_outstanding",
            )
        return number, value

    def _dispute(self, number: int) -> Dispute:
        dispute = next((d for d in self.disputes if d.number == number), None)
        if dispute is None:
            raise RuleViolation(f"no dispute number {number}", rule="dispute_exists")
        return dispute

    # ------------------------------------------------------------------ state

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
                dispute = self._dispute(event.dispute_number)
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
