"""The SMS channel on both stores, through a local fake of Brevo's API: sent once, recorded once, with its
text kept; a provider that refuses records nothing; a killed run never sends twice; the dry run proposes
exactly what the real run sends."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from datetime import UTC, datetime, time, timedelta
from typing import TYPE_CHECKING, Any
from uuid import UUID, uuid4

import pytest
from pydantic import SecretStr

from application.clock import SimulatedClock
from application.commands import AddContact
from application.dunning_dispatch import Dispatcher
from application.dunning_run import RunReport
from domain.vocabulary import ContactRole, DeliveryStatus, ReminderChannel
from infrastructure.brevo_sms import read_report
from infrastructure.dispatches import DispatchStore
from infrastructure.documents import DocumentStore
from infrastructure.dunning_ports import build_dunning
from infrastructure.policy_store import PolicyStore
from infrastructure.provider_messages import ProviderMessageStore
from infrastructure.settings import Settings
from infrastructure.sms_channel import build_sms_reports
from infrastructure.sql import open_database
from tests.integration.dunning_engine import ACTOR, DUE, ISSUED, Engine
from tests.support.fake_brevo_sms import API_KEY, FakeBrevo, fake_brevo
from tests.support.fake_brevo_sms import report as brevo_report
from tests.support.smtp_server import smtp_server

if TYPE_CHECKING:
    from tests.integration.conftest import Store

MOBILE = "06 12 34 56 78"
MOBILE_E164 = "+33612345678"
FIRST_REMINDER_DAY = DUE + timedelta(days=5)  # a Monday


def firm_settings(store: Store, **overrides: Any) -> Settings:
    return store.settings.model_copy(
        update={
            "firm_name": "Atelier Dupont SARL",
            "firm_address": "12 rue de la République | 69001 Lyon",
            "firm_email": "relances@dupont.example",
            "firm_iban": "FR76 3000 4000 0312 3456 7890 143",
            **overrides,
        }
    )


def sms_policy(engine: Engine) -> None:
    """The firm's policy sends the first reminder by SMS (the seeds name it for the first reminder)."""
    policies = PolicyStore(engine.database)
    source = policies.require("default").source.replace(
        'offset_days = 5\nchannels = ["email"]', 'offset_days = 5\nchannels = ["sms"]', 1
    )
    assert 'channels = ["sms"]' in source
    policies.put("default", source, actor="manager:claire", now=engine.clock())


@pytest.fixture
def brevo() -> Iterator[FakeBrevo]:
    with fake_brevo() as fake:
        yield fake


@pytest.fixture
def sms_engine(store: Store, brevo: FakeBrevo) -> Iterator[Engine]:
    with smtp_server() as (inbox, port):
        settings = firm_settings(
            store, smtp_host="127.0.0.1", smtp_port=port, sms_provider="brevo", sms_sender="DUPONT",
            brevo_api_key=SecretStr(API_KEY), brevo_api_url=brevo.url,
        )  # fmt: skip
        clock = SimulatedClock(datetime.combine(ISSUED, time(9), tzinfo=UTC))
        ledger = store.ledger(clock)
        database = open_database(settings)
        run = build_dunning(settings, ledger, database, DocumentStore(database))
        engine = Engine(store, clock, ledger, database, run, inbox)
        sms_policy(engine)
        yield engine
        database.close()


def debtor_with_mobile(engine: Engine, phone: str | None = MOBILE) -> UUID:
    debtor = engine.debtor()  # its accounts-payable contact has a landline
    engine.ledger.execute(AddContact(debtor, uuid4(), ContactRole.MANAGEMENT, "Paul Martin", None, phone), actor=ACTOR)
    return debtor


def sent(report: RunReport) -> list[tuple[str, str, str]]:
    return [(item.kind, item.channel, item.status) for item in report.sent]


