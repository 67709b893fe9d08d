"""Evidence benchmark: export a receivable of 200 events and 20 documents, then verify the bundle.

Aim (issue 7): export under 2 s, verification under 0.2 s, on the embedded SQLite store.
The export is the product's own path (``EvidenceExporter.receivable_bundle``): verify the
whole ledger, publish and sign a digest, read the journal and the documents, compute the
late charges, render the PDF/A-3 dossier with WeasyPrint, write and sign the ZIP. The
verification is ``relance verify``'s path (``application.bundle_check.verify_bundle``) on
the ZIP's bytes; the command line's own start-up (Python, imports) is timed apart.

Run: ``.venv/bin/python benchmarks/evidence.py`` (``--repeats N``, ``--events N``,
``--documents N``). Prints Markdown; a script that reports figures, never a test.
"""

from __future__ import annotations

import argparse
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from uuid import UUID, uuid4

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from application.bundle_check import BundleReport, verify_bundle  # noqa: E402
from application.clock import SimulatedClock  # noqa: E402
from application.commands import (  # noqa: E402
    AddNote,
    AttachDocument,
    IssueInvoice,
    NoteCall,
    ReceivableCommand,
    RecordPayment,
    RegisterDebtor,
    SendReminder,
)
from application.evidence import DossierContent, EvidenceExporter  # noqa: E402
from application.ledger import Ledger  # noqa: E402
from domain.debtor import Address  # noqa: E402
from domain.vocabulary import (  # noqa: E402
    CallOutcome,
    CallPurpose,
    DebtorKind,
    DocumentKind,
    PaymentMethod,
    ReminderChannel,
    ReminderStage,
)
from infrastructure.documents import DocumentStore  # noqa: E402
from infrastructure.evidence import build_exporter  # noqa: E402
from infrastructure.settings import Settings  # noqa: E402
from infrastructure.signing import same_public_key, verify_signature  # noqa: E402
from infrastructure.sql import Database, open_database  # noqa: E402
from infrastructure.stores import build_ledger  # noqa: E402

ACTOR = "benchmark"
DOCUMENT_BYTES = 40_000  # a scanned letter or acknowledgement of receipt, roughly


@dataclass(frozen=True)
class Timing:
    wall: float  # median elapsed seconds
    cpu: float  # median CPU seconds of this process: what the wall time is on an idle machine

    def cells(self) -> str:
        return f"{self.wall:.3f} | {self.cpu:.3f}"


def timed(action: Callable[[], object], repeats: int) -> tuple[Timing, object]:
    walls, cpus, result = [], [], None
    for _ in range(repeats):
        start, start_cpu = time.perf_counter(), time.process_time()
        result = action()
        walls.append(time.perf_counter() - start)
        cpus.append(time.process_time() - start_cpu)
    return Timing(statistics.median(walls), statistics.median(cpus)), result


@dataclass
class Recorded:
    settings: Settings
    ledger: Ledger
    database: Database
    receivable: UUID


