"""The ``relance`` command line: demo data, reading files, verifying the ledger."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime
from typing import TYPE_CHECKING, Annotated, Any, NoReturn
from uuid import UUID

import typer
from pydantic import ValidationError

from application.ledger import Clock, Ledger, system_clock
from application.views import debtor_view, receivable_view
from domain.canonical import format_instant
from domain.errors import DomainError, InvalidInput, NotFound
from domain.receivable import Receivable
from domain.vocabulary import ReceivableStatus
from infrastructure.bootstrap import build_claims, build_ledger
from infrastructure.rate_files import RateFileError
from infrastructure.settings import Settings

if TYPE_CHECKING:
    from api.demo import DemoSummary

app = typer.Typer(
    help="relance: amicable recovery of unpaid invoices, with a verifiable journal.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,  # a crash must not print a debtor's data held by a local variable
)
receivable_app = typer.Typer(help="Read receivables (one invoice each).", no_args_is_help=True)
debtor_app = typer.Typer(help="Read debtors.", no_args_is_help=True)
ledger_app = typer.Typer(help="The journal as a whole: verification.", no_args_is_help=True)
app.add_typer(receivable_app, name="receivable")
app.add_typer(debtor_app, name="debtor")
app.add_typer(ledger_app, name="ledger")

JsonOption = Annotated[bool, typer.Option("--json", help="Machine-readable JSON on stdout.")]


def fail(message: str, code: int = 1) -> NoReturn:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code)


def load_settings() -> Settings:
    try:
        return Settings()
    except ValidationError as error:
        problems = "; ".join(f"RELANCE_{'_'.join(map(str, e['loc'])).upper()}: {e['msg']}" for e in error.errors())
        fail(f"invalid configuration: {problems}", 2)


@contextmanager
def opened_ledger(settings: Settings | None = None, clock: Clock = system_clock) -> Iterator[Ledger]:
    """A Ledger on the configured store; domain errors and outages become clear messages."""
    ledger = None
    try:
        ledger = build_ledger(settings or load_settings(), clock=clock)
        yield ledger
    except NotFound as error:
        fail(error.message, 3)
    except RateFileError as error:
        fail(str(error), 2)
    except DomainError as error:
        fail(f"{error.message} [{error.rule}]", 1)
    except OSError as error:
        fail(f"the store is unavailable: {error}", 4)
    except Exception as error:
        if type(error).__module__.startswith(("psycopg", "eventsourcing", "sqlite3")):
            fail(f"the store is unavailable or unreadable: {type(error).__name__}: {error}", 4)
        raise
    finally:
        if ledger is not None:
            ledger.close()


def print_json(value: Any) -> None:
    typer.echo(json.dumps(value, ensure_ascii=False, indent=2, sort_keys=True))


def parse_as_of(ledger: Ledger, text: str) -> datetime:
    try:
        return ledger.as_of(text)
    except InvalidInput as error:
        fail(f"--{error.message.replace('_', '-', 1)}", 2)


def parse_day(text: str, option: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        fail(f"{option}: {text!r} is not a date YYYY-MM-DD", 2)


def resolve_receivable(ledger: Ledger, reference: str, as_of: datetime | None = None) -> Receivable:
    """Accept a receivable id or an invoice number."""
    try:
        return ledger.receivable(UUID(reference), as_of=as_of)
    except ValueError:
        from domain.receivable import receivable_id_for

        return ledger.receivable(receivable_id_for(reference), as_of=as_of)


def limitation_line(limitation: dict[str, Any]) -> str:
    if limitation["limitation_date"] is None:
        return f"suspended since {limitation['suspended_since']} (mediation under way)"
    last = limitation["last_interruption"]
    since = f", last interrupted on {last['on']} by {last['kind']}" if last else ""
    flag = "   TIME-BARRED" if limitation["time_barred"] else ("   ALERT" if limitation["alert"] else "")
    return f"{limitation['limitation_date']} ({limitation['years']} years{since}){flag}"


def parse_uuid(value: str, name: str) -> UUID:
    try:
        return UUID(value)
    except ValueError:
        fail(f"{name}: {value!r} is not a UUID", 2)


def money(value: str) -> str:
    whole, _, cents = value.partition(".")
    groups = f"{int(whole):,}".replace(",", "\u202f")
    return f"{groups},{cents or '00'}"


# ------------------------------------------------------------------ demo


@app.command()
def demo(
    reset: Annotated[bool, typer.Option(help="Erase the embedded store first (SQLite only).")] = False,
) -> None:
    """Fill the store with a realistic sample ledger dated relative to today, then summarise it."""
    settings = load_settings()
    if reset:
        if settings.uses_postgres:
            fail("--reset only erases the embedded SQLite store; use an empty PostgreSQL database instead", 2)
        for suffix in ("", "-wal", "-shm", "-journal"):  # SQLite's companions go with the file
            settings.sqlite_path.with_name(settings.sqlite_path.name + suffix).unlink(missing_ok=True)
    summary = load_demo_into(settings)
    if summary is None:
        fail("the store already holds receivables: run `relance demo --reset` to start again", 1)
    typer.echo(summary.text())


def load_demo_into(settings: Settings) -> DemoSummary | None:
    """Load the demo ledger and store the letters it names; None when the store already holds receivables."""
    from api.demo import demo_clock, load_demo
    from infrastructure.documents import DocumentStore
    from infrastructure.sql import open_database

    now = system_clock()
    clock = demo_clock(now)  # starts before the sample's first step: the demo moves it forward, never back
    with opened_ledger(settings, clock=clock) as ledger:
        if any(True for _ in ledger.receivable_ids()):
            return None
        database = open_database(settings)
        try:  # the letters as sent, for the API and bundles
            summary = load_demo(ledger, clock, DocumentStore(database), now=now)
        finally:
            database.close()
    return summary


# ------------------------------------------------------------ receivables


@receivable_app.command("list")
def receivable_list(
    status: Annotated[ReceivableStatus | None, typer.Option(help="Only this status.")] = None,
    debtor: Annotated[str | None, typer.Option(help="Only this debtor's id.")] = None,
    limitation_before: Annotated[
        str | None,
        typer.Option(
            "--limitation-before",
            help="Only open receivables whose limitation date falls before this date (YYYY-MM-DD), soonest first.",
        ),
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """List receivables, oldest issued first."""
    debtor_id = parse_uuid(debtor, "--debtor") if debtor else None
    cutoff = parse_day(limitation_before, "--limitation-before") if limitation_before else None
    settings = load_settings()
    with opened_ledger(settings) as ledger:
        today = ledger.now().today
        receivables = ledger.receivables(debtor_id=debtor_id)
        if cutoff is not None:
            expiring = build_claims(settings, ledger).limitation_before(cutoff, on=today)
            receivables = (r for r, _ in expiring if debtor_id is None or r.debtor_id == debtor_id)
        rows = [
            receivable_view(r, today=today, limitation_alert_days=settings.limitation_alert_days)
            for r in receivables
            if status is None or r.status is status
        ]
        if cutoff is None:
            rows.sort(key=lambda row: (row["issue_date"], row["invoice_number"]))
        if as_json:
            print_json(rows)
            return
        names = {}
        for row in rows:
            if row["debtor_id"] not in names:
                names[row["debtor_id"]] = ledger.debtor(UUID(row["debtor_id"])).legal_name or "(erased)"
        header = (
            f"{'invoice':<14}{'debtor':<26}{'status':<17}{'stage':<17}{'due':<12}"
            f"{'amount':>13}{'outstanding':>13}{'late':>6}"
        )
        typer.echo(header)
        for row in rows:
            typer.echo(
                f"{row['invoice_number']:<14}{names[row['debtor_id']][:25]:<26}{row['status']:<17}{row['stage']:<17}"
                f"{row['due_date']:<12}{money(row['amount_incl_vat']):>13}{money(row['outstanding']):>13}{row['days_past_due']:>6}"
                + (f"  limitation {row['limitation']['limitation_date']}" if cutoff is not None else "")
            )
        typer.echo(f"{len(rows)} receivable(s)")


@receivable_app.command("show")
def receivable_show(
    reference: Annotated[str, typer.Argument(help="Receivable id or invoice number.")],
    as_of: Annotated[
        str | None,
        typer.Option("--as-of", help="Replay up to a date (end of that day, firm's time zone) or an instant."),
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """A receivable's state now, or as it stood at a past date or instant."""
    settings = load_settings()
    with opened_ledger(settings) as ledger:
        instant = parse_as_of(ledger, as_of) if as_of else None
        receivable = resolve_receivable(ledger, reference, instant)
        today = instant.astimezone(ledger.timezone).date() if instant else ledger.now().today
        claim, claim_problem = None, ""
        try:
            claim = build_claims(settings, ledger).claim_of(receivable, today)
        except DomainError as error:  # e.g. a half-year before the rate tables: the rest of the file still shows
            claim_problem = error.message
        view = receivable_view(
            receivable, today=today, limitation_alert_days=settings.limitation_alert_days, claim=claim
        )
        view["as_of"] = format_instant(instant) if instant else None
        if as_json:
            print_json(view)
            return
        debtor_name = ledger.debtor(receivable.debtor_id).legal_name or "(erased)"
        typer.echo(f"Invoice {view['invoice_number']}  ({view['id']})")
        if instant:
            typer.echo(f"As of       {view['as_of']} (replayed up to version {view['version']})")
        typer.echo(f"Debtor      {debtor_name} ({view['debtor_kind']})")
        typer.echo(f"Label       {view['label']}")
        typer.echo(
            f"Issued      {view['issue_date']}   due {view['due_date']}   {view['days_past_due']} day(s) past due"
        )
        typer.echo(f"Amount      {money(view['amount_incl_vat'])} {view['currency']} incl. VAT")
        typer.echo(f"Paid        {money(view['paid'])}   credited {money(view['credited'])}")
        typer.echo(f"Outstanding {money(view['outstanding'])} {view['currency']}")
        if view["credit_to_refund"] != "0.00":
            typer.echo(f"To refund   {money(view['credit_to_refund'])} {view['currency']}")
        typer.echo(f"Status      {view['status']}   stage {view['stage']}")
        for key, label in (("open_dispute", "Dispute"), ("open_promise", "Promise"), ("active_payment_plan", "Plan")):
            if view[key]:
                typer.echo(f"{label:<12}{json.dumps(view[key], ensure_ascii=False)}")
        for notice in view["formal_notices"]:
            ack = notice["acknowledgement"] or "no acknowledgement yet"
            typer.echo(
                f"Notice #{notice['number']:<4}sent {notice['sent_on']} by {notice['channel']}, "
                f"deadline {notice['deadline']}: {ack}"
            )
        if view["payment_terms_over_cap"]:
            typer.echo(f"Terms       over the L441-10 I cap: due after {view['payment_terms_cap']} (flagged)")
        typer.echo(f"Limitation  {limitation_line(view['limitation'])}")
        if view["claim"] is not None:
            c = view["claim"]
            typer.echo(
                f"Claimable   {money(c['total'])} {view['currency']} on {c['as_of']}: principal "
                f"{money(c['principal_outstanding'])} + penalties {money(c['penalties'])} + indemnity "
                f"{money(c['indemnity'])} − invoiced {money(c['already_invoiced'])} − waived {money(c['waived'])}"
                + (" (provisional rate)" if c["provisional"] else "")
            )
        else:
            typer.echo(f"Claimable   cannot be computed: {claim_problem}")
        typer.echo(f"Version     {view['version']}   head {view['head']}")


