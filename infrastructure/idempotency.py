"""Stored responses of POST requests by (caller, Idempotency-Key)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from domain.canonical import format_instant  # fixed width: instants compare as strings
from infrastructure.sql import Database, is_unique_violation


@dataclass(frozen=True)
class StoredResponse:
    request_hash: str
    status: int | None  # None: the first request is still running
    headers: dict[str, str]
    body: bytes


# A claim whose request died (process killed, client gone) must not hold its key for ever;
# no request runs this long (the store's lock timeout is seconds).
ABANDONED_AFTER = timedelta(minutes=5)


class IdempotencyStore:
    def __init__(self, database: Database) -> None:
        self._db = database

    def find(self, principal: str, key: str) -> StoredResponse | None:
        rows = self._db.fetch(
            "SELECT request_hash, status, headers, body FROM idempotency_keys"
            " WHERE principal = %s AND idempotency_key = %s",
            (principal, key),
        )
        if not rows:
            return None
        request_hash, status, headers, body = rows[0]
        return StoredResponse(request_hash, status, json.loads(headers or "{}"), bytes(body or b""))

    def claim(self, principal: str, key: str, request_hash: str, *, now: datetime | None = None) -> bool:
        """Reserve the key for this request; False if another request holds it already.

        A claim abandoned for longer than ``ABANDONED_AFTER`` without a response is taken over."""
        moment = now or datetime.now(tz=UTC)
        if self._insert(principal, key, request_hash, moment):
            return True
        self._db.execute(
            "DELETE FROM idempotency_keys WHERE principal = %s AND idempotency_key = %s"
            " AND status IS NULL AND created_at < %s",
            (principal, key, format_instant(moment - ABANDONED_AFTER)),
        )
        return self._insert(principal, key, request_hash, moment)

    def _insert(self, principal: str, key: str, request_hash: str, moment: datetime) -> bool:
        try:
            self._db.execute(
                "INSERT INTO idempotency_keys"
                " (principal, idempotency_key, request_hash, status, headers, body, created_at)"
                " VALUES (%s, %s, %s, NULL, NULL, NULL, %s)",
                (principal, key, request_hash, format_instant(moment)),
            )
        except Exception as error:
            if is_unique_violation(error):
                return False
            raise
        return True

    def complete(self, principal: str, key: str, status: int, headers: dict[str, str], body: bytes) -> None:
        self._db.execute(
            "UPDATE idempotency_keys SET status = %s, headers = %s, body = %s"
            " WHERE principal = %s AND idempotency_key = %s",
            (status, json.dumps(headers), body, principal, key),
        )

    def release(self, principal: str, key: str) -> None:
        self._db.execute(
            "DELETE FROM idempotency_keys WHERE principal = %s AND idempotency_key = %s AND status IS NULL",
            (principal, key),
        )
