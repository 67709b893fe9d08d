"""A dunning engine on either store, with real templates, real PDFs and a real SMTP server on loopback:
the fixture of the dunning run's tests and of the postal flow's."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any
from uuid import UUID, uuid4
from zoneinfo import ZoneInfo

import pytest

from application.access import Principal, Role
from application.clock import SimulatedClock
from application.commands import (
    AddContact,
    AttachDocument,
    IssueInvoice,
    RegisterDebtor,
)
from application.dunning_run import DunningRun, RunReport
from application.ledger import Ledger
from application.letters import Letters
from domain.debtor import Address
from domain.receivable_events import ReminderSent
from domain.vocabulary import (
    ContactRole,
    DebtorKind,
    DocumentKind,
)
from infrastructure.documents import DocumentStore
from infrastructure.dunning_ports import build_dunning
from infrastructure.print_batch import BatchPdf
from infrastructure.sql import Database, open_database
from tests.support.smtp_server import Inbox, smtp_server

if TYPE_CHECKING:
    from tests.integration.conftest import Store

PARIS = ZoneInfo("Europe/Paris")
ACTOR = "dunning:test"
DUE = date(2026, 3, 4)  # a Wednesday: due + 5 is a Monday (no e-mail goes out at weekends)
ISSUED = DUE - timedelta(days=30)
AP_EMAIL = "compta@martin.example"
TRACKING = "1A 012 345 6789 0"  # a La Poste recommandé number as printed on the deposit receipt
COLLECTOR = Principal("token-collector", "collector:lea", Role.COLLECTOR)


def invoice_pdf(number: str) -> bytes:
    """A real one-page PDF standing for the invoice, with its number as text (printed in the batch)."""
    text = f"BT /F1 14 Tf 72 760 Td (Facture {number}) Tj ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R"
        b" /Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(text) + text + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number_, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number_ + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


@dataclass
class Engine:
    store: Store
    clock: SimulatedClock
    ledger: Ledger
    database: Database
    run: DunningRun
    inbox: Inbox

    def at(self, day: date, hour: int = 10) -> None:
        self.clock.set(datetime.combine(day, time(hour), tzinfo=PARIS).astimezone(UTC))

    def run_on(
        self, day: date, *, hour: int = 10, force: bool = True, dry_run: bool = False, post: bool = True
    ) -> RunReport:
        """Run on ``day``; with ``post``, a person then posts the letters it prepared that same day (nothing
        postal is in the journal before: see the tests of the postal flow below)."""
        self.at(day, hour)
        report = self.run.run(dry_run=dry_run, force=force, actor=ACTOR)
        if post and not dry_run:
            self.post_letters(day)
        return report

    @property
    def letters(self) -> Letters:
        ports = self.run.ports
        return Letters(self.ledger, ports.outbox, documents=ports.documents, printing=BatchPdf(ports.firm))

    def post_letters(self, on: date, tracking: str = TRACKING) -> None:
        for letter in self.letters.to_post():
            number = tracking if letter.channel == "registered_letter" else None
            self.letters.post(letter.key, posted_on=on, tracking_number=number, principal=COLLECTOR)

    def debtor(self, *, kind: DebtorKind = DebtorKind.PROFESSIONAL, email: str | None = AP_EMAIL) -> UUID:
        debtor_id = uuid4()
        self.ledger.execute(
            RegisterDebtor(
                debtor_id, "Menuiserie Martin SARL", kind,
                Address(["4 rue des Tanneurs"], "69002", "Lyon", "FR"),
                siren="732829320" if kind is DebtorKind.PROFESSIONAL else None,
            ),
            actor=ACTOR,
        )  # fmt: skip
        self.ledger.execute(
            AddContact(debtor_id, uuid4(), ContactRole.ACCOUNTS_PAYABLE, "Paul Martin", email, "04 72 00 00 00"),
            actor=ACTOR,
        )
        return debtor_id

    def invoice(self, debtor_id: UUID, number: str, *, due: date = DUE, incl: str = "1200.00") -> UUID:
        amount = Decimal(incl)
        excl = (amount / Decimal("1.2")).quantize(Decimal("0.01"))
        self.at(due - timedelta(days=30))
        receivable = self.ledger.execute(
            IssueInvoice(
                invoice_number=number, debtor_id=debtor_id, issue_date=due - timedelta(days=30), due_date=due,
                amount_excl_vat=excl, vat=amount - excl, amount_incl_vat=amount, label="Escalier chêne, pose comprise",
            ),
            actor=ACTOR,
        ).aggregate_id  # fmt: skip
        stored, _ = DocumentStore(self.database).put(invoice_pdf(number), "application/pdf", actor=ACTOR)
        self.ledger.execute(
            AttachDocument(receivable, DocumentKind.INVOICE, stored.sha256, "application/pdf"), actor=ACTOR
        )
        return receivable

    def reminders(self, receivable: UUID) -> list[ReminderSent]:
        return list(self.ledger.receivable(receivable).reminders)

    def events(self, receivable: UUID) -> list[Any]:
        return list(self.ledger._events(receivable))


@pytest.fixture
def engine(store: Store) -> Iterator[Engine]:
    with smtp_server() as (inbox, port):
        settings = store.settings.model_copy(
            update={
                "firm_name": "Atelier Dupont SARL",
                "firm_address": "12 rue de la République | 69001 Lyon",
                "firm_email": "relances@dupont.example",
                "firm_signatory": "Claire Dupont, gérante",
                "smtp_host": "127.0.0.1",
                "smtp_port": port,
            }
        )
        clock = SimulatedClock(datetime.combine(ISSUED, time(9), tzinfo=UTC))
        ledger = store.ledger(clock)
        database = open_database(settings)
        run = build_dunning(settings, ledger, database, DocumentStore(database))
        yield Engine(store, clock, ledger, database, run, inbox)
        database.close()


def sent_kinds(report: RunReport) -> list[tuple[str, str]]:
    return sorted((item.kind, item.channel) for item in report.sent)
