"""Personal data sealed per subject, then erased by destroying its keys (issue 19), on SQLite and PostgreSQL:
the chains, the digest and a bundle still verify, and no byte of either store holds the person any more."""

from __future__ import annotations

import shutil
import subprocess
import zipfile
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from uuid import UUID, uuid4

import pytest

from application.commands import (
    AddContact,
    AddNote,
    AttachDocument,
    EraseContact,
    EraseDebtor,
    IssueInvoice,
    NoteCall,
    RecordPayment,
    RegisterDebtor,
)
from application.digests import publish_digest
from application.ledger import Ledger
from application.verification import verify_ledger
from domain.debtor import Address
from domain.personal import ERASED
from domain.vocabulary import CallOutcome, CallPurpose, ContactRole, DebtorKind, DocumentKind, PaymentMethod
from infrastructure.digests import DigestStore
from infrastructure.run_reports import RunReportStore
from infrastructure.signing import load_signer
from infrastructure.sql import open_database
from tests.e2e.test_cli import relance
from tests.evidence.bundles import write_key
from tests.integration.conftest import ACTOR, Store

NAME, EMAIL, PHONE, STREET = (
    "Hortense Vasseur-Quilliet",
    "hortense.vq@exemple.fr",
    "0644332211",
    "17 impasse des Glycines",
)
# Free texts a collector typed about her on her invoice (sealed under the invoice's key, kept under her).
CALL_NOTE = "Mme V.-Q. dit que son époux Gérard est au chômage depuis mars"
NOTE = "Rappeler après 18 h sur la ligne fixe 0299887766"
PERSON = (NAME, EMAIL, PHONE, STREET, CALL_NOTE, NOTE)


def consumer_with_a_settled_invoice(store: Store, ledger: Ledger, *, letter: bool = True) -> tuple[UUID, UUID]:
    debtor = uuid4()
    address = Address([STREET], "35000", "Rennes", "FR")
    ledger.execute(RegisterDebtor(debtor, NAME, DebtorKind.CONSUMER, address), actor=ACTOR)
    ledger.execute(AddContact(debtor, uuid4(), ContactRole.ACCOUNTS_PAYABLE, NAME, EMAIL, PHONE), actor=ACTOR)
    invoice = ledger.execute(
        IssueInvoice(f"F-RGPD-{debtor.hex[:6]}", debtor, date(2025, 1, 10), date(2025, 2, 9), Decimal("100.00"),
                     Decimal("20.00"), Decimal("120.00"), "Cuisine"),
        actor=ACTOR,
    ).aggregate_id  # fmt: skip
    ledger.execute(NoteCall(invoice, date(2025, 1, 20), CallPurpose.FOLLOW_UP, CallOutcome.REACHED, notes=CALL_NOTE),
                   actor=ACTOR)  # fmt: skip
    ledger.execute(AddNote(invoice, NOTE), actor=ACTOR)
    if letter:
        pdf = b"%PDF-1.4\n% lettre a " + NAME.encode() + b", " + STREET.encode() + b"\n%%EOF\n"
        sha = store.put_document(pdf)
        ledger.execute(AttachDocument(invoice, DocumentKind.OTHER, sha, "application/pdf"), actor=ACTOR)
    ledger.execute(
        RecordPayment(invoice, Decimal("120.00"), date(2025, 2, 1), PaymentMethod.TRANSFER, "VIR 1"), actor=ACTOR
    )
    database = open_database(store.settings)
    try:  # a dunning run's report names the debtor, as the run writes it
        RunReportStore(database).save("run-1", date(2025, 2, 15), datetime(2025, 2, 15, 8, tzinfo=UTC), ACTOR, False,
                                      {"sent": [{"debtor_id": str(debtor), "debtor_name": NAME}]})  # fmt: skip
    finally:
        database.close()
    return debtor, invoice


@pytest.fixture
def keyed(store: Store, tmp_path: Path) -> dict[str, str]:
    """The firm's signing key in a file (PostgreSQL requires one); the environment of `relance` on this store."""
    write_key(tmp_path / "firm.pem")
    store.settings = store.settings.model_copy(update={"signing_key_file": tmp_path / "firm.pem"})
    return {**store.cli_env(), "RELANCE_SIGNING_KEY_FILE": str(tmp_path / "firm.pem")}


