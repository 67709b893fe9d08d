"""`relance dunning run`, `relance worklist` and `relance policy` on the embedded store, with the real clock.

The firm's own policy (RELANCE_POLICY_DIR) works every day at every hour, so that what the
tests expect does not depend on the time of day they run at.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from uuid import uuid4

import pytest

from application.commands import AddContact, AssignPolicy, AttachDocument, IssueInvoice, RegisterDebtor
from domain.debtor import Address
from domain.vocabulary import ContactRole, DebtorKind, DocumentKind
from infrastructure.policy_files import shipped_policy_files
from infrastructure.settings import Settings
from infrastructure.stores import build_ledger
from tests.e2e.test_cli import as_json, relance
from tests.support.documents import document_store
from tests.support.smtp_server import Inbox, smtp_server

ACTOR = "tests"


def always_open_policy() -> str:
    text = next(f for f in shipped_policy_files() if f.name == "default.toml").read_text(encoding="utf-8")
    text = text.replace('id = "default"', 'id = "always"', 1)
    text = text.replace('working_hours = ["09:00", "18:00"]', 'working_hours = ["00:00", "23:59"]', 1)
    return text.replace(
        'working_days = ["monday", "tuesday", "wednesday", "thursday", "friday"]',
        'working_days = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]',
        1,
    )


@pytest.fixture
def firm(tmp_path: Path) -> Iterator[tuple[Path, dict[str, str], Inbox]]:
    """A store with one debtor on the firm's "always" policy: one invoice 10 days overdue, one due yesterday."""
    policies = tmp_path / "policies"
    policies.mkdir()
    (policies / "always.toml").write_text(always_open_policy(), encoding="utf-8")
    data_dir = tmp_path / "data"
    settings = Settings(data_dir=data_dir, database_url=None, timezone="Europe/Paris")
    ledger = build_ledger(settings)
    documents = document_store(settings)
    try:
        today = ledger.now().today
        debtor = uuid4()
        address = Address(["4 rue des Tanneurs"], "69002", "Lyon", "FR")
        ledger.execute(
            RegisterDebtor(debtor, "Menuiserie Martin SARL", DebtorKind.PROFESSIONAL, address, "732829320"), actor=ACTOR
        )
        ledger.execute(
            AddContact(debtor, uuid4(), ContactRole.ACCOUNTS_PAYABLE, "Paul Martin", "compta@martin.example", "0472"),
            actor=ACTOR,
        )
        ledger.execute(AssignPolicy(debtor, "always"), actor=ACTOR)
        for number, overdue in (("F-CLI-0001", 10), ("F-CLI-0002", 1)):
            due = today - timedelta(days=overdue)
            receivable = ledger.execute(
                IssueInvoice(number, debtor, due - timedelta(days=30), due, Decimal("1000.00"), Decimal("200.00"),
                             Decimal("1200.00"), "Escalier"),
                actor=ACTOR,
            ).aggregate_id  # fmt: skip
            pdf = b"%PDF-1.4\n% facture " + number.encode() + b"\n%%EOF\n"
            sha = documents.put(pdf, "application/pdf", actor=ACTOR)[0].sha256
            ledger.execute(AttachDocument(receivable, DocumentKind.INVOICE, sha, "application/pdf"), actor=ACTOR)
    finally:
        ledger.close()
    with smtp_server() as (inbox, port):
        env = {
            "RELANCE_POLICY_DIR": str(policies), "RELANCE_FIRM_NAME": "Atelier Dupont SARL",
            "RELANCE_FIRM_EMAIL": "relances@dupont.example", "RELANCE_SMTP_HOST": "127.0.0.1",
            "RELANCE_SMTP_PORT": str(port),
        }  # fmt: skip
        yield data_dir, env, inbox


def test_a_dry_run_reports_what_would_go_and_sends_nothing(firm: tuple[Path, dict[str, str], Inbox]) -> None:
    data_dir, env, inbox = firm
    result = relance(data_dir, "dunning", "run", "--dry-run", "--force", env=env)
    assert result.exit_code == 0, result.output
    assert "dry run" in result.output and "would_send" in result.output and "F-CLI-0001" in result.output
    assert inbox.received == []


def test_the_run_sends_once_and_the_second_run_of_the_day_sends_nothing(
    firm: tuple[Path, dict[str, str], Inbox],
) -> None:
    data_dir, env, inbox = firm
    report = as_json(relance(data_dir, "dunning", "run", "--force", "--json", env=env))
    assert [(s["kind"], s["channel"]) for s in report["sent"]] == [("first_reminder", "email")]
    assert report["summary"]["events_recorded"] >= 1 and len(inbox.received) == 1
    again = as_json(relance(data_dir, "dunning", "run", "--force", "--json", env=env))
    assert again["sent"] == [] and len(inbox.received) == 1
    journal = relance(data_dir, "receivable", "journal", "F-CLI-0001", env=env)
    assert journal.exit_code == 0 and "ReminderSent" in journal.output


