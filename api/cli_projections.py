"""``relance projections`` (run, rebuild, status), ``relance report`` and ``relance audit``.

The report commands bring the read models up to date first (they apply what the log
holds beyond the positions, exactly once, beside any running worker), then answer.
"""

from __future__ import annotations

import json
import signal
import sys
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import date, timedelta
from typing import Annotated, Any

import typer

from api.bootstrap import DEFAULT_BATCH_SIZE, SQLITE_FILE, AuditFilter, Projector, ReadModels, Settings, open_read_store
from api.cli_app import app, fail, load_settings, opened_ledger, parse_uuid, resolve_debtor
from api.cli_app import parse_day as cli_day
from api.csv_export import csv_chunks
from api.formats import day, money, number
from application.projections import money as in_units
from application.reports import (
    AGED_BALANCE_HEADER,
    BUCKETS,
    DSO_HEADER,
    EFFECTIVENESS_HEADER,
    Basis,
    aged_balance_rows,
    csv_value,
    dso_row,
    effectiveness_rows,
)
from application.views import debtor_names

projections_app = typer.Typer(help="Read models: follow the ledger's log, rebuild them, show their lag.")
report_app = typer.Typer(help="Aged balance, DSO, collection effectiveness (from the read models).")
app.add_typer(projections_app, name="projections")
app.add_typer(report_app, name="report")

JsonOption = Annotated[bool, typer.Option("--json", help="Machine-readable JSON on stdout.")]
CsvOption = Annotated[bool, typer.Option("--csv", help="CSV on stdout.")]
ExcelOption = Annotated[
    bool,
    typer.Option(
        "--excel", help="CSV for a French spreadsheet on stdout: ';', decimal comma, dd/mm/yyyy, UTF-8 with BOM."
    ),
]
REBUILD_BATCH_SIZE = 10_000


@contextmanager
def opened_read_models(
    settings: Settings | None = None, *, batch_size: int = DEFAULT_BATCH_SIZE
) -> Iterator[ReadModels]:
    settings = settings or load_settings()
    with opened_ledger(settings) as ledger:
        store = open_read_store(settings)
        try:
            yield ReadModels(ledger, store, in_process=True, batch_size=batch_size)
        finally:
            store.close()


def parse_day(text: str | None, name: str) -> date | None:
    return None if text is None else cli_day(text, name)


def write_csv(header: Sequence[str], rows: Sequence[Sequence[Any]], *, excel: bool = False) -> None:
    """The same writer as the HTTP export (api/csv_export.py): formula-like cells neutralised; ``excel``:
    what a French Excel opens as is (decision 0085)."""
    for chunk in csv_chunks(header, rows, line_end="\n", excel=excel):
        sys.stdout.write(chunk)


def as_json(header: Sequence[str], row: Sequence[Any]) -> dict[str, Any]:
    """Numbers of things stay numbers; amounts, dates and ids become strings, as in the API."""
    return {
        name: value if value is None or isinstance(value, int) else csv_value(value)
        for name, value in zip(header, row, strict=True)
    }


# ------------------------------------------------------------- projections


@projections_app.command("run")
def projections_run(
    batch_size: Annotated[int, typer.Option(min=1, max=100_000, help="Events per transaction.")] = DEFAULT_BATCH_SIZE,
    poll: Annotated[float, typer.Option(min=0.01, max=60, help="Seconds between polls once caught up.")] = 0.5,
    once: Annotated[bool, typer.Option(help="Catch up, then exit.")] = False,
) -> None:
    """Follow the ledger's log and keep the read models up to date (SIGTERM/SIGINT: stop after the batch)."""
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    settings = load_settings()
    with opened_ledger(settings) as ledger:
        store = open_read_store(settings)
        try:
            projector = Projector(ledger, store, batch_size=batch_size)
            if once:
                applied = projector.catch_up(stop=stop)
            else:
                where = "PostgreSQL" if settings.uses_postgres else settings.data_dir / SQLITE_FILE
                typer.echo(f"following the ledger's log into {where}", err=True)
                projector.run(stop, poll_seconds=poll)
                applied = None
            positions = projector.positions()
        finally:
            store.close()
    done = "" if applied is None else f"applied {applied} notification(s); "
    typer.echo(f"{done}positions: " + ", ".join(f"{n} {p}" for n, p in sorted(positions.items())), err=True)


