"""The verify page's reading of an upload: what is no bundle, and an archive too large once unpacked."""

from __future__ import annotations

import io
import zipfile

import pytest

from api.console import verify_report
from api.console.verify_report import verify_upload


def zipped(**files: bytes) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in files.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def test_a_file_that_is_no_zip_is_not_readable_and_says_so_in_french() -> None:
    result = verify_upload(b"%PDF-1.7", firm_public_key=None)
    assert not result.readable and not result.ok
    assert result.not_a_bundle == "Ce fichier n'est pas un paquet de preuves : ce n'est pas une archive ZIP lisible."


def test_an_archive_larger_than_the_limit_once_unpacked_is_not_opened(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(verify_report, "MAX_UNPACKED_BYTES", 1000)
    result = verify_upload(zipped(**{"journal.jsonl": b"0" * 1001}), firm_public_key=None)
    assert not result.readable and result.checks == []
    assert result.not_a_bundle is not None and "trop volumineuse une fois décompressée" in result.not_a_bundle


def test_a_zip_without_manifest_fails_the_first_check_and_the_others_are_not_run() -> None:
    result = verify_upload(zipped(**{"photo.txt": b"vacances"}), firm_public_key=None)
    assert result.readable and result.failed is not None and result.failed.number == 1
    assert result.failed.finding == "manifest.json : absent du paquet."
    assert [c.outcome for c in result.checks] == ["failed", "skipped", "skipped", "skipped", "skipped"]
    assert result.key_fingerprint is None and result.firm_key is None
