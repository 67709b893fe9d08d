"""The SMS leg of the dunning run's dispatch (decision 0098).

The Dispatcher (application/dunning_dispatch.py) stores the text and writes the outbox row (``prepared``)
first; here the stored text is handed to the provider and the provider's message id is kept, before the
row may say ``sent`` and the step be recorded. A row found ``prepared`` again (the run was killed) is sent
only if no message id is kept for it: once the provider has accepted a message, it never goes twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol
from uuid import UUID

from application.dunning_report import RunReport
from application.ledger import Ledger
from application.sms import SmsGateway, mobile_number
from domain.errors import DomainError


@dataclass(frozen=True)
class ProviderMessage:
    provider: str
    message_id: str
    dispatch_key: str
    document_sha256: str


class ProviderMessages(Protocol):
    def remember(self, message: ProviderMessage, *, now: datetime) -> None: ...

    def of_dispatch(self, dispatch_key: str) -> ProviderMessage | None: ...

    def find(self, provider: str, message_id: str) -> ProviderMessage | None: ...


class StoredDocuments(Protocol):
    def content(self, sha256: str) -> bytes | None: ...


@dataclass(frozen=True)
class SmsChannel:
    """What sending by SMS needs: the provider's gateway, where its message ids are kept, and the firm's
    payment link (None: the text gives the IBAN)."""

    provider: str
    gateway: SmsGateway
    messages: ProviderMessages
    payment_link: str | None = None


def send_sms(
    channel: SmsChannel | None, report: RunReport, *, key: str, sha256: str, content: bytes, to: str | None,
    now: datetime,
) -> bool:  # fmt: skip
    """Send the stored text once; True when the provider has it (now or before a crash), False (and the
    report says why) when it was not sent: nothing is then recorded and the next run tries again."""
    if channel is None or to is None:
        report.errors.append({"dispatch_key": key, "error": "cannot send: no mobile number or no SMS provider"})
        return False
    if channel.messages.of_dispatch(key) is not None:
        return True  # the provider accepted it before the run was killed: never twice
    try:
        message_id = channel.gateway.send(to=to, text=content.decode("utf-8"), reference=key)
    except Exception as error:  # refused, unreachable, timed out: nothing recorded, the next run retries
        report.errors.append({"dispatch_key": key, "error": f"SMS not sent: {error}"})
        return False
    channel.messages.remember(ProviderMessage(channel.provider, message_id, key, sha256), now=now)
    return True


def resume_sms(
    channel: SmsChannel | None,
    ledger: Ledger,
    documents: StoredDocuments,
    report: RunReport,
    dispatch: Any,
    now: datetime,
) -> bool:
    """An SMS an earlier run wrote down and did not mark sent: sent from its stored text unless the provider
    already has it, to the contact's number as it is today."""
    if channel is not None and channel.messages.of_dispatch(dispatch.key) is not None:
        return True
    content = documents.content(dispatch.document_sha256)
    if content is None:
        report.errors.append({"dispatch_key": dispatch.key, "error": "the stored text of the SMS is missing"})
        return False
    to = None
    if dispatch.recipient:
        contact = ledger.debtor(UUID(dispatch.debtor_id)).contacts.get(UUID(dispatch.recipient))
        try:
            to = mobile_number(contact.phone if contact is not None else None)
        except DomainError:
            to = None
    return send_sms(channel, report, key=dispatch.key, sha256=dispatch.document_sha256, content=content, to=to, now=now)
