"""The evidence bundle of evidence.md §4: one receivable, or one debtor with all its receivables.

``export_bundle`` publishes a fresh signed digest, then writes the ZIP: the journal as
canonical records, the debtor's identification, the calculation, every document an event
names, the French dossier (rendered by an injected renderer), VERIFY.txt, and the signed
manifest with the digest and an inclusion proof per aggregate. Given the same store and
instant, two exports differ only by ``bundle_id``.
"""

from __future__ import annotations

import hashlib
import io
import zipfile
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any, Protocol
from uuid import UUID

from application.claims import Claims, claim_view
from application.digests import DigestRepository, DigestSigner, Publication, Timestamper, publish_digest
from application.ledger import JournalEntry, Ledger
from application.verify_text import verify_text
from domain.canonical import canonical_bytes, to_canonical_value
from domain.debtor import Debtor
from domain.errors import RuleViolation
from domain.receivable import Receivable

JOURNAL = "journal.jsonl"
DEBTOR = "debtor.json"
CALCULATION = "calculation.json"
DOSSIER = "dossier.pdf"
VERIFY = "VERIFY.txt"
TIMESTAMP = "digest.tsr"
MANIFEST = "manifest.json"
SIGNATURE = "manifest.sig"


class StoredFile(Protocol):
    @property
    def media_type(self) -> str: ...

    @property
    def extension(self) -> str: ...


class DocumentSource(Protocol):
    def describe(self, sha256: str) -> StoredFile | None: ...

    def content(self, sha256: str) -> bytes | None: ...


@dataclass(frozen=True)
class Exhibit:
    """A document named by an event: a pièce of the dossier."""

    number: int
    sha256: str
    path: str
    media_type: str
    size: int
    named_by: list[tuple[UUID, int, str]]  # (aggregate, version, field) of every event naming it


@dataclass(frozen=True)
class AggregateJournal:
    aggregate_id: UUID
    aggregate_type: str
    entries: list[JournalEntry]  # as the hash covers them: a person's data in its sealed form
    # The same records with a person's data opened (or "[effacé]"), for the dossier a reader reads.
    opened: list[JournalEntry] = field(default_factory=list)

    @property
    def version(self) -> int:
        return len(self.entries)

    @property
    def head(self) -> str:
        return self.entries[-1].hash


@dataclass
class DossierContent:
    """Everything the French dossier shows; ``infrastructure/dossier.py`` lays it out."""

    scope: str  # "receivable" or "debtor"
    created_at: datetime
    today: date
    firm_name: str | None
    debtor: dict[str, Any]
    receivables: list[dict[str, Any]]  # receivable_view-like facts of each invoice
    journals: list[AggregateJournal]
    calculation: dict[str, Any]
    exhibits: list[Exhibit]
    files: list[dict[str, Any]]  # journal, debtor, calculation: path, sha256, size
    digest: dict[str, Any]
    public_key_sha256: str
    timezone: str
    journal_bytes: bytes = b""
    extra: dict[str, Any] = field(default_factory=dict)


DossierRenderer = Callable[[DossierContent], bytes]
Fingerprint = Callable[[str], str]


@dataclass(frozen=True)
class Bundle:
    bundle_id: UUID
    created_at: datetime
    content: bytes  # the ZIP
    manifest: dict[str, Any]
    digest_sequence: int

    @property
    def size(self) -> int:
        return len(self.content)


