"""An event store in memory, for the application tests: the port's contract, nothing more.

It keeps the events it was given (aggregates are replayed from them, so a command that mutates what
it decided on leaves nothing behind) and refuses an append whose versions are taken, as the real
stores do. It has no notification log: services that follow one need SQLite or PostgreSQL.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

from application.event_store import AppendConflict, CommandOutcome, History, Revision
from application.sealing import Sealer, reopened
from domain.chain import LedgerEvent


class InMemoryEventStore:
    def __init__(self, sealer: Sealer | None = None) -> None:
        self._sealer = sealer  # personal data is opened again at each read, as a real store decodes it
        self._events: dict[UUID, list[LedgerEvent]] = {}
        self._outcomes: dict[tuple[str, str], CommandOutcome] = {}
        self._lock = threading.Lock()

    def history(self, aggregate_id: UUID) -> History | None:
        with self._lock:
            events = tuple(self._events.get(aggregate_id, ()))
        if not events:
            return None
        return History(Revision(events[-1].originator_version, bytes.fromhex(events[-1].hash())), self._read(events))

    def history_as_of(self, aggregate_id: UUID, as_of: datetime) -> list[LedgerEvent]:
        with self._lock:
            events = tuple(e for e in self._events.get(aggregate_id, ()) if e.timestamp <= as_of)
        return list(self._read(events))

    def _read(self, events: tuple[LedgerEvent, ...]) -> tuple[LedgerEvent, ...]:
        sealer = self._sealer
        return events if sealer is None else tuple(reopened(e, sealer) for e in events)

    def append(self, events: Sequence[LedgerEvent], outcomes: Sequence[CommandOutcome] = ()) -> None:
        with self._lock:
            for outcome in outcomes:
                if (outcome.scope, outcome.key) in self._outcomes:
                    raise AppendConflict(f"idempotency key {outcome.key!r} is taken")
            lengths = {aggregate_id: len(self._events.get(aggregate_id, ())) for aggregate_id in self._ids(events)}
            for event in events:
                expected = lengths[event.originator_id] + 1
                if event.originator_version != expected:
                    raise AppendConflict(f"{event.originator_id} version {event.originator_version} is taken")
                lengths[event.originator_id] = expected
            for event in events:
                self._events.setdefault(event.originator_id, []).append(event)
            self._outcomes.update({(o.scope, o.key): o for o in outcomes})

    def command_outcome(self, scope: str, key: str) -> CommandOutcome | None:
        with self._lock:
            return self._outcomes.get((scope, key))

    def ids_created_by(self, creation: type[LedgerEvent]) -> Iterator[UUID]:
        with self._lock:
            found = [i for i, events in self._events.items() if isinstance(events[0], creation)]
        return iter(found)

    @property
    def recorder(self) -> Any:
        raise NotImplementedError("the in-memory store has no notification log")

    @property
    def mapper(self) -> Any:
        raise NotImplementedError("the in-memory store stores no bytes")

    def close(self) -> None:
        pass

    @staticmethod
    def _ids(events: Sequence[LedgerEvent]) -> list[UUID]:
        return list(dict.fromkeys(e.originator_id for e in events))