def record_receivable(data_dir: Path, events: int, documents: int) -> Recorded:
    key_file = data_dir / "firm.pem"
    data_dir.mkdir(parents=True, exist_ok=True)
    key_file.write_bytes(
        Ed25519PrivateKey.generate().private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    settings = Settings(data_dir=data_dir, database_url=None, timezone="Europe/Paris", signing_key_file=key_file)
    clock = SimulatedClock(datetime(2025, 1, 10, 9, tzinfo=UTC))
    ledger = build_ledger(settings, clock=clock)
    database = open_database(settings)
    store = DocumentStore(database)
    debtor = ledger.execute(
        RegisterDebtor(uuid4(), "Dupont Matériaux SARL", DebtorKind.PROFESSIONAL,
                       Address(["12 rue des Lilas"], "69003", "Lyon", "FR"), siren="732829320"),
        actor=ACTOR,
    ).aggregate_id  # fmt: skip
    receivable = ledger.execute(
        IssueInvoice("F-BENCH-0001", debtor, date(2025, 1, 10), date(2025, 2, 9), Decimal("10000.00"),
                     Decimal("2000.00"), Decimal("12000.00"), "Chantier de référence"),
        actor=ACTOR,
    ).aggregate_id  # fmt: skip
    day = date(2025, 2, 10)
    recorded = 1
    for number in range(documents):
        clock.set(datetime(day.year, day.month, day.day, 10, tzinfo=UTC))
        content = b"%PDF-1.4\n% " + f"lettre {number}\n".encode() + bytes(DOCUMENT_BYTES) + b"\n%%EOF\n"
        sha256 = store.put(content, "application/pdf", actor=ACTOR)[0].sha256
        if number in (0, 2):  # the first and second reminders as sent; the rest scanned exhibits
            stage = ReminderStage.FIRST if number == 0 else ReminderStage.SECOND
            command: ReceivableCommand = SendReminder(
                receivable, stage, ReminderChannel.LETTER, day, document_sha256=sha256
            )
        else:
            command = AttachDocument(receivable, DocumentKind.OTHER, sha256, "application/pdf", f"pièce {number}")
        ledger.execute(command, actor=ACTOR)
        recorded += 1
        day += timedelta(days=1)
    while recorded < events:
        clock.set(datetime(day.year, day.month, day.day, 10, tzinfo=UTC))
        kind = recorded % 3
        if kind == 0:
            command = AddNote(receivable, f"note {recorded}: échange avec le débiteur")
        elif kind == 1:
            command = NoteCall(receivable, day, CallPurpose.FOLLOW_UP, CallOutcome.NO_ANSWER)
        else:
            command = RecordPayment(receivable, Decimal("1.00"), day, PaymentMethod.TRANSFER, f"VIR-{recorded:05d}")
        ledger.execute(command, actor=ACTOR)
        recorded += 1
        if recorded % 4 == 0:
            day += timedelta(days=1)
    clock.set(datetime(day.year, day.month, day.day, 18, tzinfo=UTC))
    return Recorded(settings, ledger, database, receivable)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=200)
    parser.add_argument("--documents", type=int, default=20)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="relance-bench-evidence-") as tmp:
        recorded = record_receivable(Path(tmp) / "data", args.events, args.documents)
        receivable = recorded.receivable
        exporter = build_exporter(recorded.settings, recorded.ledger, recorded.database)
        first = exporter.receivable_bundle(receivable, actor=ACTOR, bundle_id=uuid4())  # warm-up (imports, fonts)
        export_s, _ = timed(
            lambda: exporter.receivable_bundle(receivable, actor=ACTOR, bundle_id=uuid4()), args.repeats
        )
        content = _content_of(exporter, receivable)
        pdf_s, _ = timed(lambda: exporter.render_dossier(content), args.repeats)
        verify_s, report = timed(
            lambda: verify_bundle(first.content, check_signature=verify_signature, same_key=same_public_key,
                                  expected_public_key=exporter.signer.public_key_pem),
            max(args.repeats, 10),
        )  # fmt: skip
        assert isinstance(report, BundleReport) and report.ok, report
        path = Path(tmp) / "bundle.zip"
        path.write_bytes(first.content)
        cli_s, _ = timed(
            lambda: subprocess.run([str(Path(sys.executable).parent / "relance"), "verify", str(path)], cwd=REPO,
                                   check=True, capture_output=True),
            3,
        )  # fmt: skip
        size = len(first.content)
        recorded.ledger.close()
        recorded.database.close()

    print(f"Evidence bundle: {args.events} events, {args.documents} documents of ~{DOCUMENT_BYTES // 1000} kB "
          f"(bundle {size / 1e6:.2f} MB); median of {args.repeats} runs; {platform.python_version()}, "
          f"{platform.machine()}, SQLite.\n")  # fmt: skip
    print("| operation | wall s | CPU s | aim |")
    print("|---|---:|---:|---:|")
    print(f"| export (verify ledger, digest, journal, documents, calculation, PDF, ZIP, signatures) | "
          f"{export_s.cells()} | < 2 |")  # fmt: skip
    print(f"| of which: dossier.pdf rendering (WeasyPrint) | {pdf_s.cells()} | |")
    print(f"| verify the bundle (the 5 checks of §5, in process) | {verify_s.cells()} | < 0.2 |")
    print(f"| `relance verify` as a command (Python start-up and imports included) | {cli_s.wall:.3f} | | |")


def _content_of(exporter: EvidenceExporter, receivable: UUID) -> DossierContent:
    """The dossier content of one more export, to time the PDF rendering alone."""
    captured: list[DossierContent] = []
    real = exporter.render_dossier

    def capture(content: DossierContent) -> bytes:
        captured.append(content)
        return b""

    exporter.render_dossier = capture
    try:
        exporter.receivable_bundle(receivable, actor=ACTOR, bundle_id=uuid4())
    finally:
        exporter.render_dossier = real
    return captured[0]


if __name__ == "__main__":
    main()