@receivable_app.command("journal")
def receivable_journal(
    reference: Annotated[str, typer.Argument(help="Receivable id or invoice number.")],
    as_json: JsonOption = False,
) -> None:
    """Every event of a receivable as its canonical record and hash (evidence.md §2)."""
    with opened_ledger() as ledger:
        receivable = resolve_receivable(ledger, reference)
        entries = ledger.journal(receivable.id)
        if as_json:
            print_json([entry.record for entry in entries])
            return
        for entry in entries:
            record = entry.record
            details = ", ".join(f"{k}={v}" for k, v in record["data"].items() if v is not None)
            typer.echo(
                f"v{record['version']:<4}{record['recorded_at']}  {record['type']:<26}{record['actor']:<18}{details}"
            )
            typer.echo(f"      hash {entry.hash}")


# ---------------------------------------------------------------- debtors


@debtor_app.command("list")
def debtor_list(as_json: JsonOption = False) -> None:
    """List debtors."""
    with opened_ledger() as ledger:
        rows = sorted((debtor_view(ledger.debtor(i)) for i in ledger.debtor_ids()), key=lambda d: d["legal_name"])
        if as_json:
            print_json(rows)
            return
        for row in rows:
            typer.echo(f"{row['id']}  {row['kind']:<13}{row['siren'] or '':<11}{row['legal_name'] or '(erased)'}")
        typer.echo(f"{len(rows)} debtor(s)")


