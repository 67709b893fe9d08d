"""Reading the mailbox that receives bounces and replies, over IMAP (RELANCE_IMAP_*), with stdlib imaplib.

Only what imaplib's IMAP4rev1 needs: LOGIN, SELECT, UID SEARCH UNSEEN, UID FETCH BODY.PEEK[] (which does
not set \\Seen), UID STORE +FLAGS (\\Seen) once a message is processed, LOGOUT. Logs carry counts, never
addresses or subjects.
"""

from __future__ import annotations

import imaplib
import logging
import ssl
from collections.abc import Iterator
from contextlib import contextmanager, suppress

from domain.errors import RuleViolation
from infrastructure.settings import Settings

log = logging.getLogger("relance.mail")


class MailboxError(RuleViolation):
    """The mailbox could not be read; the message says why, without credentials (answered as a refusal:
    nothing was recorded for the messages not read)."""

    def __init__(self, message: str) -> None:
        super().__init__(message, rule="mailbox_unavailable")


class ImapSession:
    def __init__(self, client: imaplib.IMAP4) -> None:
        self._client = client

    def new_messages(self) -> Iterator[tuple[str, bytes]]:
        status, data = self._client.uid("SEARCH", None, "UNSEEN")  # type: ignore[arg-type]
        if status != "OK":
            raise MailboxError(f"IMAP SEARCH failed: {status}")
        uids = (data[0] or b"").split()
        log.info("mail_fetch", extra={"messages": len(uids)})
        for uid in uids:
            status, parts = self._client.uid("FETCH", uid.decode(), "(BODY.PEEK[])")
            content = next((p[1] for p in parts if isinstance(p, tuple) and len(p) > 1), None)
            if status != "OK" or not isinstance(content, bytes):
                raise MailboxError(f"IMAP FETCH of message {uid.decode()} failed: {status}")
            yield uid.decode(), content

    def mark_seen(self, uid: str) -> None:
        status, _ = self._client.uid("STORE", uid, "+FLAGS", "(\\Seen)")
        if status != "OK":
            raise MailboxError(f"IMAP STORE of message {uid} failed: {status}")


class ImapMailbox:
    def __init__(
        self, host: str, port: int, *, user: str, password: str, folder: str = "INBOX", tls: bool = True,
        timeout: float = 30.0,
    ) -> None:  # fmt: skip
        self.host, self.port, self.user, self.password = host, port, user, password
        self.folder, self.tls, self.timeout = folder, tls, timeout

    @contextmanager
    def open(self) -> Iterator[ImapSession]:
        try:
            client: imaplib.IMAP4
            if self.tls:
                client = imaplib.IMAP4_SSL(self.host, self.port, ssl_context=ssl.create_default_context(),
                                           timeout=self.timeout)  # fmt: skip
            else:
                client = imaplib.IMAP4(self.host, self.port, timeout=self.timeout)
        except OSError as error:
            raise MailboxError(f"cannot reach the IMAP server {self.host}:{self.port}: {error}") from error
        try:
            try:
                client.login(self.user, self.password)
                status, _ = client.select(_quoted(self.folder))
            except imaplib.IMAP4.error as error:
                raise MailboxError(f"IMAP login or SELECT refused: {error}") from error
            if status != "OK":
                raise MailboxError(f"IMAP folder {self.folder!r} cannot be selected")
            yield ImapSession(client)
        except imaplib.IMAP4.error as error:
            raise MailboxError(f"IMAP error: {error}") from error
        finally:
            with suppress(imaplib.IMAP4.error, OSError):
                client.logout()


def _quoted(folder: str) -> str:
    return '"' + folder.replace("\\", "\\\\").replace('"', '\\"') + '"'


def mailbox_from_settings(settings: Settings) -> ImapMailbox | None:
    """The mailbox of RELANCE_IMAP_*; None when no host is set."""
    if not settings.imap_host:
        return None
    return ImapMailbox(
        settings.imap_host, settings.imap_port, user=settings.imap_user or "",
        password="" if settings.imap_password is None else settings.imap_password.get_secret_value(),
        folder=settings.imap_folder, tls=settings.imap_tls,
    )  # fmt: skip
