"""/v1/webhooks/lre: the status callbacks of the LRE provider (AR24), decision 0100.

The provider cannot present a bearer token: the callback URL it was given carries a secret
(``?secret=``, RELANCE_LRE_CALLBACK_SECRET), compared in constant time. A callback only names a sending;
what became of it is read back from the provider's authenticated API before anything is recorded."""

from __future__ import annotations

import hmac
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from api.http.dependencies import ServicesDep
from api.http.problems import AuthError, problem
from application.registered_email import ProviderError
from domain.errors import InvalidInput, NotFound

router = APIRouter(prefix="/v1/webhooks", tags=["letters"])
MAX_CALLBACK_BYTES = 64 * 1024


@router.post(
    "/lre",
    summary="Status callback of the LRE provider: sent, delivered, refused, unclaimed",
    responses={401: {"description": "Wrong or missing secret"}, 404: {"description": "No LRE provider configured"},
               503: {"description": "The provider's API could not be asked: the callback should come again"}},
)  # fmt: skip
async def lre_callback(
    request: Request,
    services: ServicesDep,
    secret: Annotated[str | None, Query(max_length=200, description="The secret of the callback URL")] = None,
) -> Any:
    """The provider posts `id_mail` (form or JSON) when a sending changes. The sending is read back from the
    provider with its proof PDF (stored as a document): deposit → the proof attached to each invoice the
    notice names; accepted (`delivered`), `refused`, not claimed within 15 days (`unclaimed`) → the notice's
    acknowledgement with the proof, the provider as actor. A repeated callback answers 200 and records
    nothing (`events: 0`)."""
    expected = services.settings.lre_callback_secret
    callbacks = services.lre_callbacks() if expected is not None else None
    if callbacks is None or expected is None:
        raise NotFound("no LRE provider is configured (RELANCE_LRE_PROVIDER)", rule="lre_not_configured")
    if secret is None or not hmac.compare_digest(secret.encode(), expected.get_secret_value().encode()):
        raise AuthError(401, "the callback's secret is missing or wrong", "lre_callback_secret")
    body = await request.body()
    if len(body) > MAX_CALLBACK_BYTES:
        raise InvalidInput(f"callback: larger than {MAX_CALLBACK_BYTES} bytes", rule="lre_callback")
    try:
        result = await run_in_threadpool(callbacks.receive, body, request.headers.get("content-type", ""))
    except ProviderError as error:
        return problem(request, 503, "Provider unavailable", str(error), "lre_provider_unavailable",
                       headers={"Retry-After": "60"})  # fmt: skip
    return JSONResponse({
        "provider_id": result.provider_id, "key": result.key, "status": result.status, "events": result.events,
        "proof_sha256": result.proof_sha256,
    })  # fmt: skip
