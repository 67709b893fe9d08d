"""Builders for evidence tests: a file recorded step by step as a court would read it, the
firm's key, and helpers to open and rewrite a bundle as a forger would."""

from __future__ import annotations

import base64
import hashlib
import io
import json
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from application.clock import SimulatedClock
from application.commands import (
    AcknowledgeFormalNotice,
    AttachDocument,
    Escalate,
    IssueInvoice,
    NoteCall,
    RecordPayment,
    RegisterDebtor,
    SendFormalNotice,
    SendReminder,
)
from application.ledger import Ledger
from domain.debtor import Address
from domain.vocabulary import (
    AcknowledgementOutcome,
    CallOutcome,
    CallPurpose,
    DebtorKind,
    DocumentKind,
    EscalationRoute,
    NoticeChannel,
    PaymentMethod,
    ReminderChannel,
    ReminderStage,
)
from infrastructure.documents import DocumentStore

ACTOR = "marie.dupont@cabinet.example"
START = datetime(2025, 1, 10, 9, 0, tzinfo=UTC)
INVOICE = "F-2025-001"
OTHER_INVOICE = "F-2025-002"


def write_key(path: Path) -> Ed25519PrivateKey:
    key = Ed25519PrivateKey.generate()
    path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return key


def public_pem(key: Ed25519PrivateKey) -> str:
    return (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )


@dataclass
class RecordedFile:
    """A debtor with an escalated receivable (documents at every step) and a second, quiet one."""

    debtor: UUID
    receivable: UUID
    other_receivable: UUID
    documents: dict[str, bytes] = field(default_factory=dict)  # sha256 -> bytes, as stored


def on(clock: SimulatedClock, day: date, hour: int = 10) -> date:
    clock.set(datetime.combine(day, time(hour), tzinfo=UTC))
    return day


def record_escalated_file(ledger: Ledger, clock: SimulatedClock, documents: DocumentStore) -> RecordedFile:
    def stored(content: bytes, media_type: str) -> str:
        document, _ = documents.put(content, media_type, actor=ACTOR)
        recorded.documents[document.sha256] = content
        return document.sha256

    debtor = ledger.execute(
        RegisterDebtor(
            debtor_id=uuid4(),
            legal_name="Dupont Matériaux SARL",
            kind=DebtorKind.PROFESSIONAL,
            address=Address(lines=["12 rue des Lilas"], postal_code="69003", city="Lyon", country="FR"),
            siren="732829320",
        ),
        actor=ACTOR,
    ).aggregate_id
    issue = IssueInvoice(
        invoice_number=INVOICE,
        debtor_id=debtor,
        issue_date=date(2025, 1, 10),
        due_date=date(2025, 2, 9),
        amount_excl_vat=Decimal("1000.00"),
        vat=Decimal("200.00"),
        amount_incl_vat=Decimal("1200.00"),
        label="Fourniture de matériaux, chantier Lyon 3e",
        order_reference="BC-7781",
    )
    receivable = ledger.execute(issue, actor=ACTOR).aggregate_id
    recorded = RecordedFile(debtor=debtor, receivable=receivable, other_receivable=receivable)
    invoice_pdf = stored(b"%PDF-1.4\n% facture F-2025-001\n%%EOF\n", "application/pdf")
    ledger.execute(
        AttachDocument(receivable, DocumentKind.INVOICE, invoice_pdf, "application/pdf", "Facture"), actor=ACTOR
    )
    reminder = stored("Madame, Monsieur, sauf erreur de notre part, la facture F-2025-001…".encode(), "text/plain")
    on(clock, date(2025, 2, 14))
    ledger.execute(
        SendReminder(receivable, ReminderStage.FIRST, ReminderChannel.EMAIL, date(2025, 2, 14),
                     document_sha256=reminder),
        actor="dunning-engine",
    )  # fmt: skip
    on(clock, date(2025, 2, 20))
    ledger.execute(NoteCall(receivable, date(2025, 2, 20), CallPurpose.FOLLOW_UP, CallOutcome.NO_ANSWER), actor=ACTOR)
    notice = stored(b"%PDF-1.4\n% mise en demeure F-2025-001\n%%EOF\n", "application/pdf")
    on(clock, date(2025, 3, 20))
    ledger.execute(
        SendFormalNotice(receivable, NoticeChannel.REGISTERED_LETTER, date(2025, 3, 20), date(2025, 3, 31),
                         Decimal("1200.00"), Decimal("12.34"), Decimal("40.00"), notice, "1A00000000001"),
        actor=ACTOR,
    )  # fmt: skip
    receipt = stored(b"\x89PNG\r\n\x1a\n" + b"AR signe le 22/03/2025", "image/png")
    on(clock, date(2025, 3, 24))
    ledger.execute(
        AcknowledgeFormalNotice(receivable, 1, AcknowledgementOutcome.DELIVERED, date(2025, 3, 22), receipt),
        actor=ACTOR,
    )
    on(clock, date(2025, 4, 2))
    ledger.execute(
        RecordPayment(receivable, Decimal("200.00"), date(2025, 4, 1), PaymentMethod.TRANSFER, "VIR-2025-0401"),
        actor="bank-import",
    )
    on(clock, date(2025, 4, 15))
    ledger.execute(
        Escalate(receivable, EscalationRoute.PAYMENT_ORDER, date(2025, 4, 15), "requête TC Lyon"), actor=ACTOR
    )
    other = IssueInvoice(
        invoice_number=OTHER_INVOICE,
        debtor_id=debtor,
        issue_date=date(2025, 4, 15),
        due_date=date(2025, 5, 15),
        amount_excl_vat=Decimal("100.00"),
        vat=Decimal("20.00"),
        amount_incl_vat=Decimal("120.00"),
        label="Livraison complémentaire",
    )
    recorded.other_receivable = ledger.execute(other, actor=ACTOR).aggregate_id
    on(clock, date(2025, 5, 2), hour=16)
    return recorded


def clock_at(start: datetime = START) -> SimulatedClock:
    return SimulatedClock(start)


def day_after(clock: SimulatedClock) -> None:
    clock.set(clock() + timedelta(days=1))


# --------------------------------------------------------------- the ZIP


def unzip(content: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def rezip(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in files.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def canonical(value: Any) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def resign(
    files: dict[str, bytes],
    key: Ed25519PrivateKey,
    *,
    edit_manifest: Callable[[dict[str, Any]], None] | None = None,
    public_key_of_signer: bool = True,
) -> dict[str, bytes]:
    """What a forger holding ``key`` does after changing files: the manifest's sha256 and size
    updated for every file, other edits, the key replaced, then signed again."""
    manifest = json.loads(files["manifest.json"])
    manifest["files"] = [
        {"path": path, "sha256": hashlib.sha256(files[path]).hexdigest(), "size": len(files[path])}
        for path in sorted(files)
        if path not in ("manifest.json", "manifest.sig")
    ]
    if public_key_of_signer:
        manifest["public_key"] = public_pem(key)
    if edit_manifest is not None:
        edit_manifest(manifest)
    raw = canonical(manifest)
    return {**files, "manifest.json": raw, "manifest.sig": base64.b64encode(key.sign(raw))}


def journal_lines(files: dict[str, bytes]) -> list[bytes]:
    return files["journal.jsonl"].split(b"\n")[:-1]


def with_journal(files: dict[str, bytes], lines: list[bytes]) -> dict[str, bytes]:
    return {**files, "journal.jsonl": b"".join(line + b"\n" for line in lines)}
