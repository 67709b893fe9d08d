"""Wires the dunning run to the store, the documents, the templates and the SMTP server."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime

from application.correspondence import Correspondence, Firm
from application.dunning_dispatch import DunningPorts
from application.dunning_run import DunningRun
from application.ledger import Ledger
from domain.errors import InvalidInput
from infrastructure.dispatches import Dispatch, DispatchStore, dispatch_key
from infrastructure.documents import DocumentStore
from infrastructure.import_store import ImportStore
from infrastructure.letters import LetterError, Renderer, firm_from_settings
from infrastructure.lre_provider import registered_email_from_settings
from infrastructure.mail_ports import build_mail_feedback
from infrastructure.mail_store import MailStore
from infrastructure.mailer import OutgoingEmail, SmtpMailer, mailer_from_settings, sender_from_settings
from infrastructure.policy_store import PolicyStore
from infrastructure.settings import Settings
from infrastructure.sms_channel import sms_channel_from_settings
from infrastructure.sql import Database
from infrastructure.stores import build_claims


class EmailRendering:
    """Letters as PDF; e-mails as the RFC 5322 message that is stored, hashed and sent as is."""

    def __init__(self, renderer: Renderer, sender: str | None) -> None:
        self._renderer = renderer
        self._sender = sender

    def pdf(self, c: Correspondence) -> bytes:
        return self._renderer.pdf(c)

    def email_message(
        self,
        c: Correspondence,
        *,
        to: str,
        message_id: str,
        sent_at: datetime,
        attachments: Sequence[tuple[str, str, bytes]] = (),
    ) -> bytes:
        rendered = self._renderer.email(c)
        sender = self._sender or c.firm.email
        if not sender:
            raise InvalidInput("no sender address: set RELANCE_SMTP_FROM or RELANCE_FIRM_EMAIL", rule="smtp_sender")
        email = OutgoingEmail(
            sender=sender, to=to, subject=rendered.subject, text=rendered.text,
            html=rendered.html, message_id=message_id, sent_at=sent_at, attachments=tuple(attachments),
        )  # fmt: skip
        return email.as_bytes()


class StoredMessageSender:
    """Sends the stored message bytes as they are: what leaves is exactly what the journal's sha256 names."""

    def __init__(self, mailer: SmtpMailer) -> None:
        self._mailer = mailer

    def send_bytes(self, message: bytes, *, to: str) -> None:
        self._mailer.send_bytes(message, to=to)


def build_dunning(
    settings: Settings,
    ledger: Ledger,
    database: Database,
    documents: DocumentStore,
    *,
    fallback_firm: Callable[[], Firm | None] = lambda: None,
) -> DunningRun:
    """The dunning run on these stores; ``fallback_firm``: who signs while the firm's settings name no one
    (the demo's sample firm, decided by the composition root)."""
    policies = PolicyStore(database)
    policies.install(now=ledger.now().instant, policy_dir=settings.policy_dir)
    claims = build_claims(settings, ledger)
    firm: Firm | None
    try:
        firm = firm_from_settings(settings)
    except LetterError:
        firm = fallback_firm()
    mailer = mailer_from_settings(settings)
    imports = ImportStore(database)
    ports = DunningPorts(
        documents=documents,
        outbox=DispatchStore(database),
        renderer=EmailRendering(Renderer(settings.template_dir), sender_from_settings(settings)),
        sender=StoredMessageSender(mailer) if mailer is not None else None,
        firm=firm,
        policies=policies.policies,
        claim=claims.claim_of,
        latest_bank_statement=imports.latest_statement_date,
        bank_statement_max_age_days=settings.bank_statement_max_age_days,
        new_dispatch=Dispatch,
        dispatch_key=dispatch_key,
        post_within_days=settings.letters_post_within_days,
        sms=sms_channel_from_settings(settings, database),
        sent_messages=MailStore(database),  # Message-IDs kept for bounces and replies (decision 0099)
        worklist_sources=(build_mail_feedback(ledger, database, documents).replies,),
        registered_email=registered_email_from_settings(settings),
    )
    return DunningRun(ledger, ports)
