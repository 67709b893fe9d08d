"""`relance privacy erase DEBTOR --reason … [--force] [--yes]` on the embedded store (SQLite): a settled
consumer is erased through the pipeline (its name then reads [effacé], its keys are gone); a claim still
pursued refuses it (exit 1, nothing recorded) unless forced; a company is never erased; an unknown debtor is
exit 3; without --yes it asks at a terminal and, with no terminal to ask, refuses (exit 2)."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from uuid import UUID, uuid4

import pytest
from typer.testing import CliRunner, Result

from api import cli_privacy
from api.cli import app
from application.commands import AddContact
from domain.vocabulary import ContactRole, DebtorKind
from tests.e2e.test_cli_privacy_retention import invoice, ledger_on, person


def relance(data_dir: Path, *args: str, answer: str | None = None) -> Result:
    env = {"RELANCE_DATA_DIR": str(data_dir), "RELANCE_DATABASE_URL": "", "RELANCE_TIMEZONE": "Europe/Paris",
           "LOGNAME": "claire"}  # fmt: skip
    return CliRunner().invoke(app, list(args), env=env, input=answer)


@pytest.fixture
def people(tmp_path: Path) -> dict[str, UUID]:
    """A consumer who paid last month, one who still owes FC-OPEN-1, and a company."""
    ledger = ledger_on(tmp_path)
    try:
        today = ledger.now().today
        found = {
            "settled": person(ledger, "Paul Girard"),
            "owing": person(ledger, "Hugo Lambert"),
            "company": person(ledger, "Menuiserie Martin SARL", DebtorKind.PROFESSIONAL, "732829320"),
        }
        invoice(ledger, found["settled"], "FC-PAID-1", today - timedelta(days=60), today - timedelta(days=30))
        invoice(ledger, found["owing"], "FC-OPEN-1", today - timedelta(days=60))
    finally:
        ledger.close()
    return found


def journal_types(data_dir: Path, debtor_id: UUID) -> list[str]:
    ledger = ledger_on(data_dir)
    try:
        return [e.record["type"] for e in ledger.journal(debtor_id)]
    finally:
        ledger.close()


def test_a_settled_consumer_is_erased_by_name_and_then_reads_erased(tmp_path: Path, people: dict[str, UUID]) -> None:
    result = relance(tmp_path, "privacy", "erase", "paul girard", "--reason", "Demande RGPD du 3 mars", "--yes")

    assert result.exit_code == 0, result.output
    assert result.output.strip() == (
        f"données personnelles effacées / personal data erased: {people['settled']}; clés détruites / keys destroyed"
    )
    shown = relance(tmp_path, "debtor", "show", str(people["settled"]))
    assert shown.exit_code == 0 and "[effacé]" in shown.output and "Paul Girard" not in shown.output
    ledger = ledger_on(tmp_path)
    try:
        [record] = [e.record for e in ledger.journal(people["settled"]) if e.record["type"] == "DebtorErased"]
        assert ledger.sealer is not None and people["settled"] not in ledger.sealer.owners()  # its keys destroyed
    finally:
        ledger.close()
    assert record["actor"] == "cli:claire" and record["data"] == {"reason": "Demande RGPD du 3 mars"}


def test_a_claim_still_pursued_refuses_the_erasure_and_records_nothing(tmp_path: Path, people: dict[str, UUID]) -> None:
    before = journal_types(tmp_path, people["owing"])

    result = relance(tmp_path, "privacy", "erase", str(people["owing"]), "--reason", "Demande RGPD", "--yes")

    assert result.exit_code == 1, result.output
    assert "FC-OPEN-1 (open)" in result.output and "[erasure_claim_pursued]" in result.output
    assert journal_types(tmp_path, people["owing"]) == before
    assert "Hugo Lambert" in relance(tmp_path, "debtor", "show", str(people["owing"])).output


def test_a_forced_erasure_records_what_was_pursued(tmp_path: Path, people: dict[str, UUID]) -> None:
    result = relance(tmp_path, "privacy", "erase", "Hugo Lambert", "--reason", "Créance abandonnée", "--force",
                     "--yes", "--json")  # fmt: skip

    assert result.exit_code == 0, result.output
    answer = json.loads(result.output)
    assert answer == {"debtor_id": str(people["owing"]), "erased": True, "forced": True, "keys_destroyed": True,
                      "pursued": ["FC-OPEN-1"], "version": answer["version"]}  # fmt: skip
    assert journal_types(tmp_path, people["owing"])[-1] == "DebtorErased"


def test_a_company_is_refused(tmp_path: Path, people: dict[str, UUID]) -> None:
    result = relance(tmp_path, "privacy", "erase", "732829320", "--reason", "Demande", "--force", "--yes")

    assert result.exit_code == 1, result.output
    assert "[erase_natural_persons_only]" in result.output
    assert journal_types(tmp_path, people["company"]) == ["DebtorRegistered"]


def test_an_unknown_debtor_is_exit_3(tmp_path: Path, people: dict[str, UUID]) -> None:
    result = relance(tmp_path, "privacy", "erase", "Personne Inconnue", "--reason", "Demande", "--yes")

    assert result.exit_code == 3, result.output
    assert "no debtor named 'Personne Inconnue'" in result.output


def test_without_yes_and_without_a_terminal_nothing_is_erased_and_the_exit_is_2(
    tmp_path: Path, people: dict[str, UUID]
) -> None:
    result = relance(tmp_path, "privacy", "erase", str(people["settled"]), "--reason", "Demande RGPD")

    assert result.exit_code == 2, result.output
    assert "--yes" in result.output and "définitif" in result.output
    assert journal_types(tmp_path, people["settled"])[-1] != "DebtorErased"


def test_at_a_terminal_it_asks_and_only_o_erases(
    tmp_path: Path, people: dict[str, UUID], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(cli_privacy, "interactive", lambda: True)

    declined = relance(tmp_path, "privacy", "erase", "Paul Girard", "--reason", "Demande RGPD", answer="\n")
    confirmed = relance(tmp_path, "privacy", "erase", "Paul Girard", "--reason", "Demande RGPD", answer="o\n")

    assert declined.exit_code == 1 and "rien n'est effacé" in declined.output
    assert f"Effacer définitivement les données personnelles de « Paul Girard » ({people['settled']}) ? [o/N]" in (
        declined.output
    )
    assert confirmed.exit_code == 0, confirmed.output
    assert journal_types(tmp_path, people["settled"]).count("DebtorErased") == 1


def test_one_contact_of_a_company_is_erased_alone_with_contact(tmp_path: Path, people: dict[str, UUID]) -> None:
    ledger = ledger_on(tmp_path)
    try:
        clerk = uuid4()
        ledger.execute(AddContact(people["company"], clerk, ContactRole.ACCOUNTS_PAYABLE, "Léa Morin",
                                  "lea@martin.fr"), actor="t")  # fmt: skip
    finally:
        ledger.close()

    result = relance(tmp_path, "privacy", "erase", "732829320", "--contact", str(clerk), "--reason", "Demande RGPD",
                     "--yes")  # fmt: skip
    bad = relance(tmp_path, "privacy", "erase", "732829320", "--contact", "nope", "--reason", "x", "--yes")

    assert result.exit_code == 0, result.output
    assert f"contact's personal data erased: {clerk}" in result.output
    assert journal_types(tmp_path, people["company"])[-1] == "ContactErased"
    shown = relance(tmp_path, "debtor", "show", "732829320")
    assert "Menuiserie Martin SARL" in shown.output and "Léa Morin" not in shown.output
    assert bad.exit_code == 2
