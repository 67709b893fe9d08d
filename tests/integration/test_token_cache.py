"""An API worker's tokens' cache on PostgreSQL (decision 0026): the trigger on api_tokens and the
worker's listener keep it true, whoever changes a token and however."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path

import psycopg
import pytest
from pydantic import SecretStr

from application.access import Role
from infrastructure.settings import Settings
from infrastructure.sql import PostgresDatabase
from infrastructure.token_cache import TokenChangeListener
from infrastructure.tokens import TokenStore, serving_token_store


class Worker:
    def __init__(self, url: str, store: TokenStore, listener: TokenChangeListener) -> None:
        self.url = url
        self.store = store
        self.listener = listener

    def listening(self) -> bool:
        return self.store.caching

    def sql(self, statement: str) -> None:
        with psycopg.connect(self.url, autocommit=True) as connection:
            connection.execute(statement)


def eventually(condition: Callable[[], bool], seconds: float = 5.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.01)
    return condition()


@pytest.fixture
def worker(fresh_postgres_database: str, tmp_path: Path) -> Iterator[Worker]:
    settings = Settings(database_url=SecretStr(fresh_postgres_database), data_dir=tmp_path)
    database = PostgresDatabase(fresh_postgres_database)
    store, listener = serving_token_store(settings, database)
    assert listener is not None
    try:
        assert eventually(lambda: store.caching)
        yield Worker(fresh_postgres_database, store, listener)
    finally:
        listener.stop()
        database.close()


def test_a_token_looked_up_once_is_then_known_without_a_lookup(worker: Worker) -> None:
    _, secret = worker.store.create(name="erp", role=Role.ACCOUNTANT, created_by="test")
    assert worker.store.known(secret) is None

    principal = worker.store.authenticate(secret)

    assert principal is not None and principal.name == "erp"
    assert worker.store.known(secret) == principal


def test_a_revocation_typed_by_hand_in_sql_reaches_a_running_worker(worker: Worker) -> None:
    _, secret = worker.store.create(name="erp", role=Role.ACCOUNTANT, created_by="test")
    worker.store.authenticate(secret)

    worker.sql("UPDATE api_tokens SET revoked_at = '2026-12-03T12:00:00Z' WHERE name = 'erp'")

    assert eventually(lambda: worker.store.known(secret) is None, seconds=2)
    assert worker.store.authenticate(secret) is None


def test_a_deleted_token_is_forgotten_too(worker: Worker) -> None:
    _, secret = worker.store.create(name="erp", role=Role.ACCOUNTANT, created_by="test")
    worker.store.authenticate(secret)

    worker.sql("DELETE FROM api_tokens")

    assert eventually(lambda: worker.store.known(secret) is None, seconds=2)
    assert worker.store.authenticate(secret) is None


def test_the_trigger_is_what_keeps_the_cache_true(worker: Worker) -> None:
    _, secret = worker.store.create(name="erp", role=Role.ACCOUNTANT, created_by="test")
    worker.store.authenticate(secret)

    worker.sql("ALTER TABLE api_tokens DISABLE TRIGGER api_tokens_changed")
    worker.sql("UPDATE api_tokens SET revoked_at = '2026-12-03T12:00:00Z' WHERE name = 'erp'")
    time.sleep(0.3)

    assert worker.store.known(secret) is not None  # unheard: served from the cache, without the database
    assert worker.store.authenticate(secret) is None


def test_a_revocation_made_by_the_worker_itself_applies_at_once(worker: Worker) -> None:
    _, secret = worker.store.create(name="erp", role=Role.ACCOUNTANT, created_by="test")
    worker.store.authenticate(secret)

    worker.store.revoke("erp")

    assert worker.store.known(secret) is None


def test_a_worker_whose_listener_lost_its_connection_looks_every_token_up_until_it_is_back(worker: Worker) -> None:
    _, secret = worker.store.create(name="erp", role=Role.ACCOUNTANT, created_by="test")
    worker.store.authenticate(secret)

    worker.sql(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
        " WHERE query LIKE 'LISTEN relance_api_tokens%' AND pid <> pg_backend_pid()"
    )

    assert eventually(lambda: not worker.listening(), seconds=2)
    assert worker.store.known(secret) is None
    assert eventually(worker.listening, seconds=5)  # reconnected
    worker.store.authenticate(secret)
    assert worker.store.known(secret) is not None


def test_the_trigger_is_created_once_by_concurrent_starts(fresh_postgres_database: str) -> None:
    databases = [PostgresDatabase(fresh_postgres_database) for _ in range(3)]
    for database in databases:
        database.close()

    with psycopg.connect(fresh_postgres_database) as connection:
        count = connection.execute("SELECT count(*) FROM pg_trigger WHERE tgname = 'api_tokens_changed'").fetchone()
    assert count == (1,)
