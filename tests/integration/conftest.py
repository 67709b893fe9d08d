"""The `store` fixture: one contract, run on the embedded SQLite file and on a real PostgreSQL.

``store.ledger(clock)`` builds a new ``Ledger`` on the same store each time it is called,
as a separate process or instance would; every ledger is closed at teardown.
``store.execute(sql, params)`` runs plain SQL on the store (``?`` placeholders, ``{table}``
for the events table), as someone with database access would.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import psycopg
import pytest
from pydantic import SecretStr

from application.clock import SimulatedClock
from application.commands import IssueInvoice, RecordPayment, RegisterDebtor
from application.ledger import Clock, Ledger, system_clock
from domain.debtor import Address
from domain.vocabulary import DebtorKind, PaymentMethod
from infrastructure.documents import DocumentStore
from infrastructure.settings import Settings
from infrastructure.sql import open_database
from infrastructure.stores import build_ledger

FIRM_TIMEZONE = "Europe/Paris"
ACTOR = "alice@cabinet.example"
START = datetime(2025, 1, 10, 9, 0, tzinfo=UTC)  # 10:00 in Paris
ISSUED_ON = date(2025, 1, 10)
DUE_ON = date(2025, 2, 9)


@dataclass
class Store:
    kind: str  # "sqlite" or "postgres"
    settings: Settings
    _ledgers: list[Ledger] = field(default_factory=list)

    @property
    def table(self) -> str:
        return "ledger_events" if self.kind == "postgres" else "stored_events"

    def ledger(self, clock: Clock = system_clock) -> Ledger:
        ledger = build_ledger(self.settings, clock=clock)
        self._ledgers.append(ledger)
        return ledger

    def key(self, aggregate_id: UUID) -> Any:
        """The aggregate id as the events table stores it (hex text in SQLite, uuid in PostgreSQL)."""
        return aggregate_id if self.kind == "postgres" else aggregate_id.hex

    def execute(self, statement: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        """Run one SQL statement in its own committed transaction; returns the rows, if any."""
        statement = statement.format(table=self.table)
        if self.kind == "postgres":
            assert self.settings.database_url is not None
            with psycopg.connect(self.settings.database_url.get_secret_value()) as conn:
                cursor = conn.execute(statement.replace("?", "%s").encode(), params)
                return list(cursor.fetchall()) if cursor.description else []
        connection = sqlite3.connect(self.settings.sqlite_path)
        try:
            with connection:
                rows = connection.execute(statement, params).fetchall()
            return [tuple(row) for row in rows]
        finally:
            connection.close()

    def rows(self) -> list[tuple[str, int, str, bytes]]:
        """Every stored event as (aggregate id, version, topic, state), in a stable order."""
        rows = self.execute("SELECT originator_id, originator_version, topic, state FROM {table}")
        return sorted((UUID(str(r[0])).hex, int(r[1]), str(r[2]), bytes(r[3])) for r in rows)

    def cli_env(self) -> dict[str, str]:
        """The environment under which `relance` opens this same store."""
        url = self.settings.database_url
        return {
            "RELANCE_DATA_DIR": str(self.settings.data_dir),
            "RELANCE_DATABASE_URL": "" if url is None else url.get_secret_value(),
            "RELANCE_TIMEZONE": self.settings.timezone,
        }

    def put_document(self, content: bytes, media_type: str = "application/pdf") -> str:
        """Store a document (an event may only name a stored one); returns its SHA-256."""
        database = open_database(self.settings)
        try:
            stored, _ = DocumentStore(database).put(content, media_type, actor=ACTOR)
        finally:
            database.close()
        return stored.sha256

    def close(self) -> None:
        for ledger in self._ledgers:
            ledger.close()
        self._ledgers.clear()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    database_url: str | None = None
    if request.param == "postgres":
        database_url = request.getfixturevalue("fresh_postgres_database")
    # Every setting explicit: RELANCE_* variables of the shell running the tests must not leak in.
    settings = Settings(
        data_dir=tmp_path / "data",
        database_url=None if database_url is None else SecretStr(database_url),
        timezone=FIRM_TIMEZONE,
    )
    store = Store(kind=request.param, settings=settings)
    yield store
    store.close()


# ------------------------------------------------------------------ builders


def clock_at(start: datetime = START) -> SimulatedClock:
    return SimulatedClock(start)


def register_debtor(ledger: Ledger, legal_name: str = "Dupont Matériaux SARL") -> UUID:
    command = RegisterDebtor(
        debtor_id=uuid4(),
        legal_name=legal_name,
        kind=DebtorKind.PROFESSIONAL,
        address=Address(lines=["12 rue des Lilas"], postal_code="69003", city="Lyon", country="FR"),
        siren="732829320",
    )
    return ledger.execute(command, actor=ACTOR).aggregate_id


def issue_command(
    debtor_id: UUID, number: str = "F-2025-001", *, excl: str = "1000.00", vat: str = "200.00"
) -> IssueInvoice:
    return IssueInvoice(
        invoice_number=number,
        debtor_id=debtor_id,
        issue_date=ISSUED_ON,
        due_date=DUE_ON,
        amount_excl_vat=Decimal(excl),
        vat=Decimal(vat),
        amount_incl_vat=Decimal(excl) + Decimal(vat),
        label="Fourniture de matériaux, chantier Lyon 3e",
    )


def issue_invoice(ledger: Ledger, debtor_id: UUID, number: str = "F-2025-001", **amounts: str) -> UUID:
    return ledger.execute(issue_command(debtor_id, number, **amounts), actor=ACTOR).aggregate_id


def payment(receivable_id: UUID, amount: str, reference: str, value_date: date = ISSUED_ON) -> RecordPayment:
    return RecordPayment(
        receivable_id=receivable_id,
        amount=Decimal(amount),
        value_date=value_date,
        method=PaymentMethod.TRANSFER,
        bank_reference=reference,
    )


# The dunning engine of the dunning run's and the postal flow's tests.
from tests.integration.dunning_engine import engine  # noqa: E402, F401
