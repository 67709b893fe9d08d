"""`relance projections`, `relance report` and `relance audit` on a demo store."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from uuid import uuid4

import pytest
from typer.testing import Result

from api.demo import demo_clock, load_demo
from application.commands import RegisterDebtor
from application.ledger import Ledger
from application.reports import Basis
from domain.debtor import Address
from domain.vocabulary import DebtorKind
from infrastructure.read_models import ReadModels
from infrastructure.read_store import open_read_store
from infrastructure.settings import Settings
from infrastructure.stores import build_ledger
from tests.e2e.test_cli import relance
from tests.integration.conftest import issue_command
from tests.support.documents import document_store

NOW = datetime(2026, 3, 18, 16, 45, tzinfo=UTC)


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An embedded store holding the demo ledger recorded as of NOW; nothing projected yet."""
    data_dir = tmp_path_factory.mktemp("reports")
    clock = demo_clock(NOW)
    settings = Settings(data_dir=data_dir, database_url=None, timezone="Europe/Paris")
    ledger = build_ledger(settings, clock=clock)
    try:
        load_demo(ledger, clock, document_store(settings), now=NOW)
    finally:
        ledger.close()
    return data_dir


def csv_rows(result: Result) -> list[dict[str, str]]:
    assert result.exit_code == 0, result.output
    return list(csv.DictReader(io.StringIO(result.stdout)))


def read_models(data_dir: Path) -> tuple[ReadModels, Ledger]:
    settings = Settings(data_dir=data_dir, database_url=None, timezone="Europe/Paris")
    ledger = build_ledger(settings)
    return ReadModels(ledger, open_read_store(settings), in_process=True), ledger


def test_projections_run_once_catches_up_and_status_shows_no_lag(store: Path) -> None:
    ran = relance(store, "projections", "run", "--once")
    status = relance(store, "projections", "status", "--json")

    assert ran.exit_code == 0, ran.output
    rows = json.loads(status.stdout)
    assert {row["name"] for row in rows} == {"audit", "debtors", "receivables"}
    assert all(row["lag"] == 0 and row["position"] == row["log_position"] > 0 for row in rows)


def test_the_aged_balance_as_csv_has_the_figures_of_the_read_models(store: Path) -> None:
    rows = csv_rows(relance(store, "report", "aged-balance", "--as-of", "2026-02-28", "--by-debtor", "--csv"))

    models, ledger = read_models(store)
    try:
        expected = models.aged_balance(as_of=date(2026, 2, 28), basis=Basis.BY_VALUE_DATE, by_debtor=True)
    finally:
        models.close()
        ledger.close()
    total = rows[-1]
    assert (total["line"], total["basis"], total["as_of"]) == ("total", "by_value_date", "2026-02-28")
    assert Decimal(total["total"]) == Decimal(expected.total.total) / 100
    assert int(total["receivables"]) == expected.total.receivables
    assert [row["debtor_id"] for row in rows[:-1]] == [str(line.debtor_id) for line in expected.debtors]


def test_the_aged_balance_as_text_names_its_reading_and_ends_with_the_total(store: Path) -> None:
    result = relance(store, "report", "aged-balance", "--as-of", "2026-01-31", "--basis", "as_known", "--by-debtor")

    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].startswith("Aged balance as of 31/01/2026, EUR, as known at the end of the day")
    assert lines[-1].startswith("TOTAL")


def test_dso_and_effectiveness_come_as_json_and_csv(store: Path) -> None:
    dso = relance(store, "report", "dso", "--from", "2025-12-19", "--to", "2026-03-18", "--json")
    effectiveness = csv_rows(relance(store, "report", "effectiveness", "--csv"))

    assert dso.exit_code == 0, dso.output
    figures = json.loads(dso.stdout)
    assert (figures["from"], figures["to"], figures["days"]) == ("2025-12-19", "2026-03-18", 90)
    assert Decimal(figures["dso"]) == (
        Decimal(figures["receivables_at_end"]) / Decimal(figures["credit_sales"]) * 90
    ).quantize(Decimal("0.1"))
    assert ("first", "email") in {(row["stage"], row["channel"]) for row in effectiveness}


def test_the_audit_command_filters_by_type_and_actor_and_limits_its_output(store: Path) -> None:
    rows = csv_rows(relance(store, "audit", "--type", "PaymentReceived", "--actor", "bank-import", "--csv"))
    first_three = csv_rows(relance(store, "audit", "--limit", "3", "--csv"))

    assert rows and all((r["event_type"], r["actor"]) == ("PaymentReceived", "bank-import") for r in rows)
    assert [r["notification_id"] for r in first_three] == ["1", "2", "3"]


def test_a_malformed_date_is_a_usage_error(store: Path) -> None:
    result = relance(store, "report", "aged-balance", "--as-of", "31/12/25")
    french = relance(store, "report", "aged-balance", "--as-of", "31/12/2025")

    assert result.exit_code == 2
    assert "--as-of" in result.output and "write the year in full" in result.output
    assert french.exit_code == 0, french.output


def test_rebuild_replays_the_whole_log_and_reports_its_rate(store: Path) -> None:
    before = csv_rows(relance(store, "audit", "--csv"))

    rebuilt = relance(store, "projections", "rebuild")

    assert rebuilt.exit_code == 0, rebuilt.output
    assert f"from {len(before)} event(s)" in rebuilt.stdout
    assert csv_rows(relance(store, "audit", "--csv")) == before


def test_the_audit_csv_writes_cells_a_spreadsheet_would_run_as_formulas_as_text(tmp_path: Path) -> None:
    ledger = build_ledger(Settings(data_dir=tmp_path, database_url=None, timezone="Europe/Paris"))
    try:
        formulas = ['=HYPERLINK("http://x.example","clic")', "+33 4 72", "-2+3", "@SUM(A1)"]
        debtor = ledger.execute(
            RegisterDebtor(
                debtor_id=uuid4(),
                legal_name="Dupont SARL",
                kind=DebtorKind.PROFESSIONAL,
                address=Address(lines=["1 rue A"], postal_code="69003", city="Lyon", country="FR"),
                siren="732829320",
            ),
            actor=formulas[0],
        ).aggregate_id
        for number, actor in enumerate(formulas[1:], start=1):
            ledger.execute(issue_command(debtor, f"F-{number}"), actor=actor)
    finally:
        ledger.close()

    actors = [row["actor"] for row in csv_rows(relance(tmp_path, "audit", "--csv"))]

    assert actors == ["'" + formula for formula in formulas]
