"""The command line as a new user, an accountant or a credit manager meets it (issue 15, items 4, 6–9):
the demo's first dry run, lookups by what people know, one French format, lists and reports with names."""

from __future__ import annotations

import csv
import io
import json
import re
import unicodedata
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from uuid import uuid4

import pytest
from typer.testing import Result

from api.bootstrap import build_dunning
from api.demo import sample_firm
from application.commands import AddContact, AssignPolicy, EraseDebtor, IssueInvoice, RegisterDebtor
from application.correspondence import Firm
from domain.debtor import Address
from domain.vocabulary import ContactRole, DebtorKind
from infrastructure.documents import DocumentStore
from infrastructure.settings import Settings
from infrastructure.sql import open_database
from infrastructure.stores import build_ledger
from tests.e2e.test_cli import as_json, relance
from tests.e2e.test_cli_dunning import always_open_policy
from tests.samples.files import HERE, Entry, camt053

NBSP, NNBSP = "\u00a0", "\u202f"


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    data_dir = tmp_path_factory.mktemp("demo")
    result = relance(data_dir, "demo")
    assert result.exit_code == 0, result.output
    return data_dir


@pytest.fixture(scope="module")
def receivables(store: Path) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = as_json(relance(store, "receivable", "list", "--json"))
    return rows


@pytest.fixture(scope="module")
def debtors(store: Path) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = as_json(relance(store, "debtor", "list", "--json"))
    return rows


def lines_of(result: Result) -> list[str]:
    assert result.exit_code == 0, result.output
    return result.stdout.splitlines()


# ------------------------------------------------------- item 4: the demo's first run


def test_the_first_dry_run_after_the_demo_proposes_letters_from_a_sample_firm_on_fresh_bank_data(
    tmp_path: Path,
) -> None:
    assert relance(tmp_path, "demo").exit_code == 0

    report = as_json(relance(tmp_path, "dunning", "run", "--dry-run", "--json"))
    text = relance(tmp_path, "dunning", "run", "--dry-run")

    assert proposed_letters(report), report
    assert {item["status"] for item in report["sent"]} <= {"would_send"}
    assert not {r["rule"] for r in report["refused"]} & {"bank_data_stale", "firm_not_configured"}
    assert report["bank_data"].startswith("latest bank statement of ")
    names = {d["id"]: d["legal_name"] for d in as_json(relance(tmp_path, "debtor", "list", "--json"))}
    for item in report["sent"]:
        assert f"{names[item['debtor_id']]}: {', '.join(item['invoice_numbers'])}" in text.stdout


def proposed_letters(report: dict[str, Any]) -> list[list[str]]:
    """The letters the run would send; on a Sunday no letter is dated (decision 0069): they are the letters
    refused for that reason only, each naming its invoices."""
    if report["sent"]:
        return [item["invoice_numbers"] for item in report["sent"]]
    if date.fromisoformat(report["run_date"]).weekday() == 6:
        return [r["invoice_numbers"] for r in report["refused"] if r["rule"] == "guardrail_letter_on_sunday"]
    return []


def test_the_first_dry_run_after_the_demo_proposes_letters_on_postgresql_too(
    tmp_path: Path, fresh_postgres_database: str
) -> None:
    env = {"RELANCE_DATABASE_URL": fresh_postgres_database}
    assert relance(tmp_path, "demo", env=env).exit_code == 0

    report = as_json(relance(tmp_path, "dunning", "run", "--dry-run", "--json", env=env))

    assert proposed_letters(report), report
    assert not {r["rule"] for r in report["refused"]} & {"bank_data_stale", "firm_not_configured"}


def test_the_demo_firm_signs_as_a_sample_only_on_the_demo_and_only_while_no_firm_is_configured(
    tmp_path: Path,
) -> None:
    assert relance(tmp_path / "demo", "demo").exit_code == 0
    other, _ = a_firm_store(tmp_path)

    demo = firm_of(tmp_path / "demo")
    configured = firm_of(tmp_path / "demo", firm_name="Atelier Dupont SARL")

    assert demo == sample_firm()
    assert "exemple fictif" in demo.name and demo.iban is None and demo.email.endswith(".example")
    assert configured is not None and configured.name == "Atelier Dupont SARL"
    assert firm_of(other) is None