@debtor_app.command("show")
def debtor_show(debtor_id: Annotated[str, typer.Argument(help="Debtor id.")], as_json: JsonOption = False) -> None:
    """A debtor's identification, contacts and state."""
    with opened_ledger() as ledger:
        view = debtor_view(ledger.debtor(parse_uuid(debtor_id, "DEBTOR_ID")))
        print_json(view) if as_json else typer.echo(json.dumps(view, ensure_ascii=False, indent=2))


# ----------------------------------------------------------------- ledger


@ledger_app.command("verify")
def ledger_verify(as_json: JsonOption = False) -> None:
    """Recompute every aggregate's hash chain from the store and compare each head with the latest
    signed digest covering it (evidence.md §6); exit 1 naming each broken event or digest."""
    from api.cli_evidence import digest_summary, verify_against_digests

    settings = load_settings()
    with opened_ledger(settings) as ledger:
        report = verify_against_digests(settings, ledger)
    digested = report.latest_digest is not None or bool(report.digest_problems)
    if as_json:
        summary: dict[str, Any] = {
            "ok": report.ok,
            "aggregates": report.aggregates,
            "events": report.events,
            "breaks": [
                {"aggregate_id": str(b.aggregate_id), "version": b.version, "problem": b.problem} for b in report.breaks
            ],
        }
        if digested:  # without any digest published, the report keeps its chain-only shape
            summary["digests"] = digest_summary(report)
        print_json(summary)
    else:
        for chain_break in report.breaks:
            typer.echo(f"BROKEN {chain_break}", err=True)
        for problem in report.digest_problems:
            typer.echo(f"BROKEN {problem}", err=True)
        if report.latest_digest is not None:
            latest = report.latest_digest
            typer.echo(
                f"compared {report.anchored} head(s) with the latest digest covering each "
                f"(newest: {latest.label}, root {latest.digest.root})"
            )
        elif not digested:
            typer.echo("no digest published yet: heads are not anchored (relance ledger digest)")
        verdict = "every chain verifies" if not report.breaks else f"{len(report.breaks)} broken chain(s)"
        if report.digest_problems:
            verdict += f", {len(report.digest_problems)} digest(s) failing their checks"
        typer.echo(f"checked {report.aggregates} aggregate(s), {report.events} event(s): {verdict}")
    if not report.ok:
        raise typer.Exit(1)


def main() -> None:
    try:
        app()
    except KeyboardInterrupt:  # pragma: no cover - interactive only
        sys.exit(130)


__all__ = ["app", "main"]

# Sub-command modules register themselves on `app` (they import it, hence the end of the file).
from api import cli_claims, cli_dunning, cli_evidence, cli_imports, cli_projections, cli_server  # noqa: E402, F401
