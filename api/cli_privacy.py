"""``relance privacy``: personal data of natural persons (issue 19): the access request (GDPR art. 15), the
erasure of one person (art. 17) and the retention run that erases what is past its retention (docs/privacy.md,
decision 0105)."""

from __future__ import annotations

import io
import sys
import time
import zipfile
from pathlib import Path
from typing import Annotated
from uuid import UUID

import typer

from api.bootstrap import DocumentStore, open_database, render_access, reseal_store
from api.cli_app import (
    JsonOption,
    app,
    fail,
    fail_if_store_unavailable,
    load_settings,
    opened_ledger,
    parse_uuid,
    print_json,
    resolve_debtor,
)
from api.cli_evidence import default_actor
from api.formats import day
from application.commands import EraseContact, EraseDebtor
from application.ledger import Ledger
from application.privacy_export import access_export
from application.privacy_retention import RetentionPolicy, RetentionReport, run_retention
from application.resealing import ResealRefused, ResealReport
from domain.debtor import Debtor
from domain.errors import NotFound

privacy_app = typer.Typer(help="Personal data (GDPR): the access request, the retention run.", no_args_is_help=True)
retention_app = typer.Typer(help="Retention: erase the data of persons whose files are closed and time-barred.",
                            no_args_is_help=True)  # fmt: skip
app.add_typer(privacy_app, name="privacy")
privacy_app.add_typer(retention_app, name="retention")


@privacy_app.command("export")
def privacy_export(
    debtor_id: Annotated[str, typer.Argument(help="The debtor's id (UUID): the data subject.")],
    output: Annotated[Path, typer.Option("-o", "--output", help="The ZIP file to write.")],
) -> None:
    """Write everything relance holds about a debtor (GDPR art. 15): JSON, documents and a French PDF."""
    subject = parse_uuid(debtor_id, "DEBTOR_ID")
    settings = load_settings()
    database = open_database(settings)
    try:
        with opened_ledger(settings) as ledger:
            try:
                content = access_export(ledger, DocumentStore(database), subject, now=ledger.now().instant,
                                        render=render_access, firm_name=settings.firm_name)  # fmt: skip
            except NotFound:
                fail(f"débiteur inconnu / unknown debtor: {subject}", 3)
    finally:
        database.close()
    try:
        output.write_bytes(content)
    except OSError as error:
        fail(f"impossible d'écrire / cannot write {output}: {error.strerror or error}", 2)
    names = zipfile.ZipFile(io.BytesIO(content)).namelist()
    documents = sum(1 for name in names if name.startswith("documents/"))
    typer.echo(
        f"{output} écrit / written ({len(content)} octets/bytes): {len(names)} fichier(s), dont {documents} document(s)"
    )
    for name in names:
        typer.echo(f"  {name}")


# ------------------------------------------------------------------- erase


