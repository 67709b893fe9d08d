"""Dispatching the dunning run's documents: store, write down, send, record, mark (decision 0065).

Documents are dispatched in batches: one transaction stores their bytes, one writes their
outbox rows, each e-mail is sent and marked on its own (so that a crash can resend at most
the message in flight), then the steps of the whole batch are recorded in one save and the
rows marked recorded. Should someone else have written one of the receivables meanwhile, the
batch's save fails whole and its steps are recorded one by one on fresh loads instead.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Protocol
from uuid import UUID

from application.commands import AddNote, SendFormalNotice, SendReminder
from application.correspondence import Correspondence, DocumentKind, Firm
from application.dunning_report import RunReport, SentItem
from application.ledger import Ledger
from application.registered_email import LRE_CHANNEL, ProviderError, RegisteredEmail, submit_once
from application.sms_dispatch import SmsChannel, resume_sms, send_sms
from domain.dunning_policy import Channel, Policy
from domain.errors import DomainError
from domain.late_charges import Claim
from domain.receivable import Receivable
from domain.vocabulary import NoticeChannel, ReminderChannel, ReminderStage

NOTICE_CHANNELS = frozenset(channel.value for channel in NoticeChannel)
PREPARED, SENT, RECORDED = "prepared", "sent", "recorded"
TO_POST, CANCELLED = "to_post", "cancelled"  # a letter waits for a person to post it; or it was withdrawn
# Letters are printed and posted by a person: the run prepares them and the posting records them
# (application/letters.py). An e-mail is recorded when the SMTP server accepted it.
POSTAL_CHANNELS = frozenset({"letter", "registered_letter", "electronic_registered_letter"})


# ------------------------------------------------------------------- ports


class DocumentSink(Protocol):
    def put_many(self, items: Sequence[tuple[bytes, str]], *, actor: str) -> list[str]: ...

    def content(self, sha256: str) -> bytes | None: ...


class Outbox(Protocol):
    def prepare_many(self, dispatches: Sequence[Any], *, now: datetime, run_id: str) -> set[str]: ...

    def mark(self, key: str, status: str, *, now: datetime) -> None: ...

    def mark_sent(self, key: str, *, now: datetime) -> None: ...

    def mark_many(self, keys: Sequence[str], status: str, *, now: datetime) -> None: ...

    def existing(self, keys: Sequence[str]) -> list[Any]: ...

    def unfinished(self) -> list[Any]: ...

    def to_post(self) -> list[Any]: ...

    def get(self, key: str) -> Any | None: ...


class Rendering(Protocol):
    def pdf(self, c: Correspondence) -> bytes: ...

    def email_message(
        self,
        c: Correspondence,
        *,
        to: str,
        message_id: str,
        sent_at: datetime,
        attachments: Sequence[tuple[str, str, bytes]] = (),
    ) -> bytes: ...


class Sender(Protocol):
    def send_bytes(self, message: bytes, *, to: str) -> None: ...


class SentMessages(Protocol):
    """The Message-ID of each e-mail the SMTP server accepted, kept before the journal records it, so that
    bounces, provider events and replies find their dispatch (application/mail_feedback.py)."""

    def remember(self, message: bytes, *, dispatch_key: str, debtor_id: str, contact_id: str | None) -> None: ...


@dataclass(frozen=True)
class DunningPorts:
    """What the run needs from the outside world, wired by infrastructure/dunning_ports.py."""

    documents: DocumentSink
    outbox: Outbox
    renderer: Rendering
    sender: Sender | None  # None: no SMTP configured, e-mails are refused and reported
    firm: Firm | None  # None: RELANCE_FIRM_NAME unset; nothing can be sent
    policies: Callable[[], Sequence[Policy]]
    claim: Callable[[Receivable, date], Claim]
    latest_bank_statement: Callable[[], date | None]
    bank_statement_max_age_days: int
    new_dispatch: Callable[..., Any]  # builds the outbox row (infrastructure.dispatches.Dispatch)
    dispatch_key: Callable[[date, str, str, str], str]
    post_within_days: int = 3  # a letter prepared and not posted after this many days comes back on the worklist
    sms: SmsChannel | None = None  # None: no SMS provider configured, SMS steps are refused (sms_not_available)
    sent_messages: SentMessages | None = None  # None: Message-IDs are not kept (no bounce or reply matching)
    worklist_sources: tuple[Callable[[date], list[Any]], ...] = ()  # more work items (e.g. replies received)
    registered_email: RegisteredEmail | None = None  # an LRE provider submits LREs; None: they are posted by hand


@dataclass
class Planned:
    """A document decided and rendered, not yet stored: what one outbox row will say."""

    key: str
    debtor_id: str
    kind: DocumentKind
    channel: Channel
    content: bytes
    media_type: str
    recipient_id: str | None  # the contact id (never the address) an e-mail goes to
    email: str | None
    steps: list[dict[str, Any]]  # per named receivable: id, invoice number, stage, rule, policy, claim...
    receivables: dict[UUID, Receivable]  # as the run read them: the batch records on these
    phone: str | None = None  # the mobile number (E.164) an SMS goes to


class Dispatcher:
    def __init__(self, ledger: Ledger, ports: DunningPorts, run_id: str) -> None:
        self.ledger = ledger
        self.ports = ports
        self.run_id = run_id

    def dispatch(self, report: RunReport, batch: list[Planned], actor: str) -> None:
        if not batch:
            return
        ports = self.ports
        already = {d.key: d for d in ports.outbox.existing([p.key for p in batch])}
        for dispatch in already.values():  # decided again although written down: finish it, never re-render
            self.finish(report, dispatch, actor)
        fresh = [p for p in batch if p.key not in already]
        shas = ports.documents.put_many([(p.content, p.media_type) for p in fresh], actor=actor)
        rows = {
            p.key: ports.new_dispatch(
                key=p.key, run_date=report.run_date, debtor_id=p.debtor_id, kind=p.kind.value,
                channel=p.channel.value, document_sha256=sha, media_type=p.media_type, recipient=p.recipient_id,
                steps=p.steps, status=PREPARED,
            )
            for p, sha in zip(fresh, shas, strict=True)
        }  # fmt: skip
        taken = ports.outbox.prepare_many(list(rows.values()), now=self._now(), run_id=self.run_id)
        sent: list[Planned] = []
        to_post: list[str] = []
        registered: list[Planned] = []
        for planned in fresh:
            if planned.key not in taken:
                continue  # another run wrote it down first: it finishes it
            if self._by_provider(planned.channel.value):
                registered.append(planned)  # submitted below, recorded once the provider accepted it
                continue
            if planned.channel.value in POSTAL_CHANNELS:
                to_post.append(planned.key)  # recorded when a person confirms the posting, not now
                continue
            if planned.channel is Channel.SMS:
                sha = rows[planned.key].document_sha256
                if not send_sms(ports.sms, report, key=planned.key, sha256=sha, content=planned.content,
                                to=planned.phone, now=self._now()):  # fmt: skip
                    continue
            elif self._send(report, planned.key, planned.content, planned.email):
                self._remember(planned.key, planned.content, planned.debtor_id, planned.recipient_id)
            else:
                continue
            ports.outbox.mark_sent(planned.key, now=self._now())
            sent.append(planned)
        ports.outbox.mark_many(to_post, TO_POST, now=self._now())
        report.sent += [_sent_item(rows[key], TO_POST) for key in to_post]
        self._record_batch(report, [(rows[p.key], p) for p in sent], actor)
        ports.outbox.mark_many([p.key for p in sent], RECORDED, now=self._now())
        for planned in registered:
            self._send_registered(report, rows[planned.key], planned.content, actor)

    def finish_unfinished(self, report: RunReport, actor: str) -> None:
        for dispatch in self.ports.outbox.unfinished():
            if self.finish(report, dispatch, actor):
                report.sent[-1].status = "resumed"

    def finish(self, report: RunReport, dispatch: Any, actor: str) -> bool:
        """Send (if not yet) and record a dispatch an earlier try left, from its stored document; a letter
        an earlier try left goes onto the list of letters to post (it was never posted)."""
        if dispatch.status in (RECORDED, TO_POST, CANCELLED):
            return False
        if self._by_provider(dispatch.channel):
            content = self.ports.documents.content(dispatch.document_sha256)
            return content is not None and self._send_registered(report, dispatch, content, actor)
        if dispatch.channel in POSTAL_CHANNELS:
            self.ports.outbox.mark(dispatch.key, TO_POST, now=self._now())
            report.sent.append(_sent_item(dispatch, TO_POST))
            return False
        if dispatch.status == PREPARED:
            if dispatch.channel == Channel.EMAIL.value:
                content = self.ports.documents.content(dispatch.document_sha256)
                debtor = self.ledger.debtor(UUID(dispatch.debtor_id))
                contact = debtor.contacts.get(UUID(dispatch.recipient)) if dispatch.recipient else None
                email = contact.email if contact is not None else None
                if content is None or not self._send(report, dispatch.key, content, email):
                    return False
                self._remember(dispatch.key, content, dispatch.debtor_id, dispatch.recipient)
            elif dispatch.channel == Channel.SMS.value and not resume_sms(
                self.ports.sms, self.ledger, self.ports.documents, report, dispatch, self._now()
            ):
                return False
            self.ports.outbox.mark(dispatch.key, SENT, now=self._now())
        report.events_recorded += sum(self._record_step(dispatch, step, actor) for step in dispatch.steps)
        self.ports.outbox.mark(dispatch.key, RECORDED, now=self._now())
        report.sent.append(_sent_item(dispatch, "recorded"))
        return True

    # ------------------------------------------------------------ recording

    def _record_batch(self, report: RunReport, dispatched: list[tuple[Any, Planned]], actor: str) -> None:
        items = [
            (command_for(dispatch, step), planned.receivables[UUID(step["receivable_id"])])
            for dispatch, planned in dispatched
            for step in dispatch.steps
        ]
        # A step the file no longer admits (it moved on since the decision) is not recorded.
        outcome = self.ledger.execute_batch(items, actor=actor)
        if outcome.conflicted:  # a receivable changed meanwhile: record each step on a fresh load
            for dispatch, _ in dispatched:
                report.events_recorded += sum(self._record_step(dispatch, step, actor) for step in dispatch.steps)
        else:
            report.events_recorded += outcome.events
        report.sent += [_sent_item(dispatch, "recorded") for dispatch, _ in dispatched]

    def _record_step(self, dispatch: Any, step: dict[str, Any], actor: str, tracking: str | None = None) -> int:
        """Record one named receivable's step unless its journal has it already (a resumed dispatch)."""
        receivable = self.ledger.receivable(UUID(step["receivable_id"]))
        if step_recorded(receivable, dispatch.document_sha256):
            return 0
        try:
            self.ledger.execute(command_for(dispatch, step, tracking=tracking), actor=actor)
        except DomainError:
            return 0
        return 1

    def _by_provider(self, channel: str) -> bool:
        return channel == LRE_CHANNEL and self.ports.registered_email is not None

    def _send_registered(self, report: RunReport, dispatch: Any, content: bytes, actor: str) -> bool:
        """Submit an LRE (or find the sending an earlier try made under its key), then record each step with
        the provider's id as tracking number: recorded only once the provider accepted it (decision 0100)."""
        assert self.ports.registered_email is not None
        debtor = self.ledger.debtor(UUID(dispatch.debtor_id))
        subject = "Mise en demeure" if dispatch.kind == DocumentKind.FORMAL_NOTICE.value else "Relance"
        try:
            provider_id = submit_once(self.ports.registered_email, debtor, dispatch, content, subject)
        except (ProviderError, DomainError) as error:  # nothing recorded: the next run looks it up and retries
            report.errors.append({"dispatch_key": dispatch.key, "error": f"LRE not submitted: {error}"})
            return False
        self.ports.outbox.mark(dispatch.key, SENT, now=self._now())
        report.events_recorded += sum(
            self._record_step(dispatch, step, actor, tracking=provider_id) for step in dispatch.steps
        )
        self.ports.outbox.mark(dispatch.key, RECORDED, now=self._now())
        report.sent.append(_sent_item(dispatch, "recorded"))
        return True

    def _send(self, report: RunReport, key: str, content: bytes, email: str | None) -> bool:
        if email is None or self.ports.sender is None:
            report.errors.append({"dispatch_key": key, "error": "cannot send: no e-mail address or no SMTP server"})
            return False
        try:
            self.ports.sender.send_bytes(content, to=email)
        except Exception as error:  # the SMTP server said no: nothing recorded, the next run retries
            report.errors.append({"dispatch_key": key, "error": f"e-mail not sent: {error}"})
            return False
        return True

    def _remember(self, key: str, content: bytes, debtor_id: str, contact_id: str | None) -> None:
        """The SMTP server accepted it: its Message-ID is kept before the journal records anything."""
        if self.ports.sent_messages is not None:
            self.ports.sent_messages.remember(content, dispatch_key=key, debtor_id=debtor_id, contact_id=contact_id)

    def _now(self) -> datetime:
        return self.ledger.now().instant


