"""Store verification (evidence.md §6, chain part): recompute every aggregate's chain
from what the store returns and name the first broken event of each.

The store is read through eventsourcing's recorder and mapper, not through the
aggregates, so a tampered event is reported instead of crashing a replay.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC
from uuid import UUID

from eventsourcing.persistence import ApplicationRecorder, Mapper, StoredEvent

from domain.canonical import GENESIS_HASH
from domain.chain import LedgerEvent

PAGE_SIZE = 1000


@dataclass(frozen=True)
class ChainBreak:
    aggregate_id: UUID
    version: int
    problem: str

    def __str__(self) -> str:
        return f"aggregate {self.aggregate_id} version {self.version}: {self.problem}"


@dataclass(frozen=True)
class AggregateHead:
    aggregate_id: UUID
    aggregate_type: str
    version: int
    head: str


@dataclass
class VerificationReport:
    heads: list[AggregateHead] = field(default_factory=list)
    breaks: list[ChainBreak] = field(default_factory=list)
    events: int = 0

    @property
    def ok(self) -> bool:
        return not self.breaks


def verify_store(
    recorder: ApplicationRecorder,
    mapper: Mapper[UUID],
    *,
    on_aggregate: Callable[[UUID], None] | None = None,
) -> VerificationReport:
    report = VerificationReport()
    for aggregate_id in sorted(_all_aggregate_ids(recorder), key=str):
        stored = list(recorder.select_events(aggregate_id))
        report.events += len(stored)
        outcome = verify_chain(aggregate_id, stored, mapper)
        if isinstance(outcome, ChainBreak):
            report.breaks.append(outcome)
        else:
            report.heads.append(outcome)
        if on_aggregate is not None:
            on_aggregate(aggregate_id)
    return report


def verify_chain(aggregate_id: UUID, stored: list[StoredEvent], mapper: Mapper[UUID]) -> AggregateHead | ChainBreak:
    """Check one aggregate: versions 1..n, exact bytes, links, one aggregate type."""
    previous = GENESIS_HASH
    aggregate_type = ""
    for expected_version, row in enumerate(stored, start=1):
        version = row.originator_version
        if version != expected_version:
            missing = f"version {expected_version} is missing" if version > expected_version else "version repeated"
            return ChainBreak(aggregate_id, expected_version, missing)
        try:
            event = mapper.to_domain_event(row)
            if not isinstance(event, LedgerEvent):
                return ChainBreak(aggregate_id, version, f"not a ledger event: {row.topic}")
            event_hash = event.hash()
            reencoded = mapper.to_stored_event(_as_recorded(event)).state
        except Exception as error:
            return ChainBreak(aggregate_id, version, f"stored event cannot be read ({type(error).__name__})")
        if reencoded != row.state:
            return ChainBreak(aggregate_id, version, "stored bytes differ from the event's encoding (altered)")
        if version == 1:
            aggregate_type = event.AGGREGATE_TYPE
        elif aggregate_type != event.AGGREGATE_TYPE:
            return ChainBreak(aggregate_id, version, f"a {event.AGGREGATE_TYPE} event in a {aggregate_type} journal")
        if event.previous_hash != previous:
            return _broken_link(aggregate_id, version, event_hash, stored[expected_version:], mapper)
        previous = event_hash
    if not stored:
        return ChainBreak(aggregate_id, 1, "no events")
    return AggregateHead(aggregate_id, aggregate_type, len(stored), previous)


def _as_recorded(event: LedgerEvent) -> LedgerEvent:
    """The event as the application creates it: fields in declared order, no extra key, UTC
    timestamp; re-encoding this must give the stored bytes, so that reordered keys, an added key
    or an equivalent time offset (which the hash does not see) are reported as alterations."""
    return dataclasses.replace(event, timestamp=event.timestamp.astimezone(UTC))


def _broken_link(
    aggregate_id: UUID, version: int, event_hash: str, following: list[StoredEvent], mapper: Mapper[UUID]
) -> ChainBreak:
    """Version n does not link to n-1. When n+1 still links to n, event n is intact and the
    event before it is the one that changed (or events were removed between them)."""
    if version > 1 and following and following[0].originator_version == version + 1:
        try:
            successor = mapper.to_domain_event(following[0])
        except Exception:
            successor = None
        if isinstance(successor, LedgerEvent) and successor.previous_hash == event_hash:
            return ChainBreak(
                aggregate_id,
                version - 1,
                f"its hash is not the previous_hash recorded by version {version} "
                "(altered, or events removed after it)",
            )
    return ChainBreak(
        aggregate_id,
        version,
        f"previous_hash does not match the hash of version {version - 1} (altered, removed or reordered)"
        if version > 1
        else "previous_hash of the first event is not the genesis hash (altered, or earlier events removed)",
    )


def _all_aggregate_ids(recorder: ApplicationRecorder) -> Iterator[UUID]:
    """Every originator in the log, whatever its first version (a deleted version 1 must show)."""
    seen: set[UUID] = set()
    start = 1
    while True:
        page = recorder.select_notifications(start=start, limit=PAGE_SIZE)
        for notification in page:
            originator = UUID(str(notification.originator_id))
            if originator not in seen:
                seen.add(originator)
                yield originator
        if len(page) < PAGE_SIZE:
            return
        start = page[-1].id + 1
