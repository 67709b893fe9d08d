"""``relance serve`` (two uvicorn workers, projections in process) killed with SIGKILL while a
client streams commands, then started again on the same database: nothing acknowledged is lost,
nothing is recorded twice, the chains verify and the read models equal a fresh rebuild."""

from __future__ import annotations

import itertools
import threading
from collections import Counter
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

import httpx
import pytest

from application.access import Role
from application.ledger import Ledger
from infrastructure.read_store import PostgresReadStore
from infrastructure.stores import build_ledger
from tests.faults.processes import (
    ApiServer,
    assert_read_models_equal_a_rebuild,
    cli_env,
    create_token,
    run_cli,
    settings_for,
    wait_until,
)

RECEIVABLES = 12
CLIENTS = 4  # concurrent clients: up to four commands in flight when the server dies
ACKNOWLEDGED_BEFORE_KILL = 60  # commands answered 2xx before the kill: the stream is well under way
CLIENT_TIMEOUT = 10.0
CATCH_UP_SECONDS = 60


@dataclass
class Sent:
    """One command of the stream: what was sent, and what the client learnt of it."""

    key: str  # Idempotency-Key, also the payment's bank reference or the note's text
    kind: str  # "payment" | "note"
    receivable_id: str
    path: str
    body: dict[str, Any]
    status: int | None = None  # None: the connection died before an answer
    answer: bytes = b""


class Stream:
    """Client threads sending payments and notes round robin over the receivables, each until its
    first connection error: the request the kill cut short is the only one whose outcome is unknown."""

    def __init__(self, base_url: str, token: str, receivable_ids: list[str], today: str) -> None:
        self.base_url, self.token = base_url, token
        self.receivable_ids = receivable_ids
        self.today = today
        self.sent: list[Sent] = []
        self.threads = [threading.Thread(target=self._loop, args=(n,), daemon=True) for n in range(CLIENTS)]

    def start(self) -> None:
        for thread in self.threads:
            thread.start()

    def join(self) -> None:
        for thread in self.threads:
            thread.join(CLIENT_TIMEOUT + 5)
            assert not thread.is_alive()

    def acknowledged(self) -> int:
        return sum(1 for s in list(self.sent) if s.status is not None and 200 <= s.status < 300)

    def _loop(self, client_number: int) -> None:
        headers = {"Authorization": f"Bearer {self.token}"}
        with httpx.Client(base_url=self.base_url, headers=headers, timeout=CLIENT_TIMEOUT) as client:
            for index in itertools.count(client_number, CLIENTS):
                sent = self._command(index)
                self.sent.append(sent)
                try:
                    response = client.post(sent.path, json=sent.body, headers={"Idempotency-Key": sent.key})
                except httpx.TransportError:
                    return  # the server died under this request: its outcome is unknown
                sent.status, sent.answer = response.status_code, response.content

    def _command(self, index: int) -> Sent:
        rid = self.receivable_ids[index % len(self.receivable_ids)]
        if index % 3 != 2:
            key = f"VIR-KILL-{index:05d}"
            body = {"amount": "1.00", "value_date": self.today, "method": "transfer", "bank_reference": key}
            return Sent(key, "payment", rid, f"/v1/receivables/{rid}/payments", body)
        key = f"note-kill-{index:05d}"
        return Sent(key, "note", rid, f"/v1/receivables/{rid}/notes", {"text": key})


def occurrences(ledger: Ledger, receivable_ids: list[str]) -> Counter[str]:
    """How many times each payment's bank reference or each note's text is in the journals (opened: a note
    may name a person, it is sealed in the record)."""
    found: Counter[str] = Counter()
    for rid in receivable_ids:
        for entry in ledger.journal(UUID(rid), opened=True):
            data = entry.record["data"]
            if entry.record["type"] == "PaymentReceived":
                found[data["bank_reference"]] += 1
            elif entry.record["type"] == "NoteAdded":
                found[data["text"]] += 1
    return found