@projections_app.command("rebuild")
def projections_rebuild(
    batch_size: Annotated[int, typer.Option(min=1, max=100_000, help="Events per transaction.")] = REBUILD_BATCH_SIZE,
) -> None:
    """Drop every read model and replay the whole log (stop the workers first)."""
    settings = load_settings()
    with opened_ledger(settings) as ledger:
        store = open_read_store(settings)
        try:
            projector = Projector(ledger, store, batch_size=batch_size)
            started = time.perf_counter()
            last_report = [started]

            def progress(applied: int, position: int) -> None:
                if time.perf_counter() - last_report[0] >= 5:
                    last_report[0] = time.perf_counter()
                    typer.echo(f"  {applied} events, position {position}", err=True)

            applied = projector.rebuild(on_progress=progress)
            elapsed = time.perf_counter() - started
        finally:
            store.close()
    rate = f" ({applied / elapsed:,.0f} events/s)" if elapsed > 0 and applied else ""
    typer.echo(f"rebuilt the read models from {applied} event(s) in {elapsed:.1f} s{rate}")


@projections_app.command("status")
def projections_status(as_json_output: JsonOption = False) -> None:
    """Each read model's position against the log's last notification id."""
    settings = load_settings()
    with opened_ledger(settings) as ledger:
        store = open_read_store(settings)
        try:
            statuses = Projector(ledger, store).status()
        finally:
            store.close()
    rows = [{"name": s.name, "position": s.position, "log_position": s.log_position, "lag": s.lag} for s in statuses]
    if as_json_output:
        typer.echo(json.dumps(rows, indent=2))
        return
    for row in rows:
        typer.echo(f"{row['name']:<12} position {row['position']:>10}  log {row['log_position']:>10}  lag {row['lag']}")


# ----------------------------------------------------------------- reports


@report_app.command("aged-balance")
def report_aged_balance(
    as_of: Annotated[str | None, typer.Option("--as-of", help="YYYY-MM-DD (default: today).")] = None,
    by_debtor: Annotated[bool, typer.Option("--by-debtor", help="One line per debtor too.")] = False,
    basis: Annotated[Basis, typer.Option(help="by_value_date or as_known.")] = Basis.BY_VALUE_DATE,
    currency: Annotated[str, typer.Option(help="Only receivables in this currency.")] = "EUR",
    as_csv: CsvOption = False,
    excel: ExcelOption = False,
    as_json_output: JsonOption = False,
) -> None:
    """Aged balance (balance âgée): not yet due, 1–30, 31–60, 61–90, over 90 days past due."""
    with opened_read_models() as models:
        day_ = parse_day(as_of, "--as-of") or models.ledger.now().today
        report = models.aged_balance(as_of=day_, basis=basis, currency=currency, by_debtor=by_debtor)
        names = debtor_names(models.ledger, (line.debtor_id for line in report.debtors))
    rows = aged_balance_rows(report, names)
    if as_csv or excel:
        write_csv(AGED_BALANCE_HEADER, rows, excel=excel)
    elif as_json_output:
        typer.echo(json.dumps([as_json(AGED_BALANCE_HEADER, row) for row in rows], indent=2, ensure_ascii=False))
    else:
        typer.echo(f"Aged balance as of {day(report.as_of)}, {report.currency}, {report.basis.description}")
        width = max([len("TOTAL"), *(len(name) for name in names.values())]) + 2
        headings = ["not yet due", "1-30", "31-60", "61-90", "> 90", "total"]
        typer.echo(f"{'':<{width}}" + "".join(f"{h:>16}" for h in headings) + f"{'files':>7}")
        for line in [*report.debtors, report.total]:
            amounts = [*(line.amounts[b] for b in BUCKETS), line.total]
            label = names[str(line.debtor_id)] if line.debtor_id is not None else "TOTAL"
            cells = "".join(f"{money(in_units(a), report.currency):>16}" for a in amounts)
            typer.echo(f"{label:<{width}}{cells}{line.receivables:>7}")


@report_app.command("dso")
def report_dso(
    start: Annotated[str | None, typer.Option("--from", help="First day (default: --to minus 89 days).")] = None,
    end: Annotated[str | None, typer.Option("--to", help="Last day, included (default: today).")] = None,
    currency: Annotated[str, typer.Option(help="Only receivables in this currency.")] = "EUR",
    as_csv: CsvOption = False,
    excel: ExcelOption = False,
    as_json_output: JsonOption = False,
) -> None:
    """Days sales outstanding over a period: average method and countback."""
    with opened_read_models() as models:
        last = parse_day(end, "--to") or models.ledger.now().today
        first = parse_day(start, "--from") or last - timedelta(days=89)
        if first > last:
            fail("--from is after --to", 2)
        report = models.dso(start=first, end=last, currency=currency)
    row = dso_row(report)
    if as_csv or excel:
        write_csv(DSO_HEADER, [row], excel=excel)
    elif as_json_output:
        typer.echo(json.dumps(as_json(DSO_HEADER, row), indent=2))
    else:
        typer.echo(f"DSO {day(report.start)} to {day(report.end)} ({report.days} days), {report.currency}")
        typer.echo(f"  receivables at the end   {money(in_units(report.receivables_at_end), report.currency)}")
        typer.echo(f"  credit sales             {money(in_units(report.credit_sales), report.currency)}")
        average = number(report.dso, 1) if report.dso is not None else "n/a"
        typer.echo(f"  DSO (average method)     {average} days")
        countback = number(report.countback_dso, 1) if report.countback_dso is not None else "n/a"
        typer.echo(f"  DSO (countback)          {countback} days")


