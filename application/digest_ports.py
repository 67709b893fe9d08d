"""What publishing and checking ledger digests need from outside: a signer, a digest repository, a timestamper."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from domain.digest import Leaf, LedgerDigest

SignatureCheck = Callable[[bytes, str], bool]  # (signed bytes, base64 signature) -> holds with the firm's key


class DigestSigner(Protocol):
    @property
    def public_key_pem(self) -> str: ...

    def sign(self, data: bytes) -> str: ...

    def verify(self, data: bytes, signature: str) -> bool: ...


@dataclass(frozen=True)
class SignedDigest:
    """A digest as stored: what was signed, the signature, who published it and when."""

    sequence: int
    digest: LedgerDigest
    canonical: bytes  # the exact bytes signed
    signature: str  # base64 Ed25519
    public_key: str  # PEM of the key that signed
    published_at: datetime
    published_by: str
    timestamp_token: bytes | None = None  # RFC 3161 TimeStampResp, when a TSA is configured

    @property
    def label(self) -> str:
        return f"digest #{self.sequence} of {self.digest.as_of_text}"

    def record(self) -> dict[str, object]:
        """The digest as a bundle's manifest and the API show it: the signed record plus its signature."""
        return {**self.digest.record(), "signature": self.signature}


class DigestRepository(Protocol):
    def append(
        self,
        digest: LedgerDigest,
        leaves: Sequence[Leaf],
        *,
        signature: str,
        public_key: str,
        published_by: str,
        timestamp_token: bytes | None = None,
    ) -> SignedDigest: ...

    def latest(self) -> SignedDigest | None: ...

    def newest_first(self) -> Iterator[SignedDigest]: ...

    def leaves(self, sequence: int) -> list[Leaf]: ...

    def page(self, *, limit: int, before: int | None = None) -> list[SignedDigest]: ...


Timestamper = Callable[[bytes], bytes]  # signed digest bytes -> RFC 3161 TimeStampResp (DER)
