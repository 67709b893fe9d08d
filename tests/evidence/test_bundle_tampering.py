"""`relance verify` catches every tampering of a bundle (evidence.md §5), naming the check,
the file and, inside the journal, the aggregate and version.

Plain tampering (bytes changed, files removed or added) is caught by the manifest. A forger
who also rewrites the manifest must sign it again: with another key it is caught by
``--public-key`` (and by the digest's signature); with the firm's own key (an insider), the
chain, the documents' names and the inclusion proofs still catch it.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from uuid import uuid4

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from typer.testing import CliRunner, Result

from api.cli import app
from infrastructure.documents import DocumentStore
from infrastructure.evidence import build_exporter
from infrastructure.settings import Settings
from infrastructure.sql import open_database
from infrastructure.stores import build_ledger
from tests.evidence.bundles import (
    ACTOR,
    canonical,
    clock_at,
    journal_lines,
    public_pem,
    record_escalated_file,
    resign,
    rezip,
    unzip,
    with_journal,
    write_key,
)

Files = dict[str, bytes]


class Firm:
    def __init__(self, files: Files, key: Ed25519PrivateKey, public_key: Path) -> None:
        self.files, self.key, self.public_key = files, key, public_key


@pytest.fixture(scope="module")
def firm(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Firm]:
    """One genuine bundle of the escalated receivable (SQLite), and the firm's key."""
    tmp_path = tmp_path_factory.mktemp("firm")
    key = write_key(tmp_path / "firm.pem")
    (tmp_path / "public.pem").write_text(public_pem(key))
    settings = Settings(data_dir=tmp_path / "data", database_url=None, timezone="Europe/Paris",
                        signing_key_file=tmp_path / "firm.pem")  # fmt: skip
    clock = clock_at()
    ledger = build_ledger(settings, clock=clock)
    database = open_database(settings)
    try:
        recorded = record_escalated_file(ledger, clock, DocumentStore(database))
        bundle = build_exporter(settings, ledger, database).receivable_bundle(
            recorded.receivable, actor=ACTOR, bundle_id=uuid4()
        )
        yield Firm(unzip(bundle.content), key, tmp_path / "public.pem")
    finally:
        database.close()
        ledger.close()


def verify(firm: Firm, files: Files | bytes, tmp_path: Path, *, with_key: bool = True) -> Result:
    path = tmp_path / "bundle.zip"
    path.write_bytes(files if isinstance(files, bytes) else rezip(files))
    args = ["verify", str(path)] + (["--public-key", str(firm.public_key)] if with_key else [])
    return CliRunner().invoke(app, args)


def assert_broken(result: Result, check: int, item: str, problem: str) -> None:
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    broken = [line for line in result.stdout.splitlines() if line.startswith("BROKEN")]
    assert len(broken) == 1, result.stdout
    assert broken[0].startswith(f"BROKEN {check}. "), broken[0]
    assert f": {item}: " in broken[0], broken[0]
    assert problem in broken[0], broken[0]
    assert sum(line.startswith("ok ") for line in result.stdout.splitlines()) == check - 1  # checks before it held


def flip_a_byte(data: bytes) -> bytes:
    middle = len(data) // 2
    return data[:middle] + bytes([data[middle] ^ 0x01]) + data[middle + 1 :]


def record_lines(files: Files) -> list[dict[str, Any]]:
    return [json.loads(line) for line in journal_lines(files)]


def insider(firm: Firm, files: Files, edit: Callable[[dict[str, Any]], None] | None = None) -> Files:
    """Files changed, then the manifest updated and signed again with the firm's own key."""
    return resign(files, firm.key, edit_manifest=edit)


# ------------------------------------------------------------------ genuine


def test_the_genuine_bundle_verifies_with_every_check_printed(firm: Firm, tmp_path: Path) -> None:
    result = verify(firm, firm.files, tmp_path)

    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert [line[:10] for line in lines[:5]] == [f"ok     {n}. " for n in range(1, 6)]
    assert "by the firm's key (--public-key)" in lines[0]
    assert lines[-1].endswith("the bundle verifies")


