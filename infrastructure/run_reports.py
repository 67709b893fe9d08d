"""What each dunning run did, kept as its report (``GET /v1/dunning-runs/{id}``)."""

from __future__ import annotations

import json
import re
from datetime import date, datetime
from typing import Any

from domain.canonical import format_instant
from domain.errors import NotFound
from infrastructure.sql import Database


class RunReportStore:
    def __init__(self, database: Database) -> None:
        self._db = database

    def save(self, run_id: str, run_date: date, started_at: datetime, actor: str, dry_run: bool, view: Any) -> None:
        self._db.execute(
            "INSERT INTO dunning_runs (run_id, run_date, started_at, actor, dry_run, report)"
            " VALUES (%s, %s, %s, %s, %s, %s)",
            (run_id, run_date.isoformat(), format_instant(started_at), actor, int(dry_run), json.dumps(view)),
        )

    def get(self, run_id: str) -> dict[str, Any]:
        rows = self._db.fetch("SELECT report FROM dunning_runs WHERE run_id = %s", (run_id,))
        if not rows:
            raise NotFound(f"no dunning run {run_id}", rule="run_exists")
        report: dict[str, Any] = json.loads(rows[0][0])
        return report

    def names_document(self, sha256: str) -> bool:
        """Whether a saved report names this document (the console serves only those to people)."""
        if not re.fullmatch(r"[0-9a-f]{64}", sha256):
            return False
        pattern = f'%"document_sha256": "{sha256}"%'  # json.dumps' own spacing, as save() writes it
        return bool(self._db.fetch("SELECT 1 FROM dunning_runs WHERE report LIKE %s LIMIT 1", (pattern,)))

    def recent(self, limit: int = 50) -> list[dict[str, Any]]:
        rows = self._db.fetch(
            "SELECT run_id, run_date, started_at, actor, dry_run FROM dunning_runs ORDER BY started_at DESC LIMIT %s",
            (limit,),
        )
        return [
            {"run_id": r[0], "run_date": r[1], "started_at": r[2], "actor": r[3], "dry_run": bool(r[4])} for r in rows
        ]
