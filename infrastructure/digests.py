"""Signed ledger digests, append-only, beside the other side tables (same Database).

Each row keeps what verification needs: the exact bytes signed, the signature and the key
that made it, and the leaves (``aggregate_id:version:head`` per line, sorted), so that each
aggregate's head can be compared with the latest digest that covers it (evidence.md §6).
Triggers refuse UPDATE and DELETE; someone who drops them still cannot alter a digest
without breaking its signature, nor its leaves without breaking its root.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from typing import Any

from application.digests import SignedDigest
from domain.canonical import format_instant, parse_instant
from domain.digest import Leaf, LedgerDigest
from infrastructure.sql import Database, is_unique_violation

TABLE = """CREATE TABLE IF NOT EXISTS ledger_digests (
    sequence INTEGER PRIMARY KEY,
    as_of TEXT NOT NULL,
    aggregates INTEGER NOT NULL,
    events INTEGER NOT NULL,
    root TEXT NOT NULL,
    signature TEXT NOT NULL,
    public_key TEXT NOT NULL,
    signed_bytes {blob} NOT NULL,
    leaves TEXT NOT NULL,
    published_at TEXT NOT NULL,
    published_by TEXT NOT NULL,
    timestamp_token {blob}
)"""
SQLITE_APPEND_ONLY = [
    """CREATE TRIGGER IF NOT EXISTS ledger_digests_no_update BEFORE UPDATE ON ledger_digests
       BEGIN SELECT RAISE(ABORT, 'ledger_digests is append-only'); END""",
    """CREATE TRIGGER IF NOT EXISTS ledger_digests_no_delete BEFORE DELETE ON ledger_digests
       BEGIN SELECT RAISE(ABORT, 'ledger_digests is append-only'); END""",
]
POSTGRES_APPEND_ONLY = [
    """DO $do$ BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_proc WHERE proname = 'ledger_digests_append_only') THEN
        CREATE FUNCTION ledger_digests_append_only() RETURNS trigger LANGUAGE plpgsql AS $fn$
        BEGIN RAISE EXCEPTION 'ledger_digests is append-only'; END $fn$;
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_trigger WHERE tgname = 'ledger_digests_no_change') THEN
        CREATE TRIGGER ledger_digests_no_change BEFORE UPDATE OR DELETE ON ledger_digests
            FOR EACH ROW EXECUTE FUNCTION ledger_digests_append_only();
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_trigger WHERE tgname = 'ledger_digests_no_truncate') THEN
        CREATE TRIGGER ledger_digests_no_truncate BEFORE TRUNCATE ON ledger_digests
            FOR EACH STATEMENT EXECUTE FUNCTION ledger_digests_append_only();
    END IF;
END $do$""",
]
COLUMNS = "sequence, as_of, aggregates, events, root, signature, public_key, signed_bytes, published_at, published_by"
INSERT_ATTEMPTS = 5


class DigestStore:
    """The ``DigestRepository`` of application/digests.py on SQLite or PostgreSQL."""

    def __init__(self, database: Database) -> None:
        self._db = database
        blob = "BYTEA" if database.dialect == "postgres" else "BLOB"
        self._db.execute(TABLE.format(blob=blob))
        for statement in POSTGRES_APPEND_ONLY if database.dialect == "postgres" else SQLITE_APPEND_ONLY:
            self._execute_ddl(statement)

    def _execute_ddl(self, statement: str) -> None:
        try:
            self._db.execute(statement)
        except Exception as error:  # two processes creating the trigger at once: the other one won
            if not is_unique_violation(error) and "already exists" not in str(error):
                raise

    def append(
        self,
        digest: LedgerDigest,
        leaves: Sequence[Leaf],
        *,
        signature: str,
        public_key: str,
        published_by: str,
        timestamp_token: bytes | None = None,
    ) -> SignedDigest:
        published_at = datetime.now(tz=UTC)
        for _ in range(INSERT_ATTEMPTS):
            sequence = int(self._db.fetch("SELECT COALESCE(MAX(sequence), 0) + 1 FROM ledger_digests")[0][0])
            try:
                self._db.execute(
                    f"INSERT INTO ledger_digests ({COLUMNS}, leaves, timestamp_token)"
                    " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
                    (
                        sequence,
                        digest.as_of_text,
                        digest.aggregates,
                        digest.events,
                        digest.root,
                        signature,
                        public_key,
                        digest.canonical(),
                        format_instant(published_at),
                        published_by,
                        "\n".join(leaf.data.decode() for leaf in leaves),
                        timestamp_token,
                    ),
                )
            except Exception as error:
                if is_unique_violation(error):
                    continue  # another publisher took this sequence number: take the next
                raise
            return SignedDigest(
                sequence,
                digest,
                digest.canonical(),
                signature,
                public_key,
                published_at,
                published_by,
                timestamp_token,
            )
        raise RuntimeError("could not append a digest: too many concurrent publishers")

    def latest(self) -> SignedDigest | None:
        rows = self._db.fetch(f"SELECT {COLUMNS}, timestamp_token FROM ledger_digests ORDER BY sequence DESC LIMIT 1")
        return _signed(rows[0]) if rows else None

    def get(self, sequence: int) -> SignedDigest | None:
        rows = self._db.fetch(f"SELECT {COLUMNS}, timestamp_token FROM ledger_digests WHERE sequence = %s", (sequence,))
        return _signed(rows[0]) if rows else None

    def newest_first(self) -> Iterator[SignedDigest]:
        before: int | None = None
        while True:
            page = self.page(limit=100, before=before)
            yield from page
            if len(page) < 100:
                return
            before = page[-1].sequence

    def page(self, *, limit: int, before: int | None = None) -> list[SignedDigest]:
        """Newest first; ``before``: only digests with a smaller sequence number."""
        condition, params = ("WHERE sequence < %s", (before, limit)) if before is not None else ("", (limit,))
        rows = self._db.fetch(
            f"SELECT {COLUMNS}, timestamp_token FROM ledger_digests {condition} ORDER BY sequence DESC LIMIT %s",
            params,
        )
        return [_signed(row) for row in rows]

    def leaves(self, sequence: int) -> list[Leaf]:
        rows = self._db.fetch("SELECT leaves FROM ledger_digests WHERE sequence = %s", (sequence,))
        if not rows:
            raise KeyError(f"no digest #{sequence}")
        text = str(rows[0][0])
        return [Leaf.parse(line) for line in text.split("\n")] if text else []


def _signed(row: tuple[Any, ...]) -> SignedDigest:
    sequence, as_of, aggregates, events, root, signature, public_key, signed, published_at, by, token = row
    digest = LedgerDigest(_instant(as_of), int(aggregates), int(events), str(root))
    return SignedDigest(
        sequence=int(sequence),
        digest=digest,
        canonical=bytes(signed),
        signature=str(signature),
        public_key=str(public_key),
        published_at=_instant(published_at),
        published_by=str(by),
        timestamp_token=None if token is None else bytes(token),
    )


def _instant(text: str) -> datetime:
    """An unreadable instant (an altered row) becomes year 1: the digest then no longer matches its
    signed bytes, and verification reports it instead of crashing."""
    try:
        return parse_instant(str(text))
    except ValueError:
        return datetime(1, 1, 1, tzinfo=UTC)
