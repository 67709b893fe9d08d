"""Bank lines from a CSV export (columns in docs/imports.md): one line, one movement."""

from __future__ import annotations

import hashlib
import re
from decimal import Decimal

from application.imports import ImportFileError, Statement, StatementLine, with_line_keys
from infrastructure.import_files.text_fields import Row, accepted_headers, decode, parse_signed_amount, rows

CANONICAL = ("booking_date", "value_date", "amount", "credit", "debit", "currency", "reference", "remittance", "payer")
ALIASES = {
    **{name: name for name in CANONICAL},
    "date": "booking_date",
    "date_operation": "booking_date",
    "date_comptable": "booking_date",
    "date_valeur": "value_date",
    "montant": "amount",
    "devise": "currency",
    "ref": "reference",
    "reference_bancaire": "reference",
    "libelle": "remittance",
    "label": "remittance",
    "motif": "remittance",
    "description": "remittance",
    "emetteur": "payer",
    "tiers": "payer",
    "donneur_d_ordre": "payer",
}
REQUIRED = ("booking_date", "reference", "remittance")


def read_bank_csv(content: bytes) -> Statement:
    parsed = list(rows(decode(content), ALIASES, REQUIRED))
    if not parsed:
        raise ImportFileError("line 2", "no bank line in the file", rule="import_empty")
    if not {"amount", "credit"} & set(parsed[0].cells):
        raise ImportFileError(
            "line 1",
            f"missing column(s): {accepted_headers(['amount', 'credit'], ALIASES)} (amount, or credit and debit)",
            rule="import_missing_columns",
        )
    lines = with_line_keys([_line(row) for row in parsed])
    latest = max(line.booked_on for line in lines)
    return Statement("csv", hashlib.sha256(content).hexdigest(), latest, lines)


def _line(row: Row) -> StatementLine:
    value = _signed(row)
    currency = (row.text("currency", required=False) or "EUR").upper()
    if not re.fullmatch(r"[A-Z]{3}", currency):
        raise ImportFileError(f"{row.location}, column currency", f"{currency!r} is not a currency code")
    skip = "debit" if value < 0 else ("zero amount" if value == 0 else None)
    booked_on = row.day("booking_date")
    assert booked_on is not None
    return StatementLine(
        location=row.location, reference=row.text("reference", required=skip is None), amount=abs(value),
        currency=currency, booked_on=booked_on, value_date=row.day("value_date", required=False),
        remittance=row.text("remittance", required=False), payer=row.text("payer", required=False) or None, skip=skip,
    )  # fmt: skip


def _signed(row: Row) -> Decimal:
    """``amount`` signed (credits positive), or ``credit`` and ``debit`` in two columns."""
    if "amount" in row.cells:
        return parse_signed_amount(row.text("amount"), f"{row.location}, column amount")
    credit, debit = row.text("credit", required=False), row.text("debit", required=False)
    if credit:
        return parse_signed_amount(credit, f"{row.location}, column credit")
    if debit:
        return -abs(parse_signed_amount(debit, f"{row.location}, column debit"))
    raise ImportFileError(f"{row.location}, column credit", "empty, and so is debit", rule="import_value_required")
