"""`relance privacy reseal` (decision 0107) on the embedded store: its exit codes and what it leaves behind."""

from __future__ import annotations

import hashlib
import json
import shutil
import sqlite3
from pathlib import Path

import pytest

from infrastructure.resealing import KeyAdoption
from tests.e2e.test_cli import relance

LEGACY = Path(__file__).parents[1] / "data" / "legacy_store" / "sqlite"


@pytest.fixture
def old(tmp_path: Path) -> Path:
    """A copy of the store written before sealing (names and addresses in plain text)."""
    shutil.copytree(LEGACY, tmp_path / "old")
    return tmp_path / "old"


def test_a_verified_copy_exits_0_and_prints_the_map_s_digest(old: Path, tmp_path: Path) -> None:
    result = relance(old, "privacy", "reseal", "--to-data-dir", str(tmp_path / "new"), "--json")

    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    mapped = (tmp_path / "new" / "reseal-map.csv").read_bytes()
    assert (report["verified"], report["events"], report["map"]["rows"]) == (True, 224, 224)
    assert report["map"]["sha256"] == hashlib.sha256(mapped).hexdigest()
    assert relance(tmp_path / "new", "ledger", "verify").exit_code == 0
    assert not (tmp_path / "new" / "RESEAL-UNVERIFIED.txt").exists()


def test_a_target_that_holds_a_store_exits_1_and_is_left_as_it_was(old: Path, tmp_path: Path) -> None:
    assert relance(old, "privacy", "reseal", "--to-data-dir", str(tmp_path / "new")).exit_code == 0
    before = (tmp_path / "new" / "ledger.sqlite").read_bytes()

    result = relance(old, "privacy", "reseal", "--to-data-dir", str(tmp_path / "new"))

    assert result.exit_code == 1 and "already holds a store" in result.output
    assert (tmp_path / "new" / "ledger.sqlite").read_bytes() == before


def test_a_copy_to_another_kind_of_store_is_bad_usage(old: Path, tmp_path: Path) -> None:
    url = "postgresql://relance@127.0.0.1:1/relance"
    result = relance(old, "privacy", "reseal", "--to-data-dir", str(tmp_path / "new"), "--to-database-url", url)

    assert result.exit_code == 2 and "same kind of store" in result.output


def test_a_store_that_does_not_verify_is_not_copied(old: Path, tmp_path: Path) -> None:
    connection = sqlite3.connect(old / "ledger.sqlite")
    with connection:
        connection.execute(  # an actor rewritten in the first event
            "UPDATE stored_events SET state = CAST(replace(CAST(state AS TEXT), 'erp-sync', 'erp-sunc') AS BLOB) "
            "WHERE rowid = 1"
        )
    connection.close()

    result = relance(old, "privacy", "reseal", "--to-data-dir", str(tmp_path / "new"))

    assert result.exit_code == 1 and "does not verify" in result.output
    assert not (tmp_path / "new" / "reseal-map.csv").exists()


def test_a_copy_whose_values_do_not_open_as_they_did_exits_1_and_is_named_unverified(
    old: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert relance(old, "privacy", "reseal", "--to-data-dir", str(tmp_path / "sealed")).exit_code == 0
    monkeypatch.setattr(KeyAdoption, "__call__", lambda self, subject: None)  # a copy that forgets the old keys

    result = relance(tmp_path / "sealed", "privacy", "reseal", "--to-data-dir", str(tmp_path / "new"))

    assert result.exit_code == 1, result.output
    assert "NOT VERIFIED" in result.output and "differs once opened" in result.output
    assert "NOT verified" in (tmp_path / "new" / "RESEAL-UNVERIFIED.txt").read_text(encoding="utf-8")
