"""The rate register at its bounds: its fixed id, what its events say, the latest publishable half-year."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime, time
from decimal import Decimal
from uuid import UUID

import pytest

from domain.errors import InvalidInput, RuleViolation
from domain.rate_register import RATE_REGISTER_ID, NewRate, RateRegister
from domain.rates import HalfYear, RateTable
from domain.values import Now
from domain.vocabulary import RateKind
from tests.unit.legal_tables import legal_md_rates

UNTIL_2025H2 = RateTable([r for r in legal_md_rates() if r.half_year <= HalfYear(2025, 2)])
DECEMBER = date(2025, 12, 15)  # the latest publishable half-year is 2026H1


def at(day: date) -> Now:
    return Now(instant=datetime.combine(day, time(12), tzinfo=UTC), today=day)


def publish(register: RateRegister, half_year: HalfYear, *, source: str = "BCE", on: date = DECEMBER) -> None:
    register.publish(
        half_year=half_year,
        rates=[NewRate(RateKind.ECB_MRO, Decimal("2.15"), date(2025, 6, 11))],
        source=source,
        known=UNTIL_2025H2,
        now=at(on),
        actor="admin:bob",
    )


def test_the_register_of_every_store_has_the_same_fixed_id() -> None:
    assert UUID("f2a6018c-049a-5a54-8e0c-ed225a35d349") == RATE_REGISTER_ID
    assert RateRegister().id == RATE_REGISTER_ID


def test_the_next_half_year_is_publishable_and_the_one_after_is_not() -> None:
    register = RateRegister()
    publish(register, HalfYear(2026, 1))
    [event] = register.collect_events()

    assert (event.half_year, event.record()["aggregate_type"]) == ("2026H1", "RateRegister")
    with pytest.raises(RuleViolation) as refused:
        publish(RateRegister(), HalfYear(2026, 2), on=date(2025, 12, 31))
    assert refused.value.rule == "rate_half_year_not_future"


def test_a_source_is_five_hundred_characters_at_most() -> None:
    publish(RateRegister(), HalfYear(2026, 1), source="s" * 500)
    with pytest.raises(InvalidInput, match=r"^source: at most 500 characters"):
        publish(RateRegister(), HalfYear(2026, 1), source="s" * 501)


def test_a_publication_and_its_event_cannot_be_altered() -> None:
    register = RateRegister()
    publish(register, HalfYear(2026, 1))
    [event] = register.collect_events()
    new = NewRate(RateKind.ECB_MRO, Decimal("2.15"), date(2025, 6, 11))
    for value in (event, new):
        field = dataclasses.fields(value)[0].name
        with pytest.raises(dataclasses.FrozenInstanceError):
            setattr(value, field, None)
