"""The baseline of benchmarks/api_load.py: a bare FastAPI app doing the least SQL of the same endpoints.

- ``POST /v1/receivables/{id}/payments``: a sync endpoint that parses the same JSON body and
  INSERTs one row of the product's event shape (originator_id uuid, originator_version bigint,
  topic text, state bytea) with a real stored ``PaymentReceived`` state, into its own table of
  the same shape (``baseline_events``, same primary key and ``bigserial`` notification id), one
  transaction per request;
- ``GET /v1/receivables/{id}``: one SELECT of that receivable's rows in the product's own
  ``ledger_events`` table, returned as JSON (versions and topics, state sizes).

Connections come from a psycopg pool per worker process; the table is created beforehand by
api_load.py (``SCHEMA``), not by each worker. Configured by environment:
``BASELINE_DATABASE_URL``, ``BASELINE_STATE_FILE`` (the state bytes), ``BASELINE_TOPIC``.
Served by ``uvicorn baseline_app:create_app --factory --app-dir benchmarks --workers N``.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any
from uuid import UUID

from fastapi import FastAPI
from psycopg_pool import ConnectionPool

POOL_SIZE = 16  # relance's own pools: eventsourcing 5 + 10 overflow, and 5 for tokens and idempotency keys
SCHEMA = """
CREATE TABLE IF NOT EXISTS baseline_events (
    originator_id uuid NOT NULL,
    originator_version bigint NOT NULL,
    topic text NOT NULL,
    state bytea NOT NULL,
    notification_id bigserial,
    PRIMARY KEY (originator_id, originator_version)
);
CREATE UNIQUE INDEX IF NOT EXISTS baseline_events_notification_id ON baseline_events (notification_id);
CREATE SEQUENCE IF NOT EXISTS baseline_versions;
"""
INSERT = (
    "INSERT INTO baseline_events (originator_id, originator_version, topic, state)"
    " VALUES (%s, nextval('baseline_versions'), %s, %s)"
)
SELECT = (
    "SELECT originator_version, topic, state FROM ledger_events WHERE originator_id = %s ORDER BY originator_version"
)


def create_app() -> FastAPI:
    url = os.environ["BASELINE_DATABASE_URL"]
    state = Path(os.environ["BASELINE_STATE_FILE"]).read_bytes()
    topic = os.environ["BASELINE_TOPIC"]
    pool = ConnectionPool(url, min_size=4, max_size=POOL_SIZE, open=True, kwargs={"autocommit": True})
    app = FastAPI(title="baseline", docs_url=None, redoc_url=None, openapi_url=None)

    @app.get("/healthz")
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.post("/v1/receivables/{receivable_id}/payments", status_code=201)
    def record_payment(receivable_id: UUID, body: dict[str, Any]) -> dict[str, Any]:
        with pool.connection() as connection:
            connection.execute(INSERT, (receivable_id, topic, state))
        return {"aggregate_id": str(receivable_id), "recorded": True, "bank_reference": body.get("bank_reference")}

    @app.get("/v1/receivables/{receivable_id}")
    def get_receivable(receivable_id: UUID) -> dict[str, Any]:
        with pool.connection() as connection:
            rows = connection.execute(SELECT, (receivable_id,)).fetchall()
        return {
            "id": str(receivable_id),
            "version": rows[-1][0] if rows else 0,
            "events": [{"version": version, "type": topic, "size": len(state)} for version, topic, state in rows],
        }

    return app
