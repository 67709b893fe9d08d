"""The Merkle tree at its bounds (RFC 6962 §2.1, RFC 9162 §2.1.3.2; evidence.md §3).

A verifier must refuse a proof for a position outside the tree and a path longer than the
tree is high, whatever the path holds; a split needs two leaves.
"""

from __future__ import annotations

import hashlib

import pytest

from domain.merkle import audit_path, root_from_path, split_point, tree_hash, verify_inclusion

LEAVES = [b"a", b"b", b"c"]


@pytest.mark.parametrize("n", [0, 1])
def test_a_tree_of_fewer_than_two_leaves_has_no_split(n: int) -> None:
    with pytest.raises(ValueError, match="at least two leaves"):
        split_point(n)


@pytest.mark.parametrize("index", [-1, 3])
def test_an_audit_path_is_refused_for_a_position_outside_the_tree(index: int) -> None:
    with pytest.raises(IndexError):
        audit_path(index, LEAVES)


@pytest.mark.parametrize("index", [-1, 1])
def test_a_one_leaf_tree_proves_only_its_leaf_at_position_zero(index: int) -> None:
    root = tree_hash([b"only"])

    assert verify_inclusion(b"only", 0, 1, [], root)
    assert not verify_inclusion(b"only", index, 1, [], root)
    assert root_from_path(b"only", index, 1, []) is None


def test_a_proof_at_the_index_equal_to_the_size_is_refused() -> None:
    root = tree_hash(LEAVES)
    path = audit_path(2, LEAVES)

    assert not verify_inclusion(b"c", 3, 3, path, root)
    assert root_from_path(b"c", 3, 3, path) is None


def test_a_path_longer_than_the_tree_is_high_leads_to_no_root() -> None:
    sibling = hashlib.sha256(b"\x00b").digest()

    assert root_from_path(b"a", 0, 1, [sibling]) is None
    assert root_from_path(b"a", 0, 2, [sibling, sibling]) is None
