"""The dunning run on both stores, with real templates, real PDFs and a real SMTP server on loopback."""

from __future__ import annotations

import hashlib
import io
import re
from datetime import date, timedelta
from decimal import Decimal
from email import message_from_bytes
from email.policy import default
from typing import Any

import pytest
from pypdf import PdfReader

from application.commands import (
    AddNote,
    ChangePriority,
    IssueInvoice,
    OpenInsolvency,
    RecordPayment,
    RecordPromise,
)
from application.dunning_dispatch import Dispatcher
from application.imports import Imports
from domain.receivable_events import FormalNoticeSent, PromiseBroken
from domain.vocabulary import (
    DebtorKind,
    InsolvencyProcedure,
    PaymentMethod,
    Priority,
    ReminderChannel,
    ReminderStage,
)
from infrastructure.documents import DocumentStore
from infrastructure.import_files import read_statement
from infrastructure.import_store import ImportStore
from infrastructure.policy_store import PolicyStore
from tests.integration.dunning_engine import (
    ACTOR,
    AP_EMAIL,
    DUE,
    ISSUED,
    Engine,
    invoice_pdf,
    sent_kinds,
)

# ------------------------------------------------------------------ timing


def test_the_first_reminder_goes_out_by_email_five_days_after_the_due_date_and_not_before(engine: Engine) -> None:
    receivable = engine.invoice(engine.debtor(), "F-2026-0101")
    assert engine.run_on(DUE + timedelta(days=4)).sent == []
    report = engine.run_on(DUE + timedelta(days=5))
    assert sent_kinds(report) == [("first_reminder", "email")], report
    (reminder,) = engine.reminders(receivable)
    assert (reminder.stage, reminder.channel, reminder.sent_on) == (
        ReminderStage.FIRST, ReminderChannel.EMAIL, DUE + timedelta(days=5),
    )  # fmt: skip
    assert (reminder.policy_id, reminder.policy_version, reminder.rule) == ("default", 1, "first_reminder")
    (sender, recipients, raw) = engine.inbox.received[0]
    assert recipients == [AP_EMAIL] and sender == "relances@dupont.example"
    stored = DocumentStore(engine.database).content(reminder.document_sha256 or "")
    assert stored is not None and hashlib.sha256(stored).hexdigest() == reminder.document_sha256
    assert raw.replace(b"\r\n", b"\n") == stored.replace(b"\r\n", b"\n")  # what left is what the journal names
    assert "F-2026-0101" in stored.decode("utf-8", errors="replace")


def test_a_reminder_by_email_carries_a_copy_of_the_invoice_the_firm_has(engine: Engine) -> None:
    with_pdf = engine.invoice(engine.debtor(), "F-2026/0102")  # the builder attaches the invoice's PDF
    report = engine.run_on(DUE + timedelta(days=5))
    assert sent_kinds(report) == [("first_reminder", "email")], report
    message = message_from_bytes(engine.inbox.received[0][2], policy=default)
    attached = [
        (part.get_filename(), part.get_content_type(), part.get_content()) for part in message.iter_attachments()
    ]
    assert attached == [("facture-F-2026-0102.pdf", "application/pdf", invoice_pdf("F-2026/0102"))]
    assert engine.reminders(with_pdf)[0].document_sha256 == hashlib.sha256(engine.inbox.received[0][2]).hexdigest()


def test_running_twice_for_the_same_date_sends_and_records_nothing_twice(engine: Engine) -> None:
    receivable = engine.invoice(engine.debtor(), "F-2026-0102")
    first = engine.run_on(DUE + timedelta(days=5))
    again = engine.run_on(DUE + timedelta(days=5), hour=15)
    assert len(first.sent) == 1 and again.sent == [] and again.events_recorded == 0
    assert len(engine.inbox.received) == 1 and len(engine.reminders(receivable)) == 1


