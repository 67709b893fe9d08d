"""What the SMS provider later says of a reminder it accepted: delivered, bounced, refused (decision 0098).

A report names the provider's message id; the id was kept when the provider accepted the message
(application/sms_dispatch.py), with the dispatch it carried. Each named receivable then records
``DeliveryReported`` through the command pipeline, actor the provider, the raw report kept as a document
and named as its proof. A report already recorded, or of a status the journal does not keep (``sent``),
records nothing; a report of an unknown message records nothing either (providers retry what is refused,
so both are answered as received). A failed or hard-bounced SMS makes the step due again (domain/dunning.py).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Protocol
from uuid import UUID

from application.commands import ReportDelivery
from application.ledger import Ledger
from application.sms_dispatch import ProviderMessages
from domain.errors import DomainError, RuleViolation
from domain.vocabulary import DeliveryStatus

log = logging.getLogger("relance.sms")

RECORDED, REPEATED, IGNORED, UNKNOWN_MESSAGE = "recorded", "repeated", "ignored", "unknown_message"


@dataclass(frozen=True)
class DeliveryReport:
    """One report as the provider's adapter read it."""

    message_id: str
    status: DeliveryStatus | None  # None: a status the journal does not keep (e.g. "sent", "accepted")
    provider_status: str  # as the provider wrote it
    reported_at: datetime | None  # when the provider says it happened (UTC), if it says
    detail: str | None = None


@dataclass(frozen=True)
class ReportOutcome:
    status: str  # recorded, repeated, ignored, unknown_message
    events_recorded: int = 0

    def view(self) -> dict[str, Any]:
        return {"status": self.status, "events_recorded": self.events_recorded}


class Documents(Protocol):
    def put_many(self, items: Sequence[tuple[bytes, str]], *, actor: str) -> list[str]: ...


class Dispatches(Protocol):
    def get(self, key: str) -> Any | None: ...


class SmsDeliveryReports:
    def __init__(
        self, ledger: Ledger, messages: ProviderMessages, outbox: Dispatches, documents: Documents, *, provider: str
    ) -> None:
        self.ledger = ledger
        self.messages = messages
        self.outbox = outbox
        self.documents = documents
        self.provider = provider

    def receive(self, report: DeliveryReport, raw: bytes) -> ReportOutcome:
        if report.status is None:
            return ReportOutcome(IGNORED)
        status = report.status
        message = self.messages.find(self.provider, report.message_id)
        dispatch = self.outbox.get(message.dispatch_key) if message is not None else None
        if message is None or dispatch is None:
            log.warning(
                "sms_report_unknown_message", extra={"provider": self.provider, "message_id": report.message_id}
            )
            return ReportOutcome(UNKNOWN_MESSAGE)
        sha = message.document_sha256
        due: list[UUID] = []
        for step in dispatch.steps:
            receivable = self.ledger.receivable(UUID(step["receivable_id"]))
            if not any(r.document_sha256 == sha for r in receivable.reminders):
                if dispatch.status != "recorded":  # the run has not recorded the sending yet: the provider retries
                    raise RuleViolation(
                        "the sending of this SMS is not recorded yet: report it again later",
                        rule="sms_not_recorded_yet",
                    )
                continue  # the step was not recorded (the file moved on): nothing to report on
            if status not in receivable.deliveries.get(sha, {}):
                due.append(receivable.id)
        if not due:
            return ReportOutcome(REPEATED)
        (proof,) = self.documents.put_many([(raw, "text/plain; charset=utf-8")], actor=self.provider)
        recorded = 0
        for receivable_id in due:
            try:
                self.ledger.execute(self._command(receivable_id, sha, report, status, proof), actor=self.provider)
            except DomainError as error:  # e.g. a date the journal cannot take: said in the log, not recorded
                log.warning("sms_report_refused", extra={"rule": error.rule, "message_id": report.message_id})
                continue
            recorded += 1
        return ReportOutcome(RECORDED if recorded else REPEATED, recorded)

    def _command(
        self, receivable_id: UUID, sha: str, report: DeliveryReport, status: DeliveryStatus, proof: str
    ) -> ReportDelivery:
        today = self.ledger.now().today
        day: date = today
        if report.reported_at is not None:
            day = min(today, report.reported_at.astimezone(self.ledger.timezone).date())
        receivable = self.ledger.receivable(receivable_id)
        sent_on = max((r.sent_on for r in receivable.reminders if r.document_sha256 == sha), default=day)
        return ReportDelivery(
            receivable_id, document_sha256=sha, status=status, reported_on=max(day, sent_on), source=self.provider,
            reference=report.message_id, detail=report.detail or report.provider_status, proof_sha256=proof,
        )  # fmt: skip
