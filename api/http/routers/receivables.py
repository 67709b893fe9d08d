"""/v1/receivables: issue an invoice, read it (now or as of a date), its journal, and one
POST sub-resource per event of product.md. Routes translate HTTP to commands; the rules
are the domain's, and errors are mapped once in problems.py."""

from __future__ import annotations

import threading
from collections import OrderedDict
from datetime import date
from decimal import Decimal
from typing import Annotated, Any
from uuid import UUID
from weakref import WeakKeyDictionary

from fastapi import APIRouter, Depends, Path, Query, Response
from pydantic import Field

from api.bootstrap import build_claims
from api.http.command_routes import CommandRoute, declare
from api.http.dependencies import IdempotencyDep, LedgerDep, ServicesDep, allow
from api.http.schemas import (
    Amount,
    Body,
    CommandResult,
    JournalRecord,
    LongText,
    Page,
    Sha256,
    ShortText,
    command_answer,
    json_answer,
    render_json,
)
from application import commands
from application.access import ACCOUNTING, READERS, Principal
from application.ledger import Ledger, Outcome, Revision
from application.views import receivable_view
from domain.canonical import to_canonical_value
from domain.errors import NotFound
from domain.receivable import Receivable, receivable_id_for
from domain.vocabulary import (
    AcknowledgementOutcome,
    CallOutcome,
    CallPurpose,
    DisputeOutcome,
    DisputeReason,
    DocumentKind,
    EscalationRoute,
    NoticeChannel,
    PaymentMethod,
    ReceivableStatus,
    ReminderChannel,
    ReminderStage,
)

router = APIRouter(prefix="/v1/receivables", tags=["receivables"])

Reader = Annotated[Principal, Depends(allow(READERS))]
Accountant = Annotated[Principal, Depends(allow(ACCOUNTING))]
ETAG_HEADER = {"ETag": {"description": 'The aggregate version, e.g. "3"', "schema": {"type": "string"}}}
COMMAND_RESPONSES: dict[int | str, dict[str, Any]] = {
    201: {"description": "Recorded", "headers": ETAG_HEADER},
    404: {"description": "Unknown receivable"},
    409: {"description": "A rule forbids it in the file's current state, or a concurrent write won"},
    412: {"description": "If-Match no longer holds"},
    422: {"description": "Invalid input"},
}


# ------------------------------------------------------------------ helpers


def command_result(ledger: Ledger, outcome: Outcome) -> Response:
    # The aggregate the command acted on, as saved: no second load (nor a later writer's version).
    receivable = outcome.aggregate
    if not isinstance(receivable, Receivable):
        receivable = ledger.receivable(outcome.aggregate_id)
    return command_answer(
        outcome,
        receivable.version,
        receivable_view(receivable, today=ledger.now().today),
        location=f"/v1/receivables/{receivable.id}",
        status=201 if outcome.recorded else 200,
    )


class RenderedReceivables:
    """The last answer of ``GET /v1/receivables/{id}`` (without as_of) for each receivable, in this process.

    An answer depends only on the receivable's revision (its version and that event's stored bytes)
    and on the day it is read for; both are checked before it is served again. A least-recently-used
    cache bounded by the bytes it holds (a view is 1 to 20 KB), so that a firm's whole open book
    stays rendered: a bound of 1,024 answers made a benchmark over 2,048 receivables render each read.
    """

    def __init__(self, max_bytes: int = 64 * 1024 * 1024) -> None:
        self._max_bytes = max_bytes
        self._bytes = 0
        self._answers: OrderedDict[UUID, tuple[Revision, date, bytes]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, receivable_id: UUID, revision: Revision, today: date) -> bytes | None:
        with self._lock:
            known = self._answers.get(receivable_id)
            if known is None or known[0] != revision or known[1] != today:
                return None
            self._answers.move_to_end(receivable_id)
            return known[2]

    def put(self, receivable_id: UUID, revision: Revision, today: date, body: bytes) -> None:
        with self._lock:
            self._drop(receivable_id)
            self._answers[receivable_id] = (revision, today, body)
            self._bytes += len(body)
            while self._bytes > self._max_bytes:
                self._drop(next(iter(self._answers)))

    def _drop(self, receivable_id: UUID) -> None:
        known = self._answers.pop(receivable_id, None)
        if known is not None:
            self._bytes -= len(known[2])


_RENDERED: WeakKeyDictionary[Ledger, RenderedReceivables] = WeakKeyDictionary()  # one per Ledger (per app)
_RENDERED_LOCK = threading.Lock()


