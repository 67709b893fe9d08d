"""The event store on SQLite or PostgreSQL, through eventsourcing: the application's ``EventStore`` port.

Storage mechanics live here: decoded histories cached per process, concurrent writes of a process
committed together (group commit), and eventsourcing's retries on a broken connection made so as to
tell a retried commit that had reached the disk from a real conflict.
"""

from __future__ import annotations

import functools
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from time import sleep
from typing import Any
from uuid import UUID

from eventsourcing.application import Application
from eventsourcing.persistence import (
    IntegrityError,
    InterfaceError,
    JSONTranscoder,
    OperationalError,
    StoredEvent,
    Transcoder,
    Transcoding,
)
from eventsourcing.utils import get_topic

from application.event_store import AppendConflict, CommandOutcome, History, Revision, notification_pages
from application.sealing import Sealer, opened
from application.transcodings import register_journal_transcodings
from domain.chain import LedgerEvent
from domain.personal import Personal, Sealed
from infrastructure.recorders import RECORDER_TOPICS

PAGE_SIZE = 1000
CACHED_EVENTS = 50_000  # per process: decoded events kept for the next load (about 1 KB each)
INSERT_ATTEMPTS = 10  # as eventsourcing's recorder retries a statement whose connection broke
INSERT_RETRY_WAIT = 0.2


class EventsourcingStore(Application[UUID]):
    """One eventsourcing application (one notification log) holds every aggregate, so that a single walk
    of the store verifies every chain. Its name fixes the table names (``ledger_events``)."""

    name = "ledger"
    env = {"IS_SNAPSHOTTING_ENABLED": "n"}  # noqa: RUF012 - eventsourcing reads a class attribute

    def __init__(
        self, env: dict[str, str] | None = None, *, cached_events: int = CACHED_EVENTS, sealer: Sealer | None = None
    ) -> None:
        self._sealer = sealer  # before eventsourcing builds its transcoder, which needs it
        env = dict(env or {})
        module = env.get("PERSISTENCE_MODULE", "")
        if module in RECORDER_TOPICS:  # the events' recorder, plus the outcomes of keyed commands (decision 0015)
            env.setdefault("APPLICATION_RECORDER_TOPIC", RECORDER_TOPICS[module])
        super().__init__(env)
        self._histories = Histories(cached_events)
        self._writes = GroupCommit(self._insert)

    def construct_transcoder(self) -> Transcoder:
        transcoder = JSONTranscoder() if self._sealer is None else SealingTranscoder(self._sealer)
        self.register_transcodings(transcoder)
        return transcoder

    def register_transcodings(self, transcoder: Transcoder) -> None:
        super().register_transcodings(transcoder)  # type: ignore[arg-type]
        register_journal_transcodings(transcoder)

    # ------------------------------------------------------------------ the port

    def history(self, aggregate_id: UUID) -> History | None:
        """The cached events, and only the newer ones selected and decoded. The cached last event is
        selected again and compared byte for byte, so a store that no longer holds what was decoded
        (restored, truncated) is read in full."""
        cached = self._histories.get(aggregate_id)
        if cached is not None:
            last = cached.revision
            stored = self.recorder.select_events(aggregate_id, gt=last.version - 1)
            if stored and stored[0].originator_version == last.version and stored[0].state == last.state:
                newer = self._decoded(stored[1:])
                if not self._erased_by(aggregate_id, newer):
                    history = _extended(cached, stored[-1], newer)
                    if history is not cached:
                        self._histories.put(aggregate_id, history)
                    return history
            self._histories.discard(aggregate_id)
        stored = self.recorder.select_events(aggregate_id)
        if not stored:
            return None
        history = History(Revision(stored[-1].originator_version, stored[-1].state), tuple(self._decoded(stored)))
        self._histories.put(aggregate_id, history)
        return history

    def forget_decoded(self) -> None:
        """Drop every cached history: an erasure destroyed keys that opened some of them (its debtor's, and
        its receivables' free texts, which the debtor's history does not name)."""
        self._histories.clear()

    def history_as_of(self, aggregate_id: UUID, as_of: datetime) -> list[LedgerEvent]:
        return [e for e in self._decoded(self.recorder.select_events(aggregate_id)) if e.timestamp <= as_of]

    def append(self, events: Sequence[LedgerEvent], outcomes: Sequence[CommandOutcome] = ()) -> None:
        """Encode here, in the caller's thread, then insert with the other threads' writes (GroupCommit).
        ``Application.save`` does the same minus the batching: snapshots are off and ``_notify`` is empty."""
        stored = [self.mapper.to_stored_event(event) for event in events]
        try:
            self._writes.write(stored, tuple(outcomes))
        except IntegrityError as error:
            raise AppendConflict(str(error)) from error

    def command_outcome(self, scope: str, key: str) -> CommandOutcome | None:
        find = getattr(self.recorder, "command_outcome", None)
        return None if find is None else find(scope, key)

    def ids_created_by(self, creation: type[LedgerEvent]) -> Iterator[UUID]:
        for page in notification_pages(self.recorder, topics=[get_topic(creation)], page_size=PAGE_SIZE):
            for notification in page:
                if notification.originator_version == 1:
                    yield UUID(str(notification.originator_id))

    # ------------------------------------------------------------------ mechanics

    def _insert(self, stored: Sequence[StoredEvent], outcomes: Sequence[CommandOutcome] = ()) -> None:
        """The recorder's insert with eventsourcing's own retries on a broken connection (10 attempts,
        0.2 s apart), made here so as to know when a retry meets a duplicate: the first attempt may
        have committed before its acknowledgement was lost. Then, if the rows in the store are these
        very rows, the write is done, recorded once; a duplicate on a first attempt is a conflict."""
        extra = {"outcomes": outcomes} if outcomes else {}
        insert = getattr(self.recorder.insert_events, "__wrapped__", None)
        if insert is None:  # a recorder without retries (SQLite): nothing to tell apart
            self.recorder.insert_events(stored, **extra)
            return
        broken = 0
        while True:
            try:
                insert(self.recorder, stored, **extra)
                return
            except IntegrityError:
                if broken and self._already_stored(stored):
                    return
                raise
            except (InterfaceError, OperationalError):
                broken += 1
                if broken >= INSERT_ATTEMPTS:
                    raise
                sleep(INSERT_RETRY_WAIT)

    def _already_stored(self, stored: Sequence[StoredEvent]) -> bool:
        """Whether these exact rows are in the store (same bytes: instant to the microsecond, actor,
        previous hash)."""
        by_aggregate: dict[Any, list[StoredEvent]] = {}
        for row in stored:
            by_aggregate.setdefault(row.originator_id, []).append(row)
        for aggregate_id, rows in by_aggregate.items():
            versions = [row.originator_version for row in rows]
            found = self.recorder.select_events(aggregate_id, gt=min(versions) - 1, lte=max(versions))
            if [(f.originator_version, f.topic, bytes(f.state)) for f in found] != [
                (r.originator_version, r.topic, bytes(r.state)) for r in rows
            ]:
                return False
        return True

    def _erased_by(self, aggregate_id: UUID, newer: Sequence[LedgerEvent]) -> bool:
        """Whether the newer events erase the aggregate's personal data: then its keys are forgotten here too
        and the cached events, decoded while they could be opened, are read again."""
        if self._sealer is None:
            return False
        contacts = [getattr(e, getattr(e, "ERASES_SUBJECT", "")) for e in newer if getattr(e, "ERASES_SUBJECT", None)]
        if not contacts and not any(getattr(e, "ERASES_PERSONAL_DATA", False) for e in newer):
            return False
        for subject in contacts:  # a contact erased on their own: only their key
            getattr(self._sealer, "forget_subject", lambda _: None)(subject)
        if any(getattr(e, "ERASES_PERSONAL_DATA", False) for e in newer):
            getattr(self._sealer, "forget", lambda _: None)(aggregate_id)
        self._histories.clear()  # its receivables' free texts were opened with keys it held too
        return True

    def _decoded(self, stored: Sequence[StoredEvent]) -> list[LedgerEvent]:
        return [e for e in map(self.mapper.to_domain_event, stored) if isinstance(e, LedgerEvent)]