def test_after_days_without_a_run_only_the_step_now_due_is_sent_never_several_at_once(engine: Engine) -> None:
    receivable = engine.invoice(engine.debtor(), "F-2026-0103")
    report = engine.run_on(DUE + timedelta(days=40))  # first, second and notice all "late"
    assert sent_kinds(report) == [("first_reminder", "email")]
    assert [r.stage for r in engine.reminders(receivable)] == [ReminderStage.FIRST]
    assert engine.run_on(DUE + timedelta(days=41)).sent == []  # spacing: the next step waits


def test_the_second_reminder_is_a_letter_fifteen_days_after_the_first_one_sent(engine: Engine) -> None:
    receivable = engine.invoice(engine.debtor(), "F-2026-0104")
    engine.run_on(DUE + timedelta(days=5))
    assert engine.run_on(DUE + timedelta(days=19)).sent == []
    report = engine.run_on(DUE + timedelta(days=20))
    assert sent_kinds(report) == [("second_reminder", "letter")]
    second = engine.reminders(receivable)[-1]
    pdf = DocumentStore(engine.database).content(second.document_sha256 or "")
    assert pdf is not None and pdf.startswith(b"%PDF-")
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    assert "F-2026-0104" in text and "relance n°" not in text.lower()


def test_the_formal_notice_is_a_registered_letter_with_the_claim_breakdown_and_an_eight_day_deadline(
    engine: Engine,
) -> None:
    receivable = engine.invoice(engine.debtor(), "F-2026-0105")
    for days in (5, 20):
        engine.run_on(DUE + timedelta(days=days))
    report = engine.run_on(DUE + timedelta(days=35))
    assert sent_kinds(report) == [("formal_notice", "registered_letter")]
    (notice,) = [e for e in engine.events(receivable) if isinstance(e, FormalNoticeSent)]
    sent_on = DUE + timedelta(days=35)
    assert (notice.sent_on, notice.deadline) == (sent_on, sent_on + timedelta(days=8))
    assert (notice.policy_id, notice.policy_version, notice.rule) == ("default", 1, "formal_notice")
    claim = engine.run.ports.claim(engine.ledger.receivable(receivable), sent_on)
    claimed = notice.claimed
    assert claimed.principal == Decimal("1200.00") and claimed.indemnity == Decimal("40.00")
    assert claimed.principal + claimed.interest + claimed.indemnity == claim.total
    pdf = DocumentStore(engine.database).content(notice.document_sha256)
    assert pdf is not None
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages).lower()
    assert "mise en demeure" in text and "f-2026-0105" in text


