"""A debtor's page: who it is, its contacts and consent, its receivables, what halts chasing it, its journal.

Its forms (add or change a contact, record consent to electronic delivery) build the API's commands and
run them through the pipeline with the person as principal and the version the page showed: a refusal
is the domain's, shown in French beside its field with the values typed, and records nothing; an edit
made meanwhile by someone else is reported, never overwritten.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import date
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response
from starlette.datastructures import FormData

from api.bootstrap import ConsoleSession, Services
from api.console.debtor_events import debtor_sentence
from api.console.labels import CONTACT_ROLE, DEBTOR_KIND, INSOLVENCY, PRIORITY, STAGE, STATUS
from api.console.messages import french_reason
from api.console.web import ConsoleRefusal, Form, Person, redirect, render, requiring, services_of
from api.errors import answer_for
from application import commands
from application.access import Role
from application.deposit_list import parse_day
from application.pipeline import roles_for
from application.receivable_listing import ListQuery
from domain.debtor import Debtor, DebtorEvent
from domain.errors import DomainError, InvalidInput
from domain.vocabulary import ContactRole, ReceivableStatus

router = APIRouter(include_in_schema=False)

CONTACT_FIELDS = ("name", "role", "email", "phone")
DONE = {
    "contact-ajoute": "Contact ajouté.",
    "contact-modifie": "Contact modifié.",
    "consentement": "Consentement enregistré.",
}
HALTING = {  # statuses in which the dunning run leaves a file alone, as the page says them
    ReceivableStatus.DISPUTED: "en litige",
    ReceivableStatus.PROMISED: "sous promesse de paiement",
    ReceivableStatus.IN_PAYMENT_PLAN: "sous échéancier",
    ReceivableStatus.ESCALATED: "au contentieux",
}


def allowed(command_type: type) -> frozenset[Role]:
    roles = roles_for(command_type)
    assert roles is not None, command_type
    return roles


ContactEditor = Annotated[ConsoleSession, Depends(requiring(allowed(commands.AddContact)))]
ContactChanger = Annotated[ConsoleSession, Depends(requiring(allowed(commands.ChangeContact)))]
ConsentRecorder = Annotated[ConsoleSession, Depends(requiring(allowed(commands.RecordElectronicDeliveryConsent)))]


@router.get("/debiteurs/{debtor_id}", response_class=HTMLResponse)
def debtor_page(request: Request, person: Person, debtor_id: str) -> HTMLResponse:
    services = services_of(request)
    debtor = services.ledger.debtor(_id(debtor_id))
    done = DONE.get(request.query_params.get("fait", ""))
    return render(request, "debtor.html.j2", page(services, person, debtor, done=done))


@router.post("/debiteurs/{debtor_id}/contacts", response_class=HTMLResponse)
def add_contact(request: Request, person: ContactEditor, form: Form, debtor_id: str) -> Response:
    def build(debtor: Debtor) -> Any:
        return commands.AddContact(debtor.id, contact_id=uuid.uuid4(), **_contact(form))

    return _run(request, person, form, debtor_id, "contact-nouveau", build, done="contact-ajoute")


@router.post("/debiteurs/{debtor_id}/contacts/{contact_id}", response_class=HTMLResponse)
def change_contact(request: Request, person: ContactChanger, form: Form, debtor_id: str, contact_id: str) -> Response:
    def build(debtor: Debtor) -> Any:
        return commands.ChangeContact(debtor.id, contact_id=_id(contact_id), **_contact(form))

    return _run(request, person, form, debtor_id, f"contact-{contact_id}", build, done="contact-modifie")


@router.post("/debiteurs/{debtor_id}/consentement", response_class=HTMLResponse)
def record_consent(request: Request, person: ConsentRecorder, form: Form, debtor_id: str) -> Response:
    def build(debtor: Debtor) -> Any:
        return commands.RecordElectronicDeliveryConsent(debtor.id, consented_on=_day(form, "consented_on"))

    return _run(request, person, form, debtor_id, "consentement", build, done="consentement")


# ------------------------------------------------------------------ the forms


def _run(
    request: Request,
    person: ConsoleSession,
    form: FormData,
    debtor_id: str,
    key: str,
    build: Callable[[Debtor], Any],
    *,
    done: str,
) -> Response:
    """Run the form's command at the version the page showed; on a refusal, the page again with the reason."""
    services = services_of(request)
    debtor = services.ledger.debtor(_id(debtor_id))  # unknown: the French 404 page
    try:
        command = build(debtor)
        services.ledger.execute(command, principal=person.principal, expected_version=_version(form))
    except DomainError as error:
        sentence, field = french_reason(error)
        refused = {"form": key, "message": sentence, "field": field or _field_named(error), "values": dict(form)}
        status = answer_for(error).status
        return render(
            request,
            "debtor.html.j2",
            page(services, person, services.ledger.debtor(debtor.id), refused=refused),
            status_code=409 if status == 412 else status,
        )
    return redirect(f"/debiteurs/{debtor.id}?fait={done}")


