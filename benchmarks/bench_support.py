"""What the benchmark scripts share: a PostgreSQL server and scratch databases on it.

The scripts run as ``python benchmarks/NAME.py`` (this folder is then first on sys.path).
"""

from __future__ import annotations

import importlib
import os
import statistics
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from types import ModuleType

import psycopg
from psycopg import sql

REPO = Path(__file__).resolve().parent.parent
BENCH_URL_ENV = "RELANCE_BENCH_DATABASE_URL"


def support() -> ModuleType:
    """tests/support/throwaway_postgres.py, shared with the test fixtures."""
    if str(REPO) not in sys.path:
        sys.path.insert(0, str(REPO))
    return importlib.import_module("tests.support.throwaway_postgres")


@contextmanager
def postgres_server() -> Iterator[str]:
    """A PostgreSQL server URL: RELANCE_BENCH_DATABASE_URL, or a durable throwaway cluster (fsync on)."""
    configured = os.environ.get(BENCH_URL_ENV)
    if configured:
        yield configured
        return
    with support().ThrowawayPostgres(durable=True) as url:
        yield url


@contextmanager
def scratch_database(server_url: str, prefix: str = "relance_bench") -> Iterator[str]:
    """A new database on the server, dropped at the end: a benchmark never writes elsewhere."""
    with_dbname = support().with_dbname
    name = f"{prefix}_{uuid.uuid4().hex[:8]}"
    admin = with_dbname(server_url, "postgres")
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield with_dbname(server_url, name)
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def latency(action: Callable[[], object], repeats: int) -> tuple[float, float, float]:
    """(first call, median, 95th percentile) of ``action`` in milliseconds: the first call is a warm-up,
    timed apart; then ``repeats`` calls."""
    started = time.perf_counter()
    action()
    first = (time.perf_counter() - started) * 1000
    samples = []
    for _ in range(repeats):
        started = time.perf_counter()
        action()
        samples.append((time.perf_counter() - started) * 1000)
    samples.sort()
    return first, statistics.median(samples), samples[min(len(samples) - 1, int(len(samples) * 0.95))]