class PersonalAsSealed(Transcoding):
    """A personal datum is stored as its sealed form only; read back, it is opened (or shown as erased)."""

    type = Personal
    name = "personal"

    def __init__(self, sealer: Sealer) -> None:
        self._sealer = sealer

    def encode(self, obj: Personal) -> dict[str, str]:
        return {"alg": obj.sealed.alg, "ciphertext": obj.sealed.ciphertext, "subject": str(obj.sealed.subject)}

    def decode(self, data: dict[str, str]) -> Personal:
        return opened(Sealed(_subject(data["subject"]), data["ciphertext"], data["alg"]), self._sealer)


_subject = functools.lru_cache(maxsize=65_536)(UUID)  # a person's values name their subject again and again


_JSON_NATIVE = frozenset({str, int, float, bool, type(None)})


class SealingTranscoder(JSONTranscoder):
    """eventsourcing's JSON transcoder, but a personal datum, being a ``str``, would be written by ``json`` as
    its plain text without asking for its transcoding: every value goes through the transcodings here first,
    so that nothing but the sealed form is ever written."""

    def __init__(self, sealer: Sealer) -> None:
        super().__init__()
        self.register(PersonalAsSealed(sealer))

    def encode(self, obj: Any) -> bytes:
        return super().encode(self._transcoded(obj))

    def _transcoded(self, value: Any) -> Any:
        kind = type(value)
        if kind in _JSON_NATIVE:
            return value
        if kind is dict:
            return {key: self._transcoded(item) for key, item in value.items()}
        if kind is list or kind is tuple:
            return [self._transcoded(item) for item in value]
        transcoding = self.types.get(kind)
        if transcoding is None:
            return value  # json refuses it below, as it always did
        return {"_type_": transcoding.name, "_data_": self._transcoded(transcoding.encode(value))}