def test_without_bank_data_nothing_is_sent_and_the_reason_is_printed(firm: tuple[Path, dict[str, str], Inbox]) -> None:
    data_dir, env, inbox = firm
    result = relance(data_dir, "dunning", "run", env=env)
    assert result.exit_code == 0, result.output
    assert "bank_data_stale" in result.output and "no bank statement" in result.output and inbox.received == []


def test_a_run_in_the_future_or_on_a_malformed_date_is_refused(firm: tuple[Path, dict[str, str], Inbox]) -> None:
    data_dir, env, _ = firm
    future = relance(data_dir, "dunning", "run", "--date", "2999-01-01", env=env)
    assert future.exit_code != 0 and "future" in future.output
    malformed = relance(data_dir, "dunning", "run", "--date", "32/01/2026", env=env)
    assert malformed.exit_code == 2 and "dd/mm/yyyy or YYYY-MM-DD" in malformed.output


def test_the_worklist_shows_the_call_due_with_the_contact(firm: tuple[Path, dict[str, str], Inbox]) -> None:
    data_dir, env, _ = firm
    listed = as_json(relance(data_dir, "worklist", "--json", env=env))
    assert [(i["invoice_number"], i["action"]) for i in listed["items"]] == [("F-CLI-0002", "call")]
    text = relance(data_dir, "worklist", env=env)
    assert "F-CLI-0002" in text.output and "Paul Martin" in text.output


def test_policies_are_listed_shown_and_a_bad_file_is_refused_with_its_line(
    firm: tuple[Path, dict[str, str], Inbox], tmp_path: Path
) -> None:
    data_dir, env, _ = firm
    listed = as_json(relance(data_dir, "policy", "list", "--json", env=env))
    assert {p["id"] for p in listed} == {"always", "default", "light"}
    shown = relance(data_dir, "policy", "show", "light", env=env)
    assert shown.exit_code == 0 and 'id = "light"' in shown.output
    bad = tmp_path / "bad.toml"
    bad.write_text(always_open_policy().replace("min_spacing_days = 7", "min_spacing_days = -7", 1), encoding="utf-8")
    refused = relance(data_dir, "policy", "put", str(bad), env=env)
    assert refused.exit_code != 0 and "line" in refused.output and "min_spacing_days" in refused.output
    good = tmp_path / "always.toml"
    good.write_text(always_open_policy().replace("min_spacing_days = 7", "min_spacing_days = 10", 1), encoding="utf-8")
    stored = relance(data_dir, "policy", "put", str(good), env=env)
    assert stored.exit_code == 0 and "version 2" in stored.output
    assert_unknown = relance(data_dir, "policy", "show", "nope", env=env)
    assert assert_unknown.exit_code == 3


def test_a_policy_naming_sms_is_refused_alike_by_the_dry_run_and_the_real_run(
    firm: tuple[Path, dict[str, str], Inbox], tmp_path: Path
) -> None:
    data_dir, env, inbox = firm
    (tmp_path / "policies" / "always.toml").write_text(
        always_open_policy().replace('channels = ["email"]', 'channels = ["sms"]'), encoding="utf-8"
    )
    dry = as_json(relance(data_dir, "dunning", "run", "--dry-run", "--force", "--json", env=env))
    real = relance(data_dir, "dunning", "run", "--force", "--json", env=env)

    assert real.exit_code == 0, real.output
    for report in (dry, json.loads(real.stdout)):
        assert "sms_not_available" in {r["rule"] for r in report["refused"]}, report
        assert not [s for s in report["sent"] if s["channel"] == "sms"] and report["errors"] == []
    assert inbox.received == []


def test_each_document_of_a_run_is_named_with_how_to_get_it_and_comes_back_byte_for_byte(
    firm: tuple[Path, dict[str, str], Inbox], tmp_path: Path
) -> None:
    data_dir, env, inbox = firm
    text = relance(data_dir, "dunning", "run", "--force", env=env)
    assert text.exit_code == 0, text.output
    (sha,) = re.findall(r"document ([0-9a-f]{64}) \(relance documents get SHA256 -o FILE\)", text.output)

    written = relance(data_dir, "documents", "get", sha, "-o", str(tmp_path / "reminder.eml"), env=env)
    unknown = relance(data_dir, "documents", "get", "0" * 64, "-o", str(tmp_path / "none"), env=env)
    malformed = relance(data_dir, "documents", "get", "F-CLI-0001", "-o", str(tmp_path / "none"), env=env)

    assert written.exit_code == 0, written.output
    content = (tmp_path / "reminder.eml").read_bytes()
    assert hashlib.sha256(content).hexdigest() == sha and content == inbox.received[0][2]
    assert (unknown.exit_code, malformed.exit_code) == (3, 2)
    assert "no stored document" in unknown.output and not (tmp_path / "none").exists()