def every_byte(store: Store) -> bytes:
    """Every SQLite file of the data directory, and on PostgreSQL a whole pg_dump of the database."""
    found = b"".join(p.read_bytes() for p in sorted(Path(store.settings.data_dir).rglob("*")) if p.is_file())
    if store.settings.database_url is not None:
        pg_dump = shutil.which("pg_dump") or next(iter(sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_dump"))))
        dumped = subprocess.run([str(pg_dump), "--dbname", store.settings.database_url.get_secret_value()],
                                check=True, capture_output=True)  # fmt: skip
        found += dumped.stdout
    return found


def test_the_person_is_nowhere_in_the_stored_bytes_even_before_erasure_but_in_the_documents(store: Store) -> None:
    ledger = store.ledger()
    consumer_with_a_settled_invoice(store, ledger)

    events = b"".join(row[3] for row in store.rows())

    assert not [value for value in PERSON if value.encode() in events]


def test_an_erasure_leaves_every_chain_and_the_digest_verifying_and_no_byte_of_the_person(
    store: Store, keyed: dict[str, str]
) -> None:
    ledger = store.ledger()
    debtor, invoice = consumer_with_a_settled_invoice(store, ledger)
    database = open_database(store.settings)
    signer = load_signer(store.settings)
    publish_digest(ledger, DigestStore(database), signer, actor=ACTOR)
    hashes_before = [entry.hash for entry in ledger.journal(debtor)]
    invoice_hashes = [entry.hash for entry in ledger.journal(invoice)]
    assert NAME.encode() in every_byte(store)
    assert ledger.journal(invoice, opened=True)[2].record["data"]["text"] == NOTE  # read (and cached) before

    ledger.execute(EraseDebtor(debtor, "demande d'effacement du 3 mars (art. 17)"), actor=ACTOR)

    report = verify_ledger(ledger.recorder, ledger.mapper, DigestStore(database), signer.verify)
    assert report.ok and report.anchored >= 2
    assert [entry.hash for entry in ledger.journal(debtor)][: len(hashes_before)] == hashes_before
    assert [entry.hash for entry in ledger.journal(invoice)] == invoice_hashes
    everything = every_byte(store)
    assert [value for value in PERSON if value.encode() in everything] == []
    another = store.ledger()  # a process that never held the keys
    registered = another.store.history(debtor).events[0]
    assert (registered.legal_name, another.debtor(debtor).legal_name) == (ERASED, ERASED)
    notes = [entry.record["data"] for entry in another.journal(invoice, opened=True)[1:3]]
    assert (notes[0]["notes"], notes[1]["text"]) == (ERASED, ERASED)
    assert ledger.journal(invoice, opened=True)[2].record["data"]["text"] == ERASED  # this process's cache too
    database.close()


def test_a_process_that_read_the_person_before_the_erasure_shows_them_erased_after(store: Store) -> None:
    ledger, other = store.ledger(), store.ledger()
    debtor, invoice = consumer_with_a_settled_invoice(store, ledger)
    assert other.store.history(debtor).events[1].name == NAME  # read, and its key kept, before the erasure
    assert other.store.history(invoice).events[2].text == NOTE

    ledger.execute(EraseDebtor(debtor, "demande de la personne"), actor=ACTOR)

    events = other.store.history(debtor).events
    assert [events[0].legal_name, events[1].name, events[1].email, events[1].phone] == [ERASED] * 4
    assert other.store.history(invoice).events[2].text == ERASED  # read before too, its key forgotten with hers


def test_a_bundle_exported_after_the_erasure_verifies_and_holds_only_the_sealed_form(
    store: Store, keyed: dict[str, str], tmp_path: Path
) -> None:
    ledger = store.ledger()
    debtor, _ = consumer_with_a_settled_invoice(store, ledger, letter=False)
    ledger.execute(EraseDebtor(debtor, "demande de la personne"), actor=ACTOR)
    bundle = tmp_path / "dossier.zip"

    exported = relance(store.settings.data_dir, "export", "--debtor", str(debtor), "-o", str(bundle),
                       env=keyed)  # fmt: skip
    verified = relance(store.settings.data_dir, "verify", str(bundle), env=keyed)

    assert exported.exit_code == 0, exported.output
    assert verified.exit_code == 0, verified.output
    with zipfile.ZipFile(bundle) as archive:
        content = b"".join(archive.read(name) for name in archive.namelist())
    assert b'"sealed":{"alg":"A256GCM"' in content
    assert [value for value in PERSON if value.encode() in content] == []


def test_a_bundle_naming_an_erased_document_is_refused_saying_so(
    store: Store, keyed: dict[str, str], tmp_path: Path
) -> None:
    ledger = store.ledger()
    debtor, invoice = consumer_with_a_settled_invoice(store, ledger)
    ledger.execute(EraseDebtor(debtor, "demande de la personne"), actor=ACTOR)

    result = relance(store.settings.data_dir, "export", str(invoice), "-o", str(tmp_path / "b.zip"),
                     env=keyed)  # fmt: skip

    assert result.exit_code != 0 and "was erased on" in result.output
    assert not (tmp_path / "b.zip").exists()


def test_a_bank_line_that_paid_the_persons_invoice_loses_its_payer_and_wording(store: Store, tmp_path: Path) -> None:
    ledger = store.ledger()
    debtor = uuid4()
    ledger.execute(RegisterDebtor(debtor, NAME, DebtorKind.CONSUMER, Address([STREET], "35000", "Rennes", "FR")),
                   actor=ACTOR)  # fmt: skip
    number = f"F-BANK-{debtor.hex[:6]}"
    ledger.execute(IssueInvoice(number, debtor, date(2025, 1, 10), date(2025, 2, 9), Decimal("100.00"),
                                Decimal("20.00"), Decimal("120.00"), "Cuisine"), actor=ACTOR)  # fmt: skip
    statement = tmp_path / "releve.csv"
    statement.write_text("Date;Montant;Référence;Libellé;Emetteur\n"
                         f"01/02/2025;120,00;VIR-HVQ-1;VIR SEPA {number} MME H VASSEUR;MME H VASSEUR QUILLIET\n",
                         encoding="utf-8")  # fmt: skip
    imported = relance(store.settings.data_dir, "import", "payments", str(statement), env=store.cli_env())
    assert imported.exit_code == 0, imported.output
    lines = "SELECT payer, remittance FROM import_bank_lines WHERE reference = 'VIR-HVQ-1'"
    assert side_rows(store, lines) == [("MME H VASSEUR QUILLIET", f"VIR SEPA {number} MME H VASSEUR")]

    ledger.execute(EraseDebtor(debtor, "demande de la personne"), actor=ACTOR)

    assert side_rows(store, lines) == [(ERASED, ERASED)]


def side_rows(store: Store, statement: str) -> list[tuple[object, ...]]:
    """Rows of a table beside the journal (relance.sqlite beside the SQLite ledger, the same database on
    PostgreSQL)."""
    database = open_database(store.settings)
    try:
        return [tuple(row) for row in database.fetch(statement)]
    finally:
        database.close()


def test_a_contact_erased_alone_is_in_no_byte_and_the_company_stays_readable(store: Store) -> None:
    ledger = store.ledger()
    company, clerk = uuid4(), uuid4()
    quay = Address(["1 quai Ouest"], "35000", "Rennes", "FR")
    ledger.execute(RegisterDebtor(company, "Scierie Vasseur SARL", DebtorKind.PROFESSIONAL, quay, "732829320"),
                   actor=ACTOR)  # fmt: skip
    ledger.execute(AddContact(company, clerk, ContactRole.ACCOUNTS_PAYABLE, NAME, EMAIL, PHONE), actor=ACTOR)
    database = open_database(store.settings)
    try:  # a run report names the clerk, as a run writes the contact it e-mailed
        RunReportStore(database).save("run-2", date(2025, 2, 15), datetime(2025, 2, 15, 8, tzinfo=UTC), ACTOR, False,
                                      {"sent": [{"debtor_id": str(company), "contact": EMAIL}]})  # fmt: skip
    finally:
        database.close()

    ledger.execute(EraseContact(company, clerk, "demande de l'intéressée, partie de l'entreprise"), actor=ACTOR)

    everything = every_byte(store)
    assert [value for value in (NAME, EMAIL, PHONE) if value.encode() in everything] == []
    assert verify_ledger(ledger.recorder, ledger.mapper, None, None).ok
    assert store.ledger().debtor(company).legal_name == "Scierie Vasseur SARL"
