"""A file's timeline in plain French: each journal event as one sentence, with its date, actor, channel and
the documents it names.

``sentence(event)`` is the one mapping from events to French, for the receivable page and the debtor page
alike; every event class of ``domain/receivable_events.py`` and ``domain/debtor.py`` has one (a unit test
fails for a class without). Amounts are written in the invoice's currency, passed by the caller (events
other than ``InvoiceIssued`` do not carry it).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from api import formats
from api.console.labels import (
    ACKNOWLEDGEMENT,
    CALL_OUTCOME,
    CALL_PURPOSE,
    CONTACT_ROLE,
    DEBTOR_KIND,
    DELIVERY,
    DISPUTE_OUTCOME,
    DISPUTE_REASON,
    DOCUMENT_KIND,
    ESCALATION_ROUTE,
    INSOLVENCY,
    NOTICE_CHANNEL,
    PAYMENT_METHOD,
    PRIORITY,
    REMINDER_CHANNEL,
    REMINDER_STAGE,
)
from domain import debtor as d
from domain import receivable_events as r
from domain.chain import LedgerEvent

ERASED = "(données effacées)"
# Debtor events whose fields are the person's data: once the debtor is erased, they are shown as erased.
PERSONAL_DATA = frozenset(
    {d.DebtorRegistered, d.ContactAdded, d.ContactChanged, d.AddressChanged, d.EmailBounced, d.DebtorNameRectified}
)


@dataclass(frozen=True)
class Document:
    label: str  # what it is, in French: « la mise en demeure »
    sha256: str


@dataclass(frozen=True)
class Entry:
    """One event as the timeline shows it."""

    version: int
    recorded_at: datetime
    actor: str
    sentence: str
    channel: str | None
    documents: tuple[Document, ...]


@dataclass(frozen=True)
class _Say:
    """How a sentence is written: the event, its amounts in the file's currency, whether data was erased, and
    the debtor's name before the event (what a rectification corrected; "" when not known)."""

    event: Any
    currency: str
    erased: bool
    name_before: str = ""

    def money(self, value: Decimal | None, currency: str | None = None) -> str:
        return "-" if value is None else formats.money(value, currency or self.currency)

    @property
    def by(self) -> str:
        return f"par {self.event.actor}"


Writer = Callable[[_Say], str]
SENTENCES: dict[type[LedgerEvent], Writer] = {}


def says(event_class: type[LedgerEvent]) -> Callable[[Writer], Writer]:
    def register(writer: Writer) -> Writer:
        SENTENCES[event_class] = writer
        return writer

    return register


def day(value: Any) -> str:
    return formats.day(value)


def _quoted(text: str | None, before: str = " : ") -> str:
    return f"{before}« {text} »" if text else ""


def _reason(text: str | None) -> str:
    return f" (motif : {text})" if text else ""


# ------------------------------------------------------------------ receivables


@says(r.InvoiceIssued)
def _invoice(s: _Say) -> str:
    e: r.InvoiceIssued = s.event
    return (
        f"Facture {e.invoice_number} émise le {day(e.issue_date)} : {s.money(e.amount_incl_vat, e.currency)} TTC "
        f"({s.money(e.amount_excl_vat, e.currency)} HT), échéance le {day(e.due_date)} ; enregistrée {s.by}"
    )


@says(r.ReminderSent)
def _reminder(s: _Say) -> str:
    e: r.ReminderSent = s.event
    rule = f", règle « {e.rule} »" if e.rule else ""
    policy = f" de la politique « {e.policy_id} »" if e.policy_id and e.rule else ""
    return (
        f"Relance par {REMINDER_CHANNEL[e.channel]} envoyée le {day(e.sent_on)} {s.by} "
        f"({REMINDER_STAGE[e.stage].lower()}{rule}{policy})"
    )


@says(r.CallNoted)
def _call(s: _Say) -> str:
    e: r.CallNoted = s.event
    return f"Appel noté {s.by} le {day(e.called_on)} ({CALL_PURPOSE[e.purpose]}) : {CALL_OUTCOME[e.outcome]}" + _quoted(
        e.notes, ". "
    )


