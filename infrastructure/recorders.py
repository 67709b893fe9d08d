"""eventsourcing's recorders, plus one table written in the events' own transaction: the outcome of each
command sent with an idempotency key (which aggregate, which versions), so that a retry after any crash
finds either the events and their key together, or neither (decision 0015).

The events table, its rows and its bytes are eventsourcing's, unchanged.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from uuid import UUID

from eventsourcing.persistence import StoredEvent
from eventsourcing.postgres import PostgresApplicationRecorder, PostgresDatastore
from eventsourcing.sqlite import SQLiteApplicationRecorder, SQLiteCursor
from eventsourcing.utils import get_topic
from psycopg import Cursor
from psycopg.rows import DictRow
from psycopg.sql import SQL, Identifier

from application.event_store import CommandOutcome

OUTCOMES_TABLE = "ledger_command_outcomes"
COLUMNS = "scope, idempotency_key, request_hash, aggregate_id, first_version, last_version"


def _rows(kwargs: dict[str, Any]) -> list[tuple[Any, ...]]:
    outcomes: Sequence[CommandOutcome] = kwargs.get("outcomes") or ()
    return [(o.scope, o.key, o.request_hash, str(o.aggregate_id), o.first_version, o.last_version) for o in outcomes]


def _outcome(row: Sequence[Any]) -> CommandOutcome:
    return CommandOutcome(row[0], row[1], row[2], UUID(str(row[3])), int(row[4]), int(row[5]))


class SQLiteLedgerRecorder(SQLiteApplicationRecorder):
    def construct_create_table_statements(self) -> list[str]:
        return [
            *super().construct_create_table_statements(),
            f"CREATE TABLE IF NOT EXISTS {OUTCOMES_TABLE} (scope TEXT NOT NULL, idempotency_key TEXT NOT NULL, "
            "request_hash TEXT NOT NULL, aggregate_id TEXT NOT NULL, first_version INTEGER NOT NULL, "
            "last_version INTEGER NOT NULL, PRIMARY KEY (scope, idempotency_key))",
        ]

    def _insert_events(self, c: SQLiteCursor, stored_events: Sequence[StoredEvent], **kwargs: Any) -> Any:
        for row in _rows(kwargs):
            c.execute(f"INSERT INTO {OUTCOMES_TABLE} ({COLUMNS}) VALUES (?, ?, ?, ?, ?, ?)", row)
        return super()._insert_events(c, stored_events, **kwargs)

    def command_outcome(self, scope: str, key: str) -> CommandOutcome | None:
        with self.datastore.transaction(commit=False) as c:
            c.execute(f"SELECT {COLUMNS} FROM {OUTCOMES_TABLE} WHERE scope = ? AND idempotency_key = ?", (scope, key))
            row = c.fetchone()
        return None if row is None else _outcome(tuple(row))


class PostgresLedgerRecorder(PostgresApplicationRecorder):
    def __init__(self, datastore: PostgresDatastore, *, events_table_name: str = "stored_events") -> None:
        super().__init__(datastore, events_table_name=events_table_name)
        self.outcomes_table = Identifier(self.datastore.schema, OUTCOMES_TABLE)
        self.sql_create_statements.append(
            SQL(
                "CREATE TABLE IF NOT EXISTS {table} (scope text NOT NULL, idempotency_key text NOT NULL, "
                "request_hash text NOT NULL, aggregate_id uuid NOT NULL, first_version bigint NOT NULL, "
                "last_version bigint NOT NULL, PRIMARY KEY (scope, idempotency_key))"
            ).format(table=self.outcomes_table)
        )

    def _insert_events(self, curs: Cursor[DictRow], stored_events: Sequence[StoredEvent], **kwargs: Any) -> None:
        statement = SQL("INSERT INTO {table} (" + COLUMNS + ") VALUES (%s, %s, %s, %s, %s, %s)").format(
            table=self.outcomes_table
        )
        for row in _rows(kwargs):
            curs.execute(statement, row)
        super()._insert_events(curs, stored_events, **kwargs)

    def command_outcome(self, scope: str, key: str) -> CommandOutcome | None:
        statement = SQL("SELECT " + COLUMNS + " FROM {table} WHERE scope = %s AND idempotency_key = %s").format(
            table=self.outcomes_table
        )
        with self.datastore.transaction(commit=False) as curs:
            curs.execute(statement, (scope, key))
            row = curs.fetchone()
        return None if row is None else _outcome(list(row.values()))


RECORDER_TOPICS = {
    "eventsourcing.sqlite": get_topic(SQLiteLedgerRecorder),
    "eventsourcing.postgres": get_topic(PostgresLedgerRecorder),
}