def firm_of(data_dir: Path, **settings: Any) -> Firm | None:
    configured = Settings(data_dir=data_dir, database_url=None, **settings)
    ledger = build_ledger(configured)
    database = open_database(configured)
    try:
        return build_dunning(configured, ledger, database, DocumentStore(database)).ports.firm
    finally:
        database.close()
        ledger.close()


def test_every_refusal_of_a_run_names_the_debtor_and_the_invoices_it_holds_back(store: Path) -> None:
    stale = {"RELANCE_BANK_STATEMENT_MAX_AGE_DAYS": "0"}  # the demo's statement is of the last working day
    report = as_json(relance(store, "dunning", "run", "--dry-run", "--json", env=stale))
    text = relance(store, "dunning", "run", "--dry-run", env=stale)
    numbers = {row["id"]: row["invoice_number"] for row in as_json(relance(store, "receivable", "list", "--json"))}

    assert report["refused"] and {r["rule"] for r in report["refused"]} == {"bank_data_stale"}
    for refusal in report["refused"]:
        assert refusal["debtor_name"]
        assert refusal["invoice_numbers"] == [numbers[i] for i in refusal["receivable_ids"]]
        assert f"{refusal['debtor_name']}: {', '.join(refusal['invoice_numbers'])}" in text.stdout
    assert text.stdout.count(report["bank_data"]) == 1  # said once, not on every refusal