@says(r.PromiseToPayRecorded)
def _promise(s: _Say) -> str:
    e: r.PromiseToPayRecorded = s.event
    return f"Promesse de paiement notée {s.by} : {s.money(e.amount)} pour le {day(e.promised_date)}"


@says(r.PromiseBroken)
def _promise_broken(s: _Say) -> str:
    e: r.PromiseBroken = s.event
    return f"Promesse de paiement du {day(e.promised_date)} non tenue, constatée le {day(e.noted_on)} {s.by}"


@says(r.DisputeOpened)
def _dispute(s: _Say) -> str:
    e: r.DisputeOpened = s.event
    return (
        f"Litige n° {e.dispute_number} ouvert {s.by} le {day(e.opened_on)} : {DISPUTE_REASON[e.reason]}, "
        f"{s.money(e.amount)} contestés" + _quoted(e.description, ". ")
    )


@says(r.DisputeResolved)
def _dispute_resolved(s: _Say) -> str:
    e: r.DisputeResolved = s.event
    credit = ""
    if e.credit_note_number is not None:
        credit = f" ; avoir {e.credit_note_number} de {s.money(e.credit_note_amount)}"
    return (
        f"Litige n° {e.dispute_number} clos {s.by} le {day(e.resolved_on)} : {DISPUTE_OUTCOME[e.outcome]}{credit}"
        + _quoted(e.comment, ". ")
    )


@says(r.FormalNoticeSent)
def _notice(s: _Say) -> str:
    e: r.FormalNoticeSent = s.event
    c = e.claimed
    tracking = f" ; n° de suivi {e.tracking_number}" if e.tracking_number else ""
    return (
        f"Mise en demeure n° {e.notice_number} envoyée par {NOTICE_CHANNEL[e.channel]} le {day(e.sent_on)} {s.by} : "
        f"{s.money(c.total)} réclamés ({s.money(c.principal)} de principal, {s.money(c.interest)} d'intérêts, "
        f"{s.money(c.indemnity)} d'indemnité), à payer avant le {day(e.deadline)}{tracking}"
    )


@says(r.FormalNoticeAcknowledged)
def _acknowledged(s: _Say) -> str:
    e: r.FormalNoticeAcknowledged = s.event
    return (
        f"Avis de réception de la mise en demeure n° {e.notice_number} : {ACKNOWLEDGEMENT[e.outcome]} "
        f"le {day(e.acknowledged_on)}, noté {s.by}"
    )


@says(r.LetterReturned)
def _letter_returned(s: _Say) -> str:
    e: r.LetterReturned = s.event
    return f"Courrier de relance revenu non distribué le {day(e.returned_on)}, noté {s.by}"


@says(r.DeliveryReported)
def _delivery(s: _Say) -> str:
    e: r.DeliveryReported = s.event
    source = "le serveur de messagerie" if e.source == "dsn" else e.source
    detail = f" : {e.detail}" if e.detail else ""
    return f"Message de relance {DELIVERY[e.status]} le {day(e.reported_on)} (selon {source}{detail}), noté {s.by}"


@says(r.PaymentReceived)
def _payment(s: _Say) -> str:
    e: r.PaymentReceived = s.event
    return (
        f"Paiement de {s.money(e.amount)} reçu par {PAYMENT_METHOD[e.method]}, valeur le {day(e.value_date)}, "
        f"référence {e.bank_reference} ; enregistré {s.by}"
    )


@says(r.CreditNoteApplied)
def _credit_note(s: _Say) -> str:
    e: r.CreditNoteApplied = s.event
    return f"Avoir {e.credit_note_number} de {s.money(e.amount)} du {day(e.issued_on)} imputé {s.by}"


@says(r.PaymentPlanAgreed)
def _plan(s: _Say) -> str:
    e: r.PaymentPlanAgreed = s.event
    total = sum((i.amount for i in e.instalments), Decimal(0))
    first, last = e.instalments[0].due_date, e.instalments[-1].due_date
    return (
        f"Échéancier n° {e.plan_number} convenu le {day(e.agreed_on)} {s.by} : {len(e.instalments)} échéance(s) "
        f"pour {s.money(total)}, du {day(first)} au {day(last)}"
    )


