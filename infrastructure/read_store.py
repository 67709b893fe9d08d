"""The read-model database: tables beside ``ledger_events`` on PostgreSQL, or
``readmodels.sqlite`` in the data directory for the embedded default.

One SQL text serves both stores: ``%(name)s`` placeholders (rewritten to ``:name`` for
SQLite); tables are declared once (``Table``, ``Column`` kinds) and typed per store.
SQLite keeps ids, dates and instants as text in fixed formats that sort as the values
do (instants in UTC, microseconds always written). PostgreSQL rows go in by binary COPY.

``projection_positions`` holds each projection's last applied notification id; the
projector moves it with a compare-and-set in the transaction that writes the rows
(docs/decisions/0040).
"""

from __future__ import annotations

import re
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, Protocol
from uuid import UUID

import psycopg
from psycopg_pool import ConnectionPool

from infrastructure.settings import Settings

SQLITE_FILE = "readmodels.sqlite"
APPLICATION_NAME = "relance-read-models"
SQLITE_INSTANT = "%Y-%m-%d %H:%M:%S.%f"
NAMED = re.compile(r"%\((\w+)\)s")
SQLITE_CHUNK = 500  # ids per IN (...) list


class ConcurrentProjection(RuntimeError):
    """Another process moved a projection's position during this batch: the batch is rolled back."""


# Column kinds and their types on each store; "int" is a 64-bit integer on both.
POSTGRES_TYPES = {
    "uuid": "uuid",
    "text": "text",
    "int": "int8",
    "date": "date",
    "instant": "timestamptz",
    "bool": "bool",
}
SQLITE_TYPES = {"uuid": "TEXT", "text": "TEXT", "int": "INTEGER", "date": "TEXT", "instant": "TEXT", "bool": "INTEGER"}


@dataclass(frozen=True)
class Column:
    name: str
    kind: str  # uuid, text, int, date, instant, bool
    nullable: bool = False


@dataclass(frozen=True)
class Table:
    name: str
    columns: tuple[Column, ...]
    key: tuple[str, ...]

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    def ddl(self, types: dict[str, str]) -> str:
        columns = [f"{c.name} {types[c.kind]}{'' if c.nullable else ' NOT NULL'}" for c in self.columns]
        return f"CREATE TABLE IF NOT EXISTS {self.name} ({', '.join(columns)}, PRIMARY KEY ({', '.join(self.key)}))"


def as_uuid(value: Any) -> UUID:
    return value if isinstance(value, UUID) else UUID(str(value))


def as_date(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def as_instant(value: Any) -> datetime:
    if isinstance(value, datetime):
        return value.astimezone(UTC)
    return datetime.strptime(str(value), SQLITE_INSTANT).replace(tzinfo=UTC)


def optional(convert: Any, value: Any) -> Any:
    return None if value is None else convert(value)


class Transaction(Protocol):
    """A write transaction on the read-model database."""

    def fetch(self, statement: str, params: dict[str, Any] | None = None) -> list[tuple[Any, ...]]: ...

    def execute(self, statement: str, params: dict[str, Any] | None = None) -> int: ...

    def fetch_by_ids(self, statement: str, ids: Sequence[UUID]) -> list[tuple[Any, ...]]:
        """``statement`` with ``{ids}`` where the id list goes (``col IN {ids}``)."""
        ...

    def insert(self, table: Table, rows: Sequence[Sequence[Any]]) -> None:
        """Rows in ``table.columns`` order; on PostgreSQL a binary COPY."""
        ...

    def upsert(self, table: Table, rows: Sequence[Sequence[Any]]) -> None:
        """Insert, or replace the row with the same key."""
        ...


class ReadStore(Protocol):
    dialect: str

    def transaction(self, *, lock: bool = True) -> Any:
        """A context manager yielding a ``Transaction``; ``lock`` serialises writers."""
        ...

    def fetch(self, statement: str, params: dict[str, Any] | None = None) -> list[tuple[Any, ...]]: ...

    def ddl(self, table: Table) -> str: ...

    def close(self) -> None: ...


# -------------------------------------------------------------------- SQLite


def _sqlite_value(value: Any) -> Any:
    if isinstance(value, UUID):
        return str(value)
    if isinstance(value, datetime):
        return value.astimezone(UTC).strftime(SQLITE_INSTANT)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool):
        return int(value)
    return value


