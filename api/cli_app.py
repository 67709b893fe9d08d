"""The ``relance`` command line's Typer app and what its commands share: settings, the Ledger, errors, parsing."""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime
from typing import TYPE_CHECKING, Annotated, Any, NoReturn
from uuid import UUID

import typer
from pydantic import ValidationError

from api.bootstrap import RateFileError, Settings, build_ledger
from api.errors import answer_for
from api.formats import day
from application.deposit_list import parse_day as typed_day
from application.deposit_list import two_digit_year
from application.ledger import Clock, Ledger, system_clock
from domain.canonical import format_instant
from domain.debtor import Debtor
from domain.errors import DomainError, InvalidInput, NotFound
from domain.receivable import Receivable, receivable_id_for

if TYPE_CHECKING:
    pass

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
    except RateFileError as error:
        fail(str(error), 2)
    except NotFound as error:
        fail(error.message, answer_for(error).exit_code)
    except DomainError as error:
        fail(f"{error.message} [{error.rule}]", answer_for(error).exit_code)
    except Exception as error:
        fail_if_store_unavailable(error)
        raise
    finally:
        if ledger is not None:
            ledger.close()


def fail_if_store_unavailable(error: Exception) -> None:
    """An outage or an unreadable store, told as such (exit 4); any other error is the caller's to raise."""
    if isinstance(error, OSError):
        fail(f"the store is unavailable: {error}", 4)
    if type(error).__module__.startswith(("psycopg", "eventsourcing", "sqlite3")):
        fail(f"the store is unavailable or unreadable: {type(error).__name__}: {error}", 4)


def print_json(value: Any) -> None:
    typer.echo(json.dumps(value, ensure_ascii=False, indent=2, sort_keys=True))


def parse_as_of(ledger: Ledger, text: str) -> datetime:
    try:
        return ledger.as_of(text)
    except InvalidInput as error:
        fail(f"--{error.message.replace('_', '-', 1)}", 2)


def parse_day(text: str, option: str) -> date:
    """A day as people type it: 07/04/2026 (French) or 2026-04-07; one parser for every command."""
    try:
        return typed_day(text)
    except ValueError:
        pass
    if two_digit_year(text):
        fail(f"{option}: {text!r}: write the year in full (dd/mm/yyyy)", 2)
    fail(f"{option}: {text!r} is not a date (dd/mm/yyyy or YYYY-MM-DD)", 2)


def resolve_receivable(ledger: Ledger, reference: str, as_of: datetime | None = None) -> Receivable:
    """Accept a receivable id or an invoice number; "not found" names what was typed."""
    try:
        receivable_id = UUID(reference)
    except ValueError:
        receivable_id = receivable_id_for(reference)
        what = f"no receivable with invoice number {reference.strip()!r}"
    else:
        what = f"no receivable {reference}"
    try:
        return ledger.receivable(receivable_id, as_of=as_of)
    except NotFound:
        when = f" as of {format_instant(as_of)}" if as_of is not None else ""
        fail(what + when, 3)


def resolve_debtor(ledger: Ledger, reference: str, option: str = "--debtor") -> Debtor:
    """A debtor by id, SIREN (9 digits), SIRET (14 digits) or name: the whole name or an unambiguous part of it,
    case and accents ignored. "Not found" and "ambiguous" name what was typed."""
    typed = reference.strip()
    try:
        debtor_id = UUID(typed)
    except ValueError:
        pass
    else:
        try:
            return ledger.debtor(debtor_id)
        except NotFound:
            fail(f"{option}: no debtor {typed}", 3)
    debtors = [ledger.debtor(i) for i in ledger.debtor_ids()]
    digits = typed.replace(" ", "")
    if digits.isdigit() and len(digits) in (9, 14):
        found = [d for d in debtors if digits in (d.siren, d.siret)]
        kind = "SIREN" if len(digits) == 9 else "SIRET"
        if not found:
            fail(f"{option}: no debtor with {kind} {digits}", 3)
    else:
        wanted = _folded(typed)
        found = [d for d in debtors if d.legal_name and _folded(d.legal_name) == wanted]
        found = found or [d for d in debtors if wanted and d.legal_name and wanted in _folded(d.legal_name)]
        if not found:
            fail(f"{option}: no debtor named {typed!r} (an id, a SIREN, a SIRET or a name)", 3)
    if len(found) > 1:
        names = "; ".join(sorted(f"{d.legal_name} ({d.siren or d.id})" for d in found))
        fail(f"{option}: {typed!r} names {len(found)} debtors: {names}; give more of the name, or a SIREN", 2)
    return found[0]


def _folded(text: str) -> str:
    """Lower case without accents, spaces collapsed: how a name typed in a shell is compared."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return " ".join("".join(c for c in decomposed if not unicodedata.combining(c)).split())


def limitation_line(limitation: dict[str, Any]) -> str:
    if limitation["limitation_date"] is None:
        return f"suspended since {day(limitation['suspended_since'])} (mediation under way)"
    last = limitation["last_interruption"]
    since = f", last interrupted on {day(last['on'])} by {last['kind']}" if last else ""
    flag = "   TIME-BARRED" if limitation["time_barred"] else ("   ALERT" if limitation["alert"] else "")
    return f"{day(limitation['limitation_date'])} ({limitation['years']} years{since}){flag}"


def parse_uuid(value: str, name: str) -> UUID:
    try:
        return UUID(value)
    except ValueError:
        fail(f"{name}: {value!r} is not a UUID", 2)
