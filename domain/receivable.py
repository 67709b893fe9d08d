"""The Receivable aggregate: one invoice and everything that happens to it until it is closed.

Its state and ``when`` (receivable_state), where it stands (receivable_standing), and its commands by
theme: payments and credits, disputes and mediation, reminders and notices, promises and plans; the
file's lifecycle (issue, escalation, write-off, pauses, notes and documents) is here. Command methods
check the rules of product.md, then trigger one event; ``when`` only changes state.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from uuid import UUID, uuid5

from domain.errors import InvalidInput, RuleViolation
from domain.rates import PenaltyRateFloor
from domain.receivable_disputes import DisputesAndMediation
from domain.receivable_events import (
    DocumentAttached,
    DunningPaused,
    DunningResumed,
    EscalatedToLitigation,
    InvoiceIssued,
    NoteAdded,
    WrittenOff,
)
from domain.receivable_notices import RemindersAndNotices
from domain.receivable_payments import PaymentsAndCredits
from domain.receivable_plans import PromisesAndPlans
from domain.receivable_state import (
    ALWAYS_ALLOWED_WHEN_CLOSED,
    RECEIVABLE_NAMESPACE,
    CreditNote,
    FormalNotice,
    PaymentPlan,
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
    DebtorKind,
    DocumentKind,
    EscalationRoute,
)

__all__ = ["ALWAYS_ALLOWED_WHEN_CLOSED", "CreditNote", "FormalNotice", "PaymentPlan", "Receivable", "receivable_id_for"]


def receivable_id_for(invoice_number: str) -> UUID:
    """One invoice number, one receivable: the id is derived, so the store's primary key
    refuses a second invoice with the same number even under concurrent writers."""
    return uuid5(RECEIVABLE_NAMESPACE, invoice_number.strip())


class Receivable(PaymentsAndCredits, DisputesAndMediation, RemindersAndNotices, PromisesAndPlans):
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
