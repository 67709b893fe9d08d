"""Rate tables (legal.md §1 and §4): published rates per half-year, with their source and date of effect.

Pure values. A lookup for a half-year not yet published carries the last known rate
forward and says so (``provisional``); a half-year before the table's first one is an
error naming what to add. Rates are percentages as published (``Decimal("2.15")``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation

from domain.errors import AlreadyExists, InvalidInput, RuleViolation
from domain.vocabulary import RateKind

HALF_YEAR_PATTERN = re.compile(r"^\s*(\d{4})\s*-?\s*[Hh]([12])\s*$")
MAX_RATE_PLACES = 3
FLOOR_MULTIPLIER = Decimal(3)  # L441-10 II: a contractual rate may not be below 3 × the legal rate
RATE_LABELS = {
    RateKind.ECB_MRO: "ECB main refinancing operations rate",
    RateKind.LEGAL_CONSUMER_CREDITOR: (
        "taux d'intérêt légal (creditor a natural person not acting for professional needs)"
    ),
    RateKind.LEGAL_OTHER: "taux d'intérêt légal (all other cases)",
}


@dataclass(frozen=True, order=True)
class HalfYear:
    """A calendar half-year, written ``2026H1`` (1 January–30 June) or ``2026H2`` (1 July–31 December)."""

    year: int
    half: int

    def __post_init__(self) -> None:
        if self.half not in (1, 2) or not 1900 <= self.year <= 9998:
            raise InvalidInput(f"half_year: {self.year}H{self.half} is not a half-year", rule="half_year_format")

    @classmethod
    def parse(cls, text: str) -> HalfYear:
        match = HALF_YEAR_PATTERN.match(text or "")
        if match is None:
            raise InvalidInput(f"half_year: {text!r} is not a half-year such as 2026H1", rule="half_year_format")
        return cls(int(match.group(1)), int(match.group(2)))

    @classmethod
    def of(cls, day: date) -> HalfYear:
        return cls(day.year, 1 if day.month <= 6 else 2)

    @property
    def start(self) -> date:
        return date(self.year, 1 if self.half == 1 else 7, 1)

    @property
    def end(self) -> date:
        return date(self.year, 6, 30) if self.half == 1 else date(self.year, 12, 31)

    def next(self) -> HalfYear:
        return HalfYear(self.year, 2) if self.half == 1 else HalfYear(self.year + 1, 1)

    def previous(self) -> HalfYear:
        return HalfYear(self.year, 1) if self.half == 2 else HalfYear(self.year - 1, 2)

    def __str__(self) -> str:
        return f"{self.year}H{self.half}"


@dataclass(frozen=True)
class PublishedRate:
    """One rate of one half-year. ``effective_from``: for the ECB rate, the day the ECB decision
    took effect (on or before the half-year's first day: the rate in force on 1 January / 1 July);
    for the legal rate, the half-year's first day (the arrêté fixes it for that half-year)."""

    kind: RateKind
    half_year: HalfYear
    rate: Decimal
    effective_from: date
    source: str
    published_by: str | None = None  # who added it to the journal; None for the shipped data files
    published_on: date | None = None

    @property
    def origin(self) -> str:
        return "data_file" if self.published_by is None else "journal"


@dataclass(frozen=True)
class AppliedRate:
    """The rate a computation uses for one half-year, and whether it is a guess."""

    half_year: HalfYear  # the half-year asked for
    entry: PublishedRate  # the published rate used (of an earlier half-year when carried forward)

    @property
    def rate(self) -> Decimal:
        return self.entry.rate

    @property
    def provisional(self) -> bool:
        return self.entry.half_year != self.half_year

    def describe(self) -> str:
        text = f"{self.rate} % ({self.half_year})"
        if self.provisional:
            text = f"{self.rate} % ({self.half_year} not yet published: {self.entry.half_year} carried forward)"
        return text


def checked_rate(value: Decimal | str | int, field: str = "rate") -> Decimal:
    """A published percentage: a finite decimal, 0 ≤ rate < 100, at most three places, never a float."""
    if isinstance(value, float):
        raise InvalidInput(f"{field}: a rate is never a float, give a decimal string", rule="rate_format")
    try:
        rate = Decimal(value)
    except (InvalidOperation, ValueError, TypeError) as error:
        raise InvalidInput(f"{field}: {value!r} is not a decimal percentage (use a dot)", rule="rate_format") from error
    if not rate.is_finite() or not Decimal(0) <= rate < Decimal(100):
        raise InvalidInput(f"{field}: {value} is not a percentage between 0 and 100", rule="rate_range")
    exponent = rate.as_tuple().exponent
    if isinstance(exponent, int) and -exponent > MAX_RATE_PLACES:
        raise InvalidInput(f"{field}: {value} has more than {MAX_RATE_PLACES} decimal places", rule="rate_precision")
    return rate


class RateTable:
    """Every known rate, per kind and half-year, each kind without gaps.

    Immutable: ``with_rate`` returns a new table or raises (duplicate, gap, bad value).
    """

    def __init__(self, rates: Iterable[PublishedRate] = ()) -> None:
        self._rates: dict[tuple[RateKind, HalfYear], PublishedRate] = {}
        for rate in rates:
            self._add(rate)

    # ---------------------------------------------------------------- building

    def with_rate(self, rate: PublishedRate) -> RateTable:
        table = RateTable()
        table._rates = dict(self._rates)
        table._add(rate)
        return table

    def merged_with(self, publications: Iterable[PublishedRate]) -> RateTable:
        """This table (the shipped data files) plus the rates published in the journal. When both
        hold a half-year, the data file wins: a release can correct a mistyped publication, which
        ``superseded_by_data_files`` then reports."""
        table = RateTable()
        table._rates = dict(self._rates)
        for rate in publications:
            if (rate.kind, rate.half_year) not in self._rates:
                table._add(rate)
        return table

    def superseded(self, publications: Iterable[PublishedRate]) -> list[tuple[PublishedRate, PublishedRate]]:
        """(publication, data file entry) pairs where a release now ships another rate."""
        pairs = []
        for rate in publications:
            shipped = self._rates.get((rate.kind, rate.half_year))
            if shipped is not None and shipped.rate != rate.rate:
                pairs.append((rate, shipped))
        return pairs

    def _add(self, rate: PublishedRate) -> None:
        checked_rate(rate.rate)
        label = f"{rate.kind.value} {rate.half_year}"
        if not rate.source.strip():
            raise InvalidInput(f"{label}: the source must be given", rule="rate_source_required")
        if rate.kind is RateKind.ECB_MRO and rate.effective_from > rate.half_year.start:
            raise InvalidInput(
                f"{label}: effective_from {rate.effective_from} is after {rate.half_year.start}; the ECB rate of a "
                "half-year is the one in force on its first day",
                rule="rate_effective_from",
            )
        if rate.kind is not RateKind.ECB_MRO and rate.effective_from != rate.half_year.start:
            raise InvalidInput(
                f"{label}: effective_from must be {rate.half_year.start}, the first day of the half-year",
                rule="rate_effective_from",
            )
        existing = self._rates.get((rate.kind, rate.half_year))
        if existing is not None:
            raise AlreadyExists(
                f"{label} is already known ({existing.rate} %, source: {existing.source}); "
                "a published rate is never replaced",
                rule="rate_published_once",
            )
        known = self.half_years(rate.kind)
        if known and rate.half_year not in (known[-1].next(), known[0].previous()):
            raise RuleViolation(
                f"{label}: the {rate.kind.value} table runs from {known[0]} to {known[-1]}; "
                f"add {known[-1].next()} next (no gaps)",
                rule="rate_half_years_contiguous",
            )
        self._rates[(rate.kind, rate.half_year)] = rate

    # ----------------------------------------------------------------- queries

    def __len__(self) -> int:
        return len(self._rates)

    def entries(self) -> list[PublishedRate]:
        return sorted(self._rates.values(), key=lambda r: (r.half_year, r.kind.value))

    def half_years(self, kind: RateKind) -> list[HalfYear]:
        return sorted(h for k, h in self._rates if k is kind)

    def get(self, kind: RateKind, half_year: HalfYear) -> PublishedRate | None:
        return self._rates.get((kind, half_year))

    def lookup(self, kind: RateKind, half_year: HalfYear) -> AppliedRate:
        """The rate of a half-year; past the last published one, the last one carried forward (provisional)."""
        entry = self._rates.get((kind, half_year))
        if entry is not None:
            return AppliedRate(half_year, entry)
        known = self.half_years(kind)
        if not known or half_year < known[0]:
            first = f"the table starts at {known[0]}" if known else "the table is empty"
            raise RuleViolation(
                f"no {RATE_LABELS[kind]} is known for {half_year} ({first}): add it with `relance rates add` "
                "and its source",
                rule="rate_unknown",
            )
        return AppliedRate(half_year, self._rates[(kind, known[-1])])


@dataclass(frozen=True)
class PenaltyRateFloor:
    """The lowest contractual penalty rate L441-10 II allows: 3 × the legal rate ("all other
    cases") of the half-year of the invoice date."""

    legal_rate: AppliedRate

    @classmethod
    def on(cls, table: RateTable, day: date) -> PenaltyRateFloor:
        return cls(table.lookup(RateKind.LEGAL_OTHER, HalfYear.of(day)))

    @property
    def minimum(self) -> Decimal:
        return FLOOR_MULTIPLIER * self.legal_rate.rate

    def describe(self) -> str:
        return f"{self.minimum} % (3 × the legal rate {self.legal_rate.describe()}, Code de commerce L441-10 II)"