def test_a_file_that_is_not_a_zip_is_reported(firm: Firm, tmp_path: Path) -> None:
    assert_broken(verify(firm, b"not a zip", tmp_path), 1, "the bundle", "not a readable ZIP file")


# ------------------------------------------------------- plain tampering


@pytest.mark.parametrize(
    "path",
    ["journal.jsonl", "debtor.json", "calculation.json", "dossier.pdf", "VERIFY.txt", "documents/*"],
)
def test_one_byte_changed_in_any_listed_file_is_reported_with_its_name(firm: Firm, tmp_path: Path, path: str) -> None:
    if path == "documents/*":
        path = next(p for p in firm.files if p.startswith("documents/"))
    files = {**firm.files, path: flip_a_byte(firm.files[path])}

    assert_broken(verify(firm, files, tmp_path), 2, path, "differs from the manifest's")


def test_one_byte_changed_in_the_manifest_breaks_its_signature(firm: Firm, tmp_path: Path) -> None:
    manifest = firm.files["manifest.json"].replace(b'"relance"', b'"relancE"')

    assert_broken(verify(firm, {**firm.files, "manifest.json": manifest}, tmp_path), 1, "manifest.sig", "not a valid")


def test_one_byte_changed_in_the_signature_is_reported(firm: Firm, tmp_path: Path) -> None:
    signature = base64.b64decode(firm.files["manifest.sig"])
    files = {**firm.files, "manifest.sig": base64.b64encode(flip_a_byte(signature))}

    assert_broken(verify(firm, files, tmp_path), 1, "manifest.sig", "not a valid Ed25519 signature")


@pytest.mark.parametrize("path", ["journal.jsonl", "debtor.json", "calculation.json", "dossier.pdf", "VERIFY.txt",
                                  "documents/*"])  # fmt: skip
def test_a_removed_file_is_reported_with_its_name(firm: Firm, tmp_path: Path, path: str) -> None:
    if path == "documents/*":
        path = next(p for p in firm.files if p.startswith("documents/"))
    files = {name: content for name, content in firm.files.items() if name != path}

    assert_broken(verify(firm, files, tmp_path), 2, path, "listed in the manifest, missing from the bundle")


@pytest.mark.parametrize("path", ["manifest.json", "manifest.sig"])
def test_a_removed_manifest_or_signature_is_reported(firm: Firm, tmp_path: Path, path: str) -> None:
    files = {name: content for name, content in firm.files.items() if name != path}

    assert_broken(verify(firm, files, tmp_path), 1, path, "missing from the bundle")


@pytest.mark.parametrize("path", ["notes.txt", "documents/" + "0" * 64 + ".pdf"])
def test_an_added_file_is_reported_with_its_name(firm: Firm, tmp_path: Path, path: str) -> None:
    files = {**firm.files, path: b"%PDF-1.4 added later"}

    assert_broken(verify(firm, files, tmp_path), 2, path, "in the bundle but not listed in the manifest")


# ------------------------------------------------- signed with another key


def test_a_manifest_signed_again_with_another_key_is_refused_with_the_firms_key(firm: Firm, tmp_path: Path) -> None:
    forger = Ed25519PrivateKey.generate()
    files = resign({**firm.files, "debtor.json": canonical({"legal_name": "Quelqu'un d'autre"})}, forger)

    assert_broken(verify(firm, files, tmp_path), 1, "manifest.json", "not the firm's (--public-key)")


def test_without_the_firms_key_a_forged_manifest_still_fails_on_the_firms_digest_signature(
    firm: Firm, tmp_path: Path
) -> None:
    forger = Ed25519PrivateKey.generate()
    files = resign({**firm.files, "debtor.json": canonical({"legal_name": "Quelqu'un d'autre"})}, forger)

    result = verify(firm, files, tmp_path, with_key=False)

    assert_broken(result, 5, "manifest.json digest", "its signature does not verify with the key in the manifest")


