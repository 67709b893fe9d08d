"""Hash-chained ledger events and the aggregate plumbing both aggregates share.

Every event carries ``actor`` and ``previous_hash``; its canonical record
(evidence.md §2) is derived from the event alone, so the chain can be recomputed
from whatever the store returns.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, Self, TypeVar, cast
from uuid import UUID

from eventsourcing.domain import DomainEvent

from domain.canonical import GENESIS_HASH, record_hash
from domain.errors import InvalidInput
from domain.personal import sealed_forms
from domain.values import Now, text

ENVELOPE_FIELDS = frozenset({"originator_id", "originator_version", "timestamp", "actor", "previous_hash"})
# A field added to an event after events of that type were recorded is declared with
# ``added_field()``: absent from the record while unset, so the hashes of the older events hold.
ADDED_LATER = "added_later"
PERSONAL = "personal"


def added_field(*, personal: bool = False) -> Any:
    """``personal``: the field also holds a natural person's data (sealed under the aggregate's key)."""
    metadata: dict[str, Any] = {ADDED_LATER: True}
    if personal:
        metadata[PERSONAL] = ""
    return dataclasses.field(default=None, metadata=metadata)


# A field holding a natural person's data (docs/privacy.md), declared ``field(metadata=personal())``: sealed
# under its subject's key before it is stored, so that the record and its hash hold the sealed form. The
# subject is the aggregate, or the id held by the field named ``subject`` (a contact).


def personal(*, subject: str = "") -> dict[str, str]:
    return {PERSONAL: subject}


def personal_fields(event_class: type[LedgerEvent]) -> dict[str, str]:
    """The event's personal fields, each with the field naming its subject ("" for the aggregate)."""
    found = _PERSONAL_FIELDS.get(event_class)
    if found is None:
        found = {f.name: f.metadata[PERSONAL] for f in dataclasses.fields(event_class) if PERSONAL in f.metadata}
        _PERSONAL_FIELDS[event_class] = found
    return found


_PERSONAL_FIELDS: dict[type, dict[str, str]] = {}


@dataclass(frozen=True)
class LedgerEvent(DomainEvent):
    """Base of every Receivable and Debtor event.

    The event ``type`` in the journal is the class name: classes are never renamed
    (an upcaster and a registered topic would be needed, see docs/decisions).
    """

    actor: str
    previous_hash: str

    AGGREGATE_TYPE = ""  # not annotated: an annotation would make it a dataclass field

    @classmethod
    def type_name(cls) -> str:
        return cls.__name__

    def data(self) -> dict[str, Any]:
        """The event's own fields: what the journal shows under ``data``."""
        return {
            field.name: getattr(self, field.name)
            for field in dataclasses.fields(self)
            if field.name not in ENVELOPE_FIELDS
            and not (field.metadata.get(ADDED_LATER) and getattr(self, field.name) is None)
        }

    def record(self) -> dict[str, Any]:
        """The canonical record of evidence.md §2 (values still as Python objects)."""
        return {
            "actor": self.actor,
            "aggregate_id": self.originator_id,
            "aggregate_type": self.AGGREGATE_TYPE,
            "data": sealed_forms(self.data()) if personal_fields(type(self)) else self.data(),
            "previous_hash": self.previous_hash,
            "recorded_at": self.timestamp,
            "type": self.type_name(),
            "version": self.originator_version,
        }

    def hash(self) -> str:
        return record_hash(self.record())


TEvent = TypeVar("TEvent", bound=LedgerEvent)
E = TypeVar("E", bound=LedgerEvent)


def actor_name(actor: str) -> str:
    name = text(actor, "actor", max_length=200)
    if "\n" in name:
        raise InvalidInput("actor: a single line is expected", rule="text_format")
    return name


class ChainedAggregate(Generic[TEvent]):
    """Version, head and pending events: the part of an aggregate that is not domain.

    Subclasses implement ``when(event)``: state changes only, no validation and no
    clock, because it runs again on every replay.
    """

    def __init__(self) -> None:
        self.id: UUID = UUID(int=0)
        self.version = 0
        self._last_event: TEvent | None = None
        self._pending: list[TEvent] = []

    @property
    def head(self) -> str:
        """Hash of the last event, computed when asked (replay does not pay for it)."""
        return GENESIS_HASH if self._last_event is None else self._last_event.hash()

    @property
    def last_recorded_at(self) -> datetime | None:
        return None if self._last_event is None else self._last_event.timestamp

    def apply(self, event: TEvent) -> None:
        self.when(event)
        self.id = event.originator_id
        self.version = event.originator_version
        self._last_event = event

    def when(self, event: TEvent) -> None:
        raise NotImplementedError

    def _trigger(self, event_class: type[E], now: Now, actor: str, **fields: Any) -> E:
        event = event_class(
            originator_id=self.id,
            originator_version=self.version + 1,
            timestamp=now.instant,
            actor=actor_name(actor),
            previous_hash=self.head,
            **fields,
        )
        self.apply(cast(TEvent, event))
        self._pending.append(cast(TEvent, event))
        return event

    def seal_pending(self, seal: Callable[[TEvent], TEvent]) -> None:
        """Put the pending events' personal data in its sealed form (``seal``, given by the application: the
        domain holds no key), each chained again to the one before, as the store will hold them."""
        if not any(personal_fields(type(e)) for e in self._pending):
            return
        previous, sealed = self._pending[0].previous_hash, []
        for event in self._pending:
            event = dataclasses.replace(seal(event), previous_hash=previous)
            sealed.append(event)
            previous = event.hash()
        self._pending, self._last_event = sealed, sealed[-1]

    def collect_events(self) -> list[TEvent]:
        """What ``Application.save`` stores, in order; emptied once taken."""
        events, self._pending = self._pending, []
        return events

    @classmethod
    def replay(cls, events: Iterable[TEvent]) -> Self | None:
        aggregate: Self | None = None
        for event in events:
            if aggregate is None:
                aggregate = cls()
            aggregate.apply(event)
        return aggregate
