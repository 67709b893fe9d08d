"""Stored responses of POST requests by (caller, Idempotency-Key)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime

from domain.canonical import format_instant, parse_instant  # fixed width: instants compare as strings
from infrastructure.sql import Database, is_unique_violation


@dataclass(frozen=True)
class StoredResponse:
    request_hash: str
    status: int | None  # None: the first request is still running, or died running
    headers: dict[str, str]
    body: bytes
    created_at: datetime | None = None


class IdempotencyStore:
    def __init__(self, database: Database) -> None:
        self._db = database

    def find(self, principal: str, key: str) -> StoredResponse | None:
        rows = self._db.fetch(
            "SELECT request_hash, status, headers, body, created_at FROM idempotency_keys"
            " WHERE principal = %s AND idempotency_key = %s",
            (principal, key),
        )
        if not rows:
            return None
        request_hash, status, headers, body, created_at = rows[0]
        return StoredResponse(
            request_hash, status, json.loads(headers or "{}"), bytes(body or b""), parse_instant(created_at)
        )

    def claim(self, principal: str, key: str, request_hash: str, *, now: datetime | None = None) -> bool:
        """Reserve the key for this request; False if a request holds it already, or held it and died.

        A claim is never taken over: the request that died may have recorded its command before dying,
        and running it again would record it twice. The caller checks the journal and uses a new key."""
        return self._insert(principal, key, request_hash, now or datetime.now(tz=UTC))

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
