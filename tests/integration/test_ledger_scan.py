"""One pass over the log gives every receivable and debtor exactly as loading each one does."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from uuid import UUID

from application.clock import SimulatedClock
from application.commands import AddNote, NoteCall, WriteOff
from application.ledger import Ledger
from application.ledger_scan import LedgerScan, scan_ledger, scan_open_receivables
from domain.vocabulary import CallOutcome, CallPurpose
from tests.integration.conftest import ACTOR, ISSUED_ON, Store, clock_at, issue_invoice, payment, register_debtor
from tests.integration.test_ledger_contract import record_a_long_story

NOTES = 150  # the long receivable spans many pages of the small page size below
SMALL_PAGE = 7


@dataclass
class Book:
    ledger: Ledger
    clock: SimulatedClock
    debtors: list[UUID]
    long_story: UUID
    many_events: UUID
    settled: UUID
    written_off: UUID
    plain: UUID
    other_debtor_open: UUID


def a_book(store: Store) -> Book:
    clock = clock_at()
    ledger = store.ledger(clock)
    first, second = register_debtor(ledger, "Dupont Matériaux SARL"), register_debtor(ledger, "Martin Bois SAS")
    many_events = issue_invoice(ledger, first, "F-2025-002")
    settled = issue_invoice(ledger, first, "F-2025-003")
    written_off = issue_invoice(ledger, second, "F-2025-004")
    plain = issue_invoice(ledger, first, "F-2025-005")
    other_debtor_open = issue_invoice(ledger, second, "F-2025-006")
    for number in range(NOTES):  # interleaved with the other files' events, as a real log is
        ledger.execute(AddNote(many_events, f"note {number}"), actor=ACTOR)
        if number % 50 == 0:
            ledger.execute(NoteCall(plain, ISSUED_ON, CallPurpose.FOLLOW_UP, CallOutcome.REACHED), actor=ACTOR)
    ledger.execute(payment(many_events, "100.00", "VIR-PART"), actor=ACTOR)
    ledger.execute(payment(settled, "1200.00", "VIR-ALL"), actor=ACTOR)
    ledger.execute(WriteOff(written_off, "liquidation clôturée"), actor=ACTOR)
    long_story = issue_invoice(ledger, first)  # record_a_long_story moves the clock on
    record_a_long_story(store, ledger, clock, first, long_story)
    return Book(ledger, clock, [first, second], long_story, many_events, settled, written_off, plain, other_debtor_open)


def state(aggregate: Any) -> dict[str, Any]:
    return dict(vars(aggregate))


def assert_same_as_loading_one_by_one(scan: LedgerScan, ledger: Ledger, book: Book) -> None:
    receivable_ids = set(ledger.receivable_ids())
    assert set(scan.receivables) == receivable_ids
    for receivable_id in receivable_ids:
        assert state(scan.receivables[receivable_id]) == state(ledger.receivable(receivable_id)), receivable_id
    assert set(scan.debtors) == set(book.debtors)
    for debtor_id in book.debtors:
        assert state(scan.debtors[debtor_id]) == state(ledger.debtor(debtor_id)), debtor_id


def test_the_scan_rebuilds_every_receivable_and_debtor_as_loading_each_one_does(store: Store) -> None:
    book = a_book(store)
    reader = store.ledger(book.clock)

    scan = scan_ledger(reader, page_size=SMALL_PAGE)

    assert_same_as_loading_one_by_one(scan, reader, book)
    assert scan.receivables[book.many_events].version == 1 + NOTES + 1
    assert scan.receivables[book.many_events].outstanding == Decimal("1100.00")
    assert scan.reloaded == 0
    assert scan.events == len(store.rows())


def test_one_large_page_gives_the_same_result_as_many_small_ones(store: Store) -> None:
    book = a_book(store)
    reader = store.ledger(book.clock)

    small, large = scan_ledger(reader, page_size=SMALL_PAGE), scan_ledger(reader)

    assert {k: state(v) for k, v in small.receivables.items()} == {k: state(v) for k, v in large.receivables.items()}
    assert {k: state(v) for k, v in small.debtors.items()} == {k: state(v) for k, v in large.debtors.items()}


def test_open_receivables_per_debtor_leave_out_the_settled_and_the_written_off(store: Store) -> None:
    book = a_book(store)

    by_debtor = scan_open_receivables(store.ledger(book.clock))

    first, second = book.debtors
    assert {d: sorted(r.invoice_number for r in rs) for d, rs in by_debtor.items()} == {
        first: ["F-2025-001", "F-2025-002", "F-2025-005"],
        second: ["F-2025-006"],
    }
    assert all(r.debtor_id == debtor_id for debtor_id, rs in by_debtor.items() for r in rs)
    assert store.ledger(book.clock).receivable(book.settled).is_closed
    assert store.ledger(book.clock).receivable(book.written_off).is_closed


def test_a_receivable_whose_events_come_out_of_version_order_is_loaded_the_ordinary_way(store: Store) -> None:
    book = a_book(store)
    # Someone with database access moves version 2 of one file after every other event in the log.
    position = "notification_id" if store.kind == "postgres" else "rowid"
    (last,) = store.execute(f"SELECT max({position}) FROM {{table}}")[0]
    store.execute(
        f"UPDATE {{table}} SET {position} = ? WHERE originator_id = ? AND originator_version = 2",
        (int(last) + 1, store.key(book.plain)),
    )
    reader = store.ledger(book.clock)

    scan = scan_ledger(reader, page_size=SMALL_PAGE)

    assert scan.reloaded == 1
    assert_same_as_loading_one_by_one(scan, reader, book)
    assert scan.receivables[book.plain].version == reader.receivable(book.plain).version == 4


def test_an_empty_store_scans_to_nothing(store: Store) -> None:
    scan = scan_ledger(store.ledger())

    assert (scan.receivables, scan.debtors, scan.events, scan.reloaded) == ({}, {}, 0, 0)
    assert scan.open_receivables_by_debtor() == {}
