"""Concurrent writers on one receivable, on SQLite and on PostgreSQL.

Each writer is its own Ledger instance, as separate processes would be: the store's
primary key (aggregate id, version) is the only arbiter. The loser of a race is decided
again on the fresh state (its command did not depend on what it had seen); with an
expected version (If-Match) it gets ``VersionConflict`` with nothing recorded.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from decimal import Decimal
from functools import partial
from typing import Any
from uuid import UUID

import pytest

from application.commands import AddNote, RecordPayment
from application.ledger import Ledger, Outcome
from application.verification import verify_store
from domain.errors import VersionConflict, VersionMismatch
from domain.receivable import Receivable
from domain.values import Now
from domain.vocabulary import PaymentMethod
from tests.integration.conftest import ACTOR, START, Store, clock_at, issue_invoice, payment, register_debtor

WRITERS = 8
TIMEOUT = 30  # seconds: a stuck writer fails the test instead of hanging the suite


@dataclass(frozen=True)
class PaymentAfterBarrier(RecordPayment):
    """A payment decided only once every writer has loaded the receivable: a forced race."""

    barrier: threading.Barrier = field(default_factory=lambda: threading.Barrier(1), compare=False)
    decisions: list[int] = field(default_factory=list, compare=False)  # how often it was decided

    def run(self, receivable: Receivable, now: Now, actor: str) -> Any:
        self.decisions.append(receivable.version)
        if len(self.decisions) == 1:  # the race is on the first decision; a second one is on fresh state
            self.barrier.wait(timeout=TIMEOUT)
        return super().run(receivable, now, actor)


def paying_after(barrier: threading.Barrier, receivable_id: UUID, amount: str, reference: str) -> RecordPayment:
    return PaymentAfterBarrier(
        receivable_id=receivable_id,
        amount=Decimal(amount),
        value_date=START.date(),
        method=PaymentMethod.TRANSFER,
        bank_reference=reference,
        barrier=barrier,
    )


def given_an_invoice(store: Store) -> UUID:
    ledger = store.ledger(clock_at(START))
    return issue_invoice(ledger, register_debtor(ledger))


def payment_references(ledger: Ledger, receivable_id: UUID) -> list[str]:
    journal = ledger.journal(receivable_id)
    return [e.record["data"]["bank_reference"] for e in journal if e.record["type"] == "PaymentReceived"]


def race(writers: list[Callable[[], Outcome]]) -> list[Outcome | BaseException]:
    """Run each writer in its own thread; return each one's outcome or the error it raised."""

    def attempt(write: Callable[[], Outcome]) -> Outcome | BaseException:
        try:
            return write()
        except Exception as error:
            return error

    with ThreadPoolExecutor(max_workers=len(writers)) as pool:
        return list(pool.map(attempt, writers))


def test_two_instances_paying_the_same_version_without_if_match_are_both_recorded_the_loser_decided_again(
    store: Store,
) -> None:
    # Given two instances that have both loaded the receivable at version 1
    receivable_id = given_an_invoice(store)
    first, second = store.ledger(clock_at(START)), store.ledger(clock_at(START))
    both_loaded = threading.Barrier(2)
    payments = [
        paying_after(both_loaded, receivable_id, "100.00", "VIR-A"),
        paying_after(both_loaded, receivable_id, "200.00", "VIR-B"),
    ]

    # When each records a different payment on what it loaded, without an expected version
    outcomes = race([lambda: first.execute(payments[0], actor=ACTOR), lambda: second.execute(payments[1], actor=ACTOR)])

    # Then both are recorded, in versions 2 and 3: the loser was decided again on version 2
    assert all(isinstance(o, Outcome) and o.recorded for o in outcomes), outcomes
    assert sorted(o.version for o in outcomes if isinstance(o, Outcome)) == [2, 3]
    assert sorted(len(p.decisions) for p in payments) == [1, 2]  # type: ignore[attr-defined]
    loser = next(p for p in payments if len(p.decisions) == 2)  # type: ignore[attr-defined]
    assert loser.decisions == [1, 2]  # type: ignore[attr-defined]
    reader = store.ledger()
    assert sorted(payment_references(reader, receivable_id)) == ["VIR-A", "VIR-B"]
    assert reader.receivable(receivable_id).paid == Decimal("300.00")
    assert verify_store(reader.recorder, reader.mapper).ok


