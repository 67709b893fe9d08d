"""Property: after any sequence of commands, every read model equals a recomputation from
scratch (tests/integration/read_model_oracle.py), whatever the batch size and however the
projections caught up along the way (in one go, batch by batch, or by a fresh worker
that has nothing in memory)."""

from __future__ import annotations

import tempfile
from contextlib import suppress
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from uuid import UUID

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from application.clock import SimulatedClock
from application.commands import (
    ApplyCreditNote,
    IssueInvoice,
    OpenDispute,
    ReceivableCommand,
    RecordPayment,
    ResolveDispute,
    SendFormalNotice,
    SendReminder,
    SetCreditLimit,
    WriteOff,
)
from application.ledger import Ledger
from application.reports import Basis, StepOutcome, effectiveness
from domain.errors import DomainError
from domain.values import Money
from domain.vocabulary import (
    DisputeOutcome,
    DisputeReason,
    NoticeChannel,
    PaymentMethod,
    ReminderChannel,
    ReminderStage,
)
from infrastructure.projector import Projector
from infrastructure.read_models import AuditFilter, ReadModels
from infrastructure.read_store import open_read_store
from infrastructure.settings import Settings
from infrastructure.stores import build_ledger
from tests.integration import read_model_oracle as oracle
from tests.integration.conftest import ACTOR, register_debtor

START = datetime(2025, 1, 6, 8, 0, tzinfo=UTC)
CENT = Decimal("0.01")

amounts = st.integers(min_value=1, max_value=500_000)  # cents
pick = st.integers(min_value=0, max_value=50)
back = st.integers(min_value=0, max_value=12)
percent = st.integers(min_value=1, max_value=130)

step = st.one_of(
    st.tuples(st.just("advance"), st.integers(min_value=0, max_value=25)),
    st.tuples(st.just("issue"), pick, amounts, st.integers(min_value=0, max_value=40), st.integers(0, 60)),
    st.tuples(st.just("pay"), pick, percent, back),
    st.tuples(st.just("credit"), pick, st.integers(min_value=1, max_value=100), back),
    st.tuples(st.just("dispute"), pick, st.integers(min_value=1, max_value=100), back),
    st.tuples(st.just("write_off"), pick),
    st.tuples(st.just("remind"), pick, st.sampled_from(ReminderStage), st.sampled_from(ReminderChannel), back),
    st.tuples(st.just("notice"), pick, st.sampled_from(NoticeChannel), back),
    st.tuples(st.just("limit"), pick, amounts),
    st.tuples(st.just("catch_up"), st.booleans()),
)


@dataclass
class World:
    ledger: Ledger
    clock: SimulatedClock
    models: ReadModels
    settings: Settings
    batch_size: int
    debtors: list[UUID]
    receivables: list[UUID]
    counter: int = 0

    def today(self) -> date:
        return self.ledger.now().today

    def next(self, prefix: str) -> str:
        self.counter += 1
        return f"{prefix}-{self.counter}"

    def receivable(self, index: int) -> UUID | None:
        return self.receivables[index % len(self.receivables)] if self.receivables else None


def money(cents: int) -> Decimal:
    return (Decimal(cents) / 100).quantize(CENT)


