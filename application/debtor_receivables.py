"""Which receivables were issued to each debtor: the lookup an erasure decides on (decision 0105).

A receivable's debtor is set once, by its ``InvoiceIssued``, and never changes: the debtor → receivables
map only grows. So it is kept by reading only the ``InvoiceIssued`` notifications (the recorder filters
them by topic), the first use from the start of the log, each later one from the last it read; read up to
the end of the log before every answer, it is exact for every invoice committed before the question. What
each receivable's state is, the caller then loads fresh from the store: nothing here can be stale.

The in-memory store (tests) has no notification log: there the map is read again on every answer from
the creations the store lists, which is exact too.
"""

from __future__ import annotations

import threading
from collections import defaultdict
from typing import Any
from uuid import UUID

from eventsourcing.utils import get_topic

from application.event_store import EventStore, notification_pages
from domain.receivable_events import InvoiceIssued

PAGE_SIZE = 10_000  # notifications per SELECT


class IssuedInvoices:
    def __init__(self, store: EventStore) -> None:
        self._store = store
        self._by_debtor: dict[UUID, list[UUID]] = defaultdict(list)
        self._position = 0  # the last InvoiceIssued notification read
        self._lock = threading.Lock()

    def receivable_ids(self, debtor_id: UUID) -> list[UUID]:
        """The receivables issued to this debtor, in the order they were recorded, as of the end of the log now."""
        with self._lock:
            recorder = self._recorder()
            if recorder is None:
                return self._read_without_log(debtor_id)
            self._catch_up(recorder)
            return list(self._by_debtor.get(debtor_id, ()))

    def _recorder(self) -> Any:
        try:
            return self._store.recorder
        except NotImplementedError:
            return None

    def _catch_up(self, recorder: Any) -> None:
        topic = get_topic(InvoiceIssued)
        to_domain_event = self._store.mapper.to_domain_event
        for page in notification_pages(recorder, start=self._position + 1, topics=[topic], page_size=PAGE_SIZE):
            for notification in page:
                if notification.originator_version == 1:
                    event: InvoiceIssued = to_domain_event(notification)
                    self._by_debtor[event.debtor_id].append(event.originator_id)
                self._position = notification.id

    def _read_without_log(self, debtor_id: UUID) -> list[UUID]:
        found = []
        for receivable_id in self._store.ids_created_by(InvoiceIssued):
            history = self._store.history(receivable_id)
            first = None if history is None or not history.events else history.events[0]
            if isinstance(first, InvoiceIssued) and first.debtor_id == debtor_id:
                found.append(receivable_id)
        return found
