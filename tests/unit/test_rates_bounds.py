"""Rates at their bounds (legal.md §1, §4): half-years, published percentages, the table's first half-year."""

from __future__ import annotations

import dataclasses
from datetime import date
from decimal import Decimal

import pytest

from domain.errors import InvalidInput, RuleViolation
from domain.rates import AppliedRate, HalfYear, PenaltyRateFloor, PublishedRate, RateTable, checked_rate
from domain.vocabulary import RateKind
from tests.unit.legal_tables import legal_md_table


@pytest.mark.parametrize(("year", "half"), [(1900, 1), (9998, 2)])
def test_half_years_from_1900_to_9998_exist(year: int, half: int) -> None:
    assert str(HalfYear(year, half)) == f"{year}H{half}"


@pytest.mark.parametrize(("year", "half"), [(1899, 2), (9999, 1), (2024, 0), (2024, 3)])
def test_a_year_or_half_outside_the_calendar_is_not_a_half_year(year: int, half: int) -> None:
    with pytest.raises(InvalidInput) as refused:
        HalfYear(year, half)
    assert refused.value.rule == "half_year_format"


def test_the_half_year_before_the_first_is_the_second_of_the_previous_year() -> None:
    assert HalfYear(2025, 1).previous() == HalfYear(2024, 2)
    assert HalfYear(2025, 2).previous() == HalfYear(2025, 1)


@pytest.mark.parametrize("value", ["0", "0.000", "99.999"])
def test_a_rate_from_zero_to_just_below_one_hundred_with_three_places_is_accepted(value: str) -> None:
    assert checked_rate(value) == Decimal(value)


@pytest.mark.parametrize(
    ("value", "rule"), [("-0.001", "rate_range"), ("100", "rate_range"), ("2.1234", "rate_precision")]
)
def test_a_rate_outside_the_range_or_with_four_places_is_refused_naming_its_field(value: str, rule: str) -> None:
    with pytest.raises(InvalidInput, match=r"^rate: ") as refused:
        checked_rate(value)
    assert refused.value.rule == rule


def test_a_table_refuses_a_rate_out_of_range_or_without_a_source() -> None:
    half_year = HalfYear(2025, 1)
    with pytest.raises(InvalidInput) as out_of_range:
        RateTable([PublishedRate(RateKind.ECB_MRO, half_year, Decimal("120"), date(2025, 1, 1), "BCE")])
    with pytest.raises(InvalidInput) as no_source:
        RateTable([PublishedRate(RateKind.ECB_MRO, half_year, Decimal("2.15"), date(2025, 1, 1), " ")])
    assert (out_of_range.value.rule, no_source.value.rule) == ("rate_range", "rate_source_required")


def test_the_first_half_year_of_the_table_is_known_and_the_one_before_is_not() -> None:
    table = legal_md_table()

    assert table.lookup(RateKind.ECB_MRO, HalfYear(2023, 1)).rate == Decimal("2.50")
    with pytest.raises(RuleViolation) as refused:
        table.lookup(RateKind.ECB_MRO, HalfYear(2022, 2))
    assert refused.value.rule == "rate_unknown"
    assert "the table starts at 2023H1" in refused.value.message


def test_rates_and_floors_cannot_be_altered() -> None:
    applied = legal_md_table().lookup(RateKind.LEGAL_OTHER, HalfYear(2024, 1))
    floor = PenaltyRateFloor(applied)
    for value in (applied, applied.entry, floor):
        field = dataclasses.fields(value)[0].name
        with pytest.raises(dataclasses.FrozenInstanceError):
            setattr(value, field, None)
    assert isinstance(applied, AppliedRate)


def test_a_table_of_one_half_year_carries_it_forward_provisionally() -> None:
    only = PublishedRate(RateKind.ECB_MRO, HalfYear(2025, 1), Decimal("3.15"), date(2025, 1, 1), "BCE")

    applied = RateTable([only]).lookup(RateKind.ECB_MRO, HalfYear(2025, 2))

    assert (applied.rate, applied.provisional) == (Decimal("3.15"), True)