def test_a_bundle_forged_entirely_with_another_key_is_caught_only_by_the_firms_public_key(
    firm: Firm, tmp_path: Path
) -> None:
    # Given the digest signed again by the forger too: nothing inside the bundle can tell
    forger = Ed25519PrivateKey.generate()

    def digest_signed_by_forger(manifest: dict[str, Any]) -> None:
        digest = {k: v for k, v in manifest["digest"].items() if k != "signature"}
        manifest["digest"]["signature"] = base64.b64encode(forger.sign(canonical(digest))).decode()

    files = resign(firm.files, forger, edit_manifest=digest_signed_by_forger)

    assert verify(firm, files, tmp_path, with_key=False).exit_code == 0
    assert_broken(verify(firm, files, tmp_path), 1, "manifest.json", "not the firm's (--public-key)")


def test_a_public_key_option_that_is_not_a_key_is_reported(firm: Firm, tmp_path: Path) -> None:
    (tmp_path / "bad.pem").write_text("not a key")
    path = tmp_path / "bundle.zip"
    path.write_bytes(rezip(firm.files))

    result = CliRunner().invoke(app, ["verify", str(path), "--public-key", str(tmp_path / "bad.pem")])

    assert_broken(result, 1, "--public-key", "not an Ed25519 public key")


# ------------------------------------- the journal, even with a valid manifest


def test_a_journal_line_removed_is_caught_by_the_manifest(firm: Firm, tmp_path: Path) -> None:
    lines = journal_lines(firm.files)
    files = with_journal(firm.files, lines[:3] + lines[4:])

    assert_broken(verify(firm, files, tmp_path), 2, "journal.jsonl", "differs from the manifest's")


def test_a_journal_line_removed_then_signed_by_an_insider_is_reported_at_that_version(
    firm: Firm, tmp_path: Path
) -> None:
    lines = journal_lines(firm.files)
    files = insider(firm, with_journal(firm.files, lines[:3] + lines[4:]))
    aggregate = json.loads(lines[0])["aggregate_id"]

    assert_broken(verify(firm, files, tmp_path), 3, f"journal.jsonl line 4, aggregate {aggregate} version 5",
                  "version 4 expected")  # fmt: skip


def test_the_last_journal_line_removed_then_signed_by_an_insider_is_reported_against_the_head(
    firm: Firm, tmp_path: Path
) -> None:
    lines = journal_lines(firm.files)
    files = insider(firm, with_journal(firm.files, lines[:-1]))
    aggregate = json.loads(lines[0])["aggregate_id"]

    assert_broken(verify(firm, files, tmp_path), 3, f"journal.jsonl, aggregate {aggregate}",
                  f"ends at version {len(lines) - 1}, the manifest says {len(lines)}")  # fmt: skip


def test_two_journal_lines_swapped_then_signed_by_an_insider_are_reported(firm: Firm, tmp_path: Path) -> None:
    lines = journal_lines(firm.files)
    lines[2], lines[3] = lines[3], lines[2]
    files = insider(firm, with_journal(firm.files, lines))
    aggregate = json.loads(lines[0])["aggregate_id"]

    assert_broken(verify(firm, files, tmp_path), 3, f"journal.jsonl line 3, aggregate {aggregate} version 4",
                  "version 3 expected (an event is missing or out of order)")  # fmt: skip


def test_a_journal_line_edited_then_signed_by_an_insider_is_reported_at_that_version(
    firm: Firm, tmp_path: Path
) -> None:
    lines = journal_lines(firm.files)
    index = next(i for i, line in enumerate(lines) if b'"PaymentReceived"' in line)
    lines[index] = lines[index].replace(b'"200.00"', b'"900.00"')
    files = insider(firm, with_journal(firm.files, lines))
    record = json.loads(lines[index])

    assert_broken(verify(firm, files, tmp_path), 3,
                  f"journal.jsonl line {index + 1}, aggregate {record['aggregate_id']} version {record['version']}",
                  "its hash does not recompute")  # fmt: skip


