"""RFC 3161 timestamps of digests (RELANCE_TSA_URL), against a local test authority: certomancer's
TimeStamper behind an HTTP server on 127.0.0.1, with a throwaway CA. Never a remote authority."""

from __future__ import annotations

import hashlib
import http.server
import json
import shutil
import subprocess
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from uuid import uuid4

import pytest
from asn1crypto import keys as asn1_keys  # type: ignore[import-untyped]
from asn1crypto import tsp
from asn1crypto import x509 as asn1_x509
from certomancer.services import TimeStamper
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from typer.testing import CliRunner

from api.cli import app
from application.digests import publish_digest
from infrastructure.digests import DigestStore
from infrastructure.documents import DocumentStore
from infrastructure.evidence import build_exporter, build_timestamper
from infrastructure.settings import Settings
from infrastructure.signing import load_signer
from infrastructure.sql import open_database
from infrastructure.stores import build_ledger
from infrastructure.timestamping import TimestampAuthority, TimestampError, check_token, timestamped_at
from tests.evidence.bundles import ACTOR, clock_at, record_escalated_file, resign, rezip, unzip, write_key


@dataclass
class Authority:
    url: str
    root_pem: Path
    requests: list[bytes]
    answer: str = "granted"  # or "rejection", "other imprint", "garbage"


def certificate(subject: str, key: rsa.RSAPrivateKey, issuer: tuple[str, rsa.RSAPrivateKey] | None,
                *, ca: bool) -> x509.Certificate:  # fmt: skip
    now = datetime.now(tz=UTC)
    issuer_name, issuer_key = issuer or (subject, key)
    builder = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)]))
        .issuer_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, issuer_name)]))
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
    )
    if not ca:
        builder = builder.add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), critical=True)
    return builder.sign(issuer_key, hashes.SHA256())


@pytest.fixture(scope="module")
def authority(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Authority]:
    root_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    tsa_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    root = certificate("Test Root CA", root_key, None, ca=True)
    tsa = certificate("Test TSA", tsa_key, ("Test Root CA", root_key), ca=False)
    stamper = TimeStamper(
        tsa_cert=asn1_x509.Certificate.load(tsa.public_bytes(serialization.Encoding.DER)),
        tsa_key=asn1_keys.PrivateKeyInfo.load(
            tsa_key.private_bytes(
                serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            )
        ),
    )
    root_pem = tmp_path_factory.mktemp("tsa") / "root.pem"
    root_pem.write_bytes(root.public_bytes(serialization.Encoding.PEM))
    state = Authority("", root_pem, [])

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            state.requests.append(body)
            request = tsp.TimeStampReq.load(body)
            if state.answer == "other imprint":
                request["message_imprint"]["hashed_message"] = hashlib.sha256(b"something else").digest()
            reply = stamper.request_tsa_response(request).dump()
            if state.answer == "rejection":
                reply = bytes.fromhex("3005300302010" + "2")  # TimeStampResp {status: rejection}, no token
            elif state.answer == "garbage":
                reply = b"not DER"
            self.send_response(200)
            self.send_header("Content-Type", "application/timestamp-reply")
            self.send_header("Content-Length", str(len(reply)))
            self.end_headers()
            self.wfile.write(reply)

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}/tsa"
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(autouse=True)
def granting(authority: Authority) -> None:
    authority.answer = "granted"


def settings_for(tmp_path: Path, url: str) -> Settings:
    write_key(tmp_path / "firm.pem")
    return Settings(data_dir=tmp_path / "data", database_url=None, timezone="Europe/Paris",
                    signing_key_file=tmp_path / "firm.pem", tsa_url=url)  # fmt: skip


# --------------------------------------------------------------- the client


def test_a_granted_token_timestamps_exactly_the_bytes_sent(authority: Authority) -> None:
    reply = TimestampAuthority(authority.url)(b'{"root":"ab"}')

    assert check_token(reply, b'{"root":"ab"}') is None
    assert check_token(reply, b'{"root":"ac"}') == "timestamps other bytes than the digest"
    assert abs(timestamped_at(reply) - datetime.now(tz=UTC)) < timedelta(minutes=1)
    request = tsp.TimeStampReq.load(authority.requests[-1])
    assert request["message_imprint"]["hashed_message"].native == hashlib.sha256(b'{"root":"ab"}').digest()
    assert request["cert_req"].native is True


@pytest.mark.parametrize(
    ("answer", "problem"),
    [
        ("rejection", "is not a granted RFC 3161 timestamp (status rejection)"),
        ("other imprint", "timestamps other bytes than the digest"),
        ("garbage", "is not a granted RFC 3161 timestamp"),
    ],
)
def test_an_authority_answering_anything_else_is_an_error(authority: Authority, answer: str, problem: str) -> None:
    authority.answer = answer

    with pytest.raises(TimestampError, match=problem.replace("(", r"\(").replace(")", r"\)")):
        TimestampAuthority(authority.url)(b"digest")


def test_an_unreachable_authority_is_an_error(authority: Authority) -> None:
    with pytest.raises(TimestampError, match="cannot be reached"):
        TimestampAuthority("http://127.0.0.1:9/tsa", timeout_seconds=2)(b"digest")


