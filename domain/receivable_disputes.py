"""Disputes and mediation on a receivable.

Command methods check the rules of product.md, then trigger one event (applied by ``when``)."""

from __future__ import annotations

from datetime import date

from domain.errors import InvalidInput, RuleViolation
from domain.receivable_events import (
    DisputeOpened,
    DisputeResolved,
    MediationEnded,
    MediationStarted,
)
from domain.receivable_standing import Standing
from domain.values import (
    Money,
    Now,
    optional_text,
)
from domain.vocabulary import (
    DisputeOutcome,
    DisputeReason,
)


class DisputesAndMediation(Standing):
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
