"""`relance verify BUNDLE.zip`: the checks of evidence.md §5, in order, stopping at the first
broken item (file, aggregate, version). Needs no store: only the ZIP, and an Ed25519 check
injected by the caller (the standard library has none)."""

from __future__ import annotations

import hashlib
import io
import json
import re
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from application.evidence import MANIFEST, SIGNATURE, TIMESTAMP, named_documents
from domain.canonical import GENESIS_HASH, canonical_bytes
from domain.digest import InclusionProof

SignatureCheck = Callable[[str, bytes, str], bool]  # (public key PEM, data, base64 signature)
SameKey = Callable[[str, str], bool]
TimestampCheck = Callable[[bytes, bytes], str | None]  # (RFC 3161 reply, timestamped bytes) -> problem
DOCUMENT = re.compile(r"^documents/([0-9a-f]{64})\.[A-Za-z0-9]{1,8}$")
HEX64 = re.compile(r"^[0-9a-f]{64}$")


class Broken(Exception):
    """The first broken item: which check, which file, and where in it."""

    def __init__(self, check: int, item: str, problem: str) -> None:
        super().__init__(f"{item}: {problem}")
        self.check, self.item, self.problem = check, item, problem


@dataclass
class BundleReport:
    passed: list[str] = field(default_factory=list)  # one line per check that held
    broken: Broken | None = None

    @property
    def ok(self) -> bool:
        return self.broken is None


CHECKS = {
    1: "manifest signature",
    2: "files",
    3: "journal chains",
    4: "documents",
    5: "digest and inclusion proofs",
}


def verify_bundle(
    content: bytes,
    *,
    check_signature: SignatureCheck,
    same_key: SameKey,
    expected_public_key: str | None = None,
    check_timestamp: TimestampCheck | None = None,
) -> BundleReport:
    report = BundleReport()
    try:
        _Checker(content, check_signature, same_key, expected_public_key, report, check_timestamp).run()
    except Broken as broken:
        report.broken = broken
    return report


