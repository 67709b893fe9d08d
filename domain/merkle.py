"""Merkle tree hash and audit paths, exactly as RFC 6962 §2.1 defines them (evidence.md §3).

Leaf hash ``SHA-256(0x00 ‖ leaf_data)``, node hash ``SHA-256(0x01 ‖ left ‖ right)``,
the tree split at the largest power of two smaller than n, and ``SHA-256("")`` for the
empty tree. An audit path lists the sibling hashes from the leaf up to the root.

Third parties recompute these with their own tools: pure standard library, pinned by
golden vectors in ``tests/evidence``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

LEAF_PREFIX = b"\x00"
NODE_PREFIX = b"\x01"


def leaf_hash(leaf_data: bytes) -> bytes:
    return hashlib.sha256(LEAF_PREFIX + leaf_data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(NODE_PREFIX + left + right).digest()


def split_point(n: int) -> int:
    """The largest power of two smaller than n (n ≥ 2)."""
    if n < 2:
        raise ValueError("a split needs at least two leaves")
    return 1 << ((n - 1).bit_length() - 1)


def tree_hash(leaves: Sequence[bytes]) -> bytes:
    """MTH(D[n]) of RFC 6962 §2.1 over the leaves' data (not yet hashed)."""
    return _hash_of_hashes([leaf_hash(leaf) for leaf in leaves])


def _hash_of_hashes(hashes: Sequence[bytes]) -> bytes:
    if not hashes:
        return hashlib.sha256(b"").digest()
    # Bottom-up: pairing neighbours level by level and carrying an odd last node up
    # unchanged builds the same tree as the recursive split at the largest power of two.
    level = list(hashes)
    while len(level) > 1:
        paired = [node_hash(level[i], level[i + 1]) for i in range(0, len(level) - 1, 2)]
        if len(level) % 2:
            paired.append(level[-1])
        level = paired
    return level[0]


def audit_path(index: int, leaves: Sequence[bytes]) -> list[bytes]:
    """PATH(m, D[n]) of RFC 6962 §2.1.1: the siblings from leaf ``index`` up to the root."""
    if not 0 <= index < len(leaves):
        raise IndexError(f"leaf {index} is not in a tree of {len(leaves)} leaves")
    return _path(index, [leaf_hash(leaf) for leaf in leaves])


def _path(m: int, hashes: Sequence[bytes]) -> list[bytes]:
    n = len(hashes)
    if n == 1:
        return []
    k = split_point(n)
    if m < k:
        return [*_path(m, hashes[:k]), _hash_of_hashes(hashes[k:])]
    return [*_path(m - k, hashes[k:]), _hash_of_hashes(hashes[:k])]


def root_from_path(leaf_data: bytes, index: int, size: int, path: Sequence[bytes]) -> bytes | None:
    """The root an audit path leads to (RFC 9162 §2.1.3.2), or None when the path cannot
    belong to leaf ``index`` of a tree of ``size`` leaves (too short, too long, bad index)."""
    if not 0 <= index < size:
        return None
    fn, sn = index, size - 1
    result = leaf_hash(leaf_data)
    for sibling in path:
        if sn == 0:
            return None
        if fn & 1 or fn == sn:
            result = node_hash(sibling, result)
            while not fn & 1 and fn != 0:
                fn, sn = fn >> 1, sn >> 1
        else:
            result = node_hash(result, sibling)
        fn, sn = fn >> 1, sn >> 1
    return result if sn == 0 else None


def verify_inclusion(leaf_data: bytes, index: int, size: int, path: Sequence[bytes], root: bytes) -> bool:
    return root_from_path(leaf_data, index, size, path) == root
