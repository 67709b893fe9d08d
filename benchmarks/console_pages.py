"""Server time of the console's busiest pages at 100,000 receivables and 1,000,000 events (issue 18).

Writes the backlog of ``tests/support/ledger_backlog.py`` (every event through the domain) into a scratch
PostgreSQL database, signs a manager in through the real form, then times in-process requests (Starlette's
test client: no network, so the figure is the server's time plus well under a millisecond of client) for
Aujourd'hui, the receivables list unfiltered and filtered, a search, a receivable page and a debtor page.
The first request of each page is a warm-up (the worker's index is built from the log once per process).
Usage: python benchmarks/console_pages.py [--receivables N] [--events-per-receivable K] [--repeats R].
A script that prints figures, not a test. Aim: p95 under 300 ms.
"""

from __future__ import annotations

import argparse
import importlib
import os
import re
import sys
import tempfile
from pathlib import Path

from bench_support import REPO, latency, postgres_server, scratch_database
from pydantic import SecretStr
from starlette.testclient import TestClient

from api.bootstrap import build_services
from api.http.app import create_app
from application.access import Role
from infrastructure.settings import Settings

AIM_MS = 300
PASSWORD = "benchmark password 2026"


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def sign_in(client: TestClient) -> None:
    page = client.get("/connexion")
    token = re.search(r'name="token" value="([^"]+)"', page.text)
    assert token is not None, page.text
    client.cookies.set("relance_sign_in", page.cookies["relance_sign_in"])
    answer = client.post(
        "/connexion",
        data={"username": "bench.manager", "password": PASSWORD, "token": token.group(1), "suite": "/"},
        follow_redirects=False,
    )
    assert answer.status_code == 303, answer.text
    client.cookies.set("relance_session", answer.cookies["relance_session"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--receivables", type=int, default=100_000)
    parser.add_argument("--events-per-receivable", type=int, default=10)
    parser.add_argument("--repeats", type=int, default=30)
    arguments = parser.parse_args()
    if str(REPO) not in sys.path:
        sys.path.insert(0, str(REPO))
    backlog_module = importlib.import_module("tests.support.ledger_backlog")
    with postgres_server() as server, scratch_database(server) as url:
        settings = Settings(
            database_url=SecretStr(url), data_dir=Path(tempfile.mkdtemp()), timezone="Europe/Paris",
            console_secure_cookies=False,  # the test client speaks http to "testserver"
        )  # fmt: skip
        services = build_services(settings)
        log(f"writing {arguments.receivables:,} receivables x {arguments.events_per_receivable} events ...")
        backlog = backlog_module.write_backlog(
            services.ledger, receivables=arguments.receivables, events_per_receivable=arguments.events_per_receivable,
            on_progress=lambda n: log(f"  {n:,} events written"),
        )  # fmt: skip
        log(f"  {backlog.events:,} events in {backlog.seconds:.0f} s")
        services.users.create(
            username="bench.manager", display_name="Bench Manager", role=Role.MANAGER, password=PASSWORD,
            created_by="benchmark",
        )  # fmt: skip
        entries = services.receivable_index().matching()
        first_invoice = entries[len(entries) // 2]
        pages = [
            ("Aujourd'hui (manager)", "/"),
            ("Créances, unfiltered, page 1", "/creances"),
            ("Créances, unfiltered, page 1,000", "/creances?page=1000"),
            ("Créances, open, 30+ days late, by amount", "/creances?statut=en-cours&retard_min=30&tri=montant"),
            ("Créances, search by debtor name", "/creances?q=Client+4242+SAS"),
            ("Créances, search by invoice number", f"/creances?q={first_invoice.invoice_number}"),
            ("a receivable page", f"/creances/{first_invoice.receivable_id}"),
            ("a debtor page (10 receivables)", f"/debiteurs/{first_invoice.debtor_id}"),
            ("Lettres à poster", "/lettres"),
            ("Rapports (aged balance per debtor)", "/rapports"),
        ]
        rows = []
        with TestClient(create_app(settings, services=services)) as client:
            sign_in(client)
            for label, path in pages:

                def get(path: str = path) -> None:
                    answer = client.get(path)
                    assert answer.status_code == 200, (path, answer.status_code, answer.text[:500])

                first, median, p95 = latency(get, arguments.repeats)
                rows.append(f"| {label} | {first:,.0f} ms | {median:,.0f} ms | {p95:,.0f} ms | < {AIM_MS} ms |")
                log(rows[-1])
        services.close()
    print(
        f"Console pages over {backlog.receivables:,} receivables, {backlog.debtors:,} debtors, {backlog.events:,} "
        f"events on PostgreSQL; {arguments.repeats} requests each after the first; load average "
        f"{os.getloadavg()[0]:.2f}"
    )
    print()
    print("| page | first request | median | p95 | aim |")
    print("|---|---|---|---|---|")
    for row in rows:
        print(row)


if __name__ == "__main__":
    main()
