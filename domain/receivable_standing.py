"""Where a receivable stands (outstanding, status, dunning stage, what is open), and the rule checks its
commands share."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from domain.errors import InvalidInput, RuleViolation
from domain.receivable_state import (
    PAYMENT_TERMS_CAP_DAYS,
    ZERO,
    Dispute,
    Payment,
    PaymentPlan,
    Promise,
    ReceivableState,
)
from domain.values import (
    Money,
    Now,
    amount,
    text,
)
from domain.vocabulary import (
    DebtorKind,
    DunningStage,
    ReceivableStatus,
    ReminderStage,
)


class Standing(ReceivableState):
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
        dispute = self._dispute_numbered(number)
        if dispute is None:
            raise RuleViolation(f"no dispute number {number}", rule="dispute_exists")
        return dispute
