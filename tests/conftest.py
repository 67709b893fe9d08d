"""Shared fixtures: a PostgreSQL server for the test session and empty databases on it.

When RELANCE_TEST_DATABASE_URL is set, that database is used as is. Otherwise a
throwaway cluster (tests/support/throwaway_postgres.py) is started on a free port in a
temporary directory and removed at the end of the session, so the tests never touch a
PostgreSQL server that may already run on the machine. Under pytest-xdist each worker
starts its own cluster.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator

import psycopg
import pytest
from psycopg import sql

from tests.support.throwaway_postgres import PostgresNotInstalled, ThrowawayPostgres, create_database, with_dbname

DATABASE_URL_ENV = "RELANCE_TEST_DATABASE_URL"
INSTALL_HINT = (
    f" (scripts/test does it when run as root), or set {DATABASE_URL_ENV} to the URL of a database the tests may use."
)


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """URL of a database on a PostgreSQL server reserved for this test session."""
    configured = os.environ.get(DATABASE_URL_ENV)
    if configured:
        yield configured
        return

    cluster = ThrowawayPostgres()
    try:
        server_url = cluster.start()
        url = create_database(server_url, "relance_test")
    except PostgresNotInstalled as error:
        cluster.stop()
        pytest.fail(f"{error}{INSTALL_HINT}", pytrace=False)
    except RuntimeError as error:
        cluster.stop()
        pytest.fail(str(error), pytrace=False)
    try:
        yield url
    finally:
        cluster.stop()


@pytest.fixture
def postgres_database_factory(postgres_url: str) -> Iterator[Callable[[], str]]:
    """Callable creating a new empty database per call; all are dropped after the test."""
    created: list[str] = []

    def create() -> str:
        name = f"relance_{uuid.uuid4().hex[:12]}"
        with psycopg.connect(postgres_url, autocommit=True) as conn:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        created.append(name)
        return with_dbname(postgres_url, name)

    yield create

    with psycopg.connect(postgres_url, autocommit=True) as conn:
        for name in created:
            # FORCE: a test may leave connections (e.g. a pool) open.
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


@pytest.fixture
def fresh_postgres_database(postgres_database_factory: Callable[[], str]) -> str:
    """URL of a new, empty database, so each test starts with an empty store."""
    return postgres_database_factory()
