"""The evidence bundle of evidence.md §4: its files, its manifest to the byte, its signatures,
the dossier, VERIFY.txt's recipe run for real, and `relance export` / `relance verify`."""

from __future__ import annotations

import base64
import hashlib
import io
import json
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from pypdf import PdfReader
from typer.testing import CliRunner, Result

from api.cli import app
from application.clock import SimulatedClock
from application.commands import EraseDebtor, RegisterDebtor
from application.evidence import Bundle, EvidenceExporter
from application.verify_text import extract_snippet
from domain.debtor import Address
from domain.errors import RuleViolation
from domain.vocabulary import DebtorKind
from infrastructure.documents import DocumentStore
from infrastructure.evidence import build_exporter
from infrastructure.settings import Settings
from infrastructure.sql import Database, open_database
from infrastructure.stores import build_ledger
from tests.evidence.bundles import (
    ACTOR,
    INVOICE,
    OTHER_INVOICE,
    RecordedFile,
    clock_at,
    public_pem,
    record_escalated_file,
    unzip,
    write_key,
)
from tests.integration import conftest as stores
from tests.integration.conftest import Store, issue_command

store = stores.store
BUNDLE_ID = UUID("8f0c5a8e-1a52-4c44-9d51-0c3c0f1e2d3b")
MANIFEST_KEYS = {"bundle_id", "created_at", "generator", "aggregates", "files", "digest", "inclusion_proofs",
                 "public_key"}  # fmt: skip


@dataclass
class Setup:
    settings: Settings
    key: Ed25519PrivateKey
    clock: SimulatedClock
    database: Database
    exporter: EvidenceExporter
    recorded: RecordedFile

    def env(self) -> dict[str, str]:
        url = self.settings.database_url
        return {
            "RELANCE_DATA_DIR": str(self.settings.data_dir),
            "RELANCE_DATABASE_URL": "" if url is None else url.get_secret_value(),
            "RELANCE_TIMEZONE": self.settings.timezone,
            "RELANCE_SIGNING_KEY_FILE": str(self.settings.signing_key_file),
        }


def build_setup(settings: Settings, tmp_path: Path) -> Iterator[Setup]:
    key = write_key(tmp_path / "firm.pem")
    settings = settings.model_copy(update={"signing_key_file": tmp_path / "firm.pem", "firm_name": "Cabinet Martin"})
    clock = clock_at()
    ledger = build_ledger(settings, clock=clock)
    database = open_database(settings)
    try:
        recorded = record_escalated_file(ledger, clock, DocumentStore(database))
        yield Setup(settings, key, clock, database, build_exporter(settings, ledger, database), recorded)
    finally:
        database.close()
        ledger.close()


@pytest.fixture
def setup(store: Store, tmp_path: Path) -> Iterator[Setup]:
    """On SQLite and on PostgreSQL."""
    yield from build_setup(store.settings, tmp_path)


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Setup, Bundle, dict[str, bytes]]]:
    """One receivable bundle on SQLite, shared by the tests that only read it."""
    tmp_path = tmp_path_factory.mktemp("bundle")
    settings = Settings(data_dir=tmp_path / "data", database_url=None, timezone="Europe/Paris")
    for each in build_setup(settings, tmp_path):
        bundle = each.exporter.receivable_bundle(each.recorded.receivable, actor=ACTOR, bundle_id=BUNDLE_ID)
        yield each, bundle, unzip(bundle.content)


def relance(env: dict[str, str], *args: str) -> Result:
    return CliRunner().invoke(app, list(args), env=env)


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# ------------------------------------------------------------------ the ZIP


def test_the_bundle_holds_exactly_the_files_of_the_spec(exported: tuple[Setup, Bundle, dict[str, bytes]]) -> None:
    setup, _, files = exported
    documents = {f"documents/{digest}.{ext}" for digest, ext in documents_of(setup)}

    assert set(files) == {"manifest.json", "manifest.sig", "journal.jsonl", "debtor.json", "calculation.json",
                          "dossier.pdf", "VERIFY.txt"} | documents  # fmt: skip
    for path in documents:
        assert files[path] == setup.recorded.documents[path[10:74]]


