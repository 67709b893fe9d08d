"""Letters to post: what the dunning run prepared, recorded as sent only when a person posted it.

The run renders a letter and leaves it on the list (outbox status ``to_post``); nothing is in the
journal yet, because nothing has happened to the debtor. Posting it (a date, the La Poste tracking
number of a recommandé, optionally the scan of the deposit receipt) records each step it names
through the command pipeline, dated from the posting: a formal notice's deadline moves by as many
days. What comes back later (delivered, avisé non réclamé, refused, returned undeliverable) is
recorded as the letter's outcome; a returned letter flags the debtor's address (decision 0097).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from enum import Enum
from typing import Any, Protocol
from uuid import UUID

from application.access import COLLECTION, Principal
from application.commands import (
    AcknowledgeFormalNotice,
    AddNote,
    AttachDocument,
    RecordReturnedMail,
    ReturnLetter,
)
from application.deposit_list import (
    ELECTRONIC,
    KIND_LABELS,
    PRINTED_CHANNELS,
    REGISTERED,
    LetterToPost,
    PostedLine,
    check_tracking_number,
    deposit_csv,
    posting_order,
)
from application.dunning_dispatch import (
    CANCELLED,
    RECORDED,
    TO_POST,
    DocumentSink,
    Outbox,
    command_for,
    step_recorded,
)
from application.dunning_report import WorkItem
from application.ledger import Ledger
from domain.errors import DomainError, Forbidden, InvalidInput, NotFound, RuleViolation
from domain.receivable import Receivable
from domain.values import text
from domain.vocabulary import AcknowledgementOutcome, DocumentKind


class LetterOutcome(Enum):
    """What La Poste (or the LRE provider) reports after the posting."""

    DELIVERED = "delivered"  # the acknowledgement of receipt, signed on that date
    UNCLAIMED = "unclaimed"  # avisé non réclamé: the date of first presentation
    REFUSED = "refused"  # the addressee refused it: the date it was presented
    RETURNED = "returned"  # pli non distribuable (unknown at the address...): the address is flagged


ACKNOWLEDGEMENTS = {
    LetterOutcome.DELIVERED: AcknowledgementOutcome.DELIVERED,
    LetterOutcome.UNCLAIMED: AcknowledgementOutcome.UNCLAIMED,
    LetterOutcome.REFUSED: AcknowledgementOutcome.REFUSED,
    LetterOutcome.RETURNED: AcknowledgementOutcome.UNDELIVERABLE,
}


@dataclass
class Posting:
    """What a posting (or an outcome) recorded: the events, per invoice, and what was noted instead."""

    key: str
    events: int = 0
    invoices: list[str] = field(default_factory=list)
    noted: list[str] = field(default_factory=list)  # invoices settled meanwhile: the posting is a note there


class BatchPrinting(Protocol):
    """Turns the day's letters into one PDF to print: the deposit list, then each letter (infrastructure)."""

    def page_count(self, pdf: bytes) -> int: ...

    def batch_pdf(
        self, letters: Sequence[LetterToPost], documents: Sequence[Sequence[bytes]], *, printed_on: date
    ) -> bytes: ...


@dataclass(frozen=True)
class PrintBatch:
    """The letters to print, in posting order (their page counts known), with their stored PDFs."""

    letters: list[LetterToPost]
    documents: list[list[bytes]]  # per letter: its stored PDF, then the invoice copies it encloses


