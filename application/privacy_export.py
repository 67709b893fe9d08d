"""The answer to a data subject's access request (GDPR art. 15): everything relance keeps about a debtor.

``access_export`` writes a ZIP: ``personnes.json`` (the debtor's state and journal), ``creances.json``
(each receivable of that debtor with its journal), the stored documents the events name
(``documents/<sha256>.<ext>``), and ``acces.pdf``, the same in plain French (rendered by an injected
renderer: ``infrastructure/privacy_access.py``). Same store and instant: same bytes.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from application.evidence import DocumentSource, named_documents, receivable_facts, to_plain, zip_bytes
from application.ledger import Ledger
from domain.debtor import Debtor

PERSONS = "personnes.json"
RECEIVABLES = "creances.json"
NOTICE = "acces.pdf"


@dataclass(frozen=True)
class HeldDocument:
    """A document an event names: in the ZIP when the document store holds it."""

    sha256: str
    path: str | None  # None: named by an event but not in the document store
    media_type: str | None
    size: int | None
    named_by: list[str]  # "<aggregate type> <aggregate id> v<version> <field>"


@dataclass(frozen=True)
class AccessContent:
    """What ``acces.pdf`` shows; ``infrastructure/privacy_access.py`` lays it out."""

    created_at: datetime
    timezone: str
    firm_name: str | None
    person: dict[str, Any]  # personnes.json without its journal
    receivables: list[dict[str, Any]]  # creances.json's entries without their journals
    event_count: int
    files: list[dict[str, Any]]  # path, size, sha256 of the JSON files
    documents: list[HeldDocument]


AccessRenderer = Callable[[AccessContent], bytes]


def access_export(
    ledger: Ledger,
    documents: DocumentSource,
    debtor_id: UUID,
    *,
    now: datetime,
    render: AccessRenderer,
    firm_name: str | None = None,
) -> bytes:
    """The ZIP of an access request. Raises NotFound for an unknown debtor."""
    debtor = ledger.debtor(debtor_id)
    debtor_journal = [entry.record for entry in ledger.journal(debtor_id, opened=True)]
    receivables = sorted(ledger.receivables(debtor_id=debtor_id), key=lambda r: (r.issue_date, r.invoice_number))
    receivable_journals = {r.id: [entry.record for entry in ledger.journal(r.id, opened=True)] for r in receivables}
    person = person_view(debtor, debtor_journal)
    claims = [receivable_view(receivable_facts(r), r.outstanding) for r in receivables]
    files: dict[str, bytes] = {
        PERSONS: readable_json({"as_of": now, **person, "journal": debtor_journal}),
        RECEIVABLES: readable_json(
            {"as_of": now, "receivables": [
                {**claim, "journal": receivable_journals[r.id]} for claim, r in zip(claims, receivables, strict=True)
            ]}
        ),
    }  # fmt: skip
    journals = [("Debtor", debtor_id, debtor_journal)] + [
        ("Receivable", r.id, receivable_journals[r.id]) for r in receivables
    ]
    held, document_files = held_documents(documents, journals)
    files |= document_files
    content = AccessContent(
        created_at=now,
        timezone=str(ledger.timezone),
        firm_name=firm_name,
        person=to_plain(person),
        receivables=to_plain(claims),
        event_count=sum(len(journal) for _, _, journal in journals),
        files=[file_entry(path, files[path]) for path in sorted(files)],
        documents=held,
    )
    files[NOTICE] = render(content)
    return zip_bytes(now, sorted(files.items()))


def person_view(debtor: Debtor, journal: list[dict[str, Any]]) -> dict[str, Any]:
    """The debtor's identity, address, contacts, consent and erasure as plain data."""
    erasure = next((record for record in journal if record["type"] == "DebtorErased"), None)
    return to_plain(
        {
            "debtor_id": debtor.id,
            "kind": debtor.kind,
            "legal_name": debtor.legal_name or None,
            "siren": debtor.siren,
            "siret": debtor.siret,
            "address": debtor.address,
            "address_returned_on": debtor.address_returned_on,
            "contacts": [
                {
                    "contact_id": contact.contact_id,
                    "role": contact.role,
                    "name": contact.name,
                    "email": contact.email,
                    "phone": contact.phone,
                    "email_bounced_on": contact.email_bounced_on,
                }
                for contact in sorted(debtor.contacts.values(), key=lambda c: (c.name, str(c.contact_id)))
            ],
            "electronic_delivery_consented_on": debtor.electronic_delivery_consented_on,
            "erased": debtor.erased,
            "erasure": None if erasure is None else {
                "recorded_at": erasure["recorded_at"], "actor": erasure["actor"], "reason": erasure["data"]["reason"],
            },
            "version": debtor.version,
        }
    )  # fmt: skip


def receivable_view(facts: dict[str, Any], outstanding: Any) -> dict[str, Any]:
    return {**facts, "outstanding": to_plain(outstanding)}


def held_documents(
    documents: DocumentSource, journals: list[tuple[str, UUID, list[dict[str, Any]]]]
) -> tuple[list[HeldDocument], dict[str, bytes]]:
    """Every document an event names, in order of first mention; the stored ones' bytes by ZIP path."""
    named: dict[str, list[str]] = {}
    for aggregate_type, aggregate_id, records in journals:
        for record in records:
            for field_name, sha256 in named_documents(record["data"]):
                mention = f"{aggregate_type} {aggregate_id} v{record['version']} {field_name}"
                named.setdefault(sha256, []).append(mention)
    held, files = [], {}
    for sha256, mentions in named.items():
        described, content = documents.describe(sha256), documents.content(sha256)
        if described is None or content is None:
            held.append(HeldDocument(sha256, None, None, None, mentions))
            continue
        path = f"documents/{sha256}.{described.extension}"
        files[path] = content
        held.append(HeldDocument(sha256, path, described.media_type, len(content), mentions))
    return held, files


def readable_json(value: Any) -> bytes:
    """Indented UTF-8 JSON with sorted keys: for a person to read, and the same bytes every time."""
    return (json.dumps(to_plain(value), ensure_ascii=False, indent=2, sort_keys=True) + "\n").encode("utf-8")


def file_entry(path: str, content: bytes) -> dict[str, Any]:
    return {"path": path, "sha256": hashlib.sha256(content).hexdigest(), "size": len(content)}
