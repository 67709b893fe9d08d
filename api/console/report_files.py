"""The reports as files to download: CSV for a French Excel and XLSX.

CSV (decision 0085, ``api/csv_export.py``): ``;``, decimal comma, dd/mm/yyyy, UTF-8 with a byte-order mark,
formula-like text neutralised. XLSX (xlsxwriter): real numbers and dates with French-looking formats (Excel
shows ``1 234,56 €`` in a French locale), a bold header row, frozen panes, a filter, text never a formula.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import ROUND_HALF_UP, Decimal
from enum import Enum
from typing import Any

import xlsxwriter  # type: ignore[import-untyped]
from fastapi.responses import Response

from api.csv_export import csv_chunks

CSV_MEDIA_TYPE = "text/csv; charset=utf-8"
XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
SHEET_NAME_FORBIDDEN = str.maketrans({c: " " for c in "[]:*?/\\"})


class Kind(Enum):
    """What a column holds, hence its format in each file."""

    TEXT = "text"
    MONEY = "money"  # Decimal, in currency units
    DATE = "date"
    INTEGER = "integer"
    DAYS = "days"  # Decimal, one place (DSO, median days)
    SHARE = "share"  # Decimal fraction (0.456): 45,6 in the CSV, 45,6 % in Excel


XLSX_FORMATS = {
    Kind.TEXT: "@",
    Kind.MONEY: '#,##0.00\\ "€"',  # the file's code; a French Excel shows 1 234,56 €
    Kind.DATE: "dd/mm/yyyy",
    Kind.INTEGER: "0",
    Kind.DAYS: "0.0",
    Kind.SHARE: "0.0%",
}


@dataclass(frozen=True)
class Column:
    header: str
    kind: Kind = Kind.TEXT
    width: int = 14


@dataclass(frozen=True)
class Sheet:
    """One table: its columns, its rows, and an optional totals row written last (bold in Excel)."""

    name: str
    columns: Sequence[Column]
    rows: Sequence[Sequence[Any]]
    totals: Sequence[Any] | None = None


def csv_bytes(sheet: Sheet) -> bytes:
    """The sheet as a CSV a French Excel opens as is (shares as percentages: 45,6)."""
    rows = [*sheet.rows, *([sheet.totals] if sheet.totals is not None else [])]
    cells = ([_csv_value(c.kind, v) for c, v in zip(sheet.columns, row, strict=True)] for row in rows)
    return "".join(csv_chunks([c.header for c in sheet.columns], cells, excel=True)).encode("utf-8")


def _csv_value(kind: Kind, value: Any) -> Any:
    if value is None:
        return None
    if kind is Kind.SHARE:
        return (Decimal(value) * 100).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    return value


def xlsx_bytes(sheets: Sequence[Sheet]) -> bytes:
    """The sheets as an Excel workbook."""
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {"in_memory": True})
    header = workbook.add_format({"bold": True, "bg_color": "#E9EDF1", "bottom": 1, "text_wrap": True})
    formats = {kind: workbook.add_format({"num_format": code}) for kind, code in XLSX_FORMATS.items()}
    bold = {
        kind: workbook.add_format({"num_format": code, "bold": True, "top": 1}) for kind, code in XLSX_FORMATS.items()
    }
    for sheet in sheets:
        worksheet = workbook.add_worksheet(sheet.name.translate(SHEET_NAME_FORBIDDEN)[:31])
        for index, column in enumerate(sheet.columns):
            worksheet.set_column(index, index, column.width)
            worksheet.write_string(0, index, column.header, header)
        for number, row in enumerate(sheet.rows, start=1):
            _write_row(worksheet, number, sheet.columns, row, formats)
        if sheet.totals is not None:
            _write_row(worksheet, len(sheet.rows) + 1, sheet.columns, sheet.totals, bold)
        worksheet.freeze_panes(1, 1)
        worksheet.autofilter(0, 0, max(1, len(sheet.rows)), len(sheet.columns) - 1)
    workbook.close()
    return buffer.getvalue()


def _write_row(worksheet: Any, number: int, columns: Sequence[Column], row: Sequence[Any], formats: Any) -> None:
    for index, (column, value) in enumerate(zip(columns, row, strict=True)):
        style = formats[column.kind]
        if value is None or value == "":
            worksheet.write_blank(number, index, None, style)
        elif column.kind is Kind.DATE and isinstance(value, date):
            worksheet.write_datetime(number, index, datetime.combine(value, time()), style)
        elif column.kind is Kind.TEXT or not isinstance(value, int | Decimal | float):
            worksheet.write_string(number, index, str(value), style)  # never a formula, whatever it starts with
        else:
            worksheet.write_number(number, index, float(value), style)


def download(content: bytes, filename: str) -> Response:
    """The file as an attachment; ``filename`` (ASCII) ends in .csv or .xlsx."""
    media_type = CSV_MEDIA_TYPE if filename.endswith(".csv") else XLSX_MEDIA_TYPE
    return Response(
        content, media_type=media_type, headers={"Content-Disposition": f'attachment; filename="{filename}"'}
    )


def file_of(extension: str, sheets: Sequence[Sheet], stem: str) -> Response:
    """``stem.csv`` (the first sheet) or ``stem.xlsx`` (every sheet)."""
    content = csv_bytes(sheets[0]) if extension == "csv" else xlsx_bytes(sheets)
    return download(content, f"{stem}.{extension}")
