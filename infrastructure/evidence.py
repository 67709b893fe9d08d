"""Wiring of the evidence exporter: the firm's key, the digests, the documents, the dossier renderer."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

from application.evidence import EvidenceExporter
from application.ledger import Ledger
from infrastructure.digests import DigestStore
from infrastructure.documents import DocumentStore
from infrastructure.dossier import render_dossier
from infrastructure.settings import Settings
from infrastructure.signing import Signer, fingerprint, load_signer
from infrastructure.sql import Database
from infrastructure.stores import build_claims
from infrastructure.timestamping import TimestampAuthority


def generator_version() -> str:
    try:
        return version("relance")
    except PackageNotFoundError:  # pragma: no cover - running from a source tree without install
        return "0+unknown"


def build_exporter(
    settings: Settings, ledger: Ledger, database: Database, signer: Signer | None = None
) -> EvidenceExporter:
    """Raises SigningKeyError when the firm's key is missing or unusable."""
    return EvidenceExporter(
        ledger=ledger,
        claims=build_claims(settings, ledger),
        documents=DocumentStore(database),
        digests=DigestStore(database),
        signer=signer or load_signer(settings),
        render_dossier=render_dossier,
        fingerprint=fingerprint,
        generator_version=generator_version(),
        firm_name=settings.firm_name,
        timestamper=build_timestamper(settings),
    )


def build_timestamper(settings: Settings) -> TimestampAuthority | None:
    """RELANCE_TSA_URL's authority, or None: digests are then signed but not timestamped."""
    url = (settings.tsa_url or "").strip()
    return TimestampAuthority(url) if url else None
