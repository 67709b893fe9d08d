"""The documented formats of money and dates, and nothing looser (issue 15, items 2 and 20; decision 0081).

Pydantic's lax mode reads ``250.5`` (a float), ``"1_000.00"``, full-width digits and padded
strings as decimals, and ``0`` as the date 1970-01-01. The API documents money as a decimal
string with a point and dates as ``YYYY-MM-DD``: these checks run before pydantic's and say
what to send instead. The domain still judges the value (two places at most, positive).
"""

from __future__ import annotations

import re
import types
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any, Union, get_args, get_origin

from pydantic_core import PydanticCustomError

AMOUNT_PATTERN = r"^[0-9]+(\.[0-9]{1,2})?$"  # what the OpenAPI promises; the domain names finer rules
_AMOUNT_SHAPE = re.compile(r"-?[0-9]+(\.[0-9]+)?", re.ASCII)  # let the domain say "two places", "positive"
_DECIMAL_COMMA = re.compile(r"-?[0-9]+,[0-9]+", re.ASCII)
_DAY_SHAPE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", re.ASCII)
_FRENCH_DAY = re.compile(r"([0-9]{1,2})[/.]([0-9]{1,2})[/.]([0-9]{4})", re.ASCII)
FORMAT_RULES = frozenset({"amount_as_number", "amount_format", "date_format"})  # a problem's `rule`
AMOUNT_EXAMPLE = "1234.50"
DAY_EXAMPLE = "2026-12-04"


def documented_amount(value: Any) -> Any:
    """An amount as the API documents it: a string of ASCII digits with an optional decimal point."""
    if isinstance(value, Decimal):  # built in Python, not sent
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        raise PydanticCustomError(
            "amount_as_number",
            'amounts are sent as strings: "{example}", not the number {value}',
            {"example": _as_string(value), "value": value},
        )
    if isinstance(value, str):
        if _AMOUNT_SHAPE.fullmatch(value):
            return value
        if _DECIMAL_COMMA.fullmatch(value):
            raise PydanticCustomError(
                "amount_format",
                'amounts use a decimal point, not a comma: "{example}"',
                {"example": value.replace(",", ".")},
            )
    raise PydanticCustomError(
        "amount_format",
        "an amount is a string of digits with a decimal point and at most two places, "
        'without spaces or separators, e.g. "{example}"',
        {"example": AMOUNT_EXAMPLE},
    )


def _as_string(number: int | float) -> str:
    try:
        decimal = Decimal(str(number))
    except InvalidOperation:  # pragma: no cover - str() of an int or float is always a decimal
        return AMOUNT_EXAMPLE
    return f"{decimal:.2f}" if decimal.is_finite() else AMOUNT_EXAMPLE


def documented_day(value: Any) -> Any:
    """A date as the API documents it: ``YYYY-MM-DD`` in ASCII digits (pydantic then checks the calendar)."""
    if isinstance(value, date):  # built in Python, not sent
        return value
    if isinstance(value, str) and _DAY_SHAPE.fullmatch(value):
        return value
    raise day_format_error(value)


def day_format_error(value: Any) -> PydanticCustomError:
    french = _FRENCH_DAY.fullmatch(value) if isinstance(value, str) else None
    if french is not None:
        day, month, year = french.groups()
        return PydanticCustomError(
            "date_format",
            'dates are written YYYY-MM-DD: "{example}", not "{value}"',
            {"example": f"{year}-{int(month):02d}-{int(day):02d}", "value": value},
        )
    return PydanticCustomError(
        "date_format", 'dates are written YYYY-MM-DD, e.g. "{example}"', {"example": DAY_EXAMPLE}
    )


def is_day(annotation: Any) -> bool:
    """``date``, ``date | None`` and the like (never ``datetime``, an instant)."""
    if annotation is date:
        return True
    if get_origin(annotation) in (Union, types.UnionType):
        return any(is_day(argument) for argument in get_args(annotation))
    return False
