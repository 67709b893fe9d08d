"""The projector: follows the Ledger's notification log and applies it to the read models,
a batch of events and the new positions in ONE transaction (docs/decisions/0040).

Each batch: lock the positions (``SELECT ... FOR UPDATE`` on PostgreSQL, ``BEGIN
IMMEDIATE`` on SQLite), read the notifications after the lowest one, decode them with the
Ledger's mapper, let each projection load the rows it needs and write its changes, move
every position to the batch's last notification id with a compare-and-set, commit. A
crash anywhere before the commit leaves nothing behind; the next batch starts again from
the committed position. Notification ids have gaps: positions are ids, never counts.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from eventsourcing.persistence import Notification

from application.collector import collector_paused
from application.ledger import Ledger
from application.projections import (
    PROJECTED,
    AuditRow,
    DebtorRow,
    ReceivableRow,
    ReceivableState,
    Reduction,
    ReductionKind,
    audit_row,
    debtor_of,
    project_debtor,
    project_receivable,
    touches_receivable_row,
)
from domain.chain import LedgerEvent
from domain.debtor import DebtorEvent, DebtorRegistered
from domain.receivable_events import InvoiceIssued, ReceivableEvent
from infrastructure.read_store import (
    Column,
    ConcurrentProjection,
    ReadStore,
    Table,
    Transaction,
    as_date,
    as_instant,
    as_uuid,
    optional,
)

log = logging.getLogger("relance.projections")

DEFAULT_BATCH_SIZE = 2000
Batch = Sequence[tuple[int, LedgerEvent]]

POSITIONS = Table(
    "projection_positions",
    (Column("name", "text"), Column("position", "int"), Column("version", "int"),
     Column("updated_at", "instant", nullable=True)),
    key=("name",),
)  # fmt: skip


class Projection:
    """A read model: its tables, its version (bump it when the rows change meaning: the
    projection is then dropped and replayed), and how a batch of events changes it.

    ``apply`` runs inside the batch's transaction; ``committed(position)`` is called once
    that transaction committed, so a projection may keep what it learnt in memory for the
    next batch (only if the next batch starts from that same position)."""

    name = ""
    version = 1
    tables: tuple[Table, ...] = ()

    def indexes(self) -> list[str]:
        return []

    def apply(self, tx: Transaction, batch: Batch, *, since: int) -> None:
        raise NotImplementedError

    def committed(self, position: int) -> None:
        """The batch applied by the last ``apply`` is committed: the database is at ``position``."""


# --------------------------------------------------------------- receivables

RECEIVABLES = Table(
    "rm_receivables",
    (
        Column("receivable_id", "uuid"), Column("debtor_id", "uuid"), Column("invoice_number", "text"),
        Column("currency", "text"), Column("issue_date", "date"), Column("due_date", "date"),
        Column("amount_cents", "int"), Column("issued_at", "instant"), Column("reduced_cents", "int"),
        Column("closed_at", "instant", nullable=True), Column("closed_on", "date", nullable=True),
        Column("settled_on", "date", nullable=True),
    ),
    key=("receivable_id",),
)  # fmt: skip
REDUCTIONS = Table(
    "rm_reductions",
    (
        Column("receivable_id", "uuid"), Column("version", "int"), Column("kind", "text"),
        Column("amount_cents", "int"), Column("value_date", "date"), Column("recorded_at", "instant"),
    ),
    key=("receivable_id", "version"),
)  # fmt: skip
STEPS = Table(
    "rm_dunning_steps",
    (
        Column("receivable_id", "uuid"), Column("version", "int"), Column("stage", "text"),
        Column("channel", "text"), Column("sent_on", "date"),
    ),
    key=("receivable_id", "version"),
)  # fmt: skip
STATE_CACHE_LIMIT = 500_000  # receivables kept in memory between batches


def receivable_from(values: Sequence[Any]) -> ReceivableRow:
    return ReceivableRow(
        receivable_id=as_uuid(values[0]),
        debtor_id=as_uuid(values[1]),
        invoice_number=values[2],
        currency=values[3],
        issue_date=as_date(values[4]),
        due_date=as_date(values[5]),
        amount=int(values[6]),
        issued_at=as_instant(values[7]),
        reduced=int(values[8]),
        closed_at=optional(as_instant, values[9]),
        closed_on=optional(as_date, values[10]),
        settled_on=optional(as_date, values[11]),
    )


def reduction_from(values: Sequence[Any]) -> Reduction:
    return Reduction(
        receivable_id=as_uuid(values[0]),
        version=int(values[1]),
        kind=ReductionKind(values[2]),
        amount=int(values[3]),
        value_date=as_date(values[4]),
        recorded_at=as_instant(values[5]),
    )


class ReceivablesProjection(Projection):
    name = "receivables"
    tables = (RECEIVABLES, REDUCTIONS, STEPS)

    def __init__(self) -> None:
        # The open receivables' states as of ``_cached_at`` (None: not known to match the database).
        self._states: dict[UUID, ReceivableState] = {}
        self._cached_at: int | None = None

    def indexes(self) -> list[str]:
        return [
            "CREATE INDEX IF NOT EXISTS rm_receivables_debtor ON rm_receivables (debtor_id)",
            "CREATE INDEX IF NOT EXISTS rm_reductions_recorded ON rm_reductions (recorded_at)",
            "CREATE INDEX IF NOT EXISTS rm_reductions_value_date ON rm_reductions (value_date)",
        ]

    def apply(self, tx: Transaction, batch: Batch, *, since: int) -> None:
        if self._cached_at != since or len(self._states) > STATE_CACHE_LIMIT:
            self._states.clear()
        self._cached_at = None  # until this batch commits
        states = self._states
        events = [e for _, e in batch if isinstance(e, PROJECTED)]  # notes, calls…: nothing to do
        created = {e.originator_id for e in events if isinstance(e, InvoiceIssued)}
        needed = {e.originator_id for e in events if touches_receivable_row(e)}
        needed = {i for i in needed if i not in created and i not in states}
        states.update(self.load(tx, sorted(needed)))
        rows: dict[UUID, ReceivableRow] = {}
        reductions: list[Reduction] = []
        steps = []
        for event in events:
            state, change = project_receivable(states.get(event.originator_id), event)
            if state is not None:
                states[event.originator_id] = state
            if change.row is not None:
                rows[event.originator_id] = change.row
            if change.reduction is not None:
                reductions.append(change.reduction)
            if change.step is not None:
                steps.append(change.step)
        for receivable_id, row in rows.items():
            if row.closed_at is not None:  # a closed file takes no more reductions: no need to keep it
                states.pop(receivable_id, None)
        tx.upsert(RECEIVABLES, list(rows.values()))  # a ReceivableRow is a tuple in the table's column order
        tx.insert(
            REDUCTIONS,
            [(r.receivable_id, r.version, r.kind._value_, r.amount, r.value_date, r.recorded_at) for r in reductions],
        )
        tx.insert(STEPS, [(s.receivable_id, s.version, s.stage, s.channel, s.sent_on) for s in steps])

    def committed(self, position: int) -> None:
        self._cached_at = position

    @staticmethod
    def load(tx: Transaction, ids: Sequence[UUID]) -> dict[UUID, ReceivableState]:
        if not ids:
            return {}
        found = tx.fetch_by_ids(
            f"SELECT {', '.join(RECEIVABLES.names)} FROM rm_receivables WHERE receivable_id IN {{ids}}", ids
        )
        rows = {row.receivable_id: row for row in map(receivable_from, found)}
        reductions: dict[UUID, list[Reduction]] = {}
        for values in tx.fetch_by_ids(
            f"SELECT {', '.join(REDUCTIONS.names)} FROM rm_reductions WHERE receivable_id IN {{ids}}", ids
        ):
            reduction = reduction_from(values)
            reductions.setdefault(reduction.receivable_id, []).append(reduction)
        return {
            key: ReceivableState(row, tuple(sorted(reductions.get(key, []), key=lambda r: r.version)))
            for key, row in rows.items()
        }


# ------------------------------------------------------------------- debtors

DEBTORS = Table(
    "rm_debtors",
    (
        Column("debtor_id", "uuid"), Column("kind", "text"), Column("credit_limit_cents", "int", nullable=True),
        Column("credit_limit_currency", "text", nullable=True), Column("erased", "bool"),
    ),
    key=("debtor_id",),
)  # fmt: skip


class DebtorsProjection(Projection):
    name = "debtors"
    tables = (DEBTORS,)

    def apply(self, tx: Transaction, batch: Batch, *, since: int) -> None:
        events = [e for _, e in batch if isinstance(e, DebtorEvent)]
        created = {e.originator_id for e in events if isinstance(e, DebtorRegistered)}
        needed = sorted({e.originator_id for e in events} - created)
        rows: dict[UUID, DebtorRow] = {}
        for values in tx.fetch_by_ids(
            f"SELECT {', '.join(DEBTORS.names)} FROM rm_debtors WHERE debtor_id IN {{ids}}", needed
        ):
            row = DebtorRow(as_uuid(values[0]), values[1], optional(int, values[2]), values[3], bool(values[4]))
            rows[row.debtor_id] = row
        changed: dict[UUID, DebtorRow] = {}
        for event in events:
            after = project_debtor(rows.get(event.originator_id), event)
            if after is not None:
                rows[event.originator_id] = changed[event.originator_id] = after
        tx.upsert(
            DEBTORS,
            [(r.debtor_id, r.kind, r.credit_limit, r.credit_limit_currency, r.erased) for r in changed.values()],
        )


# --------------------------------------------------------------------- audit

AUDIT = Table(
    "rm_audit",
    (
        Column("notification_id", "int"), Column("recorded_at", "instant"), Column("actor", "text"),
        Column("aggregate_type", "text"), Column("aggregate_id", "uuid"), Column("version", "int"),
        Column("event_type", "text"), Column("debtor_id", "uuid", nullable=True), Column("summary", "text"),
    ),
    key=("notification_id",),
)  # fmt: skip
DEBTOR_CACHE_LIMIT = 1_000_000


class AuditProjection(Projection):
    name = "audit"
    tables = (AUDIT,)

    def __init__(self) -> None:
        # A receivable's debtor never changes (InvoiceIssued fixes it): a fact of the ledger,
        # so the cache stays right even when a batch is rolled back.
        self._debtor_of_receivable: dict[UUID, UUID] = {}

    def indexes(self) -> list[str]:
        return [
            "CREATE INDEX IF NOT EXISTS rm_audit_aggregate ON rm_audit (aggregate_id, version)",
            "CREATE INDEX IF NOT EXISTS rm_audit_actor ON rm_audit (actor, notification_id)",
            "CREATE INDEX IF NOT EXISTS rm_audit_debtor ON rm_audit (debtor_id, notification_id)",
            "CREATE INDEX IF NOT EXISTS rm_audit_type ON rm_audit (event_type, notification_id)",
            "CREATE INDEX IF NOT EXISTS rm_audit_recorded ON rm_audit (recorded_at)",
        ]

    def apply(self, tx: Transaction, batch: Batch, *, since: int) -> None:
        known = self._debtor_of_receivable
        if len(known) > DEBTOR_CACHE_LIMIT:
            known.clear()
        for _, event in batch:
            if isinstance(event, InvoiceIssued):
                known[event.originator_id] = event.debtor_id
        missing = sorted(
            {e.originator_id for _, e in batch if isinstance(e, ReceivableEvent) and e.originator_id not in known}
        )
        for aggregate_id, debtor_id in tx.fetch_by_ids(
            "SELECT aggregate_id, debtor_id FROM rm_audit WHERE version = 1 AND aggregate_id IN {ids}", missing
        ):
            known[as_uuid(aggregate_id)] = as_uuid(debtor_id)
        rows: list[AuditRow] = []
        for notification_id, event in batch:
            debtor_id = debtor_of(event)
            if debtor_id is None and isinstance(event, ReceivableEvent):
                debtor_id = known.get(event.originator_id)
            rows.append(audit_row(notification_id, event, debtor_id))
        tx.insert(AUDIT, rows)  # an AuditRow is a tuple in the table's column order


def all_projections() -> list[Projection]:
    return [ReceivablesProjection(), DebtorsProjection(), AuditProjection()]


# ----------------------------------------------------------------- projector


@dataclass(frozen=True)
class ProjectionStatus:
    name: str
    position: int
    log_position: int

    @property
    def lag(self) -> int:
        """Notification ids between the log's last one and the position (an upper bound of the
        events not yet applied: ids have gaps)."""
        return max(0, self.log_position - self.position)


class Projector:
    def __init__(
        self,
        ledger: Ledger,
        store: ReadStore,
        *,
        projections: Sequence[Projection] | None = None,
        batch_size: int = DEFAULT_BATCH_SIZE,
    ) -> None:
        self.ledger = ledger
        self.store = store
        self.projections = list(projections) if projections is not None else all_projections()
        self.batch_size = batch_size
        self._schema_ready = False
        self._lock = threading.Lock()  # one batch at a time within this process

    # ------------------------------------------------------------ schema

    def ensure_schema(self) -> None:
        """Create what is missing; drop and replay a projection whose version changed."""
        if self._schema_ready:
            return
        with self.store.transaction() as tx:
            self._lock_schema(tx)
            tx.execute(self.store.ddl(POSITIONS))
            stored = {
                name: int(version) for name, version in tx.fetch("SELECT name, version FROM projection_positions")
            }
            for projection in self.projections:
                if projection.name in stored and stored[projection.name] != projection.version:
                    log.warning("projection_version_changed", extra={"projection": projection.name})
                    self._drop(tx, projection)
                for table in projection.tables:
                    tx.execute(self.store.ddl(table))
                for statement in projection.indexes():
                    tx.execute(statement)
                tx.execute(
                    "INSERT INTO projection_positions (name, position, version) VALUES (%(name)s, 0, %(version)s) "
                    "ON CONFLICT (name) DO NOTHING",
                    {"name": projection.name, "version": projection.version},
                )
        self._schema_ready = True

    def _lock_schema(self, tx: Transaction) -> None:
        if self.store.dialect == "postgres":  # CREATE TABLE IF NOT EXISTS races between processes
            tx.execute("SELECT pg_advisory_xact_lock(%(key)s)", {"key": 0x72656C616E6365})

    def _drop(self, tx: Transaction, projection: Projection) -> None:
        for table in projection.tables:
            tx.execute(f"DROP TABLE IF EXISTS {table.name}")
        tx.execute("DELETE FROM projection_positions WHERE name = %(name)s", {"name": projection.name})

    def rebuild(self, *, on_progress: Callable[[int, int], None] | None = None) -> int:
        """Drop every projection and replay the whole log; returns the events applied.

        The tables are recreated without their secondary indexes, which are built once at
        the end (faster than maintaining them row by row). Stop the workers first: they
        would fail on the dropped tables (and be restarted by their supervisor).
        """
        with self.store.transaction() as tx:
            self._lock_schema(tx)
            tx.execute(self.store.ddl(POSITIONS))
            for projection in self.projections:
                self._drop(tx, projection)  # its indexes go with its tables
                for table in projection.tables:
                    tx.execute(self.store.ddl(table))
                tx.execute(
                    "INSERT INTO projection_positions (name, position, version) VALUES (%(name)s, 0, %(version)s)",
                    {"name": projection.name, "version": projection.version},
                )
        self._schema_ready = False
        applied = self.catch_up(on_progress=on_progress, ensure=False)
        self.ensure_schema()  # the secondary indexes
        if self.store.dialect == "postgres":  # fresh statistics for the planner
            with self.store.transaction() as tx:
                for projection in self.projections:
                    for table in projection.tables:
                        tx.execute(f"ANALYZE {table.name}")
        return applied

    # ---------------------------------------------------------- applying

    def positions(self) -> dict[str, int]:
        self.ensure_schema()
        rows = self.store.fetch("SELECT name, position FROM projection_positions")
        wanted = {p.name for p in self.projections}
        return {name: int(position) for name, position in rows if name in wanted}

    def status(self) -> list[ProjectionStatus]:
        log_position = self.ledger.recorder.max_notification_id() or 0
        return [ProjectionStatus(name, position, log_position) for name, position in sorted(self.positions().items())]

    def is_behind(self) -> bool:
        log_position = self.ledger.recorder.max_notification_id() or 0
        return any(position < log_position for position in self.positions().values())

    def apply_batch(self) -> int:
        """Apply the next batch in one transaction; returns the notifications it covered (0: up to date)."""
        with self._lock, collector_paused(), self.store.transaction() as tx:
            lock = " FOR UPDATE" if self.store.dialect == "postgres" else ""
            rows = tx.fetch(f"SELECT name, position FROM projection_positions ORDER BY name{lock}")
            positions = {name: int(position) for name, position in rows}
            missing = [p.name for p in self.projections if p.name not in positions]
            if missing:
                raise RuntimeError(f"projections {missing} have no position: run ensure_schema() first")
            start = min(positions[p.name] for p in self.projections)
            notifications = self.ledger.recorder.select_notifications(
                start=start + 1, limit=self.batch_size, inclusive_of_start=True
            )
            if not notifications:
                return 0
            batch = self._decode(notifications)
            last = notifications[-1].id
            for projection in self.projections:
                since = positions[projection.name]
                behind = batch if since == start else [(i, e) for i, e in batch if i > since]
                projection.apply(tx, behind, since=since)
                moved = tx.execute(
                    "UPDATE projection_positions SET position = %(last)s, updated_at = %(now)s "
                    "WHERE name = %(name)s AND position = %(since)s",
                    {"last": last, "now": self.ledger.clock(), "name": projection.name, "since": since},
                )
                if moved != 1:
                    raise ConcurrentProjection(f"projection {projection.name} moved from {since} during the batch")
        for projection in self.projections:  # the transaction committed
            projection.committed(last)
        return len(notifications)

    def _decode(self, notifications: Sequence[Notification]) -> list[tuple[int, LedgerEvent]]:
        to_domain_event = self.ledger.mapper.to_domain_event
        batch = []
        for notification in notifications:
            event = to_domain_event(notification)
            if isinstance(event, LedgerEvent):
                batch.append((notification.id, event))
        return batch

    def catch_up(
        self,
        *,
        stop: threading.Event | None = None,
        on_progress: Callable[[int, int], None] | None = None,
        ensure: bool = True,
    ) -> int:
        """Apply batches until the projections reach the log's end (as it was when asked)."""
        if ensure:
            self.ensure_schema()
        applied = 0
        with collector_paused():  # until caught up: collections between batches cost as much as in them
            while stop is None or not stop.is_set():
                count = self.apply_batch()
                if count == 0:
                    break
                applied += count
                if on_progress is not None:
                    on_progress(applied, min(self.positions().values()))
        return applied

    def run(self, stop: threading.Event, *, poll_seconds: float = 0.5) -> None:
        """Follow the log until ``stop`` is set: catch up, then poll with a short sleep."""
        self.ensure_schema()
        while not stop.is_set():
            try:
                if self.apply_batch() == 0:
                    stop.wait(poll_seconds)
            except ConcurrentProjection as error:  # another worker got there first: carry on from its position
                log.info("projection_batch_superseded", extra={"error": str(error)})


def run_in_background(projector: Projector, *, poll_seconds: float = 0.5) -> tuple[threading.Thread, threading.Event]:
    """A daemon thread following the log (``relance serve``'s embedded default); errors are
    logged and retried after a pause rather than killing the thread."""
    stop = threading.Event()

    def loop() -> None:
        while not stop.is_set():
            try:
                projector.run(stop, poll_seconds=poll_seconds)
            except Exception:
                log.exception("projection_worker_failed")
                stop.wait(min(30.0, poll_seconds * 10))

    thread = threading.Thread(target=loop, name="relance-projections", daemon=True)
    thread.start()
    return thread, stop


def wait_until_caught_up(projector: Projector, timeout: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout
    while projector.is_behind():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True
