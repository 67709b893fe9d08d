"""The rate tables shipped with relance (legal.md §1 and §4), read and validated at start.

Two CSV files in ``infrastructure/rate_tables/`` (package data), one row per half-year:

* ``ecb_mro.csv``: ``half_year,rate,effective_from,source``: the ECB main refinancing
  operations rate in force on the half-year's first day, and the day that rate took effect;
* ``legal_rate.csv``: ``half_year,consumer_creditor,other,effective_from,source``: the
  taux d'intérêt légal, both columns.

A broken file stops the start with an error naming the file and the line.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator
from datetime import date
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path

from domain.errors import DomainError
from domain.rates import HalfYear, PublishedRate, RateTable, checked_rate
from domain.vocabulary import RateKind

ECB_FILE = "ecb_mro.csv"
LEGAL_FILE = "legal_rate.csv"
ECB_COLUMNS = ["half_year", "rate", "effective_from", "source"]
LEGAL_COLUMNS = ["half_year", "consumer_creditor", "other", "effective_from", "source"]

Row = dict[str, str]


class RateFileError(Exception):
    """A rate table file is missing or wrong; the message names the file and the line."""


def shipped_rate_tables() -> Traversable:
    return resources.files("infrastructure") / "rate_tables"


def load_rate_table(directory: Path | Traversable | None = None) -> RateTable:
    folder = directory if directory is not None else shipped_rate_tables()
    table = RateTable()
    table = _load(folder / ECB_FILE, ECB_COLUMNS, _ecb_rates, table)
    return _load(folder / LEGAL_FILE, LEGAL_COLUMNS, _legal_rates, table)


def _load(
    path: Path | Traversable, columns: list[str], parse: Callable[[Row], Iterator[PublishedRate]], table: RateTable
) -> RateTable:
    try:
        content = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise RateFileError(f"rate table {path}: cannot be read ({error})") from error
    reader = csv.DictReader(io.StringIO(content))
    if reader.fieldnames != columns:
        raise RateFileError(f"rate table {path}, line 1: expected the columns {','.join(columns)}")
    rows = 0
    for row in reader:
        rows += 1
        try:
            if None in row or any(row[c] is None for c in columns):
                raise RateFileError(f"expected {len(columns)} values")
            for rate in parse(row):
                table = table.with_rate(rate)
        except (DomainError, RateFileError, ValueError) as error:
            message = error.message if isinstance(error, DomainError) else str(error)
            raise RateFileError(f"rate table {path}, line {reader.line_num}: {message}") from error
    if rows == 0:
        raise RateFileError(f"rate table {path}: no rates")
    return table


def _effective_from(row: Row) -> date:
    try:
        return date.fromisoformat(row["effective_from"].strip())
    except ValueError as error:
        raise RateFileError(f"effective_from: {row['effective_from']!r} is not a date YYYY-MM-DD") from error


def _ecb_rates(row: Row) -> Iterator[PublishedRate]:
    half_year = HalfYear.parse(row["half_year"])
    yield PublishedRate(
        RateKind.ECB_MRO, half_year, checked_rate(row["rate"].strip()), _effective_from(row), row["source"].strip()
    )


def _legal_rates(row: Row) -> Iterator[PublishedRate]:
    half_year = HalfYear.parse(row["half_year"])
    effective_from, source = _effective_from(row), row["source"].strip()
    for kind, column in ((RateKind.LEGAL_CONSUMER_CREDITOR, "consumer_creditor"), (RateKind.LEGAL_OTHER, "other")):
        yield PublishedRate(kind, half_year, checked_rate(row[column].strip(), column), effective_from, source)
