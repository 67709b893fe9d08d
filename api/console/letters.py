"""Lettres à poster: the letters the dunning run prepared, their print batch and deposit list, their posting,
what comes back, and their withdrawal.

The same ``Letters`` methods as /v1/letters, with the signed-in person as principal; a refusal re-renders
the page with the domain's reason in French beside the field, and nothing is recorded.
"""

from __future__ import annotations

import dataclasses
import math
from datetime import date
from pathlib import PurePath
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, Response
from starlette.datastructures import FormData, UploadFile

from api.bootstrap import MAX_DOCUMENT_BYTES, ConsoleSession, Services
from api.console.messages import french_reason
from api.console.web import ConsoleRefusal, Form, Person, redirect, render, requiring, services_of
from api.errors import answer_for
from api.http.routers.letters import MAX_DEPOSIT_LIST_BYTES
from application.access import COLLECTION
from application.deposit_list import (
    ELECTRONIC,
    KIND_LABELS,
    REGISTERED,
    LetterToPost,
    parse_day,
    read_posted_csv,
    two_digit_year,
)
from application.letters import LetterOutcome
from domain.errors import DomainError

router = APIRouter(include_in_schema=False)
Poster = Annotated[ConsoleSession, Depends(requiring(COLLECTION))]  # as POST /v1/letters/...: collectors, managers

PER_PAGE = 50
CHANNELS = {
    "letter": "Lettre simple",
    "registered_letter": "Recommandée avec AR",
    "electronic_registered_letter": "LRE (recommandé électronique)",
    "email": "E-mail",
    "sms": "SMS",
}
OUTCOMES = {
    LetterOutcome.DELIVERED: "Distribuée : accusé de réception signé",
    LetterOutcome.UNCLAIMED: "Avisée non réclamée",
    LetterOutcome.REFUSED: "Refusée par le destinataire",
    LetterOutcome.RETURNED: "Revenue : pli non distribuable",
}
DONE = {  # ?fait= after a form succeeded (post, redirect, get: a reload records nothing twice)
    "depot": "Dépôt enregistré : la relance figure au dossier, datée du jour du dépôt.",
    "liste": "Liste de dépôt enregistrée : chaque courrier daté figure à son dossier.",
    "retour": "Retour du courrier enregistré au dossier.",
    "annulation": "Courrier annulé : rien n'est parti, le motif est noté au dossier ; la prochaine relance décidera.",
}
SCANS = {".pdf": "application/pdf", ".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg",
         ".tif": "image/tiff", ".tiff": "image/tiff"}  # fmt: skip
MAX_REASON = 1000


@dataclasses.dataclass
class Refused:
    """A form the domain (or its input) refused: which one, for which letter, the reason, the values typed."""

    form: str  # depot, liste, retour, annulation
    message: str
    field: str | None = None
    key: str = ""
    values: dict[str, str] = dataclasses.field(default_factory=dict)
    detail: str = ""  # the deposit list's lines at fault, as the domain names them


class InputRefused(Exception):
    """What the console reads before any command (a date, a file) cannot be read: nothing is recorded."""

    def __init__(self, message: str, field: str) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


# ------------------------------------------------------------------ pages


@router.get("/lettres", response_class=HTMLResponse)
def letters_page(
    request: Request,
    person: Person,
    page: Annotated[int, Query(ge=1, le=10_000)] = 1,
    fait: Annotated[str | None, Query(max_length=20)] = None,
    cle: Annotated[str | None, Query(max_length=200)] = None,
) -> HTMLResponse:
    done = DONE.get(fait or "")
    return show(request, person, page=page, done=done, outcome_key=cle or "")


def show(
    request: Request,
    person: ConsoleSession,
    *,
    page: int = 1,
    refused: Refused | None = None,
    done: str | None = None,
    outcome_key: str = "",
    status_code: int = 200,
) -> HTMLResponse:
    services = services_of(request)
    letters = services.letters()
    today = services.ledger.now().today
    waiting = letters.to_post()
    pages = max(1, math.ceil(len(waiting) / PER_PAGE))
    page = min(page, pages)
    if refused is not None and refused.key:  # the page that holds the refused letter's form
        index = next((i for i, letter in enumerate(waiting) if letter.key == refused.key), None)
        page = page if index is None else index // PER_PAGE + 1
    shown = waiting[(page - 1) * PER_PAGE : page * PER_PAGE]
    context = {
        "today": today,
        "letters": [row(letter, today, letters.post_within_days) for letter in shown],
        "total": len(waiting),
        "printed": sum(1 for letter in waiting if letter.channel != ELECTRONIC),
        "overdue": sum(1 for letter in waiting if (today - letter.run_date).days > letters.post_within_days),
        "page": page,
        "pages": pages,
        "first": (page - 1) * PER_PAGE,
        "may_post": person.principal.may(COLLECTION),
        "refused": refused,
        "refused_elsewhere": refused is not None and refused.key not in {letter.key for letter in shown},
        "done": done,
        "outcome_key": outcome_key,
        "outcomes": OUTCOMES,
        "post_within_days": letters.post_within_days,
    }
    return render(request, "letters.html.j2", context, status_code=status_code)


