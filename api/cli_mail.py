"""``relance mail``: what came back of the reminders sent by e-mail (bounces and replies, decision 0099)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated

import typer

from api.bootstrap import DocumentStore, build_mail_feedback, mailbox_from_settings, open_database
from api.cli_app import JsonOption, app, fail, load_settings, opened_ledger, print_json
from api.cli_evidence import default_actor
from application.mail_feedback import FetchReport, MailFeedback

mail_app = typer.Typer(
    help="E-mail: bounces (DSN) and replies read from the mailbox (RELANCE_IMAP_*), recorded in the files.",
    no_args_is_help=True,
)
app.add_typer(mail_app, name="mail")

ActorOption = Annotated[str | None, typer.Option(help="Recorded as the actor (default cli:USER).")]
KINDS = {
    "dsn": "avis de non-remise",
    "reply": "réponse",
    "auto_reply": "réponse automatique",
    "ignored": "ignoré (aucun de nos envois)",
    "already": "déjà traité",
}
STATUSES = {
    "delivered": "remis",
    "soft_bounce": "rejet temporaire",
    "hard_bounce": "rejet définitif",
    "failed": "échec",
    "opened": "ouvert",
}


@contextmanager
def opened_feedback() -> Iterator[MailFeedback]:
    settings = load_settings()
    database = open_database(settings)
    try:
        with opened_ledger(settings) as ledger:
            yield build_mail_feedback(ledger, database, DocumentStore(database))
    finally:
        database.close()


@mail_app.command("fetch")
def mail_fetch(actor: ActorOption = None, as_json: JsonOption = False) -> None:
    """Read the new messages of the mailbox: bounces recorded on the reminders they name, replies noted in the
    files and put on the worklist; each message once, then marked read."""
    settings = load_settings()
    mailbox = mailbox_from_settings(settings)
    if mailbox is None:
        fail("no IMAP server is configured (RELANCE_IMAP_HOST)", 2)
    with opened_feedback() as feedback:
        report = feedback.fetch(mailbox, actor=actor or default_actor())
    if as_json:
        print_json(report.view())
        return
    _say(report)


@mail_app.command("handled")
def mail_handled(
    key: Annotated[str, typer.Argument(help="The reply's key, as the worklist shows it")],
    actor: ActorOption = None,
) -> None:
    """A reply on the worklist was read and answered: it leaves the worklist (its note stays in the file)."""
    with opened_feedback() as feedback:
        feedback.handled(key, actor=actor or default_actor())
    typer.echo(f"réponse {key} traitée")


def _say(report: FetchReport) -> None:
    for outcome in report.outcomes:
        what = KINDS.get(outcome["kind"], outcome["kind"])
        status = f" : {STATUSES.get(outcome['status'], outcome['status'])}" if outcome["status"] else ""
        where = f" ({outcome['dispatch_key']})" if outcome["dispatch_key"] else ""
        typer.echo(f"{outcome['key']}  {what}{status}{where}, {outcome['events']} événement(s)")
    typer.echo(
        f"{report.read} message(s) lu(s), {report.already} déjà traité(s), {report.events} événement(s) enregistré(s)"
    )
