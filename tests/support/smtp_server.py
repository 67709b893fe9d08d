"""A real SMTP server on loopback (aiosmtpd) that keeps what it accepted."""

from __future__ import annotations

import logging
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default
from typing import Any

from aiosmtpd.controller import Controller

REFUSED = "nobody@martin.example"  # the server answers 550 for this mailbox

# aiosmtpd logs each recipient: it stands for the debtor's mail server, whose logs are not relance's
# (the e2e session checks that relance's own logs hold no e-mail address).
logging.getLogger("mail.log").setLevel(logging.WARNING)


@dataclass
class Inbox:
    """What the server accepted: (envelope sender, recipients, raw content)."""

    received: list[tuple[str, list[str], bytes]] = field(default_factory=list)

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, options: Any) -> str:
        if address == REFUSED:
            return "550 5.1.1 <nobody@martin.example>: mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.received.append((envelope.mail_from, list(envelope.rcpt_tos), bytes(envelope.original_content)))
        return "250 Message accepted"

    def messages(self) -> list[EmailMessage]:
        return [message_from_bytes(raw, policy=default) for _, _, raw in self.received]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@contextmanager
def smtp_server() -> Iterator[tuple[Inbox, int]]:
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield inbox, port
    finally:
        controller.stop()
