"""Wires what comes back of the e-mails (application/mail_feedback.py) to the store and the documents."""

from __future__ import annotations

from application.ledger import Ledger
from application.mail_feedback import MailFeedback
from infrastructure.dispatches import DispatchStore
from infrastructure.documents import DocumentStore
from infrastructure.mail_store import MailStore
from infrastructure.sql import Database


def build_mail_feedback(ledger: Ledger, database: Database, documents: DocumentStore) -> MailFeedback:
    return MailFeedback(ledger, MailStore(database), documents, DispatchStore(database))
