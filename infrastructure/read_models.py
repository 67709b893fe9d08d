"""``ReadModels``: the reports and the audit journal, answered by SQL over the projections'
tables (no replay), and the projector that keeps them up to date.

``in_process`` (the embedded default): every query first applies what the log holds
beyond the projections' positions, so an answer never lags the ledger of this process.
Otherwise a worker (``relance projections run``) keeps them up to date and each answer
states the position it reflects.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from uuid import UUID

from application.ledger import Ledger
from application.projections import AuditRow
from application.reports import (
    BUCKET_LIMITS,
    BUCKETS,
    AgedBalance,
    AgedReceivable,
    Basis,
    Dso,
    Effectiveness,
    StepOutcome,
    aged_balance,
    average_dso,
    countback_dso,
    earliest_due_dates,
    effectiveness,
)
from infrastructure.projector import (
    DEFAULT_BATCH_SIZE,
    ProjectionStatus,
    Projector,
    collector_paused,
    run_in_background,
)
from infrastructure.read_store import ReadStore, Transaction, as_date, as_instant, as_uuid, open_read_store, optional
from infrastructure.settings import Settings

AUDIT_PAGE_MAX = 1000


@dataclass(frozen=True)
class AuditFilter:
    actor: str | None = None
    debtor_id: UUID | None = None
    event_type: str | None = None
    aggregate_id: UUID | None = None
    start: date | None = None  # recorded on or after this day (the firm's calendar)
    end: date | None = None  # recorded on or before this day


@dataclass(frozen=True)
class AuditPage:
    entries: list[AuditRow]
    next_after: int | None  # pass as ``after`` for the next page; None: this was the last
    position: int


@dataclass(frozen=True)
class CreditHold:
    debtor_id: UUID
    credit_limit: int  # cents
    currency: str
    overdue: int  # cents: what is past due and unpaid, as known now
    receivables: int


def _bucket_index(column: str) -> str:
    """The bucket's index in ``BUCKETS`` order, from the due date and the thresholds of the date."""
    whens = " ".join(f"WHEN {column} >= %({bucket.value})s THEN {i}" for i, (bucket, _) in enumerate(BUCKET_LIMITS))
    return f"CASE {whens} ELSE {len(BUCKET_LIMITS)} END"


def aged_balance_sql(basis: Basis, *, by_debtor: bool, from_later: bool) -> str:
    """One aggregation over the receivables open on the date and their reductions up to it:
    a line per debtor (or one total line) with what is owed in each bucket and how many owe."""
    sums = ", ".join(
        f"CAST(SUM(CASE WHEN o.bucket = {i} THEN o.owed ELSE 0 END) AS BIGINT)" for i in range(len(BUCKETS))
    )  # BIGINT: PostgreSQL's SUM of bigints is a numeric, slower to read
    debtor, group = ("o.debtor_id", "GROUP BY o.debtor_id") if by_debtor else ("NULL", "")
    columns = f"r.debtor_id, {_bucket_index('r.due_date')} AS bucket"
    return f"""
SELECT {debtor}, {sums}, COUNT(*)
FROM ({open_on_the_date_sql(basis, from_later=from_later, columns=columns)}) o
{group}
"""


def aged_receivables_sql(basis: Basis, *, from_later: bool) -> str:
    """One debtor's receivables that its line of the aged balance adds up, each with what it owed."""
    columns = "r.receivable_id, r.invoice_number, r.issue_date, r.due_date, r.amount_cents"
    opened = open_on_the_date_sql(basis, from_later=from_later, columns=columns, debtor=True)
    return f"{opened} ORDER BY r.due_date, r.invoice_number"


