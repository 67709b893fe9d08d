"""Imports on both stores: each file imported twice records nothing new; matching records payments;
what cannot be matched waits for a person; a refused file records nothing."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from application.clock import SimulatedClock
from application.imports import AllocationPart, ImportFileError, ImportReport, Imports
from application.ledger import Ledger
from domain.errors import RuleViolation
from domain.receivable import receivable_id_for
from domain.vocabulary import DocumentKind
from infrastructure.documents import DocumentStore
from infrastructure.import_files import read_invoices, read_statement
from infrastructure.import_store import ImportStore
from infrastructure.sql import Database, open_database
from tests.integration.conftest import Store
from tests.samples.files import (
    HERE,
    OTHER_SIREN,
    Entry,
    bank_csv,
    bank_line,
    camt053,
    facturx_pdf,
    invoice_line,
    invoices_csv,
)

NOW = datetime(2026, 6, 15, 10, 0, tzinfo=UTC)
ACTOR = "compta@cabinet.example"


@dataclass
class Desk:
    ledger: Ledger
    database: Database
    imports: Imports
    store: Store

    def invoices(self, content: bytes, **options: str) -> ImportReport:
        return self.imports.import_invoices(read_invoices(content, **options), actor=ACTOR)

    def payments(self, content: bytes) -> ImportReport:
        return self.imports.import_payments(read_statement(content), actor=ACTOR)

    def outstanding(self, number: str) -> Decimal:
        return self.ledger.receivable_by_number(number).outstanding

    def events(self) -> int:
        return int(self.ledger.recorder.max_notification_id() or 0)


@pytest.fixture
def desk(store: Store) -> Iterator[Desk]:
    ledger = store.ledger(SimulatedClock(NOW))
    database = open_database(store.settings)
    yield Desk(ledger, database, Imports(ledger, ImportStore(database), DocumentStore(database)), store)
    database.close()


def outcomes(report: ImportReport) -> list[tuple[str, str]]:
    return [(line.key, line.outcome.value) for line in report.lines]


def test_a_csv_of_open_invoices_creates_them_and_their_debtors_and_a_second_import_records_nothing(desk: Desk) -> None:
    content = (HERE / "invoices_fr.csv").read_bytes()

    first = desk.invoices(content)
    events = desk.events()
    second = desk.invoices(content)

    assert outcomes(first) == [("FA-2026-0101", "created"), ("FA-2026-0102", "created"), ("FA-2026-0103", "created")]
    assert [line.outcome.value for line in second.lines] == ["skipped"] * 3
    assert desk.events() == events
    assert len(list(desk.ledger.debtor_ids())) == 2  # one per SIREN
    assert desk.outstanding("FA-2026-0102") == Decimal("3000.60")


def test_an_invoice_breaking_a_rule_is_refused_on_its_line_and_leaves_no_debtor_behind(desk: Desk) -> None:
    content = invoices_csv(
        invoice_line("F-1"), invoice_line("F-2", issued="01/05/2026", due="01/04/2026", siren=OTHER_SIREN)
    )

    report = desk.invoices(content)

    assert outcomes(report) == [("F-1", "created"), ("F-2", "refused")]
    assert report.lines[1].reason == "due_after_issue"
    assert len(list(desk.ledger.debtor_ids())) == 1


def test_a_refused_file_records_nothing(desk: Desk) -> None:
    content = invoices_csv(invoice_line("F-1"), invoice_line("F-2", incl="mille"))

    with pytest.raises(ImportFileError):
        desk.invoices(content)

    assert desk.events() == 0


def test_a_facturx_pdf_issues_the_invoice_with_the_pdf_attached_once(desk: Desk) -> None:
    pdf = facturx_pdf("FX-1")

    first = desk.invoices(pdf, filename="FX-1.pdf")
    events = desk.events()
    second = desk.invoices(pdf, filename="FX-1.pdf")

    receivable = desk.ledger.receivable_by_number("FX-1")
    assert outcomes(first) == [("FX-1", "created")] and outcomes(second) == [("FX-1", "skipped")]
    assert desk.events() == events
    (document,) = receivable.documents
    assert (
        document.kind is DocumentKind.INVOICE and DocumentStore(desk.database).content(document.document_sha256) == pdf
    )
    assert desk.ledger.debtor(receivable.debtor_id).siren == "732829320"


def issue(desk: Desk, *lines: str) -> None:
    report = desk.invoices(invoices_csv(*lines))
    assert {line.outcome.value for line in report.lines} == {"created"}, report


def test_a_camt_statement_pays_the_invoices_it_names_and_a_second_import_records_nothing(desk: Desk) -> None:
    issue(desk, invoice_line("FA-1"), invoice_line("FA-2", "480,00", excl="400,00", vat="80,00"))
    statement = camt053([Entry("1200.00", "BANK-1", "VIR SEPA fa 1"), Entry("100.00", "BANK-2", "ACOMPTE FA-2")])

    first = desk.payments(statement)
    events = desk.events()
    second = desk.payments(statement)

    assert outcomes(first) == [("BANK-1", "matched"), ("BANK-2", "matched")]
    assert [line.outcome.value for line in second.lines] == ["skipped", "skipped"]
    assert desk.events() == events
    assert (desk.outstanding("FA-1"), desk.outstanding("FA-2")) == (Decimal("0.00"), Decimal("380.00"))
    payment = desk.ledger.receivable_by_number("FA-1").payments[0]
    assert (payment.bank_reference, payment.value_date) == ("BANK-1", date(2026, 6, 12))
    assert ImportStore(desk.database).latest_statement_date() == date(2026, 6, 14)


def test_an_amount_owed_by_one_invoice_only_matches_it_and_an_overpayment_is_kept_to_refund(desk: Desk) -> None:
    issue(desk, invoice_line("FA-1"), invoice_line("FA-2", "480,00", excl="400,00", vat="80,00"))

    report = desk.payments(bank_csv(bank_line("B1", "480,00", "VIREMENT"), bank_line("B2", "1 250,00", "FA-1")))

    assert outcomes(report) == [("B1", "matched"), ("B2", "matched")]
    assert desk.outstanding("FA-2") == 0
    assert desk.ledger.receivable_by_number("FA-1").credit_to_refund == Decimal("50.00")


def test_ambiguous_and_unknown_credits_wait_for_a_person_who_allocates_them(desk: Desk) -> None:
    issue(desk, invoice_line("FA-1"), invoice_line("FA-2"))
    unmatched_store = ImportStore(desk.database)

    report = desk.payments(bank_csv(bank_line("B1", "1 200,00", "VIREMENT"), bank_line("B2", "7,00", "?")))
    again = desk.payments(bank_csv(bank_line("B1", "1 200,00", "VIREMENT"), bank_line("B2", "7,00", "?")))

    assert outcomes(report) == [("B1", "unmatched"), ("B2", "unmatched")]
    assert [line.reason for line in report.lines] == ["ambiguous_amount", "no_reference_no_amount_match"]
    assert [line.outcome.value for line in again.lines] == ["skipped", "skipped"]
    waiting, total = unmatched_store.lines()
    assert total == 2 and [r.reference for r in waiting] == ["B1", "B2"]

    line_id = report.lines[0].line_id
    assert line_id is not None
    with pytest.raises(RuleViolation, match="exceeds"):
        desk.imports.allocate(line_id, [AllocationPart(Decimal("1300.00"), invoice_number="FA-2")], actor="chef")
    parts = [AllocationPart(Decimal("600.00"), invoice_number="FA-1"),
             AllocationPart(Decimal("600.00"), receivable_id=receivable_id_for("FA-2"))]  # fmt: skip
    allocated = desk.imports.allocate(line_id, parts, actor="chef")

    assert (allocated.status, allocated.allocated_by) == ("allocated", "chef")
    assert desk.outstanding("FA-1") == desk.outstanding("FA-2") == Decimal("600.00")
    assert desk.ledger.receivable_by_number("FA-2").payments[0].bank_reference == "B1/2"
    assert unmatched_store.lines()[1] == 1
    with pytest.raises(RuleViolation):
        desk.imports.allocate(line_id, parts, actor="chef")


def test_a_second_payment_for_a_settled_invoice_is_not_dropped(desk: Desk) -> None:
    issue(desk, invoice_line("FA-1"))
    desk.payments(bank_csv(bank_line("B1", "1 200,00", "FA-1")))

    report = desk.payments(bank_csv(bank_line("B2", "1 200,00", "FA-1 encore")))

    assert outcomes(report) == [("B2", "unmatched")] and report.lines[0].reason == "invoice_closed"


def test_a_credit_paying_several_invoices_is_split_with_suffixed_references(desk: Desk) -> None:
    issue(desk, invoice_line("FA-1"), invoice_line("FA-2", "480,00", excl="400,00", vat="80,00"))

    report = desk.payments(camt053([Entry("1680.00", "BANK-9", "FA-1 + FA-2")]))

    assert [(a.invoice_number, a.amount) for a in report.lines[0].allocations] == [
        ("FA-1", Decimal("1200.00")), ("FA-2", Decimal("480.00")),
    ]  # fmt: skip
    assert desk.ledger.receivable_by_number("FA-2").payments[0].bank_reference == "BANK-9/2"


def test_a_payment_the_ledger_refuses_goes_to_the_unmatched_lines_with_the_reason(desk: Desk) -> None:
    issue(desk, invoice_line("FA-1", issued="01/06/2026", due="01/07/2026"))

    report = desk.payments(bank_csv(bank_line("B1", "1 200,00", "FA-1", booked="20/05/2026")))

    assert outcomes(report) == [("B1", "unmatched")]
    assert report.lines[0].reason == "refused_by_ledger" and "date_not_before_issue" in report.lines[0].detail


def test_without_any_statement_there_is_no_latest_statement_date(desk: Desk) -> None:
    assert ImportStore(desk.database).latest_statement_date() is None


def test_two_credits_of_one_batched_entry_sharing_a_reference_both_pay_and_a_second_import_records_nothing(
    desk: Desk,
) -> None:
    issue(desk, invoice_line("FA-1"), invoice_line("FA-2", "480,00", excl="400,00", vat="80,00"))
    entry = Entry("1680.00", "B", transactions=(("1200.00", "T1", "FA-1"), ("480.00", "T1", "FA-2")))

    first = desk.payments(camt053([entry]))
    events = desk.events()
    second = desk.payments(camt053([entry]))

    assert outcomes(first) == [("T1", "matched"), ("T1#2:480.00:2026-06-12", "matched")]
    assert (desk.outstanding("FA-1"), desk.outstanding("FA-2")) == (Decimal("0.00"), Decimal("0.00"))
    assert [(line.outcome.value, line.reason) for line in second.lines] == [("skipped", "bank_reference_known")] * 2
    assert desk.events() == events


def test_a_statement_imported_before_keys_were_unique_recovers_its_lost_credit_and_nothing_else(desk: Desk) -> None:
    issue(desk, invoice_line("FA-1"), invoice_line("FA-2", "480,00", excl="400,00", vat="80,00"))
    desk.payments(camt053([Entry("1200.00", "SAME", "FA-1")]))  # what earlier versions kept of the file
    events = desk.events()

    report = desk.payments(camt053([Entry("1200.00", "SAME", "FA-1"), Entry("480.00", "SAME", "FA-2")]))

    assert outcomes(report) == [("SAME", "skipped"), ("SAME#2:480.00:2026-06-12", "matched")]
    assert desk.events() == events + 1 and desk.outstanding("FA-1") == Decimal("0.00")


def test_a_statement_imported_again_reads_no_receivable_to_match(desk: Desk, monkeypatch: pytest.MonkeyPatch) -> None:
    issue(desk, invoice_line("FA-1"))
    statement = camt053([Entry("1200.00", "BANK-1", "FA-1"), Entry("7.00", "BANK-2", "?")])
    desk.payments(statement)

    def replay() -> None:
        raise AssertionError("every line is known: nothing to match")

    monkeypatch.setattr(desk.ledger, "receivables", replay)
    again = desk.payments(statement)

    assert [line.reason for line in again.lines] == ["bank_reference_known"] * 2