@dataclass
class EvidenceExporter:
    ledger: Ledger
    claims: Claims
    documents: DocumentSource
    digests: DigestRepository
    signer: DigestSigner
    render_dossier: DossierRenderer
    fingerprint: Fingerprint
    generator_version: str
    firm_name: str | None = None
    timestamper: Timestamper | None = None

    def receivable_bundle(self, receivable_id: UUID, *, actor: str, bundle_id: UUID) -> Bundle:
        receivable = self.ledger.receivable(receivable_id)
        debtor = self.ledger.debtor(receivable.debtor_id)
        return self._bundle("receivable", debtor, [receivable], include_debtor_journal=False, actor=actor,
                            bundle_id=bundle_id)  # fmt: skip

    def debtor_bundle(self, debtor_id: UUID, *, actor: str, bundle_id: UUID) -> Bundle:
        debtor = self.ledger.debtor(debtor_id)
        receivables = sorted(
            self.ledger.receivables(debtor_id=debtor_id), key=lambda r: (r.issue_date, r.invoice_number)
        )
        return self._bundle("debtor", debtor, receivables, include_debtor_journal=True, actor=actor,
                            bundle_id=bundle_id)  # fmt: skip

    # ------------------------------------------------------------------ steps

    def _bundle(
        self,
        scope: str,
        debtor: Debtor,
        receivables: list[Receivable],
        *,
        include_debtor_journal: bool,
        actor: str,
        bundle_id: UUID,
    ) -> Bundle:
        publication = publish_digest(self.ledger, self.digests, self.signer, actor=actor, timestamper=self.timestamper)
        now = self.ledger.now()
        created_at = now.instant
        journals = ([self._journal(debtor.id, "Debtor")] if include_debtor_journal else []) + [
            self._journal(r.id, "Receivable") for r in receivables
        ]
        journal_bytes = b"".join(canonical_bytes(e.record) + b"\n" for j in journals for e in j.entries)
        exhibits, document_files = self._exhibits(journals)
        calculation = self._calculation(receivables, now.today)
        files: dict[str, bytes] = {
            JOURNAL: journal_bytes,
            DEBTOR: canonical_bytes(debtor_identification(debtor, created_at)),
            CALCULATION: canonical_bytes(calculation),
            **document_files,
        }
        if publication.signed.timestamp_token is not None:  # RFC 3161 token of the digest's signed bytes
            files[TIMESTAMP] = publication.signed.timestamp_token
        digest = publication.signed.record()
        content = DossierContent(
            scope=scope,
            created_at=created_at,
            today=now.today,
            firm_name=self.firm_name,
            debtor=debtor_identification(debtor, created_at),
            receivables=[receivable_facts(r) for r in receivables],
            journals=journals,
            calculation=calculation,
            exhibits=exhibits,
            files=[file_entry(path, files[path]) for path in (JOURNAL, DEBTOR, CALCULATION)],
            digest={**to_plain(digest), "sequence": publication.signed.sequence},
            public_key_sha256=self.fingerprint(self.signer.public_key_pem),
            timezone=str(self.ledger.timezone),
            journal_bytes=journal_bytes,
            extra={"timestamped": publication.signed.timestamp_token is not None},
        )
        files[DOSSIER] = self.render_dossier(content)
        files[VERIFY] = verify_text(sorted((p, hashlib.sha256(c).hexdigest()) for p, c in files.items()))
        manifest = self._manifest(bundle_id, created_at, journals, files, publication)
        manifest_bytes = canonical_bytes(manifest)
        signature = self.signer.sign(manifest_bytes).encode("ascii")
        return Bundle(
            bundle_id=bundle_id,
            created_at=created_at,
            content=zip_bytes(created_at, [(MANIFEST, manifest_bytes), (SIGNATURE, signature),
                                           *sorted(files.items())]),
            manifest=manifest,
            digest_sequence=publication.signed.sequence,
        )  # fmt: skip

    def _journal(self, aggregate_id: UUID, aggregate_type: str) -> AggregateJournal:
        return AggregateJournal(aggregate_id, aggregate_type, self.ledger.journal(aggregate_id),
                                self.ledger.journal(aggregate_id, opened=True))  # fmt: skip

    def _exhibits(self, journals: list[AggregateJournal]) -> tuple[list[Exhibit], dict[str, bytes]]:
        named: dict[str, list[tuple[UUID, int, str]]] = {}
        for journal in journals:
            for entry in journal.entries:
                for field_name, sha256 in named_documents(entry.record["data"]):
                    named.setdefault(sha256, []).append((journal.aggregate_id, entry.record["version"], field_name))
        exhibits, files = [], {}
        for number, (sha256, references) in enumerate(named.items(), start=1):
            described, content = self.documents.describe(sha256), self.documents.content(sha256)
            if described is None or content is None:
                aggregate_id, version, field_name = references[0]
                erased = getattr(self.documents, "erased_on", lambda _: None)(sha256)
                if erased is not None:
                    raise RuleViolation(
                        f"document {sha256} ({field_name} of aggregate {aggregate_id} version {version}) was erased "
                        f"on {erased[:10]} with the debtor's personal data: no complete bundle can be made",
                        rule="document_erased",
                    )
                raise RuleViolation(
                    f"document {sha256} ({field_name} of aggregate {aggregate_id} version {version}) is not stored: "
                    "the bundle would be incomplete; upload it (POST /v1/documents) and export again",
                    rule="document_stored",
                )
            if hashlib.sha256(content).hexdigest() != sha256:
                raise RuleViolation(f"document {sha256}: the stored bytes do not hash to it", rule="document_intact")
            path = f"documents/{sha256}.{described.extension}"
            files[path] = content
            exhibits.append(Exhibit(number, sha256, path, described.media_type, len(content), references))
        return exhibits, files

    def _calculation(self, receivables: list[Receivable], today: date) -> dict[str, Any]:
        claims = [claim_view(self.claims.claim(r.id, today), receivable_id=r.id) for r in receivables]
        currencies = {c["currency"] for c in claims}
        total = sum((Decimal(c["total"]) for c in claims), Decimal("0.00")) if len(currencies) == 1 else None
        return to_plain(
            {
                "as_of": today,
                "currency": next(iter(currencies)) if len(currencies) == 1 else None,
                "receivables": claims,
                "total": total,
            }
        )

    def _manifest(
        self,
        bundle_id: UUID,
        created_at: datetime,
        journals: list[AggregateJournal],
        files: Mapping[str, bytes],
        publication: Publication,
    ) -> dict[str, Any]:
        proofs = [publication.proof(j.aggregate_id).record() for j in journals]
        return to_plain(
            {
                "bundle_id": bundle_id,
                "created_at": created_at,
                "generator": {"name": "relance", "version": self.generator_version},
                "aggregates": [
                    {
                        "aggregate_id": j.aggregate_id,
                        "aggregate_type": j.aggregate_type,
                        "version": j.version,
                        "head": j.head,
                    }
                    for j in journals
                ],
                "files": [file_entry(path, files[path]) for path in sorted(files)],
                "digest": publication.signed.record(),
                "inclusion_proofs": proofs,
                "public_key": self.signer.public_key_pem,
            }
        )


