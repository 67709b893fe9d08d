"""The read models on both stores: what they answer against a from-scratch recomputation
of the demo ledger, and the projector's exactly-once machinery (batches, positions, rebuild)."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import psycopg
import pytest
from psycopg import sql
from pydantic import SecretStr

from api.demo import demo_clock, load_demo
from application.ledger import Ledger
from application.reports import AgedBalance, Basis, Bucket, StepOutcome, countback_dso, effectiveness
from infrastructure.projector import (
    AuditProjection,
    Batch,
    DebtorsProjection,
    Projection,
    Projector,
    ReceivablesProjection,
)
from infrastructure.read_models import AuditFilter, ReadModels
from infrastructure.read_store import ConcurrentProjection, ReadStore, Transaction, open_read_store
from infrastructure.settings import Settings
from tests.integration import read_model_oracle as oracle
from tests.integration.conftest import (
    ACTOR,
    Store,
    clock_at,
    issue_invoice,
    payment,
    register_debtor,
)
from tests.integration.read_model_tables import dump
from tests.support.documents import document_store
from tests.support.throwaway_postgres import with_dbname

NOW = datetime(2026, 3, 18, 16, 45, tzinfo=UTC)  # the demo is recorded as if run at this instant
TODAY = date(2026, 3, 18)


@contextmanager
def demo_on(store: Store) -> Iterator[tuple[Ledger, ReadModels]]:
    """The demo ledger recorded as of NOW, and read models following it (catching up on every query)."""
    clock = demo_clock(NOW)
    ledger = store.ledger(clock)
    load_demo(ledger, clock, document_store(store.settings), now=NOW)
    read_store = open_read_store(store.settings)
    try:
        yield ledger, ReadModels(ledger, read_store, in_process=True)
    finally:
        read_store.close()


@pytest.fixture
def demo(store: Store) -> Iterator[tuple[Ledger, ReadModels]]:
    """A demo of its own, for a test that changes the read models."""
    with demo_on(store) as ledger_and_models:
        yield ledger_and_models


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def shared_demo(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Ledger, ReadModels]]:
    """One demo per store for the tests that only read (loading it is the slow part)."""
    url = None
    if request.param == "postgres":
        server = request.getfixturevalue("postgres_url")
        name = f"relance_demo_{uuid.uuid4().hex[:8]}"
        with psycopg.connect(server, autocommit=True) as conn:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        url = with_dbname(server, name)
    settings = Settings(
        data_dir=tmp_path_factory.mktemp("demo"),
        database_url=None if url is None else SecretStr(url),
        timezone="Europe/Paris",
    )
    store = Store(kind=request.param, settings=settings)
    try:
        with demo_on(store) as ledger_and_models:
            yield ledger_and_models
    finally:
        store.close()
        if url is not None:
            with psycopg.connect(request.getfixturevalue("postgres_url"), autocommit=True) as conn:
                conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def groups(report: AgedBalance) -> oracle.Groups:
    """The report by debtor as (debtor, bucket) -> (cents, receivables), like the oracle's."""
    found: oracle.Groups = {}
    for line in report.debtors:
        assert line.debtor_id is not None
        for bucket, amount in line.amounts.items():
            if amount:
                found[(line.debtor_id, bucket.value)] = (amount, 0)
    return found


def without_counts(expected: oracle.Groups) -> oracle.Groups:
    return {key: (amount, 0) for key, (amount, _) in expected.items()}


def payment_known_a_day_late(ledger: Ledger) -> date:
    """A value date of the demo whose payment was recorded on a later day (the morning bank import)."""
    for receivable in ledger.receivables():
        for entry in ledger.journal(receivable.id):
            if entry.record["type"] == "PaymentReceived":
                recorded = datetime.fromisoformat(entry.record["recorded_at"].replace("Z", "+00:00"))
                value_date = date.fromisoformat(entry.record["data"]["value_date"])
                if recorded > ledger.end_of_day(value_date):
                    return value_date
    raise AssertionError("the demo has no payment recorded after its value date")