def row(letter: LetterToPost, today: date, within: int) -> dict[str, Any]:
    waiting = (today - letter.run_date).days
    return {
        "key": letter.key,
        "prepared_on": letter.run_date,
        "debtor_id": letter.debtor_id,
        "debtor_name": letter.debtor_name,
        "place": " ".join(part for part in (letter.postal_code, letter.city) if part),
        "invoices": list(zip(letter.receivable_ids, letter.invoice_numbers, strict=False)),
        "kind": KIND_LABELS.get(letter.kind, letter.kind),
        "channel": CHANNELS.get(letter.channel, letter.channel),
        "tracked": letter.channel in (REGISTERED, ELECTRONIC),
        "electronic": letter.channel == ELECTRONIC,
        "waiting": waiting,
        "overdue": waiting > within,
    }


# ------------------------------------------------------------------ downloads


@router.get("/lettres/lot.pdf")
def print_batch(request: Request, person: Person) -> Response:
    """The print batch of GET /v1/letters/batch.pdf: the deposit list, then every paper letter to post."""
    services = services_of(request)
    try:
        batch, pdf = services.letters().batch_pdf()
    except DomainError as error:
        raise refusal_page(error) from None
    name = f"courriers-{services.ledger.now().today.isoformat()}.pdf"
    return Response(pdf, media_type="application/pdf", headers={
        "Content-Disposition": f'attachment; filename="{name}"', "X-Letters": str(len(batch.letters)),
    })  # fmt: skip


@router.get("/lettres/depot.csv")
def deposit_list(request: Request, person: Person) -> Response:
    """The deposit list of GET /v1/letters/deposit-list.csv, to fill in at the counter and send back here."""
    services = services_of(request)
    try:
        content = services.letters().deposit_list_csv()
    except DomainError as error:
        raise refusal_page(error) from None
    name = f"liste-de-depot-{services.ledger.now().today.isoformat()}.csv"
    return Response(content, media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})  # fmt: skip


def refusal_page(error: DomainError) -> ConsoleRefusal:
    status = 404 if error.rule == "no_letters_to_post" else 409
    return ConsoleRefusal(
        status, "Rien à imprimer" if status == 404 else "Impression impossible", french_reason(error)[0]
    )


# ------------------------------------------------------------------ forms


@router.post("/lettres/depot", response_class=HTMLResponse)
def post_letter(request: Request, person: Poster, form: Form) -> Response:
    """One letter posted: the day, the La Poste number of a recommandé, the scan of the receipt if kept."""
    services = services_of(request)
    key = text(form, "cle")
    values = {"posted_on": text(form, "posted_on"), "tracking_number": text(form, "tracking_number")}
    try:
        posted_on = read_day(values["posted_on"], "posted_on")
        receipt = stored_scan(services, form, "recu", person)
        services.letters().post(
            key, posted_on=posted_on, tracking_number=values["tracking_number"] or None, principal=person.principal,
            receipt_sha256=receipt[0] if receipt else None,
            receipt_media_type=receipt[1] if receipt else "application/pdf",
        )  # fmt: skip
    except (DomainError, InputRefused) as error:
        return refused_again(request, person, Refused("depot", "", key=key, values=values), error, "recu")
    return redirect(f"/lettres?fait=depot&cle={quoted(key)}")


@router.post("/lettres/liste", response_class=HTMLResponse)
def post_deposit_list(request: Request, person: Poster, form: Form) -> Response:
    """The filled deposit list, as Excel saves it: every line checked before any is recorded (``post_many``)."""
    services = services_of(request)
    try:
        content = uploaded(form, "liste", MAX_DEPOSIT_LIST_BYTES)
        if content is None:
            raise InputRefused("Choisissez le fichier de la liste de dépôt remplie.", "liste")
        services.letters().post_many(read_posted_csv(content), principal=person.principal)
    except (DomainError, InputRefused) as error:
        return refused_again(request, person, Refused("liste", ""), error, "liste")
    return redirect("/lettres?fait=liste")


