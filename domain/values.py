"""Value objects and the input checks shared by both aggregates."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from domain.errors import InvalidInput

CENT = Decimal("0.01")
MONEY_LIMIT = Decimal("1e13")
SHA256_PATTERN = re.compile(r"^[0-9a-f]{64}$")
CURRENCY_PATTERN = re.compile(r"^[A-Z]{3}$")


@dataclass(frozen=True)
class Money:
    amount: Decimal
    currency: str = "EUR"


@dataclass(frozen=True)
class Now:
    """The application's clock, carried by every command: the domain never reads time.

    ``instant`` stamps the event (UTC); ``today`` is the firm's calendar date at
    that instant, against which "not in the future" is judged.
    """

    instant: datetime
    today: date

    def __post_init__(self) -> None:
        if self.instant.tzinfo is None:
            raise ValueError("Now.instant must be timezone-aware")
        object.__setattr__(self, "instant", self.instant.astimezone(UTC))


def amount(value: Decimal | int | str, field: str, *, allow_zero: bool = False) -> Decimal:
    """A money amount: a decimal with at most two places, positive, as ``Decimal('12.30')``."""
    if isinstance(value, float):
        raise InvalidInput(f"{field}: money is never a float, give a decimal string", rule="amount_format")
    try:
        number = Decimal(value)
    except (InvalidOperation, ValueError, TypeError) as error:
        raise InvalidInput(f"{field}: {value!r} is not a decimal amount", rule="amount_format") from error
    if not number.is_finite():
        raise InvalidInput(f"{field}: {value!r} is not a finite amount", rule="amount_format")
    if not -MONEY_LIMIT < number < MONEY_LIMIT:  # first: quantize fails beyond 28 digits
        raise InvalidInput(f"{field}: {value} is out of range", rule="amount_range")
    exponent = number.as_tuple().exponent
    if isinstance(exponent, int) and exponent < -2 and number != number.quantize(CENT):
        raise InvalidInput(f"{field}: {value} has more than two decimal places", rule="amount_precision")
    if number < 0 or (number == 0 and not allow_zero):
        raise InvalidInput(f"{field}: {value} must be positive", rule="amount_positive")
    return number.quantize(CENT, rounding=ROUND_HALF_UP)


def currency(value: str) -> str:
    if not CURRENCY_PATTERN.match(value or ""):
        raise InvalidInput(f"currency: {value!r} is not an ISO 4217 code", rule="currency_format")
    return value


def sha256(value: str, field: str) -> str:
    if not SHA256_PATTERN.match(value or ""):
        raise InvalidInput(f"{field}: expected 64 lower-case hex digits", rule="sha256_format")
    return value


def optional_sha256(value: str | None, field: str) -> str | None:
    return None if value is None else sha256(value, field)


def text(value: str | None, field: str, *, max_length: int = 500, required: bool = True) -> str:
    cleaned = (value or "").strip()
    if required and not cleaned:
        raise InvalidInput(f"{field}: must not be empty", rule="text_required")
    if len(cleaned) > max_length:
        raise InvalidInput(f"{field}: at most {max_length} characters", rule="text_length")
    return cleaned


def optional_text(value: str | None, field: str, *, max_length: int = 500) -> str | None:
    cleaned = text(value, field, max_length=max_length, required=False)
    return cleaned or None


def is_ascii_digits(text: str) -> bool:
    """0-9 only: ``str.isdigit`` also accepts e.g. "²" or "٣", which ``int`` then refuses or misreads."""
    return text.isascii() and text.isdigit()


def luhn_valid(digits: str) -> bool:
    total = 0
    for index, char in enumerate(reversed(digits)):
        digit = int(char)
        if index % 2 == 1:
            digit *= 2
            if digit > 9:
                digit -= 9
        total += digit
    return total % 10 == 0


def siren(value: str) -> str:
    digits = value.replace(" ", "")
    if not (len(digits) == 9 and is_ascii_digits(digits) and luhn_valid(digits)):
        raise InvalidInput(f"siren: {value!r} is not a valid SIREN (9 digits, Luhn key)", rule="siren_format")
    return digits


def siret(value: str) -> str:
    digits = value.replace(" ", "")
    # La Poste's establishments (SIREN 356000000) use another key: accept them as digits only.
    if not (len(digits) == 14 and is_ascii_digits(digits) and (luhn_valid(digits) or digits.startswith("356000000"))):
        raise InvalidInput(f"siret: {value!r} is not a valid SIRET (14 digits, Luhn key)", rule="siret_format")
    return digits
