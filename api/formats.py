"""The one French human format of the command line's text output (decision 0085).

Money ``1 234,56 €`` (two decimals, rounded half-up for display only), rates ``12,15 %``,
days ``dd/mm/yyyy``. JSON output (``--json``) keeps the API's machine forms untouched;
CSV for a French spreadsheet uses ``;``, a decimal comma and no thousands separator.
"""

from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

GROUP = "\u202f"  # narrow no-break space between thousands, as French typography wants
SPACE = "\u00a0"  # no-break space before the currency symbol and the percent sign
CENT = Decimal("0.01")
SYMBOLS = {"EUR": "€"}


def number(value: Decimal | str | int, places: int = 2) -> str:
    """``1 234,56``: grouped by thousands, a decimal comma, ``places`` decimals (half-up)."""
    amount = Decimal(value).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    sign = "-" if amount < 0 else ""
    whole, _, fraction = f"{abs(amount):f}".partition(".")
    grouped = f"{int(whole):,}".replace(",", GROUP)
    return f"{sign}{grouped},{fraction}" if fraction else f"{sign}{grouped}"


def money(value: Decimal | str | int, currency: str | None = "EUR") -> str:
    """``1 234,56 €``; another currency by its code (``1 234,56 USD``); None: the figure alone."""
    figure = number(value)
    if currency is None:
        return figure
    return f"{figure}{SPACE}{SYMBOLS.get(currency, currency)}"


def percent(value: Decimal | str) -> str:
    """``12,15 %``: at least two decimals, more only when the rate has them (``0,125 %`` stays exact)."""
    rate = Decimal(value)
    places = max(2, -int(rate.normalize().as_tuple().exponent))
    return f"{number(rate, places)}{SPACE}%"


def day(value: date | str | None, missing: str = "-") -> str:
    """``31/12/2026``; an ISO 8601 text is read first."""
    if value is None or value == "":
        return missing
    if isinstance(value, str):
        value = date.fromisoformat(value[:10])
    return f"{value:%d/%m/%Y}"


def csv_number(value: object) -> object:
    """A cell for a French spreadsheet: a decimal written with a comma, other values unchanged."""
    if isinstance(value, Decimal):
        return f"{value:f}".replace(".", ",")
    if isinstance(value, str) and value.removeprefix("-")[:1].isdigit() and value.count(".") == 1:
        try:
            Decimal(value)
        except InvalidOperation:
            return value
        return value.replace(".", ",")
    return value
