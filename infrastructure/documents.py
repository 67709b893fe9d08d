"""Content-addressed documents: letters as sent, acknowledgements, signed plans, invoices.

Events name a document by its SHA-256; the bytes live here, stored once whoever uploads
them again. The media type is checked against the content, so an evidence bundle
never ships a "PDF" that is not one.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from domain.canonical import format_instant
from domain.errors import InvalidInput
from infrastructure.sql import Database, ensure_tables, is_unique_violation

MAX_DOCUMENT_BYTES = 20 * 1024 * 1024
# The allow-list (decision 0080): what a recovery file holds. Each type is checked on the content;
# nothing a browser would run (no HTML, no SVG, no XML) is stored or served.
SIGNATURES: dict[str, tuple[bytes, ...]] = {
    "application/pdf": (b"%PDF-",),
    "image/png": (b"\x89PNG\r\n\x1a\n",),
    "image/jpeg": (b"\xff\xd8\xff",),
    "image/tiff": (b"II*\x00", b"MM\x00*"),
}
TEXT_TYPES = frozenset({"text/plain", "message/rfc822", "application/json"})  # JSON: a provider's event
MEDIA_TYPES = (*SIGNATURES, *sorted(TEXT_TYPES))
EXTENSIONS = {
    "application/pdf": "pdf",
    "image/png": "png",
    "image/jpeg": "jpg",
    "image/tiff": "tif",
    "text/plain": "txt",
    "message/rfc822": "eml",
    "application/json": "json",
}
PDF_HEADER = re.compile(rb"%PDF-[12]\.[0-9]")
PDF_END = b"%%EOF"
PDF_END_WINDOW = 1024  # where readers look for the end marker (Acrobat's tolerance)
SNIFFED_BYTES = 1445  # how much a browser reads to guess a type (WHATWG MIME Sniffing, "resource header")
# Tags a browser takes for HTML (ibid., "identifying a resource with an unknown MIME type"), and the
# other active content; none can be a PDF hex string (each has a letter that is not a hex digit).
HTML_MARKUP = re.compile(
    rb"<(?:!doctype\s+html|html|head|body|script|iframe|object|embed|svg|style|meta|title)", re.IGNORECASE
)
MESSAGE_FIRST_LINE = re.compile(rb"[!-9;-~]+:")  # an RFC 5322 header field name and its colon


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
    """The media type without parameters, once the content is seen to be of that type; else InvalidInput."""
    kind = media_type.split(";")[0].strip().lower()
    if not content:
        raise InvalidInput("document: empty file", rule="document_empty")
    if len(content) > MAX_DOCUMENT_BYTES:
        raise InvalidInput(f"document: larger than {MAX_DOCUMENT_BYTES} bytes", rule="document_size")
    if kind not in SIGNATURES and kind not in TEXT_TYPES:
        accepted = ", ".join(MEDIA_TYPES)
        raise InvalidInput(f"document: media type {kind!r} not accepted ({accepted})", rule="document_media_type")
    if kind in SIGNATURES and not content.startswith(SIGNATURES[kind]):
        raise InvalidInput(f"document: the content is not {kind}", rule="document_media_type")
    if kind == "application/pdf":
        _check_pdf(content)
    elif kind in SIGNATURES and HTML_MARKUP.search(content, 0, SNIFFED_BYTES):
        raise InvalidInput(f"document: {kind} with HTML in its first bytes", rule="document_media_type")
    if kind in TEXT_TYPES:
        try:
            content.decode("utf-8")
        except UnicodeDecodeError as error:
            raise InvalidInput(f"document: {kind} must be UTF-8", rule="document_encoding") from error
        if b"\x00" in content:
            raise InvalidInput(f"document: {kind} holds a NUL byte: not text", rule="document_media_type")
    if kind == "application/json":
        try:
            json.loads(content)
        except ValueError as error:
            raise InvalidInput("document: application/json that is not JSON", rule="document_media_type") from error
    if kind == "message/rfc822" and not MESSAGE_FIRST_LINE.match(content):
        raise InvalidInput("document: message/rfc822 must start with a header (e.g. From:)", rule="document_media_type")
    return kind


def _check_pdf(content: bytes) -> None:
    """A PDF has a version after %PDF-, ends with %%EOF, and holds no HTML: a file that starts like a
    PDF and goes on as a web page is refused."""
    if not PDF_HEADER.match(content):
        raise InvalidInput("document: application/pdf without a version after %PDF-", rule="document_media_type")
    if PDF_END not in content[-PDF_END_WINDOW:]:
        raise InvalidInput("document: application/pdf without %%EOF at its end", rule="document_media_type")
    if HTML_MARKUP.search(content):
        raise InvalidInput("document: application/pdf holding HTML markup", rule="document_media_type")


def served_media_type(stored: str) -> str:
    """What a download says: the stored type when it is on today's list; else bytes to save, not to show
    (a store written before the list may hold e.g. text/html)."""
    return stored if stored in EXTENSIONS else "application/octet-stream"


# Documents deleted with an erased debtor's personal data (infrastructure/erasure_purge.py): an export
# names them as erased rather than as missing.
ERASED_DOCUMENTS = """CREATE TABLE IF NOT EXISTS erased_documents (
    sha256 TEXT PRIMARY KEY,
    debtor_id TEXT NOT NULL,
    erased_at TEXT NOT NULL
)"""


class DocumentStore:
    def __init__(self, database: Database) -> None:
        self._db = database

    def erased_on(self, sha256: str) -> str | None:
        """When the document was deleted with its debtor's personal data (None: it was not)."""
        ensure_tables(self._db, [ERASED_DOCUMENTS])
        rows = self._db.fetch("SELECT erased_at FROM erased_documents WHERE sha256 = %s", (sha256,))
        return str(rows[0][0]) if rows else None

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
