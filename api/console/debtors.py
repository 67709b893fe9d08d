"""A debtor's page: who it is, its contacts and consent, its receivables, what halts chasing it, its journal.

Its forms (add or change a contact, record consent to electronic delivery, rectify the name, erase a natural
person's personal data) build the API's
commands and run them through the pipeline with the person as principal and the version the page showed: a refusal
is the domain's, shown in French beside its field with the values typed, and records nothing; an edit
made meanwhile by someone else is reported, never overwritten.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response
from starlette.datastructures import FormData

from api.bootstrap import ConsoleSession, Services
from api.console.inputs import FormError, Inputs
from api.console.labels import CONTACT_ROLE, DEBTOR_KIND, INSOLVENCY, PRIORITY, STAGE, STATUS
from api.console.messages import french_reason
from api.console.receivable import refusal_status
from api.console.timeline import timeline
from api.console.web import ConsoleRefusal, Form, Person, redirect, render, requiring, services_of
from application import commands
from application.access import Role
from application.pipeline import roles_for
from application.receivable_listing import ListQuery
from domain.debtor import Debtor
from domain.errors import DomainError
from domain.vocabulary import ContactRole, ReceivableStatus

router = APIRouter(include_in_schema=False)

DONE = {
    "contact-ajoute": "Contact ajouté.",
    "contact-modifie": "Contact modifié.",
    "consentement": "Consentement enregistré.",
    "nom-rectifie": "Nom rectifié : l'ancien reste au journal.",
    "donnees-effacees": "Données personnelles effacées.",
    "contact-efface": "Données du contact effacées.",
}
HALTING = {  # statuses that hold the dunning run back on a file, as the page says them
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
NameRectifier = Annotated[ConsoleSession, Depends(requiring(allowed(commands.RectifyDebtorName)))]
Eraser = Annotated[ConsoleSession, Depends(requiring(allowed(commands.EraseDebtor)))]
ContactEraser = Annotated[ConsoleSession, Depends(requiring(allowed(commands.EraseContact)))]


PAGE = "/debiteurs/{debtor_id:uuid}"


@router.get(PAGE, response_class=HTMLResponse)
def debtor_page(request: Request, person: Person, debtor_id: UUID, fait: str | None = None) -> HTMLResponse:
    services = services_of(request)
    debtor = services.ledger.debtor(debtor_id)  # unknown: the French 404 page
    return render(request, "debtor.html.j2", page(services, person, debtor, done=DONE.get(fait or "")))


@router.post(PAGE + "/contacts", response_class=HTMLResponse)
def add_contact(request: Request, person: ContactEditor, form: Form, debtor_id: UUID) -> Response:
    def build(inputs: Inputs) -> Any:
        return commands.AddContact(debtor_id, contact_id=uuid.uuid4(), **_contact(inputs))

    return _run(request, person, form, debtor_id, "contact-nouveau", build, done="contact-ajoute")


@router.post(PAGE + "/contacts/{contact_id:uuid}", response_class=HTMLResponse)
def change_contact(request: Request, person: ContactChanger, form: Form, debtor_id: UUID, contact_id: UUID) -> Response:
    def build(inputs: Inputs) -> Any:
        return commands.ChangeContact(debtor_id, contact_id=contact_id, **_contact(inputs))

    return _run(request, person, form, debtor_id, f"contact-{contact_id}", build, done="contact-modifie")


@router.post(PAGE + "/consentement", response_class=HTMLResponse)
def record_consent(request: Request, person: ConsentRecorder, form: Form, debtor_id: UUID) -> Response:
    def build(inputs: Inputs) -> Any:
        return commands.RecordElectronicDeliveryConsent(debtor_id, consented_on=inputs.day("consented_on"))

    return _run(request, person, form, debtor_id, "consentement", build, done="consentement")


@router.post(PAGE + "/rectification-nom", response_class=HTMLResponse)
def rectify_name(request: Request, person: NameRectifier, form: Form, debtor_id: UUID) -> Response:
    def build(inputs: Inputs) -> Any:
        return commands.RectifyDebtorName(debtor_id, legal_name=inputs.text("legal_name"), reason=inputs.text("reason"))

    return _run(request, person, form, debtor_id, "nom", build, done="nom-rectifie")


@router.post(PAGE + "/effacement", response_class=HTMLResponse)
def erase(request: Request, person: Eraser, form: Form, debtor_id: UUID) -> Response:
    """Erase a natural person's personal data (GDPR art. 17): irreversible, so the box saying so must be ticked;
    refused while a claim is pursued unless the other box forces it (the pipeline finds the claims)."""

    def build(inputs: Inputs) -> Any:
        return commands.EraseDebtor(debtor_id, reason=_confirmed_reason(inputs), force=inputs.text("force") == "oui")

    return _run(request, person, form, debtor_id, "effacement", build, done="donnees-effacees")


@router.post(PAGE + "/contacts/{contact_id:uuid}/effacement", response_class=HTMLResponse)
def erase_contact(request: Request, person: ContactEraser, form: Form, debtor_id: UUID, contact_id: UUID) -> Response:
    """Erase one contact person's data (GDPR art. 17), the debtor kept: irreversible, the box must be ticked."""

    def build(inputs: Inputs) -> Any:
        return commands.EraseContact(debtor_id, contact_id=contact_id, reason=_confirmed_reason(inputs))

    return _run(request, person, form, debtor_id, f"effacement-contact-{contact_id}", build, done="contact-efface")


