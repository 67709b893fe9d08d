"""Plain SQL on the configured store, for what is not an event: API tokens, idempotency
keys, documents. Same statements on SQLite and PostgreSQL (``%s`` placeholders).

SQLite uses its own file beside the ledger (``relance.sqlite``) so that these small
writes never wait on the event store's lock.
"""

from __future__ import annotations

import sqlite3
import threading
import weakref
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Protocol

from psycopg_pool import ConnectionPool

from infrastructure.settings import Settings

SCHEMA = [
    """CREATE TABLE IF NOT EXISTS api_tokens (
        token_id TEXT PRIMARY KEY,
        name TEXT NOT NULL UNIQUE,
        role TEXT NOT NULL,
        token_hash TEXT NOT NULL UNIQUE,
        created_at TEXT NOT NULL,
        created_by TEXT NOT NULL,
        revoked_at TEXT
    )""",
    """CREATE TABLE IF NOT EXISTS idempotency_keys (
        principal TEXT NOT NULL,
        idempotency_key TEXT NOT NULL,
        request_hash TEXT NOT NULL,
        status INTEGER,
        headers TEXT,
        body {blob},
        created_at TEXT NOT NULL,
        PRIMARY KEY (principal, idempotency_key)
    )""",
    """CREATE TABLE IF NOT EXISTS documents (
        sha256 TEXT PRIMARY KEY,
        media_type TEXT NOT NULL,
        size INTEGER NOT NULL,
        content {blob} NOT NULL,
        created_at TEXT NOT NULL,
        created_by TEXT NOT NULL
    )""",
    # Every version of every dunning policy, kept for ever: a recorded step names (policy, version).
    """CREATE TABLE IF NOT EXISTS dunning_policies (
        policy_id TEXT NOT NULL,
        version INTEGER NOT NULL,
        source TEXT NOT NULL,
        source_sha256 TEXT NOT NULL,
        created_at TEXT NOT NULL,
        created_by TEXT NOT NULL,
        PRIMARY KEY (policy_id, version)
    )""",
    # The dunning run's outbox: a document is stored and its dispatch written down before it is sent,
    # so a run killed half-way resumes without sending or recording anything twice.
    """CREATE TABLE IF NOT EXISTS dunning_dispatches (
        dispatch_key TEXT PRIMARY KEY,
        run_id TEXT NOT NULL,
        run_date TEXT NOT NULL,
        debtor_id TEXT NOT NULL,
        kind TEXT NOT NULL,
        channel TEXT NOT NULL,
        document_sha256 TEXT NOT NULL,
        media_type TEXT NOT NULL,
        recipient TEXT,
        steps TEXT NOT NULL,
        status TEXT NOT NULL,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
    )""",
    """CREATE TABLE IF NOT EXISTS users (
        username TEXT PRIMARY KEY,
        display_name TEXT NOT NULL,
        role TEXT NOT NULL,
        password_hash TEXT NOT NULL,
        created_at TEXT NOT NULL,
        created_by TEXT NOT NULL,
        password_changed_at TEXT NOT NULL,
        disabled_at TEXT,
        failed_attempts INTEGER NOT NULL DEFAULT 0,
        locked_until TEXT
    )""",
    """CREATE TABLE IF NOT EXISTS console_sessions (
        session_hash TEXT PRIMARY KEY,
        username TEXT NOT NULL,
        csrf_token TEXT NOT NULL,
        created_at TEXT NOT NULL,
        last_seen_at TEXT NOT NULL,
        expires_at TEXT NOT NULL,
        address TEXT NOT NULL,
        ended_at TEXT
    )""",
    """CREATE TABLE IF NOT EXISTS sign_in_attempts (
        attempted_at TEXT NOT NULL,
        username TEXT NOT NULL,
        address TEXT NOT NULL,
        outcome TEXT NOT NULL
    )""",
    """CREATE TABLE IF NOT EXISTS dunning_runs (
        run_id TEXT PRIMARY KEY,
        run_date TEXT NOT NULL,
        started_at TEXT NOT NULL,
        actor TEXT NOT NULL,
        dry_run INTEGER NOT NULL,
        report TEXT NOT NULL
    )""",
]


# Every change to api_tokens, whoever makes it, tells the API workers to forget the tokens they keep
# (infrastructure/token_cache.py; a new token changes nothing kept). Created once; of concurrent
# starts, the losers of the race give up harmlessly.
TOKEN_CHANGES_CHANNEL = "relance_api_tokens"
TOKEN_CHANGES_TRIGGER = f"""
DO $$ BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_trigger WHERE tgname = 'api_tokens_changed' AND tgrelid = 'api_tokens'::regclass)
    THEN
        CREATE OR REPLACE FUNCTION relance_api_tokens_changed() RETURNS trigger LANGUAGE plpgsql AS $f$
        BEGIN PERFORM pg_notify('{TOKEN_CHANGES_CHANNEL}', ''); RETURN NULL; END $f$;
        CREATE TRIGGER api_tokens_changed AFTER UPDATE OR DELETE OR TRUNCATE ON api_tokens
            FOR EACH STATEMENT EXECUTE FUNCTION relance_api_tokens_changed();
    END IF;
EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
END $$
"""