@says(r.InstalmentMissed)
def _instalment_missed(s: _Say) -> str:
    e: r.InstalmentMissed = s.event
    return (
        f"Échéance n° {e.instalment_number} de l'échéancier n° {e.plan_number} (due le {day(e.due_date)}) "
        f"impayée, constatée le {day(e.noted_on)} {s.by}"
    )


@says(r.LateChargesInvoiced)
def _charges(s: _Say) -> str:
    e: r.LateChargesInvoiced = s.event
    return (
        f"Pénalités de retard facturées le {day(e.invoiced_on)} {s.by} (facture {e.charges_invoice_number}) : "
        f"{s.money(e.interest)} d'intérêts et {s.money(e.indemnity)} d'indemnité forfaitaire"
    )


@says(r.LateChargesWaived)
def _waiver(s: _Say) -> str:
    e: r.LateChargesWaived = s.event
    return (
        f"Renonciation aux pénalités de retard le {day(e.waived_on)} {s.by} : {s.money(e.interest)} d'intérêts "
        f"et {s.money(e.indemnity)} d'indemnité" + _reason(e.reason)
    )


@says(r.EscalatedToLitigation)
def _escalated(s: _Say) -> str:
    e: r.EscalatedToLitigation = s.event
    reference = f" (référence {e.reference})" if e.reference else ""
    return f"Dossier transmis au contentieux le {day(e.escalated_on)} {s.by} : {ESCALATION_ROUTE[e.route]}{reference}"


@says(r.WrittenOff)
def _written_off(s: _Say) -> str:
    e: r.WrittenOff = s.event
    return f"Créance passée en perte le {day(e.written_off_on)} {s.by} : {s.money(e.amount)}" + _reason(e.reason)


@says(r.DunningPaused)
def _paused(s: _Say) -> str:
    e: r.DunningPaused = s.event
    until = f" jusqu'au {day(e.until)}" if e.until else ""
    return f"Relances suspendues le {day(e.paused_on)}{until} {s.by}" + _reason(e.reason)


@says(r.DunningResumed)
def _resumed(s: _Say) -> str:
    e: r.DunningResumed = s.event
    return f"Relances reprises le {day(e.resumed_on)} {s.by}" + _reason(e.reason)


@says(r.MediationStarted)
def _mediation(s: _Say) -> str:
    e: r.MediationStarted = s.event
    reference = f" (référence {e.reference})" if e.reference else ""
    return f"Médiation engagée le {day(e.started_on)}{reference}, notée {s.by}"


@says(r.MediationEnded)
def _mediation_ended(s: _Say) -> str:
    e: r.MediationEnded = s.event
    return f"Médiation terminée le {day(e.ended_on)}, notée {s.by}" + _quoted(e.outcome)


@says(r.NoteAdded)
def _note(s: _Say) -> str:
    e: r.NoteAdded = s.event
    return f"Note de {e.actor} le {day(e.noted_on)}" + _quoted(e.text)


@says(r.DocumentAttached)
def _document(s: _Say) -> str:
    e: r.DocumentAttached = s.event
    return f"Document versé au dossier {s.by} : {DOCUMENT_KIND[e.kind]}" + _quoted(e.description, " ")


# ---------------------------------------------------------------------- debtors


@says(d.DebtorRegistered)
def _debtor(s: _Say) -> str:
    e: d.DebtorRegistered = s.event
    if s.erased:
        return f"Débiteur enregistré {s.by} {ERASED}"
    number = f", SIREN {e.siren}" if e.siren else ""
    return f"Débiteur « {e.legal_name} » enregistré {s.by} ({DEBTOR_KIND[e.kind]}{number})"


@says(d.ContactAdded)
def _contact(s: _Say) -> str:
    e: d.ContactAdded = s.event
    who = ERASED if s.erased else f"{e.name} ({CONTACT_ROLE[e.role]})"
    return f"Contact ajouté {s.by} : {who}"


