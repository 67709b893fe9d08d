"""The console's list of receivables (Créances) at 100,000 receivables: p50 and p95 of the index query.

1. Writes the dunning benchmark's book on PostgreSQL (``dunning_run.write_book``: ~20,000 debtors,
   N open receivables in the states a real book has, plus 10% settled), through the domain, many
   aggregates per append. PostgreSQL is a durable throwaway cluster or the server of
   RELANCE_BENCH_DATABASE_URL (a scratch database is created and dropped).
2. Times the index's first use in a new Ledger (one read of the log), then each query of the list a
   person makes (unfiltered, sorted, filtered, searched, one debtor) ``--repeats`` times after one
   warm-up: ``ReceivableIndex.listing`` for a page of 50 with the totals of the whole selection,
   including the catch-up with the log (here, no new notification).
3. The same page after a write: each time, a note is recorded on a receivable first (not timed), so
   the list reloads that receivable and moves it in its orders.
4. The whole page over HTTP in-process (``GET /creances``, signed in, rendered): what the server spends.

Usage: ``.venv/bin/python benchmarks/console_list.py [--receivables N] [--repeats R]``; ``--quick`` is a
smoke run of 2,000. A script that prints figures, not a test: it asserts nothing.
"""

from __future__ import annotations

import argparse
import logging
import os
import platform
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:  # the script runs from benchmarks/, not the repository root
    sys.path.insert(0, str(REPO))

import dunning_run  # noqa: E402  # benchmarks/dunning_run.py: the book of 100,000 receivables
import structlog  # noqa: E402
from bench_support import BENCH_URL_ENV, postgres_server, scratch_database  # noqa: E402
from starlette.testclient import TestClient  # noqa: E402

from api.bootstrap import build_services  # noqa: E402
from api.http.app import create_app  # noqa: E402
from application.access import Role  # noqa: E402
from application.clock import SimulatedClock  # noqa: E402
from application.commands import AddNote  # noqa: E402
from application.ledger import Ledger  # noqa: E402
from application.receivable_index import ReceivableIndex  # noqa: E402
from application.receivable_listing import ListQuery, SortKey  # noqa: E402
from domain.vocabulary import DunningStage, ReceivableStatus  # noqa: E402
from infrastructure.stores import build_ledger  # noqa: E402
from tests.support.console import PASSWORD, sign_in  # noqa: E402

TODAY = dunning_run.RUN_DATE
PAGES = ("/creances", "/creances?echues=1&tri=retard&ordre=desc&montant_min=1000", "/creances?q=client+1234+sas",
         "/creances?page=1000")  # fmt: skip
log = dunning_run.log