def _sqlite_params(params: dict[str, Any] | None) -> dict[str, Any]:
    return {key: _sqlite_value(value) for key, value in (params or {}).items()}


class SQLiteTransaction:
    def __init__(self, connection: sqlite3.Connection) -> None:
        self.connection = connection

    def fetch(self, statement: str, params: dict[str, Any] | None = None) -> list[tuple[Any, ...]]:
        return self.connection.execute(NAMED.sub(r":\1", statement), _sqlite_params(params)).fetchall()

    def execute(self, statement: str, params: dict[str, Any] | None = None) -> int:
        return self.connection.execute(NAMED.sub(r":\1", statement), _sqlite_params(params)).rowcount

    def fetch_by_ids(self, statement: str, ids: Sequence[UUID]) -> list[tuple[Any, ...]]:
        rows: list[tuple[Any, ...]] = []
        for start in range(0, len(ids), SQLITE_CHUNK):
            chunk = [str(i) for i in ids[start : start + SQLITE_CHUNK]]
            placeholders = "(" + ", ".join("?" * len(chunk)) + ")"
            rows.extend(self.connection.execute(statement.format(ids=placeholders), chunk).fetchall())
        return rows

    def insert(self, table: Table, rows: Sequence[Sequence[Any]]) -> None:
        if rows:
            statement = (
                f"INSERT INTO {table.name} ({', '.join(table.names)}) VALUES ({', '.join('?' * len(table.names))})"
            )
            self.connection.executemany(statement, ([_sqlite_value(v) for v in row] for row in rows))

    def upsert(self, table: Table, rows: Sequence[Sequence[Any]]) -> None:
        if rows:
            updates = ", ".join(f"{c} = excluded.{c}" for c in table.names if c not in table.key)
            statement = (
                f"INSERT INTO {table.name} ({', '.join(table.names)}) VALUES ({', '.join('?' * len(table.names))}) "
                f"ON CONFLICT ({', '.join(table.key)}) DO UPDATE SET {updates}"
            )
            self.connection.executemany(statement, ([_sqlite_value(v) for v in row] for row in rows))


class SQLiteReadStore:
    """``readmodels.sqlite``: its own file, so projection writes never wait on the ledger's lock."""

    dialect = "sqlite"

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._local = threading.local()
        self._connections: list[sqlite3.Connection] = []
        self._guard = threading.Lock()
        self._connection().execute("PRAGMA journal_mode=WAL")

    def _connection(self) -> sqlite3.Connection:
        connection: sqlite3.Connection | None = getattr(self._local, "connection", None)
        if connection is None:
            connection = sqlite3.connect(self.path, timeout=30, isolation_level=None, check_same_thread=False)
            connection.execute("PRAGMA synchronous=NORMAL")  # WAL: durable at checkpoints, never corrupt
            self._local.connection = connection
            with self._guard:
                self._connections.append(connection)
        return connection

    @contextmanager
    def transaction(self, *, lock: bool = True) -> Iterator[SQLiteTransaction]:
        connection = self._connection()
        connection.execute("BEGIN IMMEDIATE" if lock else "BEGIN")
        try:
            yield SQLiteTransaction(connection)
        except BaseException:
            connection.execute("ROLLBACK")
            raise
        connection.execute("COMMIT")

    def fetch(self, statement: str, params: dict[str, Any] | None = None) -> list[tuple[Any, ...]]:
        return SQLiteTransaction(self._connection()).fetch(statement, params)

    def ddl(self, table: Table) -> str:
        return table.ddl(SQLITE_TYPES)

    def close(self) -> None:
        with self._guard:
            for connection in self._connections:
                connection.close()
            self._connections.clear()
        self._local = threading.local()


