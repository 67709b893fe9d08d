"""A re-sealed copy of a store whose old events hold personal data in plain text (issue 19, decision 0107), on
SQLite and PostgreSQL: the copy holds no plain value, every chain verifies, every value opens as it was, an
erased person is unreadable, the map relates each old hash to the new one, and the old store is untouched."""

from __future__ import annotations

import csv
import os
import shutil
import subprocess
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import pytest

from application.commands import (
    AddContact,
    AddNote,
    AttachDocument,
    ChangeAddress,
    ChangeContact,
    EraseDebtor,
    IssueInvoice,
    RecordPayment,
    RegisterDebtor,
)
from application.digests import publish_digest
from application.ledger import Ledger
from application.resealing import ResealRefused, ResealReport
from application.verification import verify_store
from domain.debtor import Address
from domain.personal import ERASED
from domain.receivable_events import NoteAdded
from domain.vocabulary import ContactRole, DebtorKind, DocumentKind, PaymentMethod
from infrastructure.digests import DigestStore
from infrastructure.documents import DocumentStore
from infrastructure.resealing import MAP_FILE, pg_dump_command, reseal_store, target_settings
from infrastructure.settings import Settings
from infrastructure.signing import load_signer
from infrastructure.sql import open_database
from infrastructure.stores import build_event_store, build_ledger, subject_keys
from tests.evidence.bundles import write_key
from tests.integration.conftest import ACTOR, Store
from tests.integration.test_legacy_store import legacy_environment  # noqa: F401  (the fixture)
from tests.support.throwaway_postgres import postgres_bin_dir

KEPT = ("Gaspard Lemoine-Aubrac", "gaspard.lemoine@exemple.fr", "0611223344", "4 allée des Tilleuls")
MOVED_TO = "9 chemin du Moulin Brûlé"
ERASED_PERSON = ("Hortense Vasseur-Quilliet", "hortense.vq@exemple.fr", "0644332211", "17 impasse des Glycines")
KEPT_NOTE = "Gaspard Lemoine-Aubrac rappelle jeudi, sa femme est malade"
ERASED_NOTE = "Hortense Vasseur-Quilliet conteste, son mari a perdu son emploi"
PLAIN = (*KEPT, MOVED_TO, *ERASED_PERSON, KEPT_NOTE, ERASED_NOTE)


@dataclass
class Legacy:
    kept: UUID
    contact: UUID
    erased: UUID
    invoices: list[UUID]
    documents: list[str]
    noted: list[UUID]  # an invoice of each person, with a note written in plain text before sealing


def legacy_ledger(settings: Settings) -> Iterator[Ledger]:
    """A Ledger as relance was before sealing: no key store, personal values written in plain text."""
    database = open_database(settings)
    ledger = Ledger(build_event_store(settings), documents=DocumentStore(database), timezone=settings.timezone)
    try:
        yield ledger
    finally:
        ledger.close()
        database.close()


def consumer(ledger: Ledger, person: tuple[str, str, str, str]) -> tuple[UUID, UUID]:
    debtor, contact = uuid4(), uuid4()
    name, email, phone, street = person
    ledger.execute(RegisterDebtor(debtor, name, DebtorKind.CONSUMER, Address([street], "35000", "Rennes", "FR")),
                   actor=ACTOR)  # fmt: skip
    ledger.execute(AddContact(debtor, contact, ContactRole.ACCOUNTS_PAYABLE, name, email, phone), actor=ACTOR)
    return debtor, contact


def paid_invoice(store: Store, ledger: Ledger, debtor: UUID, number: str) -> tuple[UUID, str]:
    invoice = ledger.execute(
        IssueInvoice(number, debtor, date(2025, 1, 10), date(2025, 2, 9), Decimal("100.00"), Decimal("20.00"),
                     Decimal("120.00"), "Cuisine"),
        actor=ACTOR,
    ).aggregate_id  # fmt: skip
    sha = store.put_document(b"%PDF-1.4\n% facture " + number.encode() + b"\n%%EOF\n")
    ledger.execute(AttachDocument(invoice, DocumentKind.OTHER, sha, "application/pdf"), actor=ACTOR)
    ledger.execute(
        RecordPayment(invoice, Decimal("120.00"), date(2025, 2, 1), PaymentMethod.TRANSFER, f"VIR {number}"),
        actor=ACTOR,
    )
    return invoice, sha


