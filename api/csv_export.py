"""The one CSV writer of every export, HTTP (``format=csv``) and CLI (``--csv``) alike.

A cell a spreadsheet would run as a formula (starting with ``=``, ``+``, ``-``, ``@``, a tab or
a carriage return) gets a leading quote (OWASP CSV injection): a debtor named ``=HYPERLINK(…)``
or a note starting with ``@`` is shown as text, whichever way the file was produced.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from application.reports import csv_value

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
CHUNK_ROWS = 500


def cell(value: Any) -> str:
    """A CSV cell; text a spreadsheet would run as a formula gets a leading quote."""
    text = csv_value(value)
    return "'" + text if text.startswith(FORMULA_PREFIXES) else text


def csv_chunks(header: Sequence[str], rows: Iterable[Sequence[Any]], *, line_end: str = "\r\n") -> Iterator[str]:
    """The file as text, a few hundred rows at a time (an HTTP answer streams them)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator=line_end)
    writer.writerow([cell(name) for name in header])
    for count, row in enumerate(rows):
        writer.writerow([cell(v) for v in row])
        if count % CHUNK_ROWS == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()
