"""Publishing signed ledger digests (evidence.md §3), and the ports they need.

A digest is published only when the whole ledger verifies (every chain, and every head
against the latest digest covering it): a scheduled digest must never sign over a
deleted or rewritten event and so hide it from the next verification.
"""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from application.digest_ports import (
    DigestRepository,
    DigestSigner,
    SignatureCheck,
    SignedDigest,
    Timestamper,
)
from application.ledger import Ledger
from application.verification import verify_ledger
from domain.digest import InclusionProof, Leaf, digest_of, inclusion_proof, sorted_leaves
from domain.errors import RuleViolation

__all__ = [
    "DigestRepository",
    "DigestSigner",
    "Publication",
    "SignatureCheck",
    "SignedDigest",
    "Timestamper",
    "publish_digest",
]


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
