"""PostgreSQL stopped outright (``pg_ctl stop -m immediate``) under a stream of commands and
reads: every answer is a 2xx or a 503 with Retry-After, never a 500 or a hang; once the server
is back the same ``relance serve`` answers 2xx within seconds, and nothing acknowledged is lost."""

from __future__ import annotations

import itertools
import threading
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

import httpx
import pytest

from application.access import Role
from infrastructure.stores import build_ledger
from tests.faults.processes import (
    ApiServer,
    cli_env,
    create_token,
    firm_today,
    run_cli,
    settings_for,
    wait_until,
)
from tests.support.throwaway_postgres import ThrowawayPostgres, _stop_cluster, create_database

CLIENTS = 4
RECEIVABLES = 8
# A request arriving during the outage waits 5 s for a connection, then gets its 503. One caught
# mid-flight by the stop is retried by eventsourcing's recorder (10 attempts), each attempt waiting
# for a connection: 15 s observed. Above that, a client would see a hang.
CLIENT_TIMEOUT = 30.0
OUTAGE_SECONDS = 7.0  # longer than the pool waits for a connection (5 s): requests must see it
RECOVERY_SECONDS = 10.0  # from the server's restart to the first 2xx
ACKNOWLEDGED_AFTER_RECOVERY = 20


@dataclass
class Answer:
    key: str  # the payment's bank reference (and Idempotency-Key), or "" for a read
    path: str
    body: dict[str, Any] | None
    sent_at: float
    seconds: float = 0.0
    status: int | None = None  # None: no answer (connection error or client timeout)
    retry_after: str | None = None
    problem_type: str | None = None
    error: str = ""


class Stream:
    """Client threads alternating a payment (its own bank reference and key) and a read."""

    def __init__(self, base_url: str, token: str, receivable_ids: list[str], today: str) -> None:
        self.base_url, self.token, self.today = base_url, token, today
        self.receivable_ids = receivable_ids
        self.answers: list[Answer] = []
        self.stop = threading.Event()
        self.threads = [threading.Thread(target=self._loop, args=(n,), daemon=True) for n in range(CLIENTS)]

    def _loop(self, number: int) -> None:
        headers = {"Authorization": f"Bearer {self.token}"}
        with httpx.Client(base_url=self.base_url, headers=headers, timeout=CLIENT_TIMEOUT) as client:
            for index in itertools.count(number, CLIENTS):
                if self.stop.is_set():
                    return
                rid = self.receivable_ids[index % len(self.receivable_ids)]
                if index % 4 == 3:
                    answer = Answer("", f"/v1/receivables/{rid}", None, time.monotonic())
                else:
                    key = f"VIR-OUT-{index:05d}"
                    body = {"amount": "1.00", "value_date": self.today, "method": "transfer", "bank_reference": key}
                    answer = Answer(key, f"/v1/receivables/{rid}/payments", body, time.monotonic())
                self.answers.append(answer)
                send(client, answer)

    def acknowledged_since(self, moment: float) -> int:
        return sum(1 for a in list(self.answers) if a.key and a.sent_at >= moment and a.status in (200, 201))

    def __enter__(self) -> Stream:
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        for thread in self.threads:
            thread.join(CLIENT_TIMEOUT + 5)


def send(client: httpx.Client, answer: Answer) -> None:
    try:
        if answer.body is None:
            response = client.get(answer.path)
        else:
            response = client.post(answer.path, json=answer.body, headers={"Idempotency-Key": answer.key})
    except httpx.HTTPError as error:
        answer.error = f"{type(error).__name__}: {error}"
        return
    finally:
        answer.seconds = time.monotonic() - answer.sent_at
    answer.status = response.status_code
    answer.retry_after = response.headers.get("retry-after")
    if response.headers.get("content-type", "").startswith("application/problem+json"):
        answer.problem_type = response.json().get("type")


