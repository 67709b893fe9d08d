"""Personal data (GDPR, issue 19): the answer to a data subject's access request (art. 15)."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, Response

from api.bootstrap import render_access
from api.http.dependencies import ServicesDep, allow
from application.access import Principal, Role
from application.privacy_export import access_export

router = APIRouter(tags=["privacy"])

PRIVACY_ROLES = frozenset({Role.MANAGER, Role.AUDITOR})
PrivacyOfficer = Annotated[Principal, Depends(allow(PRIVACY_ROLES))]
PROBLEM: dict[str, Any] = {"application/problem+json": {}}
ACCESS_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "The access export (ZIP): personnes.json, creances.json, documents/, acces.pdf",
        "content": {"application/zip": {"schema": {"type": "string", "format": "binary"}}},
        "headers": {"Content-Disposition": {"schema": {"type": "string"}}},
    },
    404: {"description": "Unknown debtor", "content": PROBLEM},
    422: {"description": "A malformed debtor id or an unknown query parameter", "content": PROBLEM},
}


@router.get(
    "/v1/debtors/{debtor_id}/access-export",
    summary="Everything held about a debtor who is a natural person (GDPR art. 15): JSON, documents, French PDF",
    response_class=Response,
    responses=ACCESS_RESPONSES,
)
def access_request_export(debtor_id: UUID, services: ServicesDep, principal: PrivacyOfficer) -> Response:
    content = access_export(
        services.ledger,
        services.documents,
        debtor_id,
        now=services.ledger.now().instant,
        render=render_access,
        firm_name=services.settings.firm_name,
    )
    return Response(
        content=content,
        media_type="application/zip",
        headers={"Content-Disposition": f'attachment; filename="acces-{debtor_id}.zip"'},
    )
