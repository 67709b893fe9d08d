"""Every receivable and debtor in one pass over the notification log: what a run over the whole
ledger (the dunning run, the worklist) reads instead of loading aggregates one by one.

Loading one receivable costs a SELECT and a round trip; at 100,000 receivables that is most of
a run. Here the log is read in large pages, each event decoded once with the application's
mapper and applied to its aggregate as it comes: the same ``apply`` as ``ChainedAggregate.replay``
(the Ledger's ``_load``), so the result equals ``Ledger.receivable(id)`` / ``Ledger.debtor(id)``.

Order: eventsourcing assigns notification ids inside the insert's transaction, under an
exclusive table lock on PostgreSQL (the single writer on SQLite), and a command saves version
n + 1 only after it read version n; so one aggregate's events come in version order. That is
checked on every event: an aggregate whose events arrive out of order or with a gap is not
trusted and is loaded the ordinary way instead (sorted by version).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from eventsourcing.utils import resolve_topic

from application.collector import collector_paused
from application.ledger import Ledger
from domain.chain import ChainedAggregate
from domain.debtor import Debtor, DebtorEvent, DebtorRegistered
from domain.errors import NotFound
from domain.receivable import Receivable
from domain.receivable_events import InvoiceIssued, ReceivableEvent

PAGE_SIZE = 10_000  # notifications per SELECT: larger pages gained nothing measurable (docs/benchmarks.md)

# event base class -> (aggregate class, its creation event)
_KINDS: dict[type[Any], tuple[type[ChainedAggregate[Any]], type[Any]]] = {
    ReceivableEvent: (Receivable, InvoiceIssued),
    DebtorEvent: (Debtor, DebtorRegistered),
}


@dataclass
class LedgerScan:
    """Every receivable and every debtor as they stand at the end of the log that was read."""

    receivables: dict[UUID, Receivable] = field(default_factory=dict)
    debtors: dict[UUID, Debtor] = field(default_factory=dict)
    events: int = 0  # events decoded and applied
    reloaded: int = 0  # aggregates whose events came out of version order, loaded one by one instead

    def open_receivables_by_debtor(self) -> dict[UUID, list[Receivable]]:
        """Receivables not closed (neither settled nor written off), per debtor, in log order."""
        groups: dict[UUID, list[Receivable]] = defaultdict(list)
        for receivable in self.receivables.values():
            if not receivable.is_closed:
                groups[receivable.debtor_id].append(receivable)
        return dict(groups)


def scan_ledger(ledger: Ledger, *, page_size: int = PAGE_SIZE) -> LedgerScan:
    """Read the whole log once and rebuild every receivable and debtor in memory."""
    scan = LedgerScan()
    aggregates: dict[UUID, ChainedAggregate[Any]] = {}
    untrusted: dict[UUID, type[ChainedAggregate[Any]]] = {}
    kinds: dict[str, tuple[type[ChainedAggregate[Any]], type[Any]] | None] = {}
    to_domain_event = ledger.mapper.to_domain_event
    start = 1
    with collector_paused():
        while True:
            page = ledger.recorder.select_notifications(start=start, limit=page_size)
            for notification in page:
                topic = notification.topic
                kind = kinds.get(topic, ...)
                if kind is ...:
                    kind = kinds[topic] = _kind_of(topic)
                if kind is None:
                    continue  # not a receivable's or a debtor's event (e.g. the rate register)
                event: Any = to_domain_event(notification)
                aggregate_id: UUID = event.originator_id
                if aggregate_id in untrusted:
                    continue
                aggregate = aggregates.get(aggregate_id)
                if aggregate is None:
                    if event.originator_version != 1 or not isinstance(event, kind[1]):
                        untrusted[aggregate_id] = kind[0]
                        continue
                    aggregate = aggregates[aggregate_id] = kind[0]()
                elif event.originator_version != aggregate.version + 1:
                    untrusted[aggregate_id] = kind[0]
                    del aggregates[aggregate_id]
                    continue
                aggregate.apply(event)
                scan.events += 1
            if len(page) < page_size:
                break
            start = page[-1].id + 1
    for aggregate_id, aggregate in aggregates.items():
        if isinstance(aggregate, Receivable):
            scan.receivables[aggregate_id] = aggregate
        elif isinstance(aggregate, Debtor):
            scan.debtors[aggregate_id] = aggregate
    for aggregate_id, aggregate_class in untrusted.items():
        scan.reloaded += 1
        try:
            if aggregate_class is Receivable:
                scan.receivables[aggregate_id] = ledger.receivable(aggregate_id)
            else:
                scan.debtors[aggregate_id] = ledger.debtor(aggregate_id)
        except NotFound:
            continue  # no creation event first: not an aggregate the Ledger would load either
    return scan


def scan_open_receivables(ledger: Ledger) -> dict[UUID, list[Receivable]]:
    """Open receivables per debtor (one pass over the log)."""
    return scan_ledger(ledger).open_receivables_by_debtor()


def _kind_of(topic: str) -> tuple[type[ChainedAggregate[Any]], type[Any]] | None:
    event_class = resolve_topic(topic)
    return next((kind for base, kind in _KINDS.items() if issubclass(event_class, base)), None)


CATCH_UP_PAGE = 1_000  # notifications per SELECT when following the log from a position


@dataclass
class Changes:
    """The receivables and debtors the notifications after a position name, and the last one read."""

    receivables: set[UUID]
    debtors: set[UUID]
    position: int


class LogFollower:
    """What changed in the log since a position: what a process's index or board reads before each use,
    rather than every aggregate again."""

    def __init__(self, ledger: Ledger) -> None:
        self._ledger = ledger
        self._kinds: dict[str, str | None] = {}

    def changes_after(self, position: int, *, at_most: int) -> Changes | None:
        """The aggregates named after ``position``; None once more than ``at_most`` (reading the whole log
        again is then cheaper than loading each)."""
        changes = Changes(set(), set(), position)
        while True:
            page = self._ledger.recorder.select_notifications(start=changes.position + 1, limit=CATCH_UP_PAGE)
            for notification in page:
                kind = self._kind(notification.topic)
                if kind == "receivable":
                    changes.receivables.add(UUID(str(notification.originator_id)))
                elif kind == "debtor":
                    changes.debtors.add(UUID(str(notification.originator_id)))
            if page:
                changes.position = page[-1].id
            if len(changes.receivables) + len(changes.debtors) > at_most:
                return None
            if len(page) < CATCH_UP_PAGE:
                return changes

    def _kind(self, topic: str) -> str | None:
        if topic not in self._kinds:
            try:
                cls = resolve_topic(topic)
            except Exception:  # a topic this code no longer knows: not a receivable's or a debtor's event
                cls = object
            self._kinds[topic] = (
                "receivable" if issubclass(cls, ReceivableEvent) else "debtor" if issubclass(cls, DebtorEvent) else None
            )
        return self._kinds[topic]
