"""/v1/letters: the letters the dunning run prepared, their posting, and what comes back.

A letter is in the journal only once a person says it was posted (issue 17): these routes are how the
post room says so, one letter at a time or with the filled deposit list."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response
from pydantic import Field

from api.http.dependencies import ServicesDep, allow
from api.http.schemas import Body, Sha256
from application.access import COLLECTION, READERS, Principal
from application.deposit_list import read_posted_csv
from application.letters import LetterOutcome, Posting, letter_view
from domain.errors import InvalidInput

router = APIRouter(prefix="/v1/letters", tags=["letters"])

Reader = Annotated[Principal, Depends(allow(READERS))]
Poster = Annotated[Principal, Depends(allow(COLLECTION))]
MAX_DEPOSIT_LIST_BYTES = 2_000_000


class PostingBody(Body):
    posted_on: dt.date = Field(description="The day the letter was handed to La Poste (not before it was prepared)")
    tracking_number: str | None = Field(
        default=None, max_length=40, description="La Poste number of a recommandé (required for a registered letter)"
    )
    receipt_sha256: Sha256 | None = Field(default=None, description="The scan of the deposit receipt, if kept")
    receipt_media_type: str = Field(default="application/pdf", max_length=100)


class OutcomeBody(Body):
    outcome: LetterOutcome = Field(description="delivered, unclaimed (avisé non réclamé), refused, returned")
    on: dt.date = Field(description="Signed, first presented, refused or returned on")
    proof_sha256: Sha256 | None = Field(default=None, description="The scan of the AR or of the returned envelope")


@router.get("", summary="Letters waiting to be posted, in posting order")
def list_letters(
    services: ServicesDep, _: Reader, prepared_on: Annotated[dt.date | None, Query()] = None
) -> list[dict[str, Any]]:
    return [letter_view(letter) for letter in services.letters().to_post(prepared_on=prepared_on)]


@router.get(
    "/batch.pdf",
    summary="The print batch: the deposit list, then every paper letter to post, in posting order (PDF)",
    response_class=Response,
    responses={
        200: {"content": {"application/pdf": {}}, "description": "One PDF to print; records nothing"},
        404: {"description": "no_letters_to_post"},
        409: {"description": "document_missing, document_unreadable: a stored letter cannot be printed"},
    },
)
def print_batch(services: ServicesDep, _: Reader, prepared_on: Annotated[dt.date | None, Query()] = None) -> Response:
    """Letters prepared on `prepared_on` (default: every letter waiting); an LRE is not printed. 404
    `no_letters_to_post` when there is nothing to print."""
    batch, pdf = services.letters().batch_pdf(prepared_on=prepared_on)
    name = f"courriers-{(prepared_on or services.ledger.now().today).isoformat()}.pdf"
    return Response(pdf, media_type="application/pdf", headers={
        "Content-Disposition": f'attachment; filename="{name}"', "X-Letters": str(len(batch.letters)),
    })  # fmt: skip


@router.get(
    "/deposit-list.csv",
    summary="The deposit list to fill in at the post office and send back to /v1/letters/postings (CSV)",
    response_class=Response,
    responses={
        200: {"content": {"text/csv": {}}, "description": "French Excel CSV (;, UTF-8 with BOM)"},
        404: {"description": "no_letters_to_post"},
        409: {"description": "document_missing, document_unreadable: a stored letter cannot be printed"},
    },
)
def deposit_list(services: ServicesDep, _: Reader, prepared_on: Annotated[dt.date | None, Query()] = None) -> Response:
    content = services.letters().deposit_list_csv(prepared_on=prepared_on)
    name = f"liste-de-depot-{(prepared_on or services.ledger.now().today).isoformat()}.csv"
    return Response(content, media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})  # fmt: skip


@router.post(
    "/postings",
    status_code=201,
    summary="Record the postings of a filled deposit list (CSV)",
    openapi_extra={"requestBody": {"required": True, "content": {"text/csv": {"schema": {"type": "string"}}}}},
    responses={
        404: {"description": "letter_exists: a line names no letter"},
        409: {"description": "a line's letter is already posted or cancelled"},
        422: {"description": "deposit_list: the file, or one of its lines (every problem named with its line)"},
    },
)
async def post_deposit_list(request: Request, services: ServicesDep, p: Poster) -> list[dict[str, Any]]:
    """The deposit list as Excel saves it (`;`, UTF-8 with or without BOM): every line is checked before any
    is recorded; one bad line and nothing is."""
    content = await request.body()
    if len(content) > MAX_DEPOSIT_LIST_BYTES:
        raise InvalidInput(f"deposit list: larger than {MAX_DEPOSIT_LIST_BYTES} bytes", rule="deposit_list")
    postings = services.letters().post_many(read_posted_csv(content), principal=p)
    return [posting_view(posting) for posting in postings]


@router.post("/{key:path}/posting", status_code=201, summary="Record that a letter was posted")
def post_letter(key: str, body: PostingBody, services: ServicesDep, p: Poster) -> dict[str, Any]:
    posting = services.letters().post(
        key, posted_on=body.posted_on, tracking_number=body.tracking_number, principal=p,
        receipt_sha256=body.receipt_sha256, receipt_media_type=body.receipt_media_type,
    )  # fmt: skip
    return posting_view(posting)


@router.post(
    "/{key:path}/outcome", status_code=201, summary="Record what came back: AR, non réclamé, refused, returned"
)
def record_outcome(key: str, body: OutcomeBody, services: ServicesDep, p: Poster) -> dict[str, Any]:
    result = services.letters().record_outcome(
        key, body.outcome, on=body.on, principal=p, proof_sha256=body.proof_sha256
    )
    return posting_view(result)


class CancellationBody(Body):
    reason: str | None = Field(
        default=None, max_length=500, description="Why it does not go: noted on each file the letter named"
    )


@router.post(
    "/{key:path}/cancellation",
    summary="Withdraw a letter that was not posted (no sending is recorded; a reason given is noted on its files)",
)
def cancel_letter(key: str, services: ServicesDep, p: Poster, body: CancellationBody | None = None) -> dict[str, Any]:
    services.letters().cancel(key, principal=p, reason=body.reason if body else None)
    return {"key": key, "status": "cancelled"}


def posting_view(posting: Posting) -> dict[str, Any]:
    return {"key": posting.key, "events": posting.events, "invoice_numbers": posting.invoices, "noted": posting.noted}
