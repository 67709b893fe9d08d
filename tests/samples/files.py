"""Sample import files written for the tests: CSV in French formats, Factur-X PDFs, CAMT.053 statements."""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

import facturx
from pypdf import PdfWriter

HERE = Path(__file__).parent
SIREN = "732829320"  # Dupont Matériaux SARL
OTHER_SIREN = "443061841"


def facturx_pdf(
    number: str = "FX-2026-001", *, issue_date: str = "20260401", due_date: str = "20260501", excl: str = "1000.00",
    vat: str = "200.00", incl: str = "1200.00", buyer: str = "Dupont Matériaux SARL", siren: str = SIREN,
    type_code: str = "380", check_xsd: bool = True,
) -> bytes:  # fmt: skip
    """A Factur-X PDF (BASIC WL profile) from the CII XML in facturx_basicwl.xml, checked against the XSD."""
    xml = (HERE / "facturx_basicwl.xml").read_text(encoding="utf-8").format(
        number=number, type_code=type_code, issue_date=issue_date, due_date=due_date, buyer=buyer, siren=siren,
        excl=excl, vat=vat, incl=incl,
    )  # fmt: skip
    return bytes(facturx.generate_from_binary(blank_pdf(number), xml.encode("utf-8"), check_xsd=check_xsd))


def blank_pdf(text: str = "") -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(595, 842)
    writer.add_metadata({"/Title": text})
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


@dataclass(frozen=True)
class Entry:
    amount: str
    reference: str | None = "REF"
    remittance: str = ""
    payer: str = "DUPONT MATERIAUX SARL"
    direction: str = "CRDT"
    status: str = "BOOK"
    booked_on: str = "2026-06-12"
    end_to_end: str = "NOTPROVIDED"
    transactions: tuple[tuple[str, str, str], ...] = ()  # batched: (amount, reference, remittance)


NAMESPACE = "urn:iso:std:iso:20022:tech:xsd:camt.053.001.{version}"


def camt053(entries: list[Entry], *, version: str = "02", statement_end: str = "2026-06-14T23:59:59") -> bytes:
    """A CAMT.053 statement written by the ISO 20022 schema (Document/BkToCstmrStmt/Stmt/Ntry)."""
    new = version >= "06"  # Sts/Cd and Dbtr/Pty from .06 and .08

    def status(code: str) -> str:
        return f"<Sts><Cd>{code}</Cd></Sts>" if new else f"<Sts>{code}</Sts>"

    def party(name: str) -> str:
        return f"<Dbtr><Pty><Nm>{name}</Nm></Pty></Dbtr>" if version >= "08" else f"<Dbtr><Nm>{name}</Nm></Dbtr>"

    def details(entry: Entry) -> str:
        if entry.transactions:
            return (
                "<NtryDtls>"
                + "".join(
                    f"<TxDtls><Refs><AcctSvcrRef>{ref}</AcctSvcrRef><EndToEndId>NOTPROVIDED</EndToEndId></Refs>"
                    f'<AmtDtls><TxAmt><Amt Ccy="EUR">{amount}</Amt></TxAmt></AmtDtls>'
                    f"<RltdPties>{party(entry.payer)}</RltdPties><RmtInf><Ustrd>{text}</Ustrd></RmtInf></TxDtls>"
                    for amount, ref, text in entry.transactions
                )
                + "</NtryDtls>"
            )
        return (
            f"<NtryDtls><TxDtls><Refs><EndToEndId>{entry.end_to_end}</EndToEndId></Refs>"
            f"<RltdPties>{party(entry.payer)}</RltdPties>"
            f"<RmtInf><Ustrd>{entry.remittance}</Ustrd></RmtInf></TxDtls></NtryDtls>"
        )

    ntries = "".join(
        f'<Ntry><Amt Ccy="EUR">{e.amount}</Amt><CdtDbtInd>{e.direction}</CdtDbtInd>{status(e.status)}'
        f"<BookgDt><Dt>{e.booked_on}</Dt></BookgDt><ValDt><Dt>{e.booked_on}</Dt></ValDt>"
        + (f"<AcctSvcrRef>{e.reference}</AcctSvcrRef>" if e.reference else "")
        + f"<BkTxCd><Domn><Cd>PMNT</Cd><Fmly><Cd>RCDT</Cd><SubFmlyCd>ESCT</SubFmlyCd></Fmly></Domn></BkTxCd>"
        f"{details(e)}</Ntry>"
        for e in entries
    )
    xml = (
        f'<?xml version="1.0" encoding="UTF-8"?><Document xmlns="{NAMESPACE.format(version=version)}">'
        "<BkToCstmrStmt><GrpHdr><MsgId>STMT-1</MsgId><CreDtTm>2026-06-15T06:00:00</CreDtTm></GrpHdr>"
        "<Stmt><Id>STMT-1-1</Id><CreDtTm>2026-06-15T06:00:00</CreDtTm>"
        f"<FrToDt><FrDtTm>2026-06-01T00:00:00</FrDtTm><ToDtTm>{statement_end}</ToDtTm></FrToDt>"
        "<Acct><Id><IBAN>FR7630006000011234567890189</IBAN></Id></Acct>"
        f"{ntries}</Stmt></BkToCstmrStmt></Document>"
    )
    return xml.encode("utf-8")


INVOICES_HEADER = ";".join(
    ["Numéro facture", "Date facture", "Date échéance", "Montant HT", "TVA", "Montant TTC", "Client", "SIREN",
     "Adresse", "Code postal", "Ville", "Libellé"]
)  # fmt: skip


def invoices_csv(*lines: str, header: str = INVOICES_HEADER) -> bytes:
    return ("\n".join([header, *lines]) + "\n").encode("utf-8")


def invoice_line(number: str, incl: str = "1 200,00", *, excl: str = "1 000,00", vat: str = "200,00",
                 issued: str = "01/04/2026", due: str = "01/05/2026", siren: str = SIREN,
                 name: str = "Dupont Matériaux SARL") -> str:  # fmt: skip
    return f"{number};{issued};{due};{excl};{vat};{incl};{name};{siren};12 rue des Lilas;69003;Lyon;Travaux"


BANK_HEADER = "Date;Date valeur;Montant;Référence;Libellé;Emetteur"


def bank_csv(*lines: str, header: str = BANK_HEADER) -> bytes:
    return ("\n".join([header, *lines]) + "\n").encode("utf-8")


def bank_line(reference: str, amount: str, remittance: str, *, booked: str = "12/06/2026",
              payer: str = "DUPONT MATERIAUX SARL") -> str:  # fmt: skip
    return f"{booked};{booked};{amount};{reference};{remittance};{payer}"
