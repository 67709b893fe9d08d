"""CAMT.053 import benchmark: a generated statement of 20,000 credits against 100,000 open receivables.

1. Writes the ledger through the domain, 1,000 aggregates per save (tests/support/ledger_backlog.py):
   10,000 debtors ("Client N SAS"), 100,000 open receivables BL-0000000... of 100.00 to 10,000.00 EUR.
2. Generates one camt.053.001.02 statement (each credit pays a different receivable): 50% name their
   invoice and pay it in full, 10% name it and pay part, 20% give only the payer's name and the exact
   amount, 10% are batches of two transfers sharing the entry's reference (each naming its invoice),
   10% name nothing and match no amount (left unmatched for a person).
3. Times, each in a new Ledger as a new process would have: reading the file (parse and checks);
   the first import (what it records: payments, bank lines); the same file again (records nothing).
   The first import's own setup, replaying every receivable into the matching pool, is timed apart.

PostgreSQL is a throwaway cluster with fsync on, or a scratch database on the server of
RELANCE_BENCH_DATABASE_URL. A script that prints figures, not a test: it asserts nothing.

    .venv/bin/python benchmarks/camt_import.py                      # 20,000 credits, 100,000 receivables
    .venv/bin/python benchmarks/camt_import.py --credits 2000 --receivables 10000
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import TypeVar

from pydantic import SecretStr

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:  # the script runs from benchmarks/, not the repository root
    sys.path.insert(0, str(REPO))

from bench_support import postgres_server, scratch_database  # noqa: E402

from application.imports import ImportReport, Imports, candidate_of  # noqa: E402
from application.ledger import Ledger  # noqa: E402
from domain.payment_matching import CandidatePool  # noqa: E402
from infrastructure.documents import DocumentStore  # noqa: E402
from infrastructure.import_files import read_statement  # noqa: E402
from infrastructure.import_store import ImportStore  # noqa: E402
from infrastructure.settings import Settings  # noqa: E402
from infrastructure.sql import open_database  # noqa: E402
from infrastructure.stores import build_ledger  # noqa: E402
from tests.support.ledger_backlog import write_backlog  # noqa: E402

BOOKED = date(2024, 6, 3)  # after every backlog invoice's issue date
T = TypeVar("T")


def timed(action: Callable[[], T]) -> tuple[T, float]:
    started = time.perf_counter()
    result = action()
    return result, time.perf_counter() - started


def owed(index: int) -> Decimal:
    """What receivable BL-<index> owes (tests/support/ledger_backlog.py's ``_issue``)."""
    return (Decimal(10_000 + (index * 7919) % 990_000) / 100).quantize(Decimal("0.01"))


def statement(credits: int, receivables: int, debtors: int) -> bytes:
    """camt.053.001.02, one Ntry per credit (a batch: one Ntry, two TxDtls sharing its AcctSvcrRef)."""
    step = max(1, receivables // (credits + 1))
    entries: list[str] = []
    made = 0
    slot = 0
    while made < credits:
        index = (slot * step) % receivables
        kind = slot % 10
        slot += 1
        payer = f"Client {index % debtors} SAS"
        if kind < 5:  # names its invoice, pays it in full
            entries.append(_entry(f"REF-{slot}", [(owed(index), f"VIR SEPA FACTURE BL-{index:07d}", payer)]))
            made += 1
        elif kind == 5:  # names it, pays part
            entries.append(_entry(f"REF-{slot}", [(owed(index) / 2, f"ACOMPTE BL {index:07d}", payer)]))
            made += 1
        elif kind < 8:  # the payer and the exact amount only
            entries.append(_entry(f"REF-{slot}", [(owed(index), "REGLEMENT FACTURES", payer)]))
            made += 1
        elif kind == 8 and made + 2 <= credits:  # a batch of two transfers sharing the entry's reference
            other = (index + 1) % receivables
            entries.append(
                _entry(
                    f"BATCH-{slot}",
                    [(owed(index), f"BL-{index:07d}", payer), (owed(other), f"BL-{other:07d}", payer)],
                    batch=True,
                )
            )
            made += 2
        else:  # nothing to match
            entries.append(_entry(f"REF-{slot}", [(Decimal("1.23"), "DIVERS", "INCONNU SA")]))
            made += 1
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"><BkToCstmrStmt>'
        "<GrpHdr><MsgId>BENCH-1</MsgId><CreDtTm>2024-06-04T06:00:00</CreDtTm></GrpHdr>"
        "<Stmt><Id>BENCH-STMT-1</Id><CreDtTm>2024-06-04T06:00:00</CreDtTm>"
        "<Acct><Id><IBAN>FR7630006000011234567890189</IBAN></Id></Acct>" + "".join(entries) + "</Stmt>"
        "</BkToCstmrStmt></Document>"
    ).encode()


def _entry(reference: str, transfers: list[tuple[Decimal, str, str]], *, batch: bool = False) -> str:
    total = sum((value for value, _, _ in transfers), Decimal("0.00"))
    details = "".join(
        f"<TxDtls><Refs><AcctSvcrRef>{reference}</AcctSvcrRef><EndToEndId>NOTPROVIDED</EndToEndId></Refs>"
        + (f'<AmtDtls><TxAmt><Amt Ccy="EUR">{value:.2f}</Amt></TxAmt></AmtDtls>' if batch else "")
        + f"<RltdPties><Dbtr><Nm>{payer}</Nm></Dbtr></RltdPties><RmtInf><Ustrd>{text}</Ustrd></RmtInf></TxDtls>"
        for value, text, payer in transfers
    )
    return (
        f'<Ntry><Amt Ccy="EUR">{total:.2f}</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts>BOOK</Sts>'
        f"<BookgDt><Dt>{BOOKED}</Dt></BookgDt><ValDt><Dt>{BOOKED}</Dt></ValDt>"
        + ("" if batch else f"<AcctSvcrRef>{reference}</AcctSvcrRef>")
        + f"<NtryDtls>{details}</NtryDtls></Ntry>"
    )


def imported(settings: Settings, content: bytes) -> tuple[ImportReport, float, int]:
    """One import in a new Ledger: the report, its seconds, the events it recorded."""
    ledger = build_ledger(settings)
    database = open_database(settings)
    try:
        before = int(ledger.recorder.max_notification_id() or 0)
        imports = Imports(ledger, ImportStore(database), DocumentStore(database))
        report, seconds = timed(lambda: imports.import_payments(read_statement(content), actor="bench"))
        return report, seconds, int(ledger.recorder.max_notification_id() or 0) - before
    finally:
        database.close()
        ledger.close()


def pool_setup(settings: Settings) -> float:
    ledger: Ledger = build_ledger(settings)
    try:
        _, seconds = timed(lambda: CandidatePool(candidate_of(r) for r in ledger.receivables()))
        return seconds
    finally:
        ledger.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--credits", type=int, default=20_000)
    parser.add_argument("--receivables", type=int, default=100_000)
    arguments = parser.parse_args()
    debtors = max(1, arguments.receivables // 10)
    load_start = os.getloadavg()[0]
    with postgres_server() as server, scratch_database(server) as url:
        settings = Settings(database_url=SecretStr(url), data_dir=Path(tempfile.mkdtemp()), timezone="Europe/Paris")
        ledger = build_ledger(settings)
        try:
            print(f"seeding {arguments.receivables:,} receivables...", file=sys.stderr)
            backlog = write_backlog(ledger, receivables=arguments.receivables, events_per_receivable=1)
        finally:
            ledger.close()
        content = statement(arguments.credits, arguments.receivables, debtors)
        parsed, parse_seconds = timed(lambda: read_statement(content))
        print("first import...", file=sys.stderr)
        first, first_seconds, first_events = imported(settings, content)
        print("second import...", file=sys.stderr)
        second, second_seconds, second_events = imported(settings, content)
        setup_seconds = pool_setup(settings)
    lines = len(parsed.lines)
    outcomes = Counter(f"{line.outcome.value} ({line.reason})" for line in first.lines)
    print(
        f"CAMT.053 import: {lines:,} credits ({len(content) / 1e6:.1f} MB) against {backlog.receivables:,} open "
        f"receivables of {backlog.debtors:,} debtors, PostgreSQL (fsync on); load average {load_start:.2f} at start, "
        f"{os.getloadavg()[0]:.2f} at end"
    )
    print(f"- seeding the ledger: {backlog.seconds:,.0f} s (not part of the import)")
    print(f"- reading the file (parse and checks): {parse_seconds:,.2f} s, {lines / parse_seconds:,.0f} lines/s")
    print(
        f"- first import: {first_seconds:,.1f} s, {lines / first_seconds:,.0f} lines/s, {first_events:,} events "
        f"recorded; of which replaying every receivable into the matching pool: {setup_seconds:,.1f} s"
    )
    for outcome, count in sorted(outcomes.items()):
        print(f"    {count:>7,} {outcome}")
    skipped = sum(1 for line in second.lines if line.outcome.value == "skipped")
    print(
        f"- the same file again: {second_seconds:,.1f} s, {lines / second_seconds:,.0f} lines/s, "
        f"{second_events} events recorded, {skipped:,} of {lines:,} lines skipped"
    )
    print(f"- peak memory of this process: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:,.0f} MB")


if __name__ == "__main__":
    main()
