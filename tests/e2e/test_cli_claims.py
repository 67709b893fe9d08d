"""`relance rates` and `relance receivable claim`, and `receivable list --limitation-before`, driven as a user would."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import pytest
from typer.testing import CliRunner, Result

from api.cli import app
from application.clock import SimulatedClock
from application.commands import IssueInvoice, RecordPayment, RegisterDebtor
from domain.debtor import Address
from domain.vocabulary import DebtorKind, PaymentMethod
from infrastructure.settings import Settings
from infrastructure.stores import build_ledger

ACTOR = "alice@cabinet.example"
CLAIM_KEYS = {
    "as_of",
    "principal_outstanding",
    "penalties",
    "indemnity",
    "already_invoiced",
    "total",
    "periods",
    "rules",
}


def relance(data_dir: Path, *args: str, env: Mapping[str, str] | None = None) -> Result:
    environment = {"RELANCE_DATA_DIR": str(data_dir), "RELANCE_DATABASE_URL": "", "RELANCE_TIMEZONE": "Europe/Paris"}
    return CliRunner().invoke(app, list(args), env={**environment, **(env or {})})


def as_json(result: Result) -> Any:
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def issue(data_dir: Path, number: str, *, paid: str | None = None) -> UUID:
    """1200.00 incl. VAT issued 10 January 2025, due 9 February 2025; optionally part paid on 19 February."""
    clock = SimulatedClock(datetime(2025, 1, 10, 9, tzinfo=UTC))
    ledger = build_ledger(Settings(data_dir=data_dir, database_url=None, timezone="Europe/Paris"), clock=clock)
    try:
        debtor = RegisterDebtor(
            debtor_id=uuid4(),
            legal_name="Dupont Matériaux SARL",
            kind=DebtorKind.PROFESSIONAL,
            address=Address(lines=["12 rue des Lilas"], postal_code="69003", city="Lyon", country="FR"),
            siren="732829320",
        )
        debtor_id = ledger.execute(debtor, actor=ACTOR).aggregate_id
        command = IssueInvoice(
            invoice_number=number,
            debtor_id=debtor_id,
            issue_date=date(2025, 1, 10),
            due_date=date(2025, 2, 9),
            amount_excl_vat=Decimal("1000.00"),
            vat=Decimal("200.00"),
            amount_incl_vat=Decimal("1200.00"),
            label="Fourniture de matériaux",
        )
        receivable_id = ledger.execute(command, actor=ACTOR).aggregate_id
        if paid is not None:
            clock.set(datetime(2025, 2, 20, 9, tzinfo=UTC))
            ledger.execute(
                RecordPayment(receivable_id, Decimal(paid), date(2025, 2, 19), PaymentMethod.TRANSFER, f"VIR-{number}"),
                actor=ACTOR,
            )
        return receivable_id
    finally:
        ledger.close()


# ------------------------------------------------------------------- rates


def test_rates_list_shows_the_shipped_half_years_with_their_sources(tmp_path: Path) -> None:
    view = as_json(relance(tmp_path, "rates", "list", "--json"))

    rows = {row["half_year"]: row for row in view["half_years"]}
    assert list(rows) == ["2023H1", "2023H2", "2024H1", "2024H2", "2025H1", "2025H2", "2026H1"]
    assert (rows["2025H1"]["ecb_mro"]["rate"], rows["2025H1"]["default_penalty_rate"]) == ("3.15", "13.15")
    assert (rows["2026H1"]["legal_rate_other"]["rate"], rows["2026H1"]["contractual_rate_floor"]) == ("2.62", "7.86")
    assert rows["2024H2"]["legal_rate_consumer_creditor"]["rate"] == "8.16"
    assert all(row[kind]["source"] and row[kind]["origin"] == "data_file" for row in rows.values() for kind in
               ("ecb_mro", "legal_rate_consumer_creditor", "legal_rate_other"))  # fmt: skip


def test_rates_list_as_text_has_a_line_per_half_year(tmp_path: Path) -> None:
    result = relance(tmp_path, "rates", "list")

    assert result.exit_code == 0, result.output
    assert "2025H2         2,15\xa0%   12,15\xa0%    6,65\xa0%    2,76\xa0%    8,28\xa0%  data file" in result.stdout
    assert "provisional" in result.stdout


def test_rates_add_records_the_half_year_with_its_actor_and_the_journal_verifies(tmp_path: Path) -> None:
    result = relance(
        tmp_path, "rates", "add", "--half-year", "2026H2", "--ecb-mro", "2.40", "--legal-consumer-creditor", "6.50",
        "--legal-other", "2.50", "--source", "https://www.ecb.europa.eu/ ; JORF", "--actor", "admin:bob",
    )  # fmt: skip

    assert result.exit_code == 0, result.output
    assert "published 2026H2 ecb_mro 2,40\xa0% (in force from 01/07/2026) by admin:bob" in result.stdout
    row = as_json(relance(tmp_path, "rates", "list", "--json"))["half_years"][-1]
    assert (row["half_year"], row["default_penalty_rate"], row["contractual_rate_floor"]) == ("2026H2", "12.40", "7.50")
    assert (row["legal_rate_other"]["origin"], row["legal_rate_other"]["published_by"]) == ("journal", "admin:bob")
    assert as_json(relance(tmp_path, "ledger", "verify", "--json"))["ok"] is True


def test_rates_add_refuses_a_half_year_already_known_with_exit_1(tmp_path: Path) -> None:
    result = relance(tmp_path, "rates", "add", "--half-year", "2026H1", "--ecb-mro", "2.15", "--source", "x",
                     "--actor", "admin:bob")  # fmt: skip

    assert result.exit_code == 1
    assert result.stderr.startswith("error: ecb_mro 2026H1 is already known")
    assert "[rate_published_once]" in result.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--half-year", "2026-2", "--ecb-mro", "2.15"], "is not a half-year such as 2026H1"),
        (["--half-year", "2026H2", "--ecb-mro", "2,15"], "--ecb-mro: '2,15' is not a decimal percentage"),
        (["--half-year", "2026H2", "--legal-other", "150"], "--legal-other: 150 is not a percentage between 0 and 100"),
        (["--half-year", "2026H2"], "give at least one of --ecb-mro"),
        (
            ["--half-year", "2026H2", "--ecb-mro", "2.15", "--ecb-effective-from", "1 July"],
            "not a date (dd/mm/yyyy or YYYY-MM-DD)",
        ),
    ],
)
def test_rates_add_with_bad_input_exits_2_with_a_clear_message(tmp_path: Path, args: list[str], message: str) -> None:
    result = relance(tmp_path, "rates", "add", *args, "--source", "x", "--actor", "admin:bob")

    assert result.exit_code == 2
    assert message in result.stderr


def test_a_broken_rate_file_stops_the_start_naming_the_file_and_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    tables = tmp_path / "tables"
    tables.mkdir()
    (tables / "ecb_mro.csv").write_text("half_year,rate,effective_from,source\n2026H1,two,2025-06-11,ECB\n")
    (tables / "legal_rate.csv").write_text("half_year,consumer_creditor,other,effective_from,source\n")
    monkeypatch.setattr("infrastructure.rate_files.shipped_rate_tables", lambda: tables)

    result = relance(tmp_path, "rates", "list")

    assert result.exit_code == 2
    assert "ecb_mro.csv, line 2: rate: 'two' is not a decimal percentage" in result.stderr


# ------------------------------------------------------------------ claims


def test_receivable_claim_json_has_the_documented_shape_and_hand_computed_amounts(tmp_path: Path) -> None:
    issue(tmp_path, "F-2025-001", paid="500.00")

    view = as_json(relance(tmp_path, "receivable", "claim", "F-2025-001", "--as-of", "2025-03-11", "--json"))

    assert set(view) >= CLAIM_KEYS
    # 10–19 Feb: 1200 × 13.15 % × 10/365 = 4.323288; 20 Feb–11 Mar: 700 × 13.15 % × 20/365 = 5.043836; → 9.37
    assert [view[k] for k in ("as_of", "principal_outstanding", "penalties", "indemnity", "already_invoiced")] == [
        "2025-03-11",
        "700.00",
        "9.37",
        "40.00",
        "0.00",
    ]
    assert view["total"] == "749.37"
    assert view["periods"] == [
        {"start": "2025-02-10", "end": "2025-02-19", "days": 10, "base": "1200.00", "rate": "13.15",
         "amount": "4.323288", "half_year": "2025H1", "provisional": False},
        {"start": "2025-02-20", "end": "2025-03-11", "days": 20, "base": "700.00", "rate": "13.15",
         "amount": "5.043836", "half_year": "2025H1", "provisional": False},
    ]  # fmt: skip
    references = [rule["reference"] for rule in view["rules"]]
    assert "Code de commerce L441-10 II, D441-5" in references
    assert "ECB main refinancing operations rate 2025H1" in references


def test_receivable_claim_as_text_reads_line_by_line(tmp_path: Path) -> None:
    issue(tmp_path, "F-2025-001", paid="500.00")

    result = relance(tmp_path, "receivable", "claim", "F-2025-001", "--as-of", "2025-03-11")

    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == "Claim on invoice F-2025-001 as of 11/03/2025 (décompte des sommes dues)"
    period = ["20/02/2025", "11/03/2025", "20", "700,00\xa0€", "13,15\xa0%", "5,04\xa0€"]  # 5.043836 to the cent
    assert any([cell for cell in line.split(" ") if cell] == period for line in lines)
    assert any(line.endswith(" 749,37\xa0€") and "Total claimable" in line for line in lines)
    assert any("Code civil 1342-10" in line for line in lines)


def test_a_claim_on_an_unknown_receivable_exits_3(tmp_path: Path) -> None:
    issue(tmp_path, "F-2025-001")

    result = relance(tmp_path, "receivable", "claim", "F-2099-404")

    assert result.exit_code == 3
    assert result.stderr.startswith("error: no receivable")


def test_a_claim_with_a_malformed_date_exits_2(tmp_path: Path) -> None:
    issue(tmp_path, "F-2025-001")

    result = relance(tmp_path, "receivable", "claim", "F-2025-001", "--as-of", "31/02/2025")
    french = relance(tmp_path, "receivable", "claim", "F-2025-001", "--as-of", "11/03/2025")

    assert result.exit_code == 2
    assert "--as-of: '31/02/2025' is not a date (dd/mm/yyyy or YYYY-MM-DD)" in result.stderr
    assert french.exit_code == 0, french.stderr


# -------------------------------------------------------------- limitation


def test_receivable_list_limitation_before_keeps_the_claims_expiring_before_that_date(tmp_path: Path) -> None:
    issue(tmp_path, "F-2025-001")  # delivered 10 January 2025: limitation 10 January 2030
    issue(tmp_path, "F-2025-002", paid="100.00")  # interrupted on 19 February 2025: 19 February 2030

    early = as_json(relance(tmp_path, "receivable", "list", "--limitation-before", "2030-02-01", "--json"))
    later = as_json(relance(tmp_path, "receivable", "list", "--limitation-before", "2030-03-01", "--json"))
    text = relance(tmp_path, "receivable", "list", "--limitation-before", "2030-03-01")

    assert [(r["invoice_number"], r["limitation"]["limitation_date"]) for r in early] == [("F-2025-001", "2030-01-10")]
    assert [(r["invoice_number"], r["limitation"]["limitation_date"]) for r in later] == [
        ("F-2025-001", "2030-01-10"),
        ("F-2025-002", "2030-02-19"),
    ]
    assert later[1]["limitation"]["last_interruption"]["kind"] == "partial_payment"
    assert "limitation 19/02/2030" in text.stdout


def test_receivable_list_with_a_malformed_limitation_date_exits_2(tmp_path: Path) -> None:
    result = relance(tmp_path, "receivable", "list", "--limitation-before", "2030-02-30")

    assert result.exit_code == 2
    assert "--limitation-before" in result.stderr


def test_receivable_show_states_the_limitation_date(tmp_path: Path) -> None:
    issue(tmp_path, "F-2025-001")

    result = relance(tmp_path, "receivable", "show", "F-2025-001")

    assert result.exit_code == 0, result.output
    assert "Limitation  10/01/2030 (5 years)" in result.stdout


def test_the_firms_settings_choose_the_rate_reading_and_the_imputation(tmp_path: Path) -> None:
    issue(tmp_path, "F-2025-001")
    settings = {"RELANCE_PENALTY_RATE_READING": "delay_start", "RELANCE_IMPUTATION": "interest_first"}

    default = as_json(relance(tmp_path, "receivable", "claim", "F-2025-001", "--as-of", "2025-07-15", "--json"))
    chosen = as_json(
        relance(tmp_path, "receivable", "claim", "F-2025-001", "--as-of", "2025-07-15", "--json", env=settings)
    )

    # per_day: 10 Feb–30 Jun 141 days × 13.15 % on 1200 = 60.958356; 1–15 Jul 15 days × 12.15 % = 5.991781 → 66.95
    # delay_start: 156 days × 13.15 % on 1200 = 67.443288 → 67.44
    assert (default["rate_reading"], default["imputation"], default["penalties"]) == (
        "per_day",
        "principal_first",
        "66.95",
    )
    assert (chosen["rate_reading"], chosen["imputation"], chosen["penalties"]) == (
        "delay_start",
        "interest_first",
        "67.44",
    )


def test_an_unknown_setting_value_exits_2_naming_the_variable(tmp_path: Path) -> None:
    result = relance(tmp_path, "receivable", "claim", "F-1", env={"RELANCE_IMPUTATION": "fifo"})

    assert result.exit_code == 2
    assert "RELANCE_IMPUTATION" in result.stderr


def test_receivable_show_includes_what_may_be_claimed_on_the_day_shown(tmp_path: Path) -> None:
    issue(tmp_path, "F-2025-001")

    view = as_json(relance(tmp_path, "receivable", "show", "F-2025-001", "--as-of", "2025-03-11", "--json"))
    text = relance(tmp_path, "receivable", "show", "F-2025-001", "--as-of", "2025-03-11")

    # 10 Feb–11 Mar = 30 days: 1200 × 13.15 % × 30/365 = 12.969863 → 12.97; 1200.00 + 12.97 + 40.00 = 1252.97
    assert view["claim"] == {
        "as_of": "2025-03-11",
        "principal_outstanding": "1200.00",
        "penalties": "12.97",
        "indemnity": "40.00",
        "already_invoiced": "0.00",
        "waived": "0.00",
        "total": "1252.97",
        "provisional": False,
    }
    assert "Claimable   1\u202f252,97\xa0€ on 11/03/2025" in text.stdout
