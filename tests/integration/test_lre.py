"""Electronic registered letters through AR24 (a local fake following its API), on SQLite and PostgreSQL.

The journal says an LRE was sent only once the provider accepted it, with the provider's id; a run killed
in between never submits twice; what the provider reports later is recorded with its proof (decision 0100)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any
from uuid import UUID

import pytest
from pydantic import SecretStr

from application.access import Principal, Role
from application.clock import SimulatedClock
from application.commands import AssignPolicy, ChangeContact, RecordElectronicDeliveryConsent
from application.dunning_run import RunReport
from application.letters import Letters
from application.lre_callbacks import LreCallbacks
from application.registered_email import ProviderError
from domain.errors import NotFound
from domain.vocabulary import AcknowledgementOutcome, DebtorKind
from infrastructure.ar24 import Ar24
from infrastructure.documents import DocumentStore
from infrastructure.dunning_ports import build_dunning
from infrastructure.sql import open_database
from tests.integration.dunning_engine import DUE, ISSUED, Engine
from tests.support.fake_lre import PRIVATE_KEY, TOKEN, USER_ID, FakeAr24, fake_ar24, proof_pdf
from tests.support.smtp_server import smtp_server

if TYPE_CHECKING:
    from tests.integration.conftest import Store

NOTICE_DAY = DUE + timedelta(days=35)  # the policy's formal notice
MANAGER = Principal("token-manager", "manager:eve", Role.MANAGER)
DEFAULT_POLICY = Path(__file__).parents[2] / "infrastructure" / "policies" / "default.toml"


@contextmanager
def lre_engine(store: Store, tmp_path: Path, *, provider: bool = True) -> Iterator[tuple[Engine, FakeAr24]]:
    """The dunning engine with AR24 configured (or not) and an ``lre`` policy: the default one whose formal
    notice goes by electronic_registered_letter."""
    policy = DEFAULT_POLICY.read_text(encoding="utf-8").replace('id = "default"', 'id = "lre"')
    policy = policy.replace('channels = ["registered_letter"]', 'channels = ["electronic_registered_letter"]')
    (tmp_path / "lre.toml").write_text(policy, encoding="utf-8")
    with smtp_server() as (inbox, port), fake_ar24() as fake:
        settings = store.settings.model_copy(
            update={
                "firm_name": "Atelier Dupont SARL", "firm_address": "12 rue de la République | 69001 Lyon",
                "firm_email": "relances@dupont.example", "firm_signatory": "Claire Dupont, gérante",
                "smtp_host": "127.0.0.1", "smtp_port": port, "policy_dir": tmp_path, "lre_provider": "ar24",
                "lre_base_url": fake.base_url, "lre_token": SecretStr(TOKEN),
                "lre_private_key": SecretStr(PRIVATE_KEY), "lre_user_id": USER_ID,
                "lre_callback_secret": SecretStr("s3cret"), "lre_timeout_seconds": 5.0,
            } if provider else {
                "firm_name": "Atelier Dupont SARL", "firm_address": "12 rue de la République | 69001 Lyon",
                "firm_email": "relances@dupont.example", "firm_signatory": "Claire Dupont, gérante",
                "smtp_host": "127.0.0.1", "smtp_port": port, "policy_dir": tmp_path,
            }
        )  # fmt: skip
        clock = SimulatedClock(datetime.combine(ISSUED, time(9), tzinfo=UTC))
        ledger = store.ledger(clock)
        database = open_database(settings)
        run = build_dunning(settings, ledger, database, DocumentStore(database))
        yield Engine(store, clock, ledger, database, run, inbox), fake
        database.close()


@pytest.fixture
def lre(store: Store, tmp_path: Path) -> Iterator[tuple[Engine, FakeAr24]]:
    with lre_engine(store, tmp_path) as engine_and_fake:
        yield engine_and_fake


def lre_debtor(engine: Engine, *, kind: DebtorKind = DebtorKind.PROFESSIONAL) -> UUID:
    debtor = engine.debtor(kind=kind)
    engine.ledger.execute(AssignPolicy(debtor, "lre"), principal=MANAGER)
    return debtor


def up_to_the_notice(engine: Engine, debtor: UUID, number: str = "F-2026-0401") -> UUID:
    receivable = engine.invoice(debtor, number)
    for days in (5, 20):
        engine.run_on(DUE + timedelta(days=days))
    return receivable


def callbacks(engine: Engine) -> LreCallbacks:
    ports = engine.run.ports
    assert ports.registered_email is not None
    return LreCallbacks(engine.ledger, ports.outbox, ports.documents, ports.registered_email, engine.letters)


def journal(engine: Engine, receivable: UUID) -> list[str]:
    return [type(event).__name__ for event in engine.events(receivable)]


def the_event(engine: Engine, receivable: UUID, name: str) -> Any:
    (event,) = [e for e in engine.events(receivable) if type(e).__name__ == name]
    return event


def lre_items(report: RunReport) -> list[tuple[str, str]]:
    return [(i.channel, i.status) for i in report.sent if i.channel == "electronic_registered_letter"]


# ------------------------------------------------------------------ the adapter


def test_the_adapter_submits_a_pdf_finds_it_by_our_reference_and_fetches_its_proof(
    lre: tuple[Engine, FakeAr24],
) -> None:
    engine, fake = lre
    adapter = engine.run.ports.registered_email
    assert isinstance(adapter, Ar24)
    from application.registered_email import RegisteredLetter

    letter = RegisteredLetter("2026-04-08/d/formal_notice/electronic_registered_letter", "Paul Martin",
                              "Martin SARL", "paul@martin.example", False, "Mise en demeure", proof_pdf("MED"),
                              "formal-notice.pdf")  # fmt: skip
    provider_id = adapter.submit(letter)

    mail = fake.mails[provider_id]
    assert (mail["to_email"], mail["dest_statut"], mail["to_company"]) == ("paul@martin.example", "professionnel",
                                                                            "Martin SARL")  # fmt: skip
    assert fake.attachments[mail["attachment"]] == letter.pdf
    found = adapter.find(letter.reference)
    assert found is not None and found.provider_id == provider_id and found.status is not None
    assert adapter.find("2026-04-08/other/formal_notice/electronic_registered_letter") is None
    assert found.proof is not None and adapter.proof(found.proof).startswith(b"%PDF-")
    assert fake.refused_calls == []


def test_the_adapter_reports_a_provider_down_a_wrong_key_or_an_unreachable_host_as_provider_errors(
    lre: tuple[Engine, FakeAr24],
) -> None:
    _, fake = lre
    fake.down = True
    with pytest.raises(ProviderError, match="503"):
        Ar24(token=TOKEN, private_key=PRIVATE_KEY, user_id=USER_ID, base_url=fake.base_url).sending("1")
    fake.down = False
    with pytest.raises(ProviderError, match="401"):
        Ar24(token=TOKEN, private_key="not-the-key", user_id=USER_ID, base_url=fake.base_url).sending("1")
    assert fake.refused_calls == ["signature does not match the date"]
    with pytest.raises(ProviderError, match="unreachable"):
        Ar24(token=TOKEN, private_key=PRIVATE_KEY, user_id=USER_ID, base_url="http://127.0.0.1:9", timeout=2).find("k")


# ------------------------------------------------------------------ the run


def test_a_notice_by_lre_is_submitted_once_and_recorded_once_with_the_provider_id(
    lre: tuple[Engine, FakeAr24],
) -> None:
    engine, fake = lre
    receivable = up_to_the_notice(engine, lre_debtor(engine))

    report = engine.run_on(NOTICE_DAY, post=False)
    again = engine.run_on(NOTICE_DAY, post=False)

    assert lre_items(report) == [("electronic_registered_letter", "recorded")] and lre_items(again) == []
    assert fake.submissions == 1 and engine.letters.to_post() == []
    mail = fake.only_mail()
    notice = the_event(engine, receivable, "FormalNoticeSent")
    assert (notice.channel.value, notice.tracking_number, notice.sent_on) == (
        "electronic_registered_letter", mail["id"], NOTICE_DAY
    )  # fmt: skip
    assert mail["ref_dossier"] == report.sent[-1].dispatch_key and mail["to_email"] == "compta@martin.example"
    assert fake.attachments[mail["attachment"]] == DocumentStore(engine.database).content(notice.document_sha256)


def test_with_the_provider_down_nothing_is_recorded_and_the_next_run_submits_it(
    lre: tuple[Engine, FakeAr24],
) -> None:
    engine, fake = lre
    receivable = up_to_the_notice(engine, lre_debtor(engine))
    fake.down = True

    failed = engine.run_on(NOTICE_DAY, post=False)

    assert engine.ledger.receivable(receivable).notices == [] and fake.mails == {}
    assert "LRE not submitted" in failed.errors[0]["error"] and "503" in failed.errors[0]["error"]
    fake.down = False
    resumed = engine.run_on(NOTICE_DAY + timedelta(days=1), post=False)
    assert [i.status for i in resumed.sent if i.channel == "electronic_registered_letter"] == ["resumed"]
    notice = the_event(engine, receivable, "FormalNoticeSent")
    assert notice.tracking_number == fake.only_mail()["id"] and fake.submissions == 1


def test_a_run_killed_after_the_provider_accepted_is_finished_without_a_second_submission(
    lre: tuple[Engine, FakeAr24], monkeypatch: pytest.MonkeyPatch
) -> None:
    engine, fake = lre
    receivable = up_to_the_notice(engine, lre_debtor(engine))
    outbox = engine.run.ports.outbox
    marking = outbox.mark

    def dies_after_the_submission(key: str, status: str, *, now: Any) -> None:
        if status == "sent":
            raise KeyboardInterrupt  # the process is killed: the provider has it, the journal does not
        marking(key, status, now=now)

    monkeypatch.setattr(outbox, "mark", dies_after_the_submission)
    with pytest.raises(KeyboardInterrupt):
        engine.run_on(NOTICE_DAY, post=False)
    monkeypatch.setattr(outbox, "mark", marking)
    assert fake.submissions == 1 and engine.ledger.receivable(receivable).notices == []

    engine.run_on(NOTICE_DAY, post=False)

    assert fake.submissions == 1
    notice = the_event(engine, receivable, "FormalNoticeSent")
    assert notice.tracking_number == fake.only_mail()["id"]
    assert journal(engine, receivable).count("FormalNoticeSent") == 1


def test_a_consumer_who_did_not_consent_to_electronic_delivery_is_refused_in_a_dry_run_and_a_real_one(
    lre: tuple[Engine, FakeAr24],
) -> None:
    engine, fake = lre
    debtor = lre_debtor(engine, kind=DebtorKind.CONSUMER)
    receivable = up_to_the_notice(engine, debtor)

    dry = engine.run_on(NOTICE_DAY, dry_run=True)
    real = engine.run_on(NOTICE_DAY, post=False)

    for report in (dry, real):
        assert lre_items(report) == []
        (refusal,) = [r for r in report.refused if r.receivable_ids == [str(receivable)]]
        assert refusal.rule == "lre_consent_missing" and "L100" in refusal.detail
    assert fake.mails == {} and engine.ledger.receivable(receivable).notices == []

    engine.ledger.execute(RecordElectronicDeliveryConsent(debtor, NOTICE_DAY), principal=MANAGER)
    consented = engine.run_on(NOTICE_DAY + timedelta(days=1), post=False)
    assert lre_items(consented) == [("electronic_registered_letter", "recorded")]
    assert fake.only_mail()["dest_statut"] == "particulier"


def test_a_debtor_whose_contact_no_longer_has_an_e_mail_address_gets_no_lre(lre: tuple[Engine, FakeAr24]) -> None:
    engine, fake = lre
    debtor = lre_debtor(engine)
    receivable = up_to_the_notice(engine, debtor)
    (contact,) = engine.ledger.debtor(debtor).contacts.values()
    change = ChangeContact(debtor, contact.contact_id, contact.role, contact.name, None, contact.phone)
    engine.ledger.execute(change, principal=MANAGER)  # the address bounced: a phone number only

    report = engine.run_on(NOTICE_DAY, post=False)

    assert [r.rule for r in report.refused if r.receivable_ids == [str(receivable)]] == ["lre_no_email_address"]
    assert fake.mails == {}


# ------------------------------------------------------------------ callbacks


def sent_notice(engine: Engine, fake: FakeAr24) -> tuple[UUID, str]:
    receivable = up_to_the_notice(engine, lre_debtor(engine))
    engine.run_on(NOTICE_DAY, post=False)
    return receivable, fake.only_mail()["id"]


def test_the_deposit_callback_stores_the_proof_and_attaches_it_once(lre: tuple[Engine, FakeAr24]) -> None:
    engine, fake = lre
    receivable, provider_id = sent_notice(engine, fake)
    body = fake.callback_body(provider_id)

    first = callbacks(engine).receive(body, "application/x-www-form-urlencoded")
    repeated = callbacks(engine).receive(body, "application/x-www-form-urlencoded")

    assert (first.status, first.events, repeated.events) == ("sent", 1, 0)
    (attached,) = engine.ledger.receivable(receivable).documents[1:]  # the invoice's PDF comes first
    assert attached.document_sha256 == first.proof_sha256 and "LRE" in (attached.description or "")
    stored = DocumentStore(engine.database).content(attached.document_sha256)
    assert stored is not None and stored.startswith(b"%PDF-")
    assert engine.events(receivable)[-1].actor == "ar24"


@pytest.mark.parametrize(
    ("status", "outcome"),
    [("AR", AcknowledgementOutcome.DELIVERED), ("refused", AcknowledgementOutcome.REFUSED),
     ("negligence", AcknowledgementOutcome.UNCLAIMED)],
)  # fmt: skip
def test_an_acceptance_a_refusal_or_fifteen_days_unclaimed_acknowledge_the_notice_with_the_provider_proof(
    lre: tuple[Engine, FakeAr24], status: str, outcome: AcknowledgementOutcome
) -> None:
    engine, fake = lre
    receivable, provider_id = sent_notice(engine, fake)
    on = NOTICE_DAY + timedelta(days=3 if status != "negligence" else 15)
    fake.advance(provider_id, status, on)
    engine.at(on + timedelta(days=1))

    first = callbacks(engine).receive(fake.callback_body(provider_id), "application/x-www-form-urlencoded")
    repeated = callbacks(engine).receive(b'{"id_mail": "' + provider_id.encode() + b'"}', "application/json")

    assert (first.events, repeated.events) == (1, 0)
    acknowledgement = the_event(engine, receivable, "FormalNoticeAcknowledged")
    assert (acknowledgement.outcome, acknowledgement.acknowledged_on) == (outcome, on)
    assert acknowledgement.proof_sha256 == first.proof_sha256 and acknowledgement.actor == "ar24"
    proof = DocumentStore(engine.database).content(first.proof_sha256 or "")
    assert proof is not None and proof.startswith(b"%PDF-")
    assert journal(engine, receivable).count("FormalNoticeAcknowledged") == 1


def test_a_callback_naming_an_unknown_sending_records_nothing(lre: tuple[Engine, FakeAr24]) -> None:
    engine, fake = lre
    receivable, _ = sent_notice(engine, fake)
    before = journal(engine, receivable)

    with pytest.raises(NotFound, match="no mail 99999"):
        callbacks(engine).receive(fake.callback_body("99999"), "application/x-www-form-urlencoded")
    fake.mails["70001"] = {**fake.only_mail(), "id": "70001", "ref_dossier": "2026-01-01/x/formal_notice/sms"}
    with pytest.raises(NotFound):
        callbacks(engine).receive(fake.callback_body("70001"), "application/x-www-form-urlencoded")
    assert journal(engine, receivable) == before


def test_without_a_provider_an_lre_is_still_left_to_post_by_hand(store: Store, tmp_path: Path) -> None:
    with lre_engine(store, tmp_path, provider=False) as (engine, fake):
        assert engine.run.ports.registered_email is None
        receivable = up_to_the_notice(engine, lre_debtor(engine))

        report = engine.run_on(NOTICE_DAY, post=False)

        assert lre_items(report) == [("electronic_registered_letter", "to_post")]
        (letter,) = Letters(engine.ledger, engine.run.ports.outbox).to_post()
        assert letter.channel == "electronic_registered_letter"
        assert engine.ledger.receivable(receivable).notices == [] and fake.mails == {}
