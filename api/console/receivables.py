"""Créances: every receivable, searched, filtered, sorted, totalled and paged from the receivable index.

The filter form is a GET (a list is bookmarkable); its values are read here, a value that is not one
(an amount, a number of days) is said beside its field and left out of the query. Only the page's
fifty rows are rendered; nothing is loaded from the store but the notifications since the last list.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode
from uuid import UUID

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from starlette.datastructures import QueryParams

from api.console.inputs import FormError, read_amount
from api.console.labels import STAGE, STATUS
from api.console.web import Person, render, services_of
from application.receivable_listing import ListQuery, SortKey
from domain.vocabulary import DunningStage, ReceivableStatus

router = APIRouter(include_in_schema=False)

DEBTOR_CHOICES = 300  # up to this many debtors, the form offers them in a list; beyond, the search box finds them
PAGES_AROUND = 2  # page links either side of the current page
FIELDS = ("q", "statut", "etape", "debiteur", "montant_min", "montant_max", "retard_min", "echues", "tri", "ordre")

# The values of the form's lists, in the URL (French, stable: lists are bookmarked)
STATUS_SLUGS = {
    "en-cours": ReceivableStatus.OPEN,
    "promesse": ReceivableStatus.PROMISED,
    "echeancier": ReceivableStatus.IN_PAYMENT_PLAN,
    "litige": ReceivableStatus.DISPUTED,
    "contentieux": ReceivableStatus.ESCALATED,
    "soldee": ReceivableStatus.SETTLED,
    "perte": ReceivableStatus.WRITTEN_OFF,
}
STAGE_SLUGS = {
    "aucune": DunningStage.NONE,
    "courtoisie": DunningStage.COURTESY,
    "premiere": DunningStage.FIRST_REMINDER,
    "seconde": DunningStage.SECOND_REMINDER,
    "mise-en-demeure": DunningStage.FORMAL_NOTICE,
    "contentieux": DunningStage.LITIGATION,
}
SORTS = {
    "echeance": SortKey.DUE_DATE,
    "montant": SortKey.AMOUNT,
    "reste": SortKey.OUTSTANDING,
    "retard": SortKey.DAYS_LATE,
}
FIRST_DESCENDING = {"montant", "reste", "retard"}  # a click on these shows the largest first


@dataclass
class Filters:
    """The form as typed, the query it makes, and what could not be read (field -> French message)."""

    typed: dict[str, str]
    query: ListQuery
    page: int
    errors: dict[str, str] = field(default_factory=dict)


@router.get("/creances", response_class=HTMLResponse)
def receivables(request: Request, person: Person) -> HTMLResponse:
    services = services_of(request)
    filters = read_filters(request.query_params)
    index = services.receivable_index()
    listing = index.listing(filters.query, services.ledger.now().today, page=filters.page)
    choices = None
    if index.debtor_count() <= DEBTOR_CHOICES:
        choices = sorted(index.debtors(), key=lambda d: (d.legal_name.casefold(), str(d.debtor_id)))
    chosen = None if filters.query.debtor_id is None else index.debtor(filters.query.debtor_id)
    context = {
        "form": filters.typed,
        "errors": filters.errors,
        "listing": listing,
        "debtor_choices": choices,
        "chosen_debtor": chosen,
        "statuses": [(slug, STATUS[status]) for slug, status in STATUS_SLUGS.items()],
        "stages": [(slug, STAGE[stage]) for slug, stage in STAGE_SLUGS.items()],
        "status_labels": STATUS,
        "stage_labels": STAGE,
        "sorted_by": filters.typed["tri"] or "echeance",
        "descending": filters.query.descending,
        "sort_link": lambda key: sort_link(filters.typed, key),
        "page_link": lambda number: link(filters.typed, page=number),
        "page_numbers": page_numbers(listing.page, listing.pages),
        "without_debtor": link({**filters.typed, "debiteur": ""}),
    }
    return render(request, "receivables.html.j2", context, status_code=422 if filters.errors else 200)


def read_filters(params: QueryParams) -> Filters:
    typed = {name: params.get(name, "").strip() for name in FIELDS}
    errors: dict[str, str] = {}
    status = STATUS_SLUGS.get(typed["statut"])
    if typed["statut"] and status is None:
        errors["statut"] = "Statut inconnu."
    stage = STAGE_SLUGS.get(typed["etape"])
    if typed["etape"] and stage is None:
        errors["etape"] = "Étape inconnue."
    debtor_id = None
    if typed["debiteur"]:
        try:
            debtor_id = UUID(typed["debiteur"])
        except ValueError:
            errors["debiteur"] = "Débiteur inconnu."
    low = _amount(typed["montant_min"], "montant_min", errors)
    high = _amount(typed["montant_max"], "montant_max", errors)
    days = _whole(typed["retard_min"], "retard_min", errors, "Un nombre de jours entier, par exemple 30.")
    sort = typed["tri"] if typed["tri"] in SORTS else "echeance"
    query = ListQuery(
        text=typed["q"][:200], status=status, stage=stage, debtor_id=debtor_id, outstanding_min=low,
        outstanding_max=high, days_late_min=days, overdue_only=bool(typed["echues"]), sort=SORTS[sort],
        descending=typed["ordre"] == "desc",
    )  # fmt: skip
    page = _whole(params.get("page", "").strip(), "page", {}, "") or 1
    return Filters(typed, query, page, errors)


def _amount(text: str, name: str, errors: dict[str, str]) -> Decimal | None:
    """``1 234,56``, ``1234.56`` or ``1234``, as every form of the console reads an amount."""
    if not text:
        return None
    try:
        return read_amount(text, name)
    except FormError as error:
        errors[name] = error.message
        return None


def _whole(text: str, name: str, errors: dict[str, str], message: str) -> int | None:
    if not text:
        return None
    if not text.isdigit() or len(text) > 6:
        errors[name] = message
        return None
    return int(text)


def link(typed: dict[str, str], **changes: Any) -> str:
    """This list's address with some values changed (an empty value leaves it out)."""
    values = {**typed, **{k: str(v) for k, v in changes.items()}}
    kept = [(name, value) for name, value in values.items() if value and not (name == "page" and value == "1")]
    return "/creances" + (f"?{urlencode(kept)}" if kept else "")


def sort_link(typed: dict[str, str], key: str) -> str:
    """Sorted by ``key``: the other way round when it already is, else its natural way first."""
    current = typed["tri"] or "echeance"
    if current == key:
        order = "" if typed["ordre"] == "desc" else "desc"
    else:
        order = "desc" if key in FIRST_DESCENDING else ""
    return link(typed, tri="" if key == "echeance" else key, ordre=order, page="")


def page_numbers(page: int, pages: int) -> list[int | None]:
    """The pages to link: the first, the last, and those around the current one (None: a gap)."""
    shown = sorted({1, pages, *range(max(1, page - PAGES_AROUND), min(pages, page + PAGES_AROUND) + 1)})
    numbers: list[int | None] = []
    for number in shown:
        if numbers and number - (numbers[-1] or 0) > 1:
            numbers.append(None)
        numbers.append(number)
    return numbers
