"""The `relance` command line, driven as a user would: the demo, reading files, verifying the ledger."""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import subprocess
import sys
from collections.abc import Mapping
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner, Result

from api.cli import app

GENESIS = "0" * 64
VIEW_KEYS = {"id", "invoice_number", "debtor_id", "status", "stage", "due_date", "amount_incl_vat", "outstanding"}


def relance(data_dir: Path, *args: str, env: Mapping[str, str] | None = None) -> Result:
    """Run `relance ARGS` in-process on the SQLite store in ``data_dir``."""
    environment = {"RELANCE_DATA_DIR": str(data_dir), "RELANCE_DATABASE_URL": "", "RELANCE_TIMEZONE": "Europe/Paris"}
    return CliRunner().invoke(app, list(args), env={**environment, **(env or {})})


def as_json(result: Result) -> Any:
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def canonical_hash(record: dict[str, Any]) -> str:
    """evidence.md §2, recomputed with the standard library only."""
    body = {key: value for key, value in record.items() if key != "hash"}
    text = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Result]:
    """One demo store shared by the tests that only read it, with the demo's own output."""
    data_dir = tmp_path_factory.mktemp("demo")
    return data_dir, relance(data_dir, "demo")


@pytest.fixture(scope="module")
def store(demo: tuple[Path, Result]) -> Path:
    data_dir, result = demo
    assert result.exit_code == 0, result.output
    return data_dir


@pytest.fixture(scope="module")
def receivables(store: Path) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = as_json(relance(store, "receivable", "list", "--json"))
    return rows


def suggested_commands(summary: str) -> list[list[str]]:
    return [line.split()[1:] for line in summary.splitlines() if line.strip().startswith("relance ")]


# --------------------------------------------------------------------- demo


def test_the_demo_prints_a_summary_and_exits_0(demo: tuple[Path, Result]) -> None:
    _, result = demo

    assert result.exit_code == 0, result.output
    assert re.search(r"\d+ debtors .*, \d+ receivables, \d+ events", result.stdout)
    assert "relance receivable list" in result.stdout
    assert "relance ledger verify" in result.stdout


def test_every_command_the_summary_suggests_works(demo: tuple[Path, Result]) -> None:
    data_dir, result = demo

    outcomes = {" ".join(args): relance(data_dir, *args) for args in suggested_commands(result.stdout)}

    assert len(outcomes) >= 4
    assert {command: r.exit_code for command, r in outcomes.items()} == dict.fromkeys(outcomes, 0)


def test_a_second_demo_is_refused_with_the_reset_hint(tmp_path: Path) -> None:
    relance(tmp_path, "demo")
    before = as_json(relance(tmp_path, "ledger", "verify", "--json"))

    result = relance(tmp_path, "demo")

    assert result.exit_code == 1
    assert result.stderr.startswith("error:")
    assert "--reset" in result.stderr
    assert as_json(relance(tmp_path, "ledger", "verify", "--json")) == before


def test_demo_reset_starts_again_from_an_empty_store(tmp_path: Path) -> None:
    first = relance(tmp_path, "demo")
    once = as_json(relance(tmp_path, "ledger", "verify", "--json"))

    again = relance(tmp_path, "demo", "--reset")

    assert again.exit_code == 0, again.output
    assert first.exit_code == 0, first.output
    assert as_json(relance(tmp_path, "ledger", "verify", "--json")) == once  # the same sample, not twice as much


def test_the_installed_console_script_runs_the_demo_and_verifies_it(tmp_path: Path) -> None:
    beside_python = Path(sys.executable).parent / "relance"  # the venv running the tests
    script = str(beside_python) if beside_python.exists() else shutil.which("relance")
    assert script, "the relance console script is not installed"
    env = {"PATH": "/usr/bin:/bin", "RELANCE_DATA_DIR": str(tmp_path), "RELANCE_TIMEZONE": "Europe/Paris"}

    demo = subprocess.run([script, "demo"], env=env, capture_output=True, text=True, timeout=120, check=False)
    verify = subprocess.run(
        [script, "ledger", "verify"], env=env, capture_output=True, text=True, timeout=60, check=False
    )

    assert demo.returncode == 0, demo.stderr
    assert "receivables" in demo.stdout
    assert verify.returncode == 0, verify.stderr
    assert "every chain verifies" in verify.stdout
    assert (tmp_path / "ledger.sqlite").exists()


