"""The firm's Ed25519 key: it signs ledger digests and evidence bundles (evidence.md §3–4).

Embedded default (SQLite): created on first use as ``RELANCE_DATA_DIR/signing_key.pem``
(PKCS#8 PEM, mode 0600). Otherwise, or when set, ``RELANCE_SIGNING_KEY_FILE`` names the key:
with PostgreSQL it is required, since every host that publishes digests must sign with the
same key (docs/decisions/0030-signing-key.md).
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import hashlib
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from infrastructure.settings import Settings

KEY_FILE_NAME = "signing_key.pem"


class SigningKeyError(Exception):
    """The signing key is missing, unreadable or not an Ed25519 private key: a configuration error."""


@dataclass(frozen=True)
class Signer:
    """Signs bytes with the firm's key; signatures are base64 text (evidence.md §3)."""

    private_key: Ed25519PrivateKey
    source: Path

    @property
    def public_key_pem(self) -> str:
        return public_pem(self.private_key.public_key())

    def sign(self, data: bytes) -> str:
        return base64.b64encode(self.private_key.sign(data)).decode("ascii")

    def verify(self, data: bytes, signature: str) -> bool:
        return verify_signature(self.public_key_pem, data, signature)


def public_pem(key: Ed25519PublicKey) -> str:
    return key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()


def load_public_key(pem: str | bytes) -> Ed25519PublicKey:
    """An Ed25519 public key from PEM; ValueError otherwise."""
    data = pem.encode() if isinstance(pem, str) else pem
    try:
        key = serialization.load_pem_public_key(data)
    except (ValueError, TypeError) as error:
        raise ValueError("not a PEM public key") from error
    if not isinstance(key, Ed25519PublicKey):
        raise ValueError("not an Ed25519 public key")
    return key


def same_public_key(first_pem: str, second_pem: str) -> bool:
    """The same key, whatever the PEM's line breaks."""
    raw = serialization.Encoding.Raw, serialization.PublicFormat.Raw
    return load_public_key(first_pem).public_bytes(*raw) == load_public_key(second_pem).public_bytes(*raw)


def fingerprint(pem: str) -> str:
    """SHA-256 of the raw 32-byte public key, hex: short enough to read aloud."""
    raw = load_public_key(pem).public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()


def verify_signature(public_key_pem: str, data: bytes, signature: str) -> bool:
    """A base64 Ed25519 signature of ``data`` by this key; False for any malformed input."""
    try:
        key = load_public_key(public_key_pem)
        raw = base64.b64decode(signature.strip(), validate=True)
        key.verify(raw, data)
    except (ValueError, binascii.Error, InvalidSignature):
        return False
    return True


def key_path(settings: Settings) -> Path:
    if settings.signing_key_file is not None:
        return settings.signing_key_file
    return settings.data_dir / KEY_FILE_NAME


def load_signer(settings: Settings, *, create: bool = True) -> Signer:
    """The firm's key: RELANCE_SIGNING_KEY_FILE, or the data directory's (created on first use
    when ``create`` and the store is the embedded SQLite one)."""
    if settings.signing_key_file is not None:
        return Signer(_read_key(settings.signing_key_file, "RELANCE_SIGNING_KEY_FILE"), settings.signing_key_file)
    if settings.uses_postgres:
        raise SigningKeyError(
            "RELANCE_SIGNING_KEY_FILE is required with PostgreSQL: every host that signs digests and bundles "
            "must use the same Ed25519 key (create one with `openssl genpkey -algorithm ed25519 -out key.pem`)"
        )
    path = settings.data_dir / KEY_FILE_NAME
    if not path.exists():
        if not create:
            raise SigningKeyError(f"no signing key at {path}: nothing was signed with this data directory's key yet")
        _create_key(path)
    return Signer(_read_key(path, "the signing key"), path)


def _read_key(path: Path, label: str) -> Ed25519PrivateKey:
    try:
        data = path.read_bytes()
    except OSError as error:
        raise SigningKeyError(f"{label} {path}: cannot be read ({error.strerror or error})") from error
    try:
        key = serialization.load_pem_private_key(data, password=None)
    except (ValueError, TypeError) as error:
        raise SigningKeyError(
            f"{label} {path}: not an unencrypted PEM private key (expected Ed25519, PKCS#8)"
        ) from error
    if not isinstance(key, Ed25519PrivateKey):
        raise SigningKeyError(f"{label} {path}: another kind of key, not Ed25519")
    return key


def _create_key(path: Path) -> None:
    """Write a new key with mode 0600; if another process created one meanwhile, keep theirs."""
    path.parent.mkdir(parents=True, exist_ok=True)
    pem = Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    descriptor, temporary = tempfile.mkstemp(prefix=".signing_key-", dir=path.parent)  # mode 0600
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(pem)
            handle.flush()
            os.fsync(handle.fileno())
        with contextlib.suppress(FileExistsError):  # another process created it meanwhile: keep theirs
            os.link(temporary, path)  # atomic, and never overwrites
    finally:
        os.unlink(temporary)
