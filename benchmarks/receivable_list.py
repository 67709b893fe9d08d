"""The list of receivables (GET /v1/receivables): filtering and sorting every receivable by replaying
each one, as the list did, beside the index it reads now (application/receivable_index.py).

Seeds N receivables through the Ledger on PostgreSQL (a throwaway cluster with fsync on, or a scratch
database on RELANCE_BENCH_DATABASE_URL's server), then times, in a new process-like Ledger each time:
replaying every receivable (first call, then again with the histories cached), and the index (first use:
one read of the log; next use: the notifications since, here none) with the page of 50 loaded.
Usage: python benchmarks/receivable_list.py [--receivables N]. A script that prints figures, not a test.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import api_load  # benchmarks/api_load.py: the same seeding as the HTTP benchmark
from bench_support import postgres_server, scratch_database
from pydantic import SecretStr

from application.ledger import Ledger
from application.receivable_index import ReceivableIndex
from infrastructure.settings import Settings
from infrastructure.stores import build_ledger

PAGE = 50


def timed(action: Callable[[], None]) -> float:
    started = time.perf_counter()
    action()
    return 1000 * (time.perf_counter() - started)


def replay_all(ledger: Ledger) -> None:
    sorted(ledger.receivables(), key=lambda r: (r.issue_date, r.invoice_number))[:PAGE]


def from_index(ledger: Ledger, index: ReceivableIndex) -> None:
    [ledger.receivable(e.receivable_id) for e in index.matching()[:PAGE]]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--receivables", type=int, default=5_000)
    arguments = parser.parse_args()
    with postgres_server() as server, scratch_database(server) as url:
        data_dir = Path(tempfile.mkdtemp())
        api_load.seed(url, data_dir, arguments.receivables)
        settings = Settings(database_url=SecretStr(url), data_dir=data_dir, timezone=api_load.TIMEZONE)
        ledger = build_ledger(settings)
        try:
            replay_first, replay_next = timed(lambda: replay_all(ledger)), timed(lambda: replay_all(ledger))
        finally:
            ledger.close()
        ledger = build_ledger(settings)
        try:
            index = ReceivableIndex(ledger)
            index_first = timed(lambda: from_index(ledger, index))
            index_next = timed(lambda: from_index(ledger, index))
        finally:
            ledger.close()
    print(
        f"receivable list, {arguments.receivables:,} receivables on PostgreSQL, load average {os.getloadavg()[0]:.2f}"
    )
    print(f"- replay every receivable: {replay_first:,.0f} ms (first call), {replay_next:,.0f} ms (histories cached)")
    print(f"- index: {index_first:,.0f} ms (first use: one read of the log), {index_next:,.1f} ms (next use)")


if __name__ == "__main__":
    main()