def step_recorded(receivable: Receivable, sha: str) -> bool:
    """Whether the journal holds a step recorded with this document (a reminder, a notice, or a note)."""
    traces = [*receivable.reminders, *receivable.notices, *receivable.notes]
    return any(getattr(trace, "document_sha256", None) == sha for trace in traces)


def command_for(
    dispatch: Any, step: dict[str, Any], *, posted_on: date | None = None, tracking: str | None = None
) -> Any:
    """The command that records one step of a dispatch on the receivable it names: sent on the run date
    (an e-mail), or on the day a person posted the letter, the notice's deadline moved by as many days."""
    receivable_id = UUID(step["receivable_id"])
    sha = dispatch.document_sha256
    day: date = posted_on or dispatch.run_date
    shift = day - dispatch.run_date
    if dispatch.kind == DocumentKind.FORMAL_NOTICE.value and dispatch.channel not in NOTICE_CHANNELS:
        # A copy of the notice by e-mail beside the registered letter: kept in the file as a note.
        note = f"Copie de la mise en demeure envoyée par {dispatch.channel} (règle {step['rule']})"
        return AddNote(receivable_id, note, document_sha256=sha)
    if dispatch.kind == DocumentKind.FORMAL_NOTICE.value:
        return SendFormalNotice(
            receivable_id, NoticeChannel(dispatch.channel), day, date.fromisoformat(step["deadline"]) + shift,
            Decimal(step["principal"]), Decimal(step["interest"]), Decimal(step["indemnity"]), sha,
            tracking_number=tracking, policy_id=step["policy_id"], policy_version=step["policy_version"],
            rule=step["rule"],
        )  # fmt: skip
    return SendReminder(
        receivable_id, ReminderStage(step["stage"]), ReminderChannel(dispatch.channel), day,
        contact_id=UUID(dispatch.recipient) if dispatch.recipient else None, template_id=dispatch.kind,
        document_sha256=sha, policy_id=step["policy_id"], policy_version=step["policy_version"], rule=step["rule"],
    )  # fmt: skip


def _sent_item(dispatch: Any, status: str) -> SentItem:
    return SentItem(
        dispatch.key, dispatch.debtor_id, dispatch.kind, dispatch.channel, dispatch.document_sha256,
        [s["receivable_id"] for s in dispatch.steps], [s["invoice_number"] for s in dispatch.steps], status,
    )  # fmt: skip