# ----------------------------------------------------------- receivable list


def test_receivable_list_shows_every_receivable(store: Path, receivables: list[dict[str, Any]]) -> None:
    result = relance(store, "receivable", "list")

    assert result.exit_code == 0, result.output
    assert f"{len(receivables)} receivable(s)" in result.stdout
    assert all(row["invoice_number"] in result.stdout for row in receivables)


def test_receivable_list_as_json_gives_the_view_of_each_receivable(receivables: list[dict[str, Any]]) -> None:
    assert len(receivables) >= 25
    assert all(row.keys() >= VIEW_KEYS for row in receivables)
    assert len({row["id"] for row in receivables}) == len(receivables)


def test_receivable_list_filters_by_status(store: Path, receivables: list[dict[str, Any]]) -> None:
    settled = as_json(relance(store, "receivable", "list", "--status", "settled", "--json"))

    assert settled
    assert {row["status"] for row in settled} == {"settled"}
    assert [row["id"] for row in settled] == [row["id"] for row in receivables if row["status"] == "settled"]


def test_receivable_list_filters_by_debtor(store: Path, receivables: list[dict[str, Any]]) -> None:
    debtor_id = receivables[0]["debtor_id"]

    rows = as_json(relance(store, "receivable", "list", "--debtor", debtor_id, "--json"))

    assert rows
    assert [row["id"] for row in rows] == [row["id"] for row in receivables if row["debtor_id"] == debtor_id]
    assert len(rows) < len(receivables)


def test_an_unknown_status_is_a_usage_error(store: Path) -> None:
    result = relance(store, "receivable", "list", "--status", "lost")

    assert result.exit_code == 2
    assert "--status" in result.stderr


# ----------------------------------------------------------- receivable show


def test_a_receivable_is_shown_by_invoice_number_or_by_id(store: Path, receivables: list[dict[str, Any]]) -> None:
    row = receivables[0]

    by_number = as_json(relance(store, "receivable", "show", row["invoice_number"], "--json"))
    by_id = as_json(relance(store, "receivable", "show", row["id"], "--json"))
    text = relance(store, "receivable", "show", row["invoice_number"])

    assert by_number == by_id
    assert by_number["id"] == row["id"]
    assert text.exit_code == 0
    assert row["invoice_number"] in text.stdout and row["id"] in text.stdout


def test_as_of_a_past_date_shows_an_earlier_version(store: Path, receivables: list[dict[str, Any]]) -> None:
    escalated = next(row for row in receivables if row["status"] == "escalated")
    past = (date.fromisoformat(escalated["due_date"]) + timedelta(days=10)).isoformat()

    now = as_json(relance(store, "receivable", "show", escalated["invoice_number"], "--json"))
    then = as_json(relance(store, "receivable", "show", escalated["invoice_number"], "--as-of", past, "--json"))

    assert then["version"] < now["version"]
    assert then["status"] != "escalated"
    assert then["as_of"] is not None and now["as_of"] is None


def test_as_of_a_date_before_the_invoice_is_not_found(store: Path, receivables: list[dict[str, Any]]) -> None:
    row = receivables[-1]
    before = (date.fromisoformat(row["issue_date"]) - timedelta(days=1)).isoformat()

    result = relance(store, "receivable", "show", row["invoice_number"], "--as-of", before)

    assert result.exit_code == 3
    assert result.stderr.startswith("error:")
    assert "as of" in result.stderr
    assert result.stdout == ""


def test_a_malformed_as_of_is_a_usage_error(store: Path, receivables: list[dict[str, Any]]) -> None:
    result = relance(store, "receivable", "show", receivables[0]["invoice_number"], "--as-of", "31/12/2026")

    assert result.exit_code == 2
    assert "--as-of" in result.stderr


def test_an_unknown_receivable_is_not_found_without_a_traceback(store: Path) -> None:
    result = relance(store, "receivable", "show", "FA-1999-9999")

    assert result.exit_code == 3
    assert result.stderr.startswith("error:")
    assert "Traceback" not in result.output
    assert isinstance(result.exception, SystemExit)


