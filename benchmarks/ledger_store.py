"""Ledger store benchmark: relance's real code paths beside raw SQL on the same rows.

Measures, on SQLite (a file in a temporary directory) and PostgreSQL (a throwaway
cluster with fsync on, or RELANCE_BENCH_DATABASE_URL):

- appends through the Ledger: single-event commands (load, decide, save one event),
  and many events in one ``save()`` (100 domain calls on one aggregate, one save);
- the raw baseline: the exact rows the Ledger stored, read back from its table and
  inserted with sqlite3/psycopg into a table of the same shape (one INSERT + commit per
  event; or ``executemany`` in one transaction per batch); for single commands also a
  SELECT of the aggregate's rows before each INSERT, which is what a command does;
- loading a receivable with 1,000 events (``ledger.receivable``) beside a raw SELECT
  plus ``json.loads`` of each state, and the bare SELECT; ``ledger.journal`` and the
  verification of that one chain beside a raw minimal hash chain.

Every figure is the median of several repetitions. Run ``benchmarks/run_ledger_store``
(or ``python benchmarks/ledger_store.py --quick`` for a smoke run of a few seconds).
This is a script that prints figures, not a test: nothing here fails on a slow machine.
"""

from __future__ import annotations

import argparse
import gc
import hashlib
import json
import os
import platform
import sqlite3
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from functools import partial
from importlib.metadata import version
from itertools import groupby
from pathlib import Path
from typing import Any, TypeVar, cast
from uuid import UUID

import psycopg
from bench_support import BENCH_URL_ENV, postgres_server, scratch_database
from pydantic import SecretStr

from application.commands import AddNote, IssueInvoice, NoteCall, ReceivableCommand, RecordPayment, RegisterDebtor
from application.ledger import Ledger
from application.verification import AggregateHead, verify_chain
from domain.debtor import Address
from domain.receivable import Receivable
from domain.receivable_events import ReceivableEvent
from domain.values import Now
from domain.vocabulary import CallOutcome, CallPurpose, DebtorKind, PaymentMethod
from infrastructure.settings import Settings
from infrastructure.stores import build_ledger

REPO = Path(__file__).resolve().parent.parent
ACTOR = "benchmark"
AIM = 2.0  # the issue's aim: within 2x of the raw baseline
LOAD_REPEATS_FACTOR = 3  # loads take milliseconds: more repetitions for a steadier median
T = TypeVar("T")
Row = tuple[UUID, int, str, bytes]  # originator_id, originator_version, topic, state


@dataclass(frozen=True)
class Sizes:
    events: int  # events per append measurement, and the length of the long receivable
    repeats: int
    batch: int  # events per save() on the batch path
    spread: int  # receivables the single-event commands are spread over, per repetition


@dataclass(frozen=True)
class Figure:
    operation: str
    store: str
    relance: float
    baseline: float
    unit: str  # "events/s" (higher is better) or "ms" (lower is better)
    baseline_label: str
    judged: bool = True  # False: shown for information, the issue sets no aim for it

    @property
    def slowdown(self) -> float:
        """How many times slower relance is than the baseline (1.0 = as fast)."""
        if self.unit == "events/s":
            return self.baseline / self.relance
        return self.relance / self.baseline


# --------------------------------------------------------------------- timing


def median_of(repeats: int, measure: Callable[[], float]) -> float:
    return statistics.median(measure() for _ in range(repeats))


def for_each(action: Callable[[T], object], items: Iterable[T]) -> Callable[[], None]:
    """An action over a fixed list of items, to be timed."""
    fixed = list(items)

    def run() -> None:
        for item in fixed:
            action(item)

    return run


def timed(action: Callable[[], Any], *, collect: bool = False) -> float:
    """Seconds taken by ``action()``; the garbage collector stays on while timing.

    ``collect`` first empties the heap of the previous step's garbage: for the appends
    (hundreds of ms). Not for loads (a few ms): a full collection just before leaves the CPU
    caches cold, which slows the short raw baselines most and would flatter relance.
    """
    if collect:
        gc.collect()
    start = time.perf_counter()
    action()
    return time.perf_counter() - start


# ------------------------------------------------------------ the raw stores


