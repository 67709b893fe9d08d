"""dossier.pdf: the bundle's story in French for a judge, a lawyer or a commissaire de justice.

Jinja2 lays out ``DossierContent`` (application/evidence.py) as HTML; WeasyPrint prints it as
PDF/A-3b with ``journal.jsonl`` embedded. The bytes depend only on the content: fixed
creation dates (the export instant), fonts subset deterministically.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from application.evidence import DossierContent
from domain.canonical import format_instant, parse_instant

NBSP = "\u202f"  # narrow no-break space: French thousands separator
ERASED = "(données effacées)"
# Events whose fields hold the person's data: once the debtor is erased, the dossier shows them as
# erased (the journal keeps the events as recorded, for verification).
PERSONAL_DATA_EVENTS = frozenset({"DebtorRegistered", "ContactAdded", "ContactChanged", "DebtorNameRectified"})

EVENT_LABELS = {
    "InvoiceIssued": "Facture émise",
    "ReminderSent": "Relance",
    "CallNoted": "Appel téléphonique",
    "PromiseToPayRecorded": "Promesse de paiement",
    "PromiseBroken": "Promesse non tenue",
    "DisputeOpened": "Contestation ouverte",
    "DisputeResolved": "Contestation close",
    "FormalNoticeSent": "Mise en demeure envoyée",
    "FormalNoticeAcknowledged": "Avis de réception de la mise en demeure",
    "LetterReturned": "Courrier de relance revenu (non distribué)",
    "DeliveryReported": "Sort d'un courriel ou d'un SMS",
    "PaymentReceived": "Paiement reçu",
    "CreditNoteApplied": "Avoir imputé",
    "PaymentPlanAgreed": "Échéancier signé",
    "InstalmentMissed": "Échéance impayée",
    "LateChargesInvoiced": "Pénalités de retard facturées",
    "LateChargesWaived": "Pénalités abandonnées",
    "EscalatedToLitigation": "Passage au contentieux",
    "WrittenOff": "Créance passée en perte",
    "DunningPaused": "Relances suspendues",
    "DunningResumed": "Relances reprises",
    "MediationStarted": "Médiation engagée",
    "MediationEnded": "Médiation terminée",
    "NoteAdded": "Note au dossier",
    "DocumentAttached": "Document versé au dossier",
    "DebtorRegistered": "Débiteur enregistré",
    "ContactAdded": "Contact ajouté",
    "ContactChanged": "Contact modifié",
    "CreditLimitSet": "Plafond d'encours fixé",
    "PriorityChanged": "Priorité modifiée",
    "PolicyAssigned": "Politique de relance attribuée",
    "ElectronicDeliveryConsented": "Consentement à la lettre recommandée électronique",
    "InsolvencyOpened": "Procédure collective ouverte",
    "ClaimDeclared": "Créance déclarée au mandataire",
    "DebtorErased": "Données personnelles effacées",
    "ContactErased": "Données personnelles d'un contact effacées",
    "MailReturned": "Courrier revenu : adresse à vérifier",
    "AddressChanged": "Adresse modifiée",
    "EmailBounced": "Courriel rejeté : adresse du contact à vérifier",
    "DebtorNameRectified": "Nom rectifié (RGPD, art. 16)",
}
VALUES = {
    "courtesy": "relance de courtoisie",
    "first": "première relance",
    "second": "seconde relance",
    "email": "courriel",
    "letter": "courrier",
    "sms": "SMS",
    "registered_letter": "LRAR",
    "electronic_registered_letter": "LRE",
    "bailiff": "commissaire de justice",
    "delivered": "distribuée (AR signé)",
    "unclaimed": "pli avisé non réclamé",
    "refused": "refusée",
    "undeliverable": "non distribuable",
    "opened": "ouvert",
    "soft_bounce": "non remis pour l'instant (erreur temporaire)",
    "hard_bounce": "non remis : adresse inexistante",
    "failed": "non remis",
    "reached": "interlocuteur joint",
    "no_answer": "pas de réponse",
    "voicemail": "message laissé",
    "wrong_contact": "mauvais interlocuteur",
    "pre_due_check": "vérification avant échéance",
    "follow_up": "suivi",
    "transfer": "virement",
    "direct_debit": "prélèvement",
    "card": "carte",
    "cheque": "chèque",
    "cash": "espèces",
    "other": "autre",
    "prepayment": "acompte versé avant la facture",
    "not_received": "non reçue",
    "non_conforming": "non conforme",
    "price": "prix",
    "quantity": "quantité",
    "already_paid": "déjà payée",
    "rejected": "rejetée",
    "upheld": "fondée",
    "settled": "transigée",
    "withdrawn": "retirée",
    "payment_order": "injonction de payer",
    "small_claims": "procédure simplifiée de recouvrement des petites créances",
    "summary_proceedings": "référé-provision",
    "collection_agency": "agence de recouvrement",
    "credit_insurer": "assureur-crédit",
    "invoice": "facture",
    "delivery_proof": "preuve de livraison",
    "signed_order": "bon de commande signé",
    "acknowledgement_scan": "avis de réception numérisé",
    "professional": "professionnel",
    "consumer": "consommateur",
    "safeguard": "sauvegarde",
    "receivership": "redressement judiciaire",
    "liquidation": "liquidation judiciaire",
}
CHANNEL_OF_TYPE = {"CallNoted": "téléphone", "PaymentReceived": "banque"}
BUSINESS_DATES = (
    "sent_on", "called_on", "acknowledged_on", "value_date", "issued_on", "issue_date", "opened_on", "resolved_on",
    "agreed_on", "recorded_on", "noted_on", "invoiced_on", "waived_on", "escalated_on", "written_off_on",
    "paused_on", "resumed_on", "started_on", "ended_on", "consented_on", "declared_on", "judgment_date",
)  # fmt: skip
TRACE_TYPES = {"ReminderSent", "FormalNoticeSent", "FormalNoticeAcknowledged", "CallNoted"}

_render_lock = threading.Lock()


@contextmanager
def pinned_source_date(created: datetime) -> Iterator[None]:
    """Identical PDFs for identical input: without HarfBuzz's subsetter, fontTools stamps subset
    fonts with the time unless SOURCE_DATE_EPOCH is set. The variable is process-wide: one render at a time."""
    with _render_lock:
        previous = os.environ.get("SOURCE_DATE_EPOCH")
        os.environ["SOURCE_DATE_EPOCH"] = str(int(created.timestamp()))
        try:
            yield
        finally:
            if previous is None:
                os.environ.pop("SOURCE_DATE_EPOCH", None)
            else:
                os.environ["SOURCE_DATE_EPOCH"] = previous


# ----------------------------------------------------------------- formats


def euros(value: Any, currency: str = "EUR") -> str:
    if value is None:
        return "—"
    amount = Decimal(str(value))
    sign = "-" if amount < 0 else ""
    whole, _, cents = f"{abs(amount):.2f}".partition(".")
    groups = f"{int(whole):,}".replace(",", NBSP)
    symbol = "€" if currency == "EUR" else currency
    return f"{sign}{groups},{cents}{NBSP}{symbol}"


def exact(value: Any) -> str:
    """A period amount at full precision, French decimal comma."""
    return "—" if value is None else str(value).replace(".", ",")


def day(value: Any) -> str:
    if value is None:
        return "—"
    parsed = value if isinstance(value, date) else date.fromisoformat(str(value))
    return parsed.strftime("%d/%m/%Y")


def value_fr(value: Any) -> str:
    return "—" if value is None else VALUES.get(str(value), str(value))


def rate(value: Any) -> str:
    return "—" if value is None else f"{str(value).replace('.', ',')}{NBSP}%"


class Formatter:
    def __init__(self, timezone: str) -> None:
        self.zone = ZoneInfo(timezone)

    def instant(self, text: str) -> str:
        moment = parse_instant(text).astimezone(self.zone)
        return moment.strftime("%d/%m/%Y %H:%M")

    def business_date(self, record: dict[str, Any]) -> str:
        data = record["data"]
        for key in BUSINESS_DATES:
            if data.get(key):
                return day(data[key])
        return self.instant(record["recorded_at"])[:10]


def details(record: dict[str, Any]) -> str:
    """One line of what happened, in French, from the event's own fields."""
    data, kind = record["data"], record["type"]
    currency = data.get("currency", "EUR")
    match kind:
        case "InvoiceIssued":
            return (f"facture n° {data['invoice_number']} du {day(data['issue_date'])}, "
                    f"{euros(data['amount_incl_vat'], currency)} TTC, échéance {day(data['due_date'])}")  # fmt: skip
        case "ReminderSent":
            return value_fr(data["stage"])
        case "CallNoted":
            return f"{value_fr(data['purpose'])}" + (f" — {data['notes']}" if data.get("notes") else "")
        case "PromiseToPayRecorded":
            return f"{euros(data['amount'])} promis pour le {day(data['promised_date'])}"
        case "PromiseBroken":
            return f"promesse du {day(data['promised_date'])} non tenue"
        case "DisputeOpened":
            return f"{euros(data['amount'])} contestés, motif : {value_fr(data['reason'])}"
        case "DisputeResolved":
            note = f", avoir {data['credit_note_number']} de {euros(data['credit_note_amount'])}"
            return f"contestation {value_fr(data['outcome'])}" + (note if data.get("credit_note_number") else "")
        case "FormalNoticeSent":
            claimed = data["claimed"]
            total = sum(Decimal(claimed[k]) for k in ("principal", "interest", "indemnity"))
            tracking = f", suivi {data['tracking_number']}" if data.get("tracking_number") else ""
            return f"{euros(total)} réclamés, date butoir {day(data['deadline'])}{tracking}"
        case "FormalNoticeAcknowledged":
            return f"mise en demeure n° {data['notice_number']}"
        case "LetterReturned":
            return f"revenu le {day(data['returned_on'])}"
        case "DeliveryReported":
            detail = f" ({data['detail']})" if data.get("detail") else ""
            return f"{value_fr(data['status'])} le {day(data['reported_on'])}, selon {data['source']}{detail}"
        case "PaymentReceived":
            return f"{euros(data['amount'])} ({value_fr(data['method'])}, réf. {data['bank_reference']})"
        case "CreditNoteApplied":
            return f"avoir {data['credit_note_number']} de {euros(data['amount'])}"
        case "PaymentPlanAgreed":
            total = sum(Decimal(i["amount"]) for i in data["instalments"])
            return f"{len(data['instalments'])} échéance(s), {euros(total)} au total (reconnaissance de dette)"
        case "LateChargesInvoiced" | "LateChargesWaived":
            return f"intérêts {euros(data['interest'])}, indemnité {euros(data['indemnity'])}"
        case "EscalatedToLitigation":
            return value_fr(data["route"]) + (f", réf. {data['reference']}" if data.get("reference") else "")
        case "NoteAdded":
            return str(data["text"])
        case "DocumentAttached":
            return value_fr(data["kind"]) + (f" — {data['description']}" if data.get("description") else "")
        case "WrittenOff" | "DunningPaused" | "DunningResumed":
            return str(data.get("reason") or "")
        case "DebtorRegistered":
            return f"{data['legal_name']} ({value_fr(data['kind'])})"
        case "DebtorNameRectified":
            return f"nouveau nom : {data['legal_name']} (motif : {data['reason']})"
        case "InsolvencyOpened":
            return f"{value_fr(data['procedure'])}, {data['court']}, jugement du {day(data['judgment_date'])}"
        case "ClaimDeclared":
            return f"{euros(data['amount'])} déclarés à {data['administrator']}"
        case "EmailBounced":
            detail = f" ({data['detail']})" if data.get("detail") else ""
            return f"rejet définitif le {day(data['bounced_on'])}{detail}"
    return ""


