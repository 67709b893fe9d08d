"""The outcome of a command sent with an idempotency key is written in its events' own transaction, on
SQLite and PostgreSQL: a retry after any crash finds both or neither (decision 0015)."""

from __future__ import annotations

import pytest

from application.commands import AddNote
from application.event_store import AppendConflict, CommandOutcome
from application.pipeline import IdempotencyKey
from tests.integration.conftest import ACTOR, START, Store, clock_at, issue_invoice, register_debtor

KEY = IdempotencyKey(scope="caller-hash", key="note-1", request_hash="request-a")


def test_a_keyed_command_leaves_its_outcome_beside_its_events_and_a_new_process_replays_it(store: Store) -> None:
    ledger = store.ledger(clock_at(START))
    receivable = issue_invoice(ledger, register_debtor(ledger))
    first = ledger.execute(AddNote(receivable, "appel du client"), actor=ACTOR, idempotency=KEY)

    restarted = store.ledger(clock_at(START))  # as the process after a crash
    assert restarted.store.command_outcome("caller-hash", "note-1") == CommandOutcome(
        "caller-hash", "note-1", "request-a", receivable, 2, 2
    )
    again = restarted.execute(AddNote(receivable, "appel du client"), actor=ACTOR, idempotency=KEY)
    assert again.replayed and [e.hash() for e in again.events] == [e.hash() for e in first.events]
    assert [entry.record["type"] for entry in restarted.journal(receivable)] == ["InvoiceIssued", "NoteAdded"]


def test_an_append_whose_key_is_taken_stores_none_of_its_events(store: Store) -> None:
    ledger = store.ledger(clock_at(START))
    receivable = issue_invoice(ledger, register_debtor(ledger))
    ledger.execute(AddNote(receivable, "appel du client"), actor=ACTOR, idempotency=KEY)
    other = store.ledger(clock_at(START)).receivable(receivable)
    AddNote(receivable, "une autre note").run(other, ledger.now(), ACTOR)
    taken = CommandOutcome("caller-hash", "note-1", "request-a", receivable, 3, 3)

    with pytest.raises(AppendConflict):
        ledger.store.append(other.collect_events(), [taken])

    assert [entry.record["type"] for entry in store.ledger().journal(receivable)] == ["InvoiceIssued", "NoteAdded"]


def test_a_command_without_a_key_leaves_no_outcome(store: Store) -> None:
    ledger = store.ledger(clock_at(START))
    receivable = issue_invoice(ledger, register_debtor(ledger))
    ledger.execute(AddNote(receivable, "appel du client"), actor=ACTOR)
    assert ledger.store.command_outcome("caller-hash", "note-1") is None
