"""/v1/reports: aged balance as of any date, DSO, collection effectiveness, credit holds.

Answered from the read models (SQL over the projections' tables). Each answer carries
``position``: the last notification id of the ledger the read models had applied.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Annotated, Any, Literal
from uuid import UUID

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, Field

from api.bootstrap import ReadModels
from api.http.dependencies import ServicesDep, allow
from api.http.exports import CSV_RESPONSE, FormatQuery, csv_response, wants_csv
from application.access import REPORTING, Principal
from application.projections import money
from application.reports import (
    AGED_BALANCE_HEADER,
    BUCKETS,
    DSO_HEADER,
    EFFECTIVENESS_HEADER,
    AgedLine,
    Basis,
    aged_balance_rows,
    dso_row,
    effectiveness_rows,
)
from application.views import debtor_names
from domain.errors import InvalidInput

router = APIRouter(prefix="/v1/reports", tags=["reports"])

Reporter = Annotated[Principal, Depends(allow(REPORTING))]
EARLIEST = date(1900, 1, 1)
LATEST = date(2999, 12, 31)
DSO_FORMULA = (
    "dso = receivables at the end of the period (by value date, incl. not yet due) / credit sales of the period "
    "(invoices incl. VAT by issue date) x days in the period; countback_dso = days of the latest credit sales, "
    "walking back from the end, that the receivables at the end represent"
)


def read_models(services: ServicesDep) -> ReadModels:
    if services.read_models is None:  # pragma: no cover - build_services always builds them
        raise RuntimeError("this app was built without read models")
    return services.read_models


ReadModelsDep = Annotated[ReadModels, Depends(read_models)]
Currency = Annotated[str, Query(pattern=r"^[A-Z]{3}$", description="Only receivables in this currency")]


def checked_day(value: date | None, name: str, default: date) -> date:
    day = default if value is None else value
    if not EARLIEST <= day <= LATEST:
        raise InvalidInput(f"{name}: between {EARLIEST} and {LATEST}", rule="date_range")
    return day


class AgedLineOut(BaseModel):
    debtor_id: UUID | None = Field(description="None on the total line")
    not_yet_due: Decimal
    days_1_30: Decimal
    days_31_60: Decimal
    days_61_90: Decimal
    over_90: Decimal
    total: Decimal
    overdue: Decimal = Field(description="Everything past due: total less not yet due")
    receivables: int = Field(description="Receivables with something owed on that date")


class AgedBalanceOut(BaseModel):
    as_of: date
    basis: Basis
    basis_description: str
    currency: str
    buckets: list[str] = Field(description="Days past due on as_of: not yet due, 1–30, 31–60, 61–90, over 90")
    total: AgedLineOut
    debtors: list[AgedLineOut] = Field(description="One line per debtor owing something (by=debtor), largest first")
    position: int = Field(description="The last ledger notification id the read models had applied")


def _line(line: AgedLine) -> AgedLineOut:
    amounts = {bucket.value: money(line.amounts[bucket]) for bucket in BUCKETS}
    return AgedLineOut(
        debtor_id=line.debtor_id, total=money(line.total), overdue=money(line.overdue), receivables=line.receivables,
        **amounts,
    )  # fmt: skip


@router.get(
    "/aged-balance",
    summary="Aged balance (balance âgée) as of any date, in total and by debtor",
    response_model=AgedBalanceOut,
    responses={200: CSV_RESPONSE},
)
def aged_balance(
    request: Request,
    models: ReadModelsDep,
    _: Reporter,
    as_of: Annotated[date | None, Query(description="The closing date (default: today, firm's calendar)")] = None,
    by: Annotated[Literal["total", "debtor"], Query(description="debtor: one line per debtor too")] = "total",
    basis: Annotated[
        Basis,
        Query(
            description="by_value_date (default): payments, credit notes and write-offs by value date, even those "
            "recorded later; as_known: what the ledger had recorded by the end of that day"
        ),
    ] = Basis.BY_VALUE_DATE,
    currency: Currency = "EUR",
    format: FormatQuery = None,
) -> Any:
    day = checked_day(as_of, "as_of", models.ledger.now().today)
    report = models.aged_balance(as_of=day, basis=basis, currency=currency, by_debtor=by == "debtor")
    body = AgedBalanceOut(
        as_of=report.as_of,
        basis=report.basis,
        basis_description=report.basis.description,
        currency=report.currency,
        buckets=[bucket.value for bucket in BUCKETS],
        total=_line(report.total),
        debtors=[_line(line) for line in report.debtors],
        position=report.position,
    )
    if not wants_csv(request, format):
        return body
    names = debtor_names(models.ledger, (line.debtor_id for line in report.debtors))
    rows = aged_balance_rows(report, names)
    return csv_response(f"aged-balance-{day}-{basis.value}.csv", AGED_BALANCE_HEADER, rows)


class DsoOut(BaseModel):
    from_: date = Field(alias="from", serialization_alias="from")
    to: date
    currency: str
    days: int
    receivables_at_end: Decimal
    credit_sales: Decimal
    dso: Decimal | None = Field(description="Average method; None without credit sales in the period")
    countback_dso: Decimal | None
    formula: str
    position: int


@router.get(
    "/dso",
    summary="Days sales outstanding over a period (average and countback methods)",
    response_model=DsoOut,
    response_model_by_alias=True,
    responses={200: CSV_RESPONSE},
)
def dso(
    request: Request,
    models: ReadModelsDep,
    _: Reporter,
    start: Annotated[date | None, Query(alias="from", description="First day (default: to − 89 days)")] = None,
    end: Annotated[date | None, Query(alias="to", description="Last day, included (default: today)")] = None,
    currency: Currency = "EUR",
    format: FormatQuery = None,
) -> Any:
    last = checked_day(end, "to", models.ledger.now().today)
    first = checked_day(start, "from", max(EARLIEST, last - timedelta(days=89)))
    if first > last:
        raise InvalidInput("from: after to", rule="period_order")
    report = models.dso(start=first, end=last, currency=currency)
    body = DsoOut.model_validate(
        {
            "from": report.start, "to": report.end, "currency": report.currency, "days": report.days,
            "receivables_at_end": money(report.receivables_at_end), "credit_sales": money(report.credit_sales),
            "dso": report.dso, "countback_dso": report.countback_dso, "formula": DSO_FORMULA,
            "position": report.position,
        }
    )  # fmt: skip
    if not wants_csv(request, format):
        return body
    return csv_response(f"dso-{first}-{last}.csv", DSO_HEADER, [dso_row(report)])


class EffectivenessLine(BaseModel):
    stage: str = Field(description="courtesy, first, second (reminders) or formal_notice")
    channel: str
    receivables: int = Field(description="Receivables that got this step (their first of this stage and channel)")
    settled: int = Field(description="Of which settled since, by payments and credit notes")
    eligible_15: int = Field(description="Steps at least 15 days old on as_of")
    paid_within_15: int
    share_within_15: Decimal | None
    eligible_30: int
    paid_within_30: int
    share_within_30: Decimal | None
    median_days_to_pay: Decimal | None = Field(description="From the step to settlement (0 when paid before)")


class EffectivenessOut(BaseModel):
    as_of: date
    from_: date | None = Field(alias="from", serialization_alias="from")
    to: date | None
    items: list[EffectivenessLine]
    position: int


@router.get(
    "/effectiveness",
    summary="Collection effectiveness: share paid within 15 and 30 days after each stage and channel",
    response_model=EffectivenessOut,
    response_model_by_alias=True,
    responses={200: CSV_RESPONSE},
)
def collection_effectiveness(
    request: Request,
    models: ReadModelsDep,
    _: Reporter,
    start: Annotated[date | None, Query(alias="from", description="Steps sent on or after this day")] = None,
    end: Annotated[date | None, Query(alias="to", description="Steps sent on or before this day")] = None,
    format: FormatQuery = None,
) -> Any:
    today = models.ledger.now().today
    first = None if start is None else checked_day(start, "from", today)
    last = None if end is None else checked_day(end, "to", today)
    lines, position = models.effectiveness(as_of=today, start=first, end=last)
    items = [
        EffectivenessLine(
            stage=e.stage, channel=e.channel, receivables=e.receivables, settled=e.settled,
            eligible_15=e.eligible_15, paid_within_15=e.paid_within_15, share_within_15=e.share_within_15,
            eligible_30=e.eligible_30, paid_within_30=e.paid_within_30, share_within_30=e.share_within_30,
            median_days_to_pay=e.median_days_to_pay,
        )
        for e in lines
    ]  # fmt: skip
    body = EffectivenessOut.model_validate(
        {"as_of": today, "from": first, "to": last, "items": items, "position": position}
    )
    if not wants_csv(request, format):
        return body
    return csv_response(f"effectiveness-{today}.csv", EFFECTIVENESS_HEADER, effectiveness_rows(lines))


class CreditHoldLine(BaseModel):
    debtor_id: UUID
    credit_limit: Decimal
    currency: str
    overdue: Decimal = Field(description="Past due and unpaid, as known now")
    receivables: int


class CreditHoldsOut(BaseModel):
    as_of: date
    items: list[CreditHoldLine]
    position: int


@router.get(
    "/credit-holds",
    summary="Debtors on credit hold: overdue exposure above their credit limit",
    response_model=CreditHoldsOut,
)
def credit_holds(models: ReadModelsDep, _: Reporter) -> CreditHoldsOut:
    today = models.ledger.now().today
    holds, position = models.credit_holds(today=today)
    items = [
        CreditHoldLine(
            debtor_id=h.debtor_id, credit_limit=money(h.credit_limit), currency=h.currency, overdue=money(h.overdue),
            receivables=h.receivables,
        )
        for h in holds
    ]  # fmt: skip
    return CreditHoldsOut(as_of=today, items=items, position=position)
