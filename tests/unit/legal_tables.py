"""The rate tables of legal.md §1 and §4, typed in from the spec: what the tests compute against."""

from __future__ import annotations

from decimal import Decimal

from domain.rates import HalfYear, PublishedRate, RateTable
from domain.vocabulary import RateKind

# half-year: (ECB MRO in force at its start, legal rate consumer creditor, legal rate all other cases)
LEGAL_MD = {
    "2023H1": ("2.50", "4.47", "2.06"),
    "2023H2": ("4.00", "6.82", "4.22"),
    "2024H1": ("4.50", "8.01", "5.07"),
    "2024H2": ("4.25", "8.16", "4.92"),
    "2025H1": ("3.15", "7.21", "3.71"),
    "2025H2": ("2.15", "6.65", "2.76"),
    "2026H1": ("2.15", "6.67", "2.62"),
}
KINDS = (RateKind.ECB_MRO, RateKind.LEGAL_CONSUMER_CREDITOR, RateKind.LEGAL_OTHER)


def legal_md_rates() -> list[PublishedRate]:
    rates = []
    for text, values in LEGAL_MD.items():
        half_year = HalfYear.parse(text)
        for kind, value in zip(KINDS, values, strict=True):
            rates.append(PublishedRate(kind, half_year, Decimal(value), half_year.start, "legal.md"))
    return rates


def legal_md_table() -> RateTable:
    return RateTable(legal_md_rates())