@pytest.mark.postgres
def test_a_server_killed_mid_stream_loses_nothing_acknowledged_and_records_nothing_twice(
    fresh_postgres_database: str, tmp_path: Path
) -> None:
    url = fresh_postgres_database
    settings = settings_for(url, tmp_path)
    token = create_token(settings, Role.ADMIN, "fault-stream")
    env = cli_env(url, tmp_path, RELANCE_PROJECTIONS_IN_PROCESS="true")
    server = ApiServer(env, tmp_path / "serve.log", workers=2)
    ledger = build_ledger(settings)
    try:
        server.start()
        today = ledger.now().today
        with httpx.Client(base_url=server.base_url, headers={"Authorization": f"Bearer {token}"}) as admin:
            debtor = admin.post("/v1/debtors", json={
                "legal_name": "Menuiserie Martin SARL", "kind": "professional", "siren": "732829320",
                "address": {"lines": ["12 rue des Lilas"], "postal_code": "69003", "city": "Lyon"},
            })  # fmt: skip
            assert debtor.status_code == 201, debtor.text
            receivable_ids = []
            for n in range(RECEIVABLES):
                invoice = admin.post("/v1/receivables", json={
                    "invoice_number": f"FA-KILL-{n:03d}", "debtor_id": debtor.json()["state"]["id"],
                    "issue_date": (today - timedelta(days=60)).isoformat(),
                    "due_date": (today - timedelta(days=30)).isoformat(),
                    "amount_excl_vat": "100000.00", "vat": "20000.00", "amount_incl_vat": "120000.00",
                    "label": "Chantier",
                })  # fmt: skip
                assert invoice.status_code == 201, invoice.text
                receivable_ids.append(invoice.json()["state"]["id"])

        # Given a client streaming payments and notes, each with its Idempotency-Key
        stream = Stream(server.base_url, token, receivable_ids, today.isoformat())
        stream.start()
        wait_until(lambda: stream.acknowledged() >= ACKNOWLEDGED_BEFORE_KILL, "the stream is under way", 60)

        # When the server and its workers are killed outright, and started again on the same database
        server.kill()
        stream.join()
        restart_seconds = server.start()

        # Then before the kill every answer was a 2xx (the stream itself was sound)
        acknowledged = [s for s in stream.sent if s.status is not None]
        unknown = [s for s in stream.sent if s.status is None]
        assert len(unknown) <= CLIENTS
        assert all(200 <= s.status < 300 for s in acknowledged if s.status is not None), [
            (s.key, s.status, s.answer) for s in acknowledged if s.status is not None and s.status >= 300
        ]
        assert len(acknowledged) >= ACKNOWLEDGED_BEFORE_KILL

        # ...every acknowledged command is in its journal exactly once, the others at most once
        found = occurrences(ledger, receivable_ids)
        assert {s.key: found[s.key] for s in acknowledged} == {s.key: 1 for s in acknowledged}
        assert all(found[s.key] <= 1 for s in unknown), {s.key: found[s.key] for s in unknown}
        assert set(found) <= {s.key for s in stream.sent}, "an event nobody sent"

        # ...a retry with the same key replays the original answer and records nothing new
        with httpx.Client(
            base_url=server.base_url, headers={"Authorization": f"Bearer {token}"}, timeout=CLIENT_TIMEOUT
        ) as client:
            for sent in acknowledged[-5:]:
                again = client.post(sent.path, json=sent.body, headers={"Idempotency-Key": sent.key})
                assert (again.status_code, again.content) == (sent.status, sent.answer)
                assert again.headers.get("idempotent-replayed") == "true"
            # ...and a command whose answer was lost is, once retried, recorded exactly once: the retry is
            # answered with what the killed request recorded, or runs the command it never recorded
            retried = {}
            for sent in unknown:
                again = client.post(sent.path, json=sent.body, headers={"Idempotency-Key": sent.key})
                retried[sent.key] = again.status_code
                assert again.status_code in (200, 201), (sent.key, again.status_code, again.text)
        found_after = occurrences(ledger, receivable_ids)
        for sent in unknown:
            assert found_after[sent.key] == 1, (sent.key, retried[sent.key], found[sent.key])
        assert found_after - found == Counter({k: 1 for k in retried if not found[k]})

        # ...every hash chain verifies
        verified = run_cli(env, "ledger", "verify")
        assert verified.returncode == 0, verified.stdout + verified.stderr

        # ...and the read models the killed and the new workers wrote equal a rebuild that never crashed
        last = int(ledger.recorder.max_notification_id() or 0)
        store = PostgresReadStore(url)
        try:
            wait_until(
                lambda: {int(p) for (p,) in store.fetch("SELECT position FROM projection_positions")} == {last},
                "the restarted server's projections catch up",
                CATCH_UP_SECONDS,
            )
            server.stop()
            assert_read_models_equal_a_rebuild(store, env)
        finally:
            store.close()
        print(f"\nacknowledged {len(acknowledged)}, unknown {len(unknown)} {retried}, restart {restart_seconds:.2f} s")
    finally:
        server.stop()
        ledger.close()
