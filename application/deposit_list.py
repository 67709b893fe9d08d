"""TEMPORARY (replaced by the print-batch branch): the shapes application/letters.py uses."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from domain.errors import InvalidInput


@dataclass(frozen=True)
class LetterToPost:
    key: str
    run_date: date
    debtor_id: str
    debtor_name: str
    address_lines: tuple[str, ...]
    postal_code: str
    city: str
    country: str
    kind: str
    channel: str
    invoice_numbers: tuple[str, ...]
    document_sha256: str
    pages: int | None = None


@dataclass(frozen=True)
class PostedLine:
    key: str
    posted_on: date
    tracking_number: str | None
    line: int


def posting_order(letters: Sequence[LetterToPost]) -> list[LetterToPost]:
    return sorted(letters, key=lambda x: (x.channel != "registered_letter", x.postal_code, x.debtor_name, x.key))


def check_tracking_number(text: str) -> str:
    cleaned = re.sub(r"[\s-]", "", text).upper()
    if not re.fullmatch(r"[0-9][A-Z][0-9]{11}|[A-Z]{2}[0-9]{9}[A-Z]{2}", cleaned):
        raise InvalidInput("tracking_number: expected 1A 123 456 7890 1", rule="tracking_number_format")
    return cleaned


def read_posted_csv(content: bytes) -> list[PostedLine]:
    """TEMPORARY: key;date_depot;numero_suivi, French or ISO dates."""
    import csv
    import io
    from datetime import datetime

    text = content.decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text), delimiter=";"))
    lines: list[PostedLine] = []
    for number, row in enumerate(rows, start=2):
        if not (row.get("date_depot") or "").strip():
            continue
        posted = datetime.strptime(row["date_depot"].strip(), "%d/%m/%Y").date()
        lines.append(PostedLine(row["cle"], posted, (row.get("numero_suivi") or "").strip() or None, number))
    return lines