# ------------------------------------------------------------------ helpers


def to_plain(value: Any) -> Any:
    return to_canonical_value(value)


def file_entry(path: str, content: bytes) -> dict[str, Any]:
    return {"path": path, "sha256": hashlib.sha256(content).hexdigest(), "size": len(content)}


def named_documents(data: Any, prefix: str = "") -> Iterator[tuple[str, str]]:
    """(field, sha256) of every field of event data whose name ends in ``sha256`` (evidence.md §4)."""
    if isinstance(data, Mapping):
        for key, value in data.items():
            name = f"{prefix}{key}"
            if key.endswith("sha256") and isinstance(value, str):
                yield name, value
            else:
                yield from named_documents(value, f"{name}.")
    elif isinstance(data, list):
        for index, item in enumerate(data):
            yield from named_documents(item, f"{prefix}{index}.")


def debtor_identification(debtor: Debtor, as_of: datetime) -> dict[str, Any]:
    """debtor.json: who the debtor is, as of the export; personal data omitted once erased."""
    identification: dict[str, Any] = {
        "as_of": as_of,
        "debtor_id": debtor.id,
        "erased": debtor.erased,
        "kind": debtor.kind,
        "version": debtor.version,
    }
    if not debtor.erased:
        identification |= {
            "legal_name": debtor.legal_name,
            "siren": debtor.siren,
            "siret": debtor.siret,
            "address": debtor.address,
        }
    if debtor.insolvency is not None:
        identification["insolvency"] = {
            "procedure": debtor.insolvency.procedure,
            "court": debtor.insolvency.court,
            "judgment_date": debtor.insolvency.judgment_date,
            "publication_date": debtor.insolvency.publication_date,
        }
    return to_plain(identification)


def receivable_facts(receivable: Receivable) -> dict[str, Any]:
    return to_plain(
        {
            "id": receivable.id,
            "invoice_number": receivable.invoice_number,
            "label": receivable.label,
            "issue_date": receivable.issue_date,
            "delivery_date": receivable.delivery_date,
            "due_date": receivable.due_date,
            "currency": receivable.currency,
            "amount_excl_vat": receivable.amount_excl_vat,
            "vat": receivable.vat,
            "amount_incl_vat": receivable.amount_incl_vat,
            "order_reference": receivable.order_reference,
            "payment_terms": receivable.payment_terms,
            "contractual_penalty_rate": receivable.contractual_penalty_rate,
            "debtor_kind": receivable.debtor_kind,
            "status": receivable.status,
            "version": receivable.version,
            "head": receivable.head,
        }
    )


def zip_bytes(created_at: datetime, entries: list[tuple[str, bytes]]) -> bytes:
    """A ZIP whose bytes depend only on the entries and the instant (fixed metadata, fixed order)."""
    stamp = created_at.astimezone(UTC)
    date_time = (max(stamp.year, 1980), stamp.month, stamp.day, stamp.hour, stamp.minute, stamp.second)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for path, content in entries:
            info = zipfile.ZipInfo(path, date_time=date_time)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 3  # Unix, whatever the platform
            info.external_attr = 0o644 << 16
            archive.writestr(info, content, compresslevel=6)
    return buffer.getvalue()
