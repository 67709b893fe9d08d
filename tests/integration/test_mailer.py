"""Sending through a real SMTP server on the loopback (aiosmtpd), with a rendered reminder and its PDF."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from application.correspondence import DocumentKind
from infrastructure.letters import Renderer
from infrastructure.mailer import MailError, OutgoingEmail, SmtpMailer, mailer_from_settings, message_id_for
from infrastructure.settings import Settings
from tests.integration.test_letters import PRO, letter
from tests.support.smtp_server import REFUSED, Inbox, free_port, smtp_server

SENDER = "Atelier Dupont SARL <relances@dupont.example>"
DEBTOR = "paul@martin.example"
SENT_AT = datetime(2026, 3, 12, 9, 30, tzinfo=UTC)


@pytest.fixture
def server() -> Iterator[tuple[Inbox, int]]:
    with smtp_server() as running:
        yield running


def reminder_email(to: str = DEBTOR) -> tuple[OutgoingEmail, bytes]:
    c = letter(DocumentKind.FIRST_REMINDER, PRO)
    renderer = Renderer()
    rendered, pdf = renderer.email(c), renderer.pdf(c)
    email = OutgoingEmail(
        sender=SENDER,
        to=to,
        subject=rendered.subject,
        text=rendered.text,
        html=rendered.html,
        message_id=message_id_for("dispatch-42", SENDER),
        attachments=(("rappel-R-2026-000123.pdf", "application/pdf", pdf),),
        sent_at=SENT_AT,
    )
    return email, pdf


def test_a_reminder_is_received_with_its_subject_text_html_and_pdf(server: tuple[Inbox, int]) -> None:
    inbox, port = server
    email, pdf = reminder_email()
    SmtpMailer("127.0.0.1", port, timeout=5).send(email)

    [(mail_from, rcpt_tos, content)] = inbox.received
    assert (mail_from, rcpt_tos) == ("relances@dupont.example", [DEBTOR])
    assert content.replace(b"\r\n", b"\n") == email.as_bytes().replace(b"\r\n", b"\n")  # what is kept is what went
    message = message_from_bytes(content, policy=default)
    assert isinstance(message, EmailMessage)
    assert message["Subject"] == email.subject and "F-2025-0412" in message["Subject"]
    assert message["To"] == DEBTOR
    assert message["From"].addresses[0].display_name == "Atelier Dupont SARL"
    assert message["Message-ID"] == email.message_id
    assert message["Date"].datetime == SENT_AT
    text = message.get_body(preferencelist=("plain",))
    html = message.get_body(preferencelist=("html",))
    assert text is not None and html is not None
    assert "Sauf erreur de notre part" in text.get_content() and "F-2026-0007" in text.get_content()
    assert "<table>" in html.get_content() and "F-2026-0007" in html.get_content()
    [attachment] = list(message.iter_attachments())
    assert attachment.get_filename() == "rappel-R-2026-000123.pdf"
    assert attachment.get_content_type() == "application/pdf"
    assert attachment.get_content() == pdf


def test_stored_message_bytes_are_sent_as_they_are(server: tuple[Inbox, int]) -> None:
    inbox, port = server
    email, _ = reminder_email()
    stored = email.as_bytes()
    SmtpMailer("127.0.0.1", port, timeout=5).send_bytes(stored, to=DEBTOR)
    [(mail_from, rcpt_tos, content)] = inbox.received
    assert (mail_from, rcpt_tos) == ("relances@dupont.example", [DEBTOR])  # envelope sender from the From header
    assert content.replace(b"\r\n", b"\n") == stored.replace(b"\r\n", b"\n")


def test_the_same_email_gives_the_same_bytes_when_built_again() -> None:
    first, _ = reminder_email()
    second, _ = reminder_email()
    assert first.as_bytes() == second.as_bytes()
    assert message_id_for("dispatch-42", SENDER) == first.message_id
    assert message_id_for("dispatch-43", SENDER) != first.message_id
    assert first.message_id.endswith("@dupont.example>")


def test_a_refused_recipient_is_a_mail_error_that_names_nobody(server: tuple[Inbox, int]) -> None:
    inbox, port = server
    email, _ = reminder_email(to=REFUSED)
    with pytest.raises(MailError, match="refused the recipient") as refused:
        SmtpMailer("127.0.0.1", port, timeout=5).send(email)
    assert "550" in str(refused.value)
    assert "martin.example" not in str(refused.value)
    assert inbox.received == []


def test_an_unreachable_server_is_a_mail_error() -> None:
    email, _ = reminder_email()
    with pytest.raises(MailError, match="cannot reach the SMTP server"):
        SmtpMailer("127.0.0.1", free_port(), timeout=2).send(email)


def test_the_mailer_logs_in_when_a_username_is_set() -> None:
    seen: list[tuple[bytes, bytes]] = []

    def authenticator(server: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> AuthResult:
        assert isinstance(data, LoginPassword)
        seen.append((data.login, data.password))
        return AuthResult(success=data.password == b"s3cret")

    inbox, port = Inbox(), free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port, authenticator=authenticator, auth_require_tls=False)
    controller.start()
    try:
        email, _ = reminder_email()
        SmtpMailer("127.0.0.1", port, username="relance", password="s3cret", timeout=5).send(email)
        assert seen == [(b"relance", b"s3cret")] and len(inbox.received) == 1
    finally:
        controller.stop()


def test_no_mailer_without_an_smtp_host() -> None:
    assert mailer_from_settings(Settings(smtp_host=None)) is None
    mailer = mailer_from_settings(Settings(smtp_host="smtp.example", smtp_port=587, smtp_starttls=True))
    assert mailer is not None and (mailer.host, mailer.port, mailer.starttls) == ("smtp.example", 587, True)


def test_an_email_needs_an_aware_sending_instant_and_real_addresses() -> None:
    email, _ = reminder_email()
    with pytest.raises(ValueError, match="timezone-aware"):
        OutgoingEmail(email.sender, email.to, "s", "t", "<p>h</p>", "<x@y>", sent_at=datetime(2026, 3, 12, 9, 30))
    with pytest.raises(ValueError, match="to: not an e-mail address"):
        OutgoingEmail(email.sender, "Paul Martin", "s", "t", "<p>h</p>", "<x@y>", sent_at=SENT_AT)
