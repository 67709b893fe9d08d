"""Ledger digests (evidence.md §3): leaves, canonical digest record, inclusion proofs.

Expected bytes and roots are written out here from the spec, with hashlib, never
taken from the code under test.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime, timedelta, timezone
from uuid import UUID

import pytest

from domain.digest import InclusionProof, Leaf, digest_of, inclusion_proof, merkle_root, sorted_leaves

A = UUID("0b9e3c1e-4c8e-4e0f-9a51-5c2f6b0e7a11")
B = UUID("5d1f2c3b-0000-4000-8000-000000000002")
C = UUID("f0000000-0000-4000-8000-000000000003")
HEAD_A, HEAD_B, HEAD_C = "a" * 64, "b" * 64, "c" * 64
AS_OF = datetime(2026, 3, 31, 22, 0, 0, 1234, tzinfo=UTC)


def h(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


def test_a_leaf_is_the_aggregate_id_version_and_head_joined_by_colons() -> None:
    leaf = Leaf(A, 7, HEAD_A)

    assert leaf.data == ("0b9e3c1e-4c8e-4e0f-9a51-5c2f6b0e7a11:7:" + "a" * 64).encode("utf-8")


def test_a_leaf_reads_back_from_its_text_and_malformed_text_is_refused() -> None:
    leaf = Leaf(A, 7, HEAD_A)

    assert Leaf.parse(leaf.data.decode()) == leaf
    for bad in (f"{A}:7", f"{A}:0:{HEAD_A}", f"{A}:7:{'A' * 64}", f"{A.hex}:7:{HEAD_A}", f"{A}:07:{HEAD_A}"):
        with pytest.raises(ValueError):
            Leaf.parse(bad)


def test_leaves_are_sorted_by_aggregate_id_whatever_the_order_given() -> None:
    leaves = sorted_leaves([Leaf(C, 1, HEAD_C), Leaf(A, 7, HEAD_A), Leaf(B, 2, HEAD_B)])

    assert [leaf.aggregate_id for leaf in leaves] == [A, B, C]


def test_an_aggregate_cannot_have_two_leaves() -> None:
    with pytest.raises(ValueError, match="two leaves"):
        sorted_leaves([Leaf(A, 1, HEAD_A), Leaf(A, 2, HEAD_B)])


def test_the_root_of_three_aggregates_is_the_rfc_6962_tree_of_their_sorted_leaves() -> None:
    leaves = sorted_leaves([Leaf(B, 2, HEAD_B), Leaf(C, 1, HEAD_C), Leaf(A, 7, HEAD_A)])
    a = h(b"\x00" + f"{A}:7:{HEAD_A}".encode())
    b = h(b"\x00" + f"{B}:2:{HEAD_B}".encode())
    c = h(b"\x00" + f"{C}:1:{HEAD_C}".encode())

    assert merkle_root(leaves) == h(b"\x01" + h(b"\x01" + a + b) + c).hex()


def test_the_digest_record_is_canonical_json_with_four_keys_in_order() -> None:
    leaves = sorted_leaves([Leaf(A, 7, HEAD_A), Leaf(B, 2, HEAD_B)])
    root = h(b"\x01" + h(b"\x00" + leaves[0].data) + h(b"\x00" + leaves[1].data)).hex()

    digest = digest_of(leaves, as_of=AS_OF)

    expected = '{"aggregates":2,"as_of":"2026-03-31T22:00:00.001234Z","events":9,"root":"' + root + '"}'
    assert digest.canonical() == expected.encode()
    assert json.loads(digest.canonical()) == {
        "aggregates": 2,
        "as_of": "2026-03-31T22:00:00.001234Z",
        "events": 9,
        "root": root,
    }


def test_the_digest_as_of_is_written_in_utc_whatever_the_offset_given() -> None:
    paris = AS_OF.astimezone(timezone(timedelta(hours=2)))

    assert digest_of([], as_of=paris).canonical() == digest_of([], as_of=AS_OF).canonical()


def test_the_digest_of_an_empty_ledger_has_the_empty_tree_root() -> None:
    digest = digest_of([], as_of=AS_OF)

    assert (digest.aggregates, digest.events) == (0, 0)
    assert digest.root == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"


def test_a_digest_refuses_unsorted_leaves() -> None:
    with pytest.raises(ValueError, match="sorted"):
        digest_of([Leaf(B, 1, HEAD_B), Leaf(A, 1, HEAD_A)], as_of=AS_OF)


def test_an_inclusion_proof_names_the_leaf_index_and_its_audit_path() -> None:
    leaves = sorted_leaves([Leaf(A, 7, HEAD_A), Leaf(B, 2, HEAD_B), Leaf(C, 1, HEAD_C)])
    a, _, c = (h(b"\x00" + leaf.data) for leaf in leaves)

    proof = inclusion_proof(leaves, B)

    assert (proof.aggregate_id, proof.version, proof.head, proof.index) == (B, 2, HEAD_B, 1)
    assert proof.path == (a.hex(), c.hex())
    assert proof.record() == {"aggregate_id": B, "head": HEAD_B, "index": 1, "path": [a.hex(), c.hex()], "version": 2}


@pytest.mark.parametrize("count", range(1, 9))
def test_every_aggregate_of_a_ledger_of_1_to_8_aggregates_is_proven_in_the_root(count: int) -> None:
    ids = [UUID(int=(i + 1) * 0x1111) for i in range(count)]
    leaves = sorted_leaves(Leaf(i, n + 1, f"{n:064x}") for n, i in enumerate(ids))
    digest = digest_of(leaves, as_of=AS_OF)

    for aggregate_id in ids:
        assert inclusion_proof(leaves, aggregate_id).leads_to(digest.root, digest.aggregates)


def test_a_proof_for_another_version_head_index_or_path_does_not_lead_to_the_root() -> None:
    leaves = sorted_leaves([Leaf(A, 7, HEAD_A), Leaf(B, 2, HEAD_B), Leaf(C, 1, HEAD_C)])
    root = merkle_root(leaves)
    proof = inclusion_proof(leaves, A)
    assert proof.leads_to(root, 3)

    tampered = [
        InclusionProof(A, 6, HEAD_A, proof.index, proof.path),
        InclusionProof(A, 7, HEAD_B, proof.index, proof.path),
        InclusionProof(A, 7, HEAD_A, 1, proof.path),
        InclusionProof(A, 7, HEAD_A, proof.index, (proof.path[0], "0" * 64)),
        InclusionProof(A, 7, HEAD_A, proof.index, (proof.path[0], "not hex")),
        InclusionProof(A, 7, HEAD_A, proof.index, (proof.path[0], "ab")),
    ]
    for each in tampered:
        assert not each.leads_to(root, 3), each


def test_a_proof_is_asked_for_an_aggregate_the_digest_does_not_hold() -> None:
    with pytest.raises(KeyError):
        inclusion_proof([Leaf(A, 1, HEAD_A)], B)
