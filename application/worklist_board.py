"""The decisions part of the worklist (calls, escalations, returned mail), kept current by a process.

Deciding every open receivable reads the whole log and runs ``decide`` on each: some 11 s at 100,000
receivables (docs/benchmarks.md), too slow for a page people open all day. The board keeps each open
receivable's work items for one day and one set of policies, and before each use reads only the
notifications since the last: a changed receivable is decided again, a changed debtor has its open
receivables decided again. A new day, or a new version of a policy, decides everything again once.
So the worklist reflects every event committed before it was asked for, whichever process recorded it.
"""

from __future__ import annotations

import threading
from collections import defaultdict
from collections.abc import Callable, Iterable
from datetime import date
from uuid import UUID

from application.dunning_report import WorkItem, worklist_order
from application.ledger import Ledger
from application.ledger_scan import LogFollower, scan_ledger
from domain.debtor import Debtor
from domain.dunning_policy import Policy
from domain.errors import NotFound
from domain.receivable import Receivable

# The work items of one open receivable, on a day, under the policies in force.
ItemsFor = Callable[[Receivable, Debtor, date, list[Policy]], list[WorkItem]]

DECIDE_ALL_ABOVE = 5_000  # aggregates changed since the last use: read the log once rather than load each


class WorklistBoard:
    def __init__(self, ledger: Ledger, items_for: ItemsFor) -> None:
        self._ledger = ledger
        self._items_for = items_for
        self._items: dict[UUID, list[WorkItem]] = {}  # open receivable → its items
        self._of_debtor: dict[UUID, set[UUID]] = defaultdict(set)  # debtor → its open receivables
        self._debtor_of: dict[UUID, UUID] = {}  # open receivable → its debtor
        self._key: tuple[date, tuple[tuple[str, int], ...]] | None = None
        self._position = 0  # the last notification taken into account
        self._follower = LogFollower(ledger)
        self._lock = threading.Lock()
        self._sorted: list[WorkItem] | None = None  # every item in worklist order, until one changes

    def items(self, on: date, policies: list[Policy]) -> list[WorkItem]:
        """Every open receivable's items, in worklist order (a new list: the caller may add to it)."""
        key = (on, tuple(sorted((p.id, p.version) for p in policies)))
        with self._lock:
            if key != self._key:
                self._decide_all(on, policies)
                self._key = key
            else:
                self._catch_up(on, policies)
            if self._sorted is None:
                self._sorted = sorted((i for items in self._items.values() for i in items), key=worklist_order)
            return list(self._sorted)

    def _decide_all(self, on: date, policies: list[Policy]) -> None:
        self._sorted = None
        # The position is read first: whatever the scan also saw is decided again later, harmlessly.
        position = self._ledger.recorder.max_notification_id() or 0
        scan = scan_ledger(self._ledger)
        self._items.clear()
        self._of_debtor.clear()
        self._debtor_of.clear()
        for debtor_id, receivables in scan.open_receivables_by_debtor().items():
            debtor = scan.debtors.get(debtor_id)
            if debtor is None:
                continue
            for receivable in receivables:
                self._keep(receivable, self._items_for(receivable, debtor, on, policies))
        self._position = position

    def _catch_up(self, on: date, policies: list[Policy]) -> None:
        changes = self._follower.changes_after(self._position, at_most=DECIDE_ALL_ABOVE)
        if changes is None:
            self._decide_all(on, policies)
            return
        self._position = changes.position
        for debtor_id in changes.debtors:
            changes.receivables.update(self._of_debtor.get(debtor_id, ()))
        self._decide(changes.receivables, on, policies)

    def _decide(self, receivable_ids: Iterable[UUID], on: date, policies: list[Policy]) -> None:
        debtors: dict[UUID, Debtor] = {}
        for receivable_id in receivable_ids:
            self._sorted = None
            self._forget(receivable_id)
            try:
                receivable = self._ledger.receivable(receivable_id)
            except NotFound:  # events without their creation first: not a receivable the Ledger loads
                continue
            if receivable.is_closed:
                continue
            debtor = debtors.get(receivable.debtor_id)
            if debtor is None:
                try:
                    debtor = debtors[receivable.debtor_id] = self._ledger.debtor(receivable.debtor_id)
                except NotFound:
                    continue
            self._keep(receivable, self._items_for(receivable, debtor, on, policies))

    def _keep(self, receivable: Receivable, items: list[WorkItem]) -> None:
        self._items[receivable.id] = items
        self._of_debtor[receivable.debtor_id].add(receivable.id)
        self._debtor_of[receivable.id] = receivable.debtor_id

    def _forget(self, receivable_id: UUID) -> None:
        self._items.pop(receivable_id, None)
        debtor_id = self._debtor_of.pop(receivable_id, None)
        if debtor_id is not None:
            self._of_debtor[debtor_id].discard(receivable_id)
