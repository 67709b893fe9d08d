"""Print-batch benchmark: the day's batch of 2,000 letters (deposit list + every letter, one PDF).

1. On a scratch embedded store (SQLite, a temporary directory): 2,000 debtors, each with one letter
   waiting to be posted (outbox status ``to_post``): half formal notices by registered letter, half
   reminders by simple letter, each naming one invoice whose one-page PDF the firm has (enclosed
   behind the letter). The letters are real ones rendered by the product's templates (Jinja2 +
   WeasyPrint): 40 are rendered, and each stored letter is one of them made unique by a
   trailing PDF comment (so that 2,000 documents are read, counted and merged, as in a real day).
2. Times ``Letters.batch_pdf`` (what `relance letters batch` and `GET /v1/letters/batch.pdf` do) and its
   parts: the list of letters (outbox + debtors), reading and page-counting the stored PDFs, the
   deposit list PDF, the merge; then the deposit list CSV.

Rendering the letters is the dunning run's cost (benchmarks/dunning_run.py), not the batch's.
A script that prints figures, not a test: it asserts nothing.

    .venv/bin/python benchmarks/print_batch.py               # 2,000 letters
    .venv/bin/python benchmarks/print_batch.py --letters 200
"""

from __future__ import annotations

import argparse
import platform
import sys
import tempfile
import time
from datetime import date
from decimal import Decimal
from pathlib import Path
from uuid import uuid4

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from application.commands import AttachDocument, IssueInvoice, RegisterDebtor  # noqa: E402
from application.correspondence import DocumentKind  # noqa: E402
from application.dunning_dispatch import TO_POST  # noqa: E402
from application.letters import Letters  # noqa: E402
from domain.debtor import Address  # noqa: E402
from domain.values import luhn_valid  # noqa: E402
from domain.vocabulary import DebtorKind  # noqa: E402
from domain.vocabulary import DocumentKind as AttachmentKind  # noqa: E402
from infrastructure.dispatches import Dispatch, DispatchStore, dispatch_key  # noqa: E402
from infrastructure.documents import DocumentStore  # noqa: E402
from infrastructure.letters import Renderer  # noqa: E402
from infrastructure.print_batch import BatchPdf  # noqa: E402
from infrastructure.settings import Settings  # noqa: E402
from infrastructure.sql import open_database  # noqa: E402
from infrastructure.stores import build_ledger  # noqa: E402
from tests.integration.dunning_engine import invoice_pdf  # noqa: E402
from tests.integration.test_letters import FIRM  # noqa: E402
from tests.integration.test_letters import letter as sample_letter  # noqa: E402

DAY = date(2026, 12, 7)
DISTINCT = 40
CITIES = [("69002", "Lyon"), ("75011", "Paris"), ("13001", "Marseille"), ("33000", "Bordeaux"), ("59000", "Lille")]


