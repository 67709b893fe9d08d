"""A commit that reached the disk before its connection broke is retried by eventsourcing: the
retry meets the rows it had written. That is the same command recorded once, not a conflict."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pytest
from eventsourcing.persistence import OperationalError, StoredEvent

from application.commands import AddNote
from application.event_store import AppendConflict
from domain.errors import AlreadyExists
from tests.integration.conftest import ACTOR, START, Store, clock_at, issue_invoice, register_debtor


def connection_lost_after_commit(original: Any) -> Any:
    """The recorder's insert as a broken connection makes it: the first attempt commits, then its
    acknowledgement is lost (OperationalError); eventsourcing's retry decorator would try again."""
    attempts = []

    def raw(recorder: Any, stored: Sequence[StoredEvent], **kwargs: Any) -> Any:
        attempts.append(stored)
        result = original(stored, **kwargs)
        if len(attempts) == 1:
            raise OperationalError("server closed the connection unexpectedly")
        return result

    def decorated(stored: Sequence[StoredEvent], **kwargs: Any) -> Any:  # pragma: no cover - the Ledger calls raw
        return raw(None, stored, **kwargs)

    decorated.__wrapped__ = raw  # type: ignore[attr-defined]
    return decorated


def test_a_command_whose_commit_was_retried_after_reaching_the_disk_is_recorded_once(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    ledger = store.ledger(clock_at(START))
    receivable = issue_invoice(ledger, register_debtor(ledger))
    monkeypatch.setattr(ledger.recorder, "insert_events", connection_lost_after_commit(ledger.recorder.insert_events))
    outcome = ledger.execute(AddNote(receivable, "appel du client"), actor=ACTOR)
    monkeypatch.undo()
    assert outcome.recorded and outcome.version == 2
    assert [entry.record["type"] for entry in store.ledger(clock_at(START)).journal(receivable)] == [
        "InvoiceIssued", "NoteAdded",
    ]  # fmt: skip


def test_a_duplicate_met_on_a_first_attempt_is_a_conflict_even_with_identical_bytes(store: Store) -> None:
    """Two identical requests at the same instant (a frozen clock): the second is refused, not merged."""
    ledger = store.ledger(clock_at(START))
    debtor = register_debtor(ledger)
    issue_invoice(ledger, debtor, "F-2025-009")
    with pytest.raises(AlreadyExists):
        issue_invoice(ledger, debtor, "F-2025-009")


def test_another_event_already_at_that_version_is_still_a_conflict(store: Store) -> None:
    clock = clock_at(START)
    ledger, other = store.ledger(clock), store.ledger(clock)
    receivable = issue_invoice(ledger, register_debtor(ledger))
    stale = ledger.receivable(receivable)
    other.execute(AddNote(receivable, "écrit par un autre poste"), actor="collector:marie")
    AddNote(receivable, "écrit en même temps").run(stale, ledger.now(), ACTOR)
    with pytest.raises(AppendConflict):
        ledger.store.append(stale.collect_events())
