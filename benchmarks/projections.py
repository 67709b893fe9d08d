"""Read-model benchmark: rebuild of every projection from a large ledger on PostgreSQL,
then the aged balance (and the other reports) over it.

1. Writes the ledger through the domain, many events per ``save()``
   (``tests/support/ledger_backlog.py``: every receivable issued, then one event per
   receivable per round, as an interleaved log is) and notes the time it takes.
2. ``Projector.rebuild()``: drop, replay the whole log in batches (events and position in
   one transaction per batch), build the secondary indexes: events/s.
3. Latency of the reports over the result (median and 95th percentile of repeated runs):
   the aged balance now and as of a past date, under both readings, in total and by
   debtor; DSO, collection effectiveness and an audit page for information.

PostgreSQL is a throwaway cluster with fsync on (``ThrowawayPostgres(durable=True)``),
or the server of RELANCE_BENCH_DATABASE_URL (a scratch database is created and dropped).
A script that prints figures, not a test: it asserts nothing.

    .venv/bin/python benchmarks/projections.py            # 100,000 receivables x 10 events
    .venv/bin/python benchmarks/projections.py --quick    # 2,000 x 10, a few seconds
"""

from __future__ import annotations

import argparse
import gc
import importlib
import os
import platform
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from importlib.metadata import version
from pathlib import Path
from typing import Any

from pydantic import SecretStr

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:  # the script runs from benchmarks/, not the repository root
    sys.path.insert(0, str(REPO))

from bench_support import BENCH_URL_ENV, latency, postgres_server, scratch_database  # noqa: E402

from application.reports import Basis  # noqa: E402
from infrastructure.projector import Projector  # noqa: E402
from infrastructure.read_models import AuditFilter, ReadModels  # noqa: E402
from infrastructure.read_store import PostgresReadStore  # noqa: E402
from infrastructure.settings import Settings  # noqa: E402
from infrastructure.stores import build_ledger  # noqa: E402

AIM_EVENTS_PER_SECOND = 20_000
AIM_AGED_BALANCE_MS = 200


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


@contextmanager
def bench_database() -> Iterator[str]:
    with postgres_server() as server, scratch_database(server) as url:
        yield url


def run(receivables: int, per_receivable: int, batch_size: int, repeats: int) -> list[str]:
    backlog_module = importlib.import_module("tests.support.ledger_backlog")
    lines: list[str] = []
    with bench_database() as url:
        settings = Settings(database_url=SecretStr(url), postgres_pool_size=5)
        ledger = build_ledger(settings)
        log(f"writing {receivables:,} receivables x {per_receivable} events ...")
        backlog = backlog_module.write_backlog(
            ledger,
            receivables=receivables,
            events_per_receivable=per_receivable,
            on_progress=lambda n: log(f"  {n:,} events written"),
        )
        log(f"  {backlog.events:,} events in {backlog.seconds:.0f} s")
        store = PostgresReadStore(url)
        projector = Projector(ledger, store, batch_size=batch_size)
        log(f"rebuilding the read models (batches of {batch_size:,}) ...")
        started = time.perf_counter()
        applied = projector.rebuild(
            on_progress=lambda n, _: log(f"  {n:,} events") if n % 200_000 < batch_size else None
        )
        rebuild_seconds = time.perf_counter() - started
        rate = applied / rebuild_seconds
        # Queries from a process that does not project (the API on PostgreSQL): the rebuild's
        # in-memory states are dropped, as they would live in the worker's process.
        del projector
        gc.collect()
        models = ReadModels(ledger, store, in_process=False)
        today = backlog.last_day
        past = backlog.issue_day + (today - backlog.issue_day) / 2  # half the rounds recorded by then
        opened = models.aged_balance(as_of=today, basis=Basis.AS_KNOWN).total.receivables
        lines += [
            f"Ledger: {backlog.events:,} events ({backlog.receivables:,} receivables, {backlog.debtors:,} debtors), "
            f"written in {backlog.seconds:.0f} s ({backlog.events / backlog.seconds:,.0f} events/s through the "
            f"domain, {backlog_module.SAVE_CHUNK} aggregates per save()); {opened:,} receivables still open "
            "at the end.",
            "",
            "| measure | result | aim |",
            "|---|---|---|",
            f"| rebuild of all projections ({applied:,} events, batches of {batch_size:,}, indexes and ANALYZE "
            f"included) | {rebuild_seconds:.1f} s, **{rate:,.0f} events/s** | ≥ {AIM_EVENTS_PER_SECOND:,} events/s |",
        ]
        queries: list[tuple[str, Callable[[], Any], bool]] = []
        for label, day in (("now", today), (f"as of {past} (half-way through the history)", past)):
            for basis in Basis:
                for by_debtor in (False, True):
                    name = f"aged balance {label}, {basis.value}, {'by debtor' if by_debtor else 'total'}"
                    queries.append((name, _aged(models, day, basis, by_debtor), True))
        first = date(2000, 1, 1)
        queries += [
            ("DSO over 90 days", lambda: models.dso(start=today - timedelta(days=89), end=today), False),
            ("collection effectiveness", lambda: models.effectiveness(as_of=today), False),
            ("audit page of 100, one debtor", _audit(models), False),
            ("audit page of 100, whole journal", lambda: models.audit(AuditFilter(start=first), limit=100), False),
        ]
        for label, action, judged in queries:
            _, median, p95 = latency(action, repeats)
            aim = f"< {AIM_AGED_BALANCE_MS} ms" if judged else "(information)"
            lines.append(f"| {label} over {receivables:,} receivables | {median:.0f} ms (p95 {p95:.0f} ms) | {aim} |")
        store.close()
        ledger.close()
    return lines


def _aged(models: ReadModels, day: date, basis: Basis, by_debtor: bool) -> Callable[[], Any]:
    return lambda: models.aged_balance(as_of=day, basis=basis, by_debtor=by_debtor)


def _audit(models: ReadModels) -> Callable[[], Any]:
    debtor = models.audit(AuditFilter(event_type="DebtorRegistered"), limit=1).entries[0].aggregate_id
    return lambda: models.audit(AuditFilter(debtor_id=debtor), limit=100)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true", help="smoke run: 2,000 receivables x 10 events")
    parser.add_argument("--receivables", type=int, default=100_000)
    parser.add_argument("--events-per-receivable", type=int, default=10)
    parser.add_argument("--batch-size", type=int, default=10_000, help="events per rebuild transaction")
    parser.add_argument("--repeats", type=int, default=20, help="runs per query (median and p95 reported)")
    args = parser.parse_args(argv)
    receivables = 2_000 if args.quick else args.receivables
    repeats = 5 if args.quick else args.repeats
    load_before = os.getloadavg()[0]
    lines = run(receivables, args.events_per_receivable, args.batch_size, repeats)
    load_after = os.getloadavg()[0]
    print(
        f"Machine: {platform.machine()}, {os.cpu_count()} CPU(s), Python {platform.python_version()}, "
        f"eventsourcing {version('eventsourcing')}, psycopg {version('psycopg')}; PostgreSQL "
        f"{'from ' + BENCH_URL_ENV if os.environ.get(BENCH_URL_ENV) else 'throwaway cluster, fsync on'}.\n"
    )
    print("\n".join(lines))
    print(f"\nLoad average (1 min) before and after: {load_before:.1f}, {load_after:.1f} (2 cores: figures under load")
    print("are pessimistic; compare runs made on a quiet machine).")
    return 0


if __name__ == "__main__":
    sys.exit(main())
