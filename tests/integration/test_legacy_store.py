"""A store written by the version before the command pipeline (commit 6d757be) still verifies, replays to
the same states and answers the same claims: stored events never change by one byte (tests/data/legacy_store)."""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from api.cli import app
from infrastructure.settings import Settings
from infrastructure.stores import build_claims, build_ledger
from tests.data.legacy_store.make_expected import snapshot
from tests.support.throwaway_postgres import postgres_bin_dir

LEGACY = Path(__file__).parents[1] / "data" / "legacy_store"
EXPECTED: dict[str, Any] = json.loads((LEGACY / "expected.json").read_text())


@pytest.fixture(params=["sqlite", "postgres"])
def legacy_environment(
    request: pytest.FixtureRequest, tmp_path: Path, postgres_database_factory: Callable[[], str]
) -> Iterator[dict[str, str]]:
    """A copy of the legacy store on each backend, as the environment that opens it."""
    data_dir = tmp_path / "data"
    if request.param == "sqlite":
        shutil.copytree(LEGACY / "sqlite", data_dir)
        yield {"RELANCE_DATA_DIR": str(data_dir), "RELANCE_DATABASE_URL": ""}
        return
    url = postgres_database_factory()
    psql = shutil.which("psql") or postgres_bin_dir() / "psql"
    subprocess.run(
        [str(psql), "-q", "-v", "ON_ERROR_STOP=1", "-f", str(LEGACY / "postgres" / "dump.sql"), url],
        check=True,
        capture_output=True,
    )
    data_dir.mkdir()
    yield {
        "RELANCE_DATA_DIR": str(data_dir),
        "RELANCE_DATABASE_URL": url,
        "RELANCE_SIGNING_KEY_FILE": str(LEGACY / "postgres" / "signing_key.pem"),
    }


def test_the_legacy_store_verifies_every_chain_and_its_digest(legacy_environment: dict[str, str]) -> None:
    result = CliRunner().invoke(app, ["ledger", "verify", "--json"], env=legacy_environment)
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["ok"] is True
    assert report["aggregates"] == 43
    assert report["events"] == 224
    assert report["digests"]["anchored"] == 43
    assert report["digests"]["problems"] == []


def test_the_legacy_store_replays_to_the_same_states_and_claims(
    legacy_environment: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in legacy_environment.items():
        monkeypatch.setenv(name, value)
    settings = Settings()
    ledger = build_ledger(settings)
    try:
        seen = snapshot(ledger, build_claims(settings, ledger), date.fromisoformat(EXPECTED["as_of"]))
    finally:
        ledger.close()
    assert seen["receivables"] == EXPECTED["receivables"]
    assert seen["debtors"] == EXPECTED["debtors"]
