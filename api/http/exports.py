"""CSV downloads of the reports and the audit journal: asked with ``format=csv`` or ``Accept: text/csv``."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Sequence
from typing import Annotated, Any, Literal

from fastapi import Query, Request
from fastapi.responses import StreamingResponse

from application.reports import csv_value

CSV_MEDIA_TYPE = "text/csv; charset=utf-8"
Format = Literal["json", "csv"]
FormatQuery = Annotated[Format | None, Query(description="csv: the same as CSV (or send Accept: text/csv)")]
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
CSV_RESPONSE: dict[str, Any] = {
    "content": {"text/csv": {"schema": {"type": "string"}}},
    "description": "The same report as CSV (format=csv or Accept: text/csv), one header line, comma-separated",
}


def wants_csv(request: Request, format: Format | None) -> bool:
    if format is not None:
        return format == "csv"
    accept = request.headers.get("accept", "")
    return "text/csv" in accept and "application/json" not in accept


def cell(value: Any) -> str:
    """A CSV cell; text a spreadsheet would run as a formula gets a leading quote (OWASP CSV injection)."""
    text = csv_value(value)
    return "'" + text if text.startswith(FORMULA_PREFIXES) else text


def _lines(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    for count, row in enumerate(rows):
        writer.writerow([cell(v) for v in row])
        if count % 500 == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def csv_response(filename: str, header: Sequence[str], rows: Iterable[Sequence[Any]]) -> StreamingResponse:
    return StreamingResponse(
        _lines(header, rows),
        media_type=CSV_MEDIA_TYPE,
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
