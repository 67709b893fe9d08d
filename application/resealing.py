"""A re-sealed copy of a store (issue 19, decision 0107): every event copied into a new store, its personal
values still in plain text sealed there, each chain rebuilt, then the copy checked against the old store.

Events recorded before personal data was sealed (decision 0106) hold names, addresses, e-mails and phones as
plain text, and erasing the person cannot reach them: their bytes are under the chain. A copy can. Each event
keeps its aggregate, version, instant, actor and fields; each plain personal value is sealed under its
subject's key in the new key store (the old key store's key when the subject had one, so values sealed
already are copied as they are and still open); ``previous_hash`` is recomputed, so a Debtor whose events
changed gets new hashes from its first changed event on; so does a Receivable whose free texts (a note, a call
note...) were recorded in plain text, sealed in the copy under the receivable's key kept under its debtor.

A person erased before the copy (``DebtorErased`` in their journal) has their plain values sealed under keys
held only in memory for the copy and never written: the copy holds nothing readable of theirs, and reads
show ``[effacé]`` as it does for every erased person.

The copy is then read again, apart from the copy's own state, and compared with the old store event by
event (``compare_stores``): each pair's old and new hashes make the correspondence map.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from itertools import zip_longest
from typing import Any
from uuid import UUID

from eventsourcing.persistence import ApplicationRecorder, Mapper, StoredEvent
from eventsourcing.utils import get_topic

from application.event_store import notification_pages
from application.sealing import Sealer, sealed_event
from domain.canonical import GENESIS_HASH
from domain.chain import ADDED_LATER, LedgerEvent, personal_fields
from domain.debtor import DEBTOR_EVENTS
from domain.personal import ERASED, Personal, Sealed
from domain.receivable_events import InvoiceIssued

PAGE_SIZE = 1000
PROBLEMS_SHOWN = 20  # a copy that differs everywhere is named by its first differences, then counted


class ResealRefused(Exception):
    """The copy cannot be made (a target that holds events, a store that does not verify...): nothing copied.
    ``code``: the exit code of the command line (1 a refusal on the stores' content, 2 bad usage)."""

    def __init__(self, message: str, code: int = 1) -> None:
        super().__init__(message)
        self.message = message
        self.code = code


@dataclass(frozen=True)
class StoreSide:
    """One store as eventsourcing reads it: its notification log and its mapper (with its key store)."""

    recorder: ApplicationRecorder
    mapper: Mapper[UUID]


@dataclass
class CopyReport:
    events: int = 0
    aggregates: int = 0
    rechained: set[UUID] = field(default_factory=set)  # aggregates whose events changed, so their hashes
    sealed_values: int = 0  # plain personal values sealed in the copy


@dataclass
class ResealReport:
    """What the command tells: the copy, its verification, the map and what remains to do by hand."""

    source: str
    target: str
    copy: CopyReport
    erased_owners: list[UUID]
    problems: list[str]
    map_path: str = ""
    map_sha256: str = ""
    map_rows: int = 0
    side_tables: str = ""

    @property
    def verified(self) -> bool:
        return not self.problems

    def as_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "target": self.target,
            "verified": self.verified,
            "events": self.copy.events,
            "aggregates": self.copy.aggregates,
            "rechained_aggregates": len(self.copy.rechained),
            "sealed_values": self.copy.sealed_values,
            "erased_persons": [str(owner) for owner in self.erased_owners],
            "problems": self.problems,
            "map": {"path": self.map_path, "sha256": self.map_sha256, "rows": self.map_rows},
            "side_tables": self.side_tables,
        }


