"""The access request (GDPR art. 15, application/privacy_export.py) on the in-memory event store: a consumer
with a contact, two invoices and a reminder letter gets a ZIP holding their data as JSON, the letter, and a
French PDF that names them."""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from uuid import UUID, uuid4

import pytest
from pypdf import PdfReader

from application.clock import SimulatedClock
from application.commands import AddContact, EraseDebtor, IssueInvoice, RecordPayment, RegisterDebtor, SendReminder
from application.ledger import Ledger
from application.privacy_export import access_export
from domain.debtor import Address
from domain.errors import NotFound
from domain.personal import ERASED
from domain.vocabulary import ContactRole, DebtorKind, PaymentMethod, ReminderChannel, ReminderStage
from infrastructure.memory_store import InMemoryEventStore
from infrastructure.privacy_access import render_access
from infrastructure.subject_keys import MemoryKeyTable, SubjectKeys

NOW = datetime(2026, 3, 16, 9, 30, tzinfo=UTC)
ACTOR = "compta.sophie"
LETTER = b"%PDF-1.4\n% lettre de relance adressee a Jeanne Lefebvre\n%%EOF\n"
LETTER_SHA = hashlib.sha256(LETTER).hexdigest()


@dataclass(frozen=True)
class Described:
    media_type: str
    extension: str


class Documents:
    """The document store's reading side, holding one letter."""

    def __init__(self, *contents: bytes) -> None:
        self.contents = {hashlib.sha256(c).hexdigest(): c for c in contents}

    def is_stored(self, sha256: str) -> bool:
        return sha256 in self.contents

    def describe(self, sha256: str) -> Described | None:
        return Described("application/pdf", "pdf") if sha256 in self.contents else None

    def content(self, sha256: str) -> bytes | None:
        return self.contents.get(sha256)


class Consumer:
    def __init__(self) -> None:
        self.documents = Documents(LETTER)
        self.keys = SubjectKeys(MemoryKeyTable())  # sealed as in production: the export opens what it shows
        self.ledger = Ledger(InMemoryEventStore(sealer=self.keys), documents=self.documents,
                             clock=SimulatedClock(NOW), sealer=self.keys)  # fmt: skip
        self.debtor_id = uuid4()
        address = Address(["8 impasse des Tilleuls"], "33000", "Bordeaux", "FR")
        self.run(RegisterDebtor(self.debtor_id, "Jeanne Lefebvre", DebtorKind.CONSUMER, address))
        self.run(AddContact(self.debtor_id, uuid4(), ContactRole.OTHER, "Jeanne Lefebvre",
                            email="jeanne.lefebvre@example.fr", phone="+33 6 12 34 56 78"))  # fmt: skip
        first = self.invoice("FC-2026-001", "1234.56")
        self.invoice("FC-2026-002", "80.00")
        self.run(RecordPayment(first, Decimal("200.00"), date(2026, 3, 2), PaymentMethod.TRANSFER, "VIR-77"))
        self.run(SendReminder(first, ReminderStage.FIRST, ReminderChannel.LETTER, date(2026, 3, 10),
                              document_sha256=LETTER_SHA))  # fmt: skip

    def invoice(self, number: str, amount: str) -> UUID:
        incl = Decimal(amount)
        excl = (incl / Decimal("1.2")).quantize(Decimal("0.01"))
        command = IssueInvoice(number, self.debtor_id, date(2026, 1, 5), date(2026, 2, 4), excl, incl - excl, incl,
                               "Cuisine équipée")  # fmt: skip
        return self.run(command)

    def run(self, command: object) -> UUID:
        return self.ledger.execute(command, actor=ACTOR).aggregate_id

    def export(self, debtor_id: UUID | None = None) -> bytes:
        return access_export(self.ledger, self.documents, debtor_id or self.debtor_id, now=NOW,
                             render=render_access, firm_name="Cuisines Garonne SAS")  # fmt: skip


@pytest.fixture(scope="module")
def consumer() -> Consumer:
    return Consumer()