# -------------------------------------------------------- receivable journal


def test_the_journal_as_json_gives_records_whose_hashes_recompute_and_link(
    store: Path, receivables: list[dict[str, Any]]
) -> None:
    longest = max(receivables, key=lambda row: row["version"])

    records = as_json(relance(store, "receivable", "journal", longest["invoice_number"], "--json"))

    assert [r["version"] for r in records] == list(range(1, longest["version"] + 1))
    assert all(r["hash"] == canonical_hash(r) for r in records)
    assert [r["previous_hash"] for r in records] == [GENESIS] + [r["hash"] for r in records[:-1]]
    assert records[-1]["hash"] == longest["head"]
    assert all(r["aggregate_id"] == longest["id"] for r in records)


def test_the_journal_in_text_names_each_event_and_its_hash(store: Path, receivables: list[dict[str, Any]]) -> None:
    row = receivables[0]

    result = relance(store, "receivable", "journal", row["id"])

    assert result.exit_code == 0
    assert "InvoiceIssued" in result.stdout
    assert row["head"] in result.stdout


# ---------------------------------------------------------------- debtors


def test_debtor_list_and_show(store: Path, receivables: list[dict[str, Any]]) -> None:
    debtors = as_json(relance(store, "debtor", "list", "--json"))
    text = relance(store, "debtor", "list")
    debtor_id = receivables[0]["debtor_id"]

    shown = as_json(relance(store, "debtor", "show", debtor_id, "--json"))

    assert {d["kind"] for d in debtors} == {"professional", "consumer"}
    assert f"{len(debtors)} debtor(s)" in text.stdout
    assert shown["id"] == debtor_id
    assert shown["legal_name"] in text.stdout
    assert shown == next(d for d in debtors if d["id"] == debtor_id)


def test_an_unknown_debtor_is_not_found(store: Path) -> None:
    result = relance(store, "debtor", "show", "00000000-0000-4000-8000-000000000000")

    assert result.exit_code == 3
    assert result.stderr.startswith("error:")


# ----------------------------------------------------------------- ledger


def test_ledger_verify_exits_0_and_prints_the_counts(store: Path, receivables: list[dict[str, Any]]) -> None:
    debtors = as_json(relance(store, "debtor", "list", "--json"))
    events = sum(row["version"] for row in receivables) + sum(d["version"] for d in debtors)

    result = relance(store, "ledger", "verify")
    report = as_json(relance(store, "ledger", "verify", "--json"))

    assert result.exit_code == 0
    assert f"checked {len(receivables) + len(debtors)} aggregate(s), {events} event(s)" in result.stdout
    assert report == {"ok": True, "aggregates": len(receivables) + len(debtors), "events": events, "breaks": []}


# ----------------------------------------------------------- configuration


def test_an_unknown_time_zone_is_a_configuration_error(store: Path) -> None:
    result = relance(store, "receivable", "list", env={"RELANCE_TIMEZONE": "Europe/Lyon"})

    assert result.exit_code == 2
    assert "RELANCE_TIMEZONE" in result.stderr
    assert "Europe/Lyon" in result.stderr
    assert "Traceback" not in result.output


# --------------------------------------------------------------- PostgreSQL


@pytest.mark.postgres
def test_the_demo_loads_and_verifies_on_postgresql(tmp_path: Path, fresh_postgres_database: str) -> None:
    env = {"RELANCE_DATABASE_URL": fresh_postgres_database}

    demo = relance(tmp_path, "demo", env=env)
    refused = relance(tmp_path, "demo", env=env)
    verify = relance(tmp_path, "ledger", "verify", env=env)
    rows = as_json(relance(tmp_path, "receivable", "list", "--json", env=env))

    assert demo.exit_code == 0, demo.output
    assert refused.exit_code == 1
    assert verify.exit_code == 0, verify.output
    assert "every chain verifies" in verify.stdout
    assert f"{len(rows)} receivables" in demo.stdout
    assert not (tmp_path / "ledger.sqlite").exists()


def test_a_crash_of_the_cli_never_prints_the_values_of_local_variables() -> None:
    assert app.pretty_exceptions_show_locals is False
