"""Ledger digests and inclusion proofs (evidence.md §3): pure values, no I/O, no clock.

One leaf per aggregate, ``"{aggregate_id}:{version}:{head}"`` in UTF-8, sorted by
aggregate id; the root is the RFC 6962 tree hash of those leaves; the digest record
``{"aggregates", "as_of", "events", "root"}`` in canonical JSON is what the firm signs.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from itertools import pairwise
from typing import Any
from uuid import UUID

from domain.canonical import canonical_bytes, format_instant
from domain.merkle import audit_path, root_from_path, tree_hash

HEX64 = re.compile(r"^[0-9a-f]{64}$")


@dataclass(frozen=True, order=True)
class Leaf:
    """One aggregate's head at digest time."""

    aggregate_id: UUID
    version: int
    head: str

    @property
    def data(self) -> bytes:
        return f"{self.aggregate_id}:{self.version}:{self.head}".encode()

    @classmethod
    def parse(cls, text: str) -> Leaf:
        """The inverse of ``data`` (as stored with a digest); ValueError when malformed."""
        aggregate_id, version, head = text.split(":")
        leaf = cls(UUID(aggregate_id), int(version), head)
        if leaf.data.decode() != text or leaf.version < 1 or not HEX64.match(head):
            raise ValueError(f"not a leaf: {text!r}")
        return leaf


def sorted_leaves(leaves: Iterable[Leaf]) -> list[Leaf]:
    """Sorted by aggregate id as written (lower-case hex with hyphens), one leaf per aggregate."""
    ordered = sorted(leaves, key=lambda leaf: str(leaf.aggregate_id))
    for before, after in pairwise(ordered):
        if before.aggregate_id == after.aggregate_id:
            raise ValueError(f"aggregate {before.aggregate_id} has two leaves")
    return ordered


def merkle_root(leaves: Sequence[Leaf]) -> str:
    return tree_hash([leaf.data for leaf in leaves]).hex()


@dataclass(frozen=True)
class LedgerDigest:
    """What is signed: the root over every aggregate's head, as of an instant."""

    as_of: datetime
    aggregates: int
    events: int
    root: str

    def record(self) -> dict[str, Any]:
        return {"aggregates": self.aggregates, "as_of": self.as_of, "events": self.events, "root": self.root}

    def canonical(self) -> bytes:
        """The bytes the Ed25519 signature covers."""
        return canonical_bytes(self.record())

    @property
    def as_of_text(self) -> str:
        return format_instant(self.as_of)


def digest_of(leaves: Sequence[Leaf], *, as_of: datetime) -> LedgerDigest:
    """The digest of sorted leaves; ``events`` is the sum of their versions."""
    if list(leaves) != sorted_leaves(leaves):
        raise ValueError("leaves must be sorted by aggregate id")
    return LedgerDigest(
        as_of=as_of,
        aggregates=len(leaves),
        events=sum(leaf.version for leaf in leaves),
        root=merkle_root(leaves),
    )


@dataclass(frozen=True)
class InclusionProof:
    """The RFC 6962 audit path from one aggregate's leaf to a digest's root."""

    aggregate_id: UUID
    version: int
    head: str
    index: int
    path: tuple[str, ...]

    @property
    def leaf(self) -> Leaf:
        return Leaf(self.aggregate_id, self.version, self.head)

    def record(self) -> dict[str, Any]:
        return {
            "aggregate_id": self.aggregate_id,
            "head": self.head,
            "index": self.index,
            "path": list(self.path),
            "version": self.version,
        }

    def leads_to(self, root: str, size: int) -> bool:
        try:
            path = [bytes.fromhex(h) for h in self.path]
        except ValueError:
            return False
        if any(len(h) != 32 for h in path):
            return False
        computed = root_from_path(self.leaf.data, self.index, size, path)
        return computed is not None and computed.hex() == root


def inclusion_proof(leaves: Sequence[Leaf], aggregate_id: UUID) -> InclusionProof:
    """The proof that ``aggregate_id``'s leaf is in the tree of these sorted leaves."""
    for index, leaf in enumerate(leaves):
        if leaf.aggregate_id == aggregate_id:
            path = audit_path(index, [each.data for each in leaves])
            return InclusionProof(leaf.aggregate_id, leaf.version, leaf.head, index, tuple(h.hex() for h in path))
    raise KeyError(f"aggregate {aggregate_id} is not in the digest")
