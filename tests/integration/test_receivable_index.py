"""The index the list of receivables reads (application/receivable_index.py): the same answer as
loading every receivable, and up to date with what any process recorded before each use."""

from __future__ import annotations

from uuid import UUID, uuid4

import pytest

import application.ledger_scan as ledger_scan
import application.receivable_index as receivable_index
from application.commands import EraseDebtor, OpenDispute, RegisterDebtor, WriteOff
from application.ledger import Ledger
from application.receivable_index import IndexedReceivable, ReceivableIndex
from application.receivable_listing import ListQuery
from domain.debtor import Address
from domain.vocabulary import DebtorKind, DisputeReason, ReceivableStatus
from tests.integration.conftest import ACTOR, ISSUED_ON, Store, clock_at, issue_invoice, payment, register_debtor


def loaded_one_by_one(ledger: Ledger) -> set[IndexedReceivable]:
    return {IndexedReceivable.of(ledger.receivable(i)) for i in ledger.receivable_ids()}


def a_book(ledger: Ledger) -> tuple[UUID, UUID, list[UUID]]:
    first, second = register_debtor(ledger, "Dupont Matériaux SARL"), register_debtor(ledger, "Martin Bois SAS")
    ids = [issue_invoice(ledger, debtor, f"F-2025-{n:03d}") for n, debtor in enumerate([first, second] * 3)]
    ledger.execute(payment(ids[0], "1200.00", "VIR-ALL"), actor=ACTOR)
    ledger.execute(WriteOff(ids[1], "liquidation clôturée"), actor=ACTOR)
    return first, second, ids


def test_the_index_equals_loading_every_receivable(store: Store) -> None:
    writer = store.ledger(clock_at())
    a_book(writer)

    index = ReceivableIndex(store.ledger(clock_at()))

    assert set(index.entries()) == loaded_one_by_one(writer)


def test_what_another_process_records_is_in_the_index_at_its_next_use(store: Store) -> None:
    writer, reader = store.ledger(clock_at()), store.ledger(clock_at())
    first, _, ids = a_book(writer)
    index = ReceivableIndex(reader)
    index.entries()  # built

    later = issue_invoice(writer, first, "F-2025-100")
    writer.execute(payment(ids[2], "1200.00", "VIR-2"), actor=ACTOR)
    writer.execute(OpenDispute(ids[4], DisputeReason.QUANTITY, ISSUED_ON), actor=ACTOR)

    assert set(index.entries()) == loaded_one_by_one(writer)
    assert {e.receivable_id for e in index.matching(status=ReceivableStatus.SETTLED)} == {ids[0], ids[2]}
    assert [e.receivable_id for e in index.matching(status=ReceivableStatus.DISPUTED)] == [ids[4]]
    assert later in {e.receivable_id for e in index.matching(debtor_id=first)}


def test_matching_filters_by_status_and_debtor_and_sorts_by_issue_date_then_number(store: Store) -> None:
    ledger = store.ledger(clock_at())
    first, second, ids = a_book(ledger)
    index = ReceivableIndex(ledger)

    assert [e.receivable_id for e in index.matching(debtor_id=first)] == [ids[0], ids[2], ids[4]]
    assert [e.receivable_id for e in index.matching(status=ReceivableStatus.OPEN, debtor_id=second)] == [ids[3], ids[5]]
    assert [e.invoice_number for e in index.matching()] == sorted(e.invoice_number for e in index.entries())


def test_many_changes_since_the_last_use_read_the_log_again_with_the_same_result(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(receivable_index, "REBUILD_ABOVE", 2)
    monkeypatch.setattr(ledger_scan, "CATCH_UP_PAGE", 3)  # the log is followed by application.ledger_scan
    writer = store.ledger(clock_at())
    first, _, ids = a_book(writer)
    index = ReceivableIndex(store.ledger(clock_at()))
    index.entries()

    for n in range(5):
        issue_invoice(writer, first, f"F-2025-2{n:02d}")
    writer.execute(payment(ids[4], "1200.00", "VIR-4"), actor=ACTOR)

    assert set(index.entries()) == loaded_one_by_one(writer)


def test_a_debtors_events_reach_the_index_at_its_next_use(store: Store) -> None:
    writer = store.ledger(clock_at())
    person = writer.execute(
        RegisterDebtor(uuid4(), "Jean Dupont", DebtorKind.CONSUMER, Address(["3 rue Haute"], "69001", "Lyon", "FR")),
        actor=ACTOR,
    ).aggregate_id
    invoice = issue_invoice(writer, person, "F-2025-300")
    index = ReceivableIndex(store.ledger(clock_at()))
    found = index.listing(ListQuery(text="dupont"), ISSUED_ON)
    assert [r.entry.receivable_id for r in found.rows] == [invoice] and found.rows[0].debtor is not None

    firm = register_debtor(writer, "Menuiserie Lyonnaise")  # registered after the index was built
    writer.execute(EraseDebtor(person, "demande RGPD", force=True), actor=ACTOR)  # its invoice is open

    assert index.listing(ListQuery(text="dupont"), ISSUED_ON).count == 0
    names = {d.debtor_id: d.legal_name for d in index.debtors()}
    assert names[person] == "[effacé]" and names[firm] == "Menuiserie Lyonnaise"
