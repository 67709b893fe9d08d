"""What a security review asked of the HTTP layer (issue 15, items 18, 21, 22; decisions 0028, 0029, 0082):

* a size limit on every request body, checked on ``Content-Length`` before anything reads the body
  or looks at the token (413), and counted while reading when the length is not declared;
* security headers on every answer: ``nosniff``, no framing, no referrer, ``Cache-Control: no-store``;
* a limit on failed authentications per client address (429 with ``Retry-After``);
* Swagger UI served from files shipped with relance (``/docs`` works without internet).
"""

from __future__ import annotations

import json
import math
from collections import OrderedDict, deque
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.bootstrap import MAX_DOCUMENT_BYTES, MAX_IMPORT_BYTES
from api.console.paths import STATIC_PATH as CONSOLE_STATIC
from api.console.paths import is_console_path

MAX_POLICY_BYTES = 64 * 1024  # a TOML policy file (PUT /v1/policies/{id})

# ------------------------------------------------------------------ body size

MAX_BODY_BYTES = 1024 * 1024  # any JSON command; the largest real one (a long allocation) is a few kB
UPLOAD_LIMITS: tuple[tuple[str, str, int], ...] = (  # (method, path or prefix ending in /, bytes)
    ("POST", "/v1/documents", MAX_DOCUMENT_BYTES),
    ("POST", "/v1/imports/invoices", MAX_IMPORT_BYTES),
    ("POST", "/v1/imports/payments", MAX_IMPORT_BYTES),
    ("PUT", "/v1/policies/", MAX_POLICY_BYTES),
    ("POST", "/creances/", MAX_DOCUMENT_BYTES + 64 * 1024),  # the console's forms: a document and its fields
    ("POST", "/lettres/", MAX_DOCUMENT_BYTES),  # the console's scans of receipts and ARs, the deposit list
    ("POST", "/verifier", MAX_DOCUMENT_BYTES + 64 * 1024),  # the console's verify page: a bundle in a form
)


def body_limit(method: str, path: str, default: int = MAX_BODY_BYTES) -> int:
    for upload_method, route, limit in UPLOAD_LIMITS:
        if method == upload_method and (path == route or (route.endswith("/") and path.startswith(route))):
            return limit
    return default


class _BodyTooLarge(Exception):
    """Raised from ``receive`` once a body without a declared length passes the limit."""


class BodyLimitMiddleware:
    """413 for a body over the route's limit: at once when ``Content-Length`` says so (the app, and so
    authentication, never runs and nothing is read), else as soon as the bytes read pass the limit."""

    def __init__(self, app: ASGIApp, default: int = MAX_BODY_BYTES) -> None:
        self.app, self.default = app, default

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = body_limit(scope["method"], scope["path"], self.default)
        declared = _content_length(scope)
        if declared is not None and declared > limit:
            await _too_large(scope, send, limit)
            return
        received, tripped, started = 0, False, False

        async def counted() -> Message:
            nonlocal received, tripped
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    tripped = True
                    raise _BodyTooLarge
            return message

        async def guarded(message: Message) -> None:
            nonlocal started
            if tripped:  # whatever the app made of the interrupted body, the answer is the 413
                return
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counted, guarded)
        except _BodyTooLarge:
            pass
        except Exception:
            if not tripped:
                raise
        if tripped and not started:
            await _too_large(scope, send, limit)


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", []):
        if name == b"content-length":
            return int(value) if value.isdigit() else None
    return None


async def _too_large(scope: Scope, send: Send, limit: int) -> None:
    detail = f"the body is larger than {limit} bytes, the limit of {scope['method']} {scope['path']}"
    french = (
        f"L'envoi dépasse {max(1, limit // (1024 * 1024))} Mo, la taille admise ici : rien n'a été enregistré. "
        "Revenez à la page précédente et choisissez un fichier plus petit."
    )
    html = getattr(scope["app"].state, "html_problem", None) if "app" in scope else None
    page = html(Request(scope), 413, "Content too large", detail, french) if html is not None else None
    if page is not None:  # a person at the console: its French page, as every other error there
        headers = [*page.raw_headers, (b"connection", b"close")]
        await send({"type": "http.response.start", "status": 413, "headers": headers})
        await send({"type": "http.response.body", "body": page.body})
        return
    await send_problem(scope, send, 413, "Content too large", detail, "too_large", rule="body_size", connection="close")


async def send_problem(
    scope: Scope, send: Send, status: int, title: str, detail: str, code: str, *, rule: str, **headers: str
) -> None:
    """A problem+json answer from a middleware, where the app's exception handlers do not reach."""
    body = {
        "type": f"urn:relance:problem:{code}",
        "title": title,
        "status": status,
        "detail": detail,
        "instance": scope["path"],
        "request_id": scope.get("state", {}).get("request_id"),
        "rule": rule,
    }
    raw = [(b"content-type", b"application/problem+json")]
    raw += [(k.lower().replace("_", "-").encode(), v.encode()) for k, v in headers.items()]
    await send({"type": "http.response.start", "status": status, "headers": raw})
    await send({"type": "http.response.body", "body": json.dumps(body).encode()})


# ------------------------------------------------------------- security headers