def _extended(history: History, last: StoredEvent, newer: Sequence[LedgerEvent]) -> History:
    if last.originator_version == history.revision.version:
        return history
    return History(Revision(last.originator_version, last.state), history.events + tuple(newer))


class Histories:
    """A bounded, least-recently-used cache of decoded histories, shared by the threads of one process.

    It holds only events read back from the store, never an aggregate: every load replays a fresh
    aggregate, so a command that fails (or one that mutates what it was given) leaves nothing behind.
    Events are immutable, so a history is only ever extended; what other processes wrote is picked up
    by the select of newer events that every load makes.
    """

    def __init__(self, max_events: int) -> None:
        self._max_events = max_events
        self._entries: OrderedDict[UUID, History] = OrderedDict()
        self._size = 0
        self._lock = threading.Lock()

    def get(self, aggregate_id: UUID) -> History | None:
        with self._lock:
            history = self._entries.get(aggregate_id)
            if history is not None:
                self._entries.move_to_end(aggregate_id)
            return history

    def put(self, aggregate_id: UUID, history: History) -> None:
        if len(history.events) > self._max_events:
            return
        with self._lock:
            known = self._entries.get(aggregate_id)
            if known is not None and known.revision.version >= history.revision.version:
                return  # another thread got there with as much or more
            self._drop(aggregate_id)
            self._entries[aggregate_id] = history
            self._size += len(history.events)
            while self._size > self._max_events:
                self._drop(next(iter(self._entries)))

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._size = 0

    def discard(self, aggregate_id: UUID) -> None:
        with self._lock:
            self._drop(aggregate_id)

    def _drop(self, aggregate_id: UUID) -> None:
        history = self._entries.pop(aggregate_id, None)
        if history is not None:
            self._size -= len(history.events)


@dataclass
class _Write:
    stored: Sequence[StoredEvent]
    outcomes: Sequence[CommandOutcome] = ()
    done: bool = False
    error: BaseException | None = None


class GroupCommit:
    """Concurrent writes of one process share a transaction (group commit).

    eventsourcing locks the events table for each write until its commit is on disk, so that
    notification ids commit in order: writes one at a time, one fsync each. Here a thread that finds
    no write in progress takes every write queued so far and inserts them in one transaction (one
    lock, one fsync); threads that arrive meanwhile wait and form the next group. No delay is added:
    a write alone goes at once. Each caller returns only once its own events are committed.

    A group holds at most one write per aggregate (a second one for the same aggregate goes after
    it, alone). If the group's insert hits a duplicate key, nothing of it was stored: each write is
    then inserted alone, so only the writes that really conflict get ``IntegrityError``. Any other
    error of the store is every member's (the transaction was theirs).
    """

    def __init__(self, insert: Callable[[Sequence[StoredEvent], Sequence[CommandOutcome]], object]) -> None:
        self._insert = insert
        self._changed = threading.Condition()
        self._queue: list[_Write] = []
        self._writing = False

    def write(self, stored: Sequence[StoredEvent], outcomes: Sequence[CommandOutcome] = ()) -> None:
        own = _Write(stored, outcomes)
        with self._changed:
            self._queue.append(own)
            while self._writing and not own.done:
                self._changed.wait()
            if own.done:
                group: list[_Write] = []
            else:
                group, self._queue = self._queue, []
                self._writing = True
        if group:
            try:
                self._commit(group)
            finally:
                with self._changed:
                    self._writing = False
                    self._changed.notify_all()
        if own.error is not None:
            raise own.error

    def _commit(self, group: list[_Write]) -> None:
        first: list[_Write] = []
        after: list[_Write] = []
        seen: set[UUID | str] = set()
        for write in group:
            ids = {e.originator_id for e in write.stored}
            (after if ids & seen else first).append(write)
            seen |= ids
        try:
            if len(first) > 1:
                try:
                    self._insert(
                        [event for write in first for event in write.stored],
                        [outcome for write in first for outcome in write.outcomes],
                    )
                    for write in first:
                        write.done = True
                except IntegrityError:
                    pass  # find out whose: each alone, below
                except Exception as error:
                    for write in first:
                        write.error, write.done = error, True
            for write in [*first, *after]:
                if not write.done:
                    self._alone(write)
        finally:
            for write in group:  # an interrupted leader must not leave anyone waiting for ever
                if not write.done:
                    write.error, write.done = RuntimeError("the group commit was interrupted"), True

    def _alone(self, write: _Write) -> None:
        try:
            self._insert(write.stored, write.outcomes)
        except Exception as error:
            write.error = error
        write.done = True
