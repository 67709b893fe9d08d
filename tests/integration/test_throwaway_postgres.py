"""The PostgreSQL fixtures from tests/conftest.py."""

from collections.abc import Callable

import psycopg
import pytest
from psycopg.conninfo import conninfo_to_dict

pytestmark = pytest.mark.postgres


def public_tables(url: str) -> list[str]:
    with psycopg.connect(url) as conn:
        rows = conn.execute("SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'").fetchall()
    return [row[0] for row in rows]


def test_the_session_server_answers_select_1(postgres_url: str) -> None:
    with psycopg.connect(postgres_url) as conn:
        assert conn.execute("SELECT 1").fetchone() == (1,)


def test_each_fresh_database_is_empty_and_distinct(
    fresh_postgres_database: str, postgres_database_factory: Callable[[], str]
) -> None:
    another = postgres_database_factory()
    names = {conninfo_to_dict(url)["dbname"] for url in (fresh_postgres_database, another)}

    assert len(names) == 2
    assert all(str(name).startswith("relance_") for name in names)
    assert public_tables(fresh_postgres_database) == []
    assert public_tables(another) == []
