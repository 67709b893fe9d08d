"""Payments, credit notes and late charges on a receivable.

Command methods check the rules of product.md, then trigger one event (applied by ``when``)."""

from __future__ import annotations

from datetime import date

from domain.errors import InvalidInput, RuleViolation
from domain.receivable_events import (
    CreditNoteApplied,
    LateChargesInvoiced,
    LateChargesWaived,
    PaymentReceived,
)
from domain.receivable_standing import Standing
from domain.receivable_state import ZERO, Payment
from domain.values import (
    Money,
    Now,
    optional_sha256,
    text,
)
from domain.vocabulary import (
    PaymentMethod,
)


class PaymentsAndCredits(Standing):
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
