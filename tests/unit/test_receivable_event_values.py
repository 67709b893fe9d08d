"""The values inside receivable events: a claim's total, instalments, and the aggregate type recorded."""

from __future__ import annotations

import dataclasses
from datetime import date
from decimal import Decimal

import pytest

from domain.receivable_events import ClaimBreakdown, Instalment
from tests.unit.builders import ACTOR, TODAY, at, issued_receivable, with_formal_notice


def test_a_claim_totals_its_principal_interest_and_indemnity() -> None:
    assert ClaimBreakdown(Decimal("1200.00"), Decimal("25.10"), Decimal("40.00")).total == Decimal("1265.10")


def test_a_claim_and_an_instalment_cannot_be_altered() -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        ClaimBreakdown(Decimal("1"), Decimal("0"), Decimal("0")).principal = Decimal("2")  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        Instalment(date(2024, 3, 1), Decimal("100.00")).amount = Decimal("1")  # type: ignore[misc]


def test_a_receivable_event_is_recorded_under_the_receivable_aggregate_type() -> None:
    receivable = with_formal_notice(issued_receivable())
    receivable.add_note(note="called the accountant", now=at(TODAY), actor=ACTOR)

    [event] = receivable.collect_events()
    assert event.record()["aggregate_type"] == "Receivable"
