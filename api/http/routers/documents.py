"""/v1/documents: content-addressed files (PDF, images, e-mails as sent) that events name by SHA-256."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Request, Response
from pydantic import BaseModel

from api.bootstrap import MAX_DOCUMENT_BYTES, MEDIA_TYPES, served_media_type
from api.http.dependencies import ServicesDep, allow
from application.access import READERS, WRITERS, Principal
from domain.errors import InvalidInput, NotFound

router = APIRouter(prefix="/v1/documents", tags=["documents"])

Sha256Path = Annotated[str, Path(pattern=r"^[0-9a-f]{64}$", description="Lower-case hex SHA-256")]


class DocumentOut(BaseModel):
    sha256: str
    media_type: str
    size: int
    created_at: str
    stored: bool


@router.post(
    "",
    status_code=201,
    summary="Store a file; returns its SHA-256 for events to refer to",
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {media: {"schema": {"type": "string", "format": "binary"}} for media in MEDIA_TYPES},
        }
    },
    responses={
        200: {"description": "Already stored: nothing written"},
        422: {"description": "Empty, a media type not on the list, or content not of the declared type"},
    },
)
async def upload_document(
    request: Request,
    services: ServicesDep,
    principal: Annotated[Principal, Depends(allow(WRITERS))],
    response: Response,
) -> DocumentOut:
    media_type = request.headers.get("content-type", "")
    declared = int(request.headers.get("content-length") or 0)
    if declared > MAX_DOCUMENT_BYTES:
        raise InvalidInput(f"document: larger than {MAX_DOCUMENT_BYTES} bytes", rule="document_size")
    content = await request.body()
    from anyio import to_thread

    document, created = await to_thread.run_sync(
        lambda: services.documents.put(content, media_type, actor=principal.name)
    )
    response.headers["Location"] = f"/v1/documents/{document.sha256}"
    if not created:
        response.status_code = 200
    return DocumentOut(**vars(document), stored=created)


@router.get(
    "/{sha256}",
    summary="The stored bytes, with their media type",
    response_class=Response,
    responses={
        200: {"content": {media: {} for media in [*MEDIA_TYPES, "application/octet-stream"]}},
        404: {"description": "Not stored"},
    },
)
def download_document(
    sha256: Sha256Path, services: ServicesDep, _: Annotated[Principal, Depends(allow(READERS))]
) -> Any:
    described = services.documents.describe(sha256)
    content = services.documents.content(sha256)
    if described is None or content is None:
        raise NotFound(f"no document {sha256}", rule="document_exists")
    return Response(
        content,
        media_type=served_media_type(described.media_type),
        headers={
            "ETag": f'"{sha256}"',
            "Content-Disposition": f'attachment; filename="{sha256}.{described.extension}"',
        },
    )
