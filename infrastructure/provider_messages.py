"""The message ids providers give what they accept (an SMS today), with the dispatch each one carried.

A delivery report names the provider's message id: this table finds its dispatch (and so the receivables
and the document) again. Its own table rather than a column on the outbox: the outbox keeps its shape on
existing stores, and a report is looked up by (provider, message id), the primary key here. One message
per dispatch (unique key): a row here means the provider accepted the dispatch, and a resumed run does not
send it again (decision 0098).
"""

from __future__ import annotations

from datetime import datetime

from application.sms_dispatch import ProviderMessage
from domain.canonical import format_instant
from infrastructure.sql import Database, ensure_tables

SCHEMA = [
    """CREATE TABLE IF NOT EXISTS provider_messages (
        provider TEXT NOT NULL,
        message_id TEXT NOT NULL,
        dispatch_key TEXT NOT NULL UNIQUE,
        document_sha256 TEXT NOT NULL,
        accepted_at TEXT NOT NULL,
        PRIMARY KEY (provider, message_id)
    )""",
]
_COLUMNS = "provider, message_id, dispatch_key, document_sha256"


class ProviderMessageStore:
    def __init__(self, database: Database) -> None:
        ensure_tables(database, SCHEMA)
        self._db = database

    def remember(self, message: ProviderMessage, *, now: datetime) -> None:
        """Kept as soon as the provider answered, before the outbox says ``sent``."""
        self._db.execute(
            f"INSERT INTO provider_messages ({_COLUMNS}, accepted_at) VALUES (%s, %s, %s, %s, %s)"
            " ON CONFLICT DO NOTHING",
            (message.provider, message.message_id, message.dispatch_key, message.document_sha256, format_instant(now)),
        )

    def of_dispatch(self, dispatch_key: str) -> ProviderMessage | None:
        rows = self._db.fetch(f"SELECT {_COLUMNS} FROM provider_messages WHERE dispatch_key = %s", (dispatch_key,))
        return ProviderMessage(*rows[0]) if rows else None

    def find(self, provider: str, message_id: str) -> ProviderMessage | None:
        rows = self._db.fetch(
            f"SELECT {_COLUMNS} FROM provider_messages WHERE provider = %s AND message_id = %s", (provider, message_id)
        )
        return ProviderMessage(*rows[0]) if rows else None
