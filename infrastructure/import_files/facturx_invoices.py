"""A Factur-X / ZUGFeRD 2 invoice: the CII XML embedded in the PDF, read with the ``factur-x`` library.

The XML is checked against the library's XSD of its profile; the PDF itself becomes the
invoice's document. ZUGFeRD 1.0 (another XML) and credit notes are refused.
"""

from __future__ import annotations

import hashlib
import logging
from datetime import date
from decimal import Decimal

import facturx  # type: ignore[import-untyped]
from lxml import etree  # type: ignore[import-untyped]

from application.imports import DebtorFields, ImportFileError, InvoiceFile, InvoiceRow
from domain.debtor import Address
from domain.errors import InvalidInput
from domain.values import amount, siren, siret
from infrastructure.import_files.xml_tree import Element, safe_parser

SETTLEMENT = "SupplyChainTradeTransaction/ApplicableHeaderTradeSettlement"
AGREEMENT = "SupplyChainTradeTransaction/ApplicableHeaderTradeAgreement"
BUYER = f"{AGREEMENT}/BuyerTradeParty"
TOTALS = f"{SETTLEMENT}/SpecifiedTradeSettlementHeaderMonetarySummation"
TERMS = f"{SETTLEMENT}/SpecifiedTradePaymentTerms"
INVOICE_TYPES = {"380", "384", "389", "751"}  # invoice, corrected, self-billed, information; 381 is a credit note
SIREN_SCHEME, SIRET_SCHEME = "0002", "0009"


def read_facturx(content: bytes, filename: str = "invoice.pdf") -> InvoiceFile:
    if not content.startswith(b"%PDF-"):
        raise ImportFileError(filename, "not a PDF", rule="import_pdf")
    root = Element(_embedded_xml(content, filename), "CrossIndustryInvoice")
    row = _invoice(root, filename, content)
    return InvoiceFile("facturx", hashlib.sha256(content).hexdigest(), (row,))


def _embedded_xml(content: bytes, filename: str) -> etree._Element:
    logging.getLogger("factur-x").setLevel(logging.CRITICAL)  # its refusals come back to us as a missing XML
    try:
        xml_name, xml_bytes = facturx.get_facturx_xml_from_pdf(content, check_xsd=False)
    except Exception as error:  # pypdf's errors on a broken PDF are many
        raise ImportFileError(filename, f"unreadable PDF: {error}", rule="import_pdf") from error
    if not xml_name or not xml_bytes:
        raise ImportFileError(filename, "no Factur-X / ZUGFeRD XML embedded in this PDF", rule="import_facturx_missing")
    try:
        root = etree.fromstring(xml_bytes, parser=safe_parser())
    except etree.XMLSyntaxError as error:
        raise ImportFileError(f"{filename}/{xml_name}", f"malformed XML: {error}", rule="import_xml") from error
    if not str(root.tag).endswith("}CrossIndustryInvoice"):
        raise ImportFileError(
            f"{filename}/{xml_name}",
            "not a Factur-X (CII) invoice; ZUGFeRD 1.0 is not read",
            rule="import_facturx_missing",
        )
    try:
        facturx.xml_check_xsd(root, flavor="factur-x")
    except Exception as error:
        raise ImportFileError(f"{filename}/{xml_name}", str(error), rule="import_xml_schema") from error
    return root


def _invoice(root: Element, filename: str, content: bytes) -> InvoiceRow:
    type_code = root.text("ExchangedDocument/TypeCode")
    if type_code not in INVOICE_TYPES:
        raise root.error("ExchangedDocument/TypeCode", f"{type_code}: not an invoice (381 is a credit note)")
    currency = root.text(f"{SETTLEMENT}/InvoiceCurrencyCode")
    number = root.text("ExchangedDocument/ID")
    excl = _amount(root, f"{TOTALS}/TaxBasisTotalAmount")
    incl = _amount(root, f"{TOTALS}/GrandTotalAmount")
    vat_path = f"{TOTALS}/TaxTotalAmount"
    taxes = [e for e in root.all(vat_path) if e.get("currencyID") in (None, currency)]
    vat = _amount(root, vat_path, allow_zero=True, text=taxes[0].text) if taxes else incl - excl
    line_name = root.optional("SupplyChainTradeTransaction/IncludedSupplyChainTradeLineItem/SpecifiedTradeProduct/Name")
    return InvoiceRow(
        location=filename, invoice_number=number,
        issue_date=_date(root, "ExchangedDocument/IssueDateTime/DateTimeString"),
        due_date=_date(root, f"{TERMS}/DueDateDateTime/DateTimeString"), amount_excl_vat=excl, vat=vat,
        amount_incl_vat=incl, debtor=_buyer(root), label=line_name or f"Facture {number}", currency=currency,
        payment_terms=root.optional(f"{TERMS}/Description"),
        order_reference=root.optional(f"{AGREEMENT}/BuyerOrderReferencedDocument/IssuerAssignedID"), document=content,
    )  # fmt: skip


def _buyer(root: Element) -> DebtorFields:
    legal_id = root.first(f"{BUYER}/SpecifiedLegalOrganization/ID")
    scheme = None if legal_id is None else legal_id.get("schemeID")
    value = "" if legal_id is None else (legal_id.text or "").strip()
    try:
        checked_siren = siren(value) if scheme == SIREN_SCHEME else None
        checked_siret = siret(value) if scheme == SIRET_SCHEME else None
    except InvalidInput as error:
        raise root.error(f"{BUYER}/SpecifiedLegalOrganization/ID", error.message) from error
    if checked_siren is None and checked_siret is None:
        raise root.error(
            f"{BUYER}/SpecifiedLegalOrganization/ID", "the buyer's SIREN (schemeID 0002) or SIRET (0009) is needed"
        )
    address = None
    postal = f"{BUYER}/PostalTradeAddress"
    lines = [root.optional(f"{postal}/{name}") for name in ("LineOne", "LineTwo", "LineThree")]
    city, code = root.optional(f"{postal}/CityName"), root.optional(f"{postal}/PostcodeCode")
    if any(lines) and city and code:
        country = root.optional(f"{postal}/CountryID") or "FR"
        address = Address([line for line in lines if line], code, city, country)
    return DebtorFields(root.text(f"{BUYER}/Name"), siren=checked_siren, siret=checked_siret, address=address)


def _amount(root: Element, path: str, *, allow_zero: bool = False, text: str | None = None) -> Decimal:
    raw = root.text(path) if text is None else text.strip()
    try:
        return amount(raw, path.rsplit("/", 1)[-1], allow_zero=allow_zero)
    except InvalidInput as error:
        raise root.error(path, error.message) from error


def _date(root: Element, path: str) -> date:
    raw = root.text(path)
    if len(raw) == 8 and raw.isdigit():
        try:
            return date(int(raw[0:4]), int(raw[4:6]), int(raw[6:8]))
        except ValueError:
            pass
    raise root.error(path, f"{raw!r} is not a date in format 102 (YYYYMMDD)")
