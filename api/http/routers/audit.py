"""/v1/audit: the audit journal, every event with who recorded it and when, filterable.

Summaries hold no personal data (docs/decisions/0043): a debtor's names, addresses and
contacts stay in the Debtor aggregate, free texts (notes, reasons) stay in the journal.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any
from urllib.parse import urlencode
from uuid import UUID

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, Field

from api.bootstrap import AUDIT_PAGE_MAX, AuditFilter
from api.http.dependencies import allow
from api.http.exports import CSV_RESPONSE, FormatQuery, csv_response, wants_csv
from api.http.routers.reports import ReadModelsDep, checked_day
from application.access import AUDITING, Principal
from application.projections import AuditRow

router = APIRouter(prefix="/v1/audit", tags=["audit"])

Auditor = Annotated[Principal, Depends(allow(AUDITING))]
COLUMNS = [
    "notification_id", "recorded_at", "actor", "aggregate_type", "aggregate_id", "version", "event_type",
    "debtor_id", "summary",
]  # fmt: skip


class AuditEntry(BaseModel):
    notification_id: int = Field(description="Position in the ledger's log (increasing, with gaps)")
    recorded_at: datetime
    actor: str
    aggregate_type: str
    aggregate_id: UUID
    version: int
    event_type: str
    debtor_id: UUID | None
    summary: str = Field(description="What happened, without personal data")


class AuditPageOut(BaseModel):
    items: list[AuditEntry]
    limit: int
    next_after: int | None = Field(description="Pass as `after` for the next page; null on the last page")
    next: str | None = Field(description="The next page's path and query")
    position: int = Field(description="The last ledger notification id the audit journal had applied")


def _entry(row: AuditRow) -> AuditEntry:
    return AuditEntry(**{name: getattr(row, name) for name in COLUMNS})


@router.get(
    "",
    summary="Audit journal: every event with actor, time, aggregate, type and a summary",
    response_model=AuditPageOut,
    responses={200: CSV_RESPONSE},
)
def audit_journal(
    request: Request,
    models: ReadModelsDep,
    _: Auditor,
    actor: Annotated[str | None, Query(max_length=200, description="Only events recorded by this actor")] = None,
    start: Annotated[date | None, Query(alias="from", description="Recorded on or after this day")] = None,
    end: Annotated[date | None, Query(alias="to", description="Recorded on or before this day")] = None,
    debtor_id: Annotated[UUID | None, Query(description="Only events about this debtor and its receivables")] = None,
    aggregate_id: Annotated[UUID | None, Query(description="Only this receivable's or debtor's events")] = None,
    type: Annotated[str | None, Query(max_length=100, description="Only this event type, e.g. PaymentReceived")] = None,
    after: Annotated[int, Query(ge=0, le=2**62, description="Entries after this notification id")] = 0,
    limit: Annotated[int, Query(ge=1, le=AUDIT_PAGE_MAX)] = 100,
    format: FormatQuery = None,
) -> Any:
    today = models.ledger.now().today
    where = AuditFilter(
        actor=actor,
        debtor_id=debtor_id,
        event_type=type,
        aggregate_id=aggregate_id,
        start=None if start is None else checked_day(start, "from", today),
        end=None if end is None else checked_day(end, "to", today),
    )
    if wants_csv(request, format):  # every matching entry after `after`, streamed page by page
        rows = ([getattr(row, name) for name in COLUMNS] for row in models.audit_all(where, after=after))
        return csv_response("audit.csv", COLUMNS, rows)
    page = models.audit(where, after=after, limit=limit)
    next_path = None
    if page.next_after is not None:
        query = {k: v for k, v in request.query_params.items() if k != "after"}
        next_path = f"{request.url.path}?{urlencode({**query, 'after': page.next_after})}"
    return AuditPageOut(
        items=[_entry(row) for row in page.entries],
        limit=limit,
        next_after=page.next_after,
        next=next_path,
        position=page.position,
    )
