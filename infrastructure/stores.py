"""Opening the stores the configuration names: the event store, the Ledger over it, the claims on it."""

from __future__ import annotations

from eventsourcing.persistence import IntegrityError
from psycopg.conninfo import conninfo_to_dict

from application.claims import Claims
from application.ledger import Clock, Ledger, system_clock
from domain.late_charges import ChargePolicy, Imputation, RateReading
from infrastructure.documents import DocumentStore
from infrastructure.erasure_purge import ErasurePurge
from infrastructure.event_store import EventsourcingStore
from infrastructure.rate_files import load_rate_table
from infrastructure.settings import Settings
from infrastructure.sql import Database, open_database
from infrastructure.subject_keys import KeyTable, SubjectKeys


def store_environment(settings: Settings) -> dict[str, str]:
    """eventsourcing's persistence variables for the configured store."""
    if settings.database_url is None:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        return {
            "PERSISTENCE_MODULE": "eventsourcing.sqlite",
            "SQLITE_DBNAME": str(settings.sqlite_path),
            "SQLITE_LOCK_TIMEOUT": "10",
        }
    params = conninfo_to_dict(settings.database_url.get_secret_value())
    env = {
        "PERSISTENCE_MODULE": "eventsourcing.postgres",
        "POSTGRES_DBNAME": str(params.get("dbname") or "postgres"),
        "POSTGRES_HOST": str(params.get("host") or "127.0.0.1"),
        "POSTGRES_PORT": str(params.get("port") or "5432"),
        "POSTGRES_USER": str(params.get("user") or "postgres"),
        "POSTGRES_PASSWORD": str(params.get("password") or ""),
        # Both the connection timeout and the pool's wait; eventsourcing retries a failed statement up to
        # 10 times, so this bounds how long a request caught by an outage waits before its 503.
        "POSTGRES_CONNECT_TIMEOUT": str(settings.postgres_connect_timeout_seconds),
        # Every write locks the events table so notification ids commit in order:
        # wait a bounded time rather than for ever.
        "POSTGRES_LOCK_TIMEOUT": str(settings.postgres_lock_timeout_seconds),
        "POSTGRES_POOL_SIZE": str(settings.postgres_pool_size),
        "POSTGRES_MAX_OVERFLOW": str(settings.postgres_max_overflow),
        # No pre-ping: a round trip per checkout; eventsourcing retries its statements on a broken connection.
        "POSTGRES_PRE_PING": "n",
    }
    return env


def build_event_store(settings: Settings, keys: SubjectKeys | None = None) -> EventsourcingStore:
    environment = store_environment(settings)
    try:
        return EventsourcingStore(environment, sealer=keys)
    except IntegrityError:
        # Workers starting together on a new database race to create the tables (PostgreSQL's
        # CREATE TABLE IF NOT EXISTS is not safe against a concurrent one): the loser finds them made.
        return EventsourcingStore(environment, sealer=keys)


def build_ledger(settings: Settings, *, clock: Clock = system_clock, database: Database | None = None) -> Ledger:
    """The Ledger on the configured store, with the shipped rate tables (a broken file raises RateFileError)
    and the documents store its commands check (the given database, else one opened at first need)."""
    rates = load_rate_table()
    documents = LazyDocuments(settings) if database is None else DocumentStore(database)
    closing = [documents.close] if isinstance(documents, LazyDocuments) else []
    keys = subject_keys(settings, database)
    closing.append(keys.close)
    store = build_event_store(settings, keys)
    ledger = Ledger(
        store, documents=documents, clock=clock, timezone=settings.timezone, rates=rates, closing=closing, sealer=keys
    )
    purge_on = documents.database if isinstance(documents, LazyDocuments) else (lambda: database)
    ledger.pipeline.erasure_listeners.append(ErasurePurge(ledger, purge_on))  # type: ignore[arg-type]
    return ledger


def subject_keys(settings: Settings, database: Database | None = None) -> SubjectKeys:
    """The key store of personal data: a file of its own beside the embedded store, a table on PostgreSQL."""
    if settings.database_url is None:
        return SubjectKeys(KeyTable(path=settings.data_dir / "keys.sqlite"))
    if database is not None:
        return SubjectKeys(KeyTable(database))
    own = open_database(settings)
    return SubjectKeys(KeyTable(own), closing=own.close)


class LazyDocuments:
    """The documents store of a command-line run, opened only if a command names a document."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._database: Database | None = None

    def is_stored(self, sha256: str) -> bool:
        return DocumentStore(self.database()).is_stored(sha256)

    def database(self) -> Database:
        if self._database is None:
            self._database = open_database(self._settings)
        return self._database

    def close(self) -> None:
        if self._database is not None:
            self._database.close()
            self._database = None


def charge_policy(settings: Settings) -> ChargePolicy:
    return ChargePolicy(Imputation(settings.imputation), RateReading(settings.penalty_rate_reading))


def build_claims(settings: Settings, ledger: Ledger) -> Claims:
    """Late charges and limitation periods over a Ledger, with the firm's settings."""
    return Claims(ledger, policy=charge_policy(settings), alert_days=settings.limitation_alert_days)