@says(d.ContactChanged)
def _contact_changed(s: _Say) -> str:
    e: d.ContactChanged = s.event
    if s.erased:
        return f"Contact modifié {s.by} : {ERASED}"
    return f"Contact modifié {s.by} : {e.name} ({CONTACT_ROLE[e.role]})" + _reason(e.reason)


@says(d.CreditLimitSet)
def _credit_limit(s: _Say) -> str:
    e: d.CreditLimitSet = s.event
    return f"Plafond d'encours fixé à {s.money(e.limit, e.currency)} {s.by}"


@says(d.PriorityChanged)
def _priority(s: _Say) -> str:
    e: d.PriorityChanged = s.event
    return f"Priorité passée à « {PRIORITY[e.priority]} » {s.by}"


@says(d.PolicyAssigned)
def _policy(s: _Say) -> str:
    e: d.PolicyAssigned = s.event
    return f"Politique de relance « {e.policy_id} » attribuée {s.by}"


@says(d.ElectronicDeliveryConsented)
def _consent(s: _Say) -> str:
    e: d.ElectronicDeliveryConsented = s.event
    return f"Accord du débiteur pour les envois électroniques, donné le {day(e.consented_on)}, noté {s.by}"


@says(d.InsolvencyOpened)
def _insolvency(s: _Say) -> str:
    e: d.InsolvencyOpened = s.event
    return (
        f"Procédure collective ouverte : {INSOLVENCY[e.procedure]}, jugement du {day(e.judgment_date)} "
        f"({e.court}), publié le {day(e.publication_date)} ; notée {s.by}"
    )


@says(d.ClaimDeclared)
def _claim_declared(s: _Say) -> str:
    e: d.ClaimDeclared = s.event
    return f"Créance de {s.money(e.amount)} déclarée le {day(e.declared_on)} auprès de {e.administrator}, {s.by}"


@says(d.DebtorErased)
def _erased(s: _Say) -> str:
    e: d.DebtorErased = s.event
    forced = f" malgré les factures encore poursuivies ({', '.join(e.pursued or [])})" if e.forced else ""
    return f"Données personnelles effacées {s.by}{forced}" + _reason(e.reason)


@says(d.ContactErased)
def _contact_erased(s: _Say) -> str:
    e: d.ContactErased = s.event
    return f"Données personnelles d'un contact effacées {s.by}" + _reason(e.reason)


@says(d.MailReturned)
def _mail_returned(s: _Say) -> str:
    e: d.MailReturned = s.event
    return f"Courrier revenu non distribué le {day(e.returned_on)} : adresse postale à vérifier ; noté {s.by}"


@says(d.AddressChanged)
def _address(s: _Say) -> str:
    e: d.AddressChanged = s.event
    if s.erased:
        return f"Nouvelle adresse enregistrée {s.by} {ERASED}"
    a = e.address
    return f"Nouvelle adresse enregistrée {s.by} : {', '.join(a.lines)}, {a.postal_code} {a.city} ({a.country})" + (
        _reason(e.reason)
    )


@says(d.DebtorNameRectified)
def _name_rectified(s: _Say) -> str:
    e: d.DebtorNameRectified = s.event
    if s.erased:
        return f"Nom rectifié {s.by} {ERASED}"
    before = f"« {s.name_before} » → " if s.name_before else ""
    return f"Nom rectifié : {before}« {e.legal_name} », {s.by}" + _reason(e.reason)


@says(d.EmailBounced)
def _email_bounced(s: _Say) -> str:
    e: d.EmailBounced = s.event
    address = ERASED if s.erased else e.email
    detail = f" ({e.detail})" if e.detail and not s.erased else ""
    return (
        f"Courriel à {address} rejeté définitivement le {day(e.bounced_on)}{detail} : adresse du contact "
        f"à vérifier ; noté {s.by}"
    )


# ------------------------------------------------------------------- the API


def sentence(event: LedgerEvent, *, currency: str = "EUR", erased: bool = False, name_before: str = "") -> str:
    """The event in one French sentence, naming its actor. ``currency``: the file's (an invoice's events
    other than ``InvoiceIssued`` do not carry it); ``erased``: the debtor's personal data was erased;
    ``name_before``: the debtor's name before the event (a rectification says what it corrected)."""
    writer = SENTENCES.get(type(event))
    if writer is None:
        return f"{type(event).__name__} {formats.day(event.timestamp.date())} par {event.actor}"
    return writer(_Say(event, currency, erased and type(event) in PERSONAL_DATA, name_before))