def rendered_receivables(ledger: Ledger) -> RenderedReceivables:
    with _RENDERED_LOCK:
        if ledger not in _RENDERED:
            _RENDERED[ledger] = RenderedReceivables()
        return _RENDERED[ledger]


# ------------------------------------------------------------------- bodies


class IssueInvoiceBody(Body):
    invoice_number: Annotated[str, Field(min_length=1, max_length=64, examples=["FA-2026-0042"])]
    debtor_id: UUID
    issue_date: date
    due_date: date
    amount_excl_vat: Amount
    vat: Amount
    amount_incl_vat: Amount
    label: ShortText
    currency: Annotated[str, Field(pattern=r"^[A-Z]{3}$")] = "EUR"
    delivery_date: date | None = Field(default=None, description="Delivery or completion; default: the issue date")
    order_reference: str | None = Field(default=None, max_length=100)
    payment_terms: str | None = Field(default=None, max_length=500, examples=["30 jours fin de mois"])
    contractual_penalty_rate: Decimal | None = Field(
        default=None, description="Late-payment penalty rate set by the terms of sale, in percent", examples=["12.00"]
    )


class ReminderBody(Body):
    stage: ReminderStage
    channel: ReminderChannel
    sent_on: date
    contact_id: UUID | None = None
    template_id: str | None = Field(default=None, max_length=100)
    document_sha256: Sha256 | None = None
    policy_id: str | None = Field(default=None, max_length=100)
    policy_version: int | None = Field(default=None, ge=1)
    rule: str | None = Field(default=None, max_length=200)


class CallBody(Body):
    called_on: date
    purpose: CallPurpose
    outcome: CallOutcome
    contact_id: UUID | None = None
    notes: LongText | None = None


class PromiseBody(Body):
    amount: Amount
    promised_date: date


class PromiseBrokenBody(Body):
    noted_on: date


class DisputeBody(Body):
    reason: DisputeReason
    opened_on: date
    amount: Amount | None = Field(default=None, description="Disputed amount; default: the whole invoice")
    description: LongText | None = None


class DisputeResolutionBody(Body):
    outcome: DisputeOutcome
    resolved_on: date
    credit_note_number: str | None = Field(default=None, max_length=64)
    credit_note_amount: Amount | None = None
    comment: LongText | None = None


class FormalNoticeBody(Body):
    channel: NoticeChannel
    sent_on: date
    deadline: date = Field(description="Date butoir, commonly 8 days after receipt")
    principal: Amount
    interest: Amount
    indemnity: Amount = Field(description="Fixed recovery indemnity (40 € per invoice, professionals only)")
    document_sha256: Sha256
    tracking_number: str | None = Field(default=None, max_length=100)


class AcknowledgementBody(Body):
    outcome: AcknowledgementOutcome
    acknowledged_on: date
    proof_sha256: Sha256 | None = None


class PaymentBody(Body):
    amount: Amount
    value_date: date
    method: PaymentMethod
    bank_reference: Annotated[str, Field(min_length=1, max_length=140, description="Unique per receivable")]


class CreditNoteBody(Body):
    credit_note_number: Annotated[str, Field(min_length=1, max_length=64)]
    amount: Amount
    issued_on: date


class Instalment(Body):
    due_date: date
    amount: Amount


class PaymentPlanBody(Body):
    instalments: Annotated[list[Instalment], Field(min_length=1, max_length=120)]
    agreement_sha256: Sha256 | None = None


class InstalmentMissedBody(Body):
    instalment_number: Annotated[int, Field(ge=1, le=120)]
    noted_on: date


class LateChargesBody(Body):
    interest: Amount
    indemnity: Amount
    charges_invoice_number: Annotated[str, Field(min_length=1, max_length=64)]
    invoiced_on: date
    calculation_sha256: Sha256 | None = None


class LateChargesWaiverBody(Body):
    interest: Amount
    indemnity: Amount
    reason: ShortText


class EscalationBody(Body):
    route: EscalationRoute
    escalated_on: date
    reference: str | None = Field(default=None, max_length=100)


class WriteOffBody(Body):
    reason: ShortText


class PauseBody(Body):
    reason: ShortText
    until: date | None = None


class ResumeBody(Body):
    reason: ShortText


class MediationStartBody(Body):
    started_on: date
    reference: str | None = Field(default=None, max_length=100)


class MediationEndBody(Body):
    ended_on: date
    outcome: ShortText | None = None


class NoteBody(Body):
    text: LongText
    document_sha256: Sha256 | None = None


class DocumentAttachmentBody(Body):
    kind: DocumentKind
    document_sha256: Sha256
    media_type: Annotated[str, Field(max_length=100, examples=["application/pdf"])]
    description: ShortText | None = None


