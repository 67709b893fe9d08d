"""Aujourd'hui: what each person has to do today, by role."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from api.bootstrap import Services
from api.console.labels import DISPUTE_REASON, PRIORITY
from api.console.web import Person, render, services_of
from application.access import Role
from application.dunning_report import work_item_view
from application.receivable_listing import IndexedDebtor
from domain.limitation import limitation_of
from domain.vocabulary import ReceivableStatus

router = APIRouter(include_in_schema=False)

SHOWN = 50  # per section: the page stays quick; the full list is a click away
PROMISES_AHEAD = timedelta(days=3)
WORK_GROUPS = {"call": "calls", "reply_received": "replies"}  # any other action: "other"

# What each role's morning holds (admin sees everything).
SECTIONS: dict[Role, frozenset[str]] = {
    Role.COLLECTOR: frozenset({"calls", "promises", "disputes", "replies", "letters", "limitation", "other"}),
    Role.MANAGER: frozenset(
        {"calls", "promises", "disputes", "replies", "letters", "bank", "limitation", "run", "other"}
    ),
    Role.ACCOUNTANT: frozenset({"bank", "letters", "disputes", "limitation"}),
    Role.AUDITOR: frozenset({"calls", "promises", "disputes", "letters", "bank", "limitation", "run", "other"}),
}
ALL_SECTIONS = frozenset().union(*SECTIONS.values())


@router.get("/", response_class=HTMLResponse)
def today(request: Request, person: Person) -> HTMLResponse:
    services = services_of(request)
    role = person.principal.role
    sections = ALL_SECTIONS if role is Role.ADMIN else SECTIONS[role]
    context = {"today": services.ledger.now().today, "dispute_reasons": DISPUTE_REASON, **agenda(services, sections)}
    return render(request, "today.html.j2", context)


def agenda(services: Services, sections: frozenset[str]) -> dict[str, Any]:
    ledger = services.ledger
    day = ledger.now().today
    found: dict[str, Any] = {"sections": sections}
    work = services.dunning().worklist(day) if sections & {"calls", "replies", "other"} else []
    groups: dict[str, list[Any]] = {"calls": [], "replies": [], "other": []}
    for item in work:  # tens of thousands at 100,000 files: only the shown ones are made into views
        group = groups[WORK_GROUPS.get(item.action, "other")]
        if len(group) < SHOWN:
            group.append(work_item_view(item))
    counts = Counter(WORK_GROUPS.get(item.action, "other") for item in work)
    found.update(groups)
    found["priorities"] = {p.value: label for p, label in PRIORITY.items()}
    found["work_totals"] = {name: counts.get(name, 0) for name in groups}
    index = services.receivable_index()  # kept by the process: no file is replayed to fill the page
    entries = index.entries() if sections & {"promises", "disputes", "limitation"} else []
    found["promises"] = sorted(
        (
            e for e in entries
            if e.promise is not None and not e.closed and e.promise.promised_for <= day + PROMISES_AHEAD
        ),
        key=lambda e: (e.promise.promised_for if e.promise else day, e.invoice_number),
    ) if "promises" in sections else []  # fmt: skip
    disputed = [e for e in entries if e.status is ReceivableStatus.DISPUTED] if "disputes" in sections else []
    disputed.sort(key=lambda e: (e.due_date, e.invoice_number))
    found["disputes_total"] = len(disputed)
    found["disputes"] = [ledger.receivable(e.receivable_id) for e in disputed[:SHOWN]]  # their reason and day
    found["letters"] = services.letters().to_post() if "letters" in sections else []
    found["bank_lines"], found["bank_total"] = (
        services.imports.lines(status="unmatched", limit=SHOWN) if "bank" in sections else ([], 0)
    )
    found["limitation"], found["limitation_total"] = [], 0
    if "limitation" in sections:
        horizon = day + timedelta(days=services.settings.limitation_alert_days)
        near = sorted(
            (e for e in entries if e.limitation_on is not None and e.limitation_on < horizon),
            key=lambda e: (e.limitation_on or day, e.invoice_number),
        )
        found["limitation_total"] = len(near)
        alert_days = services.settings.limitation_alert_days
        found["limitation"] = [
            (r, limitation_of(r, on=day, alert_days=alert_days))
            for r in (ledger.receivable(e.receivable_id) for e in near[:SHOWN])
        ]
    debtors = {e.debtor_id for e in found["promises"]} | {r.debtor_id for r in found["disputes"]}
    found["debtor_names"] = {str(d): _name(index.debtor(d)) for d in debtors}
    found["shown"] = SHOWN
    return found


def _name(debtor: IndexedDebtor | None) -> str:
    return (debtor.legal_name if debtor is not None else "") or "[effacé]"
