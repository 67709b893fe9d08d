"""What becomes of the reminders sent by e-mail: bounces, provider events and replies (issue 17, decision 0099).

Each e-mail the SMTP server accepted has its Message-ID kept with its dispatch (``SentMessages`` in
application/dunning_dispatch.py). What comes back names that Message-ID:
- a delivery status notification read from the mailbox, or a provider's event (Brevo): recorded as
  ``DeliveryReported`` on each receivable the message named, its proof stored as a document; a hard
  bounce also flags the contact's e-mail (``EmailBounced``), so that the next step goes by letter;
- a reply (In-Reply-To / References): a note on each receivable with the message stored as
  ``message/rfc822``, and a ``reply_received`` item on the worklist until a person says it is handled
  (auto-replies are noted only).
Every message is processed once: its key is kept, and a message met again records nothing new (and
a message half-processed by a killed process records only what is missing: notes and statuses are
looked up in the journal first).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Protocol
from uuid import UUID

from application.access import Principal
from application.commands import AddNote, RecordEmailBounce, ReportDelivery
from application.dunning_dispatch import DocumentSink, Outbox
from application.dunning_report import WorkItem
from application.inbound_mail import Inbound, read_inbound
from application.ledger import Ledger
from domain.errors import InvalidInput, NotFound, RuleViolation
from domain.vocabulary import DeliveryStatus

REPLY, AUTO_REPLY, REPORT, IGNORED = "reply", "auto_reply", "dsn", "ignored"
FAILURES = frozenset({DeliveryStatus.HARD_BOUNCE})


@dataclass(frozen=True)
class SentMessage:
    message_id: str
    dispatch_key: str
    document_sha256: str
    debtor_id: str
    contact_id: str | None
    sent_at: datetime


@dataclass(frozen=True)
class Reply:
    """A reply kept for the worklist until a person marks it handled."""

    key: str
    dispatch_key: str
    receivable_ids: tuple[str, ...]
    received_on: date
    subject: str


class MailLog(Protocol):
    """The messages sent (by Message-ID) and the messages read back (by their key)."""

    def find(self, message_id: str) -> SentMessage | None: ...

    def processed(self, key: str) -> bool: ...

    def mark_processed(
        self, key: str, *, kind: str, dispatch_key: str | None, receivable_ids: Sequence[str],
        received_on: date | None, subject: str, now: datetime,
    ) -> None: ...  # fmt: skip

    def open_replies(self) -> list[Reply]: ...

    def mark_handled(self, key: str, *, now: datetime, actor: str) -> bool: ...


class MailboxSession(Protocol):
    def new_messages(self) -> Iterator[tuple[str, bytes]]:
        """(uid, the message's bytes) of each message not yet seen, without marking it seen."""

    def mark_seen(self, uid: str) -> None: ...


class Mailbox(Protocol):
    def open(self) -> AbstractContextManager[MailboxSession]: ...


@dataclass
class FetchReport:
    """What one reading of the mailbox did, message by message."""

    read: int = 0
    already: int = 0  # processed before: nothing new recorded
    events: int = 0
    outcomes: list[dict[str, Any]] = field(default_factory=list)  # key, kind, dispatch_key, status, events

    def view(self) -> dict[str, Any]:
        return {"read": self.read, "already_processed": self.already, "events_recorded": self.events,
                "messages": self.outcomes}  # fmt: skip


class MailFeedback:
    def __init__(self, ledger: Ledger, log: MailLog, documents: DocumentSink, outbox: Outbox) -> None:
        self.ledger = ledger
        self.log = log
        self.documents = documents
        self.outbox = outbox

    # ------------------------------------------------------------- the mailbox

    def fetch(self, mailbox: Mailbox, *, actor: str | None = None, principal: Principal | None = None) -> FetchReport:
        """Read the new messages: each processed once, then marked \\Seen."""
        report = FetchReport()
        with mailbox.open() as session:
            for uid, content in session.new_messages():
                report.read += 1
                outcome = self.process(content, actor=actor, principal=principal)
                if outcome["kind"] == "already":
                    report.already += 1
                report.events += outcome["events"]
                report.outcomes.append(outcome)
                session.mark_seen(uid)
        return report

    def process(
        self, content: bytes, *, actor: str | None = None, principal: Principal | None = None
    ) -> dict[str, Any]:
        """One message from the mailbox: a DSN, a reply, or something else (ignored, but remembered)."""
        inbound = read_inbound(content)
        who = {"actor": actor, "principal": principal}
        if self.log.processed(inbound.key):
            return {"key": inbound.key, "kind": "already", "dispatch_key": None, "status": None, "events": 0}
        if inbound.is_report:
            return self._report(inbound, content, who)
        return self._reply(inbound, content, who)

    def _report(self, inbound: Inbound, content: bytes, who: dict[str, Any]) -> dict[str, Any]:
        sent = self._sent(inbound.original_ids)
        outcome: dict[str, Any] = {"key": inbound.key, "kind": REPORT, "dispatch_key": None, "status": None,
                                   "events": 0}  # fmt: skip
        if sent is None:
            return self._ignored(inbound, outcome)
        proof = self._store(content, "message/rfc822")
        for recipient in inbound.statuses:
            status = recipient.delivery
            if status is None:
                continue
            outcome["events"] += self.report_delivery(
                sent, status, self._day(inbound.dated, sent), source="dsn", reference=inbound.key,
                detail=recipient.diagnostic or f"{recipient.action} {recipient.status}", proof_sha256=proof,
                recipients=recipient.recipients, **who,
            )  # fmt: skip
            outcome["status"] = status.value
        outcome["dispatch_key"] = sent.dispatch_key
        self._done(inbound, REPORT, sent, self._receivable_ids(sent), None)
        return outcome

    def _reply(self, inbound: Inbound, content: bytes, who: dict[str, Any]) -> dict[str, Any]:
        sent = self._sent(inbound.replies_to)
        kind = AUTO_REPLY if inbound.automatic else REPLY
        outcome: dict[str, Any] = {"key": inbound.key, "kind": kind, "dispatch_key": None, "status": None,
                                   "events": 0}  # fmt: skip
        if sent is None:
            return self._ignored(inbound, outcome)
        sha = self._store(content, "message/rfc822")
        received = self._day(inbound.dated, sent)
        what = "Réponse automatique reçue" if inbound.automatic else "Réponse du débiteur reçue"
        subject = " ".join(inbound.subject.split())[:300] or "(sans objet)"
        text = f"{what} le {received:%d/%m/%Y} : {subject}"
        ids = self._receivable_ids(sent)
        for receivable_id in ids:
            receivable = self.ledger.receivable(UUID(receivable_id))
            if sha is not None and any(note.document_sha256 == sha for note in receivable.notes):
                continue  # noted by an earlier try that died before remembering the message
            outcome["events"] += len(self.ledger.execute(AddNote(receivable.id, text, sha), **who).events)
        outcome["dispatch_key"] = sent.dispatch_key
        self._done(inbound, kind, sent, ids, received)
        return outcome

    def _ignored(self, inbound: Inbound, outcome: dict[str, Any]) -> dict[str, Any]:
        """Not about a message we sent (an unknown Message-ID, a newsletter): remembered, nothing recorded."""
        self._done(inbound, IGNORED, None, [], None)
        return outcome | {"kind": IGNORED}

    # ------------------------------------------------- statuses (DSN and provider)

    def report_delivery(
        self, sent: SentMessage, status: DeliveryStatus, on: date, *, source: str, reference: str | None,
        detail: str | None, proof_sha256: str | None, recipients: Sequence[str] = (),
        actor: str | None = None, principal: Principal | None = None,
    ) -> int:  # fmt: skip
        """Record what became of a sent message on each receivable it named; a hard bounce also flags the
        contact's e-mail. A status already recorded (a repeated event) records nothing."""
        events = 0
        for receivable_id in self._receivable_ids(sent):
            command = ReportDelivery(
                UUID(receivable_id), sent.document_sha256, status, on, source, (reference or "")[:300] or None,
                (detail or "")[:1000] or None, proof_sha256,
            )  # fmt: skip
            events += self._quietly(command, actor, principal)
        if status in FAILURES and sent.contact_id is not None:
            debtor = self.ledger.debtor(UUID(sent.debtor_id))
            contact = debtor.contacts.get(UUID(sent.contact_id))
            named = {r.lower() for r in recipients}
            if contact is not None and contact.email and (not named or contact.email.lower() in named):
                bounce = RecordEmailBounce(debtor.id, contact.contact_id, contact.email, on, detail)
                events += self._quietly(bounce, actor, principal)
        return events

    def find_sent(self, message_id: str) -> SentMessage | None:
        return self._sent((message_id,))

    def store_proof(self, content: bytes, media_type: str) -> str | None:
        return self._store(content, media_type)

    # ---------------------------------------------------------------- replies

    def replies(self, on: date) -> list[WorkItem]:
        """Replies received and not yet handled: each on the worklist, per invoice the message named."""
        items: list[WorkItem] = []
        for reply in self.log.open_replies():
            if reply.received_on > on:
                continue
            for receivable_id in reply.receivable_ids:
                receivable = self.ledger.receivable(UUID(receivable_id))
                debtor = self.ledger.debtor(receivable.debtor_id)
                items.append(
                    WorkItem(
                        receivable_id=receivable_id, debtor_id=str(debtor.id), invoice_number=receivable.invoice_number,
                        action="reply_received", rule="reply_received",
                        label=f"réponse du débiteur reçue le {reply.received_on:%d/%m/%Y} : {reply.subject}"
                        f" (relance mail handled {reply.key})",
                        due_on=reply.received_on, priority="high", amount=receivable.outstanding,
                        days_past_due=receivable.days_past_due(on), contact=None, debtor_name=debtor.legal_name,
                        currency=receivable.currency,
                    )
                )  # fmt: skip
        return items

    def handled(self, key: str, *, actor: str) -> None:
        """A person read the reply and did what it asked: it leaves the worklist (the note stays in the file)."""
        if not self.log.mark_handled(key.strip(), now=self.ledger.now().instant, actor=actor):
            raise NotFound(f"no reply {key} waiting to be handled", rule="reply_exists")

    # ---------------------------------------------------------------- helpers

    def _sent(self, ids: Sequence[str]) -> SentMessage | None:
        for message_id in ids:
            sent = self.log.find(message_id)
            if sent is not None:
                return sent
        return None

    def _receivable_ids(self, sent: SentMessage) -> list[str]:
        dispatch = self.outbox.get(sent.dispatch_key)
        return [] if dispatch is None else [step["receivable_id"] for step in dispatch.steps]

    def _quietly(self, command: Any, actor: str | None, principal: Principal | None) -> int:
        """Record unless the journal refuses it as already known or no longer applicable (a status recorded
        before, an address changed since, a copy of a notice that is a note): those record nothing."""
        try:
            return len(self.ledger.execute(command, actor=actor, principal=principal).events)
        except (RuleViolation, InvalidInput):
            return 0

    def _store(self, content: bytes, media_type: str) -> str | None:
        try:
            return self.documents.put_many([(content, media_type)], actor="mail")[0]
        except InvalidInput:  # not storable as is (not UTF-8...): recorded without its proof
            return None

    def _day(self, dated: datetime | None, sent: SentMessage) -> date:
        """The day the message says it was written, in the firm's calendar, between the sending and today."""
        today = self.ledger.now().today
        sent_on = sent.sent_at.astimezone(self.ledger.timezone).date()
        if dated is None:
            return today
        return min(today, max(sent_on, dated.astimezone(self.ledger.timezone).date()))

    def _done(self, inbound: Inbound, kind: str, sent: SentMessage | None, ids: Sequence[str], on: date | None) -> None:
        self.log.mark_processed(
            inbound.key, kind=kind, dispatch_key=None if sent is None else sent.dispatch_key, receivable_ids=ids,
            received_on=on, subject=" ".join(inbound.subject.split())[:300], now=self.ledger.now().instant,
        )  # fmt: skip
