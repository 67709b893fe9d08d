"""The sealed form of a personal datum, as docs/privacy.md ("La forme scellée") documents it for third parties:
canonical JSON ``{"sealed":{"alg":"A256GCM","ciphertext":B64,"subject":UUID}}``, the ciphertext being the base64
of a 12-byte nonce, then AES-256-GCM's output over the UTF-8 value with ``relance-personal-data/`` followed by the
subject's 16 bytes as associated data. Whoever holds the subject's key opens it with any AES-GCM library."""

from __future__ import annotations

import base64
from uuid import UUID

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from domain.canonical import canonical_bytes
from domain.personal import Personal, Sealed
from infrastructure.subject_keys import MemoryKeyTable, SubjectKeys

SUBJECT = UUID("5b0e2f3c-8a41-4d6e-9c7b-1f2a3b4c5d6e")
KEY = bytes(range(32))
NONCE = bytes(range(100, 112))


def test_the_sealed_form_is_written_as_documented_byte_for_byte() -> None:
    sealed = Sealed(SUBJECT, base64.b64encode(NONCE + b"\x01\x02").decode("ascii"))

    assert canonical_bytes({"legal_name": Personal("Jeanne Martin", sealed).sealed.canonical()}) == (
        b'{"legal_name":{"sealed":{"alg":"A256GCM","ciphertext":"ZGVmZ2hpamtsbW5vAQI=",'
        b'"subject":"5b0e2f3c-8a41-4d6e-9c7b-1f2a3b4c5d6e"}}}'
    )


def test_a_value_sealed_with_a_plain_aes_gcm_library_as_documented_is_opened_by_the_key_store() -> None:
    ciphertext = AESGCM(KEY).encrypt(NONCE, b"Jeanne Martin", b"relance-personal-data/" + SUBJECT.bytes)
    table = MemoryKeyTable()
    table.insert(SUBJECT, SUBJECT, KEY)

    opened = SubjectKeys(table).open(Sealed(SUBJECT, base64.b64encode(NONCE + ciphertext).decode("ascii")))

    assert opened == "Jeanne Martin"


def test_a_value_the_key_store_sealed_opens_with_a_plain_aes_gcm_library_as_documented() -> None:
    table = MemoryKeyTable()
    table.insert(SUBJECT, SUBJECT, KEY)

    sealed = SubjectKeys(table).seal(SUBJECT, SUBJECT, "0611223344")
    data = base64.b64decode(sealed.ciphertext)

    assert AESGCM(KEY).decrypt(data[:12], data[12:], b"relance-personal-data/" + SUBJECT.bytes) == b"0611223344"
    assert len(data) == 12 + len("0611223344") + 16