def test_an_sms_step_is_sent_once_and_recorded_once_with_its_text_kept_as_a_document(
    sms_engine: Engine, brevo: FakeBrevo
) -> None:
    receivable = sms_engine.invoice(debtor_with_mobile(sms_engine), "F-2026-0501")

    report = sms_engine.run_on(FIRST_REMINDER_DAY)

    assert sent(report) == [("first_reminder", "sms", "recorded")] and report.errors == []
    (body,) = brevo.accepted
    assert body["recipient"] == MOBILE_E164.lstrip("+") and body["sender"] == "DUPONT"
    assert body["type"] == "transactional" and body["unicodeEnabled"] is False
    assert "F-2026-0501" in body["content"] and "1 200,00 €" in body["content"]
    assert "FR76 3000 4000 0312 3456 7890 143" in body["content"]
    assert body["content"].endswith("Atelier Dupont SARL") and "Tanneurs" not in body["content"]
    (reminder,) = sms_engine.reminders(receivable)
    assert reminder.channel is ReminderChannel.SMS and reminder.sent_on == FIRST_REMINDER_DAY
    assert reminder.document_sha256 == hashlib.sha256(body["content"].encode()).hexdigest()
    documents = DocumentStore(sms_engine.database)
    assert documents.content(reminder.document_sha256) == body["content"].encode()
    described = documents.describe(reminder.document_sha256)
    assert described is not None and described.media_type == "text/plain"
    kept = ProviderMessageStore(sms_engine.database).of_dispatch(report.sent[0].dispatch_key)
    assert kept is not None and kept.message_id == str(brevo.next_id - 1)
    assert kept.document_sha256 == reminder.document_sha256

    again = sms_engine.run_on(FIRST_REMINDER_DAY, hour=15)
    assert again.sent == [] and len(brevo.accepted) == 1 and len(sms_engine.reminders(receivable)) == 1


def test_a_provider_that_refuses_records_nothing_and_the_next_run_sends_it_once(
    sms_engine: Engine, brevo: FakeBrevo
) -> None:
    receivable = sms_engine.invoice(debtor_with_mobile(sms_engine), "F-2026-0502")
    brevo.fail_with = 503

    down = sms_engine.run_on(FIRST_REMINDER_DAY)

    assert down.sent == [] and "SMS not sent: Brevo answered 503" in down.errors[0]["error"]
    assert sms_engine.reminders(receivable) == [] and brevo.accepted == []
    brevo.fail_with = None
    back = sms_engine.run_on(FIRST_REMINDER_DAY, hour=11)
    assert sent(back) == [("first_reminder", "sms", "resumed")]
    assert len(brevo.accepted) == 1 and len(sms_engine.reminders(receivable)) == 1


def test_a_wrong_api_key_is_a_refusal_reported_not_a_crash(store: Store, brevo: FakeBrevo) -> None:
    settings = firm_settings(store, sms_provider="brevo", sms_sender="DUPONT", brevo_api_key=SecretStr("wrong"),
                             brevo_api_url=brevo.url)  # fmt: skip
    clock = SimulatedClock(datetime.combine(ISSUED, time(9), tzinfo=UTC))
    ledger = store.ledger(clock)
    database = open_database(settings)
    try:
        engine = Engine(store, clock, ledger, database, build_dunning(settings, ledger, database,
                        DocumentStore(database)), None)  # type: ignore[arg-type]  # fmt: skip
        sms_policy(engine)
        receivable = engine.invoice(debtor_with_mobile(engine), "F-2026-0503")
        report = engine.run_on(FIRST_REMINDER_DAY)
        assert "Brevo answered 401" in report.errors[0]["error"] and engine.reminders(receivable) == []
        assert brevo.refused == [(401, "Key not found")]
    finally:
        database.close()


def test_a_run_killed_between_sending_and_recording_resumes_without_sending_twice(
    sms_engine: Engine, brevo: FakeBrevo, monkeypatch: pytest.MonkeyPatch
) -> None:
    receivable = sms_engine.invoice(debtor_with_mobile(sms_engine), "F-2026-0504")

    def killed(*args: Any, **kwargs: Any) -> None:
        raise KeyboardInterrupt("killed between sending and recording")

    monkeypatch.setattr(Dispatcher, "_record_batch", killed)
    with pytest.raises(KeyboardInterrupt):
        sms_engine.run_on(FIRST_REMINDER_DAY)
    monkeypatch.undo()
    assert len(brevo.accepted) == 1 and sms_engine.reminders(receivable) == []

    report = sms_engine.run_on(FIRST_REMINDER_DAY, hour=11)

    assert sent(report) == [("first_reminder", "sms", "resumed")]
    assert len(brevo.accepted) == 1 and len(sms_engine.reminders(receivable)) == 1


def test_a_run_killed_after_the_provider_accepted_and_before_the_outbox_said_sent_does_not_send_again(
    sms_engine: Engine, brevo: FakeBrevo, monkeypatch: pytest.MonkeyPatch
) -> None:
    receivable = sms_engine.invoice(debtor_with_mobile(sms_engine), "F-2026-0505")

    def killed(*args: Any, **kwargs: Any) -> None:
        raise KeyboardInterrupt("killed before the outbox said sent")

    monkeypatch.setattr(DispatchStore, "mark_sent", killed)
    with pytest.raises(KeyboardInterrupt):
        sms_engine.run_on(FIRST_REMINDER_DAY)
    monkeypatch.undo()
    (row,) = DispatchStore(sms_engine.database).of_date(FIRST_REMINDER_DAY)
    assert row.status == "prepared" and len(brevo.accepted) == 1

    report = sms_engine.run_on(FIRST_REMINDER_DAY, hour=11)

    assert sent(report) == [("first_reminder", "sms", "resumed")]
    assert len(brevo.accepted) == 1 and len(sms_engine.reminders(receivable)) == 1