# ------------------------------------------------------ digests and bundles


def test_each_digest_is_timestamped_and_the_token_kept_with_it(authority: Authority, tmp_path: Path) -> None:
    settings = settings_for(tmp_path, authority.url)
    ledger = build_ledger(settings, clock=clock_at())
    database = open_database(settings)
    try:
        digests = DigestStore(database)
        timestamper = build_timestamper(settings)
        assert timestamper is not None
        signed = publish_digest(ledger, digests, load_signer(settings), actor=ACTOR, timestamper=timestamper).signed
        stored = digests.latest()
    finally:
        database.close()
        ledger.close()

    assert stored is not None and stored.timestamp_token == signed.timestamp_token
    assert signed.timestamp_token is not None
    assert check_token(signed.timestamp_token, signed.canonical) is None


def test_without_a_tsa_url_digests_are_signed_but_not_timestamped(tmp_path: Path) -> None:
    assert build_timestamper(settings_for(tmp_path, "")) is None


def test_an_authority_down_refuses_the_digest_with_exit_code_4(tmp_path: Path) -> None:
    settings = settings_for(tmp_path, "http://127.0.0.1:9/tsa")
    env = {
        "RELANCE_DATA_DIR": str(settings.data_dir),
        "RELANCE_DATABASE_URL": "",
        "RELANCE_SIGNING_KEY_FILE": str(settings.signing_key_file),
        "RELANCE_TSA_URL": "http://127.0.0.1:9/tsa",
    }

    result = CliRunner().invoke(app, ["ledger", "digest"], env=env)

    assert result.exit_code == 4
    assert "cannot be reached" in result.stderr and "no digest published" in result.stderr


@pytest.fixture
def timestamped_bundle(authority: Authority, tmp_path: Path) -> Path:
    """A bundle exported with RELANCE_TSA_URL set; the firm's key is tmp_path/firm.pem."""
    settings = settings_for(tmp_path, authority.url)
    clock = clock_at()
    ledger = build_ledger(settings, clock=clock)
    database = open_database(settings)
    try:
        recorded = record_escalated_file(ledger, clock, DocumentStore(database))
        bundle = build_exporter(settings, ledger, database).receivable_bundle(
            recorded.receivable, actor=ACTOR, bundle_id=uuid4()
        )
    finally:
        database.close()
        ledger.close()
    path = tmp_path / "bundle.zip"
    path.write_bytes(bundle.content)
    return path


def test_the_bundle_ships_the_token_and_relance_verify_checks_it(timestamped_bundle: Path) -> None:
    files = unzip(timestamped_bundle.read_bytes())

    result = CliRunner().invoke(app, ["verify", str(timestamped_bundle)])

    assert "digest.tsr" in files
    assert result.exit_code == 0, result.output
    assert "is signed and timestamped (digest.tsr)" in result.stdout


def test_a_token_for_other_bytes_is_reported_by_relance_verify(
    authority: Authority, timestamped_bundle: Path, tmp_path: Path
) -> None:
    # Given the token swapped for one of other bytes, and the manifest signed again by an insider
    key = serialization.load_pem_private_key((tmp_path / "firm.pem").read_bytes(), None)
    assert isinstance(key, Ed25519PrivateKey)
    files = unzip(timestamped_bundle.read_bytes())
    files["digest.tsr"] = TimestampAuthority(authority.url)(b"another digest")
    timestamped_bundle.write_bytes(rezip(resign(files, key)))

    result = CliRunner().invoke(app, ["verify", str(timestamped_bundle)])

    assert result.exit_code == 1
    assert (
        "BROKEN 5. digest and inclusion proofs: digest.tsr: the RFC 3161 token timestamps other bytes" in result.stdout
    )


@pytest.mark.skipif(shutil.which("openssl") is None, reason="openssl is not installed")
def test_the_openssl_ts_command_of_verify_txt_checks_the_token_with_the_authoritys_root(
    authority: Authority, timestamped_bundle: Path, tmp_path: Path
) -> None:
    files = unzip(timestamped_bundle.read_bytes())
    (tmp_path / "digest.tsr").write_bytes(files["digest.tsr"])
    manifest = json.loads(files["manifest.json"])
    digest = {k: v for k, v in manifest["digest"].items() if k != "signature"}
    (tmp_path / "digest.json").write_bytes(json.dumps(digest, sort_keys=True, separators=(",", ":")).encode())
    assert "openssl ts -verify -in dossier/digest.tsr -data dossier-check/digest.json" in files["VERIFY.txt"].decode()

    command = ["openssl", "ts", "-verify", "-in", "digest.tsr", "-data", "digest.json", "-CAfile",
               str(authority.root_pem)]  # fmt: skip
    result = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, timeout=30, check=False)

    assert result.returncode == 0, result.stdout + result.stderr
    assert "Verification: OK" in result.stdout
    (tmp_path / "digest.json").write_bytes(b"{}")
    refused = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, timeout=30, check=False)
    assert refused.returncode != 0