@pytest.fixture(scope="module")
def archive(consumer: Consumer) -> zipfile.ZipFile:
    return zipfile.ZipFile(io.BytesIO(consumer.export()))


def test_the_zip_holds_the_person_the_receivables_the_letter_and_the_notice_in_a_fixed_order(
    archive: zipfile.ZipFile,
) -> None:
    assert archive.namelist() == ["acces.pdf", "creances.json", f"documents/{LETTER_SHA}.pdf", "personnes.json"]
    assert archive.read(f"documents/{LETTER_SHA}.pdf") == LETTER


def test_personnes_json_holds_the_identity_the_contact_s_e_mail_and_phone_and_the_journal(
    archive: zipfile.ZipFile, consumer: Consumer
) -> None:
    person = json.loads(archive.read("personnes.json"))

    assert (person["legal_name"], person["kind"], person["erased"]) == ("Jeanne Lefebvre", "consumer", False)
    assert person["address"]["city"] == "Bordeaux"
    assert [(c["email"], c["phone"]) for c in person["contacts"]] == [("jeanne.lefebvre@example.fr",
                                                                       "+33 6 12 34 56 78")]  # fmt: skip
    assert [e["type"] for e in person["journal"]] == ["DebtorRegistered", "ContactAdded"]
    assert person["journal"][0]["data"]["legal_name"] == "Jeanne Lefebvre"  # opened, not the sealed form
    assert person["debtor_id"] == str(consumer.debtor_id)


def test_creances_json_holds_each_invoice_with_its_amounts_status_and_journal(archive: zipfile.ZipFile) -> None:
    receivables = json.loads(archive.read("creances.json"))["receivables"]

    assert [(r["invoice_number"], r["amount_incl_vat"], r["outstanding"]) for r in receivables] == [
        ("FC-2026-001", "1234.56", "1034.56"),
        ("FC-2026-002", "80.00", "80.00"),
    ]
    assert [e["type"] for e in receivables[0]["journal"]] == ["InvoiceIssued", "PaymentReceived", "ReminderSent"]
    assert receivables[0]["status"] == "open"


def test_the_french_pdf_names_the_person_article_15_the_amounts_and_the_files(archive: zipfile.ZipFile) -> None:
    pdf = archive.read("acces.pdf")
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    flat = " ".join(text.replace("\u202f", " ").replace("\xa0", " ").split())

    assert pdf.startswith(b"%PDF")
    assert "Jeanne Lefebvre" in flat and "article 15" in flat
    assert "1 234,56 €" in flat and "1 034,56 €" in flat and "05/01/2026" in flat
    assert "jeanne.lefebvre@example.fr" in flat
    assert "L218-2" in flat and "L123-22" in flat and "commissaire de justice" in flat
    assert "personnes.json" in flat and "creances.json" in flat


def test_the_same_store_and_instant_give_the_same_bytes(consumer: Consumer) -> None:
    assert consumer.export() == consumer.export()


def test_an_unknown_debtor_is_not_found(consumer: Consumer) -> None:
    with pytest.raises(NotFound):
        consumer.export(uuid4())


def test_a_document_missing_from_the_store_is_named_in_the_pdf_not_a_failure(consumer: Consumer) -> None:
    content = access_export(consumer.ledger, Documents(), consumer.debtor_id, now=NOW, render=render_access)
    archive = zipfile.ZipFile(io.BytesIO(content))
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(archive.read("acces.pdf"))).pages)

    assert archive.namelist() == ["acces.pdf", "creances.json", "personnes.json"]
    assert "non conservé dans l'application" in " ".join(text.split())


def test_after_an_erasure_the_export_shows_the_person_erased_and_no_value_of_theirs() -> None:
    erased = Consumer()
    erased.run(EraseDebtor(erased.debtor_id, "demande de la personne", force=True))  # its invoices are open

    person = json.loads(zipfile.ZipFile(io.BytesIO(erased.export())).read("personnes.json"))

    assert person["erased"] is True
    assert person["journal"][0]["data"]["legal_name"] == ERASED
    assert "Lefebvre" not in json.dumps(person) and "12 34 56 78" not in json.dumps(person)