def legacy_store(store: Store) -> Legacy:
    """Two consumers written in plain text, one of them erased since; then, once sealing came, one more event
    of the other (sealed under the key made then)."""
    for ledger in legacy_ledger(store.settings):
        kept, contact = consumer(ledger, KEPT)
        ledger.execute(ChangeAddress(kept, Address([MOVED_TO], "35000", "Rennes", "FR")), actor=ACTOR)
        erased, _ = consumer(ledger, ERASED_PERSON)
        invoices, documents = zip(
            paid_invoice(store, ledger, kept, "F-1"), paid_invoice(store, ledger, erased, "F-2"), strict=True
        )
        noted = [paid_invoice(store, ledger, kept, "F-3")[0], paid_invoice(store, ledger, erased, "F-4")[0]]
        for invoice, note in zip(noted, (KEPT_NOTE, ERASED_NOTE), strict=True):
            ledger.execute(AddNote(invoice, note), actor=ACTOR)
        ledger.execute(EraseDebtor(erased, "demande de la personne (art. 17)"), actor=ACTOR)
    sealed = store.ledger()
    sealed.execute(ChangeContact(kept, contact, ContactRole.ACCOUNTS_PAYABLE, KEPT[0], KEPT[1], "0699887766"),
                   actor=ACTOR)  # fmt: skip
    return Legacy(kept, contact, erased, list(invoices), list(documents), noted)


@pytest.fixture
def copy_of(request: pytest.FixtureRequest, tmp_path: Path) -> Callable[[Settings], Settings]:
    """Where a copy of a store goes: a new data directory, and on PostgreSQL a new database that the side
    tables were copied into first, with the very command docs/privacy.md gives."""

    def target(settings: Settings) -> Settings:
        to_dir = tmp_path / f"copy-{uuid4().hex[:6]}"
        if settings.database_url is None:
            return target_settings(settings, to_dir, None)
        url = request.getfixturevalue("postgres_database_factory")()
        old = settings.database_url.get_secret_value()
        path = f"{postgres_bin_dir()}{os.pathsep}{os.environ.get('PATH', '')}"
        if shutil.which("pg_dump"):
            path = os.environ.get("PATH", "")
        subprocess.run(["bash", "-o", "pipefail", "-c", pg_dump_command(old, url)], check=True, capture_output=True,
                       env={**os.environ, "PATH": path})  # fmt: skip
        to_dir.mkdir()
        return target_settings(settings, to_dir, url)

    return target


def resealed(settings: Settings, target: Settings) -> ResealReport:
    url = None if target.database_url is None else target.database_url.get_secret_value()
    return reseal_store(settings, Path(target.data_dir), url)


def test_a_resealed_copy_holds_no_plain_value_verifies_and_opens_every_value_as_it_was(
    store: Store, copy_of: Callable[[Settings], Settings], tmp_path: Path
) -> None:
    legacy = legacy_store(store)
    write_key(tmp_path / "firm.pem")
    old_side = open_database(store.settings)
    try:
        signer = load_signer(store.settings.model_copy(update={"signing_key_file": tmp_path / "firm.pem"}))
        publish_digest(store.ledger(), DigestStore(old_side), signer, actor=ACTOR)
    finally:
        old_side.close()
    old_rows = store.rows()
    assert KEPT[0].encode() in b"".join(row[3] for row in old_rows)  # the plain text the copy must lose
    target = copy_of(store.settings)

    report = resealed(store.settings, target)

    assert report.verified, report.problems
    copy = Store(store.kind, target)
    events = b"".join(row[3] for row in copy.rows())
    assert [value for value in PLAIN if value.encode() in events] == []
    assert store.rows() == old_rows  # the old store is read, never written
    ledger = copy.ledger()
    assert verify_store(ledger.recorder, ledger.mapper).breaks == []
    kept = ledger.debtor(legacy.kept)
    contact = kept.contacts[legacy.contact]
    assert (kept.legal_name, kept.address.lines if kept.address else None) == (KEPT[0], [MOVED_TO])
    assert (contact.name, contact.email, contact.phone) == (KEPT[0], KEPT[1], "0699887766")
    registered = ledger.store.history(legacy.kept).events[0]
    assert (registered.legal_name, registered.address.lines) == (KEPT[0], [KEPT[3]])
    assert [event.text for event in _notes(ledger, legacy.noted[0])] == [KEPT_NOTE]  # sealed, and opens
    side = open_database(target)  # the side tables came along, the old digests did not
    try:
        assert all(DocumentStore(side).is_stored(sha) for sha in legacy.documents)
        assert list(DigestStore(side).newest_first()) == []
    finally:
        side.close()
    copy.close()


