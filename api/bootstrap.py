"""The composition root of the entry points: the only module of ``api`` that knows ``infrastructure``.

It builds the Ledger (and its command pipeline) on the configured stores, the services the HTTP
routes and the CLI commands share, and names the adapters they use; every other module of ``api``
imports them from here, so that swapping an adapter touches one file (checked by import-linter).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import timedelta

from api.demo import holds_demo, sample_firm
from application.correspondence import Firm
from application.dunning_run import DunningRun
from application.ledger import Clock, Ledger, system_clock
from application.letters import Letters
from application.lre_callbacks import LreCallbacks
from application.mail_feedback import Mailbox, MailFeedback
from application.receivable_index import ReceivableIndex
from application.sms_reports import SmsDeliveryReports
from infrastructure import dunning_ports
from infrastructure.brevo_sms import read_report as read_brevo_report
from infrastructure.console_sessions import ConsoleSession, ConsoleSessions, SessionRules, SignIn, SignInOutcome
from infrastructure.digests import DigestStore
from infrastructure.documents import MAX_DOCUMENT_BYTES, MEDIA_TYPES, DocumentStore, served_media_type
from infrastructure.evidence import build_exporter, build_timestamper
from infrastructure.idempotency import IdempotencyStore
from infrastructure.imap_mailbox import MailboxError, mailbox_from_settings
from infrastructure.import_files import MAX_IMPORT_BYTES, read_invoices, read_statement
from infrastructure.import_store import ImportStore
from infrastructure.letters import LetterError, firm_from_settings
from infrastructure.mail_ports import build_mail_feedback
from infrastructure.policy_files import load_policy
from infrastructure.policy_store import PolicyStore, StoredPolicy
from infrastructure.print_batch import BatchPdf
from infrastructure.privacy_access import render_access
from infrastructure.projector import DEFAULT_BATCH_SIZE, Projector
from infrastructure.rate_files import RateFileError
from infrastructure.read_models import AUDIT_PAGE_MAX, AuditFilter, ReadModels, build_read_models, start_projections
from infrastructure.read_store import SQLITE_FILE, open_read_store
from infrastructure.resealing import reseal_store
from infrastructure.run_reports import RunReportStore
from infrastructure.settings import Settings
from infrastructure.signing import (
    Signer,
    SigningKeyError,
    fingerprint,
    load_signer,
    same_public_key,
    verify_signature,
)
from infrastructure.sms_channel import build_sms_reports
from infrastructure.sql import Database, open_database
from infrastructure.stores import build_claims, build_ledger
from infrastructure.timestamping import TimestampError, check_token
from infrastructure.token_cache import TokenChangeListener
from infrastructure.tokens import TokenStore, serving_token_store, token_hash
from infrastructure.users import User, UserStore

__all__ = [
    "AUDIT_PAGE_MAX",
    "DEFAULT_BATCH_SIZE",
    "MAX_DOCUMENT_BYTES",
    "MAX_IMPORT_BYTES",
    "MEDIA_TYPES",
    "SQLITE_FILE",
    "AuditFilter",
    "ConsoleSession",
    "ConsoleSessions",
    "Database",
    "DigestStore",
    "DocumentStore",
    "IdempotencyStore",
    "ImportStore",
    "LetterError",
    "MailboxError",
    "PolicyStore",
    "Projector",
    "RateFileError",
    "ReadModels",
    "RunReportStore",
    "Services",
    "Settings",
    "SignIn",
    "SignInOutcome",
    "Signer",
    "SigningKeyError",
    "StoredPolicy",
    "TimestampError",
    "TokenStore",
    "User",
    "UserStore",
    "build_claims",
    "build_dunning",
    "build_exporter",
    "build_ledger",
    "build_mail_feedback",
    "build_services",
    "build_timestamper",
    "check_token",
    "fingerprint",
    "firm_from_settings",
    "letters_of",
    "load_policy",
    "load_signer",
    "mailbox_from_settings",
    "open_database",
    "open_read_store",
    "read_brevo_report",
    "read_invoices",
    "read_statement",
    "render_access",
    "reseal_store",
    "same_public_key",
    "served_media_type",
    "start_projections",
    "token_hash",
    "verify_signature",
]


def build_dunning(settings: Settings, ledger: Ledger, database: Database, documents: DocumentStore) -> DunningRun:
    """The dunning run; on the demo's store, while no firm is configured, its sample firm signs (decision 0086)."""

    def demo_firm() -> Firm | None:
        return sample_firm() if holds_demo(ledger) else None

    return dunning_ports.build_dunning(settings, ledger, database, documents, fallback_firm=demo_firm)


