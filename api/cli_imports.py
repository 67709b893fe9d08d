"""``relance import invoices|payments FILE`` and ``relance import unmatched``: files in, a line-by-line report out."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Annotated

import typer

from api.bootstrap import Database, DocumentStore, ImportStore, read_invoices, read_statement
from api.cli_app import JsonOption, app, fail, load_settings, opened_ledger, print_json
from api.cli_evidence import default_actor, opened_database
from api.formats import day, money
from application.imports import ImportReport, Imports, bank_line_view, report_view
from application.ledger import Ledger

import_app = typer.Typer(help="Load open invoices and bank statements (docs/imports.md).", no_args_is_help=True)
app.add_typer(import_app, name="import")

FileArgument = Annotated[Path, typer.Argument(help="The file to import.", exists=True, dir_okay=False, readable=True)]
ActorOption = Annotated[str | None, typer.Option(help="Who imports (recorded on every event); default cli:USER.")]


def _run(file: Path, as_json: bool, work: Callable[[bytes, Imports, str], ImportReport], actor: str | None) -> None:
    settings = load_settings()
    content = file.read_bytes()
    with opened_ledger(settings) as ledger, opened_database(settings) as database:
        report = work(content, _imports(ledger, database), actor or default_actor())
    if as_json:
        print_json(report_view(report))
    else:
        _print(file, report)
    counts = report.counts()
    if counts["refused"]:
        fail(f"{counts['refused']} line(s) of {len(report.lines)} refused; " + _counts(report), 1)


def _counts(report: ImportReport) -> str:
    return ", ".join(f"{count} {name}" for name, count in report.counts().items())


def _print(file: Path, report: ImportReport) -> None:
    for line in report.lines:
        parts = [part for part in (line.reason, line.detail) if part]  # a created line has a detail, no reason
        detail = f" ({': '.join(parts)})" if parts else ""
        paid = ", ".join(f"{a.invoice_number} {money(a.amount)}" for a in line.allocations)
        extra = f" -> {paid}" if paid else (f" [line {line.line_id}]" if line.line_id else "")
        typer.echo(f"{line.location:<12} {line.key:<24} {line.outcome.value:<9}{extra}{detail}")
    typer.echo(f"{file.name} ({report.format}): {_counts(report)}")


def _imports(ledger: Ledger, database: Database) -> Imports:
    return Imports(ledger, ImportStore(database), DocumentStore(database))


@import_app.command("invoices")
def import_invoices(
    file: FileArgument,
    format: Annotated[str | None, typer.Option("--format", help="csv or facturx; default: from the file")] = None,
    actor: ActorOption = None,
    as_json: JsonOption = False,
) -> None:
    """Open invoices from a CSV export of open items, or a Factur-X / ZUGFeRD PDF. A refused file, or any refused
    line, exits 1."""
    if format not in (None, "csv", "facturx"):
        fail("--format: csv or facturx", 2)

    def work(content: bytes, imports: Imports, who: str) -> ImportReport:
        batch = read_invoices(content, format=format or file.suffix.lstrip("."), filename=file.name)
        return imports.import_invoices(batch, actor=who)

    _run(file, as_json, work, actor)


@import_app.command("payments")
def import_payments(
    file: FileArgument,
    format: Annotated[str | None, typer.Option("--format", help="csv or camt053; default: from the file")] = None,
    actor: ActorOption = None,
    as_json: JsonOption = False,
) -> None:
    """Bank lines (CSV) or a CAMT.053 statement: credits matched to invoices, the rest kept as unmatched."""
    if format not in (None, "csv", "camt053"):
        fail("--format: csv or camt053", 2)

    def work(content: bytes, imports: Imports, who: str) -> ImportReport:
        statement = read_statement(content, format=format or file.suffix.lstrip("."), filename=file.name)
        return imports.import_payments(statement, actor=who)

    _run(file, as_json, work, actor)


@import_app.command("unmatched")
def list_unmatched(as_json: JsonOption = False) -> None:
    """Bank credits no invoice could be matched to (allocate them with POST /v1/imports/unmatched/ID/allocation)."""
    settings = load_settings()
    with opened_database(settings) as database:
        records, total = ImportStore(database).lines(status="unmatched", limit=500)
    if as_json:
        print_json({"items": [bank_line_view(r) for r in records], "total": total})
        return
    for r in records:
        typer.echo(
            f"{r.line_id}  {day(r.booked_on)}  {money(r.amount, r.currency):>14}  {r.reference:<20} "
            f"{r.reason}: {r.detail}"
        )
    typer.echo(f"{total} unmatched line(s)")
