"""Aujourd'hui: what each person has to do today, by role."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from api.bootstrap import Services, build_claims
from api.console.labels import DISPUTE_REASON
from api.console.web import Person, render, services_of
from application.access import Role
from application.dunning_report import work_item_view
from domain.vocabulary import ReceivableStatus

router = APIRouter(include_in_schema=False)

SHOWN = 50  # per section: the page stays quick; the full list is a click away
PROMISES_AHEAD = timedelta(days=3)

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
    work = [work_item_view(item) for item in services.dunning().worklist(day)] if sections & {
        "calls", "replies", "other"
    } else []  # fmt: skip
    found["calls"] = [w for w in work if w["action"] == "call"]
    found["replies"] = [w for w in work if w["action"] == "reply_received"]
    found["other"] = [w for w in work if w["action"] not in {"call", "reply_received"}]
    index = services.receivable_index()
    found["promises"] = []
    if "promises" in sections:
        for entry in index.matching(status=ReceivableStatus.PROMISED):
            receivable = ledger.receivable(entry.receivable_id)
            promise = receivable.open_promise
            if promise is not None and promise.promised_date <= day + PROMISES_AHEAD:
                found["promises"].append((receivable, promise))
        found["promises"].sort(key=lambda pair: pair[1].promised_date)
    found["disputes"] = (
        [ledger.receivable(e.receivable_id) for e in index.matching(status=ReceivableStatus.DISPUTED)[:SHOWN]]
        if "disputes" in sections
        else []
    )
    found["letters"] = services.letters().to_post() if "letters" in sections else []
    found["bank_lines"], found["bank_total"] = (
        services.imports.lines(status="unmatched", limit=SHOWN) if "bank" in sections else ([], 0)
    )
    found["limitation"] = []
    if "limitation" in sections:
        claims = build_claims(services.settings, ledger)
        horizon = day + timedelta(days=services.settings.limitation_alert_days)
        found["limitation"] = claims.limitation_before(horizon, on=day)[:SHOWN]
    found["debtor_names"] = _debtor_names(services, [*found["disputes"], *(r for r, _ in found["promises"])])
    found["shown"] = SHOWN
    return found


def _debtor_names(services: Services, receivables: list[Any]) -> dict[str, str]:
    names: dict[str, str] = {}
    for receivable in receivables:
        key = str(receivable.debtor_id)
        if key not in names:
            names[key] = services.ledger.debtor(receivable.debtor_id).legal_name or "[effacé]"
    return names
