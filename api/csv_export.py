"""The one CSV writer of every export, HTTP (``format=csv``) and CLI (``--csv``) alike.

A cell a spreadsheet would run as a formula (starting with ``=``, ``+``, ``-``, ``@``, a tab or
a carriage return) gets a leading quote (OWASP CSV injection): a debtor named ``=HYPERLINK(…)``
or a note starting with ``@`` is shown as text, whichever way the file was produced.
``excel``: what a French Excel opens as is (decision 0085): ``;``, decimal comma, dd/mm/yyyy,
UTF-8 with a byte-order mark.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from api.formats import csv_number, day
from application.reports import csv_value

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
CHUNK_ROWS = 500


def cell(value: Any) -> str:
    """A CSV cell; text a spreadsheet would run as a formula gets a leading quote."""
    text = csv_value(value)
    return "'" + text if text.startswith(FORMULA_PREFIXES) else text


def excel_cell(value: Any) -> str:
    """A day as dd/mm/yyyy, a decimal with a comma (numbers such as -40,00 stay numbers); text a spreadsheet
    would run as a formula gets a leading quote."""
    if isinstance(value, date) and not isinstance(value, datetime):
        return day(value)
    text = csv_value(value)
    figure = str(csv_number(text))
    if figure != text or isinstance(value, int | Decimal):
        return figure
    return "'" + text if text.startswith(FORMULA_PREFIXES) else text


def csv_chunks(
    header: Sequence[str], rows: Iterable[Sequence[Any]], *, line_end: str = "\r\n", excel: bool = False
) -> Iterator[str]:
    """The file as text, a few hundred rows at a time (an HTTP answer streams them)."""
    buffer = io.StringIO()
    if excel:
        buffer.write("\ufeff")  # UTF-8 with BOM: Excel reads the accents right
    writer = csv.writer(buffer, delimiter=";" if excel else ",", lineterminator="\r\n" if excel else line_end)
    to_cell = excel_cell if excel else cell
    writer.writerow([cell(name) for name in header])
    for count, row in enumerate(rows):
        writer.writerow([to_cell(v) for v in row])
        if count % CHUNK_ROWS == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()
