"""A Factur-X / ZUGFeRD 2 invoice: the CII XML embedded in the PDF, read with the ``factur-x`` library.

The XML (``factur-x.xml``, ``zugferd-invoice.xml``, or ``xrechnung.xml`` for a ZUGFeRD 2.2
XRECHNUNG PDF) is checked against the library's XSD of its profile; the PDF itself becomes the
invoice's document. ZUGFeRD 1.0 (another XML), credit notes and the MINIMUM profile are refused.
The amount prepaid (``TotalPrepaidAmount``) is carried apart, so that what is claimed is the
``DuePayableAmount``; without a due date the legal one applies (Code de commerce L441-10 I).
"""

from __future__ import annotations

import hashlib
import logging
from datetime import date, timedelta
from decimal import Decimal

import facturx  # type: ignore[import-untyped]
from lxml import etree  # type: ignore[import-untyped]

from application.imports import DebtorFields, ImportFileError, InvoiceFile, InvoiceRow
from domain.debtor import Address
from domain.errors import InvalidInput
from domain.late_charges import LEGAL_DUE_DATE_NOTE
from domain.values import amount, siren, siret
from infrastructure.import_files.xml_tree import Element, safe_parser

SETTLEMENT = "SupplyChainTradeTransaction/ApplicableHeaderTradeSettlement"
AGREEMENT = "SupplyChainTradeTransaction/ApplicableHeaderTradeAgreement"
BUYER = f"{AGREEMENT}/BuyerTradeParty"
TOTALS = f"{SETTLEMENT}/SpecifiedTradeSettlementHeaderMonetarySummation"
TERMS = f"{SETTLEMENT}/SpecifiedTradePaymentTerms"
DELIVERY = "SupplyChainTradeTransaction/ApplicableHeaderTradeDelivery/ActualDeliverySupplyChainEvent/OccurrenceDateTime"
# UNTDID 1001 codes EN 16931 allows: the credit notes are refused, every other one is an invoice
# (380 commercial, 383 debit note, 384 corrected, 386 prepayment, 387 hire, 389 self-billed, 751...).
CREDIT_NOTE_TYPES = {"81", "83", "261", "262", "296", "308", "381", "396", "420", "458", "532"}
INVOICE_TYPES = {
    "71", "80", "82", "84", "102", "130", "202", "203", "204", "211", "218", "219", "295", "325", "326", "331",
    "380", "382", "383", "384", "385", "386", "387", "388", "389", "390", "393", "394", "395", "456", "527", "553",
    "575", "623", "633", "751", "780", "875", "876", "877", "935",
}  # fmt: skip
SIREN_SCHEME, SIRET_SCHEME = "0002", "0009"
EMBEDDED_NAMES = ["factur-x.xml", "zugferd-invoice.xml", "ZUGFeRD-invoice.xml", "xrechnung.xml"]
PROFILE = "ExchangedDocumentContext/GuidelineSpecifiedDocumentContextParameter/ID"
LEGAL_TERM_DAYS = 30  # Code de commerce L441-10 I, when the parties agreed nothing


def read_facturx(content: bytes, filename: str = "invoice.pdf") -> InvoiceFile:
    if not content.startswith(b"%PDF-"):
        raise ImportFileError(filename, "not a PDF", rule="import_pdf")
    root = Element(_embedded_xml(content, filename), "CrossIndustryInvoice")
    row = _invoice(root, filename, content)
    return InvoiceFile("facturx", hashlib.sha256(content).hexdigest(), (row,))


def _embedded_xml(content: bytes, filename: str) -> etree._Element:
    logging.getLogger("factur-x").setLevel(logging.CRITICAL)  # its refusals come back to us as a missing XML
    try:
        xml_name, xml_bytes = facturx.get_xml_from_pdf(content, check_xsd=False, filenames=EMBEDDED_NAMES)
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
    profile = Element(root, "CrossIndustryInvoice").optional(PROFILE) or ""
    if profile.lower().endswith(":minimum"):
        raise ImportFileError(
            f"{filename}/{xml_name}",
            "the MINIMUM profile carries neither the buyer's address nor the due date: not enough to recover the "
            "invoice; export it in profile BASIC WL or above",
            rule="import_facturx_minimum",
        )
    try:
        facturx.xml_check_xsd(root, flavor="factur-x")
    except Exception as error:
        raise ImportFileError(f"{filename}/{xml_name}", str(error), rule="import_xml_schema") from error
    return root


