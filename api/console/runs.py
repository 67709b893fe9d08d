"""Relances: the dunning run's proposal for today, its launch by a manager, and the saved reports, in French.

The proposal is the run itself as a dry run (``DunningRun.run(dry_run=True)``): it decides everything and
sends and records nothing. The launch is POST /v1/dunning-runs' call, with the person as actor, and its
report is saved as that route saves it; a second launch the same day sends nothing twice.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import HTMLResponse, Response

from api.bootstrap import ConsoleSession, Services, served_media_type
from api.console.letters import CHANNELS
from api.console.messages import french_reason
from api.console.web import ConsoleRefusal, Form, Person, redirect, render, requiring, services_of
from api.errors import answer_for
from application.access import MANAGEMENT
from application.deposit_list import KIND_LABELS
from application.dunning_report import report_view
from domain.errors import DomainError, NotFound
from domain.personal import ERASED

router = APIRouter(include_in_schema=False)
Runner = Annotated[ConsoleSession, Depends(requiring(MANAGEMENT))]  # as POST /v1/dunning-runs: managers, admin

RECENT = 20  # runs listed under the proposal
SHOWN = 200  # lines per section of a report: the page stays readable; the API has the full report

STATUSES = {
    "would_send": "partirait",
    "recorded": "envoyé, enregistré au dossier",
    "to_post": "lettre préparée, à poster",
    "resumed": "repris d'un lancement interrompu",
}
REFUSALS = {
    "bank_data_stale": "Relevé bancaire absent ou trop ancien : rien ne part sans forcer l'envoi",
    "firm_not_configured": "Le nom du créancier n'est pas configuré (RELANCE_FIRM_NAME)",
    "sms_not_available": "Aucun prestataire SMS n'est configuré",
    "smtp_not_configured": "Aucun serveur d'envoi d'e-mails n'est configuré",
    "guardrail_letter_on_sunday": "Pas de lettre datée d'un dimanche : elle partira à la prochaine relance",
    "guardrail_contacts_per_week": "Le débiteur a déjà été contacté autant que sa politique le permet cette semaine",
    "guardrail_working_hours": "Hors des heures ouvrées de la politique : pas d'e-mail ni de SMS maintenant",
    "guardrail_invoice_document": "Joignez d'abord la facture au dossier",
    "guardrail_reminder_before_notice": "Une relance doit précéder la mise en demeure",
    "no_mobile_number": "Aucun numéro de mobile pour le SMS",
    "no_email_address": "Aucun contact avec une adresse e-mail",
    "lre_no_email_address": "Une LRE demande un contact avec une adresse e-mail",
    "lre_consent_missing": "Un consommateur ne reçoit une LRE qu'avec son accord préalable : envoyez un recommandé",
    "no_postal_address": "Le débiteur n'a pas d'adresse postale",
    "address_returned": "Un courrier est revenu non distribué : corrigez d'abord l'adresse",
    "letter_awaiting_posting": "Une lettre préparée pour cette facture attend d'être postée : postez-la ou annulez-la",
    "email_bounced": "L'e-mail précédent n'a pas été distribué",
}
HOLDS = {
    "closed": "dossiers clos",
    "escalated": "dossiers passés au contentieux",
    "insolvency": "procédures collectives",
    "dispute": "litiges ouverts",
    "paused": "relances suspendues",
    "promise": "promesses de paiement en cours",
    "payment_plan": "échéanciers en cours",
    "below_minimum": "montants sous le minimum de la politique",
    "spacing": "délai minimal entre deux envois",
    "guardrail_invoice_document": "facture à joindre avant l'envoi",
    "guardrail_reminder_before_notice": "relance à envoyer avant la mise en demeure",
}
ACTIONS = {
    "call": "Appeler",
    "escalate": "Décider de la suite (contentieux)",
    "post_letter": "Poster le courrier",
    "correct_address": "Corriger l'adresse",
    "reply_received": "Lire la réponse du débiteur",
}
PRIORITIES = {"critical": "critique", "high": "haute", "normal": "normale", "low": "basse"}
DETECTIONS = {"promise_broken": "Promesse non tenue", "instalment_missed": "Échéance impayée"}
WARNINGS = {
    "rate_not_published": "Un taux du semestre manque : les pénalités de retard ne peuvent pas être à jour",
    "consumer_mediator_not_set": "Aucun médiateur de la consommation n'est configuré",
    "iban_invalid": "L'IBAN du créancier est invalide",
}
DATE = re.compile(r"\d{2}/\d{2}/\d{4}")


# ------------------------------------------------------------------ pages


@router.get("/relances", response_class=HTMLResponse)
def proposal(request: Request, person: Person, forcer: Annotated[bool, Query()] = False) -> HTMLResponse:
    return show_proposal(request, person, force=forcer)


def show_proposal(
    request: Request, person: ConsoleSession, *, force: bool = False, refused: str | None = None, status_code: int = 200
) -> HTMLResponse:
    services = services_of(request)
    today = services.ledger.now().today
    report = services.dunning().run(on=today, dry_run=True, force=force, actor=person.principal.name)
    recent = services.run_reports.recent(RECENT)
    context = {
        "today": today,
        "report": presented(report_view(report), services, amounts=True),
        "recent": recent,
        "launched_today": [r for r in recent if not r["dry_run"] and r["run_date"] == today.isoformat()],
        "may_run": person.principal.may(MANAGEMENT),
        "force": force,
        "refused": refused,
    }
    return render(request, "runs.html.j2", context, status_code=status_code)


@router.post("/relances", response_class=HTMLResponse)
def launch(request: Request, person: Runner, form: Form) -> Response:
    """Today's run, as POST /v1/dunning-runs runs it and saves its report; then its report."""
    services = services_of(request)
    force = form.get("forcer") == "oui"
    actor = person.principal.name
    try:
        report = services.dunning().run(on=None, dry_run=False, force=force, actor=actor)
    except DomainError as error:
        status = answer_for(error).status
        return show_proposal(request, person, force=force, refused=french_reason(error)[0], status_code=status)
    view = report_view(report)
    services.run_reports.save(report.run_id, report.run_date, report.started_at, actor, report.dry_run, view)
    return redirect(f"/relances/{report.run_id}")


