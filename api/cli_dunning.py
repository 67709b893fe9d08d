"""``relance dunning run``, ``relance worklist`` and ``relance policy``: the dunning engine from a shell."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Annotated

import typer

from api.bootstrap import DocumentStore, PolicyStore, RunReportStore, build_dunning, load_policy, open_database
from api.cli_app import JsonOption, app, fail, load_settings, opened_ledger, parse_day, print_json
from api.cli_evidence import default_actor
from api.formats import day, money
from application.dunning_report import RunReport, WorkItem, report_view, work_item_view
from application.views import debtor_names
from domain.personal import ERASED

dunning_app = typer.Typer(help="The dunning engine: run the policies, see the worklist.", no_args_is_help=True)
policy_app = typer.Typer(help="Dunning policies (TOML files, every version kept).", no_args_is_help=True)
app.add_typer(dunning_app, name="dunning")
app.add_typer(policy_app, name="policy")

DateOption = Annotated[str | None, typer.Option("--date", help="YYYY-MM-DD (default: today in the firm's time zone)")]


@dunning_app.command("run")
def dunning_run(
    day: DateOption = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Decide and report; send and record nothing.")] = False,
    force: Annotated[bool, typer.Option("--force", help="Send although bank data is older than allowed.")] = False,
    actor: Annotated[str | None, typer.Option(help="Recorded as the actor (default cli:USER).")] = None,
    as_json: JsonOption = False,
) -> None:
    """Run every policy for every open receivable: send e-mails, render letters, record each step once."""
    settings = load_settings()
    on = parse_day(day, "--date") if day else None
    database = open_database(settings)
    try:
        with opened_ledger(settings) as ledger:
            run = build_dunning(settings, ledger, database, DocumentStore(database))
            who = actor or default_actor()
            report = run.run(on=on, dry_run=dry_run, force=force, actor=who)
            view = report_view(report)
            RunReportStore(database).save(report.run_id, report.run_date, report.started_at, who, dry_run, view)
            names = debtor_names(ledger, (item.debtor_id for item in report.sent))
    finally:
        database.close()
    if as_json:
        print_json(view)
    else:
        for line in report_lines(report, names):
            typer.echo(line)
        for warning in report.warnings:
            typer.echo(f"warning: {warning['detail']}", err=True)
        for error in report.errors:
            typer.echo(f"  error      {error}", err=True)
    if report.errors:
        raise typer.Exit(1)


def report_lines(report: RunReport, names: dict[str, str]) -> list[str]:
    """The run as people read it: each document and each refusal names the debtor and its invoices."""
    mode = " (dry run: nothing sent or recorded)" if report.dry_run else ""
    lines = [
        f"dunning run {report.run_id} for {day(report.run_date)}{mode}",
        f"bank data: {report.bank_data}",
        f"{report.receivables_examined} open receivables examined, {report.events_recorded} events recorded",
    ]
    for item in report.sent:
        who = names.get(item.debtor_id, item.debtor_id)
        lines.append(f"  {item.status:<11}{item.kind:<17}{item.channel:<30}{who}: {', '.join(item.invoice_numbers)}")
        if item.document_sha256:
            lines.append(f"{'':<13}document {item.document_sha256} (relance documents get SHA256 -o FILE)")
        if item.status == "to_post":
            lines.append(f"{'':<13}to print and post: relance letters batch -o FILE.pdf, then relance letters posted")
    for detection in report.detections:
        lines.append(f"  detected   {detection['kind']:<17}{detection['invoice_number']}")
    for refusal in report.refused:
        who = refusal.debtor_name or ERASED
        lines.append(f"  refused    {refusal.rule:<30}{who}: {', '.join(refusal.invoice_numbers)}")
        if refusal.detail != report.bank_data:  # the stale bank data is said once, above
            lines.append(f"{'':<13}{refusal.detail}")
    if report.held:
        lines.append("  held: " + ", ".join(f"{reason} {count}" for reason, count in sorted(report.held.items())))
    lines.append(f"{len(report.worklist)} calls or escalations on the worklist (relance worklist)")
    return lines


@app.command("worklist")
def worklist(day: DateOption = None, as_json: JsonOption = False) -> None:
    """Calls and escalations due, by priority then amount, with the accounts-payable contact."""
    settings = load_settings()
    database = open_database(settings)
    try:
        with opened_ledger(settings) as ledger:
            on = parse_day(day, "--date") if day else ledger.now().today
            items = build_dunning(settings, ledger, database, DocumentStore(database)).worklist(on)
    finally:
        database.close()
    if as_json:
        print_json({"date": on.isoformat(), "items": [work_item_view(i) for i in items]})
        return
    for line in worklist_lines(on, items):
        typer.echo(line)


def worklist_lines(on: date, items: list[WorkItem]) -> list[str]:
    """What a person must do today: the debtor, its invoice, the amount and whom to call."""
    lines = [f"worklist for {day(on)}: {len(items)} action(s)"]
    width = max([0, *(len(item.debtor_name or ERASED) for item in items)]) + 2
    for item in items:
        contact = item.contact or {}
        who = f"{contact.get('name') or '-'} {contact.get('phone') or ''}".strip()
        lines.append(
            f"  {item.priority:<9}{item.action:<9}{item.debtor_name or ERASED:<{width}}{item.invoice_number:<16}"
            f"{money(item.amount, item.currency):>14}{item.days_past_due:>5} d  {item.label}  — {who}"
        )
    return lines


@policy_app.command("list")
def policy_list(as_json: JsonOption = False) -> None:
    """The current version of every policy."""
    with _policies() as store:
        current = store.current()
    if as_json:
        print_json([{"id": s.policy.id, "version": s.policy.version, "title": s.policy.title} for s in current])
        return
    for stored in current:
        typer.echo(f"{stored.policy.id:<16}v{stored.policy.version:<4}{stored.policy.title}")


@policy_app.command("show")
def policy_show(policy_id: str, version: Annotated[int | None, typer.Option(min=1)] = None) -> None:
    """Print a policy's TOML text (the current version, or --version N)."""
    with _policies() as store:
        stored = store.get(policy_id, version)
    if stored is None:
        fail(f"no dunning policy {policy_id!r}" + (f" version {version}" if version else ""), 3)
    typer.echo(stored.source, nl=False)


@policy_app.command("put")
def policy_put(
    path: Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True)],
    actor: Annotated[str | None, typer.Option(help="Recorded with the version (default cli:USER).")] = None,
) -> None:
    """Store FILE as the next version of the policy it names; an invalid file is refused with its line."""
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        fail(f"{path}: not UTF-8 text", 2)
    with _policies() as store, opened_ledger() as ledger:
        policy = load_policy(text, path.name)
        stored = store.put(policy.id, text, actor=actor or default_actor(), now=ledger.now().instant)
    typer.echo(f"stored {stored.policy.id} version {stored.policy.version}")


@contextmanager
def _policies() -> Iterator[PolicyStore]:
    """The policy store, with the shipped and the firm's files installed as their latest versions."""
    settings = load_settings()
    database = open_database(settings)
    try:
        store = PolicyStore(database)
        with opened_ledger(settings) as ledger:
            store.install(now=ledger.now().instant, policy_dir=settings.policy_dir)
        yield store
    finally:
        database.close()
