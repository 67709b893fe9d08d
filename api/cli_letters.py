"""``relance letters``: the letters the dunning run prepared, posted by a person, and what comes back."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer

from api.bootstrap import Database, DocumentStore, build_dunning, letters_of, open_database
from api.cli_app import JsonOption, app, fail, load_settings, opened_ledger, parse_day, print_json
from api.cli_evidence import default_actor
from api.formats import day
from application.deposit_list import deposit_csv, read_posted_csv
from application.letters import LetterOutcome, Letters, Posting, letter_view
from application.pipeline import system

letters_app = typer.Typer(
    help="Letters to post: the run prepares them, a person posts them; the journal records the posting.",
    no_args_is_help=True,
)
app.add_typer(letters_app, name="letters")

KINDS = {
    "courtesy": "rappel avant échéance",
    "first_reminder": "relance",
    "second_reminder": "seconde relance",
    "formal_notice": "mise en demeure",
}
CHANNELS = {
    "letter": "lettre simple",
    "registered_letter": "recommandé AR",
    "electronic_registered_letter": "LRE",
}
MEDIA_BY_SUFFIX = {".pdf": "application/pdf", ".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg",
                   ".tif": "image/tiff", ".tiff": "image/tiff"}  # fmt: skip
ActorOption = Annotated[str | None, typer.Option(help="Recorded as the actor (default cli:USER).")]
DayOption = Annotated[str | None, typer.Option("--date", help="dd/mm/yyyy or YYYY-MM-DD")]


@contextmanager
def opened_letters() -> Iterator[tuple[Letters, Database]]:
    """The letters on the configured store; a domain error raised inside is answered by opened_ledger."""
    settings = load_settings()
    database = open_database(settings)
    try:
        with opened_ledger(settings) as ledger:
            yield letters_of(build_dunning(settings, ledger, database, DocumentStore(database))), database
    finally:
        database.close()


@letters_app.command("list")
def letters_list(prepared: DayOption = None, as_json: JsonOption = False) -> None:
    """The letters waiting to be posted, in posting order (registered letters first)."""
    on = parse_day(prepared, "--date") if prepared else None
    with opened_letters() as (letters, _):
        waiting = letters.to_post(prepared_on=on)
    if as_json:
        print_json([letter_view(letter) for letter in waiting])
        return
    if not waiting:
        typer.echo("aucun courrier à poster")
        return
    for letter in waiting:
        typer.echo(
            f"{day(letter.run_date)}  {CHANNELS.get(letter.channel, letter.channel):<15}"
            f"{KINDS.get(letter.kind, letter.kind):<22}{letter.debtor_name} ({letter.postal_code} {letter.city}):"
            f" {', '.join(letter.invoice_numbers)}"
        )
        typer.echo(f"{'':<12}{letter.key}")
    typer.echo(f"{len(waiting)} courrier(s) à poster")


@letters_app.command("batch")
def letters_batch(
    output: Annotated[Path, typer.Option("-o", "--output", help="The PDF to write (deposit list, then the letters)")],
    prepared: DayOption = None,
    csv_path: Annotated[
        Path | None, typer.Option("--csv", help="The deposit list to fill (default: beside the PDF, .csv)")
    ] = None,
) -> None:
    """The print batch: one PDF with the deposit list then every paper letter in posting order, and the
    deposit list as a CSV to fill in at the post office and import back (relance letters posted FILE.csv).
    Printing records nothing."""
    on = parse_day(prepared, "--date") if prepared else None
    target_csv = csv_path or output.with_suffix(".csv")
    if target_csv.resolve() == output.resolve():
        fail("--csv: the deposit list would overwrite the PDF", 2)
    with opened_letters() as (letters, _):
        batch, pdf = letters.batch_pdf(prepared_on=on)
    listing = deposit_csv(batch.letters)
    for path, content in ((output, pdf), (target_csv, listing)):
        try:
            path.write_bytes(content)
        except OSError as error:
            fail(f"cannot write {path}: {error.strerror}", 1)
    registered = sum(1 for x in batch.letters if x.registered)
    pages = sum(x.pages or 0 for x in batch.letters)
    typer.echo(f"{len(batch.letters)} courrier(s) dont {registered} recommandé(s), {pages} page(s) : {output}")
    typer.echo(f"liste de dépôt à remplir : {target_csv} (puis relance letters posted {target_csv.name})")


@letters_app.command("posted")
def letters_posted(
    letter: Annotated[
        str, typer.Argument(help="The letter's key (relance letters list), or the filled deposit list CSV.")
    ],
    posted_on: DayOption = None,
    tracking: Annotated[str | None, typer.Option("--tracking", help="La Poste number of a recommandé")] = None,
    receipt: Annotated[
        Path | None, typer.Option("--receipt", help="Scan of the deposit receipt (PDF, PNG, JPEG)")
    ] = None,
    actor: ActorOption = None,
) -> None:
    """Record that a letter was posted (or every line of a filled deposit list): only then is it in the journal."""
    who = system(actor or default_actor())
    if letter.lower().endswith(".csv"):
        if posted_on or tracking or receipt:
            fail("a deposit list carries its own dates and tracking numbers: no --date, --tracking or --receipt", 2)
        content = _read(Path(letter))
        with opened_letters() as (letters, _):
            postings = letters.post_many(read_posted_csv(content), principal=who)
        for posting in postings:
            _say_posted(posting)
        typer.echo(f"{len(postings)} courrier(s) enregistré(s) comme posté(s)")
        return
    if posted_on is None:
        fail("--date: the day the letter was posted is required", 2)
    on = parse_day(posted_on, "--date")
    with opened_letters() as (letters, database):
        sha, media_type = _stored(database, receipt, who.name) if receipt else (None, "application/pdf")
        posting = letters.post(letter, posted_on=on, tracking_number=tracking, principal=who, receipt_sha256=sha,
                               receipt_media_type=media_type)  # fmt: skip
    _say_posted(posting)


@letters_app.command("outcome")
def letters_outcome(
    letter: Annotated[str, typer.Argument(help="The letter's key")],
    outcome: Annotated[
        LetterOutcome, typer.Argument(help="delivered, unclaimed (avisé non réclamé), refused, returned")
    ],
    on: Annotated[str, typer.Option("--date", help="signed, first presented or returned on (dd/mm/yyyy)")],
    proof: Annotated[Path | None, typer.Option("--proof", help="Scan of the AR or of the returned envelope")] = None,
    actor: ActorOption = None,
) -> None:
    """Record what came back: the acknowledgement of receipt, or the letter returned undeliverable."""
    who = system(actor or default_actor())
    when = parse_day(on, "--date")
    with opened_letters() as (letters, database):
        sha = _stored(database, proof, who.name)[0] if proof else None
        result = letters.record_outcome(letter, outcome, on=when, principal=who, proof_sha256=sha)
    typer.echo(f"{outcome.value} le {day(when)} : {', '.join(result.invoices)} ({result.events} événement(s))")


@letters_app.command("cancel")
def letters_cancel(
    letter: Annotated[str, typer.Argument(help="The letter's key")],
    reason: Annotated[str | None, typer.Option("--reason", help="Why it does not go: noted on its files")] = None,
    actor: ActorOption = None,
) -> None:
    """Withdraw a letter that was not posted: no sending is recorded, the next run decides again."""
    who = system(actor or default_actor())
    with opened_letters() as (letters, _):
        letters.cancel(letter, principal=who, reason=reason)
    noted = " ; motif noté sur ses factures" if reason else ""
    typer.echo(f"courrier {letter} retiré : aucun envoi enregistré{noted}")


# ------------------------------------------------------------------ helpers


def _say_posted(posting: Posting) -> None:
    typer.echo(f"posté : {', '.join(posting.invoices) or '-'} ({posting.events} événement(s))  {posting.key}")
    if posting.noted:
        typer.echo(f"{'':<8}soldée(s) entre-temps, gardée(s) en note : {', '.join(posting.noted)}")


def _stored(database: Database, path: Path, actor: str) -> tuple[str, str]:
    media_type = MEDIA_BY_SUFFIX.get(path.suffix.lower())
    if media_type is None:
        fail(f"{path}: a PDF, PNG, JPEG or TIFF scan is expected", 2)
    stored, _ = DocumentStore(database).put(_read(path), media_type, actor=actor)
    return stored.sha256, media_type


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as error:
        fail(f"cannot read {path}: {error.strerror}", 2)