class _Checker:
    def __init__(
        self,
        content: bytes,
        check_signature: SignatureCheck,
        same_key: SameKey,
        expected: str | None,
        report: BundleReport,
        check_timestamp: TimestampCheck | None = None,
    ) -> None:
        self.content, self.check_signature, self.same_key = content, check_signature, same_key
        self.check_timestamp = check_timestamp
        self.expected, self.report = expected, report
        self.files: dict[str, bytes] = {}
        self.manifest: dict[str, Any] = {}
        self.chains: dict[str, list[str]] = {}  # aggregate id -> hashes by version (index 0: genesis)
        self.records: list[dict[str, Any]] = []

    def run(self) -> None:
        self._open()
        self._signature()
        self._files()
        self._journal()
        self._documents()
        self._digest()

    # ----------------------------------------------------------------- 0. ZIP

    def _open(self) -> None:
        try:
            with zipfile.ZipFile(io.BytesIO(self.content)) as archive:
                for info in archive.infolist():
                    if info.filename in self.files:
                        raise Broken(1, info.filename, "appears twice in the ZIP")
                    if not info.is_dir():
                        self.files[info.filename] = archive.read(info)
        except (zipfile.BadZipFile, OSError, EOFError, zipfile.LargeZipFile) as error:
            raise Broken(1, "the bundle", f"not a readable ZIP file ({error})") from error
        except Exception as error:  # zlib.error and friends on a corrupted member
            if isinstance(error, Broken):
                raise
            raise Broken(1, "the bundle", f"a member cannot be read ({type(error).__name__}: {error})") from error

    # ---------------------------------------------------------- 1. signature

    def _signature(self) -> None:
        for name in (MANIFEST, SIGNATURE):
            if name not in self.files:
                raise Broken(1, name, "missing from the bundle")
        raw = self.files[MANIFEST]
        try:
            manifest = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, ValueError) as error:
            raise Broken(1, MANIFEST, f"not JSON ({error})") from error
        if not isinstance(manifest, dict):
            raise Broken(1, MANIFEST, "not a JSON object")
        self.manifest = manifest
        public_key = manifest.get("public_key")
        if not isinstance(public_key, str):
            raise Broken(1, MANIFEST, "no public_key")
        signature = self.files[SIGNATURE].decode("ascii", errors="replace")
        if not self.check_signature(public_key, raw, signature):
            raise Broken(1, SIGNATURE, "not a valid Ed25519 signature of manifest.json by the key in the manifest")
        if self.expected is not None:
            try:
                same = self.same_key(public_key, self.expected)
            except ValueError as error:
                raise Broken(1, "--public-key", f"not an Ed25519 public key in PEM ({error})") from error
            if not same:
                raise Broken(1, MANIFEST, "signed with a key that is not the firm's (--public-key)")
        if raw != canonical_bytes(manifest):
            raise Broken(1, MANIFEST, "not in canonical JSON")
        whose = "the firm's key (--public-key)" if self.expected is not None else "the key in the manifest"
        self._passed(1, f"manifest.sig is a valid Ed25519 signature of manifest.json by {whose}")

    # -------------------------------------------------------------- 2. files

    def _files(self) -> None:
        listed: dict[str, dict[str, Any]] = {}
        for entry in self._list("files", MANIFEST):
            path = entry.get("path") if isinstance(entry, dict) else None
            if not isinstance(path, str) or path in listed or path in (MANIFEST, SIGNATURE):
                raise Broken(2, MANIFEST, f"malformed or repeated file entry {entry!r}")
            listed[path] = entry
        for path, entry in listed.items():
            if path not in self.files:
                raise Broken(2, path, "listed in the manifest, missing from the bundle")
            data = self.files[path]
            if hashlib.sha256(data).hexdigest() != entry.get("sha256"):
                raise Broken(2, path, f"sha256 {hashlib.sha256(data).hexdigest()} differs from the manifest's")
            if len(data) != entry.get("size"):
                raise Broken(2, path, f"size {len(data)} differs from the manifest's {entry.get('size')}")
        for path in sorted(self.files):
            if path not in listed and path not in (MANIFEST, SIGNATURE):
                raise Broken(2, path, "in the bundle but not listed in the manifest")
        self._passed(2, f"{len(listed)} file(s) have the sha256 and size of the manifest; no unlisted file")

    # ------------------------------------------------------------ 3. journal

    def _journal(self) -> None:
        journal = self.files.get("journal.jsonl")
        if journal is None:
            raise Broken(3, "journal.jsonl", "missing from the bundle")
        if journal and not journal.endswith(b"\n"):
            raise Broken(3, "journal.jsonl", "the last line is not terminated")
        for number, line in enumerate(journal.split(b"\n")[:-1], start=1):
            self._journal_line(number, line)
        aggregates = self._list("aggregates", MANIFEST)
        declared = set()
        for entry in aggregates:
            aggregate_id = str(entry.get("aggregate_id")) if isinstance(entry, dict) else "?"
            declared.add(aggregate_id)
            chain = self.chains.get(aggregate_id)
            where = f"journal.jsonl, aggregate {aggregate_id}"
            if chain is None:
                raise Broken(3, where, "listed in the manifest, no event in the journal")
            if len(chain) - 1 != entry.get("version"):
                raise Broken(3, where, f"ends at version {len(chain) - 1}, the manifest says {entry.get('version')}")
            if chain[-1] != entry.get("head"):
                raise Broken(3, f"{where} version {len(chain) - 1}", "its hash is not the head in the manifest")
        for aggregate_id in self.chains:
            if aggregate_id not in declared:
                raise Broken(3, f"journal.jsonl, aggregate {aggregate_id}", "not listed in the manifest's aggregates")
        events = sum(len(c) - 1 for c in self.chains.values())
        self._passed(3, f"{len(self.chains)} chain(s), {events} event(s): versions 1..n, hashes, links and heads hold")

    def _journal_line(self, number: int, line: bytes) -> None:
        try:
            record = json.loads(line.decode("utf-8"))
            if not isinstance(record, dict):
                raise ValueError("not an object")
            claimed = record.pop("hash")
            aggregate_id, version = str(record["aggregate_id"]), record["version"]
        except (UnicodeDecodeError, ValueError, KeyError) as error:
            raise Broken(3, f"journal.jsonl line {number}", f"not an event record ({error})") from error
        chain = self.chains.setdefault(aggregate_id, [GENESIS_HASH])
        where = f"journal.jsonl line {number}, aggregate {aggregate_id} version {version}"
        if version != len(chain):
            raise Broken(3, where, f"version {len(chain)} expected (an event is missing or out of order)")
        if line != canonical_bytes({**record, "hash": claimed}):
            raise Broken(3, where, "not in canonical JSON")
        if hashlib.sha256(canonical_bytes(record)).hexdigest() != claimed:
            raise Broken(3, where, "its hash does not recompute (the record was altered)")
        if record.get("previous_hash") != chain[-1]:
            raise Broken(3, where, f"previous_hash does not link to version {version - 1}")
        chain.append(claimed)
        self.records.append(record)

    # ---------------------------------------------------------- 4. documents

    def _documents(self) -> None:
        present = {}
        for path in self.files:
            match = DOCUMENT.match(path)
            if match:
                present[match.group(1)] = path
            elif path.startswith("documents/"):
                raise Broken(4, path, "not named documents/<sha256>.<ext>")
        for sha256, path in present.items():
            if hashlib.sha256(self.files[path]).hexdigest() != sha256:
                raise Broken(4, path, "its content does not hash to its name")
        named = 0
        for record in self.records:
            for field_name, sha256 in named_documents(record.get("data")):
                named += 1
                if sha256 not in present:
                    where = f"journal.jsonl, aggregate {record['aggregate_id']} version {record['version']}"
                    raise Broken(4, where, f"{field_name} names document {sha256}, absent from documents/")
        self._passed(4, f"{named} document reference(s), all present under documents/ ({len(present)} file(s))")

    # ------------------------------------------------- 5. digest and proofs

    def _digest(self) -> None:
        digest = self.manifest.get("digest")
        if not isinstance(digest, dict):
            raise Broken(5, MANIFEST, "no digest")
        try:
            record = {key: digest[key] for key in ("aggregates", "as_of", "events", "root")}
            size, root, signature = record["aggregates"], record["root"], digest["signature"]
            if not isinstance(size, int) or not isinstance(root, str) or not isinstance(signature, str):
                raise ValueError("aggregates, root and signature have the wrong types")
        except (KeyError, ValueError) as error:
            raise Broken(5, "manifest.json digest", f"malformed ({error})") from error
        signed_bytes = canonical_bytes(record)  # the bytes the firm signed: the digest without its signature
        if not self.check_signature(self.manifest["public_key"], signed_bytes, signature):
            raise Broken(5, "manifest.json digest", "its signature does not verify with the key in the manifest")
        timestamped = ""
        if TIMESTAMP in self.files:
            if self.check_timestamp is None:
                raise Broken(5, TIMESTAMP, "present, but no RFC 3161 check is available")
            problem = self.check_timestamp(self.files[TIMESTAMP], signed_bytes)
            if problem is not None:
                raise Broken(5, TIMESTAMP, f"the RFC 3161 token {problem}")
            timestamped = " and timestamped (digest.tsr)"
        proven = set()
        for entry in self._list("inclusion_proofs", MANIFEST):
            proof = self._proof(entry)
            aggregate_id = str(proof.aggregate_id)
            where = f"manifest.json inclusion proof, aggregate {aggregate_id} version {proof.version}"
            if not proof.leads_to(root, size):
                raise Broken(5, where, "does not lead to the digest's root")
            chain = self.chains.get(aggregate_id)
            if chain is None or len(chain) <= proof.version:
                raise Broken(5, where, "proves a version the journal does not hold")
            if chain[proof.version] != proof.head:
                raise Broken(5, where, "the proven head is not the journal's hash at that version")
            proven.add(aggregate_id)
        for aggregate_id in self.chains:
            if aggregate_id not in proven:
                raise Broken(5, f"manifest.json, aggregate {aggregate_id}", "no inclusion proof")
        self._passed(
            5,
            f"digest of {digest['as_of']} (root {root}) is signed{timestamped}; "
            f"{len(proven)} inclusion proof(s) lead to its root",
        )

    def _proof(self, entry: Any) -> InclusionProof:
        try:
            path = entry["path"]
            if not isinstance(path, list) or not all(isinstance(h, str) and HEX64.match(h) for h in path):
                raise ValueError("path: a list of hex hashes")
            if not isinstance(entry["version"], int) or not isinstance(entry["index"], int):
                raise ValueError("version and index: integers")
            return InclusionProof(UUID(entry["aggregate_id"]), entry["version"], str(entry["head"]), entry["index"],
                                  tuple(path))  # fmt: skip
        except (KeyError, TypeError, ValueError) as error:
            raise Broken(5, "manifest.json inclusion_proofs", f"malformed proof ({error})") from error

    # ------------------------------------------------------------- helpers

    def _list(self, key: str, where: str) -> list[Any]:
        value = self.manifest.get(key)
        if not isinstance(value, list):
            raise Broken(2 if key == "files" else 3 if key == "aggregates" else 5, where, f"no {key} list")
        return value

    def _passed(self, check: int, text: str) -> None:
        self.report.passed.append(f"{check}. {CHECKS[check]}: {text}")