def open_on_the_date_sql(basis: Basis, *, from_later: bool, columns: str, debtor: bool = False) -> str:
    """The receivables open on the date (``columns``) with what each owed then (``owed``): the amount
    less its reductions up to the date; ``debtor``: only those of ``%(debtor_id)s``.

    ``from_later``: what is owed is computed as the amount less every reduction known now
    plus those after the date, instead of the amount less those up to the date: the same
    figure, and only the reductions after the date are read (none at all for today).
    """
    if basis is Basis.AS_KNOWN:
        when, issued, closed, date_param = "recorded_at", "r.issued_at", "r.closed_at", "%(cutoff)s"
    else:
        when, issued, closed, date_param = "value_date", "r.issue_date", "r.closed_on", "%(as_of)s"
    if from_later:
        owed, reductions = "r.amount_cents - r.reduced_cents + COALESCE(x.reduced, 0)", f"{when} > {date_param}"
    else:
        owed, reductions = "r.amount_cents - COALESCE(x.reduced, 0)", f"{when} <= {date_param}"
    of_debtor = " AND r.debtor_id = %(debtor_id)s" if debtor else ""
    return f"""
    SELECT {columns}, {owed} AS owed
    FROM rm_receivables r
    LEFT JOIN (
        SELECT receivable_id, SUM(amount_cents) AS reduced FROM rm_reductions WHERE {reductions}
        GROUP BY receivable_id
    ) x ON x.receivable_id = r.receivable_id
    WHERE r.currency = %(currency)s AND {issued} <= {date_param} AND ({closed} IS NULL OR {closed} > {date_param})
      {of_debtor}
"""


STEP_OUTCOMES = """
SELECT f.stage, f.channel, f.sent_on, r.settled_on, COUNT(*)
FROM (
    SELECT receivable_id, stage, channel, MIN(sent_on) AS sent_on FROM rm_dunning_steps
    GROUP BY receivable_id, stage, channel
) f JOIN rm_receivables r ON r.receivable_id = f.receivable_id
GROUP BY f.stage, f.channel, f.sent_on, r.settled_on
"""

CREDIT_HOLDS = """
SELECT d.debtor_id, d.credit_limit_cents, d.credit_limit_currency, SUM(r.amount_cents - r.reduced_cents), COUNT(*)
FROM rm_debtors d JOIN rm_receivables r ON r.debtor_id = d.debtor_id
WHERE d.credit_limit_cents IS NOT NULL AND r.currency = d.credit_limit_currency
  AND r.closed_at IS NULL AND r.due_date < %(today)s
GROUP BY d.debtor_id, d.credit_limit_cents, d.credit_limit_currency
HAVING SUM(r.amount_cents - r.reduced_cents) > d.credit_limit_cents
ORDER BY d.debtor_id
"""