@report_app.command("effectiveness")
def report_effectiveness(
    start: Annotated[str | None, typer.Option("--from", help="Steps sent on or after this day.")] = None,
    end: Annotated[str | None, typer.Option("--to", help="Steps sent on or before this day.")] = None,
    as_csv: CsvOption = False,
    excel: ExcelOption = False,
    as_json_output: JsonOption = False,
) -> None:
    """Share of receivables paid within 15 and 30 days after each stage and channel, median days to pay."""
    with opened_read_models() as models:
        today = models.ledger.now().today
        lines, _ = models.effectiveness(as_of=today, start=parse_day(start, "--from"), end=parse_day(end, "--to"))
    rows = effectiveness_rows(lines)
    if as_csv or excel:
        write_csv(EFFECTIVENESS_HEADER, rows, excel=excel)
    elif as_json_output:
        typer.echo(json.dumps([as_json(EFFECTIVENESS_HEADER, row) for row in rows], indent=2))
    else:
        typer.echo(f"{'stage':<15}{'channel':<30}{'files':>6}{'paid<=15d':>11}{'paid<=30d':>11}{'median days':>13}")
        for e in lines:
            within_15 = f"{e.paid_within_15}/{e.eligible_15}"
            within_30 = f"{e.paid_within_30}/{e.eligible_30}"
            median = "-" if e.median_days_to_pay is None else number(e.median_days_to_pay, 1)
            typer.echo(f"{e.stage:<15}{e.channel:<30}{e.receivables:>6}{within_15:>11}{within_30:>11}{median:>13}")


# ------------------------------------------------------------------- audit

AUDIT_HEADER = [
    "notification_id", "recorded_at", "actor", "aggregate_type", "aggregate_id", "version", "event_type",
    "debtor_id", "summary",
]  # fmt: skip


@app.command("audit")
def audit(
    actor: Annotated[str | None, typer.Option(help="Only events recorded by this actor.")] = None,
    start: Annotated[str | None, typer.Option("--from", help="Recorded on or after this day.")] = None,
    end: Annotated[str | None, typer.Option("--to", help="Recorded on or before this day.")] = None,
    debtor: Annotated[
        str | None, typer.Option(help="Only events about this debtor (id, SIREN, SIRET or name) and its receivables.")
    ] = None,
    aggregate: Annotated[str | None, typer.Option(help="Only this receivable's or debtor's events.")] = None,
    event_type: Annotated[str | None, typer.Option("--type", help="Only this event type.")] = None,
    limit: Annotated[int | None, typer.Option(min=1, help="At most this many entries (default: all).")] = None,
    as_csv: CsvOption = False,
    excel: ExcelOption = False,
    as_json_output: JsonOption = False,
) -> None:
    """The audit journal: every event with actor, time, aggregate, type and a summary without personal data."""
    aggregate_id = None if aggregate is None else parse_uuid(aggregate, "--aggregate")
    start_day, end_day = parse_day(start, "--from"), parse_day(end, "--to")
    with opened_read_models() as models:
        debtor_id = None if debtor is None else resolve_debtor(models.ledger, debtor).id
        where = AuditFilter(
            actor=actor, debtor_id=debtor_id, aggregate_id=aggregate_id, event_type=event_type,
            start=start_day, end=end_day,
        )  # fmt: skip
        entries = []
        for entry in models.audit_all(where):
            entries.append(entry)
            if limit is not None and len(entries) >= limit:
                break
    rows = [[getattr(e, name) for name in AUDIT_HEADER] for e in entries]
    if as_csv or excel:
        write_csv(AUDIT_HEADER, rows, excel=excel)
    elif as_json_output:
        typer.echo(json.dumps([as_json(AUDIT_HEADER, row) for row in rows], indent=2, ensure_ascii=False))
    else:
        for e in entries:
            when = e.recorded_at.isoformat(timespec="seconds")
            typer.echo(
                f"{e.notification_id:>8}  {when}  {e.actor:<20} {e.event_type:<26} {e.aggregate_id}  {e.summary}"
            )


__all__ = ["audit", "projections_app", "report_app"]
