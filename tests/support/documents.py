"""The documents store of a test's settings, for code that stores documents beside a Ledger (the demo)."""

from __future__ import annotations

from infrastructure.documents import DocumentStore
from infrastructure.settings import Settings
from infrastructure.sql import open_database


def document_store(settings: Settings) -> DocumentStore:
    return DocumentStore(open_database(settings))
