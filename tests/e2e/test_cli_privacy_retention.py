"""`relance privacy retention run` on the embedded store (SQLite): a dry run says who would be erased and
records nothing; a run erases exactly the natural persons whose invoices are all closed and time-barred,
with a reason naming the rule, and says so in French and in JSON."""

from __future__ import annotations

import json
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from uuid import UUID, uuid4

import pytest
from typer.testing import CliRunner, Result

from api.bootstrap import Settings, build_ledger
from api.cli import app
from application.commands import IssueInvoice, RecordPayment, RegisterDebtor
from application.ledger import Ledger
from domain.debtor import Address
from domain.vocabulary import DebtorKind, PaymentMethod

ADDRESS = Address(["3 rue Sainte-Catherine"], "33000", "Bordeaux", "FR")


def relance(data_dir: Path, *args: str) -> Result:
    env = {"RELANCE_DATA_DIR": str(data_dir), "RELANCE_DATABASE_URL": "", "RELANCE_TIMEZONE": "Europe/Paris"}
    return CliRunner().invoke(app, list(args), env=env)


def ledger_on(data_dir: Path) -> Ledger:
    return build_ledger(Settings(data_dir=data_dir, database_url=None, timezone="Europe/Paris"))


def person(ledger: Ledger, name: str, kind: DebtorKind = DebtorKind.CONSUMER, siren: str | None = None) -> UUID:
    debtor_id = uuid4()
    ledger.execute(RegisterDebtor(debtor_id, name, kind, ADDRESS, siren), actor="test")
    return debtor_id


def invoice(ledger: Ledger, debtor_id: UUID, number: str, issued: date, paid_on: date | None = None) -> None:
    command = IssueInvoice(number, debtor_id, issued, issued + timedelta(days=30), Decimal("100.00"),
                           Decimal("20.00"), Decimal("120.00"), "Réparation")  # fmt: skip
    receivable = ledger.execute(command, actor="test").aggregate_id
    if paid_on is not None:
        ledger.execute(RecordPayment(receivable, Decimal("120.00"), paid_on, PaymentMethod.TRANSFER, f"V-{number}"),
                       actor="test")  # fmt: skip


@pytest.fixture
def store(tmp_path: Path) -> tuple[Path, dict[str, UUID]]:
    """A consumer paid four years ago (time-barred two years ago), one paid last month, one still owing,
    and a company paid long ago."""
    ledger = ledger_on(tmp_path)
    try:
        today = ledger.now().today
        people = {
            "barred": person(ledger, "Paul Girard"),
            "recent": person(ledger, "Lucie Moreau"),
            "owing": person(ledger, "Hugo Lambert"),
            "company": person(ledger, "Menuiserie Martin SARL", DebtorKind.PROFESSIONAL, "732829320"),
        }
        invoice(ledger, people["barred"], "FC-OLD-1", today - timedelta(days=5 * 365), today - timedelta(days=4 * 365))
        invoice(ledger, people["recent"], "FC-NEW-1", today - timedelta(days=60), today - timedelta(days=30))
        invoice(ledger, people["owing"], "FC-OLD-2", today - timedelta(days=5 * 365))
        invoice(ledger, people["company"], "FE-OLD-1", today - timedelta(days=9 * 365), today - timedelta(days=8 * 365))
    finally:
        ledger.close()
    return tmp_path, people


def erased(data_dir: Path) -> set[UUID]:
    ledger = ledger_on(data_dir)
    try:
        return {i for i in ledger.debtor_ids() if ledger.debtor(i).erased}
    finally:
        ledger.close()


def test_a_dry_run_names_who_would_be_erased_and_records_nothing(store: tuple[Path, dict[str, UUID]]) -> None:
    data_dir, people = store

    result = relance(data_dir, "privacy", "retention", "run", "--dry-run")

    assert result.exit_code == 0, result.output
    [line] = [line for line in result.output.splitlines() if str(people["barred"]) in line]
    assert "simulation" in result.output and "would erase" in line and "(consumer)" in line and "FC-OLD-1" in line
    assert "Paul Girard" not in result.output
    assert "1 à effacer / would erase, 0 refusé(s), 2 conservé(s)" in result.output
    assert erased(data_dir) == set()


def test_a_run_erases_exactly_the_time_barred_person_and_a_second_run_nothing(
    store: tuple[Path, dict[str, UUID]],
) -> None:
    data_dir, people = store

    result = relance(data_dir, "privacy", "retention", "run", "--json")
    again = relance(data_dir, "privacy", "retention", "run", "--json")

    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert (report["dry_run"], report["rule"], report["kept"]) == (False, "retention_limitation_passed", 2)
    assert [(e["debtor_id"], e["invoices"]) for e in report["erased"]] == [(str(people["barred"]), ["FC-OLD-1"])]
    assert erased(data_dir) == {people["barred"]}
    assert json.loads(again.output)["erased"] == [] and json.loads(again.output)["already_erased"] == 1
    journal = relance(data_dir, "debtor", "show", str(people["barred"]), "--json")
    assert journal.exit_code == 0 and "Paul Girard" not in journal.output


def test_the_erasure_by_retention_is_recorded_with_its_actor_and_rule(store: tuple[Path, dict[str, UUID]]) -> None:
    data_dir, people = store
    relance(data_dir, "privacy", "retention", "run")

    ledger = ledger_on(data_dir)
    try:
        [record] = [e.record for e in ledger.journal(people["barred"]) if e.record["type"] == "DebtorErased"]
    finally:
        ledger.close()
    assert record["actor"] == "retention" and record["data"]["reason"].startswith("retention_limitation_passed")


def test_the_scheduled_run_runs_every_period_and_erases_once(store: tuple[Path, dict[str, UUID]]) -> None:
    data_dir, people = store

    result = relance(data_dir, "privacy", "retention", "run", "--every", "0.01", "--count", "2", "--json")

    reports, text, decoder = [], result.stdout.strip(), json.JSONDecoder()
    while text:  # one JSON document per run
        report, end = decoder.raw_decode(text)
        reports.append(report)
        text = text[end:].strip()
    assert result.exit_code == 0, result.output
    assert [len(r["erased"]) for r in reports] == [1, 0]
    assert erased(data_dir) == {people["barred"]}


def test_a_period_that_is_not_positive_is_refused() -> None:
    result = relance(Path("/nonexistent"), "privacy", "retention", "run", "--every", "0")

    assert result.exit_code == 2 and "--every: a positive number of seconds" in result.output
