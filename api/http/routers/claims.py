"""Late charges and rates (legal.md): the amount claimable on a receivable as of a date,
and the rate tables with the half-years an administrator publishes."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, Query, Response
from pydantic import Field

from api.bootstrap import build_claims
from api.http.dependencies import IdempotencyDep, ServicesDep, allow
from api.http.routers.receivables import COMMAND_RESPONSES
from api.http.schemas import Body
from application.access import READERS, Principal
from application.claims import Claims, claim_view, rates_view
from application.commands import PublishRates

router = APIRouter(tags=["late charges"])

Reader = Annotated[Principal, Depends(allow(READERS))]
Admin = Annotated[Principal, Depends(allow(frozenset()))]  # admin only


def get_claims(services: ServicesDep) -> Claims:
    return build_claims(services.settings, services.ledger)


ClaimsDep = Annotated[Claims, Depends(get_claims)]


class RatesBody(Body):
    half_year: Annotated[str, Field(pattern=r"^\d{4}H[12]$", examples=["2026H2"])]
    source: Annotated[str, Field(min_length=1, max_length=500, description="Where it was published (URL, JO ref.)")]
    ecb_mro: Decimal | None = Field(default=None, description="ECB main refinancing rate, percent", examples=["2.15"])
    ecb_effective_from: date | None = Field(default=None, description="Default: the half-year's first day")
    legal_consumer_creditor: Decimal | None = Field(default=None, description="Taux légal, creditor a consumer")
    legal_other: Decimal | None = Field(default=None, description="Taux légal, all other cases", examples=["2.62"])


@router.get(
    "/v1/receivables/{receivable_id}/claim",
    summary="The amount claimable as of a date, with its calculation period by period",
    responses={404: {"description": "Unknown receivable"}, 409: {"description": "A needed rate is unknown"}},
)
def get_claim(
    receivable_id: UUID,
    claims: ClaimsDep,
    _: Reader,
    as_of: Annotated[date | None, Query(description="Default: today (firm's time zone)")] = None,
) -> dict[str, Any]:
    day = as_of or claims.ledger.now().today
    return claim_view(claims.claim(receivable_id, day), receivable_id=receivable_id)


@router.get("/v1/rates", summary="Rate tables in force: shipped data files and published half-years")
def get_rates(claims: ClaimsDep, _: Reader) -> dict[str, Any]:
    return rates_view(claims.rates())


@router.post(
    "/v1/rates", status_code=201, summary="Publish a half-year's rates (RatePublished)", responses=COMMAND_RESPONSES
)
def publish_rates(
    body: RatesBody, claims: ClaimsDep, principal: Admin, response: Response, idempotency: IdempotencyDep
) -> dict[str, Any]:
    outcome = claims.ledger.execute(PublishRates(**body.model_dump()), principal=principal, idempotency=idempotency)
    response.headers["ETag"] = f'"{outcome.version}"'
    return {"version": outcome.version, "recorded": outcome.recorded, **rates_view(claims.rates())}
