"""``relance demo``, ``relance receivable``, ``relance debtor`` and ``relance ledger verify``: reading the ledger."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated, Any

import typer

from api.bootstrap import Settings, build_claims
from api.cli_app import (
    JsonOption,
    app,
    debtor_app,
    fail,
    ledger_app,
    limitation_line,
    load_settings,
    opened_ledger,
    parse_as_of,
    parse_day,
    print_json,
    receivable_app,
    resolve_debtor,
    resolve_receivable,
)
from api.formats import day, money
from application.ledger import system_clock
from application.views import debtor_names, debtor_view, receivable_view
from domain.canonical import format_instant
from domain.errors import DomainError
from domain.personal import ERASED
from domain.receivable import Receivable
from domain.vocabulary import ReceivableStatus

if TYPE_CHECKING:
    from api.demo import DemoSummary


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
    from api.bootstrap import DocumentStore, ImportStore, open_database
    from api.demo import BANK, TEXT_MEDIA_TYPE, demo_clock, demo_statement, load_demo

    now = system_clock()
    clock = demo_clock(now)  # starts before the sample's first step: the demo moves it forward, never back
    with opened_ledger(settings, clock=clock) as ledger:
        if any(True for _ in ledger.receivable_ids()):
            return None
        database = open_database(settings)
        try:
            documents = DocumentStore(database)
            summary = load_demo(ledger, clock, documents, now=now)  # the letters as sent, for the API and bundles
            content, statement_date = demo_statement(ledger.now().today)  # fresh bank data for the first run
            stored, _ = documents.put(content, TEXT_MEDIA_TYPE, actor=BANK)
            ImportStore(database).add_statement(stored.sha256, format="demo", statement_date=statement_date, actor=BANK)
        finally:
            database.close()
    return summary


# ------------------------------------------------------------ receivables


@receivable_app.command("list")
def receivable_list(
    status: Annotated[ReceivableStatus | None, typer.Option(help="Only this status.")] = None,
    debtor: Annotated[
        str | None, typer.Option(help="Only this debtor: its id, SIREN, SIRET, or an unambiguous part of its name.")
    ] = None,
    overdue: Annotated[bool, typer.Option("--overdue", help="Only what is past due and still owed.")] = False,
    limitation_before: Annotated[
        str | None,
        typer.Option(
            "--limitation-before",
            help="Only open receivables whose limitation date falls before this date (YYYY-MM-DD), soonest first.",
        ),
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """List receivables, oldest issued first, with the totals of what is listed."""
    cutoff = parse_day(limitation_before, "--limitation-before") if limitation_before else None
    settings = load_settings()
    with opened_ledger(settings) as ledger:
        debtor_id = resolve_debtor(ledger, debtor).id if debtor else None
        today = ledger.now().today
        receivables = ledger.receivables(debtor_id=debtor_id)
        if cutoff is not None:
            expiring = build_claims(settings, ledger).limitation_before(cutoff, on=today)
            receivables = (r for r, _ in expiring if debtor_id is None or r.debtor_id == debtor_id)
        rows = [
            receivable_view(r, today=today, limitation_alert_days=settings.limitation_alert_days)
            for r in receivables
            if (status is None or r.status is status) and (not overdue or _overdue(r, today))
        ]
        if cutoff is None:
            rows.sort(key=lambda row: (row["issue_date"], row["invoice_number"]))
        if as_json:
            print_json(rows)
            return
        names = debtor_names(ledger, (row["debtor_id"] for row in rows))
    for line in receivable_table(rows, names, with_limitation=cutoff is not None):
        typer.echo(line)


CLOSED = (ReceivableStatus.SETTLED.value, ReceivableStatus.WRITTEN_OFF.value)


def _overdue(receivable: Receivable, today: date) -> bool:
    closed = receivable.status.value in CLOSED
    return not closed and receivable.outstanding > 0 and receivable.days_past_due(today) > 0


def receivable_table(rows: list[dict[str, Any]], names: dict[str, str], *, with_limitation: bool) -> list[str]:
    """The list as people read it: whole names, French amounts and dates, days late only on what is
    still owed, then the count and the totals per currency."""
    width = max([len("debtor"), *(len(names[row["debtor_id"]]) for row in rows)]) + 2
    number_width = max([len("invoice"), *(len(row["invoice_number"]) for row in rows)]) + 2
    lines = [
        f"{'invoice':<{number_width}}{'debtor':<{width}}{'status':<17}{'stage':<17}{'due':<12}"
        f"{'amount':>15}{'outstanding':>15}{'days late':>11}"
    ]
    totals: dict[str, list[Decimal]] = {}
    for row in rows:
        currency = row["currency"]
        late = "" if row["status"] in CLOSED or row["days_past_due"] <= 0 else str(row["days_past_due"])
        lines.append(
            f"{row['invoice_number']:<{number_width}}{names[row['debtor_id']]:<{width}}{row['status']:<17}"
            f"{row['stage']:<17}{day(row['due_date']):<12}{money(row['amount_incl_vat'], currency):>15}"
            f"{money(row['outstanding'], currency):>15}{late:>11}"
            + (f"  limitation {day(row['limitation']['limitation_date'])}" if with_limitation else "")
        )
        lines[-1] = lines[-1].rstrip()
        total = totals.setdefault(currency, [Decimal(0), Decimal(0)])
        total[0] += Decimal(row["amount_incl_vat"])
        total[1] += Decimal(row["outstanding"])
    summary = f"{len(rows)} receivable(s)"
    for currency, (amount, outstanding) in sorted(totals.items()):
        summary += f"; total {money(amount, currency)}, outstanding {money(outstanding, currency)}"
    return [*lines, summary]


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
        debtor_name = ledger.debtor(receivable.debtor_id).legal_name or ERASED
    for line in receivable_lines(view, debtor_name, claim_problem):
        typer.echo(line)


def _lateness(view: dict[str, Any]) -> str:
    """How late a file still owed is; nothing on a settled or written-off one (its status says it)."""
    if view["status"] in CLOSED:
        return ""
    return f"   {view['days_past_due']} day(s) past due" if view["days_past_due"] > 0 else "   not past due"


def receivable_lines(view: dict[str, Any], debtor_name: str, claim_problem: str = "") -> list[str]:
    """A receivable as people read it: French amounts, dates and rates."""
    currency = view["currency"]
    lines = [f"Invoice {view['invoice_number']}  ({view['id']})"]
    if view["as_of"]:
        lines.append(f"As of       {view['as_of']} (replayed up to version {view['version']})")
    lines += [
        f"Debtor      {debtor_name} ({view['debtor_kind']})",
        f"Label       {view['label']}",
        f"Issued      {day(view['issue_date'])}   due {day(view['due_date'])}{_lateness(view)}",
        *([f"Terms       {view['payment_terms']}"] if view.get("payment_terms") else []),
        f"Amount      {money(view['amount_incl_vat'], currency)} incl. VAT",
        f"Paid        {money(view['paid'], currency)}   credited {money(view['credited'], currency)}",
        f"Outstanding {money(view['outstanding'], currency)}",
    ]
    if view["credit_to_refund"] != "0.00":
        lines.append(f"To refund   {money(view['credit_to_refund'], currency)}")
    lines.append(f"Status      {view['status']}   stage {view['stage']}")
    if view["open_dispute"]:
        d = view["open_dispute"]
        lines.append(
            f"Dispute     no. {d['number']} opened {day(d['opened_on'])} ({d['reason']}): "
            f"{money(d['amount'], currency)}"
        )
    if view["open_promise"]:
        p = view["open_promise"]
        lines.append(f"Promise     {money(p['amount'], currency)} by {day(p['promised_date'])}")
    if view["active_payment_plan"]:
        plan = view["active_payment_plan"]
        instalments = ", ".join(f"{day(i['due_date'])} {money(i['amount'], currency)}" for i in plan["instalments"])
        lines.append(f"Plan        no. {plan['number']} agreed {day(plan['agreed_on'])}: {instalments}")
    for notice in view["formal_notices"]:
        ack = notice["acknowledgement"] or "no acknowledgement yet"
        lines.append(
            f"Notice #{notice['number']:<4}sent {day(notice['sent_on'])} by {notice['channel']}, "
            f"deadline {day(notice['deadline'])}: {ack}"
        )
    if view["payment_terms_over_cap"]:
        lines.append(f"Terms       over the L441-10 I cap: due after {day(view['payment_terms_cap'])} (flagged)")
    lines.append(f"Limitation  {limitation_line(view['limitation'])}")
    if view["claim"] is not None:
        c = view["claim"]
        lines.append(
            f"Claimable   {money(c['total'], currency)} on {day(c['as_of'])}: principal "
            f"{money(c['principal_outstanding'], currency)} + penalties {money(c['penalties'], currency)} + indemnity "
            f"{money(c['indemnity'], currency)} − invoiced {money(c['already_invoiced'], currency)} − waived "
            f"{money(c['waived'], currency)}" + (" (provisional rate)" if c["provisional"] else "")
        )
    else:
        lines.append(f"Claimable   cannot be computed: {claim_problem}")
    lines.append(f"Version     {view['version']}   head {view['head']}")
    return lines


@receivable_app.command("journal")
def receivable_journal(
    reference: Annotated[str, typer.Argument(help="Receivable id or invoice number.")],
    as_json: JsonOption = False,
) -> None:
    """Every event of a receivable as its canonical record and hash (evidence.md §2); the free texts opened
    in the text output, sealed in the JSON one (the canonical record)."""
    with opened_ledger() as ledger:
        receivable = resolve_receivable(ledger, reference)
        if as_json:  # the canonical records, free texts in their sealed form
            print_json([entry.record for entry in ledger.journal(receivable.id)])
            return
        for entry in ledger.journal(receivable.id, opened=True):  # read by a person: free texts opened
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
            typer.echo(f"{row['id']}  {row['kind']:<13}{row['siren'] or '':<11}{row['legal_name'] or ERASED}")
        typer.echo(f"{len(rows)} debtor(s)")


@debtor_app.command("show")
def debtor_show(
    reference: Annotated[str, typer.Argument(help="Debtor id, SIREN, SIRET, or an unambiguous part of its name.")],
    as_json: JsonOption = False,
) -> None:
    """A debtor's identification, contacts and state (JSON with --json)."""
    with opened_ledger() as ledger:
        view = debtor_view(resolve_debtor(ledger, reference, "DEBTOR"))
    if as_json:
        print_json(view)
        return
    for line in debtor_lines(view):
        typer.echo(line)