def _contact(form: FormData) -> dict[str, Any]:
    typed = {name: str(form.get(name) or "").strip() for name in CONTACT_FIELDS}
    try:
        role = ContactRole(typed["role"])
    except ValueError:
        raise InvalidInput("role: not a contact role", rule="contact_role") from None
    return {"role": role, "name": typed["name"], "email": typed["email"] or None, "phone": typed["phone"] or None}


def _day(form: FormData, name: str) -> date:
    typed = str(form.get(name) or "")
    try:
        return parse_day(typed)
    except ValueError:
        raise InvalidInput(f"{name}: {typed!r} is not a date (dd/mm/yyyy)", rule="date_format") from None


def _version(form: FormData) -> int:
    typed = str(form.get("version") or "")
    if not typed.isdigit():
        raise ConsoleRefusal(
            400, "Formulaire incomplet", "Ce formulaire ne dit pas quelle version il modifie : rechargez la page."
        )
    return int(typed)


def _field_named(error: DomainError) -> str | None:
    """The field an error's message starts with (``email: not an e-mail address``), when it names one."""
    name, colon, _ = error.message.partition(":")
    return name if colon and name.replace("_", "").isalpha() else None


def _id(text: str) -> UUID:
    try:
        return UUID(text)
    except ValueError:
        raise ConsoleRefusal(404, "Page introuvable", "Cette page ou ce dossier n'existe pas (ou plus).") from None


# ------------------------------------------------------------------- the page


def page(
    services: Services,
    person: ConsoleSession,
    debtor: Debtor,
    *,
    refused: dict[str, Any] | None = None,
    done: str | None = None,
) -> dict[str, Any]:
    today = services.ledger.now().today
    index = services.receivable_index()
    listing = index.listing(ListQuery(debtor_id=debtor.id), today)
    entries = index.matching(debtor_id=debtor.id)
    history = services.ledger.store.history(debtor.id)
    events = list(reversed(history.events)) if history is not None else []
    principal = person.principal
    return {
        "debtor": debtor,
        "today": today,
        "listing": listing,
        "paused": [e for e in entries if e.paused_on(today)],
        "halting": [(label, n) for s, label in HALTING.items() if (n := sum(1 for e in entries if e.status is s))],
        "journal": [(e, debtor_sentence(e, erased=debtor.erased)) for e in events if isinstance(e, DebtorEvent)],
        "contacts": sorted(debtor.contacts.values(), key=lambda c: (c.name.casefold(), str(c.contact_id))),
        "may_edit_contacts": principal.may(allowed(commands.AddContact)),
        "may_change_contacts": principal.may(allowed(commands.ChangeContact)),
        "may_record_consent": principal.may(allowed(commands.RecordElectronicDeliveryConsent)),
        "refused": refused,
        "done": done,
        "contact_roles": CONTACT_ROLE,
        "kinds": DEBTOR_KIND,
        "priorities": PRIORITY,
        "procedures": INSOLVENCY,
        "status_labels": STATUS,
        "stage_labels": STAGE,
    }