def queries(index: ReceivableIndex) -> list[tuple[str, ListQuery, int]]:
    """(what a person asks, the query, the page)."""
    some_debtor = index.entries()[len(index.entries()) // 2].debtor_id
    by_days_late = ListQuery(overdue_only=True, sort=SortKey.DAYS_LATE, descending=True)
    notices = ListQuery(stage=DunningStage.FORMAL_NOTICE, outstanding_min=Decimal(1000))
    band = ListQuery(days_late_min=30, outstanding_min=Decimal(500), outstanding_max=Decimal(5000))
    return [
        ("unfiltered, by due date, page 1", ListQuery(), 1),
        (
            "unfiltered, largest outstanding first, page 1,000",
            ListQuery(sort=SortKey.OUTSTANDING, descending=True),
            1000,
        ),
        ("overdue only, most late first", by_days_late, 1),
        ("status: disputed", ListQuery(status=ReceivableStatus.DISPUTED), 1),
        ("stage: formal notice, outstanding >= 1,000", notices, 1),
        ("30+ days late, outstanding 500 to 5,000", band, 1),
        ("search: an invoice number", ListQuery(text="F-0054321"), 1),
        ("search: a debtor's name", ListQuery(text="client 1234 sas"), 1),
        ("search: the SIREN every debtor shares (all rows)", ListQuery(text="732 829 320"), 1),
        ("one debtor", ListQuery(debtor_id=some_debtor), 1),
    ]


def resident_mb() -> float:
    """The process's resident memory now (Linux)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def percentiles(samples: list[float]) -> tuple[float, float]:
    return statistics.median(samples), statistics.quantiles(samples, n=20, method="inclusive")[18]


def timed(action: Callable[[], Any], repeats: int, before: Callable[[], Any] | None = None) -> tuple[float, float]:
    action()  # warm-up: the sorted orders of this query are built once per change
    samples = []
    for _ in range(repeats):
        if before is not None:
            before()
        started = time.perf_counter()
        action()
        samples.append(1000 * (time.perf_counter() - started))
    return percentiles(samples)


def row(label: str, figures: tuple[float, float], selected: int) -> str:
    return f"| {label} | {selected:,} | {figures[0]:,.1f} ms | {figures[1]:,.1f} ms |"


def measure_index(ledger: Ledger, repeats: int) -> list[str]:
    index = ReceivableIndex(ledger)
    before = resident_mb()
    started = time.perf_counter()
    count = len(index.entries())
    first_use = time.perf_counter() - started
    lines = [
        f"Index, first use (one read of the log): {first_use:,.1f} s for {count:,} receivables; "
        f"resident memory {resident_mb() - before:+,.0f} MB after it (an upper bound: the scan's aggregates are freed, "
        "not necessarily returned to the system).",
        "",
        "| query (page of 50, totals of the whole selection) | selected | p50 | p95 |",
        "|---|--:|--:|--:|",
    ]
    for label, query, page in queries(index):
        selected = index.listing(query, TODAY, page=page).count
        lines.append(row(label, timed(lambda q=query, p=page: index.listing(q, TODAY, page=p), repeats), selected))
        log(f"  {label}")
    targets = iter(index.entries())

    def note() -> None:
        ledger.execute(AddNote(next(targets).receivable_id, "note de mesure"), actor="bench")

    after_write = timed(lambda: index.listing(ListQuery(), TODAY), repeats, before=note)
    lines.append(
        row("unfiltered, page 1, right after a note was recorded (the row reloaded, moved)", after_write, count)
    )
    return lines


def measure_http(url: str, data_dir: Path, repeats: int) -> list[str]:
    settings = dunning_run.the_settings(url, data_dir)
    clock = SimulatedClock(dunning_run.RUN_AT + timedelta(minutes=5))
    services = build_services(settings, clock=clock)
    try:
        services.users.create(
            username="bench.manager", display_name="Bench Manager", role=Role.MANAGER, password=PASSWORD,
            created_by="bench",
        )  # fmt: skip
        app = create_app(settings, services=services, clock=clock)
        structlog.configure(logger_factory=structlog.PrintLoggerFactory(file=sys.stderr))  # the figures on stdout
        logging.getLogger("httpx").setLevel(logging.WARNING)
        with TestClient(app, base_url="http://127.0.0.1", follow_redirects=False) as client:
            assert sign_in(client, "bench.manager").status_code == 303
            lines = ["", "| GET, signed in, rendered (in-process) | p50 | p95 |", "|---|--:|--:|"]
            for target in PAGES:
                p50, p95 = timed(lambda t=target: client.get(t), repeats)
                lines.append(f"| {target} | {p50:,.1f} ms | {p95:,.1f} ms |")
                log(f"  GET {target}")
    finally:
        services.close()
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--receivables", type=int, default=100_000, help="open receivables (10%% more settled)")
    parser.add_argument("--repeats", type=int, default=30, help="timed runs of each query")
    parser.add_argument("--quick", action="store_true", help="smoke run: 2,000 open receivables, 5 repeats")
    args = parser.parse_args(argv)
    receivables, repeats = (2_000, 5) if args.quick else (args.receivables, args.repeats)
    load_before = os.getloadavg()[0]
    with postgres_server() as server, scratch_database(server) as url:
        data_dir = Path(tempfile.mkdtemp(prefix="console-list-"))
        settings = dunning_run.the_settings(url, data_dir)
        ledger = build_ledger(settings, clock=SimulatedClock(dunning_run.RUN_AT))
        try:
            log(f"writing the book: {receivables:,} open receivables ...")
            book = dunning_run.write_book(ledger, receivables, steady=False, progress=log)
        finally:
            ledger.close()
        log("timing the index ...")
        ledger = build_ledger(settings, clock=SimulatedClock(dunning_run.RUN_AT))
        try:
            lines = measure_index(ledger, repeats)
        finally:
            ledger.close()
        log("timing the page over HTTP ...")
        lines += measure_http(url, data_dir, repeats)
    print(
        f"Console list of receivables: {book.open_files + book.settled:,} receivables ({book.open_files:,} open, "
        f"{book.settled:,} settled), {book.debtors:,} debtors, {book.events:,} events on PostgreSQL "
        f"({'from ' + BENCH_URL_ENV if os.environ.get(BENCH_URL_ENV) else 'throwaway cluster, fsync on'}); "
        f"{os.cpu_count()} CPU(s), Python {platform.python_version()}; {repeats} timed runs of each query.\n"
    )
    print("\n".join(lines))
    print(f"\nLoad average (1 min) before and after: {load_before:.1f}, {os.getloadavg()[0]:.1f}.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
