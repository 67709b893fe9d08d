"""What comes back of the reminders sent by e-mail, read from a real IMAP server on loopback (decision 0099):
bounces (RFC 3464 DSN as Postfix and Exchange write them), replies and auto-replies, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from email import message_from_bytes
from pathlib import Path
from uuid import UUID

import pytest

from application.commands import ChangeContact
from application.mail_feedback import MailFeedback
from domain.receivable_events import DeliveryReported, NoteAdded
from domain.vocabulary import ContactRole, DeliveryStatus
from infrastructure.documents import DocumentStore
from infrastructure.imap_mailbox import ImapMailbox
from infrastructure.mail_ports import build_mail_feedback
from infrastructure.mail_store import MailStore
from tests.integration.dunning_engine import ACTOR, AP_EMAIL, DUE, Engine, sent_kinds
from tests.support.fake_imap import PASSWORD, USER, Mailbox, imap_server

SAMPLES = Path(__file__).parents[1] / "samples" / "mail"
FIRST_DAY = DUE + timedelta(days=5)  # the first reminder, by e-mail (a Monday)
NEXT_DAY = FIRST_DAY + timedelta(days=7)  # the policy's spacing after it (the bounced step counts as a contact)


@pytest.fixture
def imap() -> Iterator[tuple[Mailbox, ImapMailbox]]:
    with imap_server() as (box, port):
        yield box, ImapMailbox("127.0.0.1", port, user=USER, password=PASSWORD, tls=False)


def sample(name: str, message_id: str, recipient: str = AP_EMAIL) -> bytes:
    text = (SAMPLES / name).read_text(encoding="utf-8")
    return text.replace("@@MESSAGE_ID@@", message_id).replace("@@RECIPIENT@@", recipient).encode("utf-8")


def reminded(engine: Engine, number: str = "F-2026-0101") -> tuple[UUID, UUID, str]:
    """A debtor and an invoice whose first reminder went by e-mail on FIRST_DAY; its Message-ID."""
    debtor = engine.debtor()
    receivable = engine.invoice(debtor, number)
    assert sent_kinds(engine.run_on(FIRST_DAY)) == [("first_reminder", "email")]
    (reminder,) = engine.reminders(receivable)
    content = DocumentStore(engine.database).content(reminder.document_sha256 or "")
    assert content is not None
    return debtor, receivable, str(message_from_bytes(content)["Message-ID"])


def feedback(engine: Engine) -> MailFeedback:
    return build_mail_feedback(engine.ledger, engine.database, DocumentStore(engine.database))


def deliveries(engine: Engine, receivable: UUID) -> list[DeliveryReported]:
    return [e for e in engine.events(receivable) if isinstance(e, DeliveryReported)]


def notes(engine: Engine, receivable: UUID) -> list[NoteAdded]:
    return [e for e in engine.events(receivable) if isinstance(e, NoteAdded)]


def test_the_message_id_of_each_e_mail_is_kept_with_its_dispatch_once_the_smtp_server_accepted_it(
    engine: Engine,
) -> None:
    debtor, receivable, message_id = reminded(engine)

    sent = MailStore(engine.database).find(message_id)

    (reminder,) = engine.reminders(receivable)
    assert sent is not None and sent.document_sha256 == reminder.document_sha256
    assert sent.debtor_id == str(debtor) and sent.contact_id == str(reminder.contact_id)
    assert sent.dispatch_key.startswith(f"{FIRST_DAY.isoformat()}/{debtor}/first_reminder/email")


def test_a_hard_bounce_is_recorded_once_flags_the_contact_and_the_next_step_goes_by_letter(
    engine: Engine, imap: tuple[Mailbox, ImapMailbox]
) -> None:
    box, mailbox = imap
    debtor, receivable, message_id = reminded(engine)
    box.deliver(sample("postfix_hard_bounce.eml", message_id))
    engine.at(FIRST_DAY, 15)

    first = feedback(engine).fetch(mailbox, actor=ACTOR)
    again = feedback(engine).fetch(mailbox, actor=ACTOR)
    box.messages[0].flags.clear()  # someone marked it unread: processed already, nothing new
    third = feedback(engine).fetch(mailbox, actor=ACTOR)

    (bounce,) = deliveries(engine, receivable)
    assert (bounce.status, bounce.source, bounce.reported_on) == (DeliveryStatus.HARD_BOUNCE, "dsn", FIRST_DAY)
    assert bounce.detail is not None and "550 5.1.1" in bounce.detail and "User unknown" in bounce.detail
    proof = DocumentStore(engine.database).describe(bounce.proof_sha256 or "")
    assert proof is not None and proof.media_type == "message/rfc822"
    assert (first.read, first.events) == (1, 2)  # the delivery status and the contact's flag
    assert (again.read, third.read, third.already, third.events) == (0, 1, 1, 0)
    assert "\\Seen" in box.messages[0].flags
    contact = engine.ledger.debtor(debtor).preferred_contact()
    assert contact is not None and contact.email_bounced_on == FIRST_DAY

    report = engine.run_on(NEXT_DAY, post=False)

    assert sent_kinds(report) == [("first_reminder", "letter")]
    assert [r.rule for r in report.refused] == ["email_bounced"]
    assert "sent by letter instead" in report.refused[0].detail
    assert len(engine.inbox.received) == 1  # no second e-mail to the address that bounced


def test_a_new_e_mail_address_for_the_contact_ends_the_fallback_to_letters(
    engine: Engine, imap: tuple[Mailbox, ImapMailbox]
) -> None:
    box, mailbox = imap
    debtor, _, message_id = reminded(engine)
    box.deliver(sample("postfix_hard_bounce.eml", message_id))
    feedback(engine).fetch(mailbox, actor=ACTOR)
    contact = engine.ledger.debtor(debtor).preferred_contact()
    assert contact is not None
    engine.ledger.execute(ChangeContact(debtor, contact.contact_id, ContactRole.ACCOUNTS_PAYABLE, contact.name,
                                        "factures@martin.example"), actor=ACTOR)  # fmt: skip

    report = engine.run_on(NEXT_DAY, post=False)

    assert sent_kinds(report) == [("first_reminder", "email")]
    assert engine.inbox.received[-1][1] == ["factures@martin.example"]


def test_a_soft_bounce_is_recorded_without_flagging_the_contact(
    engine: Engine, imap: tuple[Mailbox, ImapMailbox]
) -> None:
    box, mailbox = imap
    debtor, receivable, message_id = reminded(engine)
    box.deliver(sample("exchange_delayed.eml", message_id))

    result = feedback(engine).fetch(mailbox, actor=ACTOR)

    (delay,) = deliveries(engine, receivable)
    assert (delay.status, delay.source) == (DeliveryStatus.SOFT_BOUNCE, "dsn")
    assert result.outcomes[0]["status"] == "soft_bounce" and result.events == 1
    assert engine.ledger.debtor(debtor).preferred_contact(with_email=True) is not None


def test_a_reply_is_noted_with_its_message_and_waits_on_the_worklist_until_handled(
    engine: Engine, imap: tuple[Mailbox, ImapMailbox]
) -> None:
    box, mailbox = imap
    _, receivable, message_id = reminded(engine)
    box.deliver(sample("reply.eml", message_id))
    engine.at(FIRST_DAY + timedelta(days=1), 9)

    feedback(engine).fetch(mailbox, actor=ACTOR)
    feedback(engine).fetch(mailbox, actor=ACTOR)

    (note,) = notes(engine, receivable)
    assert note.text == "Réponse du débiteur reçue le 10/03/2026 : RE : Facture F-2026-0101 : relance"
    stored = DocumentStore(engine.database)
    described = stored.describe(note.document_sha256 or "")
    assert described is not None and described.media_type == "message/rfc822"
    assert "Le virement de 1 200,00 €" in (stored.content(described.sha256) or b"").decode("utf-8")
    (item,) = [i for i in engine.run.worklist(FIRST_DAY + timedelta(days=1)) if i.action == "reply_received"]
    assert item.receivable_id == str(receivable) and item.priority == "high"
    assert "<CAF7x2q9Lm-reply-0101@mail.martin.example>" in item.label

    feedback(engine).handled("<CAF7x2q9Lm-reply-0101@mail.martin.example>", actor=ACTOR)

    assert not [i for i in engine.run.worklist(FIRST_DAY + timedelta(days=1)) if i.action == "reply_received"]
    assert len(notes(engine, receivable)) == 1  # the note stays in the file


def test_an_auto_reply_is_noted_but_not_put_on_the_worklist(engine: Engine, imap: tuple[Mailbox, ImapMailbox]) -> None:
    box, mailbox = imap
    _, receivable, message_id = reminded(engine)
    box.deliver(sample("auto_reply.eml", message_id))

    result = feedback(engine).fetch(mailbox, actor=ACTOR)

    (note,) = notes(engine, receivable)
    assert note.text.startswith("Réponse automatique reçue le 09/03/2026 : Absence du bureau")
    assert result.outcomes[0]["kind"] == "auto_reply"
    assert not [i for i in engine.run.worklist(FIRST_DAY) if i.action == "reply_received"]


def test_a_message_naming_a_message_id_we_did_not_send_is_ignored_and_records_nothing(
    engine: Engine, imap: tuple[Mailbox, ImapMailbox]
) -> None:
    box, mailbox = imap
    _, receivable, _ = reminded(engine)
    before = len(engine.events(receivable))
    box.deliver((SAMPLES / "unknown_reply.eml").read_bytes().replace(b"@@RECIPIENT@@", AP_EMAIL.encode()))
    box.deliver(sample("postfix_hard_bounce.eml", "<nothing-we-sent@dupont.example>"))

    result = feedback(engine).fetch(mailbox, actor=ACTOR)

    assert [o["kind"] for o in result.outcomes] == ["ignored", "ignored"] and result.events == 0
    assert len(engine.events(receivable)) == before
    assert all("\\Seen" in m.flags for m in box.messages)
