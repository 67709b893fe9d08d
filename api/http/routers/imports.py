"""/v1/imports: open invoices (CSV, Factur-X) and bank statements (CSV, CAMT.053) in, matched and
idempotent; the bank lines nobody could match, and their allocation by a person (docs/imports.md).

Files go as the raw request body with their media type (so ``Idempotency-Key`` hashes the exact
bytes); ``?format=`` overrides the media type. A refused file is a 422 naming the line or element
at fault, and records nothing."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Annotated, Any, Literal
from uuid import UUID

from anyio import to_thread
from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, Field

from api.bootstrap import MAX_IMPORT_BYTES, ImportStore, Services, read_invoices, read_statement
from api.http.dependencies import ServicesDep, allow
from api.http.schemas import Amount, Body
from application.access import ACCOUNTING, REPORTING, Principal
from application.imports import (
    AllocationPart,
    ImportReport,
    Imports,
    bank_line_view,
    report_view,
)
from domain.errors import InvalidInput

router = APIRouter(prefix="/v1/imports", tags=["imports"])

Importer = Annotated[Principal, Depends(allow(ACCOUNTING))]
UnmatchedReader = Annotated[Principal, Depends(allow(REPORTING))]  # accountant, manager, auditor (and admin)

CSV_EXAMPLE = (
    "Numéro facture;Date facture;Date échéance;Montant HT;TVA;Montant TTC;Client;SIREN;Adresse;Code postal;Ville\n"
    "FA-2026-0101;02/03/2026;01/04/2026;1 000,00;200,00;1 200,00;Dupont Matériaux SARL;732829320;"
    "12 rue des Lilas;69003;Lyon\n"
)
BANK_EXAMPLE = (
    "Date;Montant;Référence;Libellé;Emetteur\n"
    "10/06/2026;1 200,00;VIR-0001;VIR SEPA FACT FA-2026-0101;DUPONT MATERIAUX\n"
)
REFUSED: dict[int | str, dict[str, Any]] = {
    422: {"description": "The file is refused whole (encoding, columns, values, XML, no Factur-X data)"}
}


def _body(media: dict[str, str]) -> dict[str, Any]:
    return {
        "requestBody": {
            "required": True,
            "content": {
                kind: {"schema": {"type": "string", "format": "binary"}, **({"example": ex} if ex else {})}
                for kind, ex in media.items()
            },
        }
    }


# ------------------------------------------------------------------ bodies


class AllocationOut(BaseModel):
    receivable_id: str
    invoice_number: str
    amount: str = Field(examples=["1200.00"])


class ReportLineOut(BaseModel):
    location: str = Field(description="The line (CSV) or element path (XML) of the file", examples=["line 4"])
    key: str = Field(description="The invoice number or the bank reference", examples=["FA-2026-0101"])
    outcome: Literal["created", "matched", "skipped", "unmatched", "refused"]
    reason: str | None = Field(description="Why, as a stable code", examples=["invoice_number_exists"])
    detail: str
    allocations: list[AllocationOut] = Field(description="What a bank line paid (matched lines)")
    line_id: str | None = Field(description="An unmatched bank line, to allocate")


class ImportReportOut(BaseModel):
    kind: Literal["invoices", "payments"]
    format: str = Field(examples=["csv", "facturx", "camt053"])
    sha256: str = Field(description="SHA-256 of the file as received")
    counts: dict[str, int] = Field(examples=[{"created": 2, "matched": 0, "skipped": 1, "unmatched": 0, "refused": 0}])
    lines: list[ReportLineOut]


class BankLineOut(BaseModel):
    line_id: str
    reference: str
    amount: str
    currency: str
    booked_on: str
    value_date: str | None
    remittance: str
    payer: str | None
    status: Literal["matched", "unmatched", "allocating", "allocated"]
    reason: str | None
    detail: str
    source_sha256: str
    imported_at: str
    imported_by: str
    allocations: list[AllocationOut]
    allocated_at: str | None
    allocated_by: str | None


class BankLinesPage(BaseModel):
    items: list[BankLineOut]
    total: int
    limit: int
    offset: int


class AllocationPartBody(Body):
    receivable_id: UUID | None = Field(default=None, description="The receivable, or give its invoice_number")
    invoice_number: str | None = Field(default=None, min_length=1, max_length=64, examples=["FA-2026-0101"])
    amount: Amount


class AllocationBody(Body):
    allocations: list[AllocationPartBody] = Field(
        min_length=1, max_length=50, description="The parts add up to the line's amount exactly"
    )


# ------------------------------------------------------------------ routes


def imports_of(services: Services) -> Imports:
    return Imports(services.ledger, ImportStore(services.database), services.documents)


async def _upload(request: Request) -> tuple[bytes, str | None]:
    if int(request.headers.get("content-length") or 0) > MAX_IMPORT_BYTES:
        raise InvalidInput(f"file: larger than {MAX_IMPORT_BYTES} bytes", rule="import_size")
    return await request.body(), request.headers.get("content-type")


async def _run(call: Callable[[], ImportReport]) -> ImportReportOut:
    report = await to_thread.run_sync(call)
    return ImportReportOut.model_validate(report_view(report))


@router.post(
    "/invoices",
    summary="Import open invoices: a CSV export of open items, or one Factur-X / ZUGFeRD PDF",
    description="Debtors are matched by SIREN or created. An invoice number already issued is skipped; "
    "a Factur-X PDF is stored and attached as the invoice document.",
    openapi_extra=_body({"text/csv": CSV_EXAMPLE, "application/pdf": ""}),
    responses=REFUSED,
)
async def import_invoices(
    request: Request,
    services: ServicesDep,
    principal: Importer,
    format: Annotated[Literal["csv", "facturx"] | None, Query(description="Default: from the media type")] = None,
) -> ImportReportOut:
    content, media_type = await _upload(request)

    def run() -> ImportReport:
        batch = read_invoices(content, format=format or media_type)
        return imports_of(services).import_invoices(batch, actor=principal.name)

    return await _run(run)


@router.post(
    "/payments",
    summary="Import a bank statement: CSV bank lines or an ISO 20022 CAMT.053 statement",
    description="Each booked credit is matched by invoice number in the remittance, then by amount; what is "
    "matched records PaymentReceived with the bank reference, the rest goes to GET /v1/imports/unmatched.",
    openapi_extra=_body({"text/csv": BANK_EXAMPLE, "application/xml": ""}),
    responses=REFUSED,
)
async def import_payments(
    request: Request,
    services: ServicesDep,
    principal: Importer,
    format: Annotated[Literal["csv", "camt053"] | None, Query(description="Default: from the media type")] = None,
) -> ImportReportOut:
    content, media_type = await _upload(request)

    def run() -> ImportReport:
        statement = read_statement(content, format=format or media_type)
        return imports_of(services).import_payments(statement, actor=principal.name)

    return await _run(run)


@router.get("/unmatched", summary="Bank credits no invoice could be matched to, waiting for a person")
def list_unmatched(
    services: ServicesDep,
    _: UnmatchedReader,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> BankLinesPage:
    records, total = ImportStore(services.database).lines(status="unmatched", limit=limit, offset=offset)
    items = [BankLineOut.model_validate(bank_line_view(r)) for r in records]
    return BankLinesPage(items=items, total=total, limit=limit, offset=offset)


@router.post(
    "/unmatched/{line_id}/allocation",
    summary="Allocate an unmatched bank line to receivables (PaymentReceived with the bank reference)",
    description='Split over several receivables, the payments carry the bank reference with "/1", "/2"…',
    responses={
        404: {"description": "Unknown bank line or receivable"},
        409: {"description": "The line is not unmatched any more, the parts do not add up, or a rule refuses"},
        422: {"description": "Invalid input"},
    },
)
def allocate_line(line_id: UUID, body: AllocationBody, services: ServicesDep, principal: Importer) -> BankLineOut:
    parts = [AllocationPart(Decimal(p.amount), p.receivable_id, p.invoice_number) for p in body.allocations]
    record = imports_of(services).allocate(str(line_id), parts, actor=principal.name)
    return BankLineOut.model_validate(bank_line_view(record))
