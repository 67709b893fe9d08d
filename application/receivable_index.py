"""What the list of receivables sorts and filters on, for every receivable, kept by a process.

``GET /v1/receivables`` replayed every receivable on every call to filter by status and sort by
issue date: a SELECT and a replay per receivable, some 50 s per call at 100,000 receivables. The
index holds, per receivable, its issue date, number, debtor and status (a function of its events
alone), and is brought up to the end of the notification log before each use: the first use reads
the whole log once (``scan_ledger``), later ones only the notifications since the last, reloading
the receivables they name. So a list reflects every event committed before it began, whichever
process recorded it, and then loads only the receivables of its page.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import date
from uuid import UUID

from eventsourcing.utils import resolve_topic

from application.ledger import Ledger
from application.ledger_scan import scan_ledger
from domain.errors import NotFound
from domain.receivable import Receivable
from domain.receivable_events import ReceivableEvent
from domain.vocabulary import ReceivableStatus

PAGE_SIZE = 1_000  # notifications per SELECT when catching up
REBUILD_ABOVE = 5_000  # receivables changed since the last use: read the log once rather than load each


@dataclass(frozen=True)
class IndexedReceivable:
    receivable_id: UUID
    debtor_id: UUID
    issue_date: date
    invoice_number: str
    status: ReceivableStatus

    @classmethod
    def of(cls, receivable: Receivable) -> IndexedReceivable:
        return cls(
            receivable.id, receivable.debtor_id, receivable.issue_date, receivable.invoice_number, receivable.status
        )


class ReceivableIndex:
    def __init__(self, ledger: Ledger) -> None:
        self._ledger = ledger
        self._entries: dict[UUID, IndexedReceivable] = {}
        self._position: int | None = None  # the last notification id taken into account
        self._receivable_topics: dict[str, bool] = {}
        self._lock = threading.Lock()

    def matching(
        self, *, status: ReceivableStatus | None = None, debtor_id: UUID | None = None
    ) -> list[IndexedReceivable]:
        """The receivables with this status and debtor (either may be None: any) as of the end of the
        log now, by issue date then invoice number."""
        found = [
            e
            for e in self.entries()
            if (status is None or e.status is status) and (debtor_id is None or e.debtor_id == debtor_id)
        ]
        found.sort(key=lambda e: (e.issue_date, e.invoice_number))
        return found

    def entries(self) -> list[IndexedReceivable]:
        """Every receivable as of the end of the log now."""
        with self._lock:
            if self._position is None:
                self._rebuild()
            self._catch_up()
            return list(self._entries.values())

    def _rebuild(self) -> None:
        # The position is read first: whatever the scan also saw is read again below, harmlessly.
        position = self._ledger.recorder.max_notification_id() or 0
        scan = scan_ledger(self._ledger)
        self._entries = {i: IndexedReceivable.of(r) for i, r in scan.receivables.items()}
        self._position = position

    def _catch_up(self) -> None:
        assert self._position is not None
        changed: set[UUID] = set()
        while True:
            page = self._ledger.recorder.select_notifications(start=self._position + 1, limit=PAGE_SIZE)
            changed.update(UUID(str(n.originator_id)) for n in page if self._is_receivable_event(n.topic))
            if page:
                self._position = page[-1].id
            if len(changed) > REBUILD_ABOVE:
                self._rebuild()
                changed.clear()
            if len(page) < PAGE_SIZE:
                break
        for receivable_id in changed:
            try:
                self._entries[receivable_id] = IndexedReceivable.of(self._ledger.receivable(receivable_id))
            except NotFound:  # events without their creation first: not a receivable the Ledger loads
                self._entries.pop(receivable_id, None)

    def _is_receivable_event(self, topic: str) -> bool:
        known = self._receivable_topics.get(topic)
        if known is None:
            known = self._receivable_topics[topic] = issubclass(resolve_topic(topic), ReceivableEvent)
        return known