class Database(Protocol):
    dialect: str

    def fetch(self, statement: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]: ...

    def execute(self, statement: str, params: Sequence[Any] = ()) -> int: ...

    def execute_unflushed(self, statement: str, params: Sequence[Any] = ()) -> int:
        """Commit without waiting for the disk: safe against the process dying, not the server
        (PostgreSQL's synchronous_commit off: the write reaches the disk within a fraction of a second)."""

    def execute_many(self, statement: str, rows: Sequence[Sequence[Any]]) -> None:
        """One statement for each row, all in one transaction."""

    def ping(self) -> None: ...

    def close(self) -> None: ...


class SQLiteDatabase:
    dialect = "sqlite"

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._path = path
        self._local = threading.local()
        with self._connection() as connection:
            connection.execute("PRAGMA journal_mode=WAL")
            for statement in SCHEMA:
                connection.execute(statement.format(blob="BLOB"))

    @contextmanager
    def _connection(self) -> Iterator[sqlite3.Connection]:
        connection: sqlite3.Connection | None = getattr(self._local, "connection", None)
        if connection is None:
            connection = sqlite3.connect(self._path, timeout=10, isolation_level=None, check_same_thread=False)
            # What is deleted or replaced is overwritten in the file (an erasure's purge, docs/privacy.md).
            connection.execute("PRAGMA secure_delete = ON")
            self._local.connection = connection
        yield connection

    def fetch(self, statement: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        with self._connection() as connection:
            return list(connection.execute(statement.replace("%s", "?"), tuple(params)).fetchall())

    def execute(self, statement: str, params: Sequence[Any] = ()) -> int:
        with self._connection() as connection:
            return connection.execute(statement.replace("%s", "?"), tuple(params)).rowcount

    def execute_unflushed(self, statement: str, params: Sequence[Any] = ()) -> int:
        return self.execute(statement, params)  # the embedded store keeps its one setting

    def execute_many(self, statement: str, rows: Sequence[Sequence[Any]]) -> None:
        with self._connection() as connection:
            connection.execute("BEGIN IMMEDIATE")
            try:
                connection.executemany(statement.replace("%s", "?"), [tuple(row) for row in rows])
            except BaseException:
                connection.execute("ROLLBACK")
                raise
            connection.execute("COMMIT")

    def ping(self) -> None:
        self.fetch("SELECT 1")

    def close(self) -> None:
        connection = getattr(self._local, "connection", None)
        if connection is not None:
            connection.close()
            self._local.connection = None


class PostgresDatabase:
    dialect = "postgres"

    def __init__(self, url: str, *, max_size: int = 10, connect_timeout: int = 5) -> None:
        self._pool = ConnectionPool(
            url,
            min_size=1,
            max_size=max_size,
            open=True,
            timeout=connect_timeout,
            kwargs={"autocommit": True, "connect_timeout": connect_timeout},
            check=ConnectionPool.check_connection,
        )
        for statement in SCHEMA:
            self.execute(statement.format(blob="BYTEA"))
        self.execute(TOKEN_CHANGES_TRIGGER)

    def fetch(self, statement: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        with self._pool.connection() as connection:
            return list(connection.execute(statement, tuple(params)).fetchall())

    def execute(self, statement: str, params: Sequence[Any] = ()) -> int:
        with self._pool.connection() as connection:
            return connection.execute(statement, tuple(params)).rowcount

    def execute_unflushed(self, statement: str, params: Sequence[Any] = ()) -> int:
        with self._pool.connection() as connection, connection.transaction():
            connection.execute("SET LOCAL synchronous_commit TO OFF")
            return connection.execute(statement, tuple(params)).rowcount

    def execute_many(self, statement: str, rows: Sequence[Sequence[Any]]) -> None:
        with self._pool.connection() as connection, connection.transaction(), connection.cursor() as cursor:
            cursor.executemany(statement, [tuple(row) for row in rows])

    def ping(self) -> None:
        self.fetch("SELECT 1")

    def close(self) -> None:
        self._pool.close()


def open_database(settings: Settings) -> Database:
    if settings.database_url is not None:
        return PostgresDatabase(
            settings.database_url.get_secret_value(),
            max_size=settings.postgres_pool_size,
            connect_timeout=settings.postgres_connect_timeout_seconds,
        )
    return SQLiteDatabase(settings.data_dir / "relance.sqlite")


def is_unique_violation(error: Exception) -> bool:
    """A duplicate key on either store (the race that idempotency and tokens must survive)."""
    if isinstance(error, sqlite3.IntegrityError):
        return True
    return type(error).__name__ == "UniqueViolation"


_tables_ready: weakref.WeakKeyDictionary[Any, set[tuple[str, ...]]] = weakref.WeakKeyDictionary()
_tables_lock = threading.Lock()


def ensure_tables(database: Database, schema: Sequence[str]) -> None:
    """Create a store's tables on this database once per process; of concurrent creators (PostgreSQL),
    the losers of the race give up harmlessly."""
    key = tuple(schema)
    with _tables_lock:
        done = _tables_ready.setdefault(database, set())
        if key in done:
            return
        for statement in schema:
            try:
                database.execute(statement)
            except Exception as error:  # another process created it at the same instant
                if not is_unique_violation(error):
                    raise
        done.add(key)