def outcome(record: dict[str, Any]) -> str:
    data = record["data"]
    value = data.get("outcome")
    return value_fr(value) if value is not None else ""


def channel(record: dict[str, Any]) -> str:
    data = record["data"]
    if data.get("channel") is not None:
        return value_fr(data["channel"])
    return CHANNEL_OF_TYPE.get(record["type"], "")


# ---------------------------------------------------------------- context


def chronology(content: DossierContent, fmt: Formatter) -> list[dict[str, Any]]:
    numbers = {exhibit.sha256: exhibit.number for exhibit in content.exhibits}
    invoice_of = {r["id"]: r["invoice_number"] for r in content.receivables}
    from application.evidence import named_documents

    rows = []
    erased = bool(content.debtor.get("erased"))
    for journal in content.journals:
        for entry in journal.opened or journal.entries:
            record = entry.record
            shown_as_erased = erased and record["type"] in PERSONAL_DATA_EVENTS
            rows.append(
                {
                    "file": invoice_of.get(record["aggregate_id"], "débiteur"),
                    "aggregate_id": record["aggregate_id"],
                    "version": record["version"],
                    "type": record["type"],
                    "date": fmt.business_date(record),
                    "recorded": fmt.instant(record["recorded_at"]),
                    "label": EVENT_LABELS.get(record["type"], record["type"]),
                    "channel": channel(record),
                    "who": record["actor"],
                    "outcome": outcome(record),
                    "details": ERASED if shown_as_erased else details(record),
                    "exhibits": sorted({numbers[sha] for _, sha in named_documents(record["data"]) if sha in numbers}),
                    "hash": entry.hash,
                    "route": record["data"].get("route"),
                }
            )
    return rows


