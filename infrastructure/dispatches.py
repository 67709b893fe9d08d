"""The dunning run's outbox: what is about to go out, written down before it goes.

A dispatch is one document to one debtor on one run date through one channel. Its key is
derived from those, so a second run for the same date finds it instead of making another.
Status moves ``prepared`` (document stored) → ``sent`` (handed to the SMTP server, or
rendered for print) → ``recorded`` (the events are in the journal). A run killed between
two steps resumes from the row: it never renders a second letter, and the journal gets
each step once. The window it cannot close is an SMTP server that accepted a message
just before the process died: the resend carries the same Message-ID (decision 0065).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from domain.canonical import format_instant
from infrastructure.sql import Database, is_unique_violation

PREPARED = "prepared"
SENT = "sent"
RECORDED = "recorded"


@dataclass(frozen=True)
class Dispatch:
    key: str
    run_date: date
    debtor_id: str
    kind: str  # courtesy, first_reminder, second_reminder, formal_notice
    channel: str
    document_sha256: str
    media_type: str
    recipient: str | None  # the contact id the e-mail went to (never the address itself)
    steps: list[dict[str, Any]]  # what each named receivable records: id, stage, rule, policy, claim...
    status: str


def dispatch_key(run_date: date, debtor_id: str, kind: str, channel: str) -> str:
    return f"{run_date.isoformat()}/{debtor_id}/{kind}/{channel}"


class DispatchStore:
    def __init__(self, database: Database) -> None:
        self._db = database

    def prepare(self, dispatch: Dispatch, *, now: datetime) -> bool:
        """Write the dispatch down; False when it exists already (another run, or an earlier try)."""
        stamp = format_instant(now)
        try:
            self._db.execute(
                "INSERT INTO dunning_dispatches (dispatch_key, run_date, debtor_id, kind, channel, document_sha256,"
                " media_type, recipient, steps, status, created_at, updated_at)"
                " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
                (
                    dispatch.key, dispatch.run_date.isoformat(), dispatch.debtor_id, dispatch.kind, dispatch.channel,
                    dispatch.document_sha256, dispatch.media_type, dispatch.recipient,
                    json.dumps(dispatch.steps, sort_keys=True), PREPARED, stamp, stamp,
                ),
            )  # fmt: skip
        except Exception as error:
            if is_unique_violation(error):
                return False
            raise
        return True

    def mark(self, key: str, status: str, *, now: datetime) -> None:
        self._db.execute(
            "UPDATE dunning_dispatches SET status = %s, updated_at = %s WHERE dispatch_key = %s",
            (status, format_instant(now), key),
        )

    def get(self, key: str) -> Dispatch | None:
        rows = self._db.fetch(_SELECT + " WHERE dispatch_key = %s", (key,))
        return _dispatch(rows[0]) if rows else None

    def unfinished(self) -> list[Dispatch]:
        """Dispatches a run left before recording them: the next run finishes them first."""
        rows = self._db.fetch(_SELECT + " WHERE status <> %s ORDER BY run_date, dispatch_key", (RECORDED,))
        return [_dispatch(row) for row in rows]

    def of_date(self, run_date: date) -> list[Dispatch]:
        rows = self._db.fetch(_SELECT + " WHERE run_date = %s ORDER BY dispatch_key", (run_date.isoformat(),))
        return [_dispatch(row) for row in rows]


_SELECT = (
    "SELECT dispatch_key, run_date, debtor_id, kind, channel, document_sha256, media_type, recipient, steps, status"
    " FROM dunning_dispatches"
)


def _dispatch(row: tuple[Any, ...]) -> Dispatch:
    key, run_date, debtor_id, kind, channel, sha, media_type, recipient, steps, status = row
    return Dispatch(key, date.fromisoformat(run_date), debtor_id, kind, channel, sha, media_type, recipient,
                    json.loads(steps), status)  # fmt: skip