def _confirmed_reason(inputs: Inputs) -> str:
    """An erasure's reason, once the box saying it is final is ticked."""
    reason = inputs.required("reason", "Le motif")
    if inputs.text("confirm") != "oui":
        raise FormError("confirm", "Cochez « Je comprends que l'effacement est définitif » pour effacer : "
                        "rien n'a été effacé.")  # fmt: skip
    return reason


# ------------------------------------------------------------------ the forms


def _run(
    request: Request,
    person: ConsoleSession,
    form: FormData,
    debtor_id: UUID,
    key: str,
    build: Callable[[Inputs], Any],
    *,
    done: str,
) -> Response:
    """Run the form's command at the version the page showed; on a refusal, the page again with the reason."""
    services = services_of(request)
    services.ledger.debtor(debtor_id)  # unknown: the French 404 page
    inputs = Inputs(form)
    if not inputs.text("version").isdigit():
        raise ConsoleRefusal(400, "Formulaire incomplet", "Ce formulaire ne dit pas quelle version du débiteur "
                             "il modifie : rechargez la page.")  # fmt: skip
    refused: dict[str, Any]
    try:
        command = build(inputs)
        services.ledger.execute(command, principal=person.principal, expected_version=int(inputs.text("version")))
    except FormError as error:
        refused = {"form": key, "message": error.message, "field": error.field, "values": inputs.values}
        return _again(request, services, person, debtor_id, refused, 422)
    except DomainError as error:
        sentence, field = french_reason(error)
        if error.rule == "erasure_claim_pursued" and (pursued := _pursued(services, debtor_id)):
            sentence += f" Factures poursuivies : {pursued}."
        refused = {"form": key, "message": sentence, "field": field, "values": inputs.values}
        return _again(request, services, person, debtor_id, refused, refusal_status(error))
    return redirect(f"/debiteurs/{debtor_id}?fait={done}")


def _again(
    request: Request, services: Services, person: ConsoleSession, debtor_id: UUID, refused: dict[str, Any], status: int
) -> Response:
    """The page as it stands now (with what someone else changed meanwhile), the form as it was typed."""
    context = page(services, person, services.ledger.debtor(debtor_id), refused=refused)
    return render(request, "debtor.html.j2", context, status_code=status)


def _pursued(services: Services, debtor_id: UUID) -> str:
    """The person's invoices still pursued, as a refused erasure names them."""
    claims = sorted(services.ledger.pursued_claims(debtor_id), key=lambda c: c.invoice_number)
    return ", ".join(f"{c.invoice_number} ({STATUS[c.status]})" for c in claims)


def _contact(inputs: Inputs) -> dict[str, Any]:
    return {
        "role": inputs.choice("role", ContactRole), "name": inputs.text("name"), "email": inputs.optional("email"),
        "phone": inputs.optional("phone"),
    }  # fmt: skip


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
    principal = person.principal
    return {
        "debtor": debtor,
        "today": today,
        "listing": listing,
        "paused": [e for e in entries if e.paused_on(today)],
        "halting": [(label, n) for s, label in HALTING.items() if (n := sum(1 for e in entries if e.status is s))],
        "journal": timeline(history.events if history is not None else (), erased=debtor.erased),
        "contacts": sorted(debtor.contacts.values(), key=lambda c: (c.name.casefold(), str(c.contact_id))),
        "may_edit_contacts": principal.may(allowed(commands.AddContact)),
        "may_change_contacts": principal.may(allowed(commands.ChangeContact)),
        "may_erase_contacts": principal.may(allowed(commands.EraseContact)) and not debtor.erased,
        "may_record_consent": principal.may(allowed(commands.RecordElectronicDeliveryConsent)),
        "may_rectify_name": principal.may(allowed(commands.RectifyDebtorName)) and not debtor.erased,
        "may_erase": principal.may(allowed(commands.EraseDebtor)) and debtor.natural_person and not debtor.erased,
        "refused": refused,
        "done": done,
        "contact_roles": CONTACT_ROLE,
        "kinds": DEBTOR_KIND,
        "priorities": PRIORITY,
        "procedures": INSOLVENCY,
        "status_labels": STATUS,
        "stage_labels": STAGE,
    }
