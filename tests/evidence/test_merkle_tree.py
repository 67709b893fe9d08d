"""RFC 6962 §2.1 Merkle tree hash and audit paths: golden vectors a third party can check.

The expected values come from two places that do not share code with domain/merkle.py:
a direct recursive transcription of RFC 6962's definitions written here with hashlib,
and the hex literals published with Certificate Transparency's reference test data
(the 8 leaves below, their roots for sizes 1..8, and a few audit paths).
"""

from __future__ import annotations

import hashlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.merkle import audit_path, root_from_path, split_point, tree_hash, verify_inclusion

# Certificate Transparency's reference leaves (merkle_tree_test, trillian testdata).
CT_LEAVES = [
    b"",
    b"\x00",
    b"\x10",
    b"\x20\x21",
    b"\x30\x31",
    b"\x40\x41\x42\x43",
    b"\x50\x51\x52\x53\x54\x55\x56\x57",
    b"\x60\x61\x62\x63\x64\x65\x66\x67\x68\x69\x6a\x6b\x6c\x6d\x6e\x6f",
]
CT_ROOTS = [  # root of the first n leaves, n = 1..8
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
]
CT_PATHS = [  # (leaf index, tree size, audit path)
    (0, 8, ["96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"]),
    (5, 8, ["bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"]),
    (2, 3, ["fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"]),
    (1, 5, ["6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"]),
    (0, 1, []),
]  # fmt: skip
EMPTY_ROOT = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"  # SHA-256("")


# ------------------------------------------ RFC 6962 §2.1, transcribed directly


def rfc_mth(leaves: list[bytes]) -> bytes:
    n = len(leaves)
    if n == 0:
        return hashlib.sha256(b"").digest()
    if n == 1:
        return hashlib.sha256(b"\x00" + leaves[0]).digest()
    k = 1
    while k * 2 < n:
        k *= 2
    return hashlib.sha256(b"\x01" + rfc_mth(leaves[:k]) + rfc_mth(leaves[k:])).digest()


def rfc_path(m: int, leaves: list[bytes]) -> list[bytes]:
    n = len(leaves)
    if n == 1:
        return []
    k = 1
    while k * 2 < n:
        k *= 2
    if m < k:
        return [*rfc_path(m, leaves[:k]), rfc_mth(leaves[k:])]
    return [*rfc_path(m - k, leaves[k:]), rfc_mth(leaves[:k])]


def rfc_root_from_path(m: int, leaves_in_tree: int, leaf: bytes, path: list[bytes]) -> bytes:
    """Recompute the root by re-walking the split the way the path was built (top-down)."""

    def walk(m: int, n: int, path: list[bytes]) -> bytes:
        if n == 1:
            assert not path
            return hashlib.sha256(b"\x00" + leaf).digest()
        k = 1
        while k * 2 < n:
            k *= 2
        *below, sibling = path
        if m < k:
            return hashlib.sha256(b"\x01" + walk(m, k, below) + sibling).digest()
        return hashlib.sha256(b"\x01" + sibling + walk(m - k, n - k, below)).digest()

    return walk(m, leaves_in_tree, path)


# --------------------------------------------------------------------- roots


def test_the_empty_tree_hashes_to_the_sha256_of_the_empty_string() -> None:
    assert tree_hash([]).hex() == EMPTY_ROOT == rfc_mth([]).hex()


@pytest.mark.parametrize("size", range(1, 9))
def test_the_root_of_each_tree_shape_of_1_to_8_leaves_is_the_published_one(size: int) -> None:
    leaves = CT_LEAVES[:size]

    assert tree_hash(leaves).hex() == CT_ROOTS[size - 1]
    assert rfc_mth(leaves).hex() == CT_ROOTS[size - 1]


def test_a_single_leaf_tree_is_the_leaf_hash_with_its_0x00_prefix() -> None:
    assert tree_hash([b"abc"]) == hashlib.sha256(b"\x00abc").digest()