def documents_of(setup: Setup) -> list[tuple[str, str]]:
    extensions = {b"%PDF": "pdf", b"\x89PN": "png"}
    return [(digest, extensions.get(content[:4], extensions.get(content[:3], "txt")))
            for digest, content in setup.recorded.documents.items()]  # fmt: skip


def test_the_manifest_is_canonical_json_with_the_fields_of_the_spec(
    exported: tuple[Setup, Bundle, dict[str, bytes]],
) -> None:
    setup, bundle, files = exported
    manifest = json.loads(files["manifest.json"])

    assert files["manifest.json"] == json.dumps(manifest, sort_keys=True, separators=(",", ":"),
                                                ensure_ascii=False).encode()  # fmt: skip
    assert set(manifest) == MANIFEST_KEYS
    assert manifest["bundle_id"] == str(BUNDLE_ID)
    assert re.fullmatch(r"2025-05-02T16:00:00\.000000Z", manifest["created_at"])
    assert manifest["generator"] == {"name": "relance", "version": "0.1.0"}
    assert manifest["public_key"] == public_pem(setup.key)
    assert set(manifest["digest"]) == {"aggregates", "as_of", "events", "root", "signature"}
    (aggregate,) = manifest["aggregates"]
    assert set(aggregate) == {"aggregate_id", "aggregate_type", "version", "head"}
    assert (aggregate["aggregate_id"], aggregate["aggregate_type"], aggregate["version"]) == (
        str(setup.recorded.receivable),
        "Receivable",
        8,
    )
    (proof,) = manifest["inclusion_proofs"]
    assert set(proof) == {"aggregate_id", "version", "head", "index", "path"}
    assert bundle.manifest == manifest


def test_the_manifest_lists_every_file_but_itself_and_its_signature_with_sha256_and_size(
    exported: tuple[Setup, Bundle, dict[str, bytes]],
) -> None:
    _, _, files = exported
    manifest = json.loads(files["manifest.json"])

    listed = {entry["path"]: (entry["sha256"], entry["size"]) for entry in manifest["files"]}
    expected = {path: (sha(content), len(content)) for path, content in files.items()
                if path not in ("manifest.json", "manifest.sig")}  # fmt: skip
    assert listed == expected
    assert [entry["path"] for entry in manifest["files"]] == sorted(listed)


def test_the_manifest_signature_is_base64_ed25519_over_its_exact_bytes(
    exported: tuple[Setup, Bundle, dict[str, bytes]],
) -> None:
    setup, _, files = exported

    setup.key.public_key().verify(base64.b64decode(files["manifest.sig"], validate=True), files["manifest.json"])