# ------------------------------------------------------------- aged balance


@pytest.mark.parametrize("days_before", [0, 30, 75, 150])
def test_the_aged_balance_as_of_a_date_is_what_the_ledger_said_at_the_end_of_that_day(
    shared_demo: tuple[Ledger, ReadModels], days_before: int
) -> None:
    ledger, models = shared_demo
    as_of = TODAY - timedelta(days=days_before)

    report = models.aged_balance(as_of=as_of, basis=Basis.AS_KNOWN, by_debtor=True)

    expected = oracle.aged_as_known(ledger, as_of)
    assert groups(report) == without_counts(expected)
    assert report.total.total == sum(amount for amount, _ in expected.values()) > 0
    assert report.total.receivables == sum(count for _, count in expected.values())


@pytest.mark.parametrize("days_before", [0, 30, 75, 150])
def test_the_aged_balance_by_value_date_counts_every_payment_by_its_value_date(
    shared_demo: tuple[Ledger, ReadModels], days_before: int
) -> None:
    ledger, models = shared_demo
    as_of = TODAY - timedelta(days=days_before)

    report = models.aged_balance(as_of=as_of, basis=Basis.BY_VALUE_DATE, by_debtor=True)

    expected = oracle.aged_by_value_date(ledger, as_of)
    assert groups(report) == without_counts(expected)
    assert report.total.receivables == sum(count for _, count in expected.values())
    assert report.total.total > 0


def test_on_the_value_date_of_a_payment_imported_the_next_morning_the_two_readings_differ(
    shared_demo: tuple[Ledger, ReadModels],
) -> None:
    ledger, models = shared_demo
    day = payment_known_a_day_late(ledger)

    as_known = models.aged_balance(as_of=day, basis=Basis.AS_KNOWN, by_debtor=True)
    by_value = models.aged_balance(as_of=day, basis=Basis.BY_VALUE_DATE, by_debtor=True)

    assert groups(as_known) == without_counts(oracle.aged_as_known(ledger, day))
    assert groups(by_value) == without_counts(oracle.aged_by_value_date(ledger, day))
    assert as_known.total.total > by_value.total.total


def test_a_payment_recorded_after_the_closing_date_with_an_earlier_value_date_counts_only_by_value_date(
    store: Store,
) -> None:
    # Given 1,200.00 due on 9 February 2025, paid in full with a value date of 28 February,
    # recorded by the bank import on 3 March
    clock = clock_at()
    ledger = store.ledger(clock)
    debtor = register_debtor(ledger)
    receivable = issue_invoice(ledger, debtor)
    clock.set(datetime(2025, 3, 3, 7, 0, tzinfo=UTC))
    ledger.execute(payment(receivable, "1200.00", "VIR-0228", date(2025, 2, 28)), actor=ACTOR)
    read_store = open_read_store(store.settings)
    models = ReadModels(ledger, read_store, in_process=True)
    try:
        # When the aged balance is asked as of 28 February
        as_known = models.aged_balance(as_of=date(2025, 2, 28), basis=Basis.AS_KNOWN)
        by_value = models.aged_balance(as_of=date(2025, 2, 28), basis=Basis.BY_VALUE_DATE)
        later = models.aged_balance(as_of=date(2025, 3, 3), basis=Basis.AS_KNOWN)
    finally:
        read_store.close()

    # Then the ledger said 1,200.00 were 19 days late that day; by value date nothing was owed
    assert as_known.total.amounts[Bucket.DAYS_1_30] == 120000
    assert as_known.total.total == 120000 and as_known.total.receivables == 1
    assert by_value.total.total == 0 and by_value.total.receivables == 0
    assert later.total.total == 0


# ----------------------------------------------------- other reports, audit