@pytest.fixture
def own_cluster() -> Iterator[tuple[ThrowawayPostgres, str]]:
    """A durable cluster of the test's own (an immediate stop then loses no commit), and a database on it."""
    cluster = ThrowawayPostgres(durable=True)
    try:
        yield cluster, create_database(cluster.start(), "relance_outage")
    finally:
        cluster.stop()


@pytest.mark.postgres
def test_a_database_stopped_mid_stream_gives_503s_then_2xx_again_and_loses_nothing(
    own_cluster: tuple[ThrowawayPostgres, str], tmp_path: Path
) -> None:
    cluster, url = own_cluster
    settings = settings_for(url, tmp_path)
    token = create_token(settings, Role.ADMIN, "fault-outage")
    env = cli_env(url, tmp_path)
    server = ApiServer(env, tmp_path / "serve.log", workers=2)
    try:
        server.start()
        receivable_ids, today = _receivables(server.base_url, token)

        with Stream(server.base_url, token, receivable_ids, today) as stream:
            wait_until(lambda: stream.acknowledged_since(0) >= 30, "the stream is under way", 60)

            # When PostgreSQL stops outright for a few seconds, under the stream
            assert cluster.bin_dir is not None and cluster.root is not None
            _stop_cluster(cluster.bin_dir, cluster.root)
            down_at = time.monotonic()
            # (the stream's requests in flight may ride the outage out in the recorder's retries:
            # two more, sent while the database is down, must be refused)
            probes = _probes(server.base_url, token, receivable_ids[0], today)
            time.sleep(max(0.0, OUTAGE_SECONDS - (time.monotonic() - down_at)))
            cluster.resume()
            up_at = time.monotonic()
            wait_until(
                lambda: stream.acknowledged_since(up_at) >= ACKNOWLEDGED_AFTER_RECOVERY,
                "the API acknowledges payments again",
                RECOVERY_SECONDS + CLIENT_TIMEOUT,
            )
        answers = list(stream.answers) + probes

        # Then every request got an answer within the client's timeout: a 2xx, or a 503 with Retry-After
        assert [a for a in answers if a.status is None] == []
        statuses = Counter(a.status for a in answers)
        assert set(statuses) <= {200, 201, 409, 503}, statuses
        unavailable = [a for a in answers if a.status == 503]
        assert all(a.status == 503 for a in probes), probes
        assert all(int(a.retry_after or 0) > 0 for a in unavailable)
        assert {a.problem_type for a in unavailable} == {"urn:relance:problem:store_unavailable"}

        # ...the API served 2xx again within seconds of the database's return, without a restart
        first_ok = min(a.sent_at for a in answers if a.sent_at >= up_at and a.status in (200, 201))
        assert first_ok - up_at < RECOVERY_SECONDS
        assert server.process is not None and server.process.poll() is None

        # ...and each acknowledged payment is in its journal exactly once, a refused one at most once
        paid = _payments(settings, receivable_ids)
        acknowledged = [a.key for a in answers if a.key and a.status in (200, 201)]
        assert {k: paid[k] for k in acknowledged} == dict.fromkeys(acknowledged, 1)
        refused = [a for a in unavailable if a.key]
        assert all(paid[a.key] <= 1 for a in refused)
        # A payment whose commit reached the disk as the server died is saved again by the recorder's
        # retry, which finds its own event there: the client is told 409 concurrent_write although the
        # payment is recorded (once). Known, see docs/reliability.md; the retry below gets the 201.
        ambiguous = [a for a in answers if a.status == 409]
        assert {a.problem_type for a in ambiguous} <= {"urn:relance:problem:version_conflict"}
        assert all(paid[a.key] == 1 for a in ambiguous), [(a.key, paid[a.key]) for a in ambiguous]
        refused += ambiguous

        # ...a refused payment sent again with its key is recorded once (or is still held by its
        # claim and records nothing more)
        with httpx.Client(
            base_url=server.base_url, headers={"Authorization": f"Bearer {token}"}, timeout=CLIENT_TIMEOUT
        ) as client:
            again = {}
            for answer in refused:
                response = client.post(answer.path, json=answer.body, headers={"Idempotency-Key": answer.key})
                give_up = time.monotonic() + 60  # the pool may still be reconnecting (slower on a loaded
                while response.status_code == 503 and time.monotonic() < give_up:  # machine): honour Retry-After
                    time.sleep(float(response.headers["retry-after"]))
                    response = client.post(answer.path, json=answer.body, headers={"Idempotency-Key": answer.key})
                again[answer.key] = response.status_code
                assert response.status_code in (200, 201, 409), response.text
        paid_after = _payments(settings, receivable_ids)
        for answer in refused:
            assert paid_after[answer.key] == (1 if again[answer.key] in (200, 201) else paid[answer.key])

        verified = run_cli(env, "ledger", "verify")
        assert verified.returncode == 0, verified.stdout + verified.stderr
        print(
            f"\n{len(answers)} requests: {dict(statuses)}; outage {up_at - down_at:.1f} s; first 2xx "
            f"{first_ok - up_at:.2f} s after restart; slowest answer {max(a.seconds for a in answers):.1f} s; "
            f"refused payments sent again: {Counter(again.values())}"
        )
    finally:
        server.stop()


