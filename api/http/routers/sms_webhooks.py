"""/v1/webhooks/brevo/sms: Brevo's delivery reports of the reminders sent by SMS (decision 0098).

No user token: Brevo authenticates with the secret configured on both sides (``Authorization: Bearer
<RELANCE_BREVO_WEBHOOK_SECRET>``), compared in constant time. Unset secret: the route answers 404."""

from __future__ import annotations

import hmac
from typing import Any

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool

from api.bootstrap import read_brevo_report
from api.http.dependencies import ServicesDep
from api.http.problems import AuthError
from domain.errors import NotFound

router = APIRouter(prefix="/v1/webhooks", tags=["webhooks"])


@router.post(
    "/brevo/sms",
    summary="Record what Brevo reports of an SMS: delivered, soft or hard bounce, refused",
    description="Brevo's transactional SMS webhook (one JSON event per call: `messageId`, `msg_status`, "
    "`ts_event`...), authenticated by `Authorization: Bearer <RELANCE_BREVO_WEBHOOK_SECRET>`. Each report of a "
    "message the run sent records `DeliveryReported` (actor `brevo`, source `brevo`, the raw report kept as a "
    "document and named as its proof) on every invoice the SMS named. Answered 200 with `status`: `recorded`; "
    "`repeated` (already recorded: nothing more); `ignored` (a status the journal does not keep, e.g. `sent`); "
    "`unknown_message` (no SMS of ours: nothing recorded, logged). 409 `sms_not_recorded_yet` while the run has "
    "not recorded the sending (Brevo retries); 422 for a body that is not a report; 401 for a wrong secret; "
    "404 while no secret is configured.",
    responses={
        401: {"description": "Missing or wrong secret", "content": {"application/problem+json": {}}},
        404: {"description": "The webhook is not configured", "content": {"application/problem+json": {}}},
    },
)
async def brevo_sms_report(request: Request, services: ServicesDep) -> dict[str, Any]:
    secret = services.settings.brevo_webhook_secret
    if secret is None:
        raise NotFound("the Brevo SMS webhook is not configured (RELANCE_BREVO_WEBHOOK_SECRET)", rule="webhook_off")
    scheme, _, given = request.headers.get("authorization", "").partition(" ")
    expected = secret.get_secret_value().encode("utf-8")
    if scheme.lower() != "bearer" or not hmac.compare_digest(given.strip().encode("utf-8"), expected):
        raise AuthError(401, "missing or wrong webhook secret (Authorization: Bearer …)", "unauthenticated")
    raw = await request.body()
    report = read_brevo_report(raw)
    outcome = await run_in_threadpool(services.sms_reports().receive, report, raw)
    return outcome.view()
