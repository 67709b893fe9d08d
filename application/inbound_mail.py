"""Reading what comes back into the mailbox: delivery status notifications (RFC 3464) and replies.

Pure parsing on the standard library's e-mail package: no I/O. A DSN is a ``multipart/report;
report-type=delivery-status`` whose ``message/delivery-status`` part holds one block of fields per
recipient (Action, Status, Diagnostic-Code) and whose last part returns the original message (or its
headers): its Message-ID names our sending. A reply names our Message-ID in In-Reply-To or References.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from datetime import datetime
from email import message_from_bytes
from email.header import decode_header, make_header
from email.message import Message
from email.parser import HeaderParser
from email.policy import compat32
from email.utils import parseaddr, parsedate_to_datetime

from domain.vocabulary import DeliveryStatus

MESSAGE_ID = re.compile(r"<[^<>\s]+>")
AUTO_SUBJECT = re.compile(
    r"^\s*(absence|absent|réponse automatique|reponse automatique|automatic reply|auto(matic)?[- ]?reply"
    r"|out of (the )?office|abwesenheit)",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class RecipientStatus:
    """One per-recipient block of a DSN."""

    action: str  # failed, delayed, delivered, relayed, expanded
    status: str  # the enhanced status code, e.g. 5.1.1
    recipients: tuple[str, ...]  # Original-Recipient and Final-Recipient addresses, lower case
    diagnostic: str | None

    @property
    def delivery(self) -> DeliveryStatus | None:
        """failed with 5.x.x: hard bounce; delayed or 4.x.x: soft bounce; delivered; others: nothing to say."""
        if self.action == "delivered":
            return DeliveryStatus.DELIVERED
        if self.action == "delayed" or (self.action == "failed" and self.status.startswith("4")):
            return DeliveryStatus.SOFT_BOUNCE
        if self.action == "failed":
            return DeliveryStatus.HARD_BOUNCE
        return None


@dataclass(frozen=True)
class Inbound:
    key: str  # its own Message-ID, else the sha256 of its bytes: what makes processing it twice a no-op
    subject: str
    dated: datetime | None  # its Date header
    original_ids: tuple[str, ...]  # a DSN: the Message-ID of the message it reports on (and its envelope id)
    statuses: tuple[RecipientStatus, ...] = field(default=())
    replies_to: tuple[str, ...] = field(default=())  # In-Reply-To and References, in that order
    automatic: bool = False  # an auto-reply (Auto-Submitted, « absence »...): noted, not on the worklist

    @property
    def is_report(self) -> bool:
        return bool(self.statuses)


def read_inbound(content: bytes) -> Inbound:
    message = message_from_bytes(content, policy=compat32)
    subject = _text(message.get("Subject"))
    own = message_ids(message.get("Message-ID"))
    key = own[0] if own else "sha256:" + hashlib.sha256(content).hexdigest()
    dated = _date(message.get("Date"))
    if _is_delivery_report(message):
        statuses, originals = _report(message)
        return Inbound(key, subject, dated, originals, statuses)
    replies = (*message_ids(message.get("In-Reply-To")), *message_ids(message.get("References")))
    return Inbound(key, subject, dated, (), (), replies, _automatic(message, subject))


def message_ids(value: object) -> tuple[str, ...]:
    """The Message-IDs a header names, as ``<local@domain>``."""
    if value is None:
        return ()
    text = _text(value)
    found = MESSAGE_ID.findall(text)
    if not found and text.strip() and " " not in text.strip():
        found = [f"<{text.strip().strip('<>')}>"]
    return tuple(found)


def _is_delivery_report(message: Message) -> bool:
    if message.get_content_type() != "multipart/report":
        return False
    return str(message.get_param("report-type", "")).lower() == "delivery-status"


def _report(message: Message) -> tuple[tuple[RecipientStatus, ...], tuple[str, ...]]:
    statuses: list[RecipientStatus] = []
    originals: list[str] = []
    envelope: list[str] = []
    for part in message.walk():
        kind = part.get_content_type()
        if kind == "message/delivery-status":
            payload = part.get_payload()
            blocks = [b for b in payload if isinstance(b, Message)] if isinstance(payload, list) else []
            if not blocks:
                continue
            envelope += message_ids(blocks[0].get("Original-Envelope-Id"))
            statuses += [_recipient(block) for block in blocks[1:] if block.get("Action")]
        elif kind == "message/rfc822":
            inner = part.get_payload()
            if isinstance(inner, list) and inner and isinstance(inner[0], Message):
                originals += message_ids(inner[0].get("Message-ID"))
        elif kind == "text/rfc822-headers":
            raw = part.get_payload(decode=True)
            headers = HeaderParser().parsestr(raw.decode("utf-8", "replace") if isinstance(raw, bytes) else "")
            originals += message_ids(headers.get("Message-ID"))
    return tuple(statuses), tuple(dict.fromkeys([*originals, *envelope]))


def _recipient(block: Message) -> RecipientStatus:
    recipients = [
        parseaddr(_text(block.get(name)).partition(";")[2])[1].lower()
        for name in ("Original-Recipient", "Final-Recipient")
    ]
    diagnostic = _text(block.get("Diagnostic-Code")).partition(";")[2].strip() or None
    return RecipientStatus(
        action=_text(block.get("Action")).strip().lower(),
        status=_text(block.get("Status")).strip().split(" ")[0],
        recipients=tuple(r for r in dict.fromkeys(recipients) if r),
        diagnostic=" ".join(diagnostic.split()) if diagnostic else None,
    )


def _automatic(message: Message, subject: str) -> bool:
    submitted = _text(message.get("Auto-Submitted")).strip().lower()
    if submitted and submitted != "no":
        return True
    if message.get("X-Autoreply") or message.get("X-Autorespond"):
        return True
    if _text(message.get("Precedence")).strip().lower() in {"auto_reply", "bulk", "junk"}:
        return True
    return bool(AUTO_SUBJECT.match(subject))


def _text(value: object) -> str:
    """A header as text, RFC 2047 encoded words decoded."""
    if value is None:
        return ""
    try:
        return str(make_header(decode_header(str(value))))
    except (UnicodeDecodeError, LookupError, ValueError):
        return str(value)


def _date(value: object) -> datetime | None:
    if value is None:
        return None
    try:
        dated = parsedate_to_datetime(str(value))
    except (TypeError, ValueError, IndexError):
        return None
    return dated if dated.tzinfo is not None else None