def test_dso_effectiveness_and_credit_holds_of_the_demo_match_a_recomputation(
    shared_demo: tuple[Ledger, ReadModels],
) -> None:
    ledger, models = shared_demo
    start, end = TODAY - timedelta(days=89), TODAY

    dso = models.dso(start=start, end=end)
    lines, _ = models.effectiveness(as_of=TODAY)
    holds, _ = models.credit_holds(today=TODAY)

    owed = sum(amount for amount, _ in oracle.aged_by_value_date(ledger, end).values())
    assert (dso.receivables_at_end, dso.credit_sales) == (owed, oracle.sales(ledger, start, end))
    assert dso.dso == (Decimal(owed) * 90 / dso.credit_sales).quantize(Decimal("0.1"))
    daily: dict[date, int] = {}
    for receivable in ledger.receivables():
        daily[receivable.issue_date] = daily.get(receivable.issue_date, 0) + oracle.cents(receivable.amount_incl_vat)
    assert dso.countback_dso == countback_dso(owed, sorted(daily.items(), reverse=True), end)
    steps = [StepOutcome(*step) for step in oracle.first_steps(ledger)]
    assert lines == effectiveness(steps, TODAY)
    assert sum(line.receivables for line in lines) == len(steps) > 0
    assert [(h.debtor_id, h.credit_limit, h.overdue) for h in holds] == oracle.credit_holds(ledger, TODAY)


def test_every_event_is_in_the_audit_journal_once_in_the_order_of_the_log(
    shared_demo: tuple[Ledger, ReadModels],
) -> None:
    ledger, models = shared_demo

    entries = list(models.audit_all(AuditFilter()))

    expected = oracle.audit_lines(ledger)
    assert [
        (e.notification_id, e.actor, e.aggregate_type, e.aggregate_id, e.version, e.event_type, e.debtor_id)
        for e in entries
    ] == expected
    assert len(expected) == ledger.recorder.max_notification_id()


def test_the_audit_journal_filters_by_actor_type_debtor_and_period_and_pages_without_gaps(
    shared_demo: tuple[Ledger, ReadModels],
) -> None:
    ledger, models = shared_demo
    everything = list(models.audit_all(AuditFilter()))
    debtor = next(e.debtor_id for e in everything if e.event_type == "InvoiceIssued")
    start, end = TODAY - timedelta(days=60), TODAY - timedelta(days=30)

    by_actor = list(models.audit_all(AuditFilter(actor="bank-import")))
    by_type = list(models.audit_all(AuditFilter(event_type="ReminderSent")))
    by_debtor = list(models.audit_all(AuditFilter(debtor_id=debtor)))
    in_period = list(models.audit_all(AuditFilter(start=start, end=end)))
    combined = list(models.audit_all(AuditFilter(actor="bank-import", event_type="PaymentReceived", debtor_id=debtor)))

    assert by_actor == [e for e in everything if e.actor == "bank-import"] != []
    assert by_type == [e for e in everything if e.event_type == "ReminderSent"] != []
    assert by_debtor == [e for e in everything if e.debtor_id == debtor] != []
    paris = ledger.timezone
    assert in_period == [e for e in everything if start <= e.recorded_at.astimezone(paris).date() <= end] != []
    assert combined == [e for e in by_debtor if e.actor == "bank-import" and e.event_type == "PaymentReceived"]
    pages, after = [], 0
    while True:
        page = models.audit(AuditFilter(), after=after, limit=7)
        pages.extend(page.entries)
        assert len(page.entries) <= 7
        if page.next_after is None:
            break
        after = page.next_after
    assert pages == everything


# -------------------------------------------------------------- exactly once


def test_catching_up_again_applies_nothing_and_every_position_reaches_the_end_of_the_log(
    shared_demo: tuple[Ledger, ReadModels],
) -> None:
    ledger, models = shared_demo

    models.catch_up()
    again = models.catch_up()

    last = ledger.recorder.max_notification_id()
    assert again == 0
    assert {s.name: (s.position, s.lag) for s in models.status()} == {
        "audit": (last, 0), "debtors": (last, 0), "receivables": (last, 0)
    }  # fmt: skip


