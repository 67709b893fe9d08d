"""Brevo's transactional e-mail webhook: one JSON event per request, about a message relayed through
Brevo's SMTP relay, named by its Message-ID header (decision 0099).

Followed: developers.brevo.com, "Transactional webhooks": fields ``event``, ``email``, ``message-id``,
``ts_event`` (seconds, UTC), ``date``, ``subject``, ``reason`` (bounces, blocked, deferred...). Events
that say what became of the message are recorded; the others (request, click, spam, unsubscribed...)
are acknowledged and ignored, as is a message we did not send.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from typing import Any

from application.access import Principal
from application.inbound_mail import message_ids
from application.mail_feedback import MailFeedback, SentMessage
from domain.errors import InvalidInput
from domain.vocabulary import DeliveryStatus

SOURCE = "brevo"
STATUSES = {
    "delivered": DeliveryStatus.DELIVERED,
    "opened": DeliveryStatus.OPENED,
    "unique_opened": DeliveryStatus.OPENED,
    "proxy_open": DeliveryStatus.OPENED,
    "unique_proxy_open": DeliveryStatus.OPENED,
    "soft_bounce": DeliveryStatus.SOFT_BOUNCE,
    "deferred": DeliveryStatus.SOFT_BOUNCE,
    "hard_bounce": DeliveryStatus.HARD_BOUNCE,
    "invalid_email": DeliveryStatus.HARD_BOUNCE,  # the address does not exist: as a hard bounce
    "blocked": DeliveryStatus.FAILED,  # Brevo did not send it (the address is on its block list)
    "error": DeliveryStatus.FAILED,
}
MAX_EVENT_BYTES = 64 * 1024


def receive_brevo_event(
    feedback: MailFeedback, raw: bytes, *, actor: str | None = None, principal: Principal | None = None
) -> dict[str, Any]:
    """Record one event; a repeated one, an event we do not follow or a message we did not send record nothing."""
    event = _parsed(raw)
    name = str(event.get("event", "")).strip().lower()
    status = STATUSES.get(name)
    ids = message_ids(event.get("message-id"))
    sent = feedback.find_sent(ids[0]) if ids else None
    answer: dict[str, Any] = {"event": name, "recorded": 0, "dispatch_key": None}
    if status is None or sent is None:
        return answer | {"ignored": "event not followed" if status is None else "unknown message"}
    proof = feedback.store_proof(raw, "application/json")
    email = str(event.get("email") or "").strip().lower()
    reference = f"{name} {event.get('ts_event', '')}".strip()
    answer["recorded"] = feedback.report_delivery(
        sent, status, _day(feedback, event, sent), source=SOURCE, reference=reference,
        detail=str(event.get("reason") or name), proof_sha256=proof, recipients=[email] if email else [],
        actor=actor, principal=principal,
    )  # fmt: skip
    answer["dispatch_key"] = sent.dispatch_key
    return answer


def _parsed(raw: bytes) -> dict[str, Any]:
    if len(raw) > MAX_EVENT_BYTES:
        raise InvalidInput(f"event: larger than {MAX_EVENT_BYTES} bytes", rule="brevo_event")
    try:
        event = json.loads(raw)
    except (UnicodeDecodeError, ValueError) as error:
        raise InvalidInput("event: not JSON", rule="brevo_event") from error
    if not isinstance(event, dict) or not isinstance(event.get("event"), str):
        raise InvalidInput("event: a JSON object with an 'event' field is expected", rule="brevo_event")
    return event


def _day(feedback: MailFeedback, event: dict[str, Any], sent: SentMessage) -> date:
    """The event's day in the firm's calendar (ts_event, UTC seconds), between the sending and today."""
    ledger = feedback.ledger
    today = ledger.now().today
    stamp = event.get("ts_event")
    if not isinstance(stamp, int | float) or isinstance(stamp, bool):
        return today
    try:
        day = datetime.fromtimestamp(stamp, tz=UTC).astimezone(ledger.timezone).date()
    except (OverflowError, OSError, ValueError):
        return today
    return min(today, max(sent.sent_at.astimezone(ledger.timezone).date(), day))