# ------------------------------------------------------------------- routes


@router.post(
    "",
    status_code=201,
    summary="Issue an invoice (InvoiceIssued)",
    responses=COMMAND_RESPONSES,
    response_model=CommandResult,
)
def issue_invoice(
    body: IssueInvoiceBody, ledger: LedgerDep, principal: Accountant, idempotency: IdempotencyDep
) -> Response:
    command = commands.IssueInvoice(**body.model_dump())
    outcome = ledger.execute(command, principal=principal, idempotency=idempotency)
    return command_result(ledger, outcome)


@router.get("", summary="List receivables", response_model=Page)
def list_receivables(
    services: ServicesDep,
    _: Reader,
    status: ReceivableStatus | None = None,
    debtor_id: UUID | None = None,
    limitation_before: Annotated[
        date | None,
        Query(description="Only open files whose limitation date falls before this date, soonest first"),
    ] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> Page:
    ledger = services.ledger
    today = ledger.now().today
    if limitation_before is not None:
        claims = build_claims(services.settings, ledger)
        found = [
            r
            for r, _limitation in claims.limitation_before(limitation_before)
            if (status is None or r.status is status) and (debtor_id is None or r.debtor_id == debtor_id)
        ]
        total = len(found)
        page = found[offset : offset + limit]
    else:  # filtered and sorted on the index; only the page's receivables are loaded
        entries = services.receivable_index().matching(status=status, debtor_id=debtor_id)
        page = [ledger.receivable(e.receivable_id) for e in entries[offset : offset + limit]]
        total = len(entries)
    alert_days = services.settings.limitation_alert_days
    rows = [receivable_view(r, today=today, limitation_alert_days=alert_days) for r in page]
    return Page(items=rows, total=total, limit=limit, offset=offset)


@router.get(
    "/by-number/{invoice_number:path}",
    summary="A receivable by its invoice number (what an ERP knows), as GET /v1/receivables/{receivable_id}",
    response_model=dict[str, Any],
    responses={200: {"headers": ETAG_HEADER}, 404: {"description": "No invoice with this number"}},
)
def get_receivable_by_number(
    invoice_number: Annotated[str, Path(min_length=1, max_length=100)],
    ledger: LedgerDep,
    reader: Reader,
    as_of: Annotated[
        str | None, Query(description="YYYY-MM-DD (end of that day, firm's time zone) or an ISO 8601 instant")
    ] = None,
) -> Response:
    receivable_id = receivable_id_for(invoice_number)
    if ledger.revision(receivable_id) is None:  # "not found" names the number the client sent, not our id
        raise NotFound(f"no receivable with invoice number {invoice_number.strip()!r}", rule="receivable_exists")
    return get_receivable(receivable_id, ledger, reader, as_of)


@router.get(
    "/{receivable_id}",
    summary="A receivable now, or as it stood at a date or instant",
    response_model=dict[str, Any],
    responses={200: {"headers": ETAG_HEADER}, 404: {"description": "Unknown, or not yet issued at as_of"}},
)
def get_receivable(
    receivable_id: UUID,
    ledger: LedgerDep,
    _: Reader,
    as_of: Annotated[
        str | None, Query(description="YYYY-MM-DD (end of that day, firm's time zone) or an ISO 8601 instant")
    ] = None,
) -> Response:
    if as_of is not None:
        instant = ledger.as_of(as_of)
        receivable = ledger.receivable(receivable_id, as_of=instant)
        view = receivable_view(receivable, today=instant.astimezone(ledger.timezone).date())
        view["as_of"] = to_canonical_value(instant)
        return json_answer(render_json(view), receivable.version)
    # Now: the answer already rendered for this revision and day, if any (the revision costs one
    # select of the newer events, which a load makes anyway).
    today = ledger.now().today
    rendered = rendered_receivables(ledger)
    revision = ledger.revision(receivable_id)
    body = None if revision is None else rendered.get(receivable_id, revision, today)
    if body is not None and revision is not None:
        return json_answer(body, revision.version)
    receivable = ledger.receivable(receivable_id)
    view = receivable_view(receivable, today=today)
    view["as_of"] = None
    body = render_json(view)
    if revision is not None and revision.version == receivable.version:
        rendered.put(receivable_id, revision, today, body)
    return json_answer(body, receivable.version)


@router.get("/{receivable_id}/journal", summary="Every event as a canonical record with its hash")
def get_journal(receivable_id: UUID, ledger: LedgerDep, _: Reader) -> list[JournalRecord]:
    ledger.receivable(receivable_id)  # 404 for a debtor's id too
    return [JournalRecord(**entry.record) for entry in ledger.journal(receivable_id)]


def _payment_plan(receivable_id: UUID, body: PaymentPlanBody, _: dict[str, Any]) -> commands.AgreePaymentPlan:
    return commands.AgreePaymentPlan(
        receivable_id,
        instalments=[(i.due_date, i.amount) for i in body.instalments],
        agreement_sha256=body.agreement_sha256,
    )


NUMBER = Annotated[int, Path(ge=1, le=10_000)]
KNOWN_REFERENCE: dict[int | str, dict[str, Any]] = {200: {"description": "Known bank reference: nothing recorded"}}
PAYMENT_SUMMARY = "PaymentReceived (a known bank reference returns the original: 200, recorded=false)"
R = "/{receivable_id}"
C = commands

# fmt: off
COMMAND_ROUTES = [
    CommandRoute("send_reminder", f"{R}/reminders", C.SendReminder, ReminderBody, "ReminderSent"),
    CommandRoute("note_call", f"{R}/calls", C.NoteCall, CallBody, "CallNoted"),
    CommandRoute("record_promise", f"{R}/promises", C.RecordPromise, PromiseBody, "PromiseToPayRecorded"),
    CommandRoute("break_promise", f"{R}/promises/broken", C.BreakPromise, PromiseBrokenBody, "PromiseBroken"),
    CommandRoute("open_dispute", f"{R}/disputes", C.OpenDispute, DisputeBody, "DisputeOpened"),
    CommandRoute("resolve_dispute", f"{R}/disputes/{{dispute_number}}/resolution", C.ResolveDispute,
                 DisputeResolutionBody, "DisputeResolved", path_parameters={"dispute_number": NUMBER}),
    CommandRoute("send_formal_notice", f"{R}/formal-notices", C.SendFormalNotice, FormalNoticeBody,
                 "FormalNoticeSent"),
    CommandRoute("acknowledge_formal_notice", f"{R}/formal-notices/{{notice_number}}/acknowledgement",
                 C.AcknowledgeFormalNotice, AcknowledgementBody, "FormalNoticeAcknowledged",
                 path_parameters={"notice_number": NUMBER}),
    CommandRoute("record_payment", f"{R}/payments", C.RecordPayment, PaymentBody, PAYMENT_SUMMARY,
                 responses=KNOWN_REFERENCE),
    CommandRoute("apply_credit_note", f"{R}/credit-notes", C.ApplyCreditNote, CreditNoteBody, "CreditNoteApplied"),
    CommandRoute("agree_payment_plan", f"{R}/payment-plans", C.AgreePaymentPlan, PaymentPlanBody,
                 "PaymentPlanAgreed", build=_payment_plan),
    CommandRoute("miss_instalment", f"{R}/payment-plans/missed-instalments", C.MissInstalment,
                 InstalmentMissedBody, "InstalmentMissed"),
    CommandRoute("invoice_late_charges", f"{R}/late-charges", C.InvoiceLateCharges, LateChargesBody,
                 "LateChargesInvoiced"),
    CommandRoute("waive_late_charges", f"{R}/late-charges/waivers", C.WaiveLateCharges, LateChargesWaiverBody,
                 "LateChargesWaived"),
    CommandRoute("escalate", f"{R}/escalations", C.Escalate, EscalationBody, "EscalatedToLitigation"),
    CommandRoute("write_off", f"{R}/write-off", C.WriteOff, WriteOffBody, "WrittenOff"),
    CommandRoute("pause_dunning", f"{R}/pauses", C.PauseDunning, PauseBody, "DunningPaused"),
    CommandRoute("resume_dunning", f"{R}/pauses/resumption", C.ResumeDunning, ResumeBody, "DunningResumed"),
    CommandRoute("start_mediation", f"{R}/mediations", C.StartMediation, MediationStartBody, "MediationStarted"),
    CommandRoute("end_mediation", f"{R}/mediations/end", C.EndMediation, MediationEndBody, "MediationEnded"),
    CommandRoute("add_note", f"{R}/notes", C.AddNote, NoteBody, "NoteAdded"),
    CommandRoute("attach_document", f"{R}/documents", C.AttachDocument, DocumentAttachmentBody,
                 "DocumentAttached"),
]
# fmt: on
declare(
    router,
    COMMAND_ROUTES,
    aggregate_id="receivable_id",
    answer=lambda services, outcome: command_result(services.ledger, outcome),
    responses=COMMAND_RESPONSES,
)