def test_an_erased_person_is_unreadable_in_the_copy_and_no_key_of_theirs_is_kept(
    store: Store, copy_of: Callable[[Settings], Settings]
) -> None:
    legacy = legacy_store(store)
    target = copy_of(store.settings)

    report = resealed(store.settings, target)

    assert report.verified, report.problems
    assert report.erased_owners == [legacy.erased]
    copy = Store(store.kind, target)
    registered, added = copy.ledger().store.history(legacy.erased).events[:2]
    assert [registered.legal_name, *registered.address.lines, added.name, added.email, added.phone] == [ERASED] * 5
    assert [event.text for event in _notes(copy.ledger(), legacy.noted[1])] == [ERASED]  # the note on their invoice
    keys = subject_keys(target)
    try:
        assert legacy.erased not in keys.owners() and legacy.kept in keys.owners()
    finally:
        keys.close()
    copy.close()


def _notes(ledger: Ledger, invoice: UUID) -> list[Any]:
    history = ledger.store.history(invoice)
    assert history is not None
    return [event for event in history.events if isinstance(event, NoteAdded)]


def test_the_map_has_one_row_per_event_and_the_receivables_without_free_text_keep_their_hashes(
    store: Store, copy_of: Callable[[Settings], Settings]
) -> None:
    legacy = legacy_store(store)
    target = copy_of(store.settings)

    report = resealed(store.settings, target)

    with (Path(target.data_dir) / MAP_FILE).open(encoding="utf-8") as file:
        rows = list(csv.DictReader(file, delimiter=";"))
    assert len(rows) == len(store.rows()) == report.map_rows
    receivables = [r for r in rows if UUID(r["aggregate_id"]) in legacy.invoices]
    assert receivables and all(r["old_hash"] == r["new_hash"] for r in receivables)
    kept = [r for r in rows if UUID(r["aggregate_id"]) == legacy.kept]
    assert all(r["old_hash"] != r["new_hash"] for r in kept)
    noted = [r for r in rows if UUID(r["aggregate_id"]) in legacy.noted and r["old_hash"] != r["new_hash"]]
    assert {UUID(r["aggregate_id"]) for r in noted} == set(legacy.noted)  # from the plain note on
    assert report.copy.rechained == {legacy.kept, legacy.erased, *legacy.noted}


def test_a_target_that_already_holds_events_is_refused(store: Store, copy_of: Callable[[Settings], Settings]) -> None:
    legacy_store(store)
    target = copy_of(store.settings)
    assert resealed(store.settings, target).verified

    with pytest.raises(ResealRefused, match="already holds"):
        resealed(store.settings, target)


def test_the_legacy_store_reseals_and_verifies(
    legacy_environment: dict[str, str],  # noqa: F811
    copy_of: Callable[[Settings], Settings],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name, value in legacy_environment.items():
        monkeypatch.setenv(name, value)
    settings = Settings()
    target = copy_of(settings)

    report = resealed(settings, target)

    assert report.verified, report.problems
    assert (report.copy.events, report.copy.aggregates, report.map_rows) == (224, 43, 224)
    assert report.copy.sealed_values > 0
    ledger = build_ledger(target)
    try:
        assert verify_store(ledger.recorder, ledger.mapper).breaks == []
    finally:
        ledger.close()
