"""``relance rates`` and ``relance receivable claim``: the rate tables and the late charges, explained."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from api.bootstrap import build_claims
from api.cli_app import (
    JsonOption,
    app,
    fail,
    load_settings,
    opened_ledger,
    parse_day,
    print_json,
    receivable_app,
    resolve_receivable,
)
from api.formats import day, money, number, percent
from application.claims import Claims, claim_view, rates_view
from application.commands import PublishRates
from domain.errors import InvalidInput
from domain.rates import HalfYear, checked_rate

rates_app = typer.Typer(
    help="Rate tables per half-year (ECB main refinancing rate, taux d'intérêt légal), with their sources.",
    no_args_is_help=True,
)
app.add_typer(rates_app, name="rates")

RateOption = Annotated[str | None, typer.Option(help="Percent, e.g. 2.15.")]


# ------------------------------------------------------------------- rates


@rates_app.command("list")
def rates_list(as_json: JsonOption = False) -> None:
    """Every known rate: shipped data files and half-years added since, with who added them."""
    with opened_ledger() as ledger:
        view = rates_view(Claims(ledger).rates())
    if as_json:
        print_json(view)
        return
    typer.echo(f"{'half-year':<11}{'ECB MRO':>10}{'penalty':>10}{'legal*':>10}{'legal':>10}{'floor':>10}  origin")
    for row in view["half_years"]:
        cells = [row["ecb_mro"], row["legal_rate_consumer_creditor"], row["legal_rate_other"]]
        rates = [percent(c["rate"]) if c else "-" for c in cells]
        penalty, floor = row["default_penalty_rate"], row["contractual_rate_floor"]
        origins = sorted({_origin(c) for c in cells if c})
        typer.echo(
            f"{row['half_year']:<11}{rates[0]:>10}{percent(penalty) if penalty else '-':>10}{rates[1]:>10}"
            f"{rates[2]:>10}{percent(floor) if floor else '-':>10}  {'; '.join(origins)}"
        )
    typer.echo(
        "penalty = ECB + 10 points (L441-10 II); legal* = creditor a natural person not acting for professional "
        "needs; legal = all other cases; floor = 3 × legal, the lowest contractual rate."
    )
    typer.echo("A half-year not listed yet uses the last rate, carried forward and marked provisional.")
    for entry in view["superseded_publications"]:
        typer.echo(
            f"warning: {entry['half_year']} {entry['kind']} published as {entry['rate']} by {entry['published_by']} "
            f"is superseded by the data file's {entry['data_file_rate']}",
            err=True,
        )


def _origin(entry: dict[str, Any]) -> str:
    if entry["origin"] == "journal":
        return f"added by {entry['published_by']} on {day(entry['published_on'])}"
    return "data file"


@rates_app.command("add")
def rates_add(
    half_year: Annotated[str, typer.Option("--half-year", help="The half-year, e.g. 2026H2.")],
    source: Annotated[str, typer.Option(help="Where the rates were published (URL or reference).")],
    actor: Annotated[str, typer.Option(help="Who adds them (kept in the journal).")],
    ecb_mro: Annotated[
        str | None, typer.Option("--ecb-mro", help="ECB main refinancing rate in force on the first day, %.")
    ] = None,
    ecb_effective_from: Annotated[
        str | None,
        typer.Option("--ecb-effective-from", help="Day the ECB decision took effect (default: the first day)."),
    ] = None,
    legal_consumer_creditor: Annotated[
        str | None,
        typer.Option("--legal-consumer-creditor", help="Legal rate, creditor a non-professional person, %."),
    ] = None,
    legal_other: Annotated[str | None, typer.Option("--legal-other", help="Legal rate, all other cases, %.")] = None,
) -> None:
    """Add a newly published half-year's rates, with their source; recorded in the journal with the actor."""
    try:
        HalfYear.parse(half_year)
        rates = {
            name: None if value is None else checked_rate(value, name)
            for name, value in (
                ("--ecb-mro", ecb_mro),
                ("--legal-consumer-creditor", legal_consumer_creditor),
                ("--legal-other", legal_other),
            )
        }
    except InvalidInput as error:
        fail(error.message, 2)
    if all(value is None for value in rates.values()):
        fail("give at least one of --ecb-mro, --legal-consumer-creditor, --legal-other", 2)
    effective = parse_day(ecb_effective_from, "--ecb-effective-from") if ecb_effective_from else None
    command = PublishRates(
        half_year=half_year,
        source=source,
        ecb_mro=rates["--ecb-mro"],
        legal_consumer_creditor=rates["--legal-consumer-creditor"],
        legal_other=rates["--legal-other"],
        ecb_effective_from=effective,
    )
    with opened_ledger() as ledger:
        outcome = ledger.execute(command, actor=actor)
    for event in outcome.events:
        record = event.record()
        data = record["data"]
        typer.echo(
            f"published {data['half_year']} {data['kind'].value} {percent(data['rate'])} "
            f"(in force from {day(data['effective_from'])}) by {record['actor']}"
        )
    typer.echo(f"rate register at version {outcome.version}; source: {source}")