def template_context(content: DossierContent) -> dict[str, Any]:
    fmt = Formatter(content.timezone)
    rows = chronology(content, fmt)
    claims = {c["receivable_id"]: c for c in content.calculation["receivables"]}
    payment_orders = []
    for receivable in content.receivables:
        own = [r for r in rows if r["aggregate_id"] == receivable["id"]]
        if any(r["type"] == "EscalatedToLitigation" and r["route"] == "payment_order" for r in own):
            payment_orders.append(
                {"receivable": receivable, "claim": claims.get(receivable["id"]),
                 "steps": [r for r in own if r["type"] in TRACE_TYPES]}
            )  # fmt: skip
    by_event = {(r["aggregate_id"], r["version"]): r for r in rows}
    exhibits = []
    for exhibit in content.exhibits:
        aggregate_id, version, _ = exhibit.named_by[0]
        first = by_event[(str(aggregate_id), version)]
        exhibits.append(
            {"number": exhibit.number, "sha256": exhibit.sha256, "path": exhibit.path, "size": exhibit.size,
             "media_type": exhibit.media_type,
             "description": f"{first['label']} du {first['date']} ({first['file']}, événement n° {version})"}
        )  # fmt: skip
    return {
        "c": content,
        "exhibits": exhibits,
        "created": fmt.instant(format_instant(content.created_at)),
        "chronology": rows,
        "claims": claims,
        "payment_orders": payment_orders,
        "digest_as_of": fmt.instant(content.digest["as_of"]),
        "firm": content.firm_name or "(créancier : à compléter)",
    }


def environment() -> Environment:
    env = Environment(
        loader=PackageLoader("infrastructure", "templates"),
        autoescape=select_autoescape(["html", "j2"]),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(euros=euros, day=day, fr=value_fr, rate=rate, exact=exact)
    return env


def render_html(content: DossierContent) -> str:
    return environment().get_template("dossier.html.j2").render(**template_context(content))


def render_dossier(content: DossierContent) -> bytes:
    """PDF/A-3b, French, with journal.jsonl embedded as an associated file."""
    import weasyprint  # type: ignore[import-untyped]

    created = content.created_at.astimezone(UTC).replace(microsecond=0)
    attachment = weasyprint.Attachment(
        string=content.journal_bytes,
        name="journal.jsonl",
        description="Journal des événements (JSON canonique, un événement par ligne)",
        relationship="Data",
        created=created,
        modified=created,
    )
    with pinned_source_date(created):
        document = weasyprint.HTML(string=render_html(content), base_url=None)
        pdf: bytes = document.write_pdf(pdf_variant="pdf/a-3b", attachments=[attachment])
    return pdf
