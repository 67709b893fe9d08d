"""/v1/webhooks/brevo/email: Brevo's transactional e-mail events (decision 0099).

Not an API token: Brevo sends ``Authorization: Bearer <RELANCE_BREVO_WEBHOOK_SECRET>``, compared in
constant time. Unset secret: the route does not exist (404). The events are recorded with the actor
``brevo``, the raw event stored as an application/json document and named as the proof.
"""

from __future__ import annotations

import hmac
from typing import Any

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool

from api.http.dependencies import ServicesDep
from api.http.problems import AuthError
from application.brevo_events import MAX_EVENT_BYTES, receive_brevo_event
from domain.errors import InvalidInput, NotFound

router = APIRouter(prefix="/v1/webhooks", tags=["webhooks"])
ACTOR = "brevo"


@router.post(
    "/brevo/email",
    summary="Brevo's transactional e-mail events (delivered, bounces, opened...)",
    description=(
        "One Brevo event per call (JSON: event, email, message-id, ts_event, reason). Authenticated by "
        "`Authorization: Bearer <RELANCE_BREVO_WEBHOOK_SECRET>` (401 otherwise; 404 while the secret is unset). "
        "delivered, opened (unique_opened, proxy_open), soft_bounce (deferred), hard_bounce (invalid_email), "
        "blocked and error are recorded as DeliveryReported (source brevo) on each invoice the message named, "
        "the raw event stored as proof; a hard bounce flags the contact's e-mail. A repeated event, an event not "
        "followed or a message we did not send answers 200 and records nothing new."
    ),
    responses={401: {}, 404: {}, 422: {}},
)
async def brevo_email_event(request: Request, services: ServicesDep) -> dict[str, Any]:
    secret = services.settings.brevo_webhook_secret
    if secret is None or not secret.get_secret_value():
        raise NotFound("no Brevo webhook is configured", rule="not_found")
    scheme, _, given = request.headers.get("authorization", "").partition(" ")
    expected = secret.get_secret_value().encode()
    if scheme.lower() != "bearer" or not hmac.compare_digest(given.strip().encode(), expected):
        raise AuthError(401, "bad or missing webhook secret (Authorization: Bearer …)", "unauthenticated")
    raw = await request.body()
    if len(raw) > MAX_EVENT_BYTES:
        raise InvalidInput(f"event: larger than {MAX_EVENT_BYTES} bytes", rule="brevo_event")
    request.state.actor = ACTOR
    return await run_in_threadpool(receive_brevo_event, services.mail_feedback(), raw, actor=ACTOR)
