"""Evidence: the firm's public key, signed ledger digests, and the evidence bundles (evidence.md §3–4).

The firm's key is loaded at first use (created in the data directory for the embedded
store); a missing or invalid key answers 503 with a problem naming what to configure.
Exporting a bundle publishes a fresh digest first (a row in the append-only digest log,
never an event), as evidence.md §5 expects.
"""

from __future__ import annotations

import re
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, HTTPException, Query, Request, Response
from pydantic import BaseModel

from api.bootstrap import (
    DigestStore,
    Services,
    Signer,
    SigningKeyError,
    TimestampError,
    build_exporter,
    build_timestamper,
    fingerprint,
    load_signer,
)
from api.http.dependencies import ServicesDep, allow
from application.access import READERS, Principal, Role
from application.digests import SignedDigest, publish_digest
from application.evidence import Bundle
from domain.canonical import format_instant

router = APIRouter(tags=["evidence"])

EVIDENCE_ROLES = frozenset({Role.MANAGER, Role.AUDITOR})
Reader = Annotated[Principal, Depends(allow(READERS))]
EvidenceMaker = Annotated[Principal, Depends(allow(EVIDENCE_ROLES))]
PROBLEM: dict[str, Any] = {"application/problem+json": {}}
KEY_UNAVAILABLE = {
    "description": "The firm's signing key is not configured or unreadable, or the timestamping authority is down",
    "content": PROBLEM,
}
NOT_VERIFIED = {"description": "The ledger does not verify, or a document an event names is not stored",
                "content": PROBLEM}  # fmt: skip
UNKNOWN_QUERY = {"description": "An unknown query parameter", "content": PROBLEM}
ZIP_RESPONSE: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "The bundle (ZIP) of evidence.md §4",
        "content": {"application/zip": {"schema": {"type": "string", "format": "binary"}}},
        "headers": {
            "Content-Disposition": {"schema": {"type": "string"}},
            "X-Bundle-Id": {"schema": {"type": "string"}},
        },
    },
    404: {"description": "Unknown receivable or debtor", "content": PROBLEM},
    409: NOT_VERIFIED,
    422: {"description": "An unknown query parameter", "content": PROBLEM},
    503: KEY_UNAVAILABLE,
}


@dataclass
class Evidence:
    """Per-application evidence services, built at first use."""

    services: Services
    digests: DigestStore
    _signer: Signer | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def signer(self) -> Signer:
        with self._lock:
            if self._signer is None:
                try:
                    self._signer = load_signer(self.services.settings)
                except SigningKeyError as error:
                    raise HTTPException(503, detail=str(error)) from error
            return self._signer


_build_lock = threading.Lock()


def get_evidence(request: Request, services: ServicesDep) -> Evidence:
    with _build_lock:
        evidence: Evidence | None = getattr(request.app.state, "evidence", None)
        if evidence is None or evidence.services is not services:
            evidence = Evidence(services, DigestStore(services.database))
            request.app.state.evidence = evidence
        return evidence


EvidenceDep = Annotated[Evidence, Depends(get_evidence)]


class DigestOut(BaseModel):
    sequence: int
    aggregates: int
    as_of: str
    events: int
    root: str
    signature: str
    public_key_sha256: str
    published_at: str
    published_by: str
    timestamped: bool


class DigestPage(BaseModel):
    items: list[DigestOut]
    next_before: int | None


def digest_out(signed: SignedDigest) -> DigestOut:
    return DigestOut(
        sequence=signed.sequence,
        aggregates=signed.digest.aggregates,
        as_of=signed.digest.as_of_text,
        events=signed.digest.events,
        root=signed.digest.root,
        signature=signed.signature,
        public_key_sha256=fingerprint(signed.public_key),
        published_at=format_instant(signed.published_at),
        published_by=signed.published_by,
        timestamped=signed.timestamp_token is not None,
    )


