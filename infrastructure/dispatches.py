"""The dunning run's outbox: what is about to go out, written down before it goes.

A dispatch is one document to one debtor on one run date through one channel. Its key is
derived from those, so a second run for the same date finds it instead of making another.
Status moves ``prepared`` (document stored) → ``sent`` (handed to the SMTP server) →
``recorded`` (the events are in the journal). A letter moves ``prepared`` → ``to_post`` (on
the list of letters to print and post) → ``recorded`` when a person confirms the posting
(application/letters.py), or ``cancelled`` if withdrawn before. A run killed between
two steps resumes from the row: it never renders a second letter, and the journal gets
each step once. The window it cannot close is an SMTP server that accepted a message
just before the process died: the resend carries the same Message-ID (decision 0065).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from domain.canonical import format_instant
from infrastructure.sql import Database

PREPARED = "prepared"
SENT = "sent"
RECORDED = "recorded"
TO_POST = "to_post"
CANCELLED = "cancelled"
SETTLED = (RECORDED, TO_POST, CANCELLED)  # nothing left for a run to finish


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

    def prepare(self, dispatch: Dispatch, *, now: datetime, run_id: str = "") -> bool:
        """Write the dispatch down; False when it exists already (another run, or an earlier try)."""
        return dispatch.key in self.prepare_many([dispatch], now=now, run_id=run_id or dispatch.key)

    def prepare_many(self, dispatches: Sequence[Dispatch], *, now: datetime, run_id: str) -> set[str]:
        """Write the dispatches down in one transaction; returns the keys this run took (the others
        were there already, written by another run or an earlier try)."""
        if not dispatches:
            return set()
        stamp = format_instant(now)
        rows = [
            (
                d.key, run_id, d.run_date.isoformat(), d.debtor_id, d.kind, d.channel, d.document_sha256,
                d.media_type, d.recipient, json.dumps(d.steps, sort_keys=True), PREPARED, stamp, stamp,
            )
            for d in dispatches
        ]  # fmt: skip
        self._db.execute_many(
            "INSERT INTO dunning_dispatches (dispatch_key, run_id, run_date, debtor_id, kind, channel,"
            " document_sha256, media_type, recipient, steps, status, created_at, updated_at)"
            " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s) ON CONFLICT (dispatch_key) DO NOTHING",
            rows,
        )
        taken: set[str] = set()
        keys = [d.key for d in dispatches]
        for start in range(0, len(keys), 500):
            chunk = keys[start : start + 500]
            marks = ", ".join(["%s"] * len(chunk))
            found = self._db.fetch(
                f"SELECT dispatch_key FROM dunning_dispatches WHERE run_id = %s AND dispatch_key IN ({marks})",
                (run_id, *chunk),
            )
            taken |= {row[0] for row in found}
        return taken

    def mark(self, key: str, status: str, *, now: datetime) -> None:
        self.mark_many([key], status, now=now)

    def mark_sent(self, key: str, *, now: datetime) -> None:
        """After each e-mail: survives the process dying at once (the window of decision 0065 stays one
        message), without waiting for the disk on every message; a server crash may lose the last few
        marks, and those messages go again with the same Message-ID."""
        self._db.execute_unflushed(
            "UPDATE dunning_dispatches SET status = %s, updated_at = %s WHERE dispatch_key = %s",
            (SENT, format_instant(now), key),
        )

    def mark_many(self, keys: Sequence[str], status: str, *, now: datetime) -> None:
        if keys:
            stamp = format_instant(now)
            self._db.execute_many(
                "UPDATE dunning_dispatches SET status = %s, updated_at = %s WHERE dispatch_key = %s",
                [(status, stamp, key) for key in keys],
            )

    def get(self, key: str) -> Dispatch | None:
        rows = self._db.fetch(_SELECT + " WHERE dispatch_key = %s", (key,))
        return _dispatch(rows[0]) if rows else None

    def existing(self, keys: Sequence[str]) -> list[Dispatch]:
        found: list[Dispatch] = []
        for start in range(0, len(keys), 500):
            chunk = keys[start : start + 500]
            marks = ", ".join(["%s"] * len(chunk))
            found += [_dispatch(row) for row in self._db.fetch(_SELECT + f" WHERE dispatch_key IN ({marks})", chunk)]
        return found

    def unfinished(self) -> list[Dispatch]:
        """Dispatches a run left before recording them: the next run finishes them first."""
        rows = self._db.fetch(_SELECT + " WHERE status NOT IN (%s, %s, %s) ORDER BY run_date, dispatch_key", SETTLED)
        return [_dispatch(row) for row in rows]

    def to_post(self) -> list[Dispatch]:
        """Letters prepared by a run and not yet posted, oldest first."""
        rows = self._db.fetch(_SELECT + " WHERE status = %s ORDER BY run_date, dispatch_key", (TO_POST,))
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
