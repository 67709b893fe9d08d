"""Content-addressed documents: letters as sent, acknowledgements, signed plans, invoices.

Events name a document by its SHA-256; the bytes live here, stored once whoever uploads
them again. The media type is checked against the content, so an evidence bundle
never ships a "PDF" that is not one.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from domain.canonical import format_instant
from domain.errors import InvalidInput
from infrastructure.sql import Database, is_unique_violation

MAX_DOCUMENT_BYTES = 20 * 1024 * 1024
SIGNATURES: dict[str, tuple[bytes, ...]] = {
    "application/pdf": (b"%PDF-",),
    "image/png": (b"\x89PNG\r\n\x1a\n",),
    "image/jpeg": (b"\xff\xd8\xff",),
    "image/tiff": (b"II*\x00", b"MM\x00*"),
}
TEXT_TYPES = frozenset({"text/plain", "text/html", "message/rfc822", "application/xml", "text/xml"})
EXTENSIONS = {
    "application/pdf": "pdf",
    "image/png": "png",
    "image/jpeg": "jpg",
    "image/tiff": "tif",
    "text/plain": "txt",
    "text/html": "html",
    "message/rfc822": "eml",
    "application/xml": "xml",
    "text/xml": "xml",
}


@dataclass(frozen=True)
class StoredDocument:
    sha256: str
    media_type: str
    size: int
    created_at: str

    @property
    def extension(self) -> str:
        return EXTENSIONS.get(self.media_type, "bin")


def check_content(content: bytes, media_type: str) -> str:
    kind = media_type.split(";")[0].strip().lower()
    if not content:
        raise InvalidInput("document: empty file", rule="document_empty")
    if len(content) > MAX_DOCUMENT_BYTES:
        raise InvalidInput(f"document: larger than {MAX_DOCUMENT_BYTES} bytes", rule="document_size")
    if kind in SIGNATURES:
        if not content.startswith(SIGNATURES[kind]):
            raise InvalidInput(f"document: the content is not {kind}", rule="document_media_type")
    elif kind in TEXT_TYPES:
        try:
            content.decode("utf-8")
        except UnicodeDecodeError as error:
            raise InvalidInput(f"document: {kind} must be UTF-8", rule="document_encoding") from error
    else:
        accepted = ", ".join(sorted([*SIGNATURES, *TEXT_TYPES]))
        raise InvalidInput(f"document: media type {kind!r} not accepted ({accepted})", rule="document_media_type")
    return kind


class DocumentStore:
    def __init__(self, database: Database) -> None:
        self._db = database

    def put(self, content: bytes, media_type: str, *, actor: str) -> tuple[StoredDocument, bool]:
        """Store the bytes; returns the document and whether it was new."""
        kind = check_content(content, media_type)
        digest = hashlib.sha256(content).hexdigest()
        existing = self.describe(digest)
        if existing is not None:
            return existing, False
        created_at = format_instant(datetime.now(tz=UTC))
        try:
            self._db.execute(
                "INSERT INTO documents (sha256, media_type, size, content, created_at, created_by)"
                " VALUES (%s, %s, %s, %s, %s, %s)",
                (digest, kind, len(content), content, created_at, actor),
            )
        except Exception as error:
            if not is_unique_violation(error):
                raise
            stored = self.describe(digest)
            assert stored is not None
            return stored, False
        return StoredDocument(digest, kind, len(content), created_at), True

    def put_many(self, items: Sequence[tuple[bytes, str]], *, actor: str) -> list[str]:
        """Store many documents in one transaction (the dunning run's batch); returns their sha256."""
        created_at = format_instant(datetime.now(tz=UTC))
        rows, digests = [], []
        for content, media_type in items:
            kind = check_content(content, media_type)
            digest = hashlib.sha256(content).hexdigest()
            digests.append(digest)
            rows.append((digest, kind, len(content), content, created_at, actor))
        if rows:
            self._db.execute_many(
                "INSERT INTO documents (sha256, media_type, size, content, created_at, created_by)"
                " VALUES (%s, %s, %s, %s, %s, %s) ON CONFLICT (sha256) DO NOTHING",
                rows,
            )
        return digests

    def describe(self, sha256: str) -> StoredDocument | None:
        rows = self._db.fetch("SELECT sha256, media_type, size, created_at FROM documents WHERE sha256 = %s", (sha256,))
        return StoredDocument(*rows[0]) if rows else None

    def is_stored(self, sha256: str) -> bool:
        return bool(self._db.fetch("SELECT 1 FROM documents WHERE sha256 = %s", (sha256,)))

    def content(self, sha256: str) -> bytes | None:
        rows = self._db.fetch("SELECT content FROM documents WHERE sha256 = %s", (sha256,))
        return bytes(rows[0][0]) if rows else None