class ReadModels:
    def __init__(
        self, ledger: Ledger, store: ReadStore, *, in_process: bool, batch_size: int = DEFAULT_BATCH_SIZE
    ) -> None:
        self.ledger = ledger
        self.store = store
        self.in_process = in_process
        self.projector = Projector(ledger, store, batch_size=batch_size)

    # ------------------------------------------------------------ freshness

    def catch_up(self) -> int:
        """Apply whatever the log holds beyond the positions; returns the events applied."""
        self.projector.ensure_schema()
        if not self.projector.is_behind():
            return 0
        return self.projector.catch_up()

    def status(self) -> list[ProjectionStatus]:
        return self.projector.status()

    @contextmanager
    def _reading(self, *projections: str) -> Iterator[tuple[Transaction, int]]:
        """A consistent snapshot of the tables and the position they reflect."""
        if self.in_process:
            self.catch_up()
        else:
            self.projector.ensure_schema()
        with self.store.transaction(lock=False) as tx:
            if self.store.dialect == "postgres":
                tx.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            rows = tx.fetch("SELECT name, position FROM projection_positions")
            positions = {name: int(position) for name, position in rows if name in projections}
            yield tx, min(positions.values(), default=0)

    # --------------------------------------------------------------- reports

    def _as_of(self, basis: Basis, as_of: date, params: dict[str, Any]) -> date | datetime:
        """The day's parameter of the aged-balance statements (the evening's cut-off as known, or the
        day by value date), set in ``params``; returned for choosing the nearer end of the log."""
        if basis is Basis.AS_KNOWN:
            params["cutoff"] = cutoff = self.ledger.end_of_day(as_of)
            return cutoff
        params["as_of"] = as_of
        return as_of

    @collector_paused()
    def aged_balance(self, *, as_of: date, basis: Basis, currency: str = "EUR", by_debtor: bool = False) -> AgedBalance:
        params: dict[str, Any] = {bucket.value: due for bucket, due in earliest_due_dates(as_of)}
        params["currency"] = currency
        when = self._as_of(basis, as_of, params)
        with self._reading("receivables") as (tx, position):
            statement = aged_balance_sql(basis, by_debtor=by_debtor, from_later=self._nearer_the_end(tx, basis, when))
            rows = tx.fetch(statement, params)
        lines = [(optional(as_uuid, row[0]), [int(a or 0) for a in row[1:-1]], int(row[-1])) for row in rows]
        return aged_balance(as_of, basis, currency, lines, by_debtor=by_debtor, position=position)

    @collector_paused()
    def aged_receivables(
        self, *, debtor_id: UUID, as_of: date, basis: Basis, currency: str = "EUR"
    ) -> tuple[list[AgedReceivable], int]:
        """The drill-down of one debtor's line of ``aged_balance``: its receivables open on the
        date, each with what it owed then, by due date."""
        params: dict[str, Any] = {"currency": currency, "debtor_id": debtor_id}
        when = self._as_of(basis, as_of, params)
        with self._reading("receivables") as (tx, position):
            statement = aged_receivables_sql(basis, from_later=self._nearer_the_end(tx, basis, when))
            rows = tx.fetch(statement, params)
        found = [
            AgedReceivable(as_uuid(rid), number, as_date(issued), as_date(due), int(amount), int(owed), as_of)
            for rid, number, issued, due, amount, owed in rows
        ]
        return found, position

    def _nearer_the_end(self, tx: Transaction, basis: Basis, when: date | datetime) -> bool:
        """Whether fewer reductions are dated after ``when`` than up to it: from PostgreSQL's
        statistics of the column when it has them (equal-frequency histogram bounds), else by
        where ``when`` falls between the first and last dates (two index lookups)."""
        column = "recorded_at" if basis is Basis.AS_KNOWN else "value_date"
        if self.store.dialect == "postgres":
            kind = "timestamptz" if basis is Basis.AS_KNOWN else "date"
            found = tx.fetch(
                f"SELECT histogram_bounds::text::{kind}[] FROM pg_stats WHERE schemaname = current_schema() "
                "AND tablename = 'rm_reductions' AND attname = %(column)s",
                {"column": column},
            )
            bounds = found[0][0] if found else None
            if bounds:
                return sum(1 for bound in bounds if bound > when) * 2 <= len(bounds)
        (first,) = tx.fetch(f"SELECT MIN({column}) FROM rm_reductions")[0]
        (last,) = tx.fetch(f"SELECT MAX({column}) FROM rm_reductions")[0]
        if first is None or last is None:
            return True
        if isinstance(when, datetime):
            return as_instant(last) - when <= when - as_instant(first)
        return as_date(last) - when <= when - as_date(first)

    @collector_paused()
    def dso(self, *, start: date, end: date, currency: str = "EUR") -> Dso:
        if end < start:
            raise ValueError("the period ends before it starts")
        with self._reading("receivables") as (tx, position):
            statement = aged_balance_sql(
                Basis.BY_VALUE_DATE, by_debtor=False, from_later=self._nearer_the_end(tx, Basis.BY_VALUE_DATE, end)
            )
            buckets = {bucket.value: due for bucket, due in earliest_due_dates(end)}
            (found,) = tx.fetch(statement, {**buckets, "as_of": end, "currency": currency})
            receivables = sum(int(amount or 0) for amount in found[1:-1])
            (sales,) = tx.fetch(
                "SELECT COALESCE(SUM(amount_cents), 0) FROM rm_receivables "
                "WHERE currency = %(currency)s AND issue_date >= %(start)s AND issue_date <= %(end)s",
                {"currency": currency, "start": start, "end": end},
            )[0]
            daily = tx.fetch(
                "SELECT issue_date, SUM(amount_cents) FROM rm_receivables "
                "WHERE currency = %(currency)s AND issue_date <= %(end)s GROUP BY issue_date ORDER BY issue_date DESC",
                {"currency": currency, "end": end},
            )
        days = (end - start).days + 1
        return Dso(
            start=start,
            end=end,
            currency=currency,
            days=days,
            receivables_at_end=int(receivables),
            credit_sales=int(sales),
            dso=average_dso(int(receivables), int(sales), days),
            countback_dso=countback_dso(int(receivables), ((as_date(d), int(s)) for d, s in daily), end),
            position=position,
        )

    @collector_paused()
    def effectiveness(
        self, *, as_of: date, start: date | None = None, end: date | None = None
    ) -> tuple[list[Effectiveness], int]:
        """Steps whose first sending (per receivable, stage and channel) falls in [start, end]."""
        with self._reading("receivables") as (tx, position):
            rows = tx.fetch(STEP_OUTCOMES)
        steps = [
            StepOutcome(stage, channel, as_date(sent_on), optional(as_date, settled_on), int(count))
            for stage, channel, sent_on, settled_on, count in rows
        ]
        steps = [s for s in steps if (start is None or s.sent_on >= start) and (end is None or s.sent_on <= end)]
        return effectiveness(steps, as_of), position

    def credit_holds(self, *, today: date) -> tuple[list[CreditHold], int]:
        """Debtors whose overdue exposure (as known now) is above their credit limit."""
        with self._reading("receivables", "debtors") as (tx, position):
            rows = tx.fetch(CREDIT_HOLDS, {"today": today})
        holds = [
            CreditHold(as_uuid(d), int(limit), currency, int(overdue), int(n))
            for d, limit, currency, overdue, n in rows
        ]
        return holds, position

    # ------------------------------------------------------------------ audit

    def audit(self, where: AuditFilter, *, after: int = 0, limit: int = 100) -> AuditPage:
        limit = max(1, min(limit, AUDIT_PAGE_MAX))
        clauses, params = self._audit_filter(where)
        params.update({"after": after, "limit": limit + 1})
        statement = (
            "SELECT notification_id, recorded_at, actor, aggregate_type, aggregate_id, version, event_type, "
            f"debtor_id, summary FROM rm_audit WHERE notification_id > %(after)s{clauses} "
            "ORDER BY notification_id LIMIT %(limit)s"
        )
        with self._reading("audit") as (tx, position):
            rows = tx.fetch(statement, params)
        entries = [
            AuditRow(int(n), as_instant(at), actor, kind, as_uuid(aid), int(v), etype, optional(as_uuid, did), text)
            for n, at, actor, kind, aid, v, etype, did, text in rows[:limit]
        ]
        next_after = entries[-1].notification_id if len(rows) > limit else None
        return AuditPage(entries, next_after, position)

    def audit_all(self, where: AuditFilter, *, after: int = 0) -> Iterator[AuditRow]:
        """Every matching line after ``after``, oldest first, fetched page by page (for exports)."""
        while True:
            page = self.audit(where, after=after, limit=AUDIT_PAGE_MAX)
            yield from page.entries
            if page.next_after is None:
                return
            after = page.next_after

    def _audit_filter(self, where: AuditFilter) -> tuple[str, dict[str, Any]]:
        clauses: list[str] = []
        params: dict[str, Any] = {}
        for column, value in (
            ("actor", where.actor),
            ("debtor_id", where.debtor_id),
            ("event_type", where.event_type),
            ("aggregate_id", where.aggregate_id),
        ):
            if value is not None:
                clauses.append(f" AND {column} = %({column})s")
                params[column] = value
        if where.start is not None:
            clauses.append(" AND recorded_at >= %(start)s")
            params["start"] = self.start_of_day(where.start)
        if where.end is not None:
            clauses.append(" AND recorded_at <= %(end)s")
            params["end"] = self.ledger.end_of_day(where.end)
        return "".join(clauses), params

    def start_of_day(self, day: date) -> datetime:
        return self.ledger.end_of_day(day - timedelta(days=1)) + timedelta(microseconds=1)

    def close(self) -> None:
        self.store.close()


def build_read_models(settings: Settings, ledger: Ledger) -> ReadModels:
    """The read models of the configured store, following ``ledger``'s notification log."""
    return ReadModels(ledger, open_read_store(settings), in_process=settings.runs_projections_in_process)


def start_projections(read_models: ReadModels | None, *, poll_seconds: float = 0.5) -> Callable[[], None]:
    """In-process mode: follow the log in a background thread; returns what stops it."""
    if read_models is None or not read_models.in_process:
        return lambda: None
    thread, stop = run_in_background(read_models.projector, poll_seconds=poll_seconds)

    def stopping() -> None:
        stop.set()
        thread.join(timeout=30)

    return stopping
