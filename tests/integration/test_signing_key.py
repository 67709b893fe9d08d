"""The firm's Ed25519 signing key: created on first use in the data directory, or read from
RELANCE_SIGNING_KEY_FILE; every problem with it is a clear configuration error."""

from __future__ import annotations

import stat
import threading
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ec import SECP256R1, generate_private_key
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from pydantic import SecretStr

from infrastructure.settings import Settings
from infrastructure.signing import (
    SigningKeyError,
    fingerprint,
    load_signer,
    same_public_key,
    verify_signature,
)


def settings_for(data_dir: Path, *, key_file: Path | None = None, postgres: bool = False) -> Settings:
    url = SecretStr("postgresql://nobody@127.0.0.1:1/none") if postgres else None
    return Settings(data_dir=data_dir, database_url=url, signing_key_file=key_file)


def write_key(path: Path, key: Ed25519PrivateKey | None = None) -> Ed25519PrivateKey:
    key = key or Ed25519PrivateKey.generate()
    path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return key


def test_the_embedded_default_creates_the_key_on_first_use_readable_by_its_owner_only(tmp_path: Path) -> None:
    signer = load_signer(settings_for(tmp_path / "data"))

    path = tmp_path / "data" / "signing_key.pem"
    assert signer.source == path
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert path.read_bytes().startswith(b"-----BEGIN PRIVATE KEY-----")
    assert isinstance(serialization.load_pem_private_key(path.read_bytes(), None), Ed25519PrivateKey)


def test_the_same_key_is_used_on_every_later_start(tmp_path: Path) -> None:
    first = load_signer(settings_for(tmp_path))
    second = load_signer(settings_for(tmp_path))

    assert first.public_key_pem == second.public_key_pem
    assert second.verify(b"digest", first.sign(b"digest"))


def test_processes_starting_together_end_up_with_one_key(tmp_path: Path) -> None:
    keys: list[str] = []
    threads = [threading.Thread(target=lambda: keys.append(load_signer(settings_for(tmp_path)).public_key_pem))
               for _ in range(8)]  # fmt: skip
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len(set(keys)) == 1
    assert [p.name for p in tmp_path.iterdir()] == ["signing_key.pem"]  # no temporary file left behind


def test_a_configured_key_file_is_used_and_no_key_is_created(tmp_path: Path) -> None:
    key = write_key(tmp_path / "firm.pem")

    signer = load_signer(settings_for(tmp_path / "data", key_file=tmp_path / "firm.pem"))

    expected = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    assert signer.public_key_pem == expected.decode()
    assert not (tmp_path / "data" / "signing_key.pem").exists()


def test_postgresql_uses_the_configured_key_file(tmp_path: Path) -> None:
    write_key(tmp_path / "firm.pem")

    signer = load_signer(settings_for(tmp_path, key_file=tmp_path / "firm.pem", postgres=True))

    assert signer.source == tmp_path / "firm.pem"


def test_postgresql_without_a_key_file_refuses_to_sign_and_says_what_to_set(tmp_path: Path) -> None:
    with pytest.raises(SigningKeyError, match="RELANCE_SIGNING_KEY_FILE is required with PostgreSQL"):
        load_signer(settings_for(tmp_path, postgres=True))
    assert not (tmp_path / "signing_key.pem").exists()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        pytest.param(None, "cannot be read", id="missing"),
        pytest.param(b"not a key\n", "not an unencrypted PEM private key", id="garbage"),
        pytest.param(b"", "not an unencrypted PEM private key", id="empty"),
        pytest.param("ec", "another kind of key, not Ed25519", id="another algorithm"),
        pytest.param("encrypted", "not an unencrypted PEM private key", id="encrypted"),
    ],
)
def test_a_bad_key_file_is_a_clear_error_naming_the_file(tmp_path: Path, content: object, message: str) -> None:
    path = tmp_path / "firm.pem"
    if content == "ec":
        path.write_bytes(
            generate_private_key(SECP256R1()).private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            )
        )
    elif content == "encrypted":
        path.write_bytes(
            Ed25519PrivateKey.generate().private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.BestAvailableEncryption(b"secret"),
            )
        )
    elif isinstance(content, bytes):
        path.write_bytes(content)

    with pytest.raises(SigningKeyError, match=message) as raised:
        load_signer(settings_for(tmp_path, key_file=path))
    assert str(path) in str(raised.value)
    assert "RELANCE_SIGNING_KEY_FILE" in str(raised.value)


def test_a_verifier_does_not_create_a_key_when_asked_not_to(tmp_path: Path) -> None:
    with pytest.raises(SigningKeyError, match="no signing key at"):
        load_signer(settings_for(tmp_path), create=False)
    assert not (tmp_path / "signing_key.pem").exists()


def test_a_signature_is_base64_and_holds_only_for_the_same_bytes_and_key(tmp_path: Path) -> None:
    signer = load_signer(settings_for(tmp_path / "a"))
    other = load_signer(settings_for(tmp_path / "b"))

    signature = signer.sign(b'{"root":"ab"}')

    assert len(signature) == 88 and signature.endswith("==")  # 64 bytes in base64
    assert verify_signature(signer.public_key_pem, b'{"root":"ab"}', signature)
    assert not verify_signature(signer.public_key_pem, b'{"root":"ac"}', signature)
    assert not verify_signature(other.public_key_pem, b'{"root":"ab"}', signature)
    assert not verify_signature(signer.public_key_pem, b'{"root":"ab"}', "not base64!")
    assert not verify_signature("not a key", b'{"root":"ab"}', signature)


def test_the_same_key_is_recognised_whatever_the_pem_line_breaks(tmp_path: Path) -> None:
    pem = load_signer(settings_for(tmp_path)).public_key_pem

    assert same_public_key(pem, pem.replace("\n", "\r\n"))
    assert len(fingerprint(pem)) == 64
