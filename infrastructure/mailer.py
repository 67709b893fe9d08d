"""Sending dunning e-mails over SMTP (RELANCE_SMTP_*), and the exact bytes that are sent and kept.

``OutgoingEmail.as_bytes()`` is deterministic: the caller gives the Message-ID and the sending
instant, and the MIME boundaries derive from the Message-ID, so a resend after a crash produces
the same message, whose sha256 the journal records. Logs carry the Message-ID and SMTP codes,
never names or addresses.
"""

from __future__ import annotations

import hashlib
import logging
import re
import smtplib
import ssl
from dataclasses import dataclass, field
from datetime import datetime
from email.headerregistry import Address
from email.message import EmailMessage, Message
from email.parser import BytesHeaderParser
from email.policy import SMTP
from email.utils import format_datetime, parseaddr
from typing import Protocol

from infrastructure.settings import Settings

log = logging.getLogger("relance.mail")

ADDRESS = re.compile(r"[^\s<>\"']+@[^\s<>\"']+")


class MailError(Exception):
    """The e-mail could not be handed to the SMTP server; the message says why, without personal data."""


@dataclass(frozen=True)
class OutgoingEmail:
    sender: str  # "Cabinet Martin <relances@cabinet.example>" or a bare address
    to: str
    subject: str
    text: str
    html: str
    message_id: str  # given by the caller, stable across resends (see message_id_for)
    attachments: tuple[tuple[str, str, bytes], ...] = ()  # (filename, media type, content)
    sent_at: datetime = field(kw_only=True)  # the Date header; timezone-aware, passed by the caller
    reply_to: str | None = field(default=None, kw_only=True)

    def __post_init__(self) -> None:
        if self.sent_at.tzinfo is None:
            raise ValueError("sent_at must be timezone-aware")
        for name in ("sender", "to", "reply_to"):
            value = getattr(self, name)
            if value is not None and not _address(value):
                raise ValueError(f"{name}: not an e-mail address")
            if value is not None and ("\n" in value or "\r" in value):
                raise ValueError(f"{name}: line breaks are not allowed")

    def message(self) -> EmailMessage:
        message = EmailMessage(policy=SMTP)
        message["From"] = self.sender
        message["To"] = self.to
        if self.reply_to:
            message["Reply-To"] = self.reply_to
        message["Subject"] = self.subject
        message["Date"] = format_datetime(self.sent_at)
        message["Message-ID"] = _bracketed(self.message_id)
        message["Content-Language"] = "fr"
        message.set_content(self.text, subtype="plain", charset="utf-8")
        message.add_alternative(self.html, subtype="html", charset="utf-8")
        for filename, media_type, content in self.attachments:
            maintype, _, subtype = media_type.partition("/")
            message.add_attachment(content, maintype=maintype, subtype=subtype or "octet-stream", filename=filename)
        seed = hashlib.sha256(self.message_id.encode()).hexdigest()[:24]
        for number, part in enumerate(p for p in message.walk() if p.is_multipart()):
            part.set_boundary(f"=_relance_{seed}_{number}")  # fixed boundaries: the same bytes on every render
        return message

    def as_bytes(self) -> bytes:
        """The RFC 5322 message as sent (CRLF line ends); store it as message/rfc822."""
        return self.message().as_bytes(policy=SMTP)


def message_id_for(key: str, sender: str) -> str:
    """A Message-ID that depends only on ``key`` (e.g. the dispatch id) and the sender's domain."""
    domain = _address(sender).rpartition("@")[2] or "relance.invalid"
    return f"<{hashlib.sha256(key.encode()).hexdigest()[:32]}@{domain}>"


class Mailer(Protocol):
    def send(self, email: OutgoingEmail) -> None:
        """Hand the message to the mail server; raise MailError when it is not accepted."""