# ------------------------------------------------------------------ claims


@receivable_app.command("claim")
def receivable_claim(
    reference: Annotated[str, typer.Argument(help="Receivable id or invoice number.")],
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="The date of the claim, YYYY-MM-DD (default: today).")
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """What may lawfully be claimed on a receivable at a date: principal, penalties, indemnity, line by line."""
    settings = load_settings()
    with opened_ledger(settings) as ledger:
        day = parse_day(as_of, "--as-of") if as_of else ledger.now().today
        receivable = resolve_receivable(ledger, reference)
        view = claim_view(build_claims(settings, ledger).claim(receivable.id, day), receivable_id=receivable.id)
    if as_json:
        print_json(view)
        return
    for line in claim_lines(view):
        typer.echo(line)


def claim_lines(view: dict[str, Any]) -> list[str]:
    """The calculation as a judge reads it: every period, every deduction, every rule cited. Amounts to the
    cent (rounded half-up for display); the exact sum before the one rounding is shown as is, and --json
    keeps every exact figure."""
    currency = view["currency"]
    basis = {"late_payment_penalties": "late-payment penalties", "moratory_interest": "moratory interest"}
    lines = [
        f"Claim on invoice {view['invoice_number']} as of {day(view['as_of'])} (décompte des sommes dues)",
        f"Debtor {view['debtor_kind']}; basis: {basis[view['basis']]}; imputation {view['imputation']}; "
        f"half-year reading {view['rate_reading']}",
    ]
    if view["provisional"]:
        lines.append("PROVISIONAL: a half-year's rate is not yet published; the last one is carried forward (*).")
    lines.append("")
    if view["periods"]:
        lines.append(f"  {'from':<12}{'to':<12}{'days':>5}{'base':>16}{'rate':>11}{'amount':>14}")
        for p in view["periods"]:
            mark = " *" if p["provisional"] else ""
            lines.append(
                f"  {day(p['start']):<12}{day(p['end']):<12}{p['days']:>5}{money(p['base'], currency):>16}"
                f"{percent(p['rate']):>11}{money(p['amount'], currency):>14}{mark}"
            )
        exact = number(view["penalties_exact"], max(2, len(view["penalties_exact"].partition(".")[2])))
        lines.append(f"  amount = base × rate × days / 365; exact sum {exact}, rounded once below")
    else:
        lines.append("  No period of interest.")
    for a in view["allocations"]:
        lines.append(
            f"  {day(a['on'])} {a['kind'].replace('_', ' ')} {a['reference']}: {money(a['amount'], currency)}, "
            f"of which {money(a['to_interest'], currency)} to interest and {money(a['to_principal'], currency)} "
            "to principal"
        )
    lines += [
        "",
        f"  {'Penalties / interest (rounded half-up once)':<52}{money(view['penalties'], currency):>16}",
        f"  {'Fixed recovery indemnity':<52}{money(view['indemnity'], currency):>16}",
        f"  {'Waived by the firm':<52}{money('-' + view['waived'], currency):>16}",
        f"  {'Already invoiced as late charges':<52}{money('-' + view['already_invoiced'], currency):>16}",
    ]
    if view["interest_paid"] != "0.00":
        lines.append(f"  {'Interest already paid (Code civil 1343-1)':<52}{money(view['interest_paid'], currency):>16}")
    lines += [
        f"  {'Principal outstanding (incl. VAT)':<52}{money(view['principal_outstanding'], currency):>16}",
        f"  {'Total claimable':<52}{money(view['total'], currency):>16}",
        "",
        "Rules applied:",
    ]
    lines += [f"  - {rule['reference']}: {rule['text']}" for rule in view["rules"]]
    return lines
