"""The demo stores every document its events name, so nothing in its journals dangles."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from typer.testing import CliRunner

from api.cli import app
from infrastructure.documents import DocumentStore
from infrastructure.settings import Settings
from infrastructure.sql import open_database


def test_every_document_named_by_a_demo_event_is_stored_with_its_exact_bytes(tmp_path: Path) -> None:
    env = {"RELANCE_DATA_DIR": str(tmp_path), "RELANCE_DATABASE_URL": ""}
    runner = CliRunner()
    assert runner.invoke(app, ["demo"], env=env).exit_code == 0
    rows = json.loads(runner.invoke(app, ["receivable", "list", "--json"], env=env).stdout)

    named: set[str] = set()
    for row in rows:
        journal = json.loads(runner.invoke(app, ["receivable", "journal", row["id"], "--json"], env=env).stdout)
        for record in journal:
            named.update(v for k, v in record["data"].items() if k.endswith("sha256") and v)

    database = open_database(Settings(data_dir=tmp_path))
    try:
        documents = DocumentStore(database)
        assert len(named) > 20
        for digest in named:
            content = documents.content(digest)
            assert content is not None, f"document {digest} is named but not stored"
            assert hashlib.sha256(content).hexdigest() == digest
    finally:
        database.close()
