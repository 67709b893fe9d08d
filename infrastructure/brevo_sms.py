"""Brevo's transactional SMS API (decision 0098): sending, and reading its delivery reports.

Sending: ``POST {base}/transactionalSMS/send`` with the header ``api-key`` and the JSON body ``sender``,
``recipient`` (international number, digits only), ``content``, ``type`` ("transactional"), ``tag`` and
``unicodeEnabled``; a 2xx answer names the message in ``messageId`` (the deprecated ``/transactionalSMS/sms``
answered the same field beside ``reference``, ``smsCount``, ``usedCredits``, ``remainingCredits``). Anything
else is a refusal: SmsRefused, nothing was sent.

Reports: Brevo posts one JSON object per event to the webhook: ``messageId``, ``msg_status`` (``sent``,
``delivered``, ``soft_bounce``, ``hard_bounce``; ``rejected``/``blocked``/``blacklisted``... for a
message the network refused), ``to``, ``date`` (Paris time), ``ts_event`` (UTC seconds), ``reference``,
``description``...
"""

from __future__ import annotations

import json
import logging
import urllib.error
import urllib.request
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from application.sms import SmsRefused, segments
from application.sms_reports import DeliveryReport
from domain.errors import InvalidInput
from domain.vocabulary import DeliveryStatus

log = logging.getLogger("relance.sms")
PARIS = ZoneInfo("Europe/Paris")  # the zone of Brevo's "date" field

SEND_PATH = "/transactionalSMS/send"
# Brevo's words for what became of an SMS, as the journal records them; a status not here is not recorded.
STATUSES: dict[str, DeliveryStatus] = {
    "delivered": DeliveryStatus.DELIVERED,
    "soft_bounce": DeliveryStatus.SOFT_BOUNCE,
    "softbounce": DeliveryStatus.SOFT_BOUNCE,
    "hard_bounce": DeliveryStatus.HARD_BOUNCE,
    "hardbounce": DeliveryStatus.HARD_BOUNCE,
    "rejected": DeliveryStatus.FAILED,
    "blocked": DeliveryStatus.FAILED,
    "blacklisted": DeliveryStatus.FAILED,
    "sms_blacklist": DeliveryStatus.FAILED,
    "failed": DeliveryStatus.FAILED,
    "error": DeliveryStatus.FAILED,
    "invalid": DeliveryStatus.FAILED,
    "expired": DeliveryStatus.FAILED,
}


class BrevoSms:
    """The SmsGateway on Brevo. Every failure (refusal, timeout, unreachable) raises SmsRefused."""

    def __init__(self, *, api_key: str, base_url: str, sender: str, timeout_seconds: float = 10.0) -> None:
        self._api_key = api_key
        self._url = base_url.rstrip("/") + SEND_PATH
        self._sender = sender
        self._timeout = timeout_seconds

    def send(self, *, to: str, text: str, reference: str) -> str:
        body = {
            "sender": self._sender,
            "recipient": to.lstrip("+"),
            "content": text,
            "type": "transactional",
            "tag": reference,
            "unicodeEnabled": segments(text).encoding == "ucs2",
        }
        request = urllib.request.Request(
            self._url,
            data=json.dumps(body, ensure_ascii=False).encode("utf-8"),
            method="POST",
            headers={"api-key": self._api_key, "content-type": "application/json", "accept": "application/json"},
        )
        try:
            with urllib.request.urlopen(request, timeout=self._timeout) as response:
                answer = response.read()
        except urllib.error.HTTPError as error:
            raise SmsRefused(f"Brevo answered {error.code}: {_message(error.read())}") from error
        except (urllib.error.URLError, TimeoutError, OSError) as error:
            raise SmsRefused(f"Brevo unreachable: {getattr(error, 'reason', error)}") from error
        try:
            message_id = json.loads(answer)["messageId"]
        except (ValueError, KeyError, TypeError):
            # Accepted (2xx) without an id we can read: it went; its reports will not find it, but it must
            # not be sent again.
            log.warning("sms_accepted_without_message_id", extra={"reference": reference})
            return f"unknown:{reference}"
        return str(message_id)


def _message(body: bytes) -> str:
    try:
        answer = json.loads(body)
        return f"{answer.get('code', '')} {answer.get('message', '')}".strip() or "no detail"
    except (ValueError, AttributeError):
        return body[:200].decode("utf-8", "replace") or "no detail"


def read_report(body: bytes) -> DeliveryReport:
    """One Brevo SMS webhook call as a report; InvalidInput when it is not one."""
    try:
        payload: Any = json.loads(body)
    except (ValueError, UnicodeDecodeError) as error:
        raise InvalidInput("the report is not JSON", rule="sms_report_malformed") from error
    if not isinstance(payload, dict):
        raise InvalidInput("the report is not a JSON object", rule="sms_report_malformed")
    message_id = payload.get("messageId", payload.get("message_id"))
    status = payload.get("msg_status", payload.get("event"))
    if not isinstance(message_id, (int, str)) or isinstance(message_id, bool) or not str(message_id).strip():
        raise InvalidInput("the report names no messageId", rule="sms_report_malformed")
    if not isinstance(status, str) or not status.strip():
        raise InvalidInput("the report names no msg_status", rule="sms_report_malformed")
    reported_at = None
    stamp = payload.get("ts_event")
    if isinstance(stamp, (int, float)) and not isinstance(stamp, bool) and 0 < stamp < 32503680000:
        reported_at = datetime.fromtimestamp(stamp, tz=UTC)
    elif isinstance(payload.get("date"), str):
        try:
            reported_at = datetime.strptime(payload["date"].strip()[:19], "%Y-%m-%d %H:%M:%S").replace(tzinfo=PARIS)
        except ValueError:
            reported_at = None
    detail = payload.get("description") or payload.get("reason")
    return DeliveryReport(
        message_id=str(message_id).strip(),
        status=STATUSES.get(status.strip().lower()),
        provider_status=status.strip()[:40],
        reported_at=reported_at,
        detail=str(detail)[:300] if detail else None,
    )
