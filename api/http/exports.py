"""CSV downloads of the reports and the audit journal: asked with ``format=csv`` or ``Accept: text/csv``."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Annotated, Any, Literal

from fastapi import Query, Request
from fastapi.responses import StreamingResponse

from api.csv_export import csv_chunks

CSV_MEDIA_TYPE = "text/csv; charset=utf-8"
Format = Literal["json", "csv"]
FormatQuery = Annotated[Format | None, Query(description="csv: the same as CSV (or send Accept: text/csv)")]
CSV_RESPONSE: dict[str, Any] = {
    "content": {"text/csv": {"schema": {"type": "string"}}},
    "description": "The same report as CSV (format=csv or Accept: text/csv), one header line, comma-separated",
}


def wants_csv(request: Request, format: Format | None) -> bool:
    if format is not None:
        return format == "csv"
    accept = request.headers.get("accept", "")
    return "text/csv" in accept and "application/json" not in accept


def csv_response(filename: str, header: Sequence[str], rows: Iterable[Sequence[Any]]) -> StreamingResponse:
    return StreamingResponse(
        csv_chunks(header, rows),
        media_type=CSV_MEDIA_TYPE,
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
