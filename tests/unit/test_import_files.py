"""Reading import files: French CSV, Factur-X PDFs, CAMT.053; bad files refused naming the line or element."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from application.imports import ImportFileError
from infrastructure.import_files import read_invoices, read_statement, sniff
from infrastructure.import_files.text_fields import parse_amount, parse_date
from tests.samples.files import (
    HERE,
    INVOICES_HEADER,
    SIREN,
    Entry,
    bank_csv,
    bank_line,
    blank_pdf,
    camt053,
    facturx_pdf,
    invoice_line,
    invoices_csv,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [("1 234,50", "1234.50"), ("1\u202f234,50", "1234.50"), ("1.234,50", "1234.50"), ("1,234.50", "1234.50"),
     ("1234.5", "1234.50"), ("12 €", "12.00"), ("0,07", "0.07")],
)  # fmt: skip
def test_french_and_plain_amounts_are_read_exactly(text: str, expected: str) -> None:
    assert parse_amount(text, "here") == Decimal(expected)


@pytest.mark.parametrize("text", ["12,345", "abc", "1 2 3,4,5", "", "--3"])
def test_an_amount_that_is_not_one_is_refused(text: str) -> None:
    with pytest.raises(ImportFileError):
        parse_amount(text, "here")


def test_french_and_iso_dates_are_read_and_impossible_ones_refused() -> None:
    assert parse_date("31/12/2025", "x") == parse_date("2025-12-31", "x") == date(2025, 12, 31)
    with pytest.raises(ImportFileError):
        parse_date("31/02/2025", "x")


def test_the_sample_csv_of_open_invoices_is_read_with_its_french_formats() -> None:
    batch = read_invoices((HERE / "invoices_fr.csv").read_bytes())

    first, second, third = batch.rows
    assert (first.invoice_number, first.amount_incl_vat, first.due_date) == (
        "FA-2026-0101", Decimal("1200.00"), date(2026, 4, 1),
    )  # fmt: skip
    assert first.debtor.siren == SIREN and first.debtor.address is not None
    assert second.debtor.address is None  # known debtor: no address needed
    assert third.debtor.legal_name == "Martin & Fils, SAS"


def test_a_comma_separated_file_with_a_bom_and_english_headers_is_read() -> None:
    content = (
        "\ufeffinvoice_number,issue_date,due_date,amount_excl_vat,vat,amount_incl_vat,debtor_name,debtor_siren\n"
        'F-1,2026-03-01,2026-03-31,"1 000,00",200.00,1200.00,Dupont,732829320\n'
    ).encode()

    assert read_invoices(content).rows[0].amount_excl_vat == Decimal("1000.00")


def test_a_file_not_in_utf8_is_refused_naming_the_line() -> None:
    content = invoices_csv(invoice_line("F-1"), invoice_line("F-2", name="Société Générale")).decode().encode("cp1252")

    with pytest.raises(ImportFileError) as refused:
        read_invoices(content)

    assert refused.value.location == "line 1" and refused.value.rule == "import_encoding"


def test_a_missing_column_is_refused() -> None:
    with pytest.raises(ImportFileError) as refused:
        read_invoices(invoices_csv("F-1;01/04/2026", header="Numéro facture;Date facture"))

    assert "due_date" in refused.value.message and refused.value.rule == "import_missing_columns"


def test_an_unclosed_quote_is_reported_at_the_line_where_it_opens() -> None:
    content = invoices_csv(invoice_line("F-1"), invoice_line("F-2").replace("Travaux", '"Travaux'), invoice_line("F-3"))

    with pytest.raises(ImportFileError) as refused:
        read_invoices(content)

    assert refused.value.location == "line 3" and "never closed" in refused.value.message


def test_unknown_headers_are_refused_listing_the_headers_accepted_for_each_missing_column() -> None:
    with pytest.raises(ImportFileError) as refused:
        read_invoices(invoices_csv("F-1;01/04/2026", header="Référence;Date facture"))

    assert "invoice_number (accepted: facture, invoice_number, n_facture, n_piece, numero_facture, numero_piece)" in (
        refused.value.message
    )
    assert "found: Référence, Date facture" in refused.value.message


def test_sage_s_numero_de_piece_header_names_the_invoice_number() -> None:
    content = invoices_csv(invoice_line("F-1"), header=INVOICES_HEADER.replace("Numéro facture", "N° pièce"))

    assert read_invoices(content).rows[0].invoice_number == "F-1"


def test_a_non_numeric_amount_is_refused_naming_line_and_column() -> None:
    content = invoices_csv(invoice_line("F-1"), invoice_line("F-2", incl="douze cents"))

    with pytest.raises(ImportFileError) as refused:
        read_invoices(content)

    assert refused.value.location == "line 3, column amount_incl_vat"


def test_an_invalid_siren_is_refused() -> None:
    with pytest.raises(ImportFileError, match="SIREN"):
        read_invoices(invoices_csv(invoice_line("F-1", siren="123456789")))


def test_a_facturx_pdf_gives_its_invoice_buyer_and_terms() -> None:
    pdf = facturx_pdf("FX-9", excl="415.00", vat="83.00", incl="498.00")

    (row,) = read_invoices(pdf, filename="FX-9.pdf").rows

    assert (row.invoice_number, row.issue_date, row.due_date) == ("FX-9", date(2026, 4, 1), date(2026, 5, 1))
    assert (row.amount_excl_vat, row.vat, row.amount_incl_vat) == (
        Decimal("415.00"),
        Decimal("83.00"),
        Decimal("498.00"),
    )
    assert row.debtor.siren == SIREN and row.payment_terms == "30 jours date de facture"
    assert row.document == pdf and row.order_reference == "BC-778"


def test_a_pdf_without_facturx_data_is_refused() -> None:
    with pytest.raises(ImportFileError) as refused:
        read_invoices(blank_pdf(), format="facturx")

    assert refused.value.rule == "import_facturx_missing"


def test_a_facturx_credit_note_is_refused_naming_its_element() -> None:
    with pytest.raises(ImportFileError) as refused:
        read_invoices(facturx_pdf("AV-1", type_code="381"))

    assert refused.value.location.endswith("ExchangedDocument/TypeCode")


def test_a_camt053_statement_gives_its_booked_credits_whatever_the_version() -> None:
    entries = [Entry("120.50", "A1", "FACT F-1"), Entry("5.00", None, direction="DBIT"),
               Entry("9.00", "P1", status="PDNG")]  # fmt: skip
    for version in ("02", "04", "06", "08"):
        statement = read_statement(camt053(entries, version=version))

        credit, debit, pending = statement.lines
        assert (credit.reference, credit.amount, credit.remittance, credit.skip) == (
            "A1", Decimal("120.50"), "FACT F-1", None,
        )  # fmt: skip
        assert credit.payer == "DUPONT MATERIAUX SARL"
        assert debit.skip == "debit" and pending.skip is not None
        assert statement.statement_date == date(2026, 6, 14)


def test_a_batched_camt_entry_gives_one_line_per_transfer() -> None:
    entry = Entry("300.00", "B", transactions=(("100.00", "T1", "F-2"), ("200.00", "T2", "F-3")))

    lines = read_statement(camt053([entry])).lines

    assert [(line.reference, line.amount, line.remittance) for line in lines] == [
        ("T1", Decimal("100.00"), "F-2"), ("T2", Decimal("200.00"), "F-3"),
    ]  # fmt: skip


def test_a_credit_without_any_bank_reference_is_named_by_its_statement_and_entry() -> None:
    lines = read_statement(camt053([Entry("5.00", "B1"), Entry("10.00", None)])).lines

    assert [line.reference for line in lines] == ["B1", "STMT-1-1:Ntry2"]


def test_a_credit_with_only_an_entry_or_proprietary_or_clearing_reference_is_read_with_it() -> None:
    content = camt053([Entry("10.00", None), Entry("20.00", None), Entry("30.00", None)])  # no AcctSvcrRef
    xml = content.replace(b"<BookgDt>", b"<NtryRef>NTRY-7</NtryRef><BookgDt>", 1).decode()  # the first: NtryRef
    parts = xml.split("<EndToEndId>NOTPROVIDED</EndToEndId>")
    xml = (
        parts[0] + "<EndToEndId>NOTPROVIDED</EndToEndId>"
        + parts[1] + "<EndToEndId>NOTPROVIDED</EndToEndId><Prtry><Tp>X</Tp><Ref>PRTRY-8</Ref></Prtry>"
        + parts[2] + "<EndToEndId>NOTPROVIDED</EndToEndId><ClrSysRef>CLR-9</ClrSysRef>" + parts[3]
    )  # fmt: skip

    lines = read_statement(xml.encode()).lines

    assert [line.reference for line in lines] == ["NTRY-7", "PRTRY-8", "CLR-9"]


def test_two_transfers_of_one_batched_entry_sharing_a_reference_get_distinct_keys() -> None:
    entry = Entry("300.00", "B", transactions=(("100.00", "T1", "F-2"), ("200.00", "T1", "F-3")))

    lines = read_statement(camt053([entry])).lines

    assert [line.reference for line in lines] == ["T1", "T1#2:200.00:2026-06-12"]


def test_two_entries_sharing_a_reference_get_distinct_keys_the_first_keeping_the_bare_one() -> None:
    lines = read_statement(camt053([Entry("10.00", "B1"), Entry("10.00", "B1"), Entry("10.00", "B1")])).lines

    assert [line.reference for line in lines] == ["B1", "B1#2:10.00:2026-06-12", "B1#3:10.00:2026-06-12"]


def test_two_csv_bank_lines_sharing_a_reference_get_distinct_keys() -> None:
    content = bank_csv(bank_line("VIR-1", "10,00", "F-1"), bank_line("VIR-1", "20,00", "F-2"))

    assert [line.reference for line in read_statement(content).lines] == ["VIR-1", "VIR-1#2:20.00:2026-06-12"]


def test_a_statement_inside_a_business_application_header_envelope_is_read() -> None:
    document = camt053([Entry("10.00", "B1")]).decode().split("?>", 1)[1]
    envelope = (
        '<?xml version="1.0" encoding="UTF-8"?><BizMsgEnvlp xmlns="urn:example:envelope">'
        '<AppHdr xmlns="urn:iso:std:iso:20022:tech:xsd:head.001.001.02"><BizMsgIdr>M-1</BizMsgIdr>'
        f"<MsgDefIdr>camt.053.001.02</MsgDefIdr></AppHdr>{document}</BizMsgEnvlp>"
    )

    assert [line.reference for line in read_statement(envelope.encode()).lines] == ["B1"]


def test_malformed_xml_is_refused_with_its_line() -> None:
    with pytest.raises(ImportFileError) as refused:
        read_statement(b"<Document>\n<Stmt>\n</Document>")

    assert refused.value.rule == "import_xml" and "line" in refused.value.location


def test_another_xml_than_camt053_is_refused() -> None:
    with pytest.raises(ImportFileError) as refused:
        read_statement(b'<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.054.001.02"/>')

    assert refused.value.rule == "import_camt_version"


def test_bank_csv_lines_are_read_with_debits_kept_aside() -> None:
    statement = read_statement((HERE / "bank_fr.csv").read_bytes())

    assert [(line.reference, line.amount, line.skip) for line in statement.lines] == [
        ("VIR-0001", Decimal("1200.00"), None), ("PRLV-0002", Decimal("85.20"), "debit"),
        ("VIR-0003", Decimal("498.00"), None),
    ]  # fmt: skip
    assert statement.statement_date == date(2026, 6, 12)


def test_a_bank_credit_without_its_reference_is_refused() -> None:
    with pytest.raises(ImportFileError) as refused:
        read_statement(bank_csv(bank_line("R1", "10,00", "x"), bank_line("", "20,00", "y")))

    assert refused.value.location == "line 3, column reference"


def test_the_format_comes_from_the_caller_else_from_the_content() -> None:
    assert sniff(b"%PDF-1.7") == "facturx"
    assert sniff(b"\xef\xbb\xbf<?xml") == "camt053"
    assert sniff(b"a;b") == "csv"
    assert sniff(b"<?xml", "text/csv") == "csv"


def test_the_documented_samples_are_read() -> None:
    docs = HERE.parents[1] / "docs" / "samples"

    assert len(read_invoices((docs / "factures-ouvertes.csv").read_bytes()).rows) == 3
    assert len(read_statement((docs / "releve-bancaire.csv").read_bytes()).lines) == 3


@pytest.mark.parametrize("written", ["sole_trader", "Entrepreneur individuel", "EI"])
def test_a_sole_trader_is_read_as_a_professional_who_is_a_natural_person(written: str) -> None:
    content = invoices_csv(invoice_line("F-EI-1", name="Jean Morel") + f";{written}",
                           header=INVOICES_HEADER + ";Type client")  # fmt: skip

    (row,) = read_invoices(content).rows

    assert (row.debtor.kind.value, row.debtor.sole_trader) == ("professional", True)


def test_an_unknown_kind_of_debtor_is_refused_naming_the_three_kinds() -> None:
    content = invoices_csv(invoice_line("F-X-1") + ";association", header=INVOICES_HEADER + ";Type client")

    with pytest.raises(ImportFileError, match="professional, sole_trader"):
        read_invoices(content)