CHANNELS: dict[type[LedgerEvent], Callable[[Any], str]] = {
    r.ReminderSent: lambda e: REMINDER_CHANNEL[e.channel],
    r.FormalNoticeSent: lambda e: NOTICE_CHANNEL[e.channel],
    r.CallNoted: lambda e: "téléphone",
    r.LetterReturned: lambda e: "courrier",
    d.MailReturned: lambda e: "courrier",
    d.EmailBounced: lambda e: "courriel",
}


def channel(event: LedgerEvent) -> str | None:
    """How the event reached the debtor or came back from them, when it did (courriel, courrier, téléphone…)."""
    found = CHANNELS.get(type(event))
    return None if found is None else found(event)


# (event class, field) → what the document is; any other *_sha256 field is « un document ».
DOCUMENT_LABELS: dict[tuple[type[LedgerEvent], str], str] = {
    (r.ReminderSent, "document_sha256"): "la relance envoyée",
    (r.FormalNoticeSent, "document_sha256"): "la mise en demeure",
    (r.FormalNoticeAcknowledged, "proof_sha256"): "l'avis de réception",
    (r.LetterReturned, "document_sha256"): "le courrier revenu",
    (r.LetterReturned, "proof_sha256"): "la preuve du retour",
    (r.DeliveryReported, "document_sha256"): "le message envoyé",
    (r.DeliveryReported, "proof_sha256"): "le rapport de remise",
    (r.PaymentPlanAgreed, "agreement_sha256"): "l'échéancier signé",
    (r.LateChargesInvoiced, "calculation_sha256"): "le calcul des pénalités",
    (r.NoteAdded, "document_sha256"): "la pièce jointe",
    (d.ElectronicDeliveryConsented, "proof_sha256"): "la preuve du consentement",
    (d.ClaimDeclared, "document_sha256"): "la déclaration de créance",
    (d.MailReturned, "document_sha256"): "le courrier revenu",
    (d.MailReturned, "proof_sha256"): "la preuve du retour",
}


def documents(event: LedgerEvent) -> tuple[Document, ...]:
    """The stored documents the event names, each with what it is."""
    found = []
    for name, value in event.data().items():
        if not name.endswith("sha256") or not isinstance(value, str):
            continue
        if isinstance(event, r.DocumentAttached):
            label = DOCUMENT_KIND[event.kind]
        else:
            label = DOCUMENT_LABELS.get((type(event), name), "le document")
        found.append(Document(label, value))
    return tuple(found)


def entry(event: LedgerEvent, *, currency: str = "EUR", erased: bool = False, name_before: str = "") -> Entry:
    return Entry(
        version=event.originator_version,
        recorded_at=event.timestamp,
        actor=event.actor,
        sentence=sentence(event, currency=currency, erased=erased, name_before=name_before),
        channel=channel(event),
        documents=documents(event),
    )


def timeline(events: Iterable[LedgerEvent], *, erased: bool = False) -> list[Entry]:
    """A file's events as the timeline shows them, newest first, in the invoice's currency."""
    events = list(events)
    currency = next((e.currency for e in events if isinstance(e, r.InvoiceIssued)), "EUR")
    names = _names_before(events)
    return [
        entry(e, currency=currency, erased=erased, name_before=n)
        for e, n in reversed(list(zip(events, names, strict=True)))
    ]


def _names_before(events: list[LedgerEvent]) -> list[str]:
    """The debtor's name before each event, in order (a receivable's events: "")."""
    names, name = [], ""
    for event in events:
        names.append(name)
        if isinstance(event, d.DebtorRegistered | d.DebtorNameRectified):
            name = event.legal_name
    return names


def named_documents(events: Iterable[LedgerEvent]) -> set[str]:
    """Every document (SHA-256) the events name: what the file's pages may serve."""
    return {document.sha256 for event in events for document in documents(event)}
