"""The receivable page, ``/creances/{id}``: where the file stands, what may be claimed, its timeline in
French, its documents, and the actions each role may take (api/console/actions.py)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from uuid import UUID

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from api.bootstrap import Services, build_claims, served_media_type
from api.console.actions import ACTIONS, BY_SLUG, Action, Dossier, Submission, WaitingLetter
from api.console.claim import claim_context, limitation_context
from api.console.inputs import FormError, Inputs
from api.console.labels import STAGE, STATUS
from api.console.messages import french_reason
from api.console.timeline import named_documents, timeline
from api.console.web import ConsoleRefusal, Form, Person, redirect, render, services_of
from api.errors import answer_for
from application.access import Principal
from domain.chain import LedgerEvent
from domain.errors import DomainError, Forbidden, InvalidInput
from domain.limitation import limitation_of
from domain.receivable import Receivable
from domain.receivable_events import InvoiceIssued, ReceivableEvent

router = APIRouter(include_in_schema=False)

PAGE = "/creances/{receivable_id:uuid}"
NOTHING_NEW = "Rien de nouveau : cette saisie était déjà enregistrée."
MISSING = ConsoleRefusal(404, "Créance introuvable", "Cette créance n'existe pas (ou plus).")


@dataclass
class Failed:
    """A refused form, shown again with what was typed and the reason beside its field."""

    slug: str
    values: dict[str, str]
    reason: str
    field: str | None = None


def load(services: Services, receivable_id: UUID) -> tuple[Dossier, tuple[LedgerEvent, ...]]:
    """The file's events (one read) and what the page and the forms need of it."""
    ledger = services.ledger
    history = ledger.store.history(receivable_id)
    if history is None or not isinstance(history.events[0], InvoiceIssued):
        raise MISSING
    receivable = Receivable.replay(e for e in history.events if isinstance(e, ReceivableEvent))
    assert receivable is not None
    debtor = ledger.debtor(receivable.debtor_id)
    named = str(receivable_id)
    waiting = [
        WaitingLetter.of(dispatch)
        for dispatch in services.letters().outbox.to_post()
        if any(step["receivable_id"] == named for step in dispatch.steps)
    ]
    return Dossier(receivable, debtor, waiting, ledger.now().today), history.events


@router.get(PAGE, response_class=HTMLResponse)
def receivable_page(request: Request, receivable_id: UUID, person: Person, fait: str | None = None) -> HTMLResponse:
    services = services_of(request)
    done = NOTHING_NEW if fait == "rien" else (BY_SLUG[fait].done if fait in BY_SLUG else None)
    return page(request, services, person.principal, *load(services, receivable_id), done=done)


@router.post(PAGE + "/{slug}", response_model=None)
def act(request: Request, receivable_id: UUID, slug: str, person: Person, form: Form) -> Response:
    action = BY_SLUG.get(slug)
    if action is None:
        raise ConsoleRefusal(404, "Action inconnue", "Cette action n'existe pas sur une créance.")
    if not person.principal.may(action.roles):
        raise ConsoleRefusal(403, "Action refusée", "Votre rôle ne permet pas cette action sur une créance.")
    services = services_of(request)
    dossier, _ = load(services, receivable_id)
    inputs = Inputs(form)
    submission = Submission(dossier, inputs, form, services, person.principal)
    try:
        version = int(inputs.text("version"))
    except ValueError:
        raise ConsoleRefusal(400, "Formulaire incomplet", "Ce formulaire ne dit pas quelle version du dossier "
                             "il modifie : rechargez la page.") from None  # fmt: skip
    try:
        recorded = action.run(submission, version)
    except FormError as error:
        failed = Failed(slug, inputs.values, error.message, error.field)
        return page(request, services, person.principal, *load(services, receivable_id), failed=failed, status=422)
    except DomainError as error:
        reason, field_name = french_reason(error)
        failed = Failed(slug, inputs.values, reason, action.field_of(field_name))
        status = refusal_status(error)
        return page(request, services, person.principal, *load(services, receivable_id), failed=failed, status=status)
    return redirect(f"/creances/{receivable_id}?fait={slug if recorded else 'rien'}")


def refusal_status(error: DomainError) -> int:
    """The API's table, except that a page shown again after a refusal is a conflict (409), an unreadable
    value (422) or a refusal of the role (403)."""
    if isinstance(error, InvalidInput | Forbidden):
        return answer_for(error).status
    return 409


@router.get(PAGE + "/documents/{sha256}", response_model=None)
def document(request: Request, receivable_id: UUID, sha256: str, person: Person) -> Response:
    """A document the file's events name, opened in the browser (a PDF, an image) or saved (other types)."""
    services = services_of(request)
    history = services.ledger.store.history(receivable_id)
    if history is None or sha256 not in named_documents(history.events):
        raise ConsoleRefusal(404, "Document introuvable", "Ce document n'appartient pas à ce dossier.")
    described = services.documents.describe(sha256)
    content = services.documents.content(sha256)
    if described is None or content is None:
        raise ConsoleRefusal(404, "Document introuvable", "Ce document n'est pas conservé.")
    media_type = served_media_type(described.media_type)
    shown = media_type in {"application/pdf", "image/png", "image/jpeg"}
    disposition = "inline" if shown else "attachment"
    return Response(
        content,
        media_type=media_type,
        headers={
            "Content-Disposition": f'{disposition}; filename="{sha256}.{described.extension}"',
            "X-Content-Type-Options": "nosniff",
        },
    )


# ---------------------------------------------------------------------- page


def page(
    request: Request,
    services: Services,
    principal: Principal,
    dossier: Dossier,
    events: tuple[LedgerEvent, ...],
    *,
    failed: Failed | None = None,
    done: str | None = None,
    status: int = 200,
) -> HTMLResponse:
    receivable, debtor = dossier.receivable, dossier.debtor
    forms = [form_view(a, dossier, failed) for a in ACTIONS if principal.may(a.roles) and a.shown(dossier)]
    context = {
        "r": receivable,
        "debtor_name": debtor.legal_name or "[effacé]",
        "status_label": STATUS[receivable.status],
        "stage_label": STAGE[receivable.stage],
        "days_late": receivable.days_past_due(dossier.today),
        "today": dossier.today,
        "claim": None,
        "claim_error": None,
        "limitation": limitation_context(
            limitation_of(receivable, on=dossier.today, alert_days=services.settings.limitation_alert_days)
        ),
        "entries": timeline(events),
        "forms": forms,
        "failed": failed,
        "failed_title": BY_SLUG[failed.slug].title if failed is not None else None,
        "failed_shown": failed is not None and any(f["open"] for f in forms),
        "done": done,
    }
    try:
        claim = build_claims(services.settings, services.ledger).claim_of(receivable, dossier.today)
        context["claim"] = claim_context(claim)
    except DomainError as error:
        context["claim_error"] = french_reason(error)[0]
    return render(request, "receivable.html.j2", context, status_code=status)


def form_view(action: Action, dossier: Dossier, failed: Failed | None) -> dict[str, Any]:
    """A form as the template draws it: each field with its value (typed, or its default) and its error."""
    mine = failed if failed is not None and failed.slug == action.slug else None
    fields = []
    for f in action.fields:
        value = mine.values.get(f.name, "") if mine is not None else f.default_for(dossier)
        error = mine.reason if mine is not None and mine.field == f.name else None
        fields.append({"spec": f, "value": value, "error": error, "choices": f.choices_for(dossier)})
    return {
        "action": action,
        "fields": fields,
        "error": mine.reason if mine is not None and mine.field is None else None,
        "open": mine is not None,
        "version": dossier.receivable.version,
    }
