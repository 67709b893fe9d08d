"""After an erasure: the subject's personal data purged from what lies outside the journal (decision 0106).

The journal holds it sealed, and its keys are destroyed by then. What else held it: the documents of the
debtor's files (letters, e-mails, invoices, receipts: relance's copies, not the firm's books), the outbox's
and the mail log's references to them, the dunning runs' reports, bank lines naming the person, answers kept
for idempotency keys, and subjects of inbound mail. Documents are deleted and remembered as erased (so that
an export says so rather than "not stored"); texts have each personal value replaced by ``[effacé]``.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from uuid import UUID

from application.evidence import named_documents
from application.ledger import Ledger
from domain.canonical import format_instant
from domain.personal import ERASED
from infrastructure.documents import ERASED_DOCUMENTS
from infrastructure.sql import Database, ensure_tables

# (table, column) of free text where a person's name, e-mail, phone or street may be written.
TEXTS = (
    ("dunning_runs", "report"),
    ("import_bank_lines", "payer"),
    ("import_bank_lines", "remittance"),
    ("import_bank_lines", "detail"),
    ("mail_inbox", "subject"),
)
MIN_VALUE_LENGTH = 3  # shorter values ("M.") are not identifying, and replacing them would harm others' text


class ErasurePurge:
    """The pipeline's erasure listener on the store's database (opened when first needed)."""

    def __init__(self, ledger: Ledger, database: Callable[[], Database]) -> None:
        self._ledger = ledger
        self._database = database

    def __call__(self, debtor_id: UUID, values: frozenset[str], *, documents: bool = True) -> None:
        """``documents``: the debtor itself is erased (its files' documents go); False for one contact."""
        database = self._database()
        ensure_tables(database, [ERASED_DOCUMENTS])
        if documents:
            receivables = [r.id for r in self._ledger.receivables(debtor_id=debtor_id)]
            _erase_bank_lines_paying(database, receivables)
            self._erase_documents(debtor_id, receivables, database)
        # As written, and as JSON writes it with non-ASCII letters escaped (a report's "\u00c9lodie").
        variants = {form for v in values if len(v) >= MIN_VALUE_LENGTH for form in (v, json.dumps(v)[1:-1])}
        written = sorted(variants, key=len, reverse=True)
        for table, column in TEXTS:
            for value in written:
                _replace(database, table, column, value)
        _forget_answers(database, [str(debtor_id), *written])
        if database.dialect == "sqlite":  # freed pages and the WAL would still hold the old bytes
            database.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    def _erase_documents(self, debtor_id: UUID, receivables: list[UUID], database: Database) -> None:
        """The documents the debtor's and its receivables' events name, and those sent to it, deleted and
        remembered as erased."""
        journals = [self._ledger.journal(debtor_id)]
        journals += [self._ledger.journal(receivable_id) for receivable_id in receivables]
        found = {sha for journal in journals for entry in journal for _, sha in named_documents(entry.record["data"])}
        for table in ("dunning_dispatches", "sent_messages"):
            found |= {row[0] for row in _rows(database, f"SELECT document_sha256 FROM {table} WHERE debtor_id = %s",
                                               (str(debtor_id),))}  # fmt: skip
        now = format_instant(datetime.now(UTC))
        for sha256 in sorted(found):
            database.execute("DELETE FROM documents WHERE sha256 = %s", (sha256,))
            database.execute(
                "INSERT INTO erased_documents (sha256, debtor_id, erased_at) VALUES (%s, %s, %s)"
                " ON CONFLICT (sha256) DO NOTHING",
                (sha256, str(debtor_id), now),
            )


def _replace(database: Database, table: str, column: str, value: str) -> None:
    _if_present(database, f"UPDATE {table} SET {column} = REPLACE({column}, %s, %s) WHERE {_holds(database, column)}",
                (value, ERASED, value))  # fmt: skip


def _holds(database: Database, expression: str) -> str:
    """SQL, on either store: ``expression`` holds the text given as the next parameter."""
    function = "instr" if database.dialect == "sqlite" else "strpos"
    return f"{function}({expression}, %s) > 0"


def _if_present(database: Database, statement: str, params: tuple[str, ...]) -> None:
    try:
        database.execute(statement, params)
    except Exception as error:
        if not _missing_table(error):
            raise


def _missing_table(error: Exception) -> bool:
    """A table of a feature never used on this store, not created yet (SQLite's and PostgreSQL's words)."""
    return "no such table" in str(error) or "does not exist" in str(error)


def _erase_bank_lines_paying(database: Database, receivables: list[UUID]) -> None:
    """A bank line allocated to one of the person's invoices names its payer as the bank wrote it ("M JEAN
    DUPONT"), which no value of the journal may equal: its payer and wording are erased whole."""
    for receivable_id in receivables:
        _if_present(
            database,
            f"UPDATE import_bank_lines SET payer = CASE WHEN payer IS NULL THEN NULL ELSE %s END, remittance = %s"
            f" WHERE {_holds(database, 'allocations')}",
            (ERASED, ERASED, f'"receivable_id": "{receivable_id}"'),
        )


def _forget_answers(database: Database, needles: Iterable[str]) -> None:
    """Answers kept for idempotency keys that name the debtor or hold its data: a retry then gets a conflict
    or runs again on the erased state, never the old answer."""
    body = "CAST(body AS TEXT)" if database.dialect == "sqlite" else "convert_from(body, 'UTF8')"
    for needle in needles:
        database.execute(f"DELETE FROM idempotency_keys WHERE body IS NOT NULL AND {_holds(database, body)}", (needle,))


def _rows(database: Database, statement: str, params: tuple[str, ...]) -> list[tuple[str, ...]]:
    try:
        return [tuple(row) for row in database.fetch(statement, params)]
    except Exception as error:
        if _missing_table(error):
            return []
        raise