def letters_of(run: DunningRun) -> Letters:
    return Letters(
        run.ledger, run.ports.outbox, post_within_days=run.ports.post_within_days, documents=run.ports.documents,
        printing=BatchPdf(run.ports.firm),
    )  # fmt: skip


@dataclass
class Services:
    """What the routes use, built once per process by ``create_app`` (nothing at import time)."""

    settings: Settings
    ledger: Ledger
    database: Database
    tokens: TokenStore
    documents: DocumentStore
    read_models: ReadModels | None = None  # reports and audit journal
    token_listener: TokenChangeListener | None = None  # keeps the tokens' cache true (PostgreSQL)
    _dunning: DunningRun | None = field(default=None, repr=False)
    _receivable_index: ReceivableIndex | None = field(default=None, repr=False)
    _wiring_lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @property
    def policies(self) -> PolicyStore:
        return PolicyStore(self.database)

    @property
    def run_reports(self) -> RunReportStore:
        return RunReportStore(self.database)

    @property
    def imports(self) -> ImportStore:
        return ImportStore(self.database)

    @property
    def users(self) -> UserStore:
        return UserStore(self.database)

    def console_sessions(self) -> ConsoleSessions:
        """The console's sign-in (with its lockout) and sessions, on the ledger's clock."""
        s = self.settings
        rules = SessionRules(
            lifetime=timedelta(hours=s.console_session_hours),
            idle=timedelta(minutes=s.console_idle_minutes),
            lockout_attempts=s.console_lockout_attempts,
            lockout=timedelta(minutes=s.console_lockout_minutes),
        )
        return ConsoleSessions(self.database, self.users, self.ledger.clock, rules)

    def idempotency(self) -> IdempotencyStore:
        return IdempotencyStore(self.database)

    def dunning(self) -> DunningRun:
        """The dunning run, wired on first use (it installs the shipped policies' new versions)."""
        with self._wiring_lock:
            if self._dunning is None:
                self._dunning = build_dunning(self.settings, self.ledger, self.database, self.documents)
            return self._dunning

    def letters(self) -> Letters:
        """The letters the run prepared, to post, and what comes back (application/letters.py)."""
        return letters_of(self.dunning())

    def sms_reports(self) -> SmsDeliveryReports:
        """Brevo's delivery reports of the SMS the run sent (application/sms_reports.py)."""
        return build_sms_reports(self.ledger, self.database, self.documents)

    def mail_feedback(self) -> MailFeedback:
        """Bounces, provider events and replies to the reminders sent by e-mail (decision 0099)."""
        return build_mail_feedback(self.ledger, self.database, self.documents)

    def mailbox(self) -> Mailbox | None:
        """The IMAP mailbox of RELANCE_IMAP_*, None when no host is set."""
        return mailbox_from_settings(self.settings)

    def lre_callbacks(self) -> LreCallbacks | None:
        """The LRE provider's status callbacks (decision 0100); None when no provider is configured."""
        run = self.dunning()
        provider = run.ports.registered_email
        if provider is None:
            return None
        return LreCallbacks(run.ledger, run.ports.outbox, run.ports.documents, provider, letters_of(run))

    def receivable_index(self) -> ReceivableIndex:
        """What the list of receivables filters and sorts on, built on first use (one read of the log)."""
        with self._wiring_lock:
            if self._receivable_index is None:
                self._receivable_index = ReceivableIndex(self.ledger)
            return self._receivable_index

    def close(self) -> None:
        if self.token_listener is not None:
            self.token_listener.stop()
        if self.read_models is not None:
            self.read_models.close()
        self.ledger.close()
        self.database.close()


def build_services(settings: Settings, clock: Clock = system_clock) -> Services:
    database = open_database(settings)
    ledger = build_ledger(settings, clock=clock, database=database)
    tokens, token_listener = serving_token_store(settings, database)
    return Services(
        settings=settings,
        ledger=ledger,
        database=database,
        tokens=tokens,
        token_listener=token_listener,
        documents=DocumentStore(database),
        read_models=build_read_models(settings, ledger),
    )