def test_a_letter_is_written_from_the_firms_city_under_a_neutral_reference(engine: Engine) -> None:
    receivable = engine.invoice(engine.debtor(), "F-2026-0111")
    engine.run_on(DUE + timedelta(days=5))
    engine.run_on(DUE + timedelta(days=20))
    second = engine.reminders(receivable)[-1]
    pdf = DocumentStore(engine.database).content(second.document_sha256 or "")
    assert pdf is not None
    text = " ".join(" ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages).split())
    assert "Lyon, le 24 mars 2026" in text
    assert re.search(r"Nos réf\. : 20260324-[0-9A-F]{8}\b", text), text
    assert not re.search(r"\bR[C12]-|\bMD-", text)


def test_no_letter_is_dated_on_a_sunday_it_goes_on_the_next_working_day(engine: Engine) -> None:
    receivable = engine.invoice(engine.debtor(), "F-2026-0112")
    engine.run_on(DUE + timedelta(days=5))
    sunday = DUE + timedelta(days=25)
    assert sunday.weekday() == 6

    on_sunday = engine.run_on(sunday)
    on_monday = engine.run_on(sunday + timedelta(days=1))

    assert on_sunday.sent == [] and [r.rule for r in on_sunday.refused] == ["guardrail_letter_on_sunday"]
    assert sent_kinds(on_monday) == [("second_reminder", "letter")]
    assert engine.reminders(receivable)[-1].sent_on == sunday + timedelta(days=1)


def test_a_run_sending_to_a_consumer_without_a_consumer_mediator_says_so_in_its_report(engine: Engine) -> None:
    engine.invoice(engine.debtor(), "F-2026-0113")
    engine.invoice(engine.debtor(kind=DebtorKind.CONSUMER), "F-2026-0114", due=DUE + timedelta(days=20))
    professional_only = engine.run_on(DUE + timedelta(days=5))

    report = engine.run_on(DUE + timedelta(days=15))

    assert professional_only.warnings == []
    assert [w["rule"] for w in report.warnings] == ["consumer_mediator_not_set"]
    assert "RELANCE_FIRM_CONSUMER_MEDIATOR" in report.warnings[0]["detail"]


def test_a_run_in_a_half_year_whose_rate_is_not_published_names_the_command_to_add_it(engine: Engine) -> None:
    engine.invoice(engine.debtor(), "F-2026-0115", due=date(2026, 7, 15))

    report = engine.run_on(date(2026, 7, 20), dry_run=True)

    (warning,) = report.warnings
    assert warning["rule"] == "rate_not_published"
    assert "relance rates add --half-year 2026H2 --ecb-mro RATE" in warning["detail"]


def test_no_formal_notice_goes_out_before_the_invoice_is_in_the_file(engine: Engine) -> None:
    debtor = engine.debtor()
    engine.at(ISSUED)
    receivable = engine.ledger.execute(
        IssueInvoice("F-2026-0106", debtor, ISSUED, DUE, Decimal("1000.00"), Decimal("200.00"), Decimal("1200.00"),
                     "Escalier"),
        actor=ACTOR,
    ).aggregate_id  # fmt: skip
    for days in (5, 20):
        engine.run_on(DUE + timedelta(days=days))
    report = engine.run_on(DUE + timedelta(days=35))
    assert report.sent == [] and report.held.get("guardrail_invoice_document") == 1
    assert [(r.rule, r.receivable_ids) for r in report.refused] == [("guardrail_invoice_document", [str(receivable)])]
    assert not engine.ledger.receivable(receivable).notices


# ------------------------------------------------------------- one letter


def test_a_reminder_to_a_debtor_names_all_its_overdue_invoices_in_one_document(engine: Engine) -> None:
    debtor = engine.debtor()
    due_now = engine.invoice(debtor, "F-2026-0107")
    overdue_too = engine.invoice(debtor, "F-2026-0108", due=DUE + timedelta(days=2), incl="480.00")
    not_due = engine.invoice(debtor, "F-2026-0109", due=DUE + timedelta(days=30))
    report = engine.run_on(DUE + timedelta(days=5))
    assert sent_kinds(report) == [("first_reminder", "email")] and len(engine.inbox.received) == 1
    (first,) = engine.reminders(due_now)
    (second,) = engine.reminders(overdue_too)
    assert first.document_sha256 == second.document_sha256 and second.stage is ReminderStage.FIRST
    assert engine.reminders(not_due) == []
    message = engine.inbox.received[0][2].decode("utf-8", errors="replace")
    assert "F-2026-0107" in message and "F-2026-0108" in message and "F-2026-0109" not in message


# -------------------------------------------------------------- guardrails


def test_nothing_is_sent_on_stale_bank_data_unless_forced(engine: Engine) -> None:
    receivable = engine.invoice(engine.debtor(), "F-2026-0110")
    report = engine.run_on(DUE + timedelta(days=5), force=False)
    assert report.sent == [] and [r.rule for r in report.refused] == ["bank_data_stale"]
    assert "no bank statement" in report.bank_data
    assert engine.reminders(receivable) == [] and engine.inbox.received == []


def test_no_email_goes_out_outside_working_hours_and_the_refusal_is_reported(engine: Engine) -> None:
    receivable = engine.invoice(engine.debtor(), "F-2026-0111")
    report = engine.run_on(DUE + timedelta(days=5), hour=20)
    assert report.sent == [] and [r.rule for r in report.refused] == ["guardrail_working_hours"]
    assert engine.reminders(receivable) == []
    assert sent_kinds(engine.run_on(DUE + timedelta(days=6))) == [("first_reminder", "email")]


def test_the_weekly_contact_cap_holds_back_a_second_document_to_the_same_debtor(engine: Engine) -> None:
    policies = PolicyStore(engine.database)
    source = policies.require("default").source.replace("max_contacts_per_week = 3", "max_contacts_per_week = 1")
    policies.put("default", source, actor="manager:claire", now=engine.clock())
    debtor = engine.debtor()
    engine.invoice(debtor, "F-2026-0112")  # first reminder due on DUE + 5
    engine.invoice(debtor, "F-2026-0113", due=DUE + timedelta(days=12), incl="2400.00")  # courtesy due then
    report = engine.run_on(DUE + timedelta(days=5))
    assert len(report.sent) == 1
    assert [r.rule for r in report.refused] == ["guardrail_contacts_per_week"]


def test_a_debtor_without_an_email_address_is_reported_not_skipped_silently(engine: Engine) -> None:
    receivable = engine.invoice(engine.debtor(email=None), "F-2026-0114")
    report = engine.run_on(DUE + timedelta(days=5))
    assert [r.rule for r in report.refused] == ["no_email_address"] and engine.reminders(receivable) == []


# ------------------------------------------------------------------ pauses


def test_insolvency_proceedings_stop_every_receivable_of_the_debtor_at_once(engine: Engine) -> None:
    debtor = engine.debtor()
    receivables = [engine.invoice(debtor, f"F-2026-012{i}") for i in range(3)]
    engine.at(DUE + timedelta(days=3))
    engine.ledger.execute(
        OpenInsolvency(debtor, InsolvencyProcedure.RECEIVERSHIP, "Tribunal de commerce de Lyon",
                       DUE + timedelta(days=1), DUE + timedelta(days=3)),
        actor=ACTOR,
    )  # fmt: skip
    report = engine.run_on(DUE + timedelta(days=5))
    assert report.sent == [] and report.held == {"insolvency": 3}
    assert all(engine.reminders(r) == [] for r in receivables)


def test_a_broken_promise_is_recorded_when_detected_and_escalation_resumes(engine: Engine) -> None:
    receivable = engine.invoice(engine.debtor(), "F-2026-0130")
    engine.at(DUE + timedelta(days=2))
    engine.ledger.execute(RecordPromise(receivable, Decimal("1200.00"), DUE + timedelta(days=10)), actor=ACTOR)
    assert engine.run_on(DUE + timedelta(days=5)).held == {"promise": 1}
    report = engine.run_on(DUE + timedelta(days=14))  # promised date + 3 days grace passed, unpaid
    assert [d["kind"] for d in report.detections] == ["promise_broken"]
    assert any(isinstance(e, PromiseBroken) for e in engine.events(receivable))
    assert sent_kinds(report) == [("first_reminder", "email")]


def test_a_receivable_paid_before_the_run_gets_nothing(engine: Engine) -> None:
    receivable = engine.invoice(engine.debtor(), "F-2026-0131")
    engine.at(DUE + timedelta(days=3))
    engine.ledger.execute(
        RecordPayment(receivable, Decimal("1200.00"), DUE + timedelta(days=3), PaymentMethod.TRANSFER, "VIR-77"),
        actor=ACTOR,
    )
    report = engine.run_on(DUE + timedelta(days=5))
    assert report.sent == [] and report.receivables_examined == 0


# ------------------------------------------------------------------ resume


def test_a_run_killed_after_sending_is_finished_by_the_next_one_without_sending_again(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    receivable = engine.invoice(engine.debtor(), "F-2026-0140")

    def killed(*args: Any, **kwargs: Any) -> int:
        raise KeyboardInterrupt("killed between sending and recording")

    monkeypatch.setattr(Dispatcher, "_record_batch", killed)
    with pytest.raises(KeyboardInterrupt):
        engine.run_on(DUE + timedelta(days=5))
    monkeypatch.undo()
    assert len(engine.inbox.received) == 1 and engine.reminders(receivable) == []
    report = engine.run_on(DUE + timedelta(days=5), hour=11)
    assert [item.status for item in report.sent] == ["resumed"]
    assert len(engine.inbox.received) == 1 and len(engine.reminders(receivable)) == 1


def test_an_email_the_smtp_server_refused_is_retried_by_the_next_run_and_recorded_once(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    receivable = engine.invoice(engine.debtor(), "F-2026-0141")
    sender = engine.run.ports.sender
    assert sender is not None

    def refused(*args: Any, **kwargs: Any) -> None:
        raise OSError("connection refused")

    monkeypatch.setattr(type(sender), "send_bytes", refused)
    report = engine.run_on(DUE + timedelta(days=5))
    assert report.errors and engine.reminders(receivable) == []
    monkeypatch.undo()
    retried = engine.run_on(DUE + timedelta(days=5), hour=11)
    assert len(engine.inbox.received) == 1 and len(engine.reminders(receivable)) == 1
    assert retried.events_recorded == 1


def test_a_dry_run_decides_and_reports_but_sends_and_records_nothing(engine: Engine) -> None:
    receivable = engine.invoice(engine.debtor(), "F-2026-0142")
    report = engine.run_on(DUE + timedelta(days=5), dry_run=True)
    assert [item.status for item in report.sent] == ["would_send"]
    assert engine.inbox.received == [] and engine.reminders(receivable) == []


# ---------------------------------------------------------------- worklist


def test_the_worklist_lists_the_courteous_calls_by_priority_then_amount_with_the_contact(engine: Engine) -> None:
    normal, urgent = engine.debtor(), engine.debtor()
    engine.at(ISSUED)
    engine.ledger.execute(ChangePriority(urgent, Priority.HIGH), actor=ACTOR)
    engine.invoice(normal, "F-2026-0150", incl="300.00")  # light policy: no call for a small invoice
    engine.invoice(normal, "F-2026-0151", incl="9000.00")
    engine.invoice(normal, "F-2026-0152", incl="1500.00")
    engine.invoice(urgent, "F-2026-0153", incl="1200.00")
    engine.at(DUE + timedelta(days=1))
    items = engine.run.worklist(DUE + timedelta(days=1))
    assert [(i.invoice_number, i.action, i.rule) for i in items] == [
        ("F-2026-0153", "call", "courteous_call"),
        ("F-2026-0151", "call", "courteous_call"),
        ("F-2026-0152", "call", "courteous_call"),
    ]
    assert items[0].contact is not None and items[0].contact["email"] == AP_EMAIL
    assert engine.run.worklist(DUE + timedelta(days=5)) == []  # the call's window closed when the reminder went


def test_a_stage_with_two_channels_sends_the_notice_by_registered_letter_and_a_copy_by_email(engine: Engine) -> None:
    policies = PolicyStore(engine.database)
    source = policies.require("default").source
    both = source.replace('channels = ["registered_letter"]', 'channels = ["registered_letter", "email"]', 1)
    assert both != source
    policies.put("default", both, actor="manager:claire", now=engine.clock())
    receivable = engine.invoice(engine.debtor(), "F-2026-0160")
    for days in (5, 20):
        engine.run_on(DUE + timedelta(days=days))
    report = engine.run_on(DUE + timedelta(days=35))
    assert sent_kinds(report) == [("formal_notice", "email"), ("formal_notice", "registered_letter")]
    (notice,) = engine.ledger.receivable(receivable).notices
    copies = [n for n in engine.ledger.receivable(receivable).notes if n.document_sha256]
    assert len(copies) == 1 and copies[0].document_sha256 != notice.document_sha256
    assert "mise en demeure" in engine.inbox.received[-1][2].decode("utf-8", errors="replace").lower()
    assert engine.run_on(DUE + timedelta(days=35), hour=16).sent == []


def test_a_recent_bank_statement_lets_the_run_send_without_forcing_and_its_payments_are_not_chased(
    engine: Engine,
) -> None:
    debtor = engine.debtor()
    paid = engine.invoice(debtor, "F-2026-0170")
    unpaid = engine.invoice(debtor, "F-2026-0171", incl="600.00")
    day = DUE + timedelta(days=5)
    engine.at(day)
    statement = (
        "Date;Date valeur;Montant;Référence;Libellé;Emetteur\n"
        f"{day - timedelta(days=1):%d/%m/%Y};{day - timedelta(days=1):%d/%m/%Y};1 200,00;VIR-7001;"
        "VIR SEPA FACTURE F-2026-0170;MENUISERIE MARTIN SARL\n"
    ).encode()
    imports = Imports(engine.ledger, ImportStore(engine.database), DocumentStore(engine.database))
    imports.import_payments(read_statement(statement, format="csv"), actor=ACTOR)
    report = engine.run_on(day, force=False)
    assert "latest bank statement of" in report.bank_data and report.refused == []
    assert engine.reminders(paid) == [] and len(engine.reminders(unpaid)) == 1
    stale = engine.run_on(day + timedelta(days=4), force=False)  # statement now 5 days old (limit 3)
    assert "older than 3 days" in stale.bank_data


def test_an_overdue_invoice_joins_only_one_document_when_two_reminders_go_the_same_day(engine: Engine) -> None:
    debtor = engine.debtor()
    second_due = engine.invoice(debtor, "F-2026-0180")
    first_due = engine.invoice(debtor, "F-2026-0181", due=DUE + timedelta(days=15))
    companion = engine.invoice(debtor, "F-2026-0182", due=DUE + timedelta(days=17), incl="700.00")
    engine.run_on(DUE + timedelta(days=5))
    report = engine.run_on(DUE + timedelta(days=20))
    assert sent_kinds(report) == [("first_reminder", "email"), ("second_reminder", "letter")]
    (joined,) = engine.reminders(companion)
    letter = engine.reminders(second_due)[-1]
    assert joined.document_sha256 == letter.document_sha256 and joined.channel is ReminderChannel.LETTER
    assert [r.channel for r in engine.reminders(first_due)] == [ReminderChannel.EMAIL]


def test_a_receivable_written_by_someone_else_during_the_run_still_gets_its_step_once(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    receivable = engine.invoice(engine.debtor(), "F-2026-0190")
    sender = engine.run.ports.sender
    assert sender is not None
    send = type(sender).send_bytes

    def send_while_a_collector_writes(self: Any, message: bytes, *, to: str) -> None:
        engine.ledger.execute(AddNote(receivable, "appel entrant du client"), actor="collector:marie")
        send(self, message, to=to)

    monkeypatch.setattr(type(sender), "send_bytes", send_while_a_collector_writes)
    report = engine.run_on(DUE + timedelta(days=5))
    assert report.events_recorded == 1 and len(engine.reminders(receivable)) == 1
    assert [type(e).__name__ for e in engine.events(receivable)][-2:] == ["NoteAdded", "ReminderSent"]


def test_no_call_is_put_on_the_worklist_of_a_day_off_and_it_waits_for_the_next_working_day(engine: Engine) -> None:
    debtor = engine.debtor()
    saturday_after_due = date(2026, 3, 7)  # due on Friday 6 March: the courteous call falls on Saturday
    engine.invoice(debtor, "F-2026-0195", due=saturday_after_due - timedelta(days=1), incl="1500.00")
    engine.at(saturday_after_due)
    assert engine.run.worklist(saturday_after_due) == []
    monday = saturday_after_due + timedelta(days=2)
    engine.at(monday)
    assert [(i.invoice_number, i.rule) for i in engine.run.worklist(monday)] == [("F-2026-0195", "courteous_call")]


# A run killed at each step of a dispatch (decision 0065), then run again: the journal never holds a sending
# that did not happen, and the debtor gets the message once; the one window is a kill between the SMTP
# server's acceptance and the outbox's "sent", where the resend carries the same Message-ID.
EMAIL_STEPS = [
    ("documents", "put_many", "after"),
    ("outbox", "prepare_many", "after"),
    ("sender", "send_bytes", "before"),
    ("sender", "send_bytes", "after"),
    ("outbox", "mark_sent", "after"),
    ("ledger", "execute_batch", "after"),
    ("outbox", "mark_many", "after"),
]


def kill_once(monkeypatch: pytest.MonkeyPatch, target: object, method: str, when: str) -> None:
    original = getattr(type(target), method)
    calls = {"n": 0}

    def killing(self: object, *args: Any, **kwargs: Any) -> Any:
        keys = args[0] if args and isinstance(args[0], list) else None
        if calls["n"] or keys == []:  # an empty batch is not a step
            return original(self, *args, **kwargs)
        calls["n"] += 1
        if when == "before":
            raise KeyboardInterrupt(f"killed before {method}")
        original(self, *args, **kwargs)
        raise KeyboardInterrupt(f"killed after {method}")

    monkeypatch.setattr(type(target), method, killing)


@pytest.mark.parametrize(("port", "method", "when"), EMAIL_STEPS, ids=[f"{w} {p}.{m}" for p, m, w in EMAIL_STEPS])
def test_a_run_killed_at_any_step_of_an_email_never_records_what_was_not_sent_nor_sends_it_twice(
    engine: Engine, monkeypatch: pytest.MonkeyPatch, port: str, method: str, when: str
) -> None:
    receivable = engine.invoice(engine.debtor(), "F-2026-0190")
    target = engine.ledger if port == "ledger" else getattr(engine.run.ports, port)
    kill_once(monkeypatch, target, method, when)

    with pytest.raises(KeyboardInterrupt):
        engine.run_on(DUE + timedelta(days=5))
    monkeypatch.undo()

    sent_before = len(engine.inbox.received)
    assert len(engine.reminders(receivable)) <= sent_before  # recorded only once the server accepted it
    engine.run_on(DUE + timedelta(days=5), hour=11)
    engine.run_on(DUE + timedelta(days=5), hour=12)

    assert len(engine.reminders(receivable)) == 1
    ids = {message_from_bytes(raw, policy=default)["Message-ID"] for _, _, raw in engine.inbox.received}
    window = (port, method, when) == ("sender", "send_bytes", "after")
    assert len(engine.inbox.received) == (2 if window else 1) and len(ids) == 1


LETTER_STEPS = [("documents", "put_many"), ("outbox", "prepare_many"), ("outbox", "mark_many")]


@pytest.mark.parametrize(("port", "method"), LETTER_STEPS, ids=[f"after {p}.{m}" for p, m in LETTER_STEPS])
def test_a_run_killed_while_preparing_a_letter_leaves_one_letter_to_post_and_nothing_in_the_journal(
    engine: Engine, monkeypatch: pytest.MonkeyPatch, port: str, method: str
) -> None:
    receivable = engine.invoice(engine.debtor(), "F-2026-0191")
    engine.run_on(DUE + timedelta(days=5))  # the first reminder, by e-mail
    kill_once(monkeypatch, getattr(engine.run.ports, port), method, "after")

    with pytest.raises(KeyboardInterrupt):
        engine.run_on(DUE + timedelta(days=20), post=False)  # the second reminder: a letter
    monkeypatch.undo()
    engine.run_on(DUE + timedelta(days=20), hour=11, post=False)
    engine.run_on(DUE + timedelta(days=20), hour=12, post=False)

    assert len(engine.letters.to_post()) == 1
    assert [r.channel for r in engine.reminders(receivable)] == [ReminderChannel.EMAIL]  # not posted: not sent
    engine.post_letters(DUE + timedelta(days=20))
    assert [r.channel for r in engine.reminders(receivable)] == [ReminderChannel.EMAIL, ReminderChannel.LETTER]
