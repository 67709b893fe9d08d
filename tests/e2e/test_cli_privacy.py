"""`relance privacy export`: the access request (GDPR art. 15) on the embedded store writes the ZIP and says
what it holds; an unknown debtor or a path that cannot be written is refused with a clear message."""

from __future__ import annotations

import io
import json
import zipfile
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from uuid import UUID, uuid4

import pytest
from typer.testing import CliRunner, Result

from api.bootstrap import DocumentStore, Settings, build_ledger, open_database
from api.cli import app
from application.commands import AddContact, IssueInvoice, RegisterDebtor, SendReminder
from domain.debtor import Address
from domain.vocabulary import ContactRole, DebtorKind, ReminderChannel, ReminderStage
from tests.e2e.conftest import PDF


def relance(data_dir: Path, *args: str) -> Result:
    env = {"RELANCE_DATA_DIR": str(data_dir), "RELANCE_DATABASE_URL": "", "RELANCE_TIMEZONE": "Europe/Paris"}
    return CliRunner().invoke(app, list(args), env=env)


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, UUID, str]:
    """A consumer with a contact, an invoice and a reminder letter kept in the document store."""
    data_dir = tmp_path_factory.mktemp("privacy")
    settings = Settings(data_dir=data_dir, database_url=None, timezone="Europe/Paris")
    database = open_database(settings)
    ledger = build_ledger(settings, database=database)
    try:
        letter, _ = DocumentStore(database).put(PDF, "application/pdf", actor="test")
        debtor_id = uuid4()
        today = ledger.now().today
        ledger.execute(
            RegisterDebtor(
                debtor_id,
                "Paul Girard",
                DebtorKind.CONSUMER,
                Address(["3 rue Sainte-Catherine"], "33000", "Bordeaux", "FR"),
            ),
            actor="test",
        )
        ledger.execute(
            AddContact(
                debtor_id,
                uuid4(),
                ContactRole.OTHER,
                "Paul Girard",
                email="paul.girard@example.fr",
                phone="+33 6 98 76 54 32",
            ),
            actor="test",
        )
        receivable = ledger.execute(
            IssueInvoice(
                "FC-CLI-001",
                debtor_id,
                today - timedelta(days=60),
                today - timedelta(days=30),
                Decimal("100.00"),
                Decimal("20.00"),
                Decimal("120.00"),
                "Réparation",
            ),
            actor="test",
        ).aggregate_id
        ledger.execute(SendReminder(receivable, ReminderStage.FIRST, ReminderChannel.LETTER, today,
                                    document_sha256=letter.sha256), actor="test")  # fmt: skip
    finally:
        ledger.close()
        database.close()
    return data_dir, debtor_id, letter.sha256


def test_the_export_writes_the_zip_and_lists_what_it_holds(store: tuple[Path, UUID, str], tmp_path: Path) -> None:
    data_dir, debtor_id, letter = store
    output = tmp_path / "acces.zip"

    result = relance(data_dir, "privacy", "export", str(debtor_id), "-o", str(output))

    assert result.exit_code == 0, result.output
    names = zipfile.ZipFile(io.BytesIO(output.read_bytes())).namelist()
    assert names == ["acces.pdf", "creances.json", f"documents/{letter}.pdf", "personnes.json"]
    assert "4 fichier(s), dont 1 document(s)" in result.output
    assert all(f"  {name}" in result.output for name in names)
    person = json.loads(zipfile.ZipFile(output).read("personnes.json"))
    assert person["contacts"][0]["phone"] == "+33 6 98 76 54 32"


def test_an_unknown_debtor_exits_3_and_writes_nothing(store: tuple[Path, UUID, str], tmp_path: Path) -> None:
    data_dir, _, _ = store
    output = tmp_path / "acces.zip"
    unknown = uuid4()

    result = relance(data_dir, "privacy", "export", str(unknown), "-o", str(output))

    assert result.exit_code == 3
    assert f"débiteur inconnu / unknown debtor: {unknown}" in result.output
    assert not output.exists()


def test_a_malformed_id_or_an_unwritable_path_is_refused(store: tuple[Path, UUID, str], tmp_path: Path) -> None:
    data_dir, debtor_id, _ = store

    malformed = relance(data_dir, "privacy", "export", "Paul Girard", "-o", str(tmp_path / "a.zip"))
    unwritable = relance(data_dir, "privacy", "export", str(debtor_id), "-o", str(tmp_path / "absent" / "a.zip"))

    assert malformed.exit_code == 2 and "is not a UUID" in malformed.output
    assert unwritable.exit_code == 2
    assert "impossible d'écrire / cannot write" in unwritable.output