def test_the_journal_is_the_ledgers_canonical_records_with_their_hash_oldest_first(
    exported: tuple[Setup, Bundle, dict[str, bytes]],
) -> None:
    setup, _, files = exported
    journal = setup.exporter.ledger.journal(setup.recorded.receivable)

    lines = files["journal.jsonl"].split(b"\n")
    assert lines[-1] == b""
    assert [json.loads(line) for line in lines[:-1]] == [entry.record for entry in journal]
    for line, entry in zip(lines, journal, strict=False):
        record = json.loads(line)
        assert line == json.dumps(record, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
        body = {k: v for k, v in record.items() if k != "hash"}
        assert sha(json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()) == entry.hash


def test_the_digest_is_the_one_published_first_and_signed_by_the_firm(
    exported: tuple[Setup, Bundle, dict[str, bytes]],
) -> None:
    setup, bundle, files = exported
    manifest = json.loads(files["manifest.json"])
    digest = dict(manifest["digest"])
    signature = digest.pop("signature")

    published = setup.exporter.digests.latest()
    assert published is not None and published.sequence == bundle.digest_sequence
    assert json.dumps(digest, sort_keys=True, separators=(",", ":")).encode() == published.canonical
    setup.key.public_key().verify(base64.b64decode(signature), published.canonical)
    assert digest["as_of"] == manifest["created_at"]
    assert (digest["aggregates"], digest["events"]) == (3, 10)  # the debtor, both receivables


def test_the_inclusion_proof_leads_from_the_head_to_the_root(
    exported: tuple[Setup, Bundle, dict[str, bytes]],
) -> None:
    _, _, files = exported
    manifest = json.loads(files["manifest.json"])
    (proof,) = manifest["inclusion_proofs"]
    digest = manifest["digest"]

    node = hashlib.sha256(b"\x00" + f"{proof['aggregate_id']}:{proof['version']}:{proof['head']}".encode()).digest()
    index, size = proof["index"], digest["aggregates"]
    siblings = [bytes.fromhex(h) for h in proof["path"]]
    # RFC 6962 with 3 leaves: ((0,1),2); walk it top-down for this leaf's index
    assert size == 3 and len(siblings) == (2 if index < 2 else 1)
    if index == 2:
        node = hashlib.sha256(b"\x01" + siblings[0] + node).digest()
    else:
        pair = (node, siblings[0]) if index == 0 else (siblings[0], node)
        node = hashlib.sha256(b"\x01" + pair[0] + pair[1]).digest()
        node = hashlib.sha256(b"\x01" + node + siblings[1]).digest()
    assert node.hex() == digest["root"]
    assert proof["head"] == manifest["aggregates"][0]["head"]


def test_debtor_json_identifies_the_debtor_as_of_the_export(exported: tuple[Setup, Bundle, dict[str, bytes]]) -> None:
    setup, _, files = exported

    assert json.loads(files["debtor.json"]) == {
        "as_of": "2025-05-02T16:00:00.000000Z",
        "debtor_id": str(setup.recorded.debtor),
        "erased": False,
        "kind": "professional",
        "legal_name": "Dupont Matériaux SARL",
        "siren": "732829320",
        "siret": None,
        "address": {"lines": ["12 rue des Lilas"], "postal_code": "69003", "city": "Lyon", "country": "FR"},
        "version": 1,
    }


def test_calculation_json_is_the_late_charges_claim_as_of_the_export_date(
    exported: tuple[Setup, Bundle, dict[str, bytes]],
) -> None:
    _, _, files = exported
    calculation = json.loads(files["calculation.json"])

    (claim,) = calculation["receivables"]
    assert (calculation["as_of"], calculation["currency"]) == ("2025-05-02", "EUR")
    assert claim["invoice_number"] == INVOICE
    assert claim["principal_outstanding"] == "1000.00"  # 1,200.00 less the 200.00 payment
    assert claim["indemnity"] == "40.00"
    assert calculation["total"] == claim["total"]
    assert claim["periods"], "the interest is detailed period by period"
    assert {"start", "end", "days", "base", "rate", "amount"} <= set(claim["periods"][0])
    assert [a["reference"] for a in claim["allocations"]] == ["VIR-2025-0401"]


def test_verify_txt_lists_every_other_file_in_sha256sum_format(
    exported: tuple[Setup, Bundle, dict[str, bytes]],
) -> None:
    _, _, files = exported
    text = files["VERIFY.txt"].decode()

    pairs = [line.split("  ", 1) for line in text.splitlines() if re.match(r"^[0-9a-f]{64}  ", line)]
    sums = {path: digest for digest, path in pairs}
    assert sums == {path: sha(content) for path, content in files.items()
                    if path not in ("manifest.json", "manifest.sig", "VERIFY.txt")}  # fmt: skip


# ----------------------------------------------------- checked without relance


@pytest.fixture
def extracted(exported: tuple[Setup, Bundle, dict[str, bytes]], tmp_path: Path) -> Path:
    _, _, files = exported
    root = tmp_path / "dossier"
    for path, content in files.items():
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_bytes(content)
    (tmp_path / "check.py").write_text(extract_snippet(files["VERIFY.txt"].decode()))
    return root


def run_check(root: Path) -> subprocess.CompletedProcess[str]:
    python = shutil.which("python3") or sys.executable
    return subprocess.run([python, "-I", str(root.parent / "check.py"), str(root)], capture_output=True, text=True,
                          cwd=root.parent, timeout=60, check=False)  # fmt: skip


def test_the_standard_library_snippet_of_verify_txt_accepts_the_bundle(extracted: Path) -> None:
    result = run_check(extracted)

    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("OK")
    out = extracted.parent / "dossier-check"
    assert sorted(p.name for p in out.iterdir()) == ["digest.json", "digest.sig.bin", "manifest.sig.bin",
                                                     "public_key.pem"]  # fmt: skip


@pytest.mark.parametrize(
    ("tamper", "message"),
    [
        pytest.param(lambda root: (root / "debtor.json").write_bytes(b"{}"), "debtor.json : empreinte", id="file"),
        pytest.param(lambda root: (root / "extra.txt").write_text("x"), "extra.txt : fichier non liste", id="extra"),
        pytest.param(lambda root: (root / "dossier.pdf").unlink(), "dossier.pdf : fichier absent", id="removed"),
    ],
)
def test_the_standard_library_snippet_refuses_a_tampered_bundle(extracted: Path, tamper: Any, message: str) -> None:
    tamper(extracted)

    result = run_check(extracted)

    assert result.returncode == 1
    assert message in result.stderr


def test_the_snippet_refuses_a_journal_edited_with_its_manifest_entry_updated(extracted: Path) -> None:
    journal = (extracted / "journal.jsonl").read_bytes().replace(b'"200.00"', b'"300.00"', 1)
    (extracted / "journal.jsonl").write_bytes(journal)
    manifest = json.loads((extracted / "manifest.json").read_bytes())
    for entry in manifest["files"]:
        if entry["path"] == "journal.jsonl":
            entry["sha256"], entry["size"] = sha(journal), len(journal)
    (extracted / "manifest.json").write_text(json.dumps(manifest))

    result = run_check(extracted)

    assert result.returncode == 1
    assert re.search(r"journal.jsonl : [0-9a-f-]{36} version \d+", result.stderr)


@pytest.mark.skipif(shutil.which("openssl") is None, reason="openssl is not installed")
def test_the_openssl_commands_of_verify_txt_check_both_signatures(extracted: Path) -> None:
    assert run_check(extracted).returncode == 0
    text = (extracted / "VERIFY.txt").read_text()
    commands = re.findall(r"(openssl pkeyutl -verify .*?\\\n\s+.*?sig\.bin)", text)
    assert len(commands) == 2

    for command in commands:
        args = command.replace("\\\n", " ").split()
        result = subprocess.run(args, cwd=extracted.parent, capture_output=True, text=True, timeout=30, check=False)
        assert result.returncode == 0, result.stdout + result.stderr
        assert "Signature Verified Successfully" in result.stdout

    # and openssl refuses a manifest that changed by one byte
    manifest = extracted / "manifest.json"
    manifest.write_bytes(manifest.read_bytes().replace(b'"relance"', b'"relancE"'))
    args = commands[0].replace("\\\n", " ").split()
    refused = subprocess.run(args, cwd=extracted.parent, capture_output=True, text=True, timeout=30, check=False)
    assert refused.returncode != 0


# ------------------------------------------------------------- determinism


def test_two_exports_at_the_same_instant_differ_only_by_their_bundle_id(
    exported: tuple[Setup, Bundle, dict[str, bytes]],
) -> None:
    setup, first, files = exported
    again = setup.exporter.receivable_bundle(setup.recorded.receivable, actor=ACTOR, bundle_id=BUNDLE_ID)
    other = unzip(setup.exporter.receivable_bundle(setup.recorded.receivable, actor=ACTOR,
                                                   bundle_id=UUID(int=7)).content)  # fmt: skip

    assert again.content == first.content  # the same bytes, PDF included
    assert {p for p in files if files[p] != other[p]} == {"manifest.json", "manifest.sig"}
    assert json.loads(other["manifest.json"]) | {"bundle_id": str(BUNDLE_ID)} == json.loads(files["manifest.json"])


# ------------------------------------------------------------------ dossier


def test_the_dossier_is_a_french_pdf_a_3_with_the_journal_embedded(
    exported: tuple[Setup, Bundle, dict[str, bytes]],
) -> None:
    setup, _, files = exported
    reader = PdfReader(io.BytesIO(files["dossier.pdf"]))
    text = " ".join(" ".join(page.extract_text() for page in reader.pages).split())  # table cells wrap lines
    flat = re.sub(r"\s+", "", text)

    assert reader.attachments["journal.jsonl"] == [files["journal.jsonl"]]
    catalog: Any = reader.trailer["/Root"]
    xmp = catalog["/Metadata"].get_object().get_data().decode()
    assert 'pdfaid:part="3"' in xmp or "<pdfaid:part>3</pdfaid:part>" in xmp
    assert "/AF" in catalog
    for words in ("Dossier de preuve", "Parties", "Dupont Matériaux SARL", "Cabinet Martin", INVOICE, "Chronologie",
                  "Mise en demeure envoyée", "LRAR", "distribuée", "Paiement reçu", "Montant réclamé", "Pièces",
                  "Déclaration d'intégrité", "Requête en injonction de payer"):  # fmt: skip
        assert words in text, words
    for amount in ("1200,00€", "1000,00€", "40,00€", "200,00€"):
        assert amount in flat.replace("\u202f", ""), amount
    for digest in setup.recorded.documents:
        assert digest in flat, "every exhibit's sha256 is listed"
    assert sha(files["journal.jsonl"]) in flat


def test_the_dossier_numbers_each_exhibit_and_cites_it_in_the_chronology(
    exported: tuple[Setup, Bundle, dict[str, bytes]],
) -> None:
    _, _, files = exported
    pages = PdfReader(io.BytesIO(files["dossier.pdf"])).pages
    text = " ".join(" ".join(page.extract_text() for page in pages).split())

    for number in range(1, 5):
        assert f"pièce {number}" in text


# ----------------------------------------------------------- on both stores


def test_export_and_verify_from_the_command_line(setup: Setup, tmp_path: Path) -> None:
    bundle = tmp_path / "f.zip"

    exported = relance(setup.env(), "export", INVOICE, "-o", str(bundle))
    verified = relance(setup.env(), "verify", str(bundle), "--public-key", str(tmp_path / "public.pem"))

    assert exported.exit_code == 0, exported.output
    assert f"wrote {bundle}" in exported.stdout
    assert verified.exit_code == 2  # no such key file yet
    (tmp_path / "public.pem").write_text(public_pem(setup.key))
    verified = relance(setup.env(), "verify", str(bundle), "--public-key", str(tmp_path / "public.pem"))
    assert verified.exit_code == 0, verified.output
    assert [line.split(".")[0] for line in verified.stdout.splitlines()[:5]] == [f"ok     {n}" for n in range(1, 6)]
    assert "the bundle verifies" in verified.stdout


def test_a_debtor_bundle_holds_the_debtors_journal_and_all_its_receivables(setup: Setup, tmp_path: Path) -> None:
    bundle = tmp_path / "d.zip"

    result = relance(setup.env(), "export", "--debtor", str(setup.recorded.debtor), "-o", str(bundle))

    assert result.exit_code == 0, result.output
    files = unzip(bundle.read_bytes())
    manifest = json.loads(files["manifest.json"])
    assert [(a["aggregate_type"], a["aggregate_id"]) for a in manifest["aggregates"]] == [
        ("Debtor", str(setup.recorded.debtor)),
        ("Receivable", str(setup.recorded.receivable)),
        ("Receivable", str(setup.recorded.other_receivable)),
    ]
    records = [json.loads(line) for line in files["journal.jsonl"].splitlines()]
    assert [r["aggregate_id"] for r in records] == [str(setup.recorded.debtor)] + [
        str(setup.recorded.receivable)] * 8 + [str(setup.recorded.other_receivable)]  # fmt: skip
    assert len(manifest["inclusion_proofs"]) == 3
    claims = json.loads(files["calculation.json"])["receivables"]
    assert [c["invoice_number"] for c in claims] == [INVOICE, OTHER_INVOICE]
    assert relance(setup.env(), "verify", str(bundle)).exit_code == 0


def test_export_refuses_when_a_named_document_is_not_stored_and_names_it(setup: Setup, tmp_path: Path) -> None:
    missing = next(iter(setup.recorded.documents))
    setup.database.execute("DELETE FROM documents WHERE sha256 = %s", (missing,))

    with pytest.raises(RuleViolation, match=f"document {missing} .* is not stored") as refused:
        setup.exporter.receivable_bundle(setup.recorded.receivable, actor=ACTOR, bundle_id=BUNDLE_ID)
    result = relance(setup.env(), "export", INVOICE, "-o", str(tmp_path / "x.zip"))

    assert refused.value.rule == "document_stored"
    assert result.exit_code == 1
    assert missing in result.stderr
    assert not (tmp_path / "x.zip").exists()


def test_export_refuses_when_the_ledger_does_not_verify(setup: Setup, store: Store, tmp_path: Path) -> None:
    store.execute(
        "DELETE FROM {table} WHERE originator_id = ? AND originator_version = 3",
        (store.key(setup.recorded.receivable),),
    )

    result = relance(setup.env(), "export", INVOICE, "-o", str(tmp_path / "x.zip"))

    assert result.exit_code == 1
    assert "the ledger does not verify, so no digest is published" in result.stderr
    assert not (tmp_path / "x.zip").exists()


def test_an_unknown_receivable_is_not_found(setup: Setup, tmp_path: Path) -> None:
    result = relance(setup.env(), "export", "F-1999-404", "-o", str(tmp_path / "x.zip"))

    assert result.exit_code == 3


def test_export_needs_a_receivable_or_a_debtor_but_not_both(setup: Setup, tmp_path: Path) -> None:
    assert relance(setup.env(), "export", "-o", str(tmp_path / "x.zip")).exit_code == 2
    both = relance(setup.env(), "export", INVOICE, "--debtor", str(setup.recorded.debtor), "-o", str(tmp_path / "x"))
    assert both.exit_code == 2


def test_only_a_file_escalated_to_a_payment_order_gets_the_injonction_summary(
    exported: tuple[Setup, Bundle, dict[str, bytes]],
) -> None:
    setup, _, files = exported
    quiet = unzip(setup.exporter.receivable_bundle(setup.recorded.other_receivable, actor=ACTOR,
                                                   bundle_id=BUNDLE_ID).content)  # fmt: skip

    def text_of(pdf: bytes) -> str:
        return " ".join(" ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages).split())

    escalated = text_of(files["dossier.pdf"])
    assert "Requête en injonction de payer" not in text_of(quiet["dossier.pdf"])
    summary = escalated[escalated.index("Requête en injonction de payer") :]
    for words in ("Créancier", "Cabinet Martin", "Dupont Matériaux SARL, SIREN 732829320", "Principal", "Intérêts",
                  "Indemnité forfaitaire", "Démarches amiables", "Mise en demeure envoyée", "distribuée"):  # fmt: skip
        assert words in summary, words


def test_an_erased_consumers_bundle_is_exported_from_the_command_line(setup: Setup, tmp_path: Path) -> None:
    ledger = setup.exporter.ledger
    consumer = uuid4()
    address = Address(lines=["4 rue des Tilleuls"], postal_code="69003", city="Lyon", country="FR")
    ledger.execute(RegisterDebtor(consumer, "Denise Durand", DebtorKind.CONSUMER, address), actor="tests")
    ledger.execute(issue_command(consumer, "F-ERASED-1"), actor="tests")
    ledger.execute(EraseDebtor(consumer, reason="RGPD art. 17", force=True), actor="tests")
    bundle = tmp_path / "erased.zip"

    result = relance(setup.env(), "export", "--debtor", str(consumer), "-o", str(bundle))

    assert result.exit_code == 0, result.output
    files = unzip(bundle.read_bytes())
    text = " ".join(" ".join(p.extract_text() for p in PdfReader(io.BytesIO(files["dossier.pdf"])).pages).split())
    assert "(données effacées)" in text and "Denise Durand" not in text and "Tilleuls" not in text
    assert relance(setup.env(), "verify", str(bundle)).exit_code == 0