def test_the_dry_run_proposes_exactly_the_sms_the_real_run_sends(sms_engine: Engine, brevo: FakeBrevo) -> None:
    reachable = sms_engine.invoice(debtor_with_mobile(sms_engine), "F-2026-0506")
    landline_only = sms_engine.invoice(sms_engine.debtor(), "F-2026-0507")
    foreign = sms_engine.invoice(debtor_with_mobile(sms_engine, "+32 470 12 34 56"), "F-2026-0508")

    late = sms_engine.run_on(FIRST_REMINDER_DAY, hour=7, dry_run=True)  # before 09:00
    assert late.sent == [] and {r.rule for r in late.refused} == {"guardrail_working_hours"}
    dry = sms_engine.run_on(FIRST_REMINDER_DAY, dry_run=True)
    real = sms_engine.run_on(FIRST_REMINDER_DAY)

    for report in (dry, real):
        assert [(i.channel, i.invoice_numbers) for i in report.sent] == [("sms", ["F-2026-0506"])]
        refusals = sorted((r.rule, r.invoice_numbers[0]) for r in report.refused)
        assert refusals == [("no_mobile_number", "F-2026-0507"), ("no_mobile_number", "F-2026-0508")]
    assert "landline" in next(r.detail for r in real.refused if r.invoice_numbers == ["F-2026-0507"])
    assert real.errors == [] and len(brevo.accepted) == 1
    assert len(sms_engine.reminders(reachable)) == 1
    assert sms_engine.reminders(landline_only) == sms_engine.reminders(foreign) == []


def test_without_a_provider_an_sms_step_is_refused_alike_by_the_dry_run_and_the_real_run(store: Store) -> None:
    settings = firm_settings(store)
    clock = SimulatedClock(datetime.combine(ISSUED, time(9), tzinfo=UTC))
    ledger = store.ledger(clock)
    database = open_database(settings)
    try:
        run = build_dunning(settings, ledger, database, DocumentStore(database))
        engine = Engine(store, clock, ledger, database, run, None)  # type: ignore[arg-type]
        sms_policy(engine)
        receivable = engine.invoice(debtor_with_mobile(engine), "F-2026-0509")
        for dry_run in (True, False):
            report = engine.run_on(FIRST_REMINDER_DAY, dry_run=dry_run)
            assert report.sent == [] and [r.rule for r in report.refused] == ["sms_not_available"]
        assert engine.reminders(receivable) == []
    finally:
        database.close()


def test_delivery_reports_find_their_dispatch_and_a_hard_bounce_makes_the_step_due_again(
    sms_engine: Engine, brevo: FakeBrevo
) -> None:
    receivable = sms_engine.invoice(debtor_with_mobile(sms_engine), "F-2026-0510")
    sms_engine.run_on(FIRST_REMINDER_DAY)
    (reminder,) = sms_engine.reminders(receivable)
    message_id = brevo.next_id - 1
    reports = build_sms_reports(sms_engine.ledger, sms_engine.database, DocumentStore(sms_engine.database))
    sms_engine.at(FIRST_REMINDER_DAY + timedelta(days=1))
    stamp = int(datetime.combine(FIRST_REMINDER_DAY, time(11), tzinfo=UTC).timestamp())

    raw = brevo_report(message_id, "hard_bounce", ts_event=stamp)
    first = reports.receive(read_report(raw), raw)
    repeated = reports.receive(read_report(raw), raw)
    unknown = reports.receive(read_report(brevo_report(42, "delivered")), brevo_report(42, "delivered"))
    accepted = reports.receive(read_report(brevo_report(message_id, "sent")), brevo_report(message_id, "sent"))

    assert (first.status, first.events_recorded) == ("recorded", 1)
    assert [o.status for o in (repeated, unknown, accepted)] == ["repeated", "unknown_message", "ignored"]
    state = sms_engine.ledger.receivable(receivable)
    assert state.deliveries[reminder.document_sha256] == {DeliveryStatus.HARD_BOUNCE: FIRST_REMINDER_DAY}
    proof = DocumentStore(sms_engine.database).content(hashlib.sha256(raw).hexdigest())
    assert proof == raw
    a_week_later = FIRST_REMINDER_DAY + timedelta(days=7)  # the policy's spacing after the failed step
    again = sms_engine.run_on(a_week_later, dry_run=True)
    assert [(i.kind, i.channel, i.invoice_numbers) for i in again.sent] == [("first_reminder", "sms", ["F-2026-0510"])]
