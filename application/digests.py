"""Publishing signed ledger digests (evidence.md §3), and the ports they need.

A digest is published only when the whole ledger verifies (every chain, and every head
against the latest digest covering it): a scheduled digest must never sign over a
deleted or rewritten event and so hide it from the next verification.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol
from uuid import UUID

from application.ledger import Ledger
from domain.digest import InclusionProof, Leaf, LedgerDigest, digest_of, inclusion_proof, sorted_leaves
from domain.errors import RuleViolation

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


@dataclass(frozen=True)
class Publication:
    signed: SignedDigest
    leaves: list[Leaf]

    def proof(self, aggregate_id: UUID) -> InclusionProof:
        return inclusion_proof(self.leaves, aggregate_id)


def publish_digest(
    ledger: Ledger,
    digests: DigestRepository,
    signer: DigestSigner,
    *,
    actor: str,
    timestamper: Timestamper | None = None,
) -> Publication:
    """Verify the ledger, then sign and store the digest of every aggregate's head."""
    from application.verification import verify_ledger

    report = verify_ledger(ledger.recorder, ledger.mapper, digests, signer.verify)
    if not report.ok:
        problems = [str(p) for p in (*report.breaks, *report.digest_problems)]
        shown = "; ".join(problems[:3]) + (f"; and {len(problems) - 3} more" if len(problems) > 3 else "")
        raise RuleViolation(
            f"the ledger does not verify, so no digest is published ({shown}); run `relance ledger verify`",
            rule="ledger_verifies",
        )
    leaves = sorted_leaves(Leaf(h.aggregate_id, h.version, h.head) for h in report.heads)
    digest = digest_of(leaves, as_of=ledger.now().instant)
    signature = signer.sign(digest.canonical())
    token = timestamper(digest.canonical()) if timestamper is not None else None
    signed = digests.append(
        digest,
        leaves,
        signature=signature,
        public_key=signer.public_key_pem,
        published_by=actor,
        timestamp_token=token,
    )
    return Publication(signed, leaves)
