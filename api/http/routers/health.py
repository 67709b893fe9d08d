"""Liveness and readiness: open, no authentication."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from api.bootstrap import LetterError, firm_from_settings
from api.http.dependencies import ServicesDep
from api.http.problems import is_store_outage
from application.configuration_checks import configuration_warnings
from application.correspondence import Firm

router = APIRouter(tags=["health"])


@router.get("/healthz", summary="The process answers")
def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get(
    "/readyz",
    summary="The stores answer",
    description="`checks.configuration.warnings` lists what letters lack that only an administrator can add "
    "(the half-year's rates, the consumer mediator), with the fix; it never makes the API unready.",
    responses={503: {"description": "A store is unavailable", "content": {"application/json": {}}}},
)
def readyz(services: ServicesDep) -> Any:
    def database() -> dict[str, Any]:
        services.database.ping()
        return {"status": "ok"}

    def ledger() -> dict[str, Any]:
        return {"status": "ok", "last_notification_id": services.ledger.recorder.max_notification_id()}

    def projections() -> dict[str, Any]:  # each read model's position: lag is reported, it does not make us unready
        statuses = services.read_models.status() if services.read_models is not None else []
        return {s.name: {"status": "ok", "position": s.position, "lag": s.lag} for s in statuses}

    def configuration() -> dict[str, Any]:  # what letters need and only a person can add: it does not make us unready
        warnings = configuration_warnings(services.ledger.rate_table(), services.ledger.now().today, firm_or_none())
        return {"status": "warning" if warnings else "ok", "warnings": [w.view() for w in warnings]}

    def firm_or_none() -> Firm | None:
        try:
            return firm_from_settings(services.settings)
        except LetterError:
            return None

    checks: dict[str, Any] = {}
    ready = True
    probes = (
        ("database", database),
        ("ledger", ledger),
        ("projections", projections),
        ("configuration", configuration),
    )
    for name, probe in probes:
        if not ready:  # the ledger's reads retry for ~50 s against a server that is down: answer now
            checks[name] = {"status": "skipped"}
            continue
        try:
            checks[name] = probe()
        except Exception as error:
            if not is_store_outage(error):
                raise
            ready, checks[name] = False, {"status": "unavailable"}
    body = {"status": "ready" if ready else "unavailable", "checks": checks}
    return JSONResponse(body, status_code=200 if ready else 503, headers=None if ready else {"Retry-After": "2"})