def test_two_leaves_make_one_node_with_its_0x01_prefix() -> None:
    left, right = hashlib.sha256(b"\x00L").digest(), hashlib.sha256(b"\x00R").digest()

    assert tree_hash([b"L", b"R"]) == hashlib.sha256(b"\x01" + left + right).digest()


@pytest.mark.parametrize(("n", "k"), [(2, 1), (3, 2), (4, 2), (5, 4), (8, 4), (9, 8), (1000, 512), (1024, 512)])
def test_the_split_is_the_largest_power_of_two_smaller_than_n(n: int, k: int) -> None:
    assert split_point(n) == k


@settings(max_examples=60, deadline=None)
@given(st.lists(st.binary(max_size=8), max_size=40))
def test_any_tree_hash_equals_the_rfc_definition(leaves: list[bytes]) -> None:
    assert tree_hash(leaves) == rfc_mth(leaves)


# ------------------------------------------------------------ audit paths


@pytest.mark.parametrize(("index", "size", "expected"), CT_PATHS)
def test_the_audit_paths_are_the_published_ones(index: int, size: int, expected: list[str]) -> None:
    assert [h.hex() for h in audit_path(index, CT_LEAVES[:size])] == expected
    assert [h.hex() for h in rfc_path(index, CT_LEAVES[:size])] == expected


@pytest.mark.parametrize(("index", "size"), [(i, n) for n in range(1, 9) for i in range(n)])
def test_every_leaf_of_trees_of_1_to_8_leaves_has_a_path_that_verifies(index: int, size: int) -> None:
    leaves = CT_LEAVES[:size]
    root = bytes.fromhex(CT_ROOTS[size - 1])

    path = audit_path(index, leaves)

    assert path == rfc_path(index, leaves)
    assert verify_inclusion(leaves[index], index, size, path, root)
    assert rfc_root_from_path(index, size, leaves[index], path) == root


@pytest.mark.parametrize(("index", "size"), [(i, n) for n in range(2, 9) for i in range(n)])
def test_a_path_with_one_sibling_altered_is_refused(index: int, size: int) -> None:
    leaves = CT_LEAVES[:size]
    root = bytes.fromhex(CT_ROOTS[size - 1])
    path = audit_path(index, leaves)
    for position in range(len(path)):
        altered = list(path)
        altered[position] = bytes([altered[position][0] ^ 1]) + altered[position][1:]

        assert not verify_inclusion(leaves[index], index, size, altered, root)


@pytest.mark.parametrize(("index", "size"), [(i, n) for n in range(2, 9) for i in range(n)])
def test_a_path_is_refused_for_another_leaf_position_or_length(index: int, size: int) -> None:
    leaves = CT_LEAVES[:size]
    root = bytes.fromhex(CT_ROOTS[size - 1])
    path = audit_path(index, leaves)
    other = (index + 1) % size

    assert not verify_inclusion(leaves[other], index, size, path, root)  # another leaf's data
    assert not verify_inclusion(leaves[index], other, size, path, root)  # another position
    assert not verify_inclusion(leaves[index], index, size, path[:-1], root)  # a sibling dropped
    assert not verify_inclusion(leaves[index], index, size, [*path, path[-1]], root)  # one added
    if len(set(path)) > 1:
        assert not verify_inclusion(leaves[index], index, size, list(reversed(path)), root)  # siblings reordered


def test_a_path_for_an_index_outside_the_tree_gives_no_root() -> None:
    assert root_from_path(b"x", 3, 3, []) is None
    assert root_from_path(b"x", -1, 3, []) is None
    with pytest.raises(IndexError):
        audit_path(8, CT_LEAVES)


@settings(max_examples=60, deadline=None)
@given(st.integers(min_value=1, max_value=70).flatmap(lambda n: st.tuples(st.just(n), st.integers(0, n - 1))))
def test_every_path_of_larger_trees_verifies_and_matches_the_rfc_definition(size_and_index: tuple[int, int]) -> None:
    size, index = size_and_index
    leaves = [f"leaf {i}".encode() for i in range(size)]

    path = audit_path(index, leaves)

    assert path == rfc_path(index, leaves)
    assert verify_inclusion(leaves[index], index, size, path, rfc_mth(leaves))