def _receivables(base_url: str, token: str) -> tuple[list[str], str]:
    with httpx.Client(base_url=base_url, headers={"Authorization": f"Bearer {token}"}, timeout=30) as admin:
        debtor = admin.post("/v1/debtors", json={
            "legal_name": "Menuiserie Martin SARL", "kind": "professional", "siren": "732829320",
            "address": {"lines": ["12 rue des Lilas"], "postal_code": "69003", "city": "Lyon"},
        })  # fmt: skip
        assert debtor.status_code == 201, debtor.text
        today = firm_today().isoformat()
        ids = []
        for n in range(RECEIVABLES):
            invoice = admin.post("/v1/receivables", json={
                "invoice_number": f"FA-OUT-{n:03d}", "debtor_id": debtor.json()["state"]["id"],
                "issue_date": _days(today, -60), "due_date": _days(today, -30),
                "amount_excl_vat": "100000.00", "vat": "20000.00", "amount_incl_vat": "120000.00",
                "label": "Chantier",
            })  # fmt: skip
            assert invoice.status_code == 201, invoice.text
            ids.append(invoice.json()["state"]["id"])
    return ids, today


def _probes(base_url: str, token: str, receivable_id: str, today: str) -> list[Answer]:
    """A read and a payment sent together, now; back when both are answered."""
    body = {"amount": "1.00", "value_date": today, "method": "transfer", "bank_reference": "VIR-OUT-PROBE"}
    probes = [
        Answer("", f"/v1/receivables/{receivable_id}", None, time.monotonic()),
        Answer("VIR-OUT-PROBE", f"/v1/receivables/{receivable_id}/payments", body, time.monotonic()),
    ]

    def probe(answer: Answer) -> None:
        headers = {"Authorization": f"Bearer {token}"}
        with httpx.Client(base_url=base_url, headers=headers, timeout=CLIENT_TIMEOUT) as client:
            send(client, answer)

    threads = [threading.Thread(target=probe, args=(answer,)) for answer in probes]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(CLIENT_TIMEOUT + 5)
    return probes


def _days(today: str, offset: int) -> str:
    return (date.fromisoformat(today) + timedelta(days=offset)).isoformat()


def _payments(settings: Any, receivable_ids: list[str]) -> Counter[str]:
    ledger = build_ledger(settings)
    try:
        return Counter(
            entry.record["data"]["bank_reference"]
            for rid in receivable_ids
            for entry in ledger.journal(UUID(rid))
            if entry.record["type"] == "PaymentReceived"
        )
    finally:
        ledger.close()
