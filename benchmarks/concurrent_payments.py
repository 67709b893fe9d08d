"""Concurrent payments without If-Match on the embedded default, as a new user would try it (issue 14).

Starts `relance serve` on a fresh SQLite store in a temporary directory, issues RECEIVABLES invoices, then
CLIENTS threads post PAYMENTS payments each, spread over the invoices, and prints how each was answered.
Only HTTP and the CLI are used, so the same script measures any version of relance:

    .venv/bin/python benchmarks/concurrent_payments.py [--clients 16] [--payments 60] [--receivables 5]
    (cd OTHER_CHECKOUT && /path/to/.venv/bin/python /path/to/benchmarks/concurrent_payments.py)
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta

import httpx

RELANCE = [sys.executable, "-c", "from api.cli import main; main()"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--payments", type=int, default=60, help="per client")
    parser.add_argument("--receivables", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as data_dir:
        env = {**os.environ, "RELANCE_DATA_DIR": data_dir, "RELANCE_DATABASE_URL": "", "PYTHONPATH": os.getcwd()}
        created = subprocess.run(
            [*RELANCE, "token", "create", "--role", "admin", "--name", "bench", "--json"],
            env=env, capture_output=True, text=True, check=True,
        )  # fmt: skip
        secret = json.loads(created.stdout)["token"]
        port = free_port()
        server = subprocess.Popen(
            [*RELANCE, "serve", "--port", str(port)], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        try:
            run(f"http://127.0.0.1:{port}", secret, args.clients, args.payments, args.receivables)
        finally:
            server.terminate()
            server.wait(timeout=30)


def run(base_url: str, secret: str, clients: int, payments: int, receivables: int) -> None:
    headers = {"Authorization": f"Bearer {secret}"}
    with httpx.Client(base_url=base_url, headers=headers, timeout=60) as client:
        for _attempt in range(100):
            try:
                client.get("/healthz")
                break
            except httpx.TransportError:
                time.sleep(0.2)
        debtor = client.post(
            "/v1/debtors",
            json={"legal_name": "Menuiserie Martin SARL", "kind": "professional", "siren": "732829320",
                  "address": {"lines": ["4 rue des Tanneurs"], "postal_code": "69002", "city": "Lyon"}},
        ).json()["aggregate_id"]  # fmt: skip
        today = date.today()
        ids = []
        for n in range(receivables):
            body = {
                "invoice_number": f"F-BENCH-{n:03d}", "debtor_id": debtor, "issue_date": today.isoformat(),
                "due_date": (today + timedelta(days=30)).isoformat(), "amount_excl_vat": "100000.00",
                "vat": "20000.00", "amount_incl_vat": "120000.00", "label": "Lot de menuiseries",
            }  # fmt: skip
            ids.append(client.post("/v1/receivables", json=body).json()["aggregate_id"])
    jobs = [(ids[(c + n) % receivables], f"VIR-{c:02d}-{n:04d}") for c in range(clients) for n in range(payments)]

    def pay(job: tuple[str, str]) -> int:
        receivable_id, reference = job
        body = {"amount": "1.00", "value_date": today.isoformat(), "method": "transfer", "bank_reference": reference}
        with httpx.Client(base_url=base_url, headers=headers, timeout=60) as one:
            return one.post(f"/v1/receivables/{receivable_id}/payments", json=body).status_code

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=clients) as pool:
        statuses = Counter(pool.map(pay, jobs))
    seconds = time.perf_counter() - started
    with httpx.Client(base_url=base_url, headers=headers, timeout=60) as client:
        recorded = sum(
            sum(1 for e in client.get(f"/v1/receivables/{r}/journal").json() if e["type"] == "PaymentReceived")
            for r in ids
        )
    print(f"{clients} clients x {payments} payments over {receivables} receivables (SQLite, no If-Match)")
    print(f"answers: {dict(sorted(statuses.items()))}; payments in the journals: {recorded} of {len(jobs)}")
    print(f"{seconds:.1f} s, {len(jobs) / seconds:.0f} requests/s")


if __name__ == "__main__":
    main()