def run_step(world: World, action: tuple[Any, ...]) -> None:
    ledger, today = world.ledger, world.today()
    kind = action[0]
    if kind == "advance":
        world.clock.advance(timedelta(days=action[1], minutes=7))
        return
    if kind == "catch_up":
        if action[1]:  # a fresh worker: nothing in memory, every state read back from the tables
            Projector(ledger, world.models.store, batch_size=world.batch_size).catch_up()
        else:
            world.models.catch_up()
        return
    if kind == "limit":
        debtor = world.debtors[action[1] % len(world.debtors)]
        ledger.execute(SetCreditLimit(debtor, Money(money(action[2]))), actor=ACTOR)
        return
    if kind == "issue":
        _, debtor_index, cents, issued_back, terms = action
        total = money(cents)
        excl = (total / Decimal("1.2")).quantize(CENT)
        issue_date = today - timedelta(days=issued_back)
        invoice = IssueInvoice(
            invoice_number=world.next("F"),
            debtor_id=world.debtors[debtor_index % len(world.debtors)],
            issue_date=issue_date,
            due_date=issue_date + timedelta(days=terms),
            amount_excl_vat=excl,
            vat=total - excl,
            amount_incl_vat=total,
            label="Fourniture",
        )
        world.receivables.append(ledger.execute(invoice, actor=ACTOR).aggregate_id)
        return
    receivable_id = world.receivable(action[1])
    if receivable_id is None:
        return
    receivable = ledger.receivable(receivable_id)
    owed = int(receivable.outstanding * 100)
    on = max(receivable.issue_date, today - timedelta(days=action[-1]))  # a date that happened, after the issue
    match kind:
        case "pay":
            value = max(1, owed * action[2] // 100)
            command: ReceivableCommand = RecordPayment(
                receivable_id, money(value), on, PaymentMethod.TRANSFER, world.next("VIR")
            )
        case "credit":
            command = ApplyCreditNote(receivable_id, world.next("AV"), money(max(1, owed * action[2] // 100)), on)
        case "dispute":
            if receivable.open_dispute is None:
                command = OpenDispute(receivable_id, DisputeReason.PRICE, on)
            else:
                number = receivable.open_dispute.number
                credit = money(max(1, owed * action[2] // 100))
                command = ResolveDispute(
                    receivable_id, number, DisputeOutcome.UPHELD, max(on, receivable.open_dispute.opened_on),
                    credit_note_number=world.next("AV"), credit_note_amount=credit,
                )  # fmt: skip
        case "write_off":
            command = WriteOff(receivable_id, "irrécouvrable")
        case "remind":
            command = SendReminder(receivable_id, action[2], action[3], on)
        case "notice":
            command = SendFormalNotice(
                receivable_id, action[2], on, on + timedelta(days=8), receivable.outstanding, Decimal("0.00"),
                Decimal("40.00"), "0" * 64,
            )  # fmt: skip
        case _:  # pragma: no cover
            raise AssertionError(kind)
    ledger.execute(command, actor=ACTOR)


def check_every_read_model(world: World) -> None:
    ledger, models, today = world.ledger, world.models, world.today()
    first = START.date() - timedelta(days=45)
    for day in [*oracle.interesting_days(ledger), today]:
        for basis, expected in (
            (Basis.AS_KNOWN, oracle.aged_as_known(ledger, day)),
            (Basis.BY_VALUE_DATE, oracle.aged_by_value_date(ledger, day)),
        ):
            report = models.aged_balance(as_of=day, basis=basis, by_debtor=True)
            found = {
                (line.debtor_id, bucket.value): amount
                for line in report.debtors
                for bucket, amount in line.amounts.items()
                if amount
            }
            assert found == {key: amount for key, (amount, _) in expected.items()}, (day, basis)
            assert report.total.receivables == sum(count for _, count in expected.values()), (day, basis)
    dso = models.dso(start=first, end=today)
    owed = sum(amount for amount, _ in oracle.aged_by_value_date(ledger, today).values())
    assert (dso.receivables_at_end, dso.credit_sales) == (owed, oracle.sales(ledger, first, today))
    lines, _ = models.effectiveness(as_of=today)
    assert lines == effectiveness([StepOutcome(*s) for s in oracle.first_steps(ledger)], today)
    holds, _ = models.credit_holds(today=today)
    assert [(h.debtor_id, h.credit_limit, h.overdue) for h in holds] == oracle.credit_holds(ledger, today)
    entries = list(models.audit_all(AuditFilter()))
    assert [
        (e.notification_id, e.actor, e.aggregate_type, e.aggregate_id, e.version, e.event_type, e.debtor_id)
        for e in entries
    ] == oracle.audit_lines(ledger)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@example(  # the payment that settles the file is recorded last but valued first
    steps=[("issue", 0, 100_000, 20, 10), ("pay", 0, 50, 0), ("pay", 0, 100, 6)], batch_size=2
)
@example(  # caught up in between, by the running worker and by a fresh one that reads its states back
    steps=[
        ("issue", 0, 100_000, 20, 5), ("limit", 0, 10_000), ("catch_up", True), ("remind", 0, ReminderStage.FIRST,
        ReminderChannel.EMAIL, 0), ("pay", 0, 40, 2), ("catch_up", False), ("advance", 3), ("issue", 1, 5_000, 0, 30),
        ("dispute", 0, 10, 0), ("dispute", 0, 30, 0), ("pay", 0, 100, 8), ("catch_up", True), ("write_off", 1),
    ],
    batch_size=1,
)  # fmt: skip
@given(steps=st.lists(step, min_size=1, max_size=30), batch_size=st.integers(min_value=1, max_value=12))
def test_every_read_model_equals_a_recomputation_from_the_ledger_after_any_commands(
    steps: list[tuple[Any, ...]], batch_size: int
) -> None:
    with tempfile.TemporaryDirectory() as directory:
        store_settings = Settings(data_dir=Path(directory), database_url=None, timezone="Europe/Paris")
        clock = SimulatedClock(START)
        ledger = build_ledger(store_settings, clock=clock)
        read_store = open_read_store(store_settings)
        try:
            world = World(
                ledger=ledger,
                clock=clock,
                models=ReadModels(ledger, read_store, in_process=True, batch_size=batch_size),
                settings=store_settings,
                batch_size=batch_size,
                debtors=[register_debtor(ledger, f"Client {i} SAS") for i in range(3)],
                receivables=[],
            )
            for action in steps:
                with suppress(DomainError):  # a command the rules refuse records nothing
                    run_step(world, action)
            check_every_read_model(world)
        finally:
            read_store.close()
            ledger.close()