def test_a_journal_rewritten_with_consistent_hashes_is_caught_by_the_inclusion_proof(
    firm: Firm, tmp_path: Path
) -> None:
    # Given an insider who edits the payment, recomputes every hash and link after it,
    # and puts the new head in the manifest: only the signed digest still knows the truth
    records = record_lines(firm.files)
    previous = records[0]["previous_hash"]
    rewritten = []
    for record in records:
        body = {k: v for k, v in record.items() if k != "hash"}
        body["previous_hash"] = previous
        if body["type"] == "PaymentReceived":
            body["data"]["amount"] = "900.00"
        previous = hashlib.sha256(canonical(body)).hexdigest()
        rewritten.append(canonical({**body, "hash": previous}))

    def new_head(manifest: dict[str, Any]) -> None:
        manifest["aggregates"][0]["head"] = previous

    files = insider(firm, with_journal(firm.files, rewritten), new_head)
    aggregate, version = records[0]["aggregate_id"], len(records)

    assert_broken(verify(firm, files, tmp_path), 5,
                  f"manifest.json inclusion proof, aggregate {aggregate} version {version}",
                  "the proven head is not the journal's hash at that version")  # fmt: skip


# --------------------------------------------------------------- documents


def test_a_document_altered_then_signed_by_an_insider_no_longer_matches_its_name(firm: Firm, tmp_path: Path) -> None:
    path = next(p for p in firm.files if p.startswith("documents/") and p.endswith(".pdf"))
    files = insider(firm, {**firm.files, path: firm.files[path] + b"% annotated later\n"})

    assert_broken(verify(firm, files, tmp_path), 4, path, "its content does not hash to its name")


def test_a_document_removed_then_signed_by_an_insider_is_reported_where_an_event_names_it(
    firm: Firm, tmp_path: Path
) -> None:
    path = next(p for p in firm.files if p.startswith("documents/") and p.endswith(".png"))
    files = insider(firm, {name: content for name, content in firm.files.items() if name != path})
    naming = next(r for r in record_lines(firm.files) if r["data"].get("proof_sha256") == path[10:74])

    assert_broken(verify(firm, files, tmp_path), 4,
                  f"journal.jsonl, aggregate {naming['aggregate_id']} version {naming['version']}",
                  f"proof_sha256 names document {path[10:74]}, absent from documents/")  # fmt: skip


# --------------------------------------------------- digest and proofs


def test_an_inclusion_proof_altered_is_reported(firm: Firm, tmp_path: Path) -> None:
    def alter_path(manifest: dict[str, Any]) -> None:
        proof = manifest["inclusion_proofs"][0]
        proof["path"][0] = "0" * 64

    files = insider(firm, dict(firm.files), alter_path)
    proof = json.loads(firm.files["manifest.json"])["inclusion_proofs"][0]

    assert_broken(verify(firm, files, tmp_path), 5,
                  f"manifest.json inclusion proof, aggregate {proof['aggregate_id']} version {proof['version']}",
                  "does not lead to the digest's root")  # fmt: skip


def test_an_inclusion_proof_removed_is_reported(firm: Firm, tmp_path: Path) -> None:
    files = insider(firm, dict(firm.files), lambda manifest: manifest["inclusion_proofs"].clear())
    aggregate = json.loads(firm.files["manifest.json"])["aggregates"][0]["aggregate_id"]

    assert_broken(verify(firm, files, tmp_path), 5, f"manifest.json, aggregate {aggregate}", "no inclusion proof")


def test_the_digest_signature_altered_is_reported(firm: Firm, tmp_path: Path) -> None:
    def alter_signature(manifest: dict[str, Any]) -> None:
        raw = base64.b64decode(manifest["digest"]["signature"])
        manifest["digest"]["signature"] = base64.b64encode(flip_a_byte(raw)).decode()

    files = insider(firm, dict(firm.files), alter_signature)

    assert_broken(verify(firm, files, tmp_path), 5, "manifest.json digest", "its signature does not verify")


def test_the_digest_root_altered_is_reported(firm: Firm, tmp_path: Path) -> None:
    def alter_root(manifest: dict[str, Any]) -> None:
        manifest["digest"]["root"] = "f" * 64

    files = insider(firm, dict(firm.files), alter_root)

    assert_broken(verify(firm, files, tmp_path), 5, "manifest.json digest", "its signature does not verify")


def test_an_unreadable_bundle_path_is_a_usage_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["verify", str(tmp_path / "missing.zip")])

    assert result.exit_code == 2
    assert "cannot read" in result.stderr
