"""The Ledger's cache of decoded histories and its group commit, on SQLite and on PostgreSQL.

A Ledger keeps the events it decoded and selects only the newer ones at the next load; concurrent
writes of one Ledger share a transaction. Neither may change what a load returns: each test
compares with a Ledger that has never seen the receivable (a fresh process) or with the store.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID

import pytest
from eventsourcing.persistence import StoredEvent

from application.commands import RecordPayment
from application.ledger import Ledger, Outcome
from application.verification import verify_store
from domain.errors import RuleViolation, VersionConflict, VersionMismatch
from domain.receivable import Receivable
from domain.values import Now
from domain.vocabulary import PaymentMethod
from tests.integration.conftest import ACTOR, START, Store, clock_at, issue_invoice, payment, register_debtor

TIMEOUT = 30  # seconds: a stuck writer fails the test instead of hanging the suite


def state_of(receivable: Receivable) -> tuple[Any, ...]:
    return (
        receivable.version,
        receivable.head,
        receivable.outstanding,
        [p.bank_reference for p in receivable.payments],
    )


def fresh_load(store: Store, receivable_id: UUID) -> tuple[Any, ...]:
    """What a process that never saw the receivable reads."""
    return state_of(store.ledger().receivable(receivable_id))


@dataclass(frozen=True)
class PaymentThenFailure(RecordPayment):
    """A command that changes the receivable it was given, then fails: nothing may be kept of it."""

    def run(self, receivable: Receivable, now: Now, actor: str) -> Any:
        super().run(receivable, now, actor)
        raise RuleViolation("refused after deciding", rule="test_refusal")


@dataclass(frozen=True)
class GatedPayment(RecordPayment):
    """A payment decided only once ``gate`` returns (the receivable is loaded before)."""

    gate: Callable[[], None] = field(default=lambda: None, compare=False)

    def run(self, receivable: Receivable, now: Now, actor: str) -> Any:
        self.gate()
        return super().run(receivable, now, actor)


def gated(receivable_id: UUID, reference: str, gate: Callable[[], None]) -> GatedPayment:
    return GatedPayment(
        receivable_id=receivable_id,
        amount=Decimal("10.00"),
        value_date=START.date(),
        method=PaymentMethod.TRANSFER,
        bank_reference=reference,
        gate=gate,
    )


def references(ledger: Ledger, receivable_id: UUID) -> list[str]:
    return [
        e.record["data"]["bank_reference"]
        for e in ledger.journal(receivable_id)
        if "bank_reference" in e.record["data"]
    ]


# ------------------------------------------------------------------- cache


def test_a_payment_recorded_by_another_process_is_seen_at_the_next_load(store: Store) -> None:
    # Given a ledger that has loaded (and cached) a receivable
    first = store.ledger(clock_at())
    receivable_id = issue_invoice(first, register_debtor(first))
    assert first.receivable(receivable_id).version == 1

    # When another process records two payments on it
    second = store.ledger(clock_at())
    second.execute(payment(receivable_id, "100.00", "VIR-OTHER-1"), actor=ACTOR)
    second.execute(payment(receivable_id, "50.00", "VIR-OTHER-2"), actor=ACTOR)

    # Then the first ledger sees them, as a fresh process does, and records after them without conflict
    seen = first.receivable(receivable_id)
    assert state_of(seen) == fresh_load(store, receivable_id)
    assert seen.version == 3 and seen.outstanding == Decimal("1050.00")
    outcome = first.execute(payment(receivable_id, "50.00", "VIR-FIRST"), actor=ACTOR)
    assert outcome.version == 4
    assert state_of(second.receivable(receivable_id)) == state_of(first.receivable(receivable_id))
    assert verify_store(first.recorder, first.mapper).ok


def test_a_command_refused_after_changing_its_receivable_leaves_nothing_behind(store: Store) -> None:
    # Given a ledger with a receivable in its cache
    ledger = store.ledger(clock_at())
    receivable_id = issue_invoice(ledger, register_debtor(ledger))
    ledger.execute(payment(receivable_id, "100.00", "VIR-1"), actor=ACTOR)
    before = state_of(ledger.receivable(receivable_id))

    # When a command changes the receivable then fails, another is refused by If-Match,
    # and a caller mutates the receivable it was handed
    refused = PaymentThenFailure(
        receivable_id=receivable_id,
        amount=Decimal("200.00"),
        value_date=START.date(),
        method=PaymentMethod.TRANSFER,
        bank_reference="VIR-REFUSED",
    )
    with pytest.raises(RuleViolation):
        ledger.execute(refused, actor=ACTOR)
    with pytest.raises(VersionMismatch):
        ledger.execute(payment(receivable_id, "5.00", "VIR-STALE"), actor=ACTOR, expected_version=1)
    handed = ledger.receivable(receivable_id)
    handed.payments.clear()
    handed.version = 99

    # Then the next load is what the store holds, and the next command is recorded at the right version
    assert state_of(ledger.receivable(receivable_id)) == before == fresh_load(store, receivable_id)
    assert ledger.execute(payment(receivable_id, "5.00", "VIR-2"), actor=ACTOR).version == 3
    assert references(store.ledger(), receivable_id) == ["VIR-1", "VIR-2"]


def test_as_of_loads_read_the_past_exactly_whatever_is_cached(store: Store) -> None:
    # Given payments on three days, and the receivable cached as it is now
    clock = clock_at()
    ledger = store.ledger(clock)
    receivable_id = issue_invoice(ledger, register_debtor(ledger))
    for day, reference in enumerate(["VIR-D1", "VIR-D2", "VIR-D3"], start=1):
        clock.set(START + timedelta(days=day))
        ledger.execute(payment(receivable_id, "100.00", reference), actor=ACTOR)
    assert ledger.receivable(receivable_id).version == 4

    # When it is read as of the second day, by this ledger and by a fresh one
    as_of = ledger.end_of_day((START + timedelta(days=2)).date())
    cached = ledger.receivable(receivable_id, as_of=as_of)
    fresh = store.ledger(clock).receivable(receivable_id, as_of=as_of)

    # Then both hold exactly the first two payments, and the current state is untouched
    assert [p.bank_reference for p in cached.payments] == ["VIR-D1", "VIR-D2"]
    assert state_of(cached) == state_of(fresh)
    assert ledger.receivable(receivable_id).version == 4


def test_a_store_that_lost_its_last_event_is_read_again_in_full(store: Store) -> None:
    # Given a ledger that cached a receivable at version 3
    ledger = store.ledger(clock_at())
    receivable_id = issue_invoice(ledger, register_debtor(ledger))
    ledger.execute(payment(receivable_id, "100.00", "VIR-1"), actor=ACTOR)
    ledger.execute(payment(receivable_id, "100.00", "VIR-2"), actor=ACTOR)
    assert ledger.receivable(receivable_id).version == 3

    # When the store loses that last event (a restore from an older backup, say)
    store.execute("DELETE FROM {table} WHERE originator_id = ? AND originator_version = 3", (store.key(receivable_id),))

    # Then the ledger reads what the store holds, not what it had cached
    assert state_of(ledger.receivable(receivable_id)) == fresh_load(store, receivable_id)
    assert ledger.receivable(receivable_id).version == 2
    assert ledger.revision(receivable_id) == store.ledger().revision(receivable_id)


# ------------------------------------------------------------ group commit


def test_writes_queued_behind_a_slow_one_share_a_transaction_and_only_real_conflicts_fail(store: Store) -> None:
    # Given receivables, and a store whose first write of this ledger takes a second
    ledger = store.ledger(clock_at())
    debtor = register_debtor(ledger)
    r1, r2, r3, r4, raced, stale = (issue_invoice(ledger, debtor, f"F-GC-{n}") for n in range(6))
    groups: list[int] = []
    in_first_write = threading.Event()
    insert = ledger.recorder.insert_events

    def slow_first_insert(stored: Sequence[StoredEvent], **kwargs: Any) -> Any:
        groups.append(len({e.originator_id for e in stored}))
        if len(groups) == 1:
            in_first_write.set()
            time.sleep(1.0)
        return insert(stored, **kwargs)

    ledger.recorder.insert_events = slow_first_insert  # type: ignore[method-assign]
    both_loaded = threading.Barrier(2)
    other_process_paid = threading.Event()

    def pay(command: RecordPayment, expected: int | None = None) -> Callable[[], Outcome | BaseException]:
        def attempt() -> Outcome | BaseException:
            try:
                return ledger.execute(command, actor=ACTOR, expected_version=expected)
            except Exception as error:
                return error

        return attempt

    # When, while the first payment is being written, four more receivables are paid, two payments race
    # on one receivable (loaded at the same version, which their callers saw: If-Match) and one is
    # decided on a version another process has just replaced
    with ThreadPoolExecutor(max_workers=8) as pool:
        first = pool.submit(pay(payment(r1, "10.00", "VIR-R1")))
        assert in_first_write.wait(TIMEOUT)
        others = [
            pool.submit(pay(payment(r, "10.00", f"VIR-{name}"))) for r, name in ((r2, "R2"), (r3, "R3"), (r4, "R4"))
        ]
        racers = [
            pool.submit(pay(gated(raced, f"VIR-RACE-{n}", lambda: both_loaded.wait(TIMEOUT)), expected=1))
            for n in (1, 2)
        ]
        late = pool.submit(pay(gated(stale, "VIR-STALE", lambda: other_process_paid.wait(TIMEOUT)), expected=1))
        store.ledger(clock_at()).execute(payment(stale, "10.00", "VIR-OTHER"), actor=ACTOR)
        other_process_paid.set()
        outcomes = [f.result(TIMEOUT) for f in [first, *others, *racers, late]]

    # Then the queued writes went in groups, every payment that was not in conflict is recorded once,
    # one of the racers and the stale one get VersionConflict, and the chains verify
    assert max(groups) >= 3, groups
    assert all(isinstance(o, Outcome) and o.recorded for o in outcomes[:4]), outcomes
    race_won = [o for o in outcomes[4:6] if isinstance(o, Outcome)]
    assert len(race_won) == 1 and isinstance(next(o for o in outcomes[4:6] if o not in race_won), VersionConflict)
    assert isinstance(outcomes[6], VersionConflict)
    reader = store.ledger()
    for receivable_id, name in ((r1, "R1"), (r2, "R2"), (r3, "R3"), (r4, "R4")):
        assert references(reader, receivable_id) == [f"VIR-{name}"]
    assert len(references(reader, raced)) == 1
    assert references(reader, stale) == ["VIR-OTHER"]
    assert verify_store(reader.recorder, reader.mapper).ok
    # ...and the ledger reads them all as a fresh process does
    for receivable_id in (r1, r2, r3, r4, raced, stale):
        assert state_of(ledger.receivable(receivable_id)) == fresh_load(store, receivable_id)