def debtor_lines(view: dict[str, Any]) -> list[str]:
    """A debtor as people read it; an erased person's fields say so."""
    lines = [f"{view['legal_name'] or ERASED}  ({view['id']})", f"Kind        {view['kind']}"]
    if view["siren"] or view["siret"]:
        lines.append(f"SIREN       {view['siren'] or '-'}   SIRET {view['siret'] or '-'}")
    address = view["address"]
    if address:
        parts = [*address["lines"], f"{address['postal_code']} {address['city']}", address["country"]]
        lines.append("Address     " + ", ".join(part.strip() for part in parts if part and part.strip()))
    for contact in view["contacts"]:
        reach = "  ".join(x for x in (contact["email"], contact["phone"]) if x)
        lines.append(f"Contact     {contact['name'] or '-'} ({contact['role']})  {reach}".rstrip())
    if view["credit_limit"]:
        limit = view["credit_limit"]
        lines.append(f"Credit      limit {money(limit['amount'], limit['currency'])}")
    lines.append(f"Priority    {view['priority']}   policy {view['policy_id'] or 'default'}")
    if view["electronic_delivery_consented_on"]:
        lines.append(f"E-delivery  consented on {day(view['electronic_delivery_consented_on'])}")
    if view["insolvency"]:
        i = view["insolvency"]
        lines.append(
            f"Insolvency  {i['procedure']} ({i['court']}), judgment {day(i['judgment_date'])}, claims to declare by "
            f"{day(i['claim_declaration_deadline'])}, {i['claims_declared']} declared"
        )
    if view["erased"]:
        lines.append("Erased      personal data erased (RGPD art. 17); the receivables' journals are kept")
    lines.append(f"Version     {view['version']}")
    return lines


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