@privacy_app.command("erase")
def privacy_erase(
    debtor: Annotated[
        str, typer.Argument(help="The person: debtor id, SIREN, SIRET or an unambiguous part of the name.")
    ],
    reason: Annotated[str, typer.Option("--reason", help="Why, and at whose request (recorded with the erasure).")],
    force: Annotated[
        bool,
        typer.Option("--force", help="Erase although a claim against the person is still pursued (art. 17(3)(e))."),
    ] = False,
    yes: Annotated[
        bool, typer.Option("--yes", "-y", help="Do not ask for confirmation (needed without a terminal).")
    ] = False,
    actor: Annotated[str | None, typer.Option(help="Who erases (recorded with the erasure); default cli:USER.")] = None,
    contact: Annotated[
        str | None,
        typer.Option("--contact", help="Erase only this contact person of the debtor (its id), the debtor kept."),
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Erase a natural person's personal data (GDPR art. 17), through the command pipeline: recorded as
    DebtorErased, then the person's keys are destroyed and the copies outside the journal purged. Irreversible:
    asks for confirmation unless --yes. Exit 1 if refused (a company; a claim still pursued, without --force).
    With --contact: one contact person of any debtor (ContactErased), the debtor kept."""
    with opened_ledger() as ledger:
        person = resolve_debtor(ledger, debtor, "DEBTOR")
        if contact is not None:
            _erase_contact(ledger, person, parse_uuid(contact, "--contact"), reason, yes, actor, as_json)
            return
        if not yes:
            _confirm_erasure(f"« {person.legal_name} » ({person.id})")
        outcome = ledger.execute(EraseDebtor(person.id, reason=reason, force=force), actor=actor or default_actor())
        record = outcome.events[-1].record() if outcome.events else {"data": {}}
    pursued = list(record["data"].get("pursued", ()))
    if as_json:
        print_json({"debtor_id": str(person.id), "version": outcome.version, "erased": True, "keys_destroyed": True,
                    "forced": bool(record["data"].get("forced")), "pursued": pursued})  # fmt: skip
        return
    forced = f" (forcé malgré / forced despite: {', '.join(pursued)})" if pursued else ""
    typer.echo(f"données personnelles effacées / personal data erased: {person.id}; clés détruites / keys "
               f"destroyed{forced}")  # fmt: skip


def _erase_contact(
    ledger: Ledger, debtor: Debtor, contact_id: UUID, reason: str, yes: bool, actor: str | None, as_json: bool
) -> None:
    known = debtor.contacts.get(contact_id)
    if not yes:
        _confirm_erasure(f"« {known.name if known else contact_id} », contact de « {debtor.legal_name} »")
    outcome = ledger.execute(EraseContact(debtor.id, contact_id, reason), actor=actor or default_actor())
    if as_json:
        print_json({"debtor_id": str(debtor.id), "contact_id": str(contact_id), "version": outcome.version,
                    "erased": True, "keys_destroyed": True})  # fmt: skip
        return
    typer.echo(f"données du contact effacées / contact's personal data erased: {contact_id} ({debtor.id}); "
               "clé détruite / key destroyed")  # fmt: skip


def interactive() -> bool:
    """Whether someone at a terminal can answer the confirmation."""
    return sys.stdin.isatty()


def _confirm_erasure(who: str) -> None:
    if not interactive():
        fail("l'effacement est définitif : confirmez avec --yes (pas de terminal pour le demander) / erasure is "
             "irreversible: confirm with --yes (no terminal to ask)", 2)  # fmt: skip
    question = f"Effacer définitivement les données personnelles de {who} ? [o/N]"
    answer = typer.prompt(question, default="", show_default=False, prompt_suffix=" ")
    if answer.strip().casefold() not in ("o", "oui", "y", "yes"):
        fail("abandonné, rien n'est effacé / aborted, nothing erased", 1)


@retention_app.command("run")
def retention_run(
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Report what would be erased; record nothing.")] = False,
    every: Annotated[
        float | None,
        typer.Option(
            help="Run again every SECONDS, until stopped (the scheduled job, e.g. 86400); a refused "
            "erasure is reported and the next run tries again."
        ),
    ] = None,
    count: Annotated[int | None, typer.Option(help="With --every: stop after COUNT runs.", min=1)] = None,
    as_json: JsonOption = False,
) -> None:
    """Erase the personal data of every natural person whose receivables are all closed and time-barred
    (plus RELANCE_RETENTION_GRACE_MONTHS), through the command pipeline (actor ``retention``). Exit 1 if an
    erasure was refused (a claim pursued since the scan), naming it."""
    if every is not None and every <= 0:
        fail("--every: a positive number of seconds", 2)
    settings = load_settings()
    runs, refused = 0, False
    with opened_ledger(settings) as ledger:
        while True:
            policy = RetentionPolicy(grace_months=settings.retention_grace_months)
            report = run_retention(ledger, policy, dry_run=dry_run)
            runs, refused = runs + 1, refused or bool(report.refused)
            if as_json:
                print_json(report.as_dict())
            else:
                for line in retention_lines(report):
                    typer.echo(line)
            if every is None or (count is not None and runs >= count):
                break
            time.sleep(every)
    if refused:
        raise typer.Exit(1)


def retention_lines(report: RetentionReport) -> list[str]:
    """The run as people read it (no personal data: the persons by id, their invoices by number)."""
    grace = f", + {report.grace_months} mois" if report.grace_months else ""
    mode = " (simulation : rien n'est effacé / dry run: nothing recorded)" if report.dry_run else ""
    verb = "à effacer / would erase" if report.dry_run else "effacé / erased"
    lines = [f"conservation des données personnelles au {day(report.today)} (prescription passée{grace}){mode}"]
    for due in report.erased:
        lines.append(f"  {verb:<24}{due.debtor_id} ({due.natural_person}) prescrit le {day(due.limitation_passed_on)}"
                     f" : {', '.join(due.invoices)}")  # fmt: skip
    for refused in report.refused:
        lines.append(f"  refusé / refused         {refused.due.debtor_id} {refused.rule}: {refused.message}")
    for debtor_id in report.keys_destroyed_late:
        lines.append(f"  clés détruites / keys    {debtor_id} (effacé avant, clés restées / erased, keys left)")
    lines.append(
        f"{len(report.erased)} {verb}, {len(report.refused)} refusé(s), {report.kept} conservé(s) / kept "
        f"(créance poursuivie ou prescription à venir), {report.without_receivables} sans créance / without "
        f"receivables (non traités / not covered), {report.already_erased} déjà effacé(s) / already erased"
    )
    return lines


# ------------------------------------------------------------------ reseal (decision 0107)


@privacy_app.command("reseal")
def privacy_reseal(
    to_data_dir: Annotated[
        Path, typer.Option("--to-data-dir", help="The new store's data directory (the map goes there).")
    ],
    to_database_url: Annotated[
        str | None,
        typer.Option("--to-database-url", help="The new PostgreSQL database (its side tables copied first)."),
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Copy the store into a new one, every personal value still in plain text sealed and each chain rebuilt,
    then verify the copy against the old store and write reseal-map.csv (old hash, new hash of each event).
    Exit 1 if the copy does not verify (left in place, marked RESEAL-UNVERIFIED.txt) or is refused."""
    settings = load_settings()
    try:
        report = reseal_store(settings, to_data_dir, to_database_url)
    except ResealRefused as refused:
        fail(refused.message, refused.code)
    except Exception as error:
        fail_if_store_unavailable(error)
        raise
    if as_json:
        print_json(report.as_dict())
    else:
        for line in reseal_lines(report):
            typer.echo(line)
    if not report.verified:
        raise typer.Exit(1)


def reseal_lines(report: ResealReport) -> list[str]:
    copy = report.copy
    verdict = "vérifiée / verified" if report.verified else "NON VÉRIFIÉE / NOT VERIFIED (RESEAL-UNVERIFIED.txt)"
    lines = [
        f"copie re-scellée / resealed copy: {report.source} -> {report.target}: {verdict}",
        f"  {copy.events} événements / events, {copy.aggregates} agrégats / aggregates, "
        f"{len(copy.rechained)} rechaînés / rechained, {copy.sealed_values} valeurs scellées / values sealed",
        f"  {len(report.erased_owners)} personne(s) effacée(s) / erased persons: illisibles / unreadable in the copy",
        f"  table de correspondance / map: {report.map_path} ({report.map_rows} lignes / rows)",
        f"  sha256 {report.map_sha256}",
        f"  tables annexes / side tables: {report.side_tables}",
    ]
    lines += [f"  problème / problem: {problem}" for problem in report.problems]
    if report.verified:
        lines += [
            "à faire / to do: gardez la carte et le dernier condensat de l'ancien magasin (relance ledger digests);",
            "  publiez un condensat sur la copie (relance ledger digest); reconstruisez les modèles de lecture",
            "  (relance projections rebuild); puis détruisez l'ancien magasin et ses sauvegardes (docs/privacy.md).",
        ]
    return lines
