"""The messages sent (by Message-ID) and the messages read back from the mailbox (plain SQL, SQLite or
PostgreSQL). A sent message is written when the SMTP server accepted it, before the journal records the
sending; a message read back is written once processed, so reading the mailbox again records nothing new.
No address is kept here: the contact id names whom it went to (the address lives in the Debtor).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from datetime import UTC, date, datetime
from email.parser import BytesHeaderParser
from email.policy import compat32

from application.inbound_mail import message_ids
from application.mail_feedback import REPLY, Reply, SentMessage
from domain.canonical import format_instant
from infrastructure.sql import Database, ensure_tables, is_unique_violation

SCHEMA = [
    """CREATE TABLE IF NOT EXISTS sent_messages (
        message_id TEXT PRIMARY KEY,
        dispatch_key TEXT NOT NULL,
        document_sha256 TEXT NOT NULL,
        debtor_id TEXT NOT NULL,
        contact_id TEXT,
        sent_at TEXT NOT NULL
    )""",
    """CREATE TABLE IF NOT EXISTS mail_inbox (
        message_key TEXT PRIMARY KEY,
        kind TEXT NOT NULL,
        dispatch_key TEXT,
        receivable_ids TEXT NOT NULL,
        received_on TEXT,
        subject TEXT NOT NULL,
        processed_at TEXT NOT NULL,
        handled_at TEXT,
        handled_by TEXT
    )""",
]


class MailStore:
    def __init__(self, database: Database) -> None:
        ensure_tables(database, SCHEMA)
        self._db = database

    # ------------------------------------------------------------ sent

    def remember(self, message: bytes, *, dispatch_key: str, debtor_id: str, contact_id: str | None) -> None:
        ids = message_ids(BytesHeaderParser(policy=compat32).parsebytes(message).get("Message-ID"))
        if not ids:
            return
        try:
            self._db.execute(
                "INSERT INTO sent_messages (message_id, dispatch_key, document_sha256, debtor_id, contact_id, sent_at)"
                " VALUES (%s, %s, %s, %s, %s, %s)",
                (ids[0], dispatch_key, hashlib.sha256(message).hexdigest(), debtor_id, contact_id,
                 format_instant(datetime.now(tz=UTC))),
            )  # fmt: skip
        except Exception as error:
            if not is_unique_violation(error):  # the same message sent again after a crash: kept once
                raise

    def find(self, message_id: str) -> SentMessage | None:
        rows = self._db.fetch(
            "SELECT message_id, dispatch_key, document_sha256, debtor_id, contact_id, sent_at FROM sent_messages"
            " WHERE message_id = %s",
            (message_id,),
        )
        if not rows:
            return None
        message_id, key, sha, debtor_id, contact_id, sent_at = rows[0]
        return SentMessage(message_id, key, sha, debtor_id, contact_id, datetime.fromisoformat(sent_at))

    # ------------------------------------------------------------ read back

    def processed(self, key: str) -> bool:
        return bool(self._db.fetch("SELECT 1 FROM mail_inbox WHERE message_key = %s", (key,)))

    def mark_processed(
        self, key: str, *, kind: str, dispatch_key: str | None, receivable_ids: Sequence[str],
        received_on: date | None, subject: str, now: datetime,
    ) -> None:  # fmt: skip
        try:
            self._db.execute(
                "INSERT INTO mail_inbox (message_key, kind, dispatch_key, receivable_ids, received_on, subject,"
                " processed_at) VALUES (%s, %s, %s, %s, %s, %s, %s)",
                (key, kind, dispatch_key, json.dumps(list(receivable_ids)),
                 None if received_on is None else received_on.isoformat(), subject, format_instant(now)),
            )  # fmt: skip
        except Exception as error:
            if not is_unique_violation(error):  # two readers of the mailbox at once: one row
                raise

    def open_replies(self) -> list[Reply]:
        rows = self._db.fetch(
            "SELECT message_key, dispatch_key, receivable_ids, received_on, subject FROM mail_inbox"
            " WHERE kind = %s AND handled_at IS NULL ORDER BY received_on, message_key",
            (REPLY,),
        )
        return [
            Reply(key, dispatch_key or "", tuple(json.loads(ids)), date.fromisoformat(received_on), subject)
            for key, dispatch_key, ids, received_on, subject in rows
        ]

    def mark_handled(self, key: str, *, now: datetime, actor: str) -> bool:
        changed = self._db.execute(
            "UPDATE mail_inbox SET handled_at = %s, handled_by = %s"
            " WHERE message_key = %s AND kind = %s AND handled_at IS NULL",
            (format_instant(now), actor, key, REPLY),
        )
        return changed > 0
