"""What a dunning run did: documents sent, detections, refusals with reasons, holds, the worklist."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from domain.canonical import format_instant
from domain.vocabulary import Priority

PRIORITY_ORDER = {Priority.CRITICAL: 0, Priority.HIGH: 1, Priority.NORMAL: 2, Priority.LOW: 3}


@dataclass
class Refusal:
    debtor_id: str
    receivable_ids: list[str]
    rule: str  # guardrail_contacts_per_week, guardrail_working_hours, bank_data_stale, no_email_address ...
    detail: str
    debtor_name: str = ""  # who and which invoices are held back, as people name them ("" once erased)
    invoice_numbers: list[str] = field(default_factory=list)


@dataclass
class SentItem:
    dispatch_key: str
    debtor_id: str
    kind: str
    channel: str
    document_sha256: str | None
    receivable_ids: list[str]
    invoice_numbers: list[str]
    status: str  # recorded, to_post (a letter: recorded when posted), would_send (dry run), resumed
    debtor_name: str | None = None  # filled at the end of the run ("[effacé]" for an erased person)


@dataclass
class WorkItem:
    receivable_id: str
    debtor_id: str
    invoice_number: str
    action: str  # call or escalate
    rule: str
    label: str
    due_on: date
    priority: str
    amount: Decimal
    days_past_due: int
    contact: dict[str, str | None] | None
    debtor_name: str = ""  # "" once a person's data is erased
    currency: str = "EUR"  # of ``amount``


@dataclass
class RunReport:
    run_id: str
    run_date: date
    dry_run: bool
    forced: bool
    started_at: datetime
    receivables_examined: int = 0
    sent: list[SentItem] = field(default_factory=list)
    events_recorded: int = 0
    detections: list[dict[str, Any]] = field(default_factory=list)
    worklist: list[WorkItem] = field(default_factory=list)
    refused: list[Refusal] = field(default_factory=list)
    held: dict[str, int] = field(default_factory=dict)
    errors: list[dict[str, str]] = field(default_factory=list)
    bank_data: str = ""
    warnings: list[dict[str, str]] = field(default_factory=list)  # configuration to fix: rates, mediator


def worklist_order(item: WorkItem) -> tuple[int, Decimal, date, str]:
    return (PRIORITY_ORDER.get(Priority(item.priority), 9), -item.amount, item.due_on, item.invoice_number)


def report_view(report: RunReport) -> dict[str, Any]:
    """The run report as JSON-ready data: amounts as decimal strings, dates in ISO 8601."""
    view: dict[str, Any] = _plain(asdict(report))
    for item in view["sent"]:  # where to get each document: over HTTP, or with the CLI
        sha = item["document_sha256"]
        item["document_url"] = f"/v1/documents/{sha}" if sha else None
        item["document_command"] = f"relance documents get {sha} -o FILE" if sha else None
    view["summary"] = {
        "receivables_examined": report.receivables_examined,
        "documents": len(report.sent),
        "events_recorded": report.events_recorded,
        "worklist": len(report.worklist),
        "refused": len(report.refused),
        "errors": len(report.errors),
        "warnings": len(report.warnings),
    }
    return view


def work_item_view(item: WorkItem) -> dict[str, Any]:
    return dict(_plain(asdict(item)))


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime):
        return format_instant(value)
    if isinstance(value, date):
        return value.isoformat()
    return value
