"""The port through which the application reads and appends events (implemented in ``infrastructure``).

The use cases see histories of decoded events and one way to append; how they are stored, cached,
batched with other writers and retried is the adapter's business.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol
from uuid import UUID

from domain.chain import LedgerEvent


class AppendConflict(Exception):
    """A version the append needed is taken: another writer got there first (or the id exists)."""


@dataclass(frozen=True)
class CommandOutcome:
    """What a command sent with an idempotency key recorded: written in the same transaction as its events,
    so that a retry finds both or neither (decision 0015)."""

    scope: str  # whose key: a hash of the caller's credentials
    key: str
    request_hash: str  # the request the key was first used with
    aggregate_id: UUID
    first_version: int
    last_version: int


@dataclass(frozen=True)
class Revision:
    """An aggregate's last stored version and that event's stored bytes: equal revisions, equal states."""

    version: int
    state: bytes


@dataclass(frozen=True)
class History:
    """An aggregate's events as the store holds them, up to ``revision``."""

    revision: Revision
    events: tuple[LedgerEvent, ...]


class EventStore(Protocol):
    """Load a history, append with the expected versions (every event names its own), batch append."""

    def history(self, aggregate_id: UUID) -> History | None:
        """The aggregate's whole history as stored now (None: no such aggregate)."""
        ...

    def history_as_of(self, aggregate_id: UUID, as_of: datetime) -> list[LedgerEvent]:
        """The events recorded up to ``as_of``, read in full from the store."""
        ...

    def append(self, events: Sequence[LedgerEvent], outcomes: Sequence[CommandOutcome] = ()) -> None:
        """Append events of one or many aggregates atomically, with the outcomes of the keyed commands that
        produced them; ``AppendConflict`` if a version (or a key) is taken."""
        ...

    def command_outcome(self, scope: str, key: str) -> CommandOutcome | None:
        """What the command sent with this key recorded, if it recorded anything."""
        ...

    def ids_created_by(self, creation: type[LedgerEvent]) -> Iterator[UUID]:
        """Ids of the aggregates whose first event is of this type, in the order they were created."""
        ...

    # The notification log (one order over every event), for the services that follow it: verification,
    # scans, read models and indexes. eventsourcing's recorder and mapper on the real stores.
    @property
    def recorder(self) -> Any: ...

    @property
    def mapper(self) -> Any: ...

    def close(self) -> None: ...


def notification_pages(
    recorder: Any, *, start: int = 1, topics: Sequence[str] = (), page_size: int = 1000
) -> Iterator[Sequence[Any]]:
    """The notification log from ``start`` (only ``topics``, if given), a page at a time, until its end."""
    while True:
        page = recorder.select_notifications(start=start, limit=page_size, topics=list(topics))
        if page:
            yield page
        if len(page) < page_size:
            return
        start = page[-1].id + 1