class Letters:
    def __init__(
        self,
        ledger: Ledger,
        outbox: Outbox,
        *,
        post_within_days: int = 3,
        documents: DocumentSink | None = None,
        printing: BatchPrinting | None = None,
    ) -> None:
        self.ledger = ledger
        self.outbox = outbox
        self.post_within_days = post_within_days
        self.documents = documents
        self.printing = printing

    # ------------------------------------------------------------------ reads

    def to_post(self, *, prepared_on: date | None = None) -> list[LetterToPost]:
        """The letters waiting to be posted (of one run date, or all), in posting order."""
        letters = [self._letter(d) for d in self.outbox.to_post() if prepared_on is None or d.run_date == prepared_on]
        return posting_order(letters)

    def batch(self, *, prepared_on: date | None = None) -> PrintBatch:
        """The letters to print (paper ones: an LRE goes to its provider), each with its stored PDF. Reads
        only: printing records nothing, the posting does."""
        letters = [x for x in self.to_post(prepared_on=prepared_on) if x.channel in PRINTED_CHANNELS]
        if not letters:
            when = f" prepared on {prepared_on:%d/%m/%Y}" if prepared_on else ""
            raise NotFound(f"no letter{when} is waiting to be posted", rule="no_letters_to_post")
        if self.documents is None or self.printing is None:
            raise RuleViolation("printing is not configured", rule="printing_not_configured")
        documents: list[list[bytes]] = []
        counted: list[LetterToPost] = []
        for letter in letters:
            content = self._content(letter.document_sha256, letter.key)
            pages = self.printing.page_count(content)  # a letter that cannot be printed stops the batch
            parts = [content]
            for copy in self._invoice_copies(letter):
                try:
                    pages += self.printing.page_count(copy)
                except RuleViolation:
                    continue  # an invoice's file that is no readable PDF is not enclosed; the letter goes
                parts.append(copy)
            documents.append(parts)
            counted.append(replace(letter, pages=pages, enclosures=len(parts) - 1))
        return PrintBatch(counted, documents)

    def _content(self, sha: str, key: str) -> bytes:
        assert self.documents is not None
        content = self.documents.content(sha)
        if content is None:
            raise RuleViolation(
                f"the document {sha} of letter {key} is missing from the store", rule="document_missing"
            )
        return content

    def _invoice_copies(self, letter: LetterToPost) -> list[bytes]:
        """A reminder carries a copy of the invoice when the firm has it (product.md, Dispatch): the PDFs
        attached as ``invoice`` to the receivables the letter names, put in the envelope after it."""
        copies: list[bytes] = []
        for receivable_id in letter.receivable_ids:
            for attached in self.ledger.receivable(UUID(receivable_id)).documents:
                if attached.kind is DocumentKind.INVOICE and attached.media_type == "application/pdf":
                    copies.append(self._content(attached.document_sha256, letter.key))
        return copies

    def batch_pdf(self, *, prepared_on: date | None = None) -> tuple[PrintBatch, bytes]:
        """The print batch as one PDF: the deposit list first, then every letter in posting order."""
        batch = self.batch(prepared_on=prepared_on)
        assert self.printing is not None  # batch() refused otherwise
        pdf = self.printing.batch_pdf(batch.letters, batch.documents, printed_on=self.ledger.now().today)
        return batch, pdf

    def deposit_list_csv(self, *, prepared_on: date | None = None) -> bytes:
        """The deposit list to fill at the counter and import back (``posted FILE.csv``)."""
        return deposit_csv(self.batch(prepared_on=prepared_on).letters)

    def overdue(self, on: date) -> list[WorkItem]:
        """Letters prepared more than ``post_within_days`` ago and still not posted: back on the worklist."""
        items: list[WorkItem] = []
        for dispatch in self.outbox.to_post():
            waiting = (on - dispatch.run_date).days
            if waiting <= self.post_within_days:
                continue
            debtor = self.ledger.debtor(UUID(dispatch.debtor_id))
            for step in dispatch.steps:
                receivable = self.ledger.receivable(UUID(step["receivable_id"]))
                items.append(
                    WorkItem(
                        receivable_id=step["receivable_id"], debtor_id=dispatch.debtor_id,
                        invoice_number=step["invoice_number"], action="post_letter", rule=step.get("rule") or "",
                        label=f"courrier préparé le {dispatch.run_date:%d/%m/%Y}, non posté depuis {waiting} jours"
                        f" ({dispatch.key})",
                        due_on=dispatch.run_date, priority="high", amount=receivable.outstanding,
                        days_past_due=receivable.days_past_due(on), contact=None, debtor_name=debtor.legal_name,
                        currency=receivable.currency,
                    )
                )  # fmt: skip
        return items

    # ---------------------------------------------------------------- posting

    def post(
        self,
        key: str,
        *,
        posted_on: date,
        principal: Principal,
        tracking_number: str | None = None,
        receipt_sha256: str | None = None,
        receipt_media_type: str = "application/pdf",
    ) -> Posting:
        dispatch = self._awaiting(key)
        tracking = self._checked_posting(dispatch, posted_on, tracking_number)
        result = Posting(key)
        commands: list[Any] = []
        for step in dispatch.steps:
            receivable = self.ledger.receivable(UUID(step["receivable_id"]))
            if step_recorded(receivable, dispatch.document_sha256):
                continue  # an earlier try recorded it and died before marking the letter posted
            command = command_for(dispatch, step, posted_on=posted_on, tracking=tracking)
            if receivable.is_settled or receivable.written_off is not None:
                # It went out all the same: the file keeps the fact, as a note (nothing but notes once closed).
                command = AddNote(receivable.id, _posted_note(dispatch, posted_on, tracking), dispatch.document_sha256)
                result.noted.append(receivable.invoice_number)
            commands.append((command, receivable))
        self._refuse_any(commands, principal)
        for command, receivable in commands:
            result.events += len(self.ledger.execute(command, principal=principal).events)
            if receipt_sha256 is not None and not isinstance(command, AddNote):
                description = "Preuve de dépôt La Poste" + (f" (n° {tracking})" if tracking else "")
                attach = AttachDocument(
                    receivable.id, DocumentKind.OTHER, receipt_sha256, receipt_media_type, description
                )
                result.events += len(self.ledger.execute(attach, principal=principal).events)
            result.invoices.append(receivable.invoice_number)
        self.outbox.mark(key, RECORDED, now=self.ledger.now().instant)
        return result

    def post_many(self, lines: Sequence[PostedLine], *, principal: Principal) -> list[Posting]:
        """The filled deposit list: every line checked before any is recorded, so that a file refused for
        one bad line records nothing."""
        problems: list[str] = []
        for line in lines:
            try:
                dispatch = self._awaiting(line.key)
                self._checked_posting(dispatch, line.posted_on, line.tracking_number)
            except DomainError as error:
                problems.append(f"line {line.line}: {error.message}")
        if problems:
            raise InvalidInput("; ".join(problems), rule="deposit_list")
        return [
            self.post(line.key, posted_on=line.posted_on, tracking_number=line.tracking_number, principal=principal)
            for line in lines
        ]

    def cancel(self, key: str, *, principal: Principal, reason: str | None = None) -> None:
        """Withdraw a letter before it is posted (the file was paid meanwhile...): no sending is recorded,
        since nothing was sent; the next run decides again. A reason given is noted on each file the letter
        named (a note says what happened: a letter prepared, withdrawn, and why)."""
        if not principal.may(COLLECTION):
            raise Forbidden(f"role {principal.role.value} may not cancel a letter", rule="forbidden")
        if reason is not None:
            reason = text(reason, "reason", max_length=500)
        dispatch = self._awaiting(key)
        self.outbox.mark(key, CANCELLED, now=self.ledger.now().instant)
        if reason:
            kind = KIND_LABELS.get(dispatch.kind, dispatch.kind)
            note = f"{kind} préparé(e) le {dispatch.run_date:%d/%m/%Y}, retiré(e) avant envoi : {reason}"
            for step in dispatch.steps:
                self.ledger.execute(AddNote(UUID(step["receivable_id"]), note), principal=principal)

    # ---------------------------------------------------------------- outcome

    def record_outcome(
        self, key: str, outcome: LetterOutcome, *, on: date, principal: Principal, proof_sha256: str | None = None
    ) -> Posting:
        """What came back: the acknowledgement of a notice, or a reminder letter returned undeliverable.
        A returned letter also flags the debtor's address, so that no letter goes there again unchanged."""
        dispatch = self.outbox.get(key)
        if dispatch is None:
            raise NotFound(f"no letter {key}", rule="letter_exists")
        if dispatch.status != RECORDED:
            raise RuleViolation(f"letter {key} is not posted: record its posting first", rule="letter_posted")
        notice = dispatch.kind == "formal_notice"
        if not notice and outcome is not LetterOutcome.RETURNED:
            raise RuleViolation(
                "a simple letter has no acknowledgement of receipt: only its return is recorded",
                rule="outcome_needs_registered_letter",
            )
        commands: list[Any] = []
        for step in dispatch.steps:
            receivable = self.ledger.receivable(UUID(step["receivable_id"]))
            if notice:
                sent = next((n for n in receivable.notices if n.document_sha256 == dispatch.document_sha256), None)
                if sent is None:
                    continue  # noted, not recorded as a notice (the file was settled when it was posted)
                command: Any = AcknowledgeFormalNotice(
                    receivable.id, sent.number, ACKNOWLEDGEMENTS[outcome], on, proof_sha256
                )
            else:
                command = ReturnLetter(receivable.id, dispatch.document_sha256, on, proof_sha256)
            commands.append((command, receivable))
        if outcome is LetterOutcome.RETURNED:
            debtor = self.ledger.debtor(UUID(dispatch.debtor_id))
            commands.append((RecordReturnedMail(debtor.id, on, dispatch.document_sha256, proof_sha256), debtor))
        if not commands:
            raise RuleViolation(f"letter {key}: nothing in the journal to attach the outcome to", rule="letter_posted")
        self._refuse_any(commands, principal)
        result = Posting(key)
        for command, aggregate in commands:
            result.events += len(self.ledger.execute(command, principal=principal).events)
            if isinstance(aggregate, Receivable):
                result.invoices.append(aggregate.invoice_number)
        return result

    # ---------------------------------------------------------------- helpers

    def _awaiting(self, key: str) -> Any:
        dispatch = self.outbox.get(key)
        if dispatch is None:
            raise NotFound(f"no letter {key}", rule="letter_exists")
        if dispatch.status == RECORDED:
            raise RuleViolation(f"letter {key} is already posted", rule="letter_already_posted")
        if dispatch.status == CANCELLED:
            raise RuleViolation(f"letter {key} was cancelled", rule="letter_cancelled")
        if dispatch.status != TO_POST:
            raise RuleViolation(f"{key} is not a letter waiting to be posted", rule="letter_to_post")
        return dispatch

    def _checked_posting(self, dispatch: Any, posted_on: date, tracking_number: str | None) -> str | None:
        today = self.ledger.now().today
        if posted_on > today:
            raise InvalidInput(f"posted_on: {posted_on:%d/%m/%Y} is in the future", rule="date_not_in_future")
        if posted_on < dispatch.run_date:
            raise InvalidInput(
                f"posted_on: {posted_on:%d/%m/%Y} is before the letter was prepared ({dispatch.run_date:%d/%m/%Y})",
                rule="posting_after_preparation",
            )
        tracking = (tracking_number or "").strip() or None
        if dispatch.channel == REGISTERED:
            if tracking is None:
                raise InvalidInput("tracking_number: a registered letter's La Poste number is required",
                                   rule="tracking_number_required")  # fmt: skip
            return check_tracking_number(tracking)
        if dispatch.channel == ELECTRONIC and tracking is None:
            raise InvalidInput(
                "tracking_number: the LRE provider's reference is required", rule="tracking_number_required"
            )
        return tracking

    def _refuse_any(self, commands: list[tuple[Any, Any]], principal: Principal) -> None:
        """Decide every command on its aggregate before recording any: one refused, nothing recorded."""
        now = self.ledger.now()
        for command, aggregate in commands:
            self.ledger.check(command, principal=principal)
            try:
                command.run(aggregate, now, principal.name)
            finally:
                aggregate.collect_events()  # a rehearsal: the pipeline decides again when it records

    def _letter(self, dispatch: Any) -> LetterToPost:
        debtor = self.ledger.debtor(UUID(dispatch.debtor_id))
        address = debtor.address
        return LetterToPost(
            key=dispatch.key, run_date=dispatch.run_date, debtor_id=dispatch.debtor_id,
            debtor_name=debtor.legal_name or "[effacé]",
            address_lines=tuple(address.lines) if address else (),
            postal_code=address.postal_code if address else "", city=address.city if address else "",
            country=address.country if address else "", kind=dispatch.kind, channel=dispatch.channel,
            invoice_numbers=tuple(s["invoice_number"] for s in dispatch.steps),
            receivable_ids=tuple(s["receivable_id"] for s in dispatch.steps),
            document_sha256=dispatch.document_sha256,
        )  # fmt: skip


def letter_view(letter: LetterToPost) -> dict[str, Any]:
    """A letter to post as JSON-ready data (the API's and the CLI's ``--json``)."""
    return {
        "key": letter.key, "prepared_on": letter.run_date.isoformat(), "debtor_id": letter.debtor_id,
        "debtor_name": letter.debtor_name, "postal_code": letter.postal_code, "city": letter.city,
        "kind": letter.kind, "channel": letter.channel, "invoice_numbers": list(letter.invoice_numbers),
        "document_sha256": letter.document_sha256, "pages": letter.pages,
    }  # fmt: skip


def _posted_note(dispatch: Any, posted_on: date, tracking: str | None) -> str:
    what = "Mise en demeure" if dispatch.kind == "formal_notice" else "Relance"
    number = f", n° {tracking}" if tracking else ""
    return f"{what} postée le {posted_on:%d/%m/%Y}{number}, alors que la créance était déjà soldée"
