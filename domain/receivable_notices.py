"""Reminders, calls, formal notices and their acknowledgements on a receivable.

Command methods check the rules of product.md, then trigger one event (applied by ``when``)."""

from __future__ import annotations

from datetime import date
from uuid import UUID

from domain.errors import InvalidInput, RuleViolation
from domain.receivable_events import (
    CallNoted,
    ClaimBreakdown,
    DeliveryReported,
    FormalNoticeAcknowledged,
    FormalNoticeSent,
    LetterReturned,
    ReminderSent,
)
from domain.receivable_standing import Standing
from domain.values import (
    Now,
    amount,
    optional_sha256,
    optional_text,
    sha256,
    text,
)
from domain.vocabulary import (
    AcknowledgementOutcome,
    CallOutcome,
    CallPurpose,
    DeliveryStatus,
    DunningStage,
    NoticeChannel,
    ReminderChannel,
    ReminderStage,
)


class RemindersAndNotices(Standing):
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

    def return_letter(
        self, *, document_sha256: str, returned_on: date, now: Now, actor: str, proof_sha256: str | None = None
    ) -> LetterReturned:
        """A reminder letter came back undeliverable (a notice's return is acknowledged as ``undeliverable``)."""
        reminder = next((r for r in self.reminders if r.document_sha256 == document_sha256), None)
        if reminder is None or reminder.channel is not ReminderChannel.LETTER:
            raise RuleViolation(
                f"no reminder letter with document {document_sha256} was sent", rule="return_needs_letter"
            )
        if document_sha256 in self.returned_letters:
            raise RuleViolation("this letter's return is already recorded", rule="returned_once")
        self._require_happened(returned_on, "returned_on", now)
        if returned_on < reminder.sent_on:
            raise RuleViolation("returned_on: before the letter was posted", rule="date_order")
        return self._trigger(
            LetterReturned,
            now,
            actor,
            document_sha256=document_sha256,
            returned_on=returned_on,
            proof_sha256=optional_sha256(proof_sha256, "proof_sha256"),
        )

    def report_delivery(
        self,
        *,
        document_sha256: str,
        status: DeliveryStatus,
        reported_on: date,
        source: str,
        now: Now,
        actor: str,
        reference: str | None = None,
        detail: str | None = None,
        proof_sha256: str | None = None,
    ) -> DeliveryReported:
        """Record what became of a reminder sent by e-mail or SMS (a letter's fate is ``return_letter``)."""
        reminder = next((r for r in self.reminders if r.document_sha256 == document_sha256), None)
        if reminder is None or reminder.channel is ReminderChannel.LETTER:
            raise RuleViolation(
                f"no reminder by e-mail or SMS with document {document_sha256} was sent", rule="delivery_needs_message"
            )
        if status in self.deliveries.get(document_sha256, ()):
            raise RuleViolation(f"this message's {status.value} is already recorded", rule="delivery_reported_once")
        self._require_happened(reported_on, "reported_on", now)
        if reported_on < reminder.sent_on:
            raise RuleViolation("reported_on: before the message was sent", rule="date_order")
        return self._trigger(
            DeliveryReported,
            now,
            actor,
            document_sha256=document_sha256,
            status=status,
            reported_on=reported_on,
            source=text(source, "source", max_length=40),
            reference=optional_text(reference, "reference", max_length=300),
            detail=optional_text(detail, "detail", max_length=1000),
            proof_sha256=optional_sha256(proof_sha256, "proof_sha256"),
        )