@router.post("/lettres/retour", response_class=HTMLResponse)
def record_outcome(request: Request, person: Poster, form: Form) -> Response:
    """What came back of a posted letter: the AR signed, avisé non réclamé, refused, or returned undeliverable."""
    services = services_of(request)
    key = text(form, "cle")
    values = {"cle": key, "outcome": text(form, "outcome"), "on": text(form, "on")}
    try:
        if not key:
            raise InputRefused("Indiquez la clé du courrier (colonne « cle » de la liste de dépôt).", "cle")
        outcome = next((o for o in LetterOutcome if o.value == values["outcome"]), None)
        if outcome is None:
            raise InputRefused("Choisissez ce qui est revenu.", "outcome")
        on = read_day(values["on"], "on")
        proof = stored_scan(services, form, "preuve", person)
        services.letters().record_outcome(
            key, outcome, on=on, principal=person.principal, proof_sha256=proof[0] if proof else None
        )
    except (DomainError, InputRefused) as error:
        return refused_again(request, person, Refused("retour", "", values=values), error, "preuve")
    return redirect("/lettres?fait=retour")


@router.post("/lettres/annulation", response_class=HTMLResponse)
def cancel_letter(request: Request, person: Poster, form: Form) -> Response:
    """Withdraw a letter before it is posted (``cancel``: nothing was sent, so nothing is recorded as sent);
    the person's reason is noted on each file the letter named, so that the file says why none went."""
    services = services_of(request)
    letters = services.letters()
    key = text(form, "cle")
    values = {"motif": text(form, "motif")}
    try:
        reason = values["motif"]
        if not reason:
            raise InputRefused("Indiquez pourquoi ce courrier ne part pas.", "motif")
        if len(reason) > MAX_REASON:
            raise InputRefused(f"Le motif dépasse {MAX_REASON} caractères.", "motif")
        # refuses an unknown, posted or cancelled letter; notes the reason on each file the letter named
        letters.cancel(key, principal=person.principal, reason=reason)
    except (DomainError, InputRefused) as error:
        return refused_again(request, person, Refused("annulation", "", key=key, values=values), error, "motif")
    return redirect("/lettres?fait=annulation")


def refused_again(
    request: Request, person: ConsoleSession, refused: Refused, error: Exception, file_field: str
) -> HTMLResponse:
    """The page again, the reason in French beside the field, the values typed kept; 422 or 409."""
    if isinstance(error, InputRefused):
        refused.message, refused.field, status = error.message, error.field, 422
    else:
        assert isinstance(error, DomainError)
        refused.message, refused.field = french_reason(error)
        status = answer_for(error).status
        if error.rule.startswith("document_"):
            refused.field = file_field
        if error.rule == "deposit_list":
            refused.field, refused.detail = file_field, error.message.removeprefix("deposit list: ")
    return show(request, person, refused=refused, status_code=status)


# ------------------------------------------------------------------ reading the form


def text(form: FormData, name: str) -> str:
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


def quoted(key: str) -> str:
    return quote(key, safe="")


def read_day(value: str, name: str) -> date:
    """dd/mm/yyyy (or yyyy-mm-dd), as the CLI and the deposit list read it."""
    if not value:
        raise InputRefused("Indiquez la date (jj/mm/aaaa).", name)
    if two_digit_year(value):
        raise InputRefused("Écrivez l'année en entier (jj/mm/aaaa).", name)
    try:
        return parse_day(value)
    except ValueError:
        raise InputRefused(f"« {value} » n'est pas une date (jj/mm/aaaa).", name) from None


def uploaded(form: FormData, name: str, limit: int) -> bytes | None:
    """The bytes of a file field, None when no file was chosen."""
    upload = form.get(name)
    if not isinstance(upload, UploadFile) or not upload.filename:
        return None
    content = upload.file.read(limit + 1)
    if len(content) > limit:
        raise InputRefused(f"Le fichier dépasse {limit // 1_000_000} Mo.", name)
    return content or None


def stored_scan(services: Services, form: FormData, name: str, person: ConsoleSession) -> tuple[str, str] | None:
    """A scan (receipt, AR, returned envelope) stored as POST /v1/documents stores it: (sha256, media type)."""
    upload = form.get(name)
    if not isinstance(upload, UploadFile) or not upload.filename:
        return None
    media_type = SCANS.get(PurePath(upload.filename).suffix.lower())
    if media_type is None:
        raise InputRefused("Le justificatif doit être un PDF ou une image (PNG, JPEG, TIFF).", name)
    content = uploaded(form, name, MAX_DOCUMENT_BYTES)
    if content is None:
        raise InputRefused("Le fichier envoyé est vide.", name)
    stored, _ = services.documents.put(content, media_type, actor=person.principal.name)
    return stored.sha256, media_type