class ResealingSealer:
    """The sealer of the copy: the target's key store, which first takes the old store's key of a subject
    (``adopt``) so that one subject keeps one key; for an erased person, keys kept in memory only."""

    def __init__(self, target: Sealer, throwaway: Sealer, erased: set[UUID], adopt: Callable[[UUID], None]) -> None:
        self._target = target
        self._throwaway = throwaway
        self._erased = erased
        self._adopt = adopt
        self.sealed = 0

    def seal(self, subject: UUID, owner: UUID, value: str) -> Sealed:
        self.sealed += 1
        if owner in self._erased:
            return self._throwaway.seal(subject, owner, value)
        self._adopt(subject)
        return self._target.seal(subject, owner, value)

    def open(self, sealed: Sealed) -> str | None:
        return self._target.open(sealed)

    def shred(self, owner: UUID) -> int:
        return self._target.shred(owner)

    def shred_subject(self, subject: UUID) -> int:
        return self._target.shred_subject(subject)

    def owners(self) -> set[UUID]:
        return self._target.owners()


def erased_owners(source: StoreSide) -> set[UUID]:
    """The debtors whose erasure the store records."""
    topics = [get_topic(c) for c in DEBTOR_EVENTS if getattr(c, "ERASES_PERSONAL_DATA", False)]
    pages = notification_pages(source.recorder, topics=topics, page_size=PAGE_SIZE)
    return {UUID(str(row.originator_id)) for page in pages for row in page}


def copy_events(source: StoreSide, target: StoreSide, sealer: ResealingSealer, adopt: Callable[[UUID], None],
                erased: set[UUID]) -> CopyReport:  # fmt: skip
    """Every event of ``source``, in notification order, into ``target`` (one transaction per page). An event
    that needs no change (nothing in plain text, its link unchanged) is copied byte for byte."""
    report = CopyReport()
    heads: dict[UUID, str] = {}
    owners = Owners()
    for page in notification_pages(source.recorder, page_size=PAGE_SIZE):
        rows: list[StoredEvent] = []
        for row in page:
            event = _decoded(source, row)
            aggregate_id = event.originator_id
            owner = owners.of(event)
            if owner not in erased:
                for subject in _sealed_subjects(event):
                    adopt(subject)  # a value sealed already opens in the copy under the same key
            copied = _resealed(event, sealer, heads.get(aggregate_id, GENESIS_HASH), owner)
            heads[aggregate_id] = copied.hash()
            if copied is event:
                rows.append(StoredEvent(aggregate_id, row.originator_version, row.topic, row.state))
            else:
                report.rechained.add(aggregate_id)
                rows.append(target.mapper.to_stored_event(copied))
        if rows:
            target.recorder.insert_events(rows)
            report.events += len(rows)
    report.aggregates = len(heads)
    report.sealed_values = sealer.sealed
    return report


class Owners:
    """Whose erasure destroys an aggregate's keys: a debtor its own, a receivable its debtor's (named by its
    first event, which the log gives before any other of the receivable's)."""

    def __init__(self) -> None:
        self._debtors: dict[UUID, UUID] = {}

    def of(self, event: LedgerEvent) -> UUID:
        if isinstance(event, InvoiceIssued):
            self._debtors[event.originator_id] = event.debtor_id
        return self._debtors.get(event.originator_id, event.originator_id)


def _resealed(event: LedgerEvent, sealer: Sealer, previous_hash: str, owner: UUID | None = None) -> LedgerEvent:
    """The event as the copy holds it: its plain personal values sealed, linked to the copy's previous event;
    the very same event when nothing changes. A field added to the type later and absent from the stored
    event stays absent, so that its record (and hash) is written as it was."""
    plain = _holds_plain(event)
    if not plain and event.previous_hash == previous_hash:
        return event
    copied = dataclasses.replace(sealed_event(event, sealer, owner) if plain else event, previous_hash=previous_hash)
    for declared in dataclasses.fields(event):
        if declared.metadata.get(ADDED_LATER) and declared.name not in vars(event):
            del vars(copied)[declared.name]
    return copied


def _holds_plain(event: LedgerEvent) -> bool:
    return any(_plain_in(getattr(event, name)) for name in personal_fields(type(event)))