@router.get(
    "/v1/ledger/public-key",
    summary="The firm's Ed25519 public key (PEM): it checks digests and bundles",
    response_class=Response,
    responses={
        200: {"content": {"application/x-pem-file": {"schema": {"type": "string"}}}},
        422: UNKNOWN_QUERY,
        503: KEY_UNAVAILABLE,
    },
)
def public_key(request: Request, evidence: EvidenceDep, _: Reader) -> Response:
    return Response(evidence.signer().public_key_pem, media_type="application/x-pem-file")


@router.get("/v1/ledger/digests", summary="Published ledger digests, newest first")
def list_digests(
    request: Request,
    evidence: EvidenceDep,
    _: Reader,
    limit: Annotated[int, Query(ge=1, le=200)] = 20,
    before: Annotated[int | None, Query(ge=1, description="Only digests older than this sequence number")] = None,
) -> DigestPage:
    page = evidence.digests.page(limit=limit, before=before)
    return DigestPage(
        items=[digest_out(d) for d in page],
        next_before=page[-1].sequence if len(page) == limit and page[-1].sequence > 1 else None,
    )


@router.post(
    "/v1/ledger/digests",
    status_code=201,
    summary="Verify the ledger, then sign and store a digest of every aggregate's head",
    responses={409: NOT_VERIFIED, 422: UNKNOWN_QUERY, 503: KEY_UNAVAILABLE},
)
def create_digest(
    request: Request, evidence: EvidenceDep, services: ServicesDep, principal: EvidenceMaker
) -> DigestOut:
    signer = evidence.signer()
    with timestamping_outage():
        publication = publish_digest(
            services.ledger,
            evidence.digests,
            signer,
            actor=principal.name,
            timestamper=build_timestamper(services.settings),
        )
    return digest_out(publication.signed)


@contextmanager
def timestamping_outage() -> Iterator[None]:
    """The timestamping authority down or answering nonsense: 503, nothing published or exported."""
    try:
        yield
    except TimestampError as error:
        raise HTTPException(503, detail=str(error)) from error


def zip_response(bundle: Bundle, name: str) -> Response:
    safe = re.sub(r"[^A-Za-z0-9._-]", "_", name)[:80]
    return Response(
        bundle.content,
        media_type="application/zip",
        headers={
            "Content-Disposition": f'attachment; filename="evidence-{safe}.zip"',
            "X-Bundle-Id": str(bundle.bundle_id),
        },
    )


@router.get(
    "/v1/receivables/{receivable_id}/evidence",
    summary="The evidence bundle of one receivable (publishes a fresh digest first)",
    response_class=Response,
    responses=ZIP_RESPONSE,
)
def receivable_evidence(
    request: Request, receivable_id: UUID, evidence: EvidenceDep, services: ServicesDep, principal: EvidenceMaker
) -> Response:
    receivable = services.ledger.receivable(receivable_id)
    exporter = build_exporter(services.settings, services.ledger, services.database, evidence.signer())
    with timestamping_outage():
        bundle = exporter.receivable_bundle(receivable.id, actor=principal.name, bundle_id=uuid.uuid4())
    return zip_response(bundle, receivable.invoice_number)


@router.get(
    "/v1/debtors/{debtor_id}/evidence",
    summary="The evidence bundle of a debtor and all its receivables (publishes a fresh digest first)",
    response_class=Response,
    responses=ZIP_RESPONSE,
)
def debtor_evidence(
    request: Request, debtor_id: UUID, evidence: EvidenceDep, services: ServicesDep, principal: EvidenceMaker
) -> Response:
    services.ledger.debtor(debtor_id)  # 404 before anything is signed
    exporter = build_exporter(services.settings, services.ledger, services.database, evidence.signer())
    with timestamping_outage():
        bundle = exporter.debtor_bundle(debtor_id, actor=principal.name, bundle_id=uuid.uuid4())
    return zip_response(bundle, f"debtor-{debtor_id}")