def siren(i: int) -> str:
    """A valid SIREN (Luhn key) per debtor."""
    body = f"{100000000 + i * 7:09d}"[:8]
    for key in "0123456789":
        if luhn_valid(body + key):
            return body + key
    raise AssertionError(body)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--letters", type=int, default=2000)
    args = parser.parse_args()
    n = args.letters
    print(f"print batch: {n} letters, Python {platform.python_version()}, {platform.machine()}")

    started = time.perf_counter()
    samples = []
    for i in range(DISTINCT):
        kind = DocumentKind.FORMAL_NOTICE if i % 2 == 0 else DocumentKind.FIRST_REMINDER
        channel = "registered_letter" if i % 2 == 0 else "letter"
        c = sample_letter(kind, DebtorKind.PROFESSIONAL, reference=f"R-2026-{i:06d}", channel=channel)
        samples.append((kind.value, channel, Renderer().pdf(c)))
    print(f"  {DISTINCT} real letters rendered in {time.perf_counter() - started:.1f} s (set-up, not timed)")

    with tempfile.TemporaryDirectory() as directory:
        settings = Settings(data_dir=Path(directory))
        ledger = build_ledger(settings)
        database = open_database(settings)
        documents, outbox = DocumentStore(database), DispatchStore(database)
        started = time.perf_counter()
        rows = []
        contents = []
        for i in range(n):
            debtor_id = uuid4()
            postal_code, city = CITIES[i % len(CITIES)]
            ledger.execute(
                RegisterDebtor(debtor_id, f"Client {i:05d} SAS", DebtorKind.PROFESSIONAL,
                               Address([f"{i % 90 + 1} rue de la République"], postal_code, city, "FR"),
                               siren=siren(i)),
                actor="bench",
            )  # fmt: skip
            receivable_id = ledger.execute(
                IssueInvoice(f"F-2026-{i:05d}", debtor_id, date(2026, 9, 1), date(2026, 10, 1), Decimal("1000.00"),
                             Decimal("200.00"), Decimal("1200.00"), "Prestations de septembre"),
                actor="bench",
            ).aggregate_id  # fmt: skip
            (stored,) = documents.put_many([(invoice_pdf(f"F-2026-{i:05d}"), "application/pdf")], actor="bench")
            ledger.execute(AttachDocument(receivable_id, AttachmentKind.INVOICE, stored, "application/pdf"),
                           actor="bench")  # fmt: skip
            kind, channel, pdf = samples[i % DISTINCT]
            contents.append(pdf + f"\n% letter {i}\n".encode())
            rows.append((debtor_id, kind, channel, i, receivable_id))
        shas = documents.put_many([(c, "application/pdf") for c in contents], actor="bench")
        dispatches = [
            Dispatch(
                key=dispatch_key(DAY, str(debtor_id), kind, channel), run_date=DAY, debtor_id=str(debtor_id),
                kind=kind, channel=channel, document_sha256=sha, media_type="application/pdf", recipient=None,
                steps=[{"receivable_id": str(receivable_id), "invoice_number": f"F-2026-{i:05d}"}],
                status="prepared",
            )
            for (debtor_id, kind, channel, i, receivable_id), sha in zip(rows, shas, strict=True)
        ]  # fmt: skip
        now = ledger.now().instant
        outbox.prepare_many(dispatches, now=now, run_id="bench")
        outbox.mark_many([d.key for d in dispatches], TO_POST, now=now)
        print(f"  store written in {time.perf_counter() - started:.1f} s (set-up, not timed)")

        printing = BatchPdf(FIRM)
        letters = Letters(ledger, outbox, documents=documents, printing=printing)

        t0 = time.perf_counter()
        waiting = letters.to_post(prepared_on=DAY)
        t1 = time.perf_counter()
        batch = letters.batch(prepared_on=DAY)
        t2 = time.perf_counter()
        deposit = printing.deposit_list_pdf(batch.letters, printed_on=DAY)
        t3 = time.perf_counter()
        fresh = Letters(ledger, outbox, documents=documents, printing=BatchPdf(FIRM))  # nothing parsed yet
        _, pdf = fresh.batch_pdf(prepared_on=DAY)
        t4 = time.perf_counter()
        listing = letters.deposit_list_csv(prepared_on=DAY)
        t5 = time.perf_counter()

        letter_pages = sum(x.pages or 0 for x in batch.letters)
        from pypdf import PdfReader

        deposit_pages = len(PdfReader(__import__("io").BytesIO(deposit)).pages)
        total_pages = letter_pages + deposit_pages
        print(f"  letters listed (outbox + debtors):          {t1 - t0:6.2f} s  ({len(waiting)} letters)")
        print(f"  stored PDFs read and pages counted:         {t2 - t1:6.2f} s  (includes the listing again)")
        print(f"  deposit list PDF ({deposit_pages} pages):             {t3 - t2:6.2f} s")
        print(f"  whole batch_pdf (what the CLI/HTTP call):   {t4 - t3:6.2f} s  "
              f"{total_pages} pages, {total_pages / (t4 - t3):.0f} pages/s, {len(pdf) / 1e6:.1f} MB")  # fmt: skip
        print(f"  deposit list CSV:                           {t5 - t4:6.2f} s  ({len(listing) / 1e3:.0f} kB)")
        database.close()
        ledger.close()


if __name__ == "__main__":
    main()
