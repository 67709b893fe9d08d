"""`relance ledger verify` catches what someone with write access to the database could do.

Each test records a small ledger through the application, tampers with the events
table in plain SQL, as an insider would, then runs the real CLI on the same store
(SQLite file and PostgreSQL alike) and expects exit code 1 with the aggregate and
the version of the broken event named, and never a traceback.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any
from uuid import UUID

import pytest
from typer.testing import CliRunner, Result

from api.cli import app
from application.commands import AddNote
from tests.integration import conftest as stores
from tests.integration.conftest import ACTOR, START, Store, clock_at, issue_invoice, payment, register_debtor

store = stores.store  # the integration fixture: the same tests on SQLite and on PostgreSQL


@dataclass(frozen=True)
class Ledger4:
    """What the tests tamper with: a receivable with 4 events, another with 1, a debtor with 1."""

    receivable: UUID  # v1 InvoiceIssued, v2 PaymentReceived 50.00, v3 NoteAdded, v4 NoteAdded
    other_receivable: UUID
    debtor: UUID


@pytest.fixture
def recorded(store: Store) -> Ledger4:
    ledger = store.ledger(clock_at(START))
    debtor = register_debtor(ledger)
    receivable = issue_invoice(ledger, debtor, "F-2025-001")
    ledger.execute(payment(receivable, "50.00", "VIR-0001"), actor=ACTOR)
    ledger.execute(AddNote(receivable, "premier appel"), actor=ACTOR)
    ledger.execute(AddNote(receivable, "second appel"), actor=ACTOR)
    other = issue_invoice(ledger, debtor, "F-2025-002")
    return Ledger4(receivable=receivable, other_receivable=other, debtor=debtor)


def verify(store: Store, *args: str) -> Result:
    return CliRunner().invoke(app, ["ledger", "verify", *args], env=store.cli_env())


def breaks_reported(store: Store) -> set[tuple[str, int]]:
    """(aggregate id, version) of each break, from `relance ledger verify --json`."""
    result = verify(store, "--json")
    assert result.exit_code == 1, result.output
    report = json.loads(result.stdout)
    assert report["ok"] is False
    return {(b["aggregate_id"], b["version"]) for b in report["breaks"]}


def assert_reported(store: Store, *expected: tuple[UUID, int]) -> None:
    """Exit code 1, each (aggregate, version) named on a BROKEN line, no traceback; and the same in JSON."""
    result = verify(store)
    assert result.exit_code == 1, result.output
    assert isinstance(result.exception, SystemExit), result.exception
    assert "Traceback" not in result.output
    for aggregate_id, version in expected:
        assert f"BROKEN aggregate {aggregate_id} version {version}:" in result.output, result.output
    assert breaks_reported(store) == {(str(aggregate_id), version) for aggregate_id, version in expected}


# ---------------------------------------------------------------- SQL helpers


def state_of(store: Store, aggregate_id: UUID, version: int) -> bytes:
    (row,) = store.execute(
        "SELECT state FROM {table} WHERE originator_id = ? AND originator_version = ?",
        (store.key(aggregate_id), version),
    )
    return bytes(row[0])


def set_row(store: Store, aggregate_id: UUID, version: int, *, state: bytes, topic: str | None = None) -> None:
    if topic is None:
        (row,) = store.execute(
            "SELECT topic FROM {table} WHERE originator_id = ? AND originator_version = ?",
            (store.key(aggregate_id), version),
        )
        topic = str(row[0])
    store.execute(
        "UPDATE {table} SET state = ?, topic = ? WHERE originator_id = ? AND originator_version = ?",
        (state, topic, store.key(aggregate_id), version),
    )


def delete_row(store: Store, aggregate_id: UUID, version: int) -> None:
    store.execute(
        "DELETE FROM {table} WHERE originator_id = ? AND originator_version = ?", (store.key(aggregate_id), version)
    )


def row_of(store: Store, aggregate_id: UUID, version: int) -> tuple[str, bytes]:
    (row,) = store.execute(
        "SELECT topic, state FROM {table} WHERE originator_id = ? AND originator_version = ?",
        (store.key(aggregate_id), version),
    )
    return str(row[0]), bytes(row[1])


# --------------------------------------------------------------------- tests


def test_a_clean_store_verifies_with_exit_code_0(store: Store, recorded: Ledger4) -> None:
    result = verify(store)

    assert result.exit_code == 0, result.output
    assert "checked 3 aggregate(s), 6 event(s): every chain verifies" in result.output


def test_a_clean_store_verifies_in_json_with_no_breaks(store: Store, recorded: Ledger4) -> None:
    result = verify(store, "--json")

    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == {"ok": True, "aggregates": 3, "events": 6, "breaks": []}


def test_an_amount_altered_in_the_stored_bytes_is_reported_at_that_version(store: Store, recorded: Ledger4) -> None:
    # Given the payment's amount changed from 50.00 to 60.00, the event still decoding
    original = state_of(store, recorded.receivable, 2)
    assert original.count(b'"50.00"') == 1
    set_row(store, recorded.receivable, 2, state=original.replace(b'"50.00"', b'"60.00"'))
    assert store.ledger().receivable(recorded.receivable).paid == 60  # the store now tells another story

    # Then verify names the receivable at version 2
    assert_reported(store, (recorded.receivable, 2))


def test_an_altered_creation_event_is_reported_at_version_1(store: Store, recorded: Ledger4) -> None:
    original = state_of(store, recorded.receivable, 1)
    set_row(store, recorded.receivable, 1, state=original.replace(b'"1200.00"', b'"1100.00"', 1))

    assert_reported(store, (recorded.receivable, 1))


def test_a_change_that_keeps_the_meaning_is_reported_because_bytes_are_compared(
    store: Store, recorded: Ledger4
) -> None:
    # Given a space inserted after a comma of the JSON: same values, other bytes
    original = state_of(store, recorded.receivable, 3)
    set_row(store, recorded.receivable, 3, state=original.replace(b",", b", ", 1))

    assert_reported(store, (recorded.receivable, 3))


def test_reordered_keys_in_the_stored_json_are_reported(store: Store, recorded: Ledger4) -> None:
    original = state_of(store, recorded.receivable, 3)
    reordered = json.dumps(dict(reversed(json.loads(original).items())), separators=(",", ":")).encode()
    set_row(store, recorded.receivable, 3, state=reordered)

    assert_reported(store, (recorded.receivable, 3))


def test_a_key_added_to_the_stored_json_is_reported(store: Store, recorded: Ledger4) -> None:
    # Given an extra field slipped into the first note: the event still decodes, its hash is unchanged
    original = state_of(store, recorded.receivable, 3)
    assert original.endswith(b"}")
    set_row(store, recorded.receivable, 3, state=original[:-1] + b',"approved_by":"the director"}')

    assert_reported(store, (recorded.receivable, 3))


def test_a_timestamp_rewritten_with_another_utc_offset_is_reported(store: Store, recorded: Ledger4) -> None:
    # Given the same instant written as 10:00+01:00 instead of 09:00+00:00 (the hash, in UTC, is unchanged)
    original = state_of(store, recorded.receivable, 3)
    assert b'"2025-01-10T09:00:00+00:00"' in original
    set_row(
        store,
        recorded.receivable,
        3,
        state=original.replace(b'"2025-01-10T09:00:00+00:00"', b'"2025-01-10T10:00:00+01:00"'),
    )

    assert_reported(store, (recorded.receivable, 3))


def test_a_deleted_middle_event_is_reported(store: Store, recorded: Ledger4) -> None:
    delete_row(store, recorded.receivable, 2)

    assert_reported(store, (recorded.receivable, 2))


def test_a_deleted_middle_event_with_the_later_ones_renumbered_is_reported(store: Store, recorded: Ledger4) -> None:
    # Given the payment deleted and the two notes moved down to versions 2 and 3
    delete_row(store, recorded.receivable, 2)
    for version in (3, 4):
        store.execute(
            "UPDATE {table} SET originator_version = ? WHERE originator_id = ? AND originator_version = ?",
            (version - 1, store.key(recorded.receivable), version),
        )

    # Then what is now version 2 is reported: it links to the deleted payment, and its own
    # hash changed with its version, so version 3 no longer links to it either
    assert_reported(store, (recorded.receivable, 2))


def test_two_swapped_events_are_reported(store: Store, recorded: Ledger4) -> None:
    # Given the payment (v2) and the first note (v3) exchanged, topic and state
    second, third = row_of(store, recorded.receivable, 2), row_of(store, recorded.receivable, 3)
    set_row(store, recorded.receivable, 2, topic=third[0], state=third[1])
    set_row(store, recorded.receivable, 3, topic=second[0], state=second[1])

    assert_reported(store, (recorded.receivable, 2))


def test_an_event_moved_to_another_receivable_is_reported_in_both(store: Store, recorded: Ledger4) -> None:
    # Given the payment (v2) moved to the other receivable, which had only version 1
    store.execute(
        "UPDATE {table} SET originator_id = ? WHERE originator_id = ? AND originator_version = ?",
        (store.key(recorded.other_receivable), store.key(recorded.receivable), 2),
    )

    # Then the gap in the first and the foreign event in the second are both reported
    assert_reported(store, (recorded.receivable, 2), (recorded.other_receivable, 2))


def test_a_receivable_event_moved_to_a_debtor_is_reported(store: Store, recorded: Ledger4) -> None:
    store.execute(
        "UPDATE {table} SET originator_id = ? WHERE originator_id = ? AND originator_version = ?",
        (store.key(recorded.debtor), store.key(recorded.receivable), 2),
    )

    result = verify(store)
    assert f"BROKEN aggregate {recorded.debtor} version 2: a Receivable event in a Debtor journal" in result.output
    assert_reported(store, (recorded.receivable, 2), (recorded.debtor, 2))


@pytest.mark.parametrize(
    "garbage",
    [
        pytest.param(b'{"timestamp":', id="truncated JSON"),
        pytest.param(b"\xff\xfe not even UTF-8", id="not UTF-8"),
        pytest.param(b"[]", id="JSON of the wrong shape"),
        pytest.param(b"", id="empty"),
    ],
)
def test_a_state_replaced_by_invalid_json_is_reported_without_a_crash(
    store: Store, recorded: Ledger4, garbage: bytes
) -> None:
    set_row(store, recorded.receivable, 3, state=garbage)

    assert_reported(store, (recorded.receivable, 3))


def test_a_topic_pointing_to_another_event_class_is_reported(store: Store, recorded: Ledger4) -> None:
    # Given the first note relabelled as a payment, its bytes untouched
    topic, _ = row_of(store, recorded.receivable, 2)
    _, note = row_of(store, recorded.receivable, 3)
    set_row(store, recorded.receivable, 3, topic=topic, state=note)

    assert_reported(store, (recorded.receivable, 3))


def test_every_tampered_aggregate_is_reported_in_one_run(store: Store, recorded: Ledger4) -> None:
    # Given one alteration in the receivable and one in the debtor
    set_row(store, recorded.receivable, 4, state=state_of(store, recorded.receivable, 4).replace(b",", b" ,", 1))
    set_row(store, recorded.debtor, 1, state=state_of(store, recorded.debtor, 1).replace(b":", b": ", 1))
    assert_reported(store, (recorded.receivable, 4), (recorded.debtor, 1))

    # And the untouched receivable is still counted as checked
    result = verify(store)
    assert "checked 3 aggregate(s), 6 event(s): 2 broken chain(s)" in result.output


def test_json_output_lists_each_break_with_its_aggregate_version_and_problem(store: Store, recorded: Ledger4) -> None:
    delete_row(store, recorded.receivable, 3)

    result = verify(store, "--json")

    assert result.exit_code == 1
    report: dict[str, Any] = json.loads(result.stdout)
    assert report["ok"] is False
    assert (report["aggregates"], report["events"]) == (3, 5)
    (only,) = report["breaks"]
    assert (only["aggregate_id"], only["version"]) == (str(recorded.receivable), 3)
    assert "missing" in only["problem"]
