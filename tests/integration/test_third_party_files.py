"""Files no one here wrote (tests/data/README.md names each one's source and licence): bank
statements from five open-source projects, CAMT.053 versions .02 to .08, and Factur-X /
ZUGFeRD 2 invoices of several profiles. Each file's outcome is asserted line by line, and
each file imported twice records nothing new."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import facturx  # type: ignore[import-untyped]
import pytest

from application.claims import Claims
from application.clock import SimulatedClock
from application.imports import (
    DebtorFields,
    ImportFileError,
    ImportReport,
    Imports,
    InvoiceFile,
    InvoiceRow,
    ReportLine,
)
from application.ledger import Ledger
from domain.debtor import Address
from infrastructure.documents import DocumentStore
from infrastructure.import_files import read_invoices, read_statement
from infrastructure.import_store import ImportStore
from infrastructure.sql import open_database
from tests.integration.conftest import Store
from tests.samples.files import blank_pdf

DATA = Path(__file__).parent.parent / "data"
NOW = datetime(2026, 6, 15, 10, 0, tzinfo=UTC)
ACTOR = "compta@cabinet.example"
SIREN = "732829320"


@dataclass
class Desk:
    ledger: Ledger
    imports: Imports

    def events(self) -> int:
        return int(self.ledger.recorder.max_notification_id() or 0)

    def open_invoices(self, *invoices: tuple[str, str, str]) -> None:
        """(number, amount, currency): invoices issued in 2000, so that any statement can pay them."""
        if not invoices:
            return
        debtor = DebtorFields(
            "Client Test SARL", siren=SIREN, address=Address(["1 rue de la Paix"], "75002", "Paris", "FR")
        )
        rows = tuple(
            InvoiceRow(
                location=f"line {i}",
                invoice_number=number,
                issue_date=date(2000, 1, 1),
                due_date=date(2000, 1, 31),
                amount_excl_vat=Decimal(value),
                vat=Decimal("0.00"),
                amount_incl_vat=Decimal(value),
                debtor=debtor,
                label="Prestation",
                currency=currency,
            )
            for i, (number, value, currency) in enumerate(invoices, start=2)
        )
        report = self.imports.import_invoices(InvoiceFile("csv", "0" * 64, rows), actor=ACTOR)
        assert {line.outcome.value for line in report.lines} == {"created"}, report

    def outstanding(self, number: str) -> Decimal:
        return self.ledger.receivable_by_number(number).outstanding


@pytest.fixture
def desk(store: Store) -> Iterator[Desk]:
    ledger = store.ledger(SimulatedClock(NOW))
    database = open_database(store.settings)
    yield Desk(ledger, Imports(ledger, ImportStore(database), DocumentStore(database)))
    database.close()


def lines_of(report: ImportReport) -> list[tuple[str, str, str | None]]:
    return [(line.key, line.outcome.value, line.reason) for line in report.lines]


# file: (open invoices (number, amount, currency), each line: (key, outcome, reason, "invoice:amount" or amount))
STATEMENTS: dict[str, tuple[tuple[tuple[str, str, str], ...], list[tuple[str, str, str | None, str | None]]]] = {
    "darko-ISO20022_camt053_extended_SE_incoming_payments_incl_CB_example.xml": (
        (("789789", "4400.00", "SEK"), ("789790", "2000.00", "SEK"), ("789900", "1926.00", "SEK")),
        [
            ("3322111122201506180000100001", "unmatched", "no_reference_no_amount_match", "880.00"),
            ("3322111122201506180000100002", "unmatched", "no_reference_no_amount_match", "690.00"),
            ("3322111122201506180000100003", "unmatched", "no_reference_no_amount_match", "220.00"),
            ("55556666 00141", "matched", "reference", "789789:4400.00"),
            ("55556666 00141#2:2000.00:2015-06-18", "matched", "reference", "789790:2000.00"),
            ("55556666 00141#3:1926.00:2015-06-18", "matched", "reference", "789900:1926.00"),
            ("3322111122201506180000100005", "unmatched", "no_reference_no_amount_match", "3268.60"),
        ],
    ),
    "darko-camt_053_swedish_account_statement.xml": (
        (("SE-1", "8876.80", "SEK"),),
        [
            ("Account Servicer reference 1", "skipped", "not_a_credit", None),
            ("Entry Reference 2", "matched", "amount", "SE-1:8876.80"),
            ("Account Servicer Reference", "unmatched", "no_reference_no_amount_match", "4533.00"),
            ("Entry Reference 4", "skipped", "not_a_credit", None),
            ("Entry Reference 1", "skipped", "not_a_credit", None),
        ],
    ),
    "darko-camt_053_ver_2_extended_uk_account.xml": (
        (),
        [
            ("OWN REF 15", "skipped", "not_a_credit", None),
            ("3321251633201504280000100002", "unmatched", "no_reference_no_amount_match", "1.50"),
        ],
    ),
    "genkgo-camt053.v2.minimal.xml": (
        (),
        [
            ("100", "unmatched", "no_reference_no_amount_match", "8.85"),
        ],
    ),
    "genkgo-camt053.v2.multi.statement.xml": (
        (),
        [
            ("000000001", "unmatched", "no_reference_no_amount_match", "8.85"),
            ("000000002", "skipped", "not_a_credit", None),
        ],
    ),
    "genkgo-camt053.v3.xml": (
        (),
        [
            ("XXXXXXXXXXXXXXXXXXXXXXEUR", "unmatched", "no_reference_no_amount_match", "8.85"),
        ],
    ),
    "genkgo-camt053.v4.xml": (
        (),
        [
            ("AAAASESS-FP-CN_98765/01", "unmatched", "no_reference_no_amount_match", "8.85"),
        ],
    ),
    "genkgo-camt053.v8.xml": (
        (),
        [
            ("AAAASESS-FP-CN_98765/01", "unmatched", "no_reference_no_amount_match", "8.85"),
        ],
    ),
    "kedder-camt053.xml": (
        (),
        [
            ("8082230156M02SJ62/1010", "unmatched", "no_reference_no_amount_match", "1284.30"),
        ],
    ),
    "kedder-davider80.xml": (
        (),
        [
            ("210564431020000000024556150000", "skipped", "not_a_credit", None),
            ("210570781020000000024556150000", "skipped", "not_a_credit", None),
            ("210610361020000000024556150000", "skipped", "not_a_credit", None),
            ("210615161020000000024556150000", "skipped", "not_a_credit", None),
            ("210631311020000000024556150000", "skipped", "not_a_credit", None),
            ("210762411020000000024556150000", "skipped", "not_a_credit", None),
            ("210762421020000000024556150000", "skipped", "not_a_credit", None),
            ("210790321020000000024556150000", "skipped", "not_a_credit", None),
            ("210888941020000000024556150000", "skipped", "not_a_credit", None),
            ("210949761020000000024556150000", "skipped", "not_a_credit", None),
            ("210957461020000000024556150000", "skipped", "not_a_credit", None),
            ("210985971020000000024556150000", "skipped", "not_a_credit", None),
            ("211067161010000000024556150000", "unmatched", "no_reference_no_amount_match", "368.00"),
            ("211074161020000000024556150000", "skipped", "not_a_credit", None),
            ("211085601020000000024556150000", "skipped", "not_a_credit", None),
            ("211092231020000000024556150000", "skipped", "not_a_credit", None),
        ],
    ),
    "kedder-gcamp6.xml": (
        (),
        [
            ("20160423000805545979476000000012", "unmatched", "no_reference_no_amount_match", "10000.00"),
            ("20160728000805470707085000000012", "unmatched", "no_reference_no_amount_match", "1000.00"),
            ("20161211000805762487053000000012", "unmatched", "no_reference_no_amount_match", "1000.00"),
            ("20161227000805948717090000000012", "unmatched", "no_reference_no_amount_match", "1000.00"),
            ("20161231001004092423886000000006", "unmatched", "no_reference_no_amount_match", "10.00"),
        ],
    ),
    "moov-FI_camt_053_sample.xml": (
        (("US20291092", "2120.00", "EUR"), ("FI-2", "2000.00", "EUR")),
        [
            ("091029ACCTSTMTARCH01", "skipped", "not_a_credit", None),
            ("091029ACCTSTMTARCH02", "skipped", "not_a_credit", None),
            ("091029ARCH03001", "skipped", "not_a_credit", None),
            ("091029ARCH03002", "skipped", "not_a_credit", None),
            ("091029ARCH03003", "skipped", "not_a_credit", None),
            ("091029ACCTSTMTARCH04", "matched", "amount", "FI-2:2000.00"),
            ("091029ACCTSTMTARCH21", "unmatched", "no_reference_no_amount_match", "500.00"),
            ("091029ACCTSTMTARCH05", "unmatched", "no_reference_no_amount_match", "3000.00"),
            ("091029ACCTSTMTARCH06", "matched", "reference", "US20291092:2120.00"),
            ("091029ACCTSTMTARCH07", "unmatched", "no_reference_no_amount_match", "5455.00"),
            ("091029ACCTSTMTARCH08", "unmatched", "no_reference_no_amount_match", "10000.00"),
            ("091029ARCH09001", "skipped", "not_a_credit", None),
            ("091029ARCH09001", "skipped", "not_a_credit", None),
        ],
    ),
    "moov-postfinance-camt053.xml": (
        (("PF-1", "1537.00", "CHF"), ("PF-2", "1692.22", "CHF")),
        [
            ("0758103031480900", "unmatched", "no_reference_no_amount_match", "4.50"),
            ("0758103031480977", "skipped", "not_a_credit", None),
            ("07582000303F0C7U", "unmatched", "no_reference_no_amount_match", "1500.00"),
            ("07582000303KBMSU", "matched", "amount", "PF-1:1537.00"),
            ("07582000303KBMSU#2:1692.22:2020-11-24", "matched", "amount", "PF-2:1692.22"),
        ],
    ),
    "oca-test-camt053-txdtls.xml": (
        (("BVR-1", "2187.00", "CHF"), ("BVR-2", "1296.00", "CHF")),
        [
            ("123456CHCAFEBABE", "matched", "amount", "BVR-1:2187.00"),
            ("123456CHCAFEBABE#2:1296.00:2017-03-22", "matched", "amount", "BVR-2:1296.00"),
        ],
    ),
    "oca-test-camt053.xml": (
        (),
        [
            ("435005714488-ABNO33052620", "skipped", "not_a_credit", None),
            ("TESTBANK/NL/20141229/01206408", "skipped", "not_a_credit", None),
            ("TESTBANK/NL/20141229/01206407", "skipped", "not_a_credit", None),
            ("115", "unmatched", "no_reference_no_amount_match", "1405.31"),
        ],
    ),
}


def bank_outcome(desk: Desk, report: ImportReport) -> list[tuple[str, str, str | None, str | None]]:
    def what(line: ReportLine) -> str | None:
        if line.allocations:
            return ", ".join(f"{a.invoice_number}:{a.amount}" for a in line.allocations)
        return None if line.line_id is None else str(desk.imports.bank_lines.get(line.line_id).amount)

    return [(line.key, line.outcome.value, line.reason, what(line)) for line in report.lines]


@pytest.mark.parametrize("name", sorted(STATEMENTS))
def test_a_third_party_statement_gives_each_line_its_outcome_and_a_second_import_records_nothing(
    desk: Desk, name: str
) -> None:
    invoices, expected = STATEMENTS[name]
    desk.open_invoices(*invoices)
    content = (DATA / "camt053" / name).read_bytes()

    first = desk.imports.import_payments(read_statement(content), actor=ACTOR)
    events = desk.events()
    second = desk.imports.import_payments(read_statement(content), actor=ACTOR)

    assert bank_outcome(desk, first) == expected
    assert desk.events() == events
    assert [(line.key, line.outcome.value) for line in second.lines] == [(key, "skipped") for key, *_ in expected]
    paid = {a.invoice_number for line in first.lines for a in line.allocations}
    assert all(desk.outstanding(number) == 0 for number in paid)


def test_every_statement_directory_file_has_its_expected_outcome() -> None:
    assert sorted(STATEMENTS) == sorted(path.name for path in (DATA / "camt053").glob("*.xml"))


def test_a_third_party_statement_in_a_business_application_header_envelope_is_read_as_without(desk: Desk) -> None:
    content = (DATA / "camt053" / "moov-postfinance-camt053.xml").read_bytes()
    document = content.split(b"?>", 1)[1]
    envelope = (
        b'<?xml version="1.0" encoding="UTF-8"?><BizMsg xmlns="urn:example:envelope">'
        b'<AppHdr xmlns="urn:iso:std:iso:20022:tech:xsd:head.001.001.02"><MsgDefIdr>camt.053.001.04</MsgDefIdr>'
        b"</AppHdr>" + document + b"</BizMsg>"
    )

    assert read_statement(envelope).lines == read_statement(content).lines


# ------------------------------------------------------------------ Factur-X / ZUGFeRD


@dataclass(frozen=True)
class Issued:
    number: str
    total: str
    prepaid: str  # recorded as a prepayment
    outstanding: str  # what the invoice says is due (DuePayableAmount)
    currency: str
    due: date
    siren: str
    terms: str | None = None  # the start of the payment terms kept


@dataclass(frozen=True)
class Refused:
    rule: str
    says: str


INVOICES: dict[str, Issued | Refused] = {
    "Facture_FR_BASICWL.pdf": Issued(
        "FA-2017-0010", "671.15", "201.00", "470.15", "EUR", date(2017, 12, 13), "787878784"
    ),  # a 14-digit SIRET under 0002, its establishment key wrong: the firm's SIREN is kept
    "Facture_DOM_BASICWL.pdf": Issued(
        "FA-2017-0009", "530.75", "147.00", "383.75", "EUR", date(2017, 12, 5), "343434346"
    ),
    "Facture_UE_BASICWL.pdf": Refused("import_xml_content", "the buyer's SIREN (schemeID 0002) or SIRET (0009)"),
    "Facture_FR_MINIMUM.pdf": Refused("import_facturx_minimum", "MINIMUM profile carries neither"),
    "Avoir_FR_type381_BASIC.pdf": Refused("import_xml_content", "381 is a credit note"),
    "zugferd_2p0_MINIMUM.pdf": Refused("import_facturx_minimum", "MINIMUM profile carries neither"),
    # German buyers, no SIREN: refused for that, having read everything else (see the next test)
    "zugferd_2p0_BASIC_Einfach.pdf": Refused("import_xml_content", "the buyer's SIREN"),
    "zugferd_2p0_EN16931_Einfach.pdf": Refused("import_xml_content", "the buyer's SIREN"),
    "zugferd_2p0_EN16931_Miete.pdf": Refused("import_xml_content", "the buyer's SIREN"),
    "zugferd_2p0_EXTENDED_Fremdwaehrung.pdf": Refused("import_xml_content", "the buyer's SIREN"),
    "XRECHNUNG_Einfach.pdf": Refused("import_xml_content", "the buyer's SIREN"),
    "MustangGnuaccountingBeispielRE-20201121_508.pdf": Refused("import_xml_content", "the buyer's SIREN"),
}

LEGAL = "Échéance absente de la facture : délai légal de 30 jours après la livraison du"
# The same files given a French buyer's SIREN (inserted into their XML, re-embedded in a PDF).
WITH_A_FRENCH_BUYER: dict[str, Issued] = {
    "Facture_UE_BASICWL.pdf": Issued("FA-2017-0008", "2076.76", "623.00", "1453.76", "EUR", date(2017, 12, 3), SIREN),
    "zugferd_2p0_BASIC_Einfach.pdf": Issued("471102", "235.62", "0.00", "235.62", "EUR", date(2018, 4, 4), SIREN),
    "zugferd_2p0_EN16931_Einfach.pdf": Issued(  # no due date: 30 days after the delivery of 05/03/2018
        "471102",
        "529.87",
        "0.00",
        "529.87",
        "EUR",
        date(2018, 4, 4),
        SIREN,
        "Zahlbar innerhalb 30 Tagen netto bis 04.04.2018, 3% Skonto innerhalb 10 Tagen bis 15.03.2018 — " + LEGAL,
    ),
    "zugferd_2p0_EN16931_Miete.pdf": Issued(  # type 387, a hire invoice
        "9314110911/00/M/00/N", "340.96", "0.00", "340.96", "EUR", date(2018, 10, 29), SIREN, "Die Leistung"
    ),
    "zugferd_2p0_EXTENDED_Fremdwaehrung.pdf": Issued(
        "47110815", "1021.91", "500.00", "521.91", "GBP", date(2018, 11, 20), SIREN, "Zahlbar ohne Abschlag bis"
    ),
    "XRECHNUNG_Einfach.pdf": Issued(  # ZUGFeRD 2.2 XRECHNUNG: xrechnung.xml
        "471102", "529.87", "0.00", "529.87", "EUR", date(2018, 4, 4), SIREN, "Zahlbar innerhalb 30 Tagen"
    ),
    "MustangGnuaccountingBeispielRE-20201121_508.pdf": Issued(
        "RE-20201121/508", "571.04", "0.00", "571.04", "EUR", date(2020, 12, 12), SIREN, "Zahlbar ohne Abzug"
    ),
}


def with_a_french_buyer(content: bytes) -> bytes:
    _, xml = facturx.get_xml_from_pdf(content, check_xsd=False, filenames=["factur-x.xml", "zugferd-invoice.xml",
                                                                          "xrechnung.xml"])  # fmt: skip
    text = xml.decode("utf-8")
    address = text.index("<ram:PostalTradeAddress>", text.index("<ram:BuyerTradeParty>"))
    legal = f'<ram:SpecifiedLegalOrganization><ram:ID schemeID="0002">{SIREN}</ram:ID></ram:SpecifiedLegalOrganization>'
    return bytes(facturx.generate_from_binary(blank_pdf(), (text[:address] + legal + text[address:]).encode()))


def assert_issued(desk: Desk, content: bytes, name: str, expected: Issued) -> None:
    first = desk.imports.import_invoices(read_invoices(content, filename=name), actor=ACTOR)
    events = desk.events()
    second = desk.imports.import_invoices(read_invoices(content, filename=name), actor=ACTOR)

    assert [(line.key, line.outcome.value) for line in first.lines] == [(expected.number, "created")]
    receivable = desk.ledger.receivable_by_number(expected.number)
    assert (receivable.amount_incl_vat, receivable.currency) == (Decimal(expected.total), expected.currency)
    assert receivable.outstanding == Decimal(expected.outstanding)
    assert receivable.due_date == expected.due
    assert desk.ledger.debtor(receivable.debtor_id).siren == expected.siren
    prepaid = [(p.method.value, p.amount, p.bank_reference) for p in receivable.payments]
    assert prepaid == ([("prepayment", Decimal(expected.prepaid), f"ACOMPTE {expected.number}")]
                       if Decimal(expected.prepaid) else [])  # fmt: skip
    assert (receivable.payment_terms or "").startswith(expected.terms or "")
    # A due date set by law is said on the receivable (its terms) and in any claim on it
    stated = [r.code for r in Claims(desk.ledger).claim_of(receivable, expected.due).rules]
    assert ("due_date_set_by_law" in stated) == (LEGAL in (receivable.payment_terms or ""))
    assert [(line.outcome.value, line.reason) for line in second.lines] == [("skipped", "invoice_number_exists")]
    assert desk.events() == events


@pytest.mark.parametrize("name", sorted(INVOICES))
def test_a_third_party_facturx_invoice_is_issued_net_of_its_deposit_or_refused_saying_why(
    desk: Desk, name: str
) -> None:
    content = (DATA / "facturx" / name).read_bytes()
    expected = INVOICES[name]
    if isinstance(expected, Refused):
        with pytest.raises(ImportFileError) as refused:
            read_invoices(content, filename=name)
        assert refused.value.rule == expected.rule and expected.says in refused.value.message
        return
    assert_issued(desk, content, name, expected)


@pytest.mark.parametrize("name", sorted(WITH_A_FRENCH_BUYER))
def test_a_third_party_invoice_given_a_french_buyer_is_issued_net_of_its_deposit(desk: Desk, name: str) -> None:
    assert_issued(desk, with_a_french_buyer((DATA / "facturx" / name).read_bytes()), name, WITH_A_FRENCH_BUYER[name])


def test_every_facturx_file_has_its_expected_outcome() -> None:
    assert sorted(INVOICES) == sorted(path.name for path in (DATA / "facturx").glob("*.pdf"))