# ---------------------------------------------------------------- PostgreSQL


class PostgresTransaction:
    def __init__(self, connection: psycopg.Connection[Any]) -> None:
        self.connection = connection
        self._staging: set[str] = set()

    def fetch(self, statement: str, params: dict[str, Any] | None = None) -> list[tuple[Any, ...]]:
        return self.connection.execute(statement.encode(), params or {}).fetchall()

    def execute(self, statement: str, params: dict[str, Any] | None = None) -> int:
        return self.connection.execute(statement.encode(), params or {}).rowcount

    def fetch_by_ids(self, statement: str, ids: Sequence[UUID]) -> list[tuple[Any, ...]]:
        if not ids:
            return []
        query = statement.format(ids="(SELECT unnest(%(ids)s::uuid[]))")
        return self.connection.execute(query.encode(), {"ids": list(ids)}).fetchall()

    def insert(self, table: Table, rows: Sequence[Sequence[Any]], *, into: str | None = None) -> None:
        if not rows:
            return
        statement = f"COPY {into or table.name} ({', '.join(table.names)}) FROM STDIN (FORMAT BINARY)"
        with self.connection.cursor() as cursor, cursor.copy(statement.encode()) as copy:
            copy.set_types([POSTGRES_TYPES[c.kind] for c in table.columns])
            for row in rows:
                copy.write_row(row)

    def upsert(self, table: Table, rows: Sequence[Sequence[Any]]) -> None:
        """COPY into a temporary table, then one INSERT ... ON CONFLICT DO UPDATE."""
        if not rows:
            return
        staging = f"staging_{table.name}"
        if staging not in self._staging:
            self.connection.execute(
                f"CREATE TEMPORARY TABLE IF NOT EXISTS {staging} (LIKE {table.name}) ON COMMIT DELETE ROWS".encode()
            )
            self._staging.add(staging)
        self.insert(table, rows, into=staging)
        names = ", ".join(table.names)
        updates = ", ".join(f"{c} = excluded.{c}" for c in table.names if c not in table.key)
        self.connection.execute(
            f"INSERT INTO {table.name} ({names}) SELECT {names} FROM {staging} "
            f"ON CONFLICT ({', '.join(table.key)}) DO UPDATE SET {updates}".encode()
        )
        self.connection.execute(f"DELETE FROM {staging}".encode())


class PostgresReadStore:
    """Tables beside ``ledger_events`` in the same database, through a small pool."""

    dialect = "postgres"

    def __init__(self, url: str, *, max_size: int = 5) -> None:
        self._pool = ConnectionPool(
            url,
            min_size=1,
            max_size=max_size,
            open=True,
            timeout=10,
            kwargs={"autocommit": True, "connect_timeout": 5, "application_name": APPLICATION_NAME},
            check=ConnectionPool.check_connection,
        )

    @contextmanager
    def transaction(self, *, lock: bool = True) -> Iterator[PostgresTransaction]:
        del lock  # writers serialise on the positions' rows (SELECT ... FOR UPDATE)
        with self._pool.connection() as connection, connection.transaction():
            yield PostgresTransaction(connection)

    def fetch(self, statement: str, params: dict[str, Any] | None = None) -> list[tuple[Any, ...]]:
        with self._pool.connection() as connection:
            return connection.execute(statement.encode(), params or {}).fetchall()

    def ddl(self, table: Table) -> str:
        return table.ddl(POSTGRES_TYPES)

    def close(self) -> None:
        self._pool.close()


def open_read_store(settings: Settings) -> SQLiteReadStore | PostgresReadStore:
    if settings.database_url is not None:
        return PostgresReadStore(settings.database_url.get_secret_value(), max_size=settings.postgres_pool_size)
    return SQLiteReadStore(settings.data_dir / SQLITE_FILE)
