"""Disputes and mediation at their limits: the field each error names, text lengths, same-day dates, numbering."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal

import pytest

from domain.errors import DomainError, InvalidInput
from domain.receivable import Receivable
from domain.values import Money
from domain.vocabulary import DisputeOutcome, DisputeReason
from tests.unit.builders import ACTOR, TODAY, at, eur, issued_receivable

NOW = at(TODAY)
TOMORROW = TODAY + timedelta(days=1)
OPENED = date(2024, 3, 1)


def _open(
    receivable: Receivable, *, on: date = OPENED, disputed: Money | None = None, description: str | None = None
) -> object:
    return receivable.open_dispute_for(
        reason=DisputeReason.PRICE, opened_on=on, disputed=disputed, description=description, now=NOW, actor=ACTOR
    )


def _disputed() -> Receivable:
    receivable = issued_receivable()
    _open(receivable)
    receivable.collect_events()
    return receivable


def _resolve(receivable: Receivable, *, on: date = TODAY, comment: str | None = None) -> object:
    return receivable.resolve_dispute(
        dispute_number=1, outcome=DisputeOutcome.REJECTED, resolved_on=on, comment=comment, now=NOW, actor=ACTOR
    )


def _mediating(*, on: date = OPENED) -> Receivable:
    receivable = issued_receivable()
    receivable.start_mediation(started_on=on, now=NOW, actor=ACTOR)
    receivable.collect_events()
    return receivable


FIELD_ERRORS: list[tuple[str, Callable[[], object]]] = [
    ("opened_on", lambda: _open(issued_receivable(), on=TOMORROW)),
    ("amount", lambda: _open(issued_receivable(), disputed=Money(Decimal("10.00"), "USD"))),
    ("resolved_on", lambda: _resolve(_disputed(), on=TOMORROW)),
    ("started_on", lambda: issued_receivable().start_mediation(started_on=TOMORROW, now=NOW, actor=ACTOR)),
    ("ended_on", lambda: _mediating().end_mediation(ended_on=TOMORROW, now=NOW, actor=ACTOR)),
]


@pytest.mark.parametrize(("field", "command"), FIELD_ERRORS, ids=[f for f, _ in FIELD_ERRORS])
def test_a_refused_dispute_or_mediation_names_the_field_at_fault(field: str, command: Callable[[], object]) -> None:
    with pytest.raises(DomainError) as caught:
        command()

    assert caught.value.message.startswith(f"{field}: ")


TEXT_FIELDS: list[tuple[str, int, Callable[[str], object]]] = [
    ("description", 4000, lambda value: _open(issued_receivable(), description=value)),
    ("comment", 4000, lambda value: _resolve(_disputed(), comment=value)),
    (
        "reference",
        100,
        lambda value: issued_receivable().start_mediation(started_on=OPENED, reference=value, now=NOW, actor=ACTOR),
    ),
    ("outcome", 1000, lambda value: _mediating().end_mediation(ended_on=TODAY, outcome=value, now=NOW, actor=ACTOR)),
]


@pytest.mark.parametrize(("field", "longest", "command"), TEXT_FIELDS, ids=[f for f, _, _ in TEXT_FIELDS])
def test_a_dispute_or_mediation_text_is_accepted_at_its_longest_and_refused_one_character_longer(
    field: str, longest: int, command: Callable[[str], object]
) -> None:
    command("x" * longest)

    with pytest.raises(InvalidInput) as caught:
        command("x" * (longest + 1))

    assert caught.value.rule == "text_length"
    assert caught.value.message == f"{field}: at most {longest} characters"


def test_a_dispute_may_be_resolved_on_the_day_it_was_opened() -> None:
    receivable = _disputed()

    _resolve(receivable, on=OPENED)

    assert receivable.disputes[0].resolved_on == OPENED


def test_a_mediation_may_end_on_the_day_it_started() -> None:
    receivable = _mediating(on=OPENED)

    receivable.end_mediation(ended_on=OPENED, now=NOW, actor=ACTOR)

    assert receivable.mediation_started_on is None


def test_a_dispute_may_cover_exactly_the_whole_invoice() -> None:
    receivable = issued_receivable()

    _open(receivable, disputed=eur("1200.00"))

    assert receivable.disputes[0].amount == Decimal("1200.00")


def test_a_second_dispute_is_numbered_two() -> None:
    receivable = _disputed()
    _resolve(receivable)

    _open(receivable, on=TODAY)

    assert [dispute.number for dispute in receivable.disputes] == [1, 2]
