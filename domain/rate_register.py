"""The RateRegister aggregate: rates an administrator added after a release, with who added them.

One register per store (a fixed id), chained like every other aggregate, so the audit
trail shows who published which half-year's rate, from which source, and when. The
computations use the shipped data files plus these publications (``RateTable.merged_with``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from uuid import NAMESPACE_URL, uuid5

from domain.chain import ChainedAggregate, LedgerEvent
from domain.errors import InvalidInput, RuleViolation
from domain.rates import HalfYear, PublishedRate, RateTable, checked_rate
from domain.values import Now, text
from domain.vocabulary import RateKind

RATE_REGISTER_ID = uuid5(NAMESPACE_URL, "https://relance.invalid/rates")


@dataclass(frozen=True)
class RateRegisterEvent(LedgerEvent):
    AGGREGATE_TYPE = "RateRegister"


@dataclass(frozen=True)
class RatePublished(RateRegisterEvent):
    kind: RateKind
    half_year: str  # "2026H2"
    rate: Decimal  # percent, as published
    effective_from: date
    source: str
    published_on: date


@dataclass(frozen=True)
class NewRate:
    kind: RateKind
    rate: Decimal
    effective_from: date


class RateRegister(ChainedAggregate[RateRegisterEvent]):
    def __init__(self) -> None:
        super().__init__()
        self.id = RATE_REGISTER_ID
        self.publications: list[PublishedRate] = []

    def publish(
        self, *, half_year: HalfYear, rates: Sequence[NewRate], source: str, known: RateTable, now: Now, actor: str
    ) -> list[RatePublished]:
        """Add one half-year's rates (one event each, saved together). ``known`` is the table in use
        (data files and earlier publications): a duplicate or a gap is refused against it."""
        if not rates:
            raise InvalidInput("give at least one rate to publish", rule="rates_required")
        kinds = [r.kind for r in rates]
        if len(set(kinds)) != len(kinds):
            raise InvalidInput("each kind of rate once per publication", rule="rate_kind_once")
        latest = HalfYear.of(now.today).next()
        if half_year > latest:
            raise RuleViolation(
                f"half_year: {half_year} cannot be published yet (the latest publishable is {latest})",
                rule="rate_half_year_not_future",
            )
        cited = text(source, "source", max_length=500)
        table = known
        for new in rates:
            rate = checked_rate(new.rate, new.kind.value)
            # raises on a duplicate, a gap or a bad date of effect
            table = table.with_rate(PublishedRate(new.kind, half_year, rate, new.effective_from, cited))
        return [
            self._trigger(
                RatePublished,
                now,
                actor,
                kind=new.kind,
                half_year=str(half_year),
                rate=checked_rate(new.rate, new.kind.value),
                effective_from=new.effective_from,
                source=cited,
                published_on=now.today,
            )
            for new in rates
        ]

    def when(self, event: RateRegisterEvent) -> None:
        match event:
            case RatePublished():
                self.publications.append(
                    PublishedRate(
                        kind=event.kind,
                        half_year=HalfYear.parse(event.half_year),
                        rate=event.rate,
                        effective_from=event.effective_from,
                        source=event.source,
                        published_by=event.actor,
                        published_on=event.published_on,
                    )
                )