def _invoice(root: Element, filename: str, content: bytes) -> InvoiceRow:
    type_code = root.text("ExchangedDocument/TypeCode")
    if type_code in CREDIT_NOTE_TYPES:
        raise root.error("ExchangedDocument/TypeCode", f"{type_code} is a credit note, not an invoice to recover")
    if type_code not in INVOICE_TYPES:
        raise root.error("ExchangedDocument/TypeCode", f"{type_code} is not an invoice type code of EN 16931")
    currency = root.text(f"{SETTLEMENT}/InvoiceCurrencyCode")
    number = root.text("ExchangedDocument/ID")
    excl = _amount(root, f"{TOTALS}/TaxBasisTotalAmount")
    incl = _amount(root, f"{TOTALS}/GrandTotalAmount")
    vat_path = f"{TOTALS}/TaxTotalAmount"
    taxes = [e for e in root.all(vat_path) if e.get("currencyID") in (None, currency)]
    vat = _amount(root, vat_path, allow_zero=True, text=taxes[0].text) if taxes else incl - excl
    prepaid = _prepaid(root, incl)
    issue_date = _date(root, "ExchangedDocument/IssueDateTime/DateTimeString")
    terms = root.optional(f"{TERMS}/Description")
    if root.optional(f"{TERMS}/DueDateDateTime/DateTimeString"):
        due_date = _date(root, f"{TERMS}/DueDateDateTime/DateTimeString")
    else:
        due_date, terms = _legal_due_date(root, issue_date, terms)
    line_name = root.optional("SupplyChainTradeTransaction/IncludedSupplyChainTradeLineItem/SpecifiedTradeProduct/Name")
    return InvoiceRow(
        location=filename, invoice_number=number, issue_date=issue_date, due_date=due_date, amount_excl_vat=excl,
        vat=vat, amount_incl_vat=incl, debtor=_buyer(root), label=line_name or f"Facture {number}", currency=currency,
        payment_terms=terms,
        order_reference=root.optional(f"{AGREEMENT}/BuyerOrderReferencedDocument/IssuerAssignedID"), document=content,
        prepaid=prepaid,
    )  # fmt: skip


def _prepaid(root: Element, grand_total: Decimal) -> Decimal:
    """What the buyer paid before the invoice (a deposit): never claimed. ``DuePayableAmount``,
    when given, must be the total less the prepaid amount (and the rounding, BR-CO-16)."""
    prepaid_path, due_path = f"{TOTALS}/TotalPrepaidAmount", f"{TOTALS}/DuePayableAmount"
    prepaid = _amount(root, prepaid_path, allow_zero=True) if root.optional(prepaid_path) else Decimal("0.00")
    rounding_path = f"{TOTALS}/RoundingAmount"
    rounding = _signed(root, rounding_path) if root.optional(rounding_path) else Decimal("0.00")
    if prepaid > grand_total:
        raise root.error(prepaid_path, f"{prepaid} prepaid is more than the invoice's total {grand_total}")
    if root.optional(due_path):
        due = _amount(root, due_path, allow_zero=True)
        if due != grand_total - prepaid + rounding:
            raise root.error(
                due_path,
                f"{due} due is not the total {grand_total} less {prepaid} prepaid"
                + (f" plus {rounding} rounding" if rounding else ""),
            )
        if rounding:
            raise root.error(rounding_path, f"a rounding of {rounding} on the amount due is not supported")
    return prepaid


def _legal_due_date(root: Element, issue_date: date, terms: str | None) -> tuple[date, str]:
    """No due date on the invoice: the thirtieth day after the delivery, else after the issue date
    (Code de commerce L441-10 I), said in the payment terms the receivable keeps."""
    delivered = _date(root, f"{DELIVERY}/DateTimeString") if root.optional(f"{DELIVERY}/DateTimeString") else None
    start, what = (delivered, "la livraison") if delivered else (issue_date, "la date de la facture")
    due = start + timedelta(days=LEGAL_TERM_DAYS)
    note = (
        f"{LEGAL_DUE_DATE_NOTE} : délai légal de {LEGAL_TERM_DAYS} jours après {what} du "
        f"{start.strftime('%d/%m/%Y')}, soit le {due.strftime('%d/%m/%Y')} (Code de commerce, art. L441-10 I)"
    )
    return due, note if not terms else f"{terms} — {note}"


def _buyer(root: Element) -> DebtorFields:
    legal_id = root.first(f"{BUYER}/SpecifiedLegalOrganization/ID")
    scheme = None if legal_id is None else legal_id.get("schemeID")
    value = "" if legal_id is None else (legal_id.text or "").strip()
    try:
        checked_siren, checked_siret = _legal_ids(scheme, value)
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


def _legal_ids(scheme: str | None, value: str) -> tuple[str | None, str | None]:
    """(SIREN, SIRET). Under 0002 (the SIRENE register) French invoices put a SIREN or a 14-digit
    SIRET; a SIRET whose establishment key is wrong still names its firm by a valid SIREN (the
    debtor is the firm): the SIREN is kept. Under 0009, a SIRET."""
    if scheme == SIRET_SCHEME:
        return None, siret(value)
    if scheme != SIREN_SCHEME:
        return None, None
    digits = value.replace(" ", "")
    if len(digits) != 14:
        return siren(value), None
    try:
        return None, siret(digits)
    except InvalidInput:
        return siren(digits[:9]), None


def _amount(root: Element, path: str, *, allow_zero: bool = False, text: str | None = None) -> Decimal:
    raw = root.text(path) if text is None else text.strip()
    try:
        return amount(raw, path.rsplit("/", 1)[-1], allow_zero=allow_zero)
    except InvalidInput as error:
        raise root.error(path, error.message) from error


def _signed(root: Element, path: str) -> Decimal:
    raw = root.text(path)
    negative = raw.startswith("-")
    value = _amount(root, path, allow_zero=True, text=raw.lstrip("-"))
    return -value if negative else value


def _date(root: Element, path: str) -> date:
    raw = root.text(path)
    if len(raw) == 8 and raw.isdigit():
        try:
            return date(int(raw[0:4]), int(raw[4:6]), int(raw[6:8]))
        except ValueError:
            pass
    raise root.error(path, f"{raw!r} is not a date in format 102 (YYYYMMDD)")