def a_firm_store(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    """Not the demo: one debtor on an always-open policy, one invoice ten days overdue, no firm configured."""
    policies = tmp_path / "policies"
    policies.mkdir()
    (policies / "always.toml").write_text(always_open_policy(), encoding="utf-8")
    data_dir = tmp_path / "data"
    ledger = build_ledger(Settings(data_dir=data_dir, database_url=None, timezone="Europe/Paris"))
    try:
        due = ledger.now().today - timedelta(days=10)
        debtor = uuid4()
        address = Address(["4 rue des Tanneurs"], "69002", "Lyon", "FR")
        ledger.execute(
            RegisterDebtor(debtor, "Menuiserie Martin SARL", DebtorKind.PROFESSIONAL, address, "732829320"), actor="t"
        )
        ledger.execute(
            AddContact(debtor, uuid4(), ContactRole.ACCOUNTS_PAYABLE, "Paul Martin", "compta@martin.example", "0472"),
            actor="t",
        )
        ledger.execute(AssignPolicy(debtor, "always"), actor="t")
        ledger.execute(
            IssueInvoice("F-CLI-0001", debtor, due - timedelta(days=30), due, Decimal("1000.00"), Decimal("200.00"),
                         Decimal("1200.00"), "Escalier"),
            actor="t",
        )  # fmt: skip
    finally:
        ledger.close()
    return data_dir, {"RELANCE_POLICY_DIR": str(policies)}


def test_a_store_that_is_not_the_demo_gets_no_sample_firm_and_the_refusal_names_the_file(tmp_path: Path) -> None:
    data_dir, env = a_firm_store(tmp_path)

    report = as_json(relance(data_dir, "dunning", "run", "--dry-run", "--force", "--json", env=env))

    assert [(r["rule"], r["debtor_name"], r["invoice_numbers"]) for r in report["refused"]] == [
        ("firm_not_configured", "Menuiserie Martin SARL", ["F-CLI-0001"])
    ]
    assert report["sent"] == []


# ------------------------------------------------ item 6: what people type, named back


def test_an_unknown_invoice_number_is_named_as_typed_not_as_an_id(store: Path) -> None:
    for command in (["receivable", "show"], ["receivable", "claim"], ["receivable", "journal"]):
        result = relance(store, *command, "FA-2099-0404")

        assert result.exit_code == 3, (command, result.output)
        assert result.stderr == "error: no receivable with invoice number 'FA-2099-0404'\n"


def test_debtor_accepts_a_siren_a_siret_or_an_unambiguous_part_of_the_name(
    store: Path, debtors: list[dict[str, Any]]
) -> None:
    company = next(d for d in debtors if d["siren"] and d["siret"] and len(d["legal_name"]) > 25)
    by_id = as_json(relance(store, "receivable", "list", "--debtor", company["id"], "--json"))
    folded = company["legal_name"].split()[1].lower()  # one word of the name, in lower case

    assert by_id
    for reference in (company["siren"], company["siret"], company["legal_name"], folded):
        assert as_json(relance(store, "receivable", "list", "--debtor", reference, "--json")) == by_id, reference
    assert as_json(relance(store, "debtor", "show", company["siren"], "--json"))["id"] == company["id"]


def test_names_are_compared_without_case_or_accents(store: Path, debtors: list[dict[str, Any]]) -> None:
    accented = next(d for d in debtors if not d["legal_name"].isascii())
    decomposed = unicodedata.normalize("NFKD", accented["legal_name"])
    typed = "".join(c for c in decomposed if not unicodedata.combining(c)).upper()  # "BATIMENTS RHONE ..."

    shown = as_json(relance(store, "debtor", "show", typed, "--json"))

    assert typed.isascii()
    assert shown["id"] == accented["id"]


def test_an_ambiguous_name_lists_the_debtors_it_could_be_and_records_nothing(
    store: Path, debtors: list[dict[str, Any]]
) -> None:
    sarl = sorted(d["legal_name"] for d in debtors if d["legal_name"].startswith("SARL"))

    result = relance(store, "receivable", "list", "--debtor", "sarl")

    assert len(sarl) > 1
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.startswith(f"error: --debtor: 'sarl' names {len(sarl)} debtors: ")
    assert all(name in result.stderr for name in sarl)


def test_an_unknown_debtor_reference_is_named_as_typed(store: Path) -> None:
    by_name = relance(store, "receivable", "list", "--debtor", "Nobody SA")
    by_siren = relance(store, "debtor", "show", "123456789")

    assert (by_name.exit_code, by_siren.exit_code) == (3, 3)
    assert "no debtor named 'Nobody SA'" in by_name.stderr
    assert "no debtor with SIREN 123456789" in by_siren.stderr


# ------------------------------------------------------------- item 7: one format


def test_debtor_show_prints_text_by_default_and_json_only_when_asked(
    store: Path, debtors: list[dict[str, Any]]
) -> None:
    limited = next(d for d in debtors if d["credit_limit"])

    text = relance(store, "debtor", "show", limited["id"])

    assert text.exit_code == 0, text.output
    assert not text.stdout.lstrip().startswith("{")
    assert text.stdout.startswith(f"{limited['legal_name']}  ({limited['id']})\n")
    amount = Decimal(limited["credit_limit"]["amount"])
    assert f"limit {amount:,.2f}".replace(",", NNBSP).replace(".", ",") + f"{NBSP}€" in text.stdout


def test_receivable_show_gives_french_amounts_and_dates(store: Path, receivables: list[dict[str, Any]]) -> None:
    row = max(receivables, key=lambda r: Decimal(r["amount_incl_vat"]))

    text = relance(store, "receivable", "show", row["invoice_number"])

    due = row["due_date"]
    assert f"due {due[8:10]}/{due[5:7]}/{due[:4]}" in text.stdout
    whole, cents = row["amount_incl_vat"].split(".")
    assert f"Amount      {int(whole):,}".replace(",", NNBSP) + f",{cents}{NBSP}€ incl. VAT" in text.stdout
    assert " EUR" not in text.stdout


# --------------------------------------------------------- item 8: receivable list


def test_receivable_list_shows_no_days_late_on_settled_invoices(store: Path, receivables: list[dict[str, Any]]) -> None:
    lines = {line.split()[0]: line for line in lines_of(relance(store, "receivable", "list"))[1:-1]}
    settled = [r for r in receivables if r["status"] == "settled" and r["days_past_due"] > 0]
    late = [r for r in receivables if r["status"] == "open" and r["days_past_due"] > 0]

    assert settled and late
    for row in settled:
        assert lines[row["invoice_number"]].endswith("€"), lines[row["invoice_number"]]
    for row in late:
        assert lines[row["invoice_number"]].endswith(f"€{row['days_past_due']:>11}")


def test_receivable_list_prints_names_whole(store: Path, debtors: list[dict[str, Any]]) -> None:
    text = relance(store, "receivable", "list")
    longest = max((d["legal_name"] for d in debtors), key=len)

    assert len(longest) > 25
    assert longest in text.stdout


def test_receivable_list_overdue_keeps_only_what_is_past_due_and_still_owed(
    store: Path, receivables: list[dict[str, Any]]
) -> None:
    expected = {
        r["invoice_number"]
        for r in receivables
        if r["status"] not in ("settled", "written_off") and Decimal(r["outstanding"]) > 0 and r["days_past_due"] > 0
    }

    overdue = as_json(relance(store, "receivable", "list", "--overdue", "--json"))

    assert expected and len(expected) < len(receivables)
    assert {r["invoice_number"] for r in overdue} == expected


def test_receivable_list_ends_with_the_count_and_the_totals_of_what_it_lists(
    store: Path, receivables: list[dict[str, Any]]
) -> None:
    last = lines_of(relance(store, "receivable", "list", "--status", "open"))[-1]
    rows = [r for r in receivables if r["status"] == "open"]
    amount = sum(Decimal(r["amount_incl_vat"]) for r in rows)
    outstanding = sum(Decimal(r["outstanding"]) for r in rows)

    def shown(value: Decimal) -> str:
        return f"{value:,.2f}".replace(",", NNBSP).replace(".", ",") + f"{NBSP}€"

    assert last == f"{len(rows)} receivable(s); total {shown(amount)}, outstanding {shown(outstanding)}"


# ----------------------------------------------- item 9: worklist and aged balance


def test_the_worklist_names_the_debtor_of_every_action(store: Path, debtors: list[dict[str, Any]]) -> None:
    names = {d["id"]: d["legal_name"] for d in debtors}
    today = as_json(relance(store, "worklist", "--json"))["date"]
    found = 0
    for back in range(7):  # calls wait for a working day: a week holds some
        day = (date.fromisoformat(today) - timedelta(days=back)).isoformat()
        items = as_json(relance(store, "worklist", "--date", day, "--json"))["items"]
        text = lines_of(relance(store, "worklist", "--date", day))
        for item, line in zip(items, text[1:], strict=True):
            assert item["debtor_name"] == names[item["debtor_id"]]
            assert names[item["debtor_id"]] in line and item["invoice_number"] in line
            assert "EUR" not in line and line.count("€") == 1
        found += len(items)
    assert found


def test_the_aged_balance_by_debtor_names_each_debtor_in_the_terminal_and_in_its_csv(
    store: Path, debtors: list[dict[str, Any]]
) -> None:
    names = {d["id"]: d["legal_name"] for d in debtors}
    text = lines_of(relance(store, "report", "aged-balance", "--by-debtor"))
    rows = list(csv.DictReader(io.StringIO(relance(store, "report", "aged-balance", "--by-debtor", "--csv").stdout)))

    debtor_rows = [row for row in rows if row["line"] == "debtor"]
    assert debtor_rows
    assert all(row["debtor_name"] == names[row["debtor_id"]] for row in debtor_rows)
    for row, line in zip(debtor_rows, text[2:-1], strict=True):
        assert line.startswith(row["debtor_name"])
        assert row["debtor_id"] not in line
    assert text[-1].startswith("TOTAL")


def test_the_aged_balance_for_a_french_spreadsheet_uses_semicolons_decimal_commas_and_a_bom(store: Path) -> None:
    plain = list(csv.reader(io.StringIO(relance(store, "report", "aged-balance", "--by-debtor", "--csv").stdout)))
    excel = relance(store, "report", "aged-balance", "--by-debtor", "--excel")

    assert excel.exit_code == 0, excel.output
    assert excel.stdout_bytes.startswith("\ufeff".encode())
    french = list(csv.reader(io.StringIO(excel.stdout.removeprefix("\ufeff")), delimiter=";"))
    assert french[0] == plain[0]
    assert len(french) == len(plain)
    for ours, theirs in zip(french[1:], plain[1:], strict=True):
        as_of = theirs[0]
        assert ours[0] == f"{as_of[8:10]}/{as_of[5:7]}/{as_of[:4]}"
        assert ours[1:6] == theirs[1:6]  # basis, currency, line, id, name unchanged
        assert ours[6:12] == [amount.replace(".", ",") for amount in theirs[6:12]]
        assert ours[12] == theirs[12]


def test_the_aged_balance_as_json_names_each_debtor(store: Path) -> None:
    rows = json.loads(relance(store, "report", "aged-balance", "--by-debtor", "--json").stdout)

    assert all(row["debtor_name"] for row in rows if row["line"] == "debtor")
    assert [row["debtor_name"] for row in rows if row["line"] == "total"] == [None]


def test_import_lines_in_text_say_no_none_and_give_french_amounts_and_dates(tmp_path: Path) -> None:
    statement = tmp_path / "releve.xml"
    statement.write_bytes(camt053([Entry("1200.00", "BQ-1", "FA-2026-0101"), Entry("1234.50", "BQ-2", "?")]))

    invoices = relance(tmp_path, "import", "invoices", str(HERE / "invoices_fr.csv"))
    payments = relance(tmp_path, "import", "payments", str(statement))
    unmatched = relance(tmp_path, "import", "unmatched")

    assert invoices.exit_code == 0, invoices.output
    assert "None" not in invoices.stdout
    assert "(receivable " in invoices.stdout
    assert f"-> FA-2026-0101 1{NNBSP}200,00{NBSP}€" in payments.stdout
    assert f"1{NNBSP}234,50{NBSP}€" in unmatched.stdout
    assert re.search(r"  \d\d/\d\d/\d{4}  ", unmatched.stdout)


def test_receivable_show_says_no_days_late_on_a_settled_invoice(store: Path, receivables: list[dict[str, Any]]) -> None:
    settled = next(r for r in receivables if r["status"] == "settled" and r["days_past_due"] > 0)
    late = next(r for r in receivables if r["status"] == "open" and r["days_past_due"] > 0)

    settled_text = relance(store, "receivable", "show", settled["invoice_number"]).stdout
    late_text = relance(store, "receivable", "show", late["invoice_number"]).stdout

    assert "past due" not in settled_text
    assert f"{late['days_past_due']} day(s) past due" in late_text


def test_an_erased_person_is_shown_as_erased_in_lists_and_reports_and_cannot_be_named(tmp_path: Path) -> None:
    ledger = build_ledger(Settings(data_dir=tmp_path, database_url=None, timezone="Europe/Paris"))
    try:
        due = ledger.now().today - timedelta(days=20)
        person = uuid4()
        address = Address(["9 allée des Tilleuls"], "69130", "Écully", "FR")
        ledger.execute(RegisterDebtor(person, "Jeanne Martin", DebtorKind.CONSUMER, address), actor="t")
        ledger.execute(
            IssueInvoice("F-ERASED-1", person, due - timedelta(days=30), due, Decimal("100.00"), Decimal("20.00"),
                         Decimal("120.00"), "Fenêtre"),
            actor="t",
        )  # fmt: skip
        ledger.execute(EraseDebtor(person, reason="RGPD article 17", force=True), actor="t")
    finally:
        ledger.close()

    listed = relance(tmp_path, "receivable", "list")
    aged = relance(tmp_path, "report", "aged-balance", "--by-debtor")
    by_name = relance(tmp_path, "receivable", "list", "--debtor", "Jeanne Martin")
    by_id = relance(tmp_path, "receivable", "list", "--debtor", str(person), "--json")

    assert "F-ERASED-1  [effacé]  " in listed.stdout and "Jeanne" not in listed.stdout
    assert aged.exit_code == 0, aged.output
    assert aged.stdout.splitlines()[2].startswith("[effacé]") and "Jeanne" not in aged.stdout
    assert by_name.exit_code == 3
    assert [row["invoice_number"] for row in as_json(by_id)] == ["F-ERASED-1"]


def test_audit_and_export_accept_a_debtor_by_siren_too(
    store: Path, debtors: list[dict[str, Any]], tmp_path: Path
) -> None:
    company = next(d for d in debtors if d["siren"])

    by_id = as_json(relance(store, "audit", "--debtor", company["id"], "--json"))
    by_siren = as_json(relance(store, "audit", "--debtor", company["siren"], "--json"))
    exported = relance(store, "export", "--debtor", company["siren"], "-o", str(tmp_path / "d.zip"))

    assert by_id and by_siren == by_id
    assert exported.exit_code == 0, exported.output
    assert (tmp_path / "d.zip").stat().st_size > 0


def test_the_excel_csv_quotes_text_a_spreadsheet_would_run_as_a_formula(tmp_path: Path) -> None:
    data_dir, _ = a_firm_store(tmp_path)
    ledger = build_ledger(Settings(data_dir=data_dir, database_url=None, timezone="Europe/Paris"))
    try:
        debtor = next(iter(ledger.debtor_ids()))
        ledger.execute(AssignPolicy(debtor, "default"), actor='=HYPERLINK("http://x.example")')
    finally:
        ledger.close()

    excel = relance(data_dir, "audit", "--excel")

    rows = list(csv.reader(io.StringIO(excel.stdout.removeprefix("\ufeff")), delimiter=";"))
    actors = [row[rows[0].index("actor")] for row in rows[1:]]
    assert '\'=HYPERLINK("http://x.example")' in actors
    assert not any(cell.startswith("=") for row in rows for cell in row)