def test_two_instances_paying_the_same_version_with_if_match_one_wins_and_the_other_gets_a_version_conflict(
    store: Store,
) -> None:
    # Given two instances that have both loaded the receivable at version 1, as their callers saw it
    receivable_id = given_an_invoice(store)
    first, second = store.ledger(clock_at(START)), store.ledger(clock_at(START))
    both_loaded = threading.Barrier(2)

    # When each records a different payment on what it loaded, expecting version 1
    outcomes = race(
        [
            lambda: first.execute(
                paying_after(both_loaded, receivable_id, "100.00", "VIR-A"), actor=ACTOR, expected_version=1
            ),
            lambda: second.execute(
                paying_after(both_loaded, receivable_id, "200.00", "VIR-B"), actor=ACTOR, expected_version=1
            ),
        ]
    )

    # Then exactly one is recorded, the other is a conflict, and the chain verifies
    recorded = [o for o in outcomes if isinstance(o, Outcome)]
    conflicts = [o for o in outcomes if isinstance(o, VersionConflict)]
    assert (len(recorded), len(conflicts)) == (1, 1), outcomes
    assert recorded[0].version == 2
    assert conflicts[0].rule == "concurrent_write"
    reader = store.ledger()
    journal = reader.journal(receivable_id)
    assert [e.record["version"] for e in journal] == [1, 2]
    assert len(payment_references(reader, receivable_id)) == 1
    assert verify_store(reader.recorder, reader.mapper).ok

    # And the loser, retrying on a fresh load, is recorded after the winner
    loser = "VIR-B" if payment_references(reader, receivable_id) == ["VIR-A"] else "VIR-A"
    amount = "200.00" if loser == "VIR-B" else "100.00"
    retried = second.execute(payment(receivable_id, amount, loser), actor=ACTOR)
    assert retried.version == 3
    assert sorted(payment_references(store.ledger(), receivable_id)) == ["VIR-A", "VIR-B"]


def test_many_writers_retrying_on_conflict_record_every_payment_exactly_once(store: Store) -> None:
    # Given one receivable and eight writers, each its own Ledger instance
    receivable_id = given_an_invoice(store)
    ledgers = [store.ledger(clock_at(START)) for _ in range(WRITERS)]
    start_together = threading.Barrier(WRITERS)
    attempts: Counter[str] = Counter()

    def pay(index: int) -> Outcome:
        reference = f"VIR-{index:03d}"
        start_together.wait(timeout=TIMEOUT)
        # Each conflict means another writer's payment went in first: at most WRITERS - 1 of them.
        for _ in range(WRITERS):
            attempts[reference] += 1
            try:
                return ledgers[index].execute(payment(receivable_id, "10.00", reference), actor=ACTOR)
            except VersionConflict:
                continue
        raise AssertionError(f"{reference} lost more races than there are other writers")

    # When they all record their payment at once, retrying on VersionConflict
    outcomes = race([partial(pay, i) for i in range(WRITERS)])

    # Then every payment is recorded exactly once, in versions 2..9 without gap, and the chain verifies
    assert all(isinstance(o, Outcome) and o.recorded for o in outcomes), outcomes
    reader = store.ledger()
    references = payment_references(reader, receivable_id)
    assert sorted(references) == [f"VIR-{i:03d}" for i in range(WRITERS)]
    assert [e.record["version"] for e in reader.journal(receivable_id)] == list(range(1, WRITERS + 2))
    assert sorted(o.version for o in outcomes if isinstance(o, Outcome)) == list(range(2, WRITERS + 2))
    assert reader.receivable(receivable_id).paid == Decimal("10.00") * WRITERS
    assert sum(attempts.values()) >= WRITERS
    report = verify_store(reader.recorder, reader.mapper)
    assert report.ok
    assert report.events == 1 + 1 + WRITERS  # the debtor, the invoice, the payments


def test_many_threads_sharing_one_ledger_record_every_payment_exactly_once(store: Store) -> None:
    # Given one receivable and one Ledger instance shared by eight threads (one API process)
    receivable_id = given_an_invoice(store)
    shared = store.ledger(clock_at(START))

    def pay(index: int) -> Outcome:
        for _ in range(WRITERS):
            try:
                return shared.execute(payment(receivable_id, "10.00", f"CB-{index:03d}"), actor=ACTOR)
            except VersionConflict:
                continue
        raise AssertionError(f"CB-{index:03d} lost more races than there are other writers")

    # When they all record a payment at once
    outcomes = race([partial(pay, i) for i in range(WRITERS)])

    # Then each is in the journal once and the chain verifies
    assert all(isinstance(o, Outcome) for o in outcomes), outcomes
    reader = store.ledger()
    assert Counter(payment_references(reader, receivable_id)) == Counter(f"CB-{i:03d}" for i in range(WRITERS))
    assert [e.record["version"] for e in reader.journal(receivable_id)] == list(range(1, WRITERS + 2))
    assert verify_store(reader.recorder, reader.mapper).ok


@pytest.mark.parametrize("stale", [1, 3])
def test_an_expected_version_that_no_longer_holds_is_a_version_mismatch_and_records_nothing(
    store: Store, stale: int
) -> None:
    # Given a receivable at version 2 (the invoice and a payment)
    receivable_id = given_an_invoice(store)
    ledger = store.ledger(clock_at(START))
    ledger.execute(payment(receivable_id, "100.00", "VIR-1"), actor=ACTOR)
    before = store.rows()

    # When a client that saw another version sends a note with If-Match
    with pytest.raises(VersionMismatch) as refused:
        store.ledger(clock_at(START)).execute(
            AddNote(receivable_id, "vu au téléphone"), actor=ACTOR, expected_version=stale
        )

    # Then it is refused and nothing is recorded
    assert refused.value.rule == "if_match"
    assert store.rows() == before


def test_the_expected_version_that_holds_is_accepted(store: Store) -> None:
    receivable_id = given_an_invoice(store)

    outcome = store.ledger(clock_at(START)).execute(
        AddNote(receivable_id, "vu au téléphone"), actor=ACTOR, expected_version=1
    )

    assert (outcome.recorded, outcome.version) == (True, 2)
