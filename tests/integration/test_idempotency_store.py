"""Idempotency keys on both stores: one claim at a time; a claim whose request died is never run again."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from infrastructure.idempotency import IdempotencyStore
from infrastructure.settings import Settings
from infrastructure.sql import Database, open_database

T0 = datetime(2026, 6, 15, 10, 0, tzinfo=UTC)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    if request.param == "sqlite":
        settings = Settings(data_dir=tmp_path, database_url=None)
    else:
        settings = Settings(data_dir=tmp_path, database_url=request.getfixturevalue("fresh_postgres_database"))
    db = open_database(settings)
    yield db
    db.close()


def test_a_key_is_claimed_once_while_its_first_request_runs(database: Database) -> None:
    store = IdempotencyStore(database)

    assert store.claim("caller", "k1", "hash-a", now=T0)
    assert not store.claim("caller", "k1", "hash-a", now=T0 + timedelta(seconds=30))
    assert store.claim("another-caller", "k1", "hash-a", now=T0)


def test_a_claim_left_without_a_response_is_never_taken_over(database: Database) -> None:
    """A request killed while running leaves its claim; a retry does not take it over (the command pipeline
    knows whether the command was recorded, decision 0015)."""
    store = IdempotencyStore(database)
    store.claim("caller", "k1", "hash-a", now=T0)

    assert not store.claim("caller", "k1", "hash-a", now=T0 + timedelta(days=1))
    found = store.find("caller", "k1")
    assert found is not None and found.request_hash == "hash-a" and found.status is None


def test_a_completed_key_is_never_taken_over(database: Database) -> None:
    store = IdempotencyStore(database)
    store.claim("caller", "k1", "hash-a", now=T0)
    store.complete("caller", "k1", 201, {"etag": '"2"'}, b"{}")

    assert not store.claim("caller", "k1", "hash-a", now=T0 + timedelta(days=30))
    found = store.find("caller", "k1")
    assert found is not None and found.status == 201 and found.headers == {"etag": '"2"'}
