"""Golden vectors for canonical JSON (evidence.md §1).

Every expected output below is written by hand from the spec, never produced by the
code under test: a third party's tool must get these very bytes.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

import pytest

from domain.canonical import GENESIS_HASH, canonical_bytes, record_hash
from domain.receivable_events import ClaimBreakdown, Instalment
from domain.values import amount
from domain.vocabulary import PaymentMethod, ReminderStage


def canonical(value: Any) -> str:
    return canonical_bytes(value).decode("utf-8")


def test_keys_are_sorted_by_code_point_at_every_level() -> None:
    value = {"b": 1, "a": {"z": 1, "y": 2}, "A": 3, "é": 4}

    assert canonical(value) == '{"A":3,"a":{"y":2,"z":1},"b":1,"é":4}'


def test_there_is_no_white_space_between_tokens_but_strings_keep_theirs() -> None:
    value = {"label": "Maintenance contract", "items": [1, 2, {"x": " a b "}]}

    assert canonical(value) == '{"items":[1,2,{"x":" a b "}],"label":"Maintenance contract"}'


def test_non_ascii_text_is_written_as_utf_8_not_escaped() -> None:
    result = canonical_bytes({"legal_name": "Société Générale"})

    assert result == b'{"legal_name":"Soci\xc3\xa9t\xc3\xa9 G\xc3\xa9n\xc3\xa9rale"}'
    assert b"\\u" not in result


def test_quotes_backslashes_and_control_characters_are_escaped_the_json_way() -> None:
    assert canonical('a"b\\c\nd\te') == r'"a\"b\\c\nd\te"'


@pytest.mark.parametrize(
    ("money", "expected"),
    [
        (Decimal("1234.50"), '"1234.50"'),
        (Decimal("0.00"), '"0.00"'),
        (Decimal("9999999999999.99"), '"9999999999999.99"'),
        (amount("1234.5", "amount"), '"1234.50"'),
        (amount(40, "indemnity"), '"40.00"'),
    ],
)
def test_money_is_a_string_with_exactly_two_decimals(money: Decimal, expected: str) -> None:
    assert canonical(money) == expected


@pytest.mark.parametrize(
    ("rate", "expected"), [(Decimal("12.15"), '"12.15"'), (Decimal("8"), '"8"'), (Decimal("10.650"), '"10.650"')]
)
def test_a_rate_is_a_string_in_percent_as_given(rate: Decimal, expected: str) -> None:
    assert canonical({"rate": rate}) == '{"rate":' + expected + "}"


def test_integers_are_json_integers() -> None:
    assert canonical({"version": 3, "count": 0, "big": 9007199254740993, "minus": -1}) == (
        '{"big":9007199254740993,"count":0,"minus":-1,"version":3}'
    )


def test_booleans_stay_true_and_false() -> None:
    assert canonical({"erased": True, "paused": False}) == '{"erased":true,"paused":false}'


def test_none_is_null() -> None:
    assert canonical({"order_reference": None}) == '{"order_reference":null}'


@pytest.mark.parametrize(("day", "expected"), [(date(2024, 2, 29), '"2024-02-29"'), (date(2024, 1, 5), '"2024-01-05"')])
def test_a_date_is_year_month_day(day: date, expected: str) -> None:
    assert canonical(day) == expected


@pytest.mark.parametrize(
    ("instant", "expected"),
    [
        (datetime(2024, 3, 20, 14, 5, 6, tzinfo=UTC), '"2024-03-20T14:05:06.000000Z"'),
        (datetime(2024, 3, 20, 14, 5, 6, 7, tzinfo=UTC), '"2024-03-20T14:05:06.000007Z"'),
        (datetime(2024, 3, 20, 14, 5, 6, 789000, tzinfo=UTC), '"2024-03-20T14:05:06.789000Z"'),
        (datetime(2024, 7, 1, 0, 30, tzinfo=ZoneInfo("Europe/Paris")), '"2024-06-30T22:30:00.000000Z"'),
        (datetime(2024, 1, 15, 10, 0, tzinfo=ZoneInfo("Europe/Paris")), '"2024-01-15T09:00:00.000000Z"'),
        (datetime(2023, 12, 31, 20, 0, tzinfo=timezone(timedelta(hours=-5))), '"2024-01-01T01:00:00.000000Z"'),
    ],
)
def test_an_instant_is_written_in_utc_with_six_fraction_digits_and_z(instant: datetime, expected: str) -> None:
    assert canonical(instant) == expected


def test_a_naive_datetime_is_refused() -> None:
    with pytest.raises(ValueError):
        canonical_bytes({"recorded_at": datetime(2024, 3, 20, 14, 5, 6)})


def test_a_uuid_is_lower_case_with_hyphens() -> None:
    assert canonical(UUID("6F1C2B9E-3D4A-4C5B-8E7F-0A1B2C3D4E5F")) == '"6f1c2b9e-3d4a-4c5b-8e7f-0a1b2c3d4e5f"'


def test_an_enum_is_its_string_value() -> None:
    assert canonical([PaymentMethod.DIRECT_DEBIT, ReminderStage.FIRST]) == '["direct_debit","first"]'


def test_lists_keep_their_order_and_tuples_are_lists() -> None:
    assert canonical({"lines": ["c", "a", "b"], "pair": (2, 1)}) == '{"lines":["c","a","b"],"pair":[2,1]}'


def test_a_nested_dataclass_is_an_object_of_its_fields() -> None:
    claimed = ClaimBreakdown(principal=Decimal("1200.00"), interest=Decimal("25.10"), indemnity=Decimal("40.00"))

    assert canonical({"claimed": claimed}) == (
        '{"claimed":{"indemnity":"40.00","interest":"25.10","principal":"1200.00"}}'
    )


def test_a_list_of_dataclasses_keeps_its_order() -> None:
    schedule = [
        Instalment(due_date=date(2024, 5, 31), amount=Decimal("600.00")),
        Instalment(due_date=date(2024, 4, 30), amount=Decimal("600.00")),
    ]

    assert canonical(schedule) == (
        '[{"amount":"600.00","due_date":"2024-05-31"},{"amount":"600.00","due_date":"2024-04-30"}]'
    )


@dataclass(frozen=True)
class Wrapper:
    inner: Any


@pytest.mark.parametrize(
    "value",
    [1.5, {"amount": 0.1}, {"a": [{"b": [2.0]}]}, Wrapper(inner={"rate": 12.15}), (1, 2.5), float("nan")],
    ids=["top_level", "in_object", "deeply_nested", "in_dataclass", "in_tuple", "nan"],
)
def test_a_float_is_refused_wherever_it_hides(value: Any) -> None:
    with pytest.raises(TypeError):
        canonical_bytes(value)


@pytest.mark.parametrize("value", [Decimal("NaN"), Decimal("Infinity"), Decimal("-Infinity")])
def test_a_non_finite_decimal_is_refused(value: Decimal) -> None:
    with pytest.raises(ValueError):
        canonical_bytes({"amount": value})


def test_a_value_with_no_canonical_form_is_refused() -> None:
    with pytest.raises(TypeError):
        canonical_bytes({"tags": {"a", "b"}})


def test_the_hash_of_a_record_is_the_lower_case_hex_sha256_of_its_canonical_bytes() -> None:
    assert record_hash({"a": 1}) == hashlib.sha256(b'{"a":1}').hexdigest()
    assert record_hash({"a": 1}) == "015abd7f5cc57a2dd94b7590f04ad8084273905ee33ec5cebeae62276a97f862"


def test_the_genesis_hash_is_sixty_four_zeros() -> None:
    assert GENESIS_HASH == "0000000000000000000000000000000000000000000000000000000000000000"
