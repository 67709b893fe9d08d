"""What people type into the console's forms, read into the values commands take.

Amounts the French way (``1 234,56``, ``1234,56 €``) or with a dot (``1234.56``); days ``dd/mm/yyyy`` or
ISO (``2026-06-20``). Reading is all this does: whether the amount is positive, has cents only, or the
day is allowed is the domain's to say, in its own words (api/console/messages.py).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date
from decimal import Decimal, InvalidOperation
from enum import Enum
from typing import Any, TypeVar
from uuid import UUID

from application.deposit_list import parse_day, two_digit_year

E = TypeVar("E", bound=Enum)
SPACES = re.compile(r"[\s\u00a0\u202f']")
FRENCH_GROUPED = re.compile(r"^-?\d{1,3}(\.\d{3})+(,\d*)?$")  # 1.234,56: dots group the thousands


class FormError(Exception):
    """A value the console cannot read (before any command is built): shown beside its field."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


class Inputs:
    """A posted form's text values, read field by field."""

    def __init__(self, values: Mapping[str, Any]) -> None:
        self.values = {k: v.strip() for k, v in values.items() if isinstance(v, str)}

    def text(self, name: str) -> str:
        return self.values.get(name, "")

    def optional(self, name: str) -> str | None:
        return self.text(name) or None

    def required(self, name: str, what: str = "Ce champ") -> str:
        value = self.text(name)
        if not value:
            raise FormError(name, f"{what} est obligatoire.")
        return value

    def amount(self, name: str) -> Decimal:
        value = self.optional_amount(name)
        if value is None:
            raise FormError(name, "Indiquez un montant, par exemple 1 234,56.")
        return value

    def optional_amount(self, name: str) -> Decimal | None:
        raw = self.text(name)
        return None if not raw else read_amount(raw, name)

    def day(self, name: str) -> date:
        value = self.optional_day(name)
        if value is None:
            raise FormError(name, "Indiquez une date (jj/mm/aaaa).")
        return value

    def optional_day(self, name: str) -> date | None:
        raw = self.text(name)
        return None if not raw else read_day(raw, name)

    def number(self, name: str) -> int:
        raw = self.text(name)
        if not raw.isascii() or not raw.isdigit():
            raise FormError(name, "Indiquez un numéro.")
        return int(raw)

    def optional_id(self, name: str) -> UUID | None:
        raw = self.text(name)
        if not raw:
            return None
        try:
            return UUID(raw)
        except ValueError:
            raise FormError(name, "Choisissez une valeur dans la liste.") from None

    def choice(self, name: str, vocabulary: type[E]) -> E:
        raw = self.text(name)
        try:
            return vocabulary(raw)
        except ValueError:
            raise FormError(name, "Choisissez une valeur dans la liste.") from None


def read_amount(raw: str, field: str) -> Decimal:
    """``1 234,56`` / ``1234,56 €`` / ``1.234,56`` / ``1234.56`` → Decimal('1234.56') (not rounded)."""
    text = SPACES.sub("", raw).removesuffix("€").removesuffix("EUR")
    if FRENCH_GROUPED.match(text):
        text = text.replace(".", "")
    if text.count(",") == 1 and "." not in text:
        text = text.replace(",", ".")
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise FormError(field, f"« {raw} » n'est pas un montant : écrivez par exemple 1 234,56.") from None
    if not value.is_finite():
        raise FormError(field, f"« {raw} » n'est pas un montant : écrivez par exemple 1 234,56.")
    return value


def read_day(raw: str, field: str) -> date:
    """``20/06/2026`` or ``2026-06-20``; a two-digit year asks for the full one."""
    try:
        return parse_day(raw)
    except ValueError:
        pass
    if two_digit_year(raw):
        raise FormError(field, f"« {raw} » : écrivez l'année en entier (jj/mm/aaaa).")
    raise FormError(field, f"« {raw} » n'est pas une date : écrivez jj/mm/aaaa.")
