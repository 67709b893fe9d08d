"""The receivable page's actions: each a form, the command(s) it builds, and who sees it.

A form is shown only to the roles that may run its command (the pipeline's table, ``roles_for``); what it
posts is read (api/console/inputs.py) into the SAME command classes the API builds, run through
``Ledger.execute`` with the person as principal and the version the page showed as the expected one.
Nothing here decides whether a command is allowed: the domain does, and says why (messages.py).
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any
from uuid import UUID

from starlette.datastructures import FormData, UploadFile

from api.bootstrap import MAX_DOCUMENT_BYTES, Services
from api.console.inputs import FormError, Inputs
from api.console.labels import (
    ACKNOWLEDGEMENT,
    CALL_OUTCOME,
    CALL_PURPOSE,
    CONTACT_ROLE,
    DISPUTE_OUTCOME,
    DISPUTE_REASON,
    DOCUMENT_KIND,
    ESCALATION_ROUTE,
    NOTICE_CHANNEL,
    PAYMENT_METHOD,
)
from application import commands as c
from application.access import Principal, Role
from application.deposit_list import KIND_LABELS
from application.pipeline import roles_for
from domain.debtor import Debtor
from domain.errors import VersionConflict, VersionMismatch
from domain.receivable import Receivable
from domain.vocabulary import (
    AcknowledgementOutcome,
    CallOutcome,
    CallPurpose,
    DisputeOutcome,
    DisputeReason,
    DocumentKind,
    EscalationRoute,
    PaymentMethod,
)

Choices = tuple[tuple[str, str], ...]


LETTER_CHANNELS = {"letter": "courrier", **{k.value: v for k, v in NOTICE_CHANNEL.items()}}


@dataclass(frozen=True)
class WaitingLetter:
    """A letter the dunning run prepared for this file, waiting to be posted (the outbox's dispatch)."""

    key: str
    run_date: date
    kind: str
    channel: str
    invoice_numbers: tuple[str, ...]

    @classmethod
    def of(cls, dispatch: Any) -> WaitingLetter:
        numbers = tuple(step["invoice_number"] for step in dispatch.steps)
        return cls(dispatch.key, dispatch.run_date, dispatch.kind, dispatch.channel, numbers)

    @property
    def label(self) -> str:
        kind = KIND_LABELS.get(self.kind, self.kind)
        channel = LETTER_CHANNELS.get(self.channel, self.channel)
        return (
            f"{kind} par {channel} préparée le {self.run_date:%d/%m/%Y} "
            f"(facture{'s' if len(self.invoice_numbers) > 1 else ''} {', '.join(self.invoice_numbers)})"
        )


@dataclass(frozen=True)
class Dossier:
    """What the page shows and the forms need: the receivable as loaded, its debtor, its letters to post."""

    receivable: Receivable
    debtor: Debtor
    letters: list[WaitingLetter]
    today: date


@dataclass(frozen=True)
class Field:
    name: str  # the command's field name, so that the domain's refusals land beside it
    label: str
    kind: str = "text"  # text, amount, date, select, textarea, file, hidden
    required: bool = False
    choices: Choices | Callable[[Dossier], Choices] = ()
    hint: str = ""
    default: str | Callable[[Dossier], str] = ""

    def choices_for(self, dossier: Dossier) -> Choices:
        return self.choices(dossier) if callable(self.choices) else self.choices

    def default_for(self, dossier: Dossier) -> str:
        return self.default(dossier) if callable(self.default) else self.default


@dataclass(frozen=True)
class Submission:
    """A posted form, with what running it needs."""

    dossier: Dossier
    inputs: Inputs
    form: FormData
    services: Services
    principal: Principal

    @property
    def receivable_id(self) -> UUID:
        return self.dossier.receivable.id

    def stored(self, name: str, *, required: bool) -> tuple[str, str] | None:
        """The uploaded file of field ``name`` stored as the API stores documents: (sha256, media type)."""
        upload = self.form.get(name)
        if not isinstance(upload, UploadFile) or not upload.filename:
            if required:
                raise FormError(name, "Choisissez un fichier.")
            return None
        content = upload.file.read(MAX_DOCUMENT_BYTES + 1)
        media_type = upload.content_type or "application/octet-stream"
        document, _ = self.services.documents.put(content, media_type, actor=self.principal.name)
        return document.sha256, document.media_type


Build = Callable[[Submission], list[Any]]
Perform = Callable[[Submission, int], bool]


@dataclass(frozen=True)
class Action:
    slug: str  # posted to /creances/{id}/{slug}
    title: str
    command: type  # the command whose roles may see and post the form
    fields: tuple[Field, ...]
    done: str  # the confirmation once recorded
    build: Build | None = None
    perform: Perform | None = None  # instead of build: runs itself (the posting of a letter)
    shown: Callable[[Dossier], bool] = lambda dossier: not dossier.receivable.is_closed
    aliases: dict[str, str] = field(default_factory=dict)  # the domain's field name → this form's
    submit: str = "Enregistrer"

    @property
    def roles(self) -> frozenset[Role]:
        roles = roles_for(self.command)
        assert roles is not None, self.command
        return roles

    @property
    def uploads(self) -> bool:
        return any(f.kind == "file" for f in self.fields)

    def field_of(self, name: str | None) -> str | None:
        """The form's field a refusal concerns, when this form has it."""
        name = self.aliases.get(name or "", name)
        return name if any(f.name == name for f in self.fields) else None

    def run(self, submission: Submission, version: int) -> bool:
        """Run the form's command(s) at ``version``; whether anything was recorded."""
        if self.perform is not None:
            return self.perform(submission, version)
        assert self.build is not None
        return execute(submission, self.build(submission), version)


def execute(submission: Submission, commands: list[Any], version: int) -> bool:
    """One command through the pipeline; several (a call and its promise) all recorded, or none."""
    ledger = submission.services.ledger
    if len(commands) == 1:
        return ledger.execute(commands[0], principal=submission.principal, expected_version=version).recorded
    for command in commands:
        ledger.check(command, principal=submission.principal)
    fresh = ledger.receivable(submission.receivable_id)
    if fresh.version != version:
        raise VersionMismatch(f"expected version {version}, the file is at {fresh.version}", rule="if_match")
    rehearsal, now = copy.deepcopy(fresh), ledger.now()
    try:  # each decided in turn first, so that one refused records nothing of the others
        for command in commands:
            command.run(rehearsal, now, submission.principal.name)
    finally:
        rehearsal.collect_events()
    batch = ledger.execute_batch([(command, fresh) for command in commands], principal=submission.principal)
    if batch.conflicted:
        raise VersionConflict("the file was changed by someone else meanwhile", rule="concurrent_write")
    if batch.refused:
        raise batch.refused[0][1]
    return True


# ------------------------------------------------------------------- helpers


def options(labels: dict[Any, str]) -> Choices:
    return tuple((value.value, text) for value, text in labels.items())


def today(dossier: Dossier) -> str:
    return f"{dossier.today:%d/%m/%Y}"


def contacts(dossier: Dossier) -> Choices:
    found = [(str(k), f"{v.name} ({CONTACT_ROLE[v.role]})") for k, v in dossier.debtor.contacts.items()]
    return (("", "-"), *found)


def open_notices(dossier: Dossier) -> Choices:
    return tuple(
        (str(n.number), f"n° {n.number}, envoyée le {n.sent_on:%d/%m/%Y}")
        for n in dossier.receivable.notices
        if n.acknowledgement is None
    )


def letters(dossier: Dossier) -> Choices:
    return tuple((letter.key, letter.label) for letter in dossier.letters)


DATE_HINT = "jj/mm/aaaa"
AMOUNT_HINT = "par exemple 1 234,56"


# ------------------------------------------------------------------ builders


def _call(s: Submission) -> list[Any]:
    i = s.inputs
    commands: list[Any] = [
        c.NoteCall(
            s.receivable_id, called_on=i.day("called_on"), purpose=i.choice("purpose", CallPurpose),
            outcome=i.choice("outcome", CallOutcome), contact_id=i.optional_id("contact_id"),
            notes=i.optional("notes"),
        )
    ]  # fmt: skip
    amount, promised = i.optional_amount("amount"), i.optional_day("promised_date")
    if amount is not None and promised is None:
        raise FormError("promised_date", "Indiquez aussi la date à laquelle le débiteur promet de payer.")
    if promised is not None and amount is None:
        raise FormError("amount", "Indiquez aussi le montant promis.")
    if amount is not None and promised is not None:
        commands.append(c.RecordPromise(s.receivable_id, amount=amount, promised_date=promised))
    return commands


def _promise(s: Submission) -> list[Any]:
    i = s.inputs
    return [c.RecordPromise(s.receivable_id, amount=i.amount("amount"), promised_date=i.day("promised_date"))]


def _dispute(s: Submission) -> list[Any]:
    i = s.inputs
    return [
        c.OpenDispute(
            s.receivable_id, reason=i.choice("reason", DisputeReason), opened_on=i.day("opened_on"),
            amount=i.optional_amount("amount"), description=i.optional("description"),
        )
    ]  # fmt: skip


def _resolution(s: Submission) -> list[Any]:
    i = s.inputs
    return [
        c.ResolveDispute(
            s.receivable_id, dispute_number=i.number("dispute_number"), outcome=i.choice("outcome", DisputeOutcome),
            resolved_on=i.day("resolved_on"), credit_note_number=i.optional("credit_note_number"),
            credit_note_amount=i.optional_amount("credit_note_amount"), comment=i.optional("comment"),
        )
    ]  # fmt: skip


def _pause(s: Submission) -> list[Any]:
    i = s.inputs
    return [c.PauseDunning(s.receivable_id, reason=i.text("reason"), until=i.optional_day("until"))]


def _resume(s: Submission) -> list[Any]:
    return [c.ResumeDunning(s.receivable_id, reason=s.inputs.text("reason"))]


def _payment(s: Submission) -> list[Any]:
    i = s.inputs
    return [
        c.RecordPayment(
            s.receivable_id, amount=i.amount("amount"), value_date=i.day("value_date"),
            method=i.choice("method", PaymentMethod), bank_reference=i.text("bank_reference"),
        )
    ]  # fmt: skip


def _credit_note(s: Submission) -> list[Any]:
    i = s.inputs
    return [
        c.ApplyCreditNote(
            s.receivable_id, credit_note_number=i.text("credit_note_number"), amount=i.amount("amount"),
            issued_on=i.day("issued_on"),
        )
    ]  # fmt: skip


def _acknowledgement(s: Submission) -> list[Any]:
    i = s.inputs
    number, outcome = i.number("notice_number"), i.choice("outcome", AcknowledgementOutcome)
    on = i.day("acknowledged_on")
    proof = s.stored("proof", required=False)
    return [c.AcknowledgeFormalNotice(s.receivable_id, number, outcome, on, proof[0] if proof else None)]


def _escalation(s: Submission) -> list[Any]:
    i = s.inputs
    return [
        c.Escalate(
            s.receivable_id, route=i.choice("route", EscalationRoute), escalated_on=i.day("escalated_on"),
            reference=i.optional("reference"),
        )
    ]  # fmt: skip


def _write_off(s: Submission) -> list[Any]:
    return [c.WriteOff(s.receivable_id, reason=s.inputs.text("reason"))]


def _note(s: Submission) -> list[Any]:
    return [c.AddNote(s.receivable_id, text=s.inputs.text("text"))]


def _document(s: Submission) -> list[Any]:
    i = s.inputs
    kind = i.choice("kind", DocumentKind)
    stored = s.stored("file", required=True)
    assert stored is not None
    sha, media_type = stored
    return [c.AttachDocument(s.receivable_id, kind, sha, media_type, i.optional("description"))]


def _post_letter(s: Submission, version: int) -> bool:
    """The letter the run prepared was posted: ``Letters.post``, as ``POST /v1/letters/{key}/posting``."""
    if s.dossier.receivable.version != version:
        raise VersionMismatch(
            f"expected version {version}, the file is at {s.dossier.receivable.version}", rule="if_match"
        )
    key = s.inputs.text("key")
    if key not in {letter.key for letter in s.dossier.letters}:
        raise FormError("key", "Choisissez un courrier de la liste.")
    posting = s.services.letters().post(
        key, posted_on=s.inputs.day("posted_on"), tracking_number=s.inputs.optional("tracking_number"),
        principal=s.principal,
    )  # fmt: skip
    return posting.events > 0


# -------------------------------------------------------------------- actions


def _always(dossier: Dossier) -> bool:
    return True


ACTIONS: tuple[Action, ...] = (
    Action(
        "appel", "Noter un appel", c.NoteCall,
        (
            Field("called_on", "Date de l'appel", "date", True, hint=DATE_HINT, default=today),
            Field("outcome", "Résultat", "select", True, options(CALL_OUTCOME)),
            Field("purpose", "Objet", "select", True, options(CALL_PURPOSE), default="follow_up"),
            Field("contact_id", "Interlocuteur", "select", choices=contacts),
            Field("notes", "Ce qui a été dit", "textarea"),
            Field("amount", "Montant promis (facultatif)", "amount", hint=AMOUNT_HINT),
            Field("promised_date", "Payera le (facultatif)", "date", hint=DATE_HINT),
        ),
        "Appel enregistré.", build=_call,
    ),
    Action(
        "promesse", "Enregistrer une promesse de paiement", c.RecordPromise,
        (
            Field("amount", "Montant promis", "amount", True, hint=AMOUNT_HINT),
            Field("promised_date", "Payera le", "date", True, hint=DATE_HINT),
        ),
        "Promesse de paiement enregistrée : les relances attendent sa date.", build=_promise,
    ),
    Action(
        "litige", "Ouvrir un litige", c.OpenDispute,
        (
            Field("reason", "Motif", "select", True, options(DISPUTE_REASON)),
            Field("opened_on", "Date de la contestation", "date", True, hint=DATE_HINT, default=today),
            Field("amount", "Montant contesté", "amount", hint="vide : toute la facture"),
            Field("description", "Détail", "textarea"),
        ),
        "Litige ouvert.", build=_dispute,
        shown=lambda d: not d.receivable.is_closed and d.receivable.open_dispute is None,
    ),
    Action(
        "resolution-litige", "Résoudre le litige", c.ResolveDispute,
        (
            Field("dispute_number", "Litige", "hidden",
                  default=lambda d: str(d.receivable.open_dispute.number) if d.receivable.open_dispute else ""),
            Field("outcome", "Issue", "select", True, options(DISPUTE_OUTCOME)),
            Field("resolved_on", "Date de résolution", "date", True, hint=DATE_HINT, default=today),
            Field("credit_note_number", "N° de l'avoir accordé (facultatif)"),
            Field("credit_note_amount", "Montant de l'avoir (facultatif)", "amount", hint=AMOUNT_HINT),
            Field("comment", "Commentaire", "textarea"),
        ),
        "Litige résolu.", build=_resolution, aliases={"amount": "credit_note_amount"},
        shown=lambda d: d.receivable.open_dispute is not None,
    ),
    Action(
        "pause", "Suspendre les relances", c.PauseDunning,
        (
            Field("reason", "Motif", required=True),
            Field("until", "Jusqu'au (facultatif)", "date", hint=DATE_HINT),
        ),
        "Relances suspendues.", build=_pause,
        shown=lambda d: not d.receivable.is_closed and d.receivable.pause is None,
    ),
    Action(
        "reprise", "Reprendre les relances", c.ResumeDunning,
        (Field("reason", "Motif", required=True),),
        "Relances reprises.", build=_resume,
        shown=lambda d: not d.receivable.is_closed and d.receivable.pause is not None,
    ),
    Action(
        "paiement", "Enregistrer un paiement", c.RecordPayment,
        (
            Field("amount", "Montant", "amount", True, hint=AMOUNT_HINT),
            Field("value_date", "Date de valeur", "date", True, hint=DATE_HINT, default=today),
            Field("method", "Moyen", "select", True, options(PAYMENT_METHOD), default="transfer"),
            Field("bank_reference", "Référence bancaire", required=True),
        ),
        "Paiement enregistré.", build=_payment,
    ),
    Action(
        "avoir", "Imputer un avoir", c.ApplyCreditNote,
        (
            Field("credit_note_number", "N° de l'avoir", required=True),
            Field("amount", "Montant", "amount", True, hint=AMOUNT_HINT),
            Field("issued_on", "Date de l'avoir", "date", True, hint=DATE_HINT, default=today),
        ),
        "Avoir imputé.", build=_credit_note,
    ),
    Action(
        "courrier-poste", "Courrier posté", c.SendFormalNotice,
        (
            Field("key", "Courrier", "select", True, letters),
            Field("posted_on", "Déposé à La Poste le", "date", True, hint=DATE_HINT, default=today),
            Field("tracking_number", "N° de suivi (recommandé)", hint="par exemple 1A 234 567 8901 2"),
        ),
        "Courrier enregistré comme posté.", perform=_post_letter, shown=lambda d: bool(d.letters),
    ),
    Action(
        "accuse-reception", "Avis de réception reçu", c.AcknowledgeFormalNotice,
        (
            Field("notice_number", "Mise en demeure", "select", True, open_notices),
            Field("outcome", "Résultat", "select", True, options(ACKNOWLEDGEMENT)),
            Field("acknowledged_on", "Date (signature, présentation ou retour)", "date", True, hint=DATE_HINT,
                  default=today),
            Field("proof", "Scan de l'avis (facultatif)", "file"),
        ),
        "Avis de réception enregistré.", build=_acknowledgement, aliases={"proof_sha256": "proof"},
        shown=lambda d: bool(open_notices(d)),
    ),
    Action(
        "contentieux", "Passer au contentieux", c.Escalate,
        (
            Field("route", "Voie", "select", True, options(ESCALATION_ROUTE)),
            Field("escalated_on", "Date", "date", True, hint=DATE_HINT, default=today),
            Field("reference", "Référence (dossier, huissier…)"),
        ),
        "Dossier transmis au contentieux.", build=_escalation,
    ),
    Action(
        "perte", "Passer en perte", c.WriteOff,
        (Field("reason", "Motif", "textarea", True),),
        "Créance passée en perte.", build=_write_off, submit="Passer en perte",
    ),
    Action(
        "note", "Ajouter une note", c.AddNote,
        (Field("text", "Note", "textarea", True),),
        "Note ajoutée.", build=_note, shown=_always,
    ),
    Action(
        "document", "Joindre un document", c.AttachDocument,
        (
            Field("file", "Fichier (PDF, image, texte, courriel)", "file", True),
            Field("kind", "Nature", "select", True, options(DOCUMENT_KIND), default="other"),
            Field("description", "Description"),
        ),
        "Document joint au dossier.", build=_document, aliases={"document_sha256": "file", "media_type": "file"},
        shown=_always,
    ),
)  # fmt: skip
BY_SLUG = {action.slug: action for action in ACTIONS}
