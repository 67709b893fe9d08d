"""What the lists of receivables sort, filter and total on, for every receivable, kept by a process.

``GET /v1/receivables`` replayed every receivable on every call to filter by status and sort by
issue date: a SELECT and a replay per receivable, some 50 s per call at 100,000 receivables. The
index holds, per receivable, what its events alone decide (issue and due dates, number, debtor,
amounts, status, stage, pause), and per debtor its name, SIREN and SIRET (application/receivable_listing.py);
it is brought up to the end of the notification log before each use: the first use reads the whole
log once (``scan_ledger``), later ones only the notifications since the last, reloading the
receivables and debtors they name. So a list reflects every event committed before it began,
whichever process recorded it, and then loads only the receivables of its page, or none.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from uuid import UUID

from application.ledger import Ledger
from application.ledger_scan import LogFollower, scan_ledger
from application.receivable_listing import (
    PER_PAGE,
    IndexedDebtor,
    IndexedReceivable,
    Listing,
    ListQuery,
    ReceivableTable,
)
from domain.errors import NotFound
from domain.vocabulary import ReceivableStatus

__all__ = ["IndexedDebtor", "IndexedReceivable", "ReceivableIndex"]

REBUILD_ABOVE = 5_000  # aggregates changed since the last use: read the log once rather than load each


class ReceivableIndex:
    def __init__(self, ledger: Ledger) -> None:
        self._ledger = ledger
        self._table = ReceivableTable()
        self._position: int | None = None  # the last notification id taken into account
        self._follower = LogFollower(ledger)
        self._lock = threading.Lock()

    def matching(
        self, *, status: ReceivableStatus | None = None, debtor_id: UUID | None = None
    ) -> list[IndexedReceivable]:
        """The receivables with this status and debtor (either may be None: any) as of the end of the
        log now, by issue date then invoice number."""
        with self._current() as table:
            return table.matching(status=status, debtor_id=debtor_id)

    def listing(self, query: ListQuery, today: date, *, page: int = 1, per_page: int = PER_PAGE) -> Listing:
        """One page of the receivables the query selects as of the end of the log now, with their totals."""
        with self._current() as table:
            return table.listing(query, today, page=page, per_page=per_page)

    def entries(self) -> list[IndexedReceivable]:
        """Every receivable as of the end of the log now."""
        with self._current() as table:
            return table.receivables()

    def debtors(self) -> list[IndexedDebtor]:
        """Every debtor as of the end of the log now."""
        with self._current() as table:
            return table.debtors()

    def debtor(self, debtor_id: UUID) -> IndexedDebtor | None:
        with self._current() as table:
            return table.debtor(debtor_id)

    def debtor_count(self) -> int:
        with self._current() as table:
            return table.debtor_count()

    @contextmanager
    def _current(self) -> Iterator[ReceivableTable]:
        with self._lock:
            if self._position is None:
                self._rebuild()
            self._catch_up()
            yield self._table

    def _rebuild(self) -> None:
        # The position is read first: whatever the scan also saw is read again below, harmlessly.
        position = self._ledger.recorder.max_notification_id() or 0
        scan = scan_ledger(self._ledger)
        self._table.replace(
            [IndexedReceivable.of(r) for r in scan.receivables.values()],
            [IndexedDebtor.of(d) for d in scan.debtors.values()],
        )
        self._position = position

    def _catch_up(self) -> None:
        assert self._position is not None
        while (changes := self._follower.changes_after(self._position, at_most=REBUILD_ABOVE)) is None:
            self._rebuild()
        self._position = changes.position
        for receivable_id in changes.receivables:
            try:
                self._table.put_receivable(IndexedReceivable.of(self._ledger.receivable(receivable_id)))
            except NotFound:  # events without their creation first: not a receivable the Ledger loads
                self._table.remove_receivable(receivable_id)
        for debtor_id in changes.debtors:
            try:
                self._table.put_debtor(IndexedDebtor.of(self._ledger.debtor(debtor_id)))
            except NotFound:
                continue