@router.get("/relances/documents/{sha256}")
def document(request: Request, person: Person, sha256: Annotated[str, Path(pattern=r"^[0-9a-f]{64}$")]) -> Response:
    """A document a run report names (a letter, an e-mail as sent), for people signed in."""
    services = services_of(request)
    described = services.documents.describe(sha256) if services.run_reports.names_document(sha256) else None
    content = services.documents.content(sha256) if described is not None else None
    if described is None or content is None:
        raise ConsoleRefusal(
            404, "Document introuvable", "Aucune relance ne nomme ce document, ou il n'est plus stocké."
        )
    return Response(content, media_type=served_media_type(described.media_type), headers={
        "Content-Disposition": f'attachment; filename="{sha256}.{described.extension}"',
    })  # fmt: skip


@router.get("/relances/{run_id}", response_class=HTMLResponse)
def run_page(request: Request, person: Person, run_id: Annotated[str, Path(max_length=64)]) -> HTMLResponse:
    services = services_of(request)
    try:
        view = services.run_reports.get(run_id)
    except NotFound:
        raise ConsoleRefusal(404, "Relance introuvable", "Cette relance n'existe pas.") from None
    same_day = [
        r for r in services.run_reports.recent(RECENT)
        if r["run_date"] == view["run_date"] and not r["dry_run"] and r["run_id"] != run_id
    ]  # fmt: skip
    actor = next((r["actor"] for r in services.run_reports.recent(RECENT) if r["run_id"] == run_id), None)
    context = {"report": presented(view, services, amounts=False), "same_day": same_day, "actor": actor}
    return render(request, "run.html.j2", context)


# ------------------------------------------------------------------ the report in French


def presented(view: dict[str, Any], services: Services, *, amounts: bool) -> dict[str, Any]:
    """A run report (``report_view``) as the console shows it: French labels, links, at most SHOWN lines per
    section; ``amounts``: what each document would claim today (the proposal; a saved report has none)."""
    sent = [
        {
            **item,
            "kind_label": KIND_LABELS.get(item["kind"], item["kind"]),
            "channel_label": CHANNELS.get(item["channel"], item["channel"]),
            "status_label": STATUSES.get(item["status"], item["status"]),
            "debtor_label": named(item.get("debtor_name")),
            "invoices": list(zip(item["receivable_ids"], item["invoice_numbers"], strict=False)),
            "due": outstanding(services, item["receivable_ids"]) if amounts else None,
        }
        for item in view["sent"][:SHOWN]
    ]
    refused = [
        {
            **item,
            "label": REFUSALS.get(item["rule"], item["rule"]),
            "debtor_label": named(item.get("debtor_name")),
            "invoices": list(zip(item["receivable_ids"], item["invoice_numbers"], strict=False)),
        }
        for item in view["refused"][:SHOWN]
    ]
    worklist = [
        {
            **item,
            "action_label": ACTIONS.get(item["action"], item["action"]),
            "priority_label": PRIORITIES.get(item["priority"], item["priority"]),
            "debtor_label": named(item.get("debtor_name")),
        }
        for item in view["worklist"][:SHOWN]
    ]
    return {
        **view,
        "sent_shown": sent,
        "refused_shown": refused,
        "worklist_shown": worklist,
        "held_shown": sorted(((HOLDS.get(k, k), n) for k, n in view["held"].items()), key=lambda p: -p[1]),
        "detections_shown": [{**d, "label": DETECTIONS.get(d["kind"], d["kind"])} for d in view["detections"][:SHOWN]],
        "warnings_shown": [{**w, "label": WARNINGS.get(w["rule"], w["rule"])} for w in view["warnings"]],
        "bank": bank_sentence(view.get("bank_data", "")),
        "bank_stale": "nothing sent" in view.get("bank_data", ""),  # the run sends nothing unless forced
        "shown": SHOWN,
    }


def named(debtor_name: str | None) -> str:
    return debtor_name or ERASED


def outstanding(services: Services, receivable_ids: list[str]) -> tuple[Decimal, str] | None:
    receivables = [services.ledger.receivable(UUID(rid)) for rid in receivable_ids]
    if not receivables:
        return None
    return sum((r.outstanding for r in receivables), Decimal("0.00")), receivables[0].currency


def bank_sentence(bank_data: str) -> str:
    """The run's word on the bank data, in French (the report keeps it in English for the API)."""
    found = DATE.search(bank_data)
    if bank_data.startswith("no bank statement"):
        sentence = "Aucun relevé bancaire n'a été importé : des paiements peuvent manquer."
    elif found is None:
        return bank_data
    elif bank_data.startswith("the latest"):
        sentence = f"Le dernier relevé bancaire, du {found.group()}, est trop ancien : des paiements peuvent manquer."
    else:
        sentence = f"Dernier relevé bancaire : {found.group()}."
    if "(forced)" in bank_data:
        sentence += " Envoi forcé malgré tout."
    elif "nothing sent" in bank_data:
        sentence += " Rien ne part : importez un relevé, ou forcez l'envoi."
    return sentence
