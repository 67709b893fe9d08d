"""A local stand-in for Brevo's transactional SMS API, in-process on 127.0.0.1 (port 0).

It checks what Brevo checks: the ``api-key`` header, a JSON body with ``sender`` (3 to 11 letters or
digits), ``recipient`` (international number, 6 to 15 digits), ``content``, ``type`` (transactional or
marketing), ``tag`` (a string or a list of strings) and ``unicodeEnabled`` (a boolean); an unknown field is
refused. It answers 201 with ``messageId`` on ``/v3/transactionalSMS/send`` (the full deprecated answer on
``/v3/transactionalSMS/sms``) and can be told to fail. ``report`` builds the webhook call Brevo makes.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any

from tests.support.local_http import serving

API_KEY = "xkeysib-test-0123456789"
FIELDS = {"sender", "recipient", "content", "type", "tag", "webUrl", "unicodeEnabled", "organisationPrefix"}


@dataclass
class FakeBrevo:
    url: str = ""  # the API base, e.g. http://127.0.0.1:PORT/v3
    api_key: str = API_KEY
    accepted: list[dict[str, Any]] = field(default_factory=list)  # the bodies of the SMS it took
    refused: list[tuple[int, str]] = field(default_factory=list)  # status and reason of each refusal
    fail_with: int | None = None  # while set, every sending is answered with this status
    next_id: int = 1511882900176220

    def texts_to(self, recipient: str) -> list[str]:
        return [body["content"] for body in self.accepted if body["recipient"] == recipient]


def report(message_id: int | str, status: str, *, to: str = "33612345678", ts_event: int = 1781000000) -> bytes:
    """A webhook call as Brevo's documentation shows it for transactional SMS."""
    return json.dumps(
        {"id": 26570, "to": to, "sms_count": 1, "credits_used": 1.5, "messageId": message_id,
         "remaining_credit": 11488.845, "msg_status": status, "date": "2026-06-15 12:00:05",
         "type": "transactional", "reference": "ab1cde2fgh3i4jklmno", "tag": "relance", "ts_event": ts_event}
    ).encode()  # fmt: skip


def _problem(body: dict[str, Any]) -> str | None:
    """What Brevo would refuse in this body, or None."""
    unknown = set(body) - FIELDS
    if unknown:
        return f"unknown fields {sorted(unknown)}"
    if not isinstance(body.get("sender"), str) or not re.fullmatch(r"[A-Za-z0-9]{3,11}|[0-9]{3,15}", body["sender"]):
        return "sender: 3 to 11 alphanumeric characters"
    if not isinstance(body.get("recipient"), str) or not re.fullmatch(r"\+?[0-9]{6,15}", body["recipient"]):
        return "recipient: an international number"
    if not isinstance(body.get("content"), str) or not body["content"]:
        return "content is required"
    if body.get("type", "transactional") not in ("transactional", "marketing"):
        return "type: transactional or marketing"
    tag = body.get("tag")
    if tag is not None and not (
        isinstance(tag, str) or (isinstance(tag, list) and all(isinstance(t, str) for t in tag))
    ):
        return "tag: a string or a list of strings"
    if not isinstance(body.get("unicodeEnabled", False), bool):
        return "unicodeEnabled: a boolean"
    return None


def _handler(fake: FakeBrevo) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:  # quiet
            pass

        def _answer(self, status: int, body: dict[str, Any]) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _refuse(self, status: int, code: str, message: str) -> None:
            fake.refused.append((status, message))
            self._answer(status, {"code": code, "message": message})

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length)
            if self.path not in ("/v3/transactionalSMS/send", "/v3/transactionalSMS/sms"):
                return self._refuse(404, "not_found", f"no such path {self.path}")
            if self.headers.get("api-key") != fake.api_key:
                return self._refuse(401, "unauthorized", "Key not found")
            if not (self.headers.get("Content-Type") or "").startswith("application/json"):
                return self._refuse(400, "bad_request", "content-type must be application/json")
            try:
                body = json.loads(raw)
            except ValueError:
                return self._refuse(400, "bad_request", "malformed JSON")
            problem = _problem(body) if isinstance(body, dict) else "a JSON object is expected"
            if problem is not None:
                return self._refuse(400, "invalid_parameter", problem)
            if fake.fail_with is not None:
                return self._refuse(fake.fail_with, "unavailable", "the service is unavailable")
            fake.accepted.append(body)
            message_id, fake.next_id = fake.next_id, fake.next_id + 1
            if self.path.endswith("/send"):
                return self._answer(201, {"messageId": message_id})
            parts = 1 if len(body["content"]) <= 160 else -(-len(body["content"]) // 153)
            deprecated = {"reference": "ab1cde2fgh3i4jklmno", "messageId": message_id, "smsCount": parts,
                          "usedCredits": 0.7 * parts, "remainingCredits": 82.85}  # fmt: skip
            return self._answer(201, deprecated)

    return Handler


@contextmanager
def fake_brevo() -> Iterator[FakeBrevo]:
    fake = FakeBrevo()
    with serving(_handler(fake)) as url:
        fake.url = f"{url}/v3"
        yield fake
