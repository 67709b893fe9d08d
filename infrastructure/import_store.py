"""Imported bank lines and statements, beside the journal (plain SQL on SQLite or PostgreSQL).

A bank line is kept whatever became of it: matched (its payments are in the journal),
unmatched (waiting for a person), allocated (by whom, when). Its bank reference is the
primary key, so the same statement imported twice records nothing new. Statements keep
their date: the dunning run refuses to send on stale bank data.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from application.imports import BankLineRecord, StatementLine
from domain.canonical import format_instant
from domain.errors import NotFound
from domain.payment_matching import Allocation
from infrastructure.sql import Database, ensure_tables, is_unique_violation

SCHEMA = [
    """CREATE TABLE IF NOT EXISTS import_bank_lines (
        reference TEXT PRIMARY KEY,
        line_id TEXT NOT NULL UNIQUE,
        amount TEXT NOT NULL,
        currency TEXT NOT NULL,
        booked_on TEXT NOT NULL,
        value_date TEXT,
        remittance TEXT NOT NULL,
        payer TEXT,
        status TEXT NOT NULL,
        reason TEXT,
        detail TEXT NOT NULL,
        allocations TEXT NOT NULL,
        source_sha256 TEXT NOT NULL,
        imported_at TEXT NOT NULL,
        imported_by TEXT NOT NULL,
        allocated_at TEXT,
        allocated_by TEXT
    )""",
    "CREATE INDEX IF NOT EXISTS import_bank_lines_status ON import_bank_lines (status, booked_on)",
    """CREATE TABLE IF NOT EXISTS import_statements (
        sha256 TEXT PRIMARY KEY,
        format TEXT NOT NULL,
        statement_date TEXT,
        imported_at TEXT NOT NULL,
        imported_by TEXT NOT NULL
    )""",
]
COLUMNS = (
    "line_id, reference, amount, currency, booked_on, value_date, remittance, payer, status, reason, detail,"
    " source_sha256, imported_at, imported_by, allocations, allocated_at, allocated_by"
)


class ImportStore:
    def __init__(self, database: Database) -> None:
        ensure_tables(database, SCHEMA)
        self._db = database

    # ------------------------------------------------------------ statements

    def add_statement(self, sha256: str, *, format: str, statement_date: date | None, actor: str) -> None:
        try:
            self._db.execute(
                "INSERT INTO import_statements (sha256, format, statement_date, imported_at, imported_by)"
                " VALUES (%s, %s, %s, %s, %s)",
                (sha256, format, None if statement_date is None else statement_date.isoformat(), _now(), actor),
            )
        except Exception as error:
            if not is_unique_violation(error):  # the same file again: its date is known already
                raise

    def latest_statement_date(self) -> date | None:
        """The date of the most recent bank data imported (a statement's end, else its latest booking)."""
        rows = self._db.fetch("SELECT MAX(statement_date) FROM import_statements")
        value = rows[0][0] if rows else None
        return None if value is None else date.fromisoformat(value)

    # ------------------------------------------------------------- bank lines

    def knows(self, reference: str) -> bool:
        return bool(self._db.fetch("SELECT 1 FROM import_bank_lines WHERE reference = %s", (reference,)))

    def add(
        self, line: StatementLine, *, status: str, reason: str | None, detail: str, allocations: Sequence[Allocation],
        source_sha256: str, actor: str,
    ) -> str:  # fmt: skip
        line_id = str(uuid.uuid4())
        try:
            self._db.execute(
                f"INSERT INTO import_bank_lines ({COLUMNS}) VALUES"
                " (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, NULL, NULL)",
                (
                    line_id, line.reference, str(line.amount), line.currency, line.booked_on.isoformat(),
                    None if line.value_date is None else line.value_date.isoformat(), line.remittance, line.payer,
                    status, reason, detail, source_sha256, _now(), actor, _allocations_json(allocations),
                ),
            )  # fmt: skip
        except Exception as error:
            if not is_unique_violation(error):
                raise
            return self._by_reference(line.reference).line_id  # imported meanwhile by another writer
        return line_id

    def get(self, line_id: str) -> BankLineRecord:
        rows = self._db.fetch(f"SELECT {COLUMNS} FROM import_bank_lines WHERE line_id = %s", (line_id,))
        if not rows:
            raise NotFound(f"no imported bank line {line_id}", rule="bank_line_exists")
        return _record(rows[0])

    def _by_reference(self, reference: str) -> BankLineRecord:
        rows = self._db.fetch(f"SELECT {COLUMNS} FROM import_bank_lines WHERE reference = %s", (reference,))
        return _record(rows[0])

    def lines(
        self, *, status: str = "unmatched", limit: int = 100, offset: int = 0
    ) -> tuple[list[BankLineRecord], int]:
        total = self._db.fetch("SELECT COUNT(*) FROM import_bank_lines WHERE status = %s", (status,))[0][0]
        rows = self._db.fetch(
            f"SELECT {COLUMNS} FROM import_bank_lines WHERE status = %s ORDER BY booked_on, reference"
            " LIMIT %s OFFSET %s",
            (status, limit, offset),
        )
        return [_record(row) for row in rows], int(total)

    def claim(self, line_id: str) -> bool:
        """Take an unmatched line for allocation; False if someone else took it first."""
        changed = self._db.execute(
            "UPDATE import_bank_lines SET status = 'allocating' WHERE line_id = %s AND status = 'unmatched'", (line_id,)
        )
        return changed == 1

    def release(self, line_id: str) -> None:
        self._db.execute(
            "UPDATE import_bank_lines SET status = 'unmatched' WHERE line_id = %s AND status = 'allocating'", (line_id,)
        )

    def allocated(self, line_id: str, allocations: Sequence[Allocation], *, actor: str) -> None:
        self._db.execute(
            "UPDATE import_bank_lines SET status = 'allocated', allocations = %s, allocated_at = %s, allocated_by = %s"
            " WHERE line_id = %s AND status = 'allocating'",
            (_allocations_json(allocations), _now(), actor, line_id),
        )


def _record(row: tuple[Any, ...]) -> BankLineRecord:
    (line_id, reference, amount, currency, booked_on, value_date, remittance, payer, status, reason, detail,
     source, imported_at, imported_by, allocations, allocated_at, allocated_by) = row  # fmt: skip
    return BankLineRecord(
        line_id=line_id, reference=reference, amount=Decimal(amount), currency=currency,
        booked_on=date.fromisoformat(booked_on),
        value_date=None if value_date is None else date.fromisoformat(value_date),
        remittance=remittance, payer=payer, status=status, reason=reason, detail=detail, source_sha256=source,
        imported_at=imported_at, imported_by=imported_by,
        allocations=tuple(
            Allocation(UUID(a["receivable_id"]), a["invoice_number"], Decimal(a["amount"]))
            for a in json.loads(allocations)
        ),
        allocated_at=allocated_at, allocated_by=allocated_by,
    )  # fmt: skip


def _allocations_json(allocations: Sequence[Allocation]) -> str:
    return json.dumps(
        [{"receivable_id": str(a.receivable_id), "invoice_number": a.invoice_number, "amount": str(a.amount)}
         for a in allocations]
    )  # fmt: skip


def _now() -> str:
    return format_instant(datetime.now(tz=UTC))