def _plain_in(value: Any) -> bool:
    if isinstance(value, str):
        return not isinstance(value, Personal)
    if isinstance(value, list):
        return any(_plain_in(item) for item in value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return any(_plain_in(getattr(value, f.name)) for f in dataclasses.fields(value))
    return False


def _sealed_subjects(event: LedgerEvent) -> set[UUID]:
    found: set[UUID] = set()

    def walk(value: Any) -> None:
        if isinstance(value, Personal):
            found.add(value.sealed.subject)
        elif isinstance(value, list):
            for item in value:
                walk(item)
        elif dataclasses.is_dataclass(value) and not isinstance(value, type):
            for f in dataclasses.fields(value):
                walk(getattr(value, f.name))

    for name in personal_fields(type(event)):
        walk(getattr(event, name))
    return found


# ------------------------------------------------------------------ the copy against the old store


MapRow = tuple[UUID, int, str, str]  # aggregate_id, version, old hash, new hash


def compare_stores(
    source: StoreSide, target: StoreSide, erased: set[UUID], on_pair: Callable[[MapRow], None]
) -> list[str]:
    """Walk both logs in notification order: the same aggregates, versions, types, actors and instants, and
    every field of the copy, opened, equal to the old one (an erased person's personal values: ``[effacé]``);
    no personal value in plain text in the copy. Each pair is given to ``on_pair`` (the map). The problems
    found, the first ``PROBLEMS_SHOWN`` named, the rest counted."""
    problems: list[str] = []
    owners = Owners()
    for old, new in zip_longest(_events(source), _events(target)):
        if old is None or new is None:
            missing = "the copy lacks" if new is None else "the copy has an extra"
            event = old if new is None else new
            problems.append(f"{missing} event: aggregate {event.originator_id} version {event.originator_version}")
            continue
        problem = _difference(old, new, owners.of(old) in erased)
        if problem is not None:
            problems.append(f"aggregate {old.originator_id} version {old.originator_version}: {problem}")
        on_pair((old.originator_id, old.originator_version, old.hash(), new.hash()))
    if len(problems) > PROBLEMS_SHOWN:
        problems = [*problems[:PROBLEMS_SHOWN], f"... and {len(problems) - PROBLEMS_SHOWN} more differences"]
    return problems


def _difference(old: LedgerEvent, new: LedgerEvent, erased: bool) -> str | None:
    if (new.originator_id, new.originator_version) != (old.originator_id, old.originator_version):
        return f"the copy holds aggregate {new.originator_id} version {new.originator_version} in its place"
    if type(new) is not type(old):
        return f"type {type(new).__name__} instead of {type(old).__name__}"
    if new.actor != old.actor or new.timestamp != old.timestamp:
        return "actor or instant differs"
    personal = personal_fields(type(old))
    for declared in dataclasses.fields(old):
        if declared.name in ("previous_hash", "timestamp"):
            continue
        expected = getattr(old, declared.name)
        if declared.name in personal:
            if _plain_in(getattr(new, declared.name)):
                return f"{declared.name} is in plain text in the copy"
            if erased:
                expected = _as_erased(expected)
        if getattr(new, declared.name) != expected:
            return f"{declared.name} differs once opened"
    return None


def _as_erased(value: Any) -> Any:
    if isinstance(value, str):
        return ERASED
    if isinstance(value, list):
        return [_as_erased(item) for item in value]
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return dataclasses.replace(
            value, **{f.name: _as_erased(getattr(value, f.name)) for f in dataclasses.fields(value)}
        )
    return value


def _events(side: StoreSide) -> Iterator[LedgerEvent]:
    for page in notification_pages(side.recorder, page_size=PAGE_SIZE):
        for row in page:
            yield _decoded(side, row)


def _decoded(side: StoreSide, row: StoredEvent) -> LedgerEvent:
    event = side.mapper.to_domain_event(row)
    if not isinstance(event, LedgerEvent):
        raise ResealRefused(f"not a ledger event in the store: {row.topic} ({row.originator_id})")
    return event
