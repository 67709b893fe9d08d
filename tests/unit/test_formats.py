"""The one French human format of the command line (api/formats.py, decision 0085)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from api.formats import csv_number, day, money, number, percent

NNBSP, NBSP = "\u202f", "\u00a0"


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (Decimal("1234.56"), f"1{NNBSP}234,56{NBSP}€"),
        ("17856.00", f"17{NNBSP}856,00{NBSP}€"),
        ("0", f"0,00{NBSP}€"),
        ("1234567.5", f"1{NNBSP}234{NNBSP}567,50{NBSP}€"),
        ("-40.00", f"-40,00{NBSP}€"),
        ("49.711808", f"49,71{NBSP}€"),
        ("0.005", f"0,01{NBSP}€"),  # half-up, as the product rounds
        ("2.675", f"2,68{NBSP}€"),  # a float would give 2,67
    ],
)
def test_money_shown_to_people_has_two_decimals_a_decimal_comma_and_the_euro_sign(value: str, shown: str) -> None:
    assert money(value) == shown


def test_another_currency_is_named_by_its_code_and_none_gives_the_figure_alone() -> None:
    assert money("1234.5", "USD") == f"1{NNBSP}234,50{NBSP}USD"
    assert money("1234.5", None) == f"1{NNBSP}234,50"


@pytest.mark.parametrize(
    ("rate", "shown"),
    [("12.15", f"12,15{NBSP}%"), ("2.4", f"2,40{NBSP}%"), ("0.125", f"0,125{NBSP}%"), ("10", f"10,00{NBSP}%")],
)
def test_a_rate_has_a_decimal_comma_at_least_two_decimals_and_a_spaced_percent_sign(rate: str, shown: str) -> None:
    assert percent(rate) == shown


def test_a_day_is_written_day_month_year_from_a_date_or_an_iso_text() -> None:
    assert day(date(2026, 3, 5)) == "05/03/2026"
    assert day("2026-12-31") == "31/12/2026"
    assert day(None) == "-"


def test_a_number_of_days_keeps_the_places_asked() -> None:
    assert number(Decimal("197.66"), 1) == "197,7"
    assert number(1234, 0) == f"1{NNBSP}234"


def test_a_spreadsheet_cell_gets_a_decimal_comma_only_on_decimals() -> None:
    assert csv_number("55440.00") == "55440,00"
    assert csv_number("-40.00") == "-40,00"
    assert csv_number("-") == "-"
    assert csv_number(Decimal("0.2857")) == "0,2857"
    assert csv_number("2026-12-06") == "2026-12-06"
    assert csv_number("SARL 3.14 Menuiserie") == "SARL 3.14 Menuiserie"
    assert csv_number(7) == 7