DOCS_PATH = "/docs"
ASSETS_PATH = "/docs/assets"
API_POLICY = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
DOCS_POLICY = (
    "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
    "frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
)
CONSOLE_POLICY = (  # the console: its own stylesheet and scripts only, never inline; forms post to itself
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; object-src 'none'; "
    "frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
)
SECURITY_HEADERS = (
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
)


class SecurityHeadersMiddleware:
    """Every answer: ``nosniff`` (a browser never reads a stored document as another type), no framing,
    no referrer; ``Cache-Control: no-store`` on all but Swagger UI's static files (answers carry
    receivables, debtors and tokens' work); a content security policy (scripts from relance only)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        assets = path.startswith((ASSETS_PATH + "/", CONSOLE_STATIC + "/"))
        policy = (
            DOCS_POLICY if path == DOCS_PATH or path.startswith(ASSETS_PATH + "/")
            else CONSOLE_POLICY if is_console_path(path)
            else API_POLICY
        )  # fmt: skip
        replaced = {name for name, _ in SECURITY_HEADERS} | {b"content-security-policy", b"cache-control"}

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [(k, v) for k, v in message.get("headers", []) if k.lower() not in replaced]
                headers += [*SECURITY_HEADERS, (b"content-security-policy", policy.encode())]
                headers.append((b"cache-control", b"public, max-age=86400" if assets else b"no-store"))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, with_headers)


# ------------------------------------------------------- failed authentications


class FailedAuthentications:
    """Unknown or revoked tokens presented by each client address within a sliding window. Past
    ``limit``, every request of that address presenting a token is refused (429) until the oldest
    failure leaves the window, before its token is looked up: a right guess must not get through.

    Per worker process, in memory, on the app's clock; the addresses kept are bounded (the oldest
    forgotten first), so a flood from many addresses costs a fixed amount of memory."""

    def __init__(
        self, limit: int, clock: Callable[[], datetime], *, window_seconds: float = 60.0, addresses: int = 10_000
    ) -> None:
        self.limit, self.clock, self.window, self.addresses = limit, clock, window_seconds, addresses
        self._failures: OrderedDict[str, deque[float]] = OrderedDict()

    def retry_after(self, address: str) -> int | None:
        """Seconds before this address may try again; None when it may now."""
        failures = self._failures.get(address)
        if failures is None:
            return None
        now = self.clock().timestamp()
        while failures and failures[0] <= now - self.window:
            failures.popleft()
        if not failures:
            del self._failures[address]
            return None
        if len(failures) < self.limit:
            return None
        return max(1, math.ceil(failures[0] + self.window - now))

    def failed(self, address: str) -> None:
        failures = self._failures.pop(address, None) or deque(maxlen=self.limit)
        failures.append(self.clock().timestamp())
        self._failures[address] = failures  # most recent last
        while len(self._failures) > self.addresses:
            self._failures.popitem(last=False)


# ------------------------------------------------------------------ Swagger UI

ASSETS = Path(__file__).parent / "static" / "swagger-ui"
DOCS_PAGE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{title} — API</title>
<link rel="stylesheet" href="docs/assets/swagger-ui.css">
<link rel="icon" type="image/png" href="docs/assets/favicon-32x32.png">
</head>
<body>
<div id="swagger-ui"></div>
<script src="docs/assets/swagger-ui-bundle.js"></script>
<script src="docs/assets/swagger-initializer.js"></script>
</body>
</html>
"""


def install_docs(app: FastAPI) -> None:
    """``/docs`` from the Swagger UI files shipped in ``api/http/static/swagger-ui`` (swagger-ui-dist,
    see its VERSION): no CDN, and no inline script, so the page's policy admits scripts from relance only.
    Relative links: the page works behind a proxy that serves relance under a prefix."""
    page = DOCS_PAGE.format(title=app.title)

    async def docs() -> HTMLResponse:
        return HTMLResponse(page)

    app.add_api_route(DOCS_PATH, docs, include_in_schema=False, methods=["GET"])
    app.mount(ASSETS_PATH, StaticFiles(directory=ASSETS), name="swagger-ui")


# -------------------------------------------------------------------- OpenAPI


def document_hardening(app: FastAPI) -> None:
    """The OpenAPI says what these layers answer: 413 wherever a body is accepted (with the route's
    limit), 429 wherever a token is required."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            document = generate()
            for path, item in document.get("paths", {}).items():
                for method, operation in item.items():
                    _document(operation, method.upper(), path)
        return app.openapi_schema or {}

    app.openapi = openapi  # type: ignore[method-assign]


def _document(operation: dict[str, Any], method: str, path: str) -> None:
    responses: dict[str, Any] = operation.setdefault("responses", {})
    problem = {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
    if "requestBody" in operation:
        limit = body_limit(method, path.split("{")[0])
        responses.setdefault("413", {"description": f"The body is larger than {limit} bytes", "content": problem})
    if operation.get("security"):
        responses.setdefault(
            "429",
            {
                "description": "Too many failed authentications from this address: retry after the delay",
                "headers": {"Retry-After": {"schema": {"type": "string"}}},
                "content": problem,
            },
        )
