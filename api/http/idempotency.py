"""Idempotency-Key on every POST: the same key and body replay the first response without
recording twice; the same key with another body is refused (422).

A pure ASGI middleware, so it sees the exact request bytes and the exact response. Keys
are scoped to the caller (a hash of its bearer token). Responses that a retry could
change (401, 403, 409, 412, 429, 5xx) are not kept: the key is released.

The middleware keeps answers so that a retry is answered at once; exactly once is the command
pipeline's: the key travels with the command (``request.state.idempotency``) and its outcome is
written in the events' own transaction (decision 0015). So a retry that finds the first request
unfinished (still running, or killed before it answered) is not refused: it goes through, and the
pipeline either replays what the first one recorded or runs the command.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field

import structlog
from anyio import to_thread
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.bootstrap import IdempotencyStore, token_hash
from api.http.problems import is_store_outage
from application.pipeline import IdempotencyKey

KEPT_STATUSES = frozenset(range(200, 300)) | {400, 404, 413, 415, 422}
REPLAYED_HEADERS = ("content-type", "etag", "location")
MAX_KEY_LENGTH = 255

log = structlog.get_logger("relance.api")


@dataclass
class _Captured:
    status: int = 500
    headers: list[tuple[bytes, bytes]] = field(default_factory=list)
    body: bytes = b""


class IdempotencyMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        headers = dict(scope.get("headers", [])) if scope["type"] == "http" else {}
        key_bytes = headers.get(b"idempotency-key")
        authorization = headers.get(b"authorization", b"").decode("latin-1")
        if scope["type"] != "http" or scope["method"] != "POST" or key_bytes is None or not authorization:
            await self.app(scope, receive, send)
            return
        key = key_bytes.decode("latin-1").strip()
        if not key or len(key) > MAX_KEY_LENGTH or not key.isprintable():
            await _send_problem(
                scope, send, 422, "invalid_idempotency_key", "Idempotency-Key: 1 to 255 printable characters"
            )
            return
        store: IdempotencyStore = scope["app"].state.idempotency
        body = await _read_body(receive)
        principal = token_hash(authorization.partition(" ")[2].strip())
        fingerprint = _fingerprint(scope, headers, body)
        scope.setdefault("state", {})["idempotency"] = IdempotencyKey(principal, key, fingerprint)

        try:
            owner = await to_thread.run_sync(store.claim, principal, key, fingerprint)
            if not owner and await self._answer_known(store, principal, key, fingerprint, scope, send):
                return
        except Exception as error:
            if not is_store_outage(error):
                raise
            await _send_problem(
                scope, send, 503, "store_unavailable", "the store is unavailable; retry shortly", retry=True
            )
            return

        captured = _Captured()

        async def capture(message: Message) -> None:  # held back: see below
            if message["type"] == "http.response.start":
                captured.status, captured.headers = message["status"], list(message.get("headers", []))
            elif message["type"] == "http.response.body":
                captured.body += message.get("body", b"")

        try:
            await self.app(scope, _replay(body), capture)
        except Exception:
            if owner:
                await to_thread.run_sync(store.release, principal, key)
            raise
        # The key is kept or released before the client sees the answer, so that a retry sent
        # as soon as it arrives finds the stored response (or a free key). A request that went
        # through behind an unfinished one keeps its answer, never releases the other's claim.
        if owner or captured.status in KEPT_STATUSES:
            await _settle(store, principal, key, captured)
        await send({"type": "http.response.start", "status": captured.status, "headers": captured.headers})
        await send({"type": "http.response.body", "body": captured.body})

    async def _answer_known(
        self, store: IdempotencyStore, principal: str, key: str, fingerprint: str, scope: Scope, send: Send
    ) -> bool:
        """Answer from what the first request with this key left; False: let this one through (the
        first is unfinished, or was killed before answering: the pipeline knows what it recorded)."""
        known = await to_thread.run_sync(store.find, principal, key)
        if known is not None and known.request_hash != fingerprint:
            await _send_problem(
                scope, send, 422, "idempotency_key_reused", "this Idempotency-Key was used with another request"
            )
            return True
        if known is None or known.status is None:
            return False
        replay_headers = [(k.encode("latin-1"), v.encode("latin-1")) for k, v in known.headers.items()]
        replay_headers.append((b"idempotent-replayed", b"true"))
        await send({"type": "http.response.start", "status": known.status, "headers": replay_headers})
        await send({"type": "http.response.body", "body": known.body})
        return True


async def _settle(store: IdempotencyStore, principal: str, key: str, captured: _Captured) -> None:
    try:
        if captured.status in KEPT_STATUSES:
            kept = {
                k.decode("latin-1"): v.decode("latin-1")
                for k, v in captured.headers
                if k.decode("latin-1").lower() in REPLAYED_HEADERS
            }
            await to_thread.run_sync(store.complete, principal, key, captured.status, kept, captured.body)
        else:
            await to_thread.run_sync(store.release, principal, key)
    except Exception as error:  # the command's own answer still goes out
        if not is_store_outage(error):
            raise
        log.warning("idempotency_key_unsettled", status=captured.status, error_type=type(error).__name__)


def _fingerprint(scope: Scope, headers: dict[bytes, bytes], body: bytes) -> str:
    digest = hashlib.sha256()
    for part in (scope["method"], scope["path"], scope.get("query_string", b"").decode("latin-1")):
        digest.update(part.encode("utf-8") + b"\x00")
    digest.update(headers.get(b"content-type", b"") + b"\x00")
    digest.update(body)
    return digest.hexdigest()


async def _read_body(receive: Receive) -> bytes:
    chunks = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


def _replay(body: bytes) -> Receive:
    sent = False

    async def receive() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return {"type": "http.disconnect"}

    return receive


async def _send_problem(scope: Scope, send: Send, status: int, code: str, detail: str, *, retry: bool = False) -> None:
    body = json.dumps(
        {
            "type": f"urn:relance:problem:{code}",
            "title": "Service unavailable" if status == 503 else "Idempotency",
            "status": status,
            "detail": detail,
            "instance": scope["path"],
            "request_id": scope.get("state", {}).get("request_id"),
        }
    ).encode()
    headers = [(b"content-type", b"application/problem+json")]
    if retry:
        headers.append((b"retry-after", b"1"))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