class SmtpMailer(Mailer):
    def __init__(
        self,
        host: str,
        port: int = 25,
        *,
        username: str | None = None,
        password: str | None = None,
        starttls: bool = False,
        use_ssl: bool = False,
        timeout: float = 30.0,
    ) -> None:
        if starttls and use_ssl:
            raise ValueError("choose STARTTLS or implicit TLS (RELANCE_SMTP_SSL), not both")
        self.host, self.port = host, port
        self.username, self.password = username, password
        self.starttls, self.use_ssl, self.timeout = starttls, use_ssl, timeout

    def send(self, email: OutgoingEmail) -> None:
        self.send_bytes(email.as_bytes(), to=email.to, sender=email.sender)

    def send_message(self, message: Message, *, to: str) -> None:
        """A parsed message (e.g. read back from the document store), sent to ``to``."""
        self.send_bytes(message.as_bytes(policy=SMTP), to=to)

    def send_bytes(self, content: bytes, *, to: str, sender: str | None = None) -> None:
        """The stored RFC 5322 bytes as they are, so what leaves is exactly what the journal's sha256 names.
        The envelope sender is ``sender``, else the message's From."""
        envelope_from = _address(sender or _header(content, "From"))
        recipient = _address(to)
        if not envelope_from or not recipient:
            raise MailError("the message needs a sender and a recipient e-mail address")
        message_id = _header(content, "Message-ID")
        try:
            with self._connect() as smtp:
                refused = smtp.sendmail(envelope_from, [recipient], content)
        except smtplib.SMTPRecipientsRefused as error:
            codes = sorted({code for code, _ in error.recipients.values()})
            raise MailError(f"the SMTP server refused the recipient (code {', '.join(map(str, codes))})") from error
        except smtplib.SMTPSenderRefused as error:
            raise MailError(f"the SMTP server refused the sender (code {error.smtp_code})") from error
        except smtplib.SMTPAuthenticationError as error:
            raise MailError(f"SMTP authentication failed (code {error.smtp_code})") from error
        except smtplib.SMTPResponseException as error:
            raise MailError(
                f"the SMTP server refused the message (code {error.smtp_code}: {_redacted(error)})"
            ) from error
        except smtplib.SMTPException as error:
            raise MailError(f"SMTP error: {_redacted(error)}") from error
        except OSError as error:  # refused connection, unknown host, timeout, TLS failure
            raise MailError(f"cannot reach the SMTP server {self.host}:{self.port}: {error}") from error
        if refused:  # partly refused; with one recipient this is unreachable, kept for safety
            raise MailError("the SMTP server refused the recipient")
        log.info("mail_sent", extra={"message_id": message_id, "size": len(content)})

    def _connect(self) -> smtplib.SMTP:
        context = ssl.create_default_context()
        smtp: smtplib.SMTP
        if self.use_ssl:
            smtp = smtplib.SMTP_SSL(self.host, self.port, timeout=self.timeout, context=context)
        else:
            smtp = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
        try:
            smtp.ehlo()
            if self.starttls:
                smtp.starttls(context=context)
                smtp.ehlo()
            if self.username:
                smtp.login(self.username, self.password or "")
        except BaseException:
            smtp.close()
            raise
        return smtp


def mailer_from_settings(settings: Settings) -> SmtpMailer | None:
    """The SMTP mailer of RELANCE_SMTP_*; None when no host is set (e-mails are then not sent)."""
    if not settings.smtp_host:
        return None
    return SmtpMailer(
        settings.smtp_host,
        settings.smtp_port,
        username=settings.smtp_username,
        password=None if settings.smtp_password is None else settings.smtp_password.get_secret_value(),
        starttls=settings.smtp_starttls,
        use_ssl=settings.smtp_ssl,
        timeout=settings.smtp_timeout_seconds,
    )


def sender_from_settings(settings: Settings) -> str | None:
    """RELANCE_SMTP_FROM, else RELANCE_FIRM_EMAIL, shown with the firm's name when it is set."""
    address = settings.smtp_from or settings.firm_email
    if not address:
        return None
    if "<" in address or not settings.firm_name:
        return address
    return str(Address(display_name=settings.firm_name, addr_spec=address))


def _address(value: str) -> str:
    return parseaddr(value)[1] if "@" in parseaddr(value)[1] else ""


def _header(content: bytes, name: str) -> str:
    value = BytesHeaderParser(policy=SMTP).parsebytes(content).get(name)
    return "" if value is None else str(value)


def _bracketed(message_id: str) -> str:
    stripped = message_id.strip()
    return stripped if stripped.startswith("<") else f"<{stripped}>"


def _redacted(error: Exception) -> str:
    """An SMTP reply without the addresses it may quote."""
    return ADDRESS.sub("<address>", str(error))