class RawStore:
    """sqlite3 or psycopg used directly: the baseline, on the same database as the Ledger."""

    name = ""
    placeholder = "?"

    def __init__(self, product_table: str) -> None:
        self.product_table = product_table

    def key(self, originator_id: UUID) -> Any:
        return originator_id

    def execute(self, statement: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        raise NotImplementedError

    def commit(self) -> None:
        raise NotImplementedError

    def executemany(self, statement: str, rows: Sequence[Sequence[Any]]) -> None:
        raise NotImplementedError

    def create_table(self, table: str) -> None:
        raise NotImplementedError

    def describe(self) -> str:
        raise NotImplementedError

    def close(self) -> None:
        raise NotImplementedError

    def insert_statement(self, table: str) -> str:
        p = self.placeholder
        return f"INSERT INTO {table} (originator_id, originator_version, topic, state) VALUES ({p}, {p}, {p}, {p})"

    def params(self, row: Row) -> tuple[Any, ...]:
        return (self.key(row[0]), row[1], row[2], row[3])

    def insert_one(self, table: str, row: Row) -> None:
        self.execute(self.insert_statement(table), self.params(row))
        self.commit()

    def insert_many(self, table: str, rows: Sequence[Row]) -> None:
        self.executemany(self.insert_statement(table), [self.params(row) for row in rows])
        self.commit()

    def select_rows(self, table: str, originator_id: UUID) -> list[tuple[Any, ...]]:
        p = self.placeholder
        statement = (
            f"SELECT originator_id, originator_version, topic, state FROM {table} "
            f"WHERE originator_id = {p} ORDER BY originator_version"
        )
        return self.execute(statement, (self.key(originator_id),))


class SqliteRaw(RawStore):
    name = "SQLite"

    def __init__(self, path: Path, product_table: str) -> None:
        super().__init__(product_table)
        self.conn = sqlite3.connect(path)  # deferred transactions: INSERT begins one, commit() ends it

    def key(self, originator_id: UUID) -> Any:
        return originator_id.hex  # as eventsourcing's SQLite recorder writes it

    def execute(self, statement: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        return self.conn.execute(statement, params).fetchall()

    def commit(self) -> None:
        self.conn.commit()

    def executemany(self, statement: str, rows: Sequence[Sequence[Any]]) -> None:
        self.conn.executemany(statement, rows)

    def create_table(self, table: str) -> None:
        # The shape of eventsourcing's application table on SQLite.
        self.conn.execute(
            f"CREATE TABLE {table} (originator_id TEXT, originator_version INTEGER, topic TEXT, state BLOB, "
            "PRIMARY KEY (originator_id, originator_version))"
        )
        self.conn.commit()

    def describe(self) -> str:
        mode = self.execute("PRAGMA journal_mode")[0][0]
        synchronous = {0: "OFF", 1: "NORMAL", 2: "FULL", 3: "EXTRA"}[self.execute("PRAGMA synchronous")[0][0]]
        return f"SQLite {sqlite3.sqlite_version}, journal_mode={mode}, synchronous={synchronous}"

    def close(self) -> None:
        self.conn.close()


class PostgresRaw(RawStore):
    name = "PostgreSQL"
    placeholder = "%s"

    def __init__(self, url: str, product_table: str) -> None:
        super().__init__(product_table)
        self.conn = psycopg.connect(url)  # not autocommit: the first statement begins a transaction

    def execute(self, statement: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        cursor = self.conn.execute(statement.encode(), params)
        return cursor.fetchall() if cursor.description is not None else []

    def commit(self) -> None:
        self.conn.commit()

    def executemany(self, statement: str, rows: Sequence[Sequence[Any]]) -> None:
        with self.conn.cursor() as cursor:
            cursor.executemany(statement.encode(), rows)

    def select_rows(self, table: str, originator_id: UUID) -> list[tuple[Any, ...]]:
        rows = super().select_rows(table, originator_id)
        self.commit()  # end the read transaction, as the Ledger's autocommit reads do
        return rows

    def create_table(self, table: str) -> None:
        # The shape of eventsourcing's application table on PostgreSQL.
        self.execute(
            f"CREATE TABLE {table} (originator_id uuid NOT NULL, originator_version bigint NOT NULL, topic text, "
            "state bytea, notification_id bigserial, PRIMARY KEY (originator_id, originator_version))"
        )
        self.execute(f"CREATE UNIQUE INDEX {table}_notification_id ON {table} (notification_id)")
        self.commit()

    def describe(self) -> str:
        settings = {
            name: self.execute(f"SHOW {name}")[0][0]
            for name in ("server_version", "fsync", "synchronous_commit", "full_page_writes")
        }
        self.commit()
        server = settings.pop("server_version").split()[0]
        return f"PostgreSQL {server}, " + ", ".join(f"{k}={v}" for k, v in settings.items())

    def close(self) -> None:
        self.conn.close()


# ------------------------------------------------------------ the product side


class Scenario:
    """Builds debtors, invoices and events through the Ledger, as the product does."""

    def __init__(self, ledger: Ledger) -> None:
        self.ledger = ledger
        self.counter = 0
        self.tag = uuid.uuid4().hex[:8]
        self.debtor_id = uuid.uuid4()
        ledger.execute(
            RegisterDebtor(
                debtor_id=self.debtor_id,
                legal_name="Bench Fournitures SARL",
                kind=DebtorKind.PROFESSIONAL,
                address=Address(lines=["12 rue de la Paix"], postal_code="75002", city="Paris", country="FR"),
                siren="552100554",
            ),
            actor=ACTOR,
        )

    def next(self) -> int:
        self.counter += 1
        return self.counter

    def issue(self) -> UUID:
        today = self.ledger.now().today
        outcome = self.ledger.execute(
            IssueInvoice(
                invoice_number=f"B-{self.tag}-{self.next():06d}",
                debtor_id=self.debtor_id,
                issue_date=today - timedelta(days=60),
                due_date=today - timedelta(days=30),
                amount_excl_vat=Decimal("833333.33"),
                vat=Decimal("166666.67"),
                amount_incl_vat=Decimal("1000000.00"),
                label="Fournitures de bureau, commande annuelle",
            ),
            actor=ACTOR,
        )
        return outcome.aggregate_id

    def command(self, receivable_id: UUID, today: date) -> ReceivableCommand:
        """The event mix: a note, a payment of one cent with a unique reference, a call."""
        n = self.next()
        if n % 3 == 0:
            return AddNote(receivable_id, text=f"Relance {n}: copie de la facture renvoyée au service comptable")
        if n % 3 == 1:
            return RecordPayment(
                receivable_id,
                amount=Decimal("0.01"),
                value_date=today,
                method=PaymentMethod.TRANSFER,
                bank_reference=f"VIR-{self.tag}-{n:08d}",
            )
        return NoteCall(
            receivable_id,
            called_on=today,
            purpose=CallPurpose.FOLLOW_UP,
            outcome=CallOutcome.NO_ANSWER,
            notes="Message laissé au standard",
        )

    def decide_on(self, receivable: Receivable, now: Now) -> None:
        """One domain call on a loaded aggregate: the same mix, without the load and save."""
        self.command(receivable.id, now.today).run(receivable, now, ACTOR)

    def decide_and_save(self, batch: int, receivable: Receivable) -> None:
        """The batch path: ``batch`` domain calls on one loaded aggregate, then one save()."""
        for _ in range(batch):
            self.decide_on(receivable, self.ledger.now())
        self.ledger.store.append(receivable.collect_events())

    def long_receivable(self, events: int, batch: int) -> UUID:
        receivable_id = self.issue()
        receivable = self.ledger.receivable(receivable_id)
        while receivable.version < events:
            self.decide_and_save(min(batch, events - receivable.version), receivable)
        return receivable_id


def rows_since(ledger: Ledger, last_id: int, limit: int) -> list[Row]:
    """The rows the Ledger stored after notification ``last_id``, in the order it stored them."""
    notifications = ledger.recorder.select_notifications(start=last_id + 1, limit=limit)
    return [(UUID(str(n.originator_id)), n.originator_version, n.topic, n.state) for n in notifications]


def last_notification_id(ledger: Ledger) -> int:
    return ledger.recorder.max_notification_id() or 0


# ------------------------------------------------------------ measurements


def measure_single(ledger: Ledger, raw: RawStore, sizes: Sizes) -> list[Figure]:
    """Single-event commands (load, decide, save one event) beside raw SELECT + INSERT, and INSERT alone."""
    scenario = Scenario(ledger)
    raw.create_table("bench_single")
    raw.create_table("bench_read_write")
    product, inserts, read_writes = [], [], []
    for _ in range(sizes.repeats):
        before_issue = last_notification_id(ledger)
        ids = [scenario.issue() for _ in range(sizes.spread)]
        before = last_notification_id(ledger)
        today = ledger.now().today
        commands = [scenario.command(ids[i % len(ids)], today) for i in range(sizes.events)]
        product.append(sizes.events / timed(for_each(partial(ledger.execute, actor=ACTOR), commands), collect=True))

        rows = rows_since(ledger, before, sizes.events + 1)
        assert len(rows) == sizes.events, f"expected {sizes.events} rows, found {len(rows)}"
        inserts.append(len(rows) / timed(for_each(partial(raw.insert_one, "bench_single"), rows), collect=True))

        # The same work a command does at the SQL level: read the aggregate's rows, insert one.
        raw.insert_many("bench_read_write", rows_since(ledger, before_issue, sizes.spread))
        read_writes.append(len(rows) / timed(for_each(partial(read_then_insert, raw), rows), collect=True))

    label = f"single-event commands (events spread over {sizes.spread} receivables)"
    return [
        Figure(label, raw.name, statistics.median(product), statistics.median(read_writes), "events/s",
               "raw SELECT of the aggregate's rows + INSERT + commit, per event"),
        Figure(label, raw.name, statistics.median(product), statistics.median(inserts), "events/s",
               "raw INSERT + commit, per event"),
    ]  # fmt: skip


def read_then_insert(raw: RawStore, row: Row) -> None:
    raw.select_rows("bench_read_write", row[0])
    raw.insert_one("bench_read_write", row)


def measure_batch(ledger: Ledger, raw: RawStore, sizes: Sizes) -> list[Figure]:
    """Many events per save(): domain calls on a loaded aggregate, one save per batch."""
    scenario = Scenario(ledger)
    raw.create_table("bench_batch")
    batches = max(1, sizes.events // sizes.batch)
    product, baseline = [], []
    for _ in range(sizes.repeats):
        receivables = [ledger.receivable(scenario.issue()) for _ in range(batches)]
        before = last_notification_id(ledger)
        product.append(
            batches
            * sizes.batch
            / timed(for_each(partial(scenario.decide_and_save, sizes.batch), receivables), collect=True)
        )
        rows = rows_since(ledger, before, batches * sizes.batch + 1)
        assert len(rows) == batches * sizes.batch
        groups = [list(group) for _, group in groupby(rows, key=lambda row: row[0])]
        baseline.append(len(rows) / timed(for_each(partial(raw.insert_many, "bench_batch"), groups), collect=True))
    return [
        Figure(f"{sizes.batch} events per save() (domain calls + save)", raw.name, statistics.median(product),
               statistics.median(baseline), "events/s", "raw executemany, one transaction per batch"),
    ]  # fmt: skip


def measure_load(ledger: Ledger, raw: RawStore, sizes: Sizes) -> list[Figure]:
    """A receivable with ``sizes.events`` events: load, journal, verify; beside raw SELECTs."""
    receivable_id = Scenario(ledger).long_receivable(sizes.events, sizes.batch)
    table = raw.product_table

    def load() -> None:
        receivable = ledger.receivable(receivable_id)
        assert receivable.version == sizes.events

    def verify() -> None:
        stored = list(ledger.recorder.select_events(receivable_id))
        assert isinstance(verify_chain(receivable_id, stored, ledger.mapper), AggregateHead)

    def raw_decoded() -> None:
        states = [json.loads(row[3]) for row in raw.select_rows(table, receivable_id)]
        assert len(states) == sizes.events

    def raw_chain() -> None:
        previous = "0" * 64
        for row in raw.select_rows(table, receivable_id):
            state = json.loads(row[3])
            canonical = json.dumps(state, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
            previous = hashlib.sha256(previous.encode() + canonical).hexdigest()

    def ms(action: Callable[[], Any]) -> float:
        action()  # warm-up: connection, prepared statements, caches
        return 1000 * median_of(LOAD_REPEATS_FACTOR * sizes.repeats, lambda: timed(action))

    n = f"{sizes.events:,}"
    relance_load, relance_journal, relance_verify = ms(load), ms(lambda: ledger.journal(receivable_id)), ms(verify)
    decoded, bare, chain = ms(raw_decoded), ms(lambda: raw.select_rows(table, receivable_id)), ms(raw_chain)
    return [
        Figure(f"load a receivable of {n} events", raw.name, relance_load, decoded, "ms",
               "raw SELECT + json.loads of each state"),
        Figure(f"load a receivable of {n} events", raw.name, relance_load, bare, "ms",
               "raw SELECT, no decoding", judged=False),
        Figure(f"journal of {n} events (records + hashes)", raw.name, relance_journal, chain, "ms",
               "raw SELECT + json.loads + sorted json.dumps + sha256 per row", judged=False),
        Figure(f"verify one chain of {n} events", raw.name, relance_verify, chain, "ms",
               "raw SELECT + json.loads + sorted json.dumps + sha256 per row", judged=False),
    ]  # fmt: skip


def breakdown(ledger: Ledger, sizes: Sizes) -> list[tuple[str, float]]:
    """Where the batch path, the load and the journal spend their time, step by step (warm)."""
    scenario = Scenario(ledger)
    receivable_id = scenario.long_receivable(sizes.events, sizes.batch)
    stored = list(ledger.recorder.select_events(receivable_id))
    events = [ledger.mapper.to_domain_event(s) for s in stored]
    ledger_events = cast(list[ReceivableEvent], events)
    mapper = ledger.mapper
    steps: list[tuple[str, Callable[[], Any]]] = [
        ("recorder.select_events (SQL + StoredEvent objects)", partial(ledger.recorder.select_events, receivable_id)),
        ("json.loads of each state", for_each(json.loads, [s.state for s in stored])),
        ("mapper.to_domain_event (JSON decode + event objects)", for_each(mapper.to_domain_event, stored)),
        ("Receivable.replay (when() per event)", partial(Receivable.replay, ledger_events)),
        ("event.hash() per event (canonical JSON + sha256)", for_each(ReceivableEvent.hash, ledger_events)),
        ("mapper.to_stored_event (encode, as save and verify do)", for_each(mapper.to_stored_event, events)),
    ]
    batches = max(1, sizes.events // sizes.batch)
    decide, save = [], []
    for _ in range(sizes.repeats):
        receivables = [ledger.receivable(scenario.issue()) for _ in range(batches)]
        decide.append(timed(for_each(partial(decide_only, scenario, sizes.batch), receivables), collect=True))
        save.append(
            timed(
                for_each(lambda receivable: ledger.store.append(receivable.collect_events()), receivables), collect=True
            )
        )
    n = f"{batches * sizes.batch:,}"
    return [
        (
            f"batch path, {n} domain calls (checks, event objects, previous event's hash)",
            1000 * statistics.median(decide),
        ),
        (f"batch path, save() of those {n} events, {sizes.batch} per call", 1000 * statistics.median(save)),
        *((label, 1000 * median_of(sizes.repeats, partial(timed, step))) for label, step in steps),
    ]


def decide_only(scenario: Scenario, batch: int, receivable: Receivable) -> None:
    for _ in range(batch):
        scenario.decide_on(receivable, scenario.ledger.now())


# ------------------------------------------------------------------ stores


@contextmanager
def sqlite_store() -> Iterator[tuple[Settings, RawStore]]:
    with tempfile.TemporaryDirectory(prefix="relance-bench-") as directory:
        settings = Settings(data_dir=Path(directory), database_url=None)
        ledger = build_ledger(settings)  # creates the file and its table
        raw = SqliteRaw(settings.sqlite_path, ledger.recorder.events_table_name)  # type: ignore[attr-defined]
        ledger.close()
        try:
            yield settings, raw
        finally:
            raw.close()


@contextmanager
def postgres_store(server_url: str) -> Iterator[tuple[Settings, RawStore]]:
    """A scratch database on the server, dropped at the end: the benchmark never writes elsewhere."""
    with scratch_database(server_url) as url:
        settings = Settings(database_url=SecretStr(url))
        ledger = build_ledger(settings)
        raw = PostgresRaw(url, ledger.recorder.events_table_name)  # type: ignore[attr-defined]
        ledger.close()
        try:
            yield settings, raw
        finally:
            raw.close()


def run_store(settings: Settings, raw: RawStore, sizes: Sizes) -> list[Figure]:
    figures = []
    for measure in (measure_single, measure_batch, measure_load):
        progress(f"{raw.name}: {measure.__name__}")
        ledger = build_ledger(settings)
        try:
            figures += measure(ledger, raw, sizes)
        finally:
            ledger.close()
    return figures


# ------------------------------------------------------------------ report


def progress(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def load_average() -> str:
    return "load average " + " ".join(f"{value:.2f}" for value in os.getloadavg()) + " (1, 5, 15 min)"


def machine(descriptions: list[str]) -> list[str]:
    cpu = next(
        (line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
         if line.startswith("model name")),
        platform.processor() or "unknown CPU",
    ) if Path("/proc/cpuinfo").exists() else platform.processor()  # fmt: skip
    return [
        f"{os.cpu_count()} CPUs ({cpu}), {platform.system()} {platform.release()}",
        f"Python {platform.python_version()}, eventsourcing {version('eventsourcing')}, psycopg {version('psycopg')}",
        *descriptions,
    ]


def table(figures: list[Figure]) -> list[str]:
    lines = [
        "| operation | store | relance | baseline | baseline is | relance vs baseline | within 2x |",
        "|---|---|--:|--:|---|--:|:-:|",
    ]
    for f in figures:
        met = ("yes" if f.slowdown <= AIM else "no") if f.judged else "(info)"
        lines.append(
            f"| {f.operation} | {f.store} | {amount(f.relance, f.unit)} | {amount(f.baseline, f.unit)} "
            f"| {f.baseline_label} | {f.slowdown:.2f}x slower | {met} |"
        )
    return lines


def amount(value: float, unit: str) -> str:
    if unit == "ms":
        return f"{value:,.1f} ms" if value >= 10 else f"{value:,.2f} ms"
    return f"{value:,.0f} events/s"


def parse(argv: list[str] | None) -> tuple[Sizes, list[str]]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true", help="smoke run: few events, 2 repetitions")
    parser.add_argument("--events", type=int, help="events per append measurement and in the long receivable")
    parser.add_argument("--repeats", type=int, help="repetitions per measurement (the median is reported)")
    parser.add_argument("--store", choices=["sqlite", "postgres", "both"], default="both")
    args = parser.parse_args(argv)
    events = args.events or (100 if args.quick else 1000)
    repeats = args.repeats or (2 if args.quick else 5)
    if events < 10 or repeats < 1:
        parser.error("--events must be at least 10 and --repeats at least 1")
    sizes = Sizes(events=events, repeats=repeats, batch=min(100, events), spread=max(1, min(50, events // 10)))
    stores = ["sqlite", "postgres"] if args.store == "both" else [args.store]
    return sizes, stores


def main(argv: list[str] | None = None) -> int:
    sizes, stores = parse(argv)
    started = time.perf_counter()
    figures: list[Figure] = []
    descriptions: list[str] = []
    steps: list[tuple[str, float]] = []
    load_before = load_average()
    if "sqlite" in stores:
        with sqlite_store() as (settings, raw):
            progress(f"SQLite: {settings.sqlite_path}")
            descriptions.append(raw.describe())
            figures += run_store(settings, raw, sizes)
            progress("SQLite: breakdown")
            ledger = build_ledger(settings)
            try:
                steps = breakdown(ledger, sizes)
            finally:
                ledger.close()
    if "postgres" in stores:
        source = BENCH_URL_ENV if os.environ.get(BENCH_URL_ENV) else "a throwaway cluster, fsync on"
        progress(f"PostgreSQL: {source}")
        with postgres_server() as server, postgres_store(server) as (settings, raw):
            descriptions.append(f"{raw.describe()} ({source})")
            figures += run_store(settings, raw, sizes)

    print(f"Ledger store benchmark, {time.strftime('%Y-%m-%d %H:%M %Z')}\n")
    print("\n".join(f"- {line}" for line in machine(descriptions)))
    print(f"- {load_before} before the run, {load_average()} after")
    print(
        f"- {sizes.events:,} events per measurement; median of {sizes.repeats} repetitions for appends, "
        f"{LOAD_REPEATS_FACTOR * sizes.repeats} for load, journal and verify\n"
    )
    print("\n".join(table(figures)))
    if steps:
        print(f"\nWhere the time goes, SQLite, {sizes.events:,} events (median):\n")
        print("\n".join(f"- {label}: {value:,.1f} ms" for label, value in steps))
    print(f"\n(total run time {time.perf_counter() - started:,.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
