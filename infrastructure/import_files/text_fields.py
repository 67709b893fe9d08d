"""What CSV exports of French software write: UTF-8 text, ``;`` or ``,``, ``1 234,50`` and ``31/12/2025``."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation

from application.imports import ImportFileError
from domain.errors import InvalidInput
from domain.values import amount

MAX_ROWS = 100_000
SPACES = re.compile(r"[\s\u00a0\u202f']")  # thousands separators: space, no-break spaces, Swiss apostrophe
DATE_FORMATS = (
    re.compile(r"^(?P<d>\d{1,2})[/.-](?P<m>\d{1,2})[/.-](?P<y>\d{4})$", re.ASCII),  # 31/12/2025, 31.12.2025
    re.compile(r"^(?P<y>\d{4})-(?P<m>\d{2})-(?P<d>\d{2})$", re.ASCII),  # 2025-12-31; ASCII digits only
)


def decode(content: bytes) -> str:
    """UTF-8, with or without BOM. Other encodings are refused, naming the line: a Windows-1252
    export is re-exported as UTF-8 rather than guessed (a guess turns "é" into a wrong letter)."""
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = content[: error.start].count(b"\n") + 1
        raise ImportFileError(
            f"line {line}", 'the file is not UTF-8 (export it as UTF-8, e.g. "CSV UTF-8")', rule="import_encoding"
        ) from error


@dataclass(frozen=True)
class Row:
    number: int  # the line number in the file (header = line 1)
    cells: dict[str, str]  # canonical column name -> stripped text ("" when absent or empty)

    @property
    def location(self) -> str:
        return f"line {self.number}"

    def text(self, column: str, *, required: bool = True) -> str:
        value = self.cells.get(column, "")
        if required and not value:
            raise ImportFileError(f"line {self.number}, column {column}", "empty", rule="import_value_required")
        return value

    def decimal(self, column: str, *, required: bool = True, allow_zero: bool = False) -> Decimal | None:
        value = self.text(column, required=required)
        return parse_amount(value, f"line {self.number}, column {column}", allow_zero=allow_zero) if value else None

    def day(self, column: str, *, required: bool = True) -> date | None:
        value = self.text(column, required=required)
        return parse_date(value, f"line {self.number}, column {column}") if value else None


def rows(text: str, aliases: dict[str, str], required: tuple[str, ...]) -> Iterator[Row]:
    """The data rows, with their columns renamed to the canonical names (``aliases``: header -> name)."""
    lines = text.splitlines()
    if not lines or not lines[0].strip():
        raise ImportFileError("line 1", "no header line", rule="import_missing_columns")
    delimiter = ";" if lines[0].count(";") >= lines[0].count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    start = 1  # the line where the record being read begins: a quote left open runs on past it
    try:
        header = next(reader)
        columns = [aliases.get(_header_key(name), "") for name in header]
        missing = [name for name in required if name not in columns]
        if missing:
            raise ImportFileError(
                "line 1",
                f"missing column(s): {accepted_headers(missing, aliases)}; found: {', '.join(header)}",
                rule="import_missing_columns",
            )
        while True:
            start = reader.line_num + 1
            cells = next(reader, None)
            if cells is None:
                return
            if reader.line_num > MAX_ROWS:
                raise ImportFileError(f"line {reader.line_num}", f"more than {MAX_ROWS} lines", rule="import_size")
            if not any(cell.strip() for cell in cells):
                continue
            if len(cells) > len(header):
                raise ImportFileError(
                    f"line {start}", f"{len(cells)} cells for {len(header)} columns", rule="import_csv_format"
                )
            named = {column: cell.strip() for column, cell in zip(columns, cells, strict=False) if column}
            yield Row(start, named)
    except csv.Error as error:
        hint = "; a quote opened on this line is never closed" if "end of data" in str(error) else ""
        raise ImportFileError(f"line {start}", f"malformed CSV: {error}{hint}", rule="import_csv_format") from error


def accepted_headers(columns: list[str], aliases: dict[str, str]) -> str:
    """Each missing column with the headers accepted for it (case, accents and punctuation aside)."""
    return "; ".join(
        f"{column} (accepted: {', '.join(sorted(header for header, name in aliases.items() if name == column))})"
        for column in columns
    )


def _header_key(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", name.strip().lower().replace("é", "e").replace("è", "e")).strip("_")


def parse_amount(text: str, location: str, *, allow_zero: bool = False) -> Decimal:
    """``1 234,50``, ``1234.50``, ``1.234,50``, ``1,234.50`` and a trailing € or EUR."""
    cleaned = SPACES.sub("", text).removesuffix("€").removesuffix("EUR")
    if "," in cleaned and "." in cleaned:  # the last one is the decimal separator
        thousands = "." if cleaned.rfind(",") > cleaned.rfind(".") else ","
        cleaned = cleaned.replace(thousands, "")
    cleaned = cleaned.replace(",", ".")
    if not re.fullmatch(r"[+-]?\d+(\.\d+)?", cleaned, re.ASCII):  # not full-width or other scripts' digits
        raise ImportFileError(location, f"{text!r} is not an amount", rule="import_amount")
    try:
        return amount(Decimal(cleaned), "amount", allow_zero=allow_zero)
    except (InvalidInput, InvalidOperation) as error:
        message = error.message.removeprefix("amount: ") if isinstance(error, InvalidInput) else str(error)
        raise ImportFileError(location, message, rule="import_amount") from error


def parse_signed_amount(text: str, location: str) -> Decimal:
    """An amount that may be negative (bank lines: debits)."""
    stripped = text.strip()
    negative = stripped.startswith("-") or (stripped.startswith("(") and stripped.endswith(")"))
    body = stripped.lstrip("-+").strip("()")
    value = parse_amount(body, location, allow_zero=True)
    return -value if negative else value


def parse_date(text: str, location: str) -> date:
    for pattern in DATE_FORMATS:
        match = pattern.match(text.strip())
        if match is not None:
            try:
                return date(int(match["y"]), int(match["m"]), int(match["d"]))
            except ValueError:
                break
    raise ImportFileError(location, f"{text!r} is not a date (31/12/2025 or 2025-12-31)", rule="import_date")
