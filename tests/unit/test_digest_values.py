"""Ledger digest values (evidence.md §3): what is signed and proven never changes once made."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime
from uuid import UUID

import pytest

from domain.digest import Leaf, digest_of, inclusion_proof, sorted_leaves

HEAD = "c" * 64
FIRST = UUID("00000000-0000-4000-8000-000000000001")
SECOND = UUID("00000000-0000-4000-8000-000000000002")
AS_OF = datetime(2024, 6, 30, 22, 0, tzinfo=UTC)


def test_an_aggregate_with_one_event_has_a_leaf_and_one_with_none_has_no_leaf() -> None:
    assert Leaf.parse(f"{FIRST}:1:{HEAD}") == Leaf(FIRST, 1, HEAD)
    with pytest.raises(ValueError, match="not a leaf"):
        Leaf.parse(f"{FIRST}:0:{HEAD}")


def test_leaves_order_by_aggregate_id_then_version() -> None:
    assert Leaf(FIRST, 9, HEAD) < Leaf(SECOND, 1, HEAD)
    assert Leaf(FIRST, 1, HEAD) < Leaf(FIRST, 2, HEAD)
    assert sorted([Leaf(SECOND, 1, HEAD), Leaf(FIRST, 3, HEAD)]) == sorted_leaves(
        [Leaf(SECOND, 1, HEAD), Leaf(FIRST, 3, HEAD)]
    )


def test_a_leaf_a_digest_and_a_proof_cannot_be_altered_once_made() -> None:
    leaves = [Leaf(FIRST, 2, HEAD), Leaf(SECOND, 1, HEAD)]
    digest = digest_of(leaves, as_of=AS_OF)
    proof = inclusion_proof(leaves, SECOND)

    with pytest.raises(dataclasses.FrozenInstanceError):
        leaves[0].version = 3  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        digest.root = "0" * 64  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        proof.index = 0  # type: ignore[misc]
