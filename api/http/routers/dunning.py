"""/v1/dunning-runs and /v1/worklist: the daily run of the policies, and what a person must do today."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from pydantic import Field

from api.http.dependencies import ServicesDep, allow
from api.http.schemas import Body
from application.access import MANAGEMENT, READERS, Principal
from application.dunning_report import report_view, work_item_view

router = APIRouter(tags=["dunning"])

Runner = Annotated[Principal, Depends(allow(MANAGEMENT))]
Reader = Annotated[Principal, Depends(allow(READERS))]


class RunBody(Body):
    date: dt.date | None = Field(default=None, description="The day to run for (default: today); never in the future")
    dry_run: bool = Field(default=False, description="Decide and report; send and record nothing")
    force: bool = Field(
        default=False, description="Send although the latest bank statement is older than the configured age"
    )


RUN_EXAMPLE = {
    "run_id": "5f0c…",
    "run_date": "2026-06-15",
    "dry_run": False,
    "sent": [{"kind": "first_reminder", "channel": "email", "invoice_numbers": ["F-2026-0012"], "status": "recorded"}],
    "worklist": [
        {
            "action": "call",
            "rule": "courtesy_call",
            "debtor_name": "SARL Moreau Rénovation",
            "invoice_number": "F-2026-0031",
            "priority": "high",
        }
    ],
    "refused": [
        {
            "rule": "guardrail_contacts_per_week",
            "detail": "…",
            "debtor_name": "Foncière des Terreaux SAS",
            "invoice_numbers": ["F-2026-0007", "F-2026-0019"],
        }
    ],
    "summary": {"documents": 1, "events_recorded": 1, "worklist": 1, "refused": 1, "errors": 0},
}


@router.post(
    "/v1/dunning-runs",
    status_code=201,
    summary="Run the dunning policies for every open receivable (idempotent per date)",
    description=(
        "Sends what is automatic (e-mail, recorded as ReminderSent once the SMTP server accepted it, with the "
        "sha256 of the stored message), prepares what is printed (letters, formal notices: stored as PDF, listed "
        "by GET /v1/letters and recorded only when a person posts them: POST /v1/letters/{key}/posting), "
        "detects broken promises and missed instalments, and lists calls and escalations for a person. "
        "Running it twice for the same date "
        "sends and records nothing twice; a run killed half-way is finished by the next one."
    ),
    responses={201: {"content": {"application/json": {"example": RUN_EXAMPLE}}}},
)
def run_dunning(body: RunBody, services: ServicesDep, p: Runner) -> dict[str, Any]:
    report = services.dunning().run(on=body.date, dry_run=body.dry_run, force=body.force, actor=p.name)
    view = report_view(report)
    services.run_reports.save(report.run_id, report.run_date, report.started_at, p.name, report.dry_run, view)
    return view


@router.get("/v1/dunning-runs", summary="Recent dunning runs")
def list_runs(
    services: ServicesDep, _: Reader, limit: Annotated[int, Query(ge=1, le=500)] = 50
) -> list[dict[str, Any]]:
    return services.run_reports.recent(limit)


@router.get("/v1/dunning-runs/{run_id}", summary="The report of one dunning run", responses={404: {}})
def get_run(run_id: Annotated[str, Field(max_length=64)], services: ServicesDep, _: Reader) -> dict[str, Any]:
    return services.run_reports.get(run_id)


@router.get(
    "/v1/worklist",
    summary="Calls, escalations and what came back (letters, debtors' replies) due on a date, by priority then amount",
)
def worklist(
    services: ServicesDep, _: Reader, on: Annotated[dt.date | None, Query(alias="date")] = None
) -> dict[str, Any]:
    day = on or services.ledger.now().today
    items = services.dunning().worklist(day)
    return {"date": day.isoformat(), "items": [work_item_view(item) for item in items]}
