"""Reading import files: the format from what the caller says, else from the content.

Each reader returns the whole file parsed and checked, or raises ``ImportFileError``
naming the line (CSV) or element (XML) at fault; nothing is recorded from a refused file.
"""

from __future__ import annotations

from application.imports import ImportFileError, InvoiceFile, Statement
from infrastructure.import_files.bank_csv import read_bank_csv
from infrastructure.import_files.camt053 import read_camt053
from infrastructure.import_files.facturx_invoices import read_facturx
from infrastructure.import_files.invoices_csv import read_invoices_csv

INVOICE_FORMATS = ("csv", "facturx")
PAYMENT_FORMATS = ("csv", "camt053")
MAX_IMPORT_BYTES = 20 * 1024 * 1024


def sniff(content: bytes, declared: str | None = None) -> str:
    """``declared`` (a --format, a media type or a file name) when it says; else the content's first bytes."""
    hint = (declared or "").lower()
    if hint in ("csv", "facturx", "camt053"):
        return hint
    if "pdf" in hint:
        return "facturx"
    if "xml" in hint:
        return "camt053"
    if "csv" in hint or hint.startswith("text/"):
        return "csv"
    head = content.lstrip(b"\xef\xbb\xbf \t\r\n")[:5]
    if head.startswith(b"%PDF-"):
        return "facturx"
    if head.startswith(b"<"):
        return "camt053"
    return "csv"


def _checked(content: bytes) -> None:
    if not content:
        raise ImportFileError("file", "empty", rule="import_empty")
    if len(content) > MAX_IMPORT_BYTES:
        raise ImportFileError("file", f"larger than {MAX_IMPORT_BYTES} bytes", rule="import_size")


def read_invoices(content: bytes, *, format: str | None = None, filename: str = "invoice.pdf") -> InvoiceFile:
    _checked(content)
    kind = sniff(content, format)
    if kind == "csv":
        return read_invoices_csv(content)
    if kind == "facturx":
        return read_facturx(content, filename)
    raise ImportFileError(
        "file", f"{kind} is not an invoice format ({', '.join(INVOICE_FORMATS)})", rule="import_format"
    )


def read_statement(content: bytes, *, format: str | None = None, filename: str = "statement.xml") -> Statement:
    _checked(content)
    kind = sniff(content, format)
    if kind == "csv":
        return read_bank_csv(content)
    if kind == "camt053":
        return read_camt053(content, filename)
    raise ImportFileError(
        "file", f"{kind} is not a bank statement format ({', '.join(PAYMENT_FORMATS)})", rule="import_format"
    )


__all__ = ["ImportFileError", "read_invoices", "read_statement", "sniff"]
