"""Liveness and readiness: open, no authentication."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from api.http.dependencies import ServicesDep
from api.http.problems import is_store_outage

router = APIRouter(tags=["health"])


@router.get("/healthz", summary="The process answers")
def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get(
    "/readyz",
    summary="The stores answer",
    responses={503: {"description": "A store is unavailable", "content": {"application/json": {}}}},
)
def readyz(services: ServicesDep) -> Any:
    checks: dict[str, Any] = {}
    ready = True
    try:
        checks["ledger"] = {"status": "ok", "last_notification_id": services.ledger.recorder.max_notification_id()}
    except Exception as error:
        if not is_store_outage(error):
            raise
        ready, checks["ledger"] = False, {"status": "unavailable"}
    try:
        services.database.ping()
        checks["database"] = {"status": "ok"}
    except Exception as error:
        if not is_store_outage(error):
            raise
        ready, checks["database"] = False, {"status": "unavailable"}
    body = {"status": "ready" if ready else "unavailable", "checks": checks}
    return JSONResponse(body, status_code=200 if ready else 503, headers=None if ready else {"Retry-After": "2"})
