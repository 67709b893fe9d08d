"""``create_app(settings)``: the HTTP API. Nothing is built at import time."""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import structlog
from fastapi import Depends, FastAPI

from api.bootstrap import (
    IdempotencyStore,
    Services,
    Settings,
    build_services,
    start_projections,
)
from api.console.site import install_console
from api.http.dependencies import refuse_malformed_query_dates, refuse_unknown_query
from api.http.hardening import (
    BodyLimitMiddleware,
    FailedAuthentications,
    SecurityHeadersMiddleware,
    document_hardening,
    install_docs,
)
from api.http.idempotency import IdempotencyMiddleware
from api.http.problems import install_problem_handlers
from api.http.request_log import RequestLogMiddleware, configure_logging
from api.http.routers import (
    audit,
    claims,
    debtors,
    documents,
    dunning,
    evidence,
    health,
    imports,
    letters,
    lre_webhooks,
    mail,
    mail_webhooks,
    policies,
    privacy,
    receivables,
    reports,
    sms_webhooks,
)
from application.ledger import Clock, system_clock

DESCRIPTION = """
Amicable recovery of unpaid invoices (recouvrement amiable) with an immutable,
hash-chained journal.

* **Authentication**: `Authorization: Bearer <token>`; tokens are created with
  `relance token create --role ROLE --name NAME`. The token's name is the `actor` of
  every event it records. Only `/healthz` and `/readyz` are open.
* **Errors**: `application/problem+json` (RFC 9457) with a `rule` naming the rule
  broken: 401/403 authentication, 404 unknown, 409 rule broken by the file's state or a
  concurrent write, 412 `If-Match` no longer holds, 422 invalid input, 503 store
  unavailable (with `Retry-After`).
* **Concurrency**: responses carry the aggregate version as `ETag`; send it back in
  `If-Match` to fail with 412 instead of acting on a file that moved on.
* **Idempotency**: every POST accepts `Idempotency-Key`; a retry with the same key and
  body returns the first response (`Idempotent-Replayed: true`) and records nothing.
* **Money** is a decimal string with at most two places (`"1234.50"`), never a JSON number; dates
  are `YYYY-MM-DD` (bodies and query strings); instants UTC ISO 8601.
* **Limits**: bodies over 1 MiB (20 MiB for documents and imports) get 413 before the token is
  checked; past `RELANCE_AUTH_FAILURES_PER_MINUTE` (10) unknown tokens a minute from one address,
  429 with `Retry-After`.
"""

TAGS = [
    {"name": "receivables", "description": "Invoices and every step of their recovery."},
    {"name": "late charges", "description": "Amount claimable with its calculation; rate tables (legal.md)."},
    {"name": "debtors", "description": "Customers who owe, their contacts, and what halts chasing them."},
    {"name": "documents", "description": "Content-addressed files that events refer to by SHA-256."},
    {"name": "reports", "description": "Aged balance as of any date, DSO, collection effectiveness, credit holds."},
    {"name": "audit", "description": "Who did what and when: every event, filterable, without personal data."},
    {"name": "evidence", "description": "The firm's public key and signed ledger digests (evidence.md §3)."},
    {"name": "dunning", "description": "The daily run of the dunning policies, its reports, and the worklist."},
    {"name": "policies", "description": "Dunning policies as TOML data; every version kept, named by each step."},
    {
        "name": "imports",
        "description": "Open invoices (CSV, Factur-X) and bank statements (CSV, CAMT.053) in; unmatched bank lines.",
    },
    {"name": "privacy", "description": "Personal data of natural persons (GDPR): the access request (art. 15)."},
    {"name": "health", "description": "Liveness and readiness (no authentication)."},
]


def create_app(
    settings: Settings, *, services: Services | None = None, clock: Clock = system_clock, warm_up: bool = False
) -> FastAPI:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        owned = services is None
        app.state.services = services or build_services(settings, clock)
        app.state.idempotency = IdempotencyStore(app.state.services.database)
        stop_projections = start_projections(app.state.services.read_models)  # embedded default: in-process
        if warm_up:
            warm_up_in_background(app.state.services)
        try:
            yield
        finally:
            stop_projections()
            if owned:
                app.state.services.close()

    configure_logging(json_logs=settings.environment == "production")
    app = FastAPI(
        title="relance",
        version="0.1.0",
        description=DESCRIPTION,
        openapi_tags=TAGS,
        lifespan=lifespan,
        docs_url=None,  # served from local files: install_docs
        redoc_url=None,
        dependencies=[Depends(refuse_unknown_query), Depends(refuse_malformed_query_dates)],
    )
    install_problem_handlers(app)
    app.state.auth_failures = FailedAuthentications(settings.auth_failures_per_minute, clock)
    app.add_middleware(IdempotencyMiddleware)
    app.add_middleware(BodyLimitMiddleware, default=settings.max_body_bytes)  # before any body is read
    app.add_middleware(SecurityHeadersMiddleware)
    app.add_middleware(RequestLogMiddleware)  # outermost: logs every request, replays included
    for router in (
        health.router,
        receivables.router,
        claims.router,
        debtors.router,
        documents.router,
        reports.router,
        audit.router,
        evidence.router,
        dunning.router,
        letters.router,
        lre_webhooks.router,
        mail.router,
        mail_webhooks.router,
        policies.router,
        privacy.router,
        imports.router,
        sms_webhooks.router,
    ):
        app.include_router(router)
    install_console(app)  # the French web console at / (its routes are not in the OpenAPI)
    install_docs(app)
    document_hardening(app)
    return app


def warm_up_in_background(services: Services) -> None:
    """Read the log once for the receivable index and the worklist while the worker already answers, so
    that the first person to open Aujourd'hui or Créances does not wait for it (at 1,000,000 events, about
    a minute). A failure here is only logged: the first request then builds them itself."""

    def warm() -> None:
        try:
            services.receivable_index().entries()
            services.dunning().worklist(services.ledger.now().today)
        except Exception:  # a warm-up that failed costs the first request its time, nothing more
            structlog.get_logger("relance.warm_up").warning("warm_up_failed", exc_info=True)

    threading.Thread(target=warm, name="relance-warm-up", daemon=True).start()