def test_the_rows_do_not_depend_on_the_batch_size_and_a_rebuild_gives_the_same_rows(
    store: Store, demo: tuple[Ledger, ReadModels]
) -> None:
    ledger, models = demo
    models.catch_up()
    before = dump(models.store)

    rebuilt = Projector(ledger, models.store, batch_size=7).rebuild()

    assert rebuilt == ledger.recorder.max_notification_id()
    assert dump(models.store) == before
    assert len(before["rm_audit"]) == rebuilt
    # after a rebuild PostgreSQL has statistics, which choose how each aged balance is summed
    for day in (TODAY - timedelta(days=120), TODAY - timedelta(days=40), TODAY):
        for basis, expected in (
            (Basis.AS_KNOWN, oracle.aged_as_known(ledger, day)),
            (Basis.BY_VALUE_DATE, oracle.aged_by_value_date(ledger, day)),
        ):
            assert groups(models.aged_balance(as_of=day, basis=basis, by_debtor=True)) == without_counts(expected)


def test_two_workers_following_one_log_apply_each_event_exactly_once(
    store: Store, demo: tuple[Ledger, ReadModels]
) -> None:
    ledger, models = demo
    Projector(ledger, models.store, batch_size=5).ensure_schema()
    stores = [open_read_store(store.settings) for _ in range(2)]
    errors: list[BaseException] = []

    def work(read_store: ReadStore) -> None:
        try:
            Projector(ledger, read_store, batch_size=5).catch_up()
        except BaseException as error:  # pragma: no cover - reported below
            errors.append(error)

    threads = [threading.Thread(target=work, args=(s,)) for s in stores]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    for read_store in stores:
        read_store.close()

    assert errors == []
    together = dump(models.store)
    Projector(ledger, models.store, batch_size=1000).rebuild()
    assert together == dump(models.store)


class Exploding(Projection):
    name = "exploding"

    def apply(self, tx: Transaction, batch: Batch, *, since: int) -> None:
        raise RuntimeError("disk full")


class MovingAnotherPosition(Projection):
    """Moves the receivables' position behind the projector's back, as a rogue writer would."""

    name = "mover"

    def apply(self, tx: Transaction, batch: Batch, *, since: int) -> None:
        tx.execute("UPDATE projection_positions SET position = position + 1 WHERE name = 'receivables'")


@pytest.mark.parametrize(
    ("projections", "error"),
    [
        (lambda: [ReceivablesProjection(), Exploding()], RuntimeError),
        (lambda: [MovingAnotherPosition(), ReceivablesProjection()], ConcurrentProjection),
    ],
    ids=["a projection fails after another wrote its rows", "a position moved during the batch"],
)
def test_a_batch_that_fails_anywhere_leaves_no_row_and_no_position_behind(
    store: Store,
    demo: tuple[Ledger, ReadModels],
    projections: Callable[[], list[Projection]],
    error: type[Exception],
) -> None:
    ledger, models = demo
    projector = Projector(ledger, models.store, projections=projections(), batch_size=50)
    projector.ensure_schema()

    with pytest.raises(error):
        projector.apply_batch()

    assert set(projector.positions().values()) == {0}
    assert models.store.fetch("SELECT COUNT(*) FROM rm_receivables") == [(0,)]
    healthy = Projector(ledger, models.store, projections=[ReceivablesProjection()], batch_size=50)
    assert healthy.catch_up() == ledger.recorder.max_notification_id()


def test_a_projection_whose_version_changed_is_dropped_and_replayed(
    store: Store, demo: tuple[Ledger, ReadModels]
) -> None:
    ledger, models = demo
    models.catch_up()
    before = dump(models.store)

    class NewAudit(AuditProjection):
        version = 2

    upgraded = Projector(ledger, models.store, projections=[ReceivablesProjection(), DebtorsProjection(), NewAudit()])
    upgraded.ensure_schema()
    assert upgraded.positions()["audit"] == 0
    upgraded.catch_up()

    after = dump(models.store)
    assert after["rm_audit"] == before["rm_audit"]
    assert ("audit", str(ledger.recorder.max_notification_id()), "2") in after["projection_positions"]
