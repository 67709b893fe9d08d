"""What sealing personal data costs (issue 19): command throughput and replay, sealed beside plain.

On SQLite (a file in a temporary directory) and PostgreSQL (a throwaway cluster with fsync on, or
RELANCE_BENCH_DATABASE_URL), the same commands run twice, each time on an empty store: once through the
Ledger that ``relance`` builds (every personal value sealed under its subject's key, decision 0106), once
through a Ledger without a sealer (the values stored as plain text, as before the change):

- ``register + contact``: a consumer registered, then a contact added with name, e-mail and phone: 8 personal
  values sealed per debtor (name, 4 address parts, the contact's name, e-mail and phone), two keys made;
- ``invoice``: an invoice issued for each debtor: a command with no personal data (what sealing must not slow);
- ``replay``: a new Ledger on the same store (no cached history, no cached key) loads every debtor: each
  sealed value is opened, every key read at the first miss.

Each pair runs ``--rounds`` times, alternating which goes first (the disk's own pace varies from one minute
to the next); the best time of each is kept. Prints the rates and the sealed/plain ratio of time. A script
that prints figures, not a test. ``python benchmarks/personal_data.py [--debtors N] [--rounds R] [--quick]``.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from decimal import Decimal
from pathlib import Path
from uuid import UUID, uuid4

from bench_support import REPO, postgres_server, scratch_database

if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from pydantic import SecretStr

from application.commands import AddContact, IssueInvoice, RegisterDebtor
from application.ledger import Ledger
from domain.debtor import Address
from domain.vocabulary import ContactRole, DebtorKind
from infrastructure.settings import Settings
from infrastructure.stores import build_event_store, build_ledger

ACTOR = "bench"


def plain_ledger(settings: Settings) -> Ledger:
    """The Ledger as it was before sealing: the same store, no sealer."""
    return Ledger(build_event_store(settings), timezone=settings.timezone)


def timed(action: Callable[[], object]) -> float:
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


def run(settings: Settings, sealed: bool, debtors: int) -> dict[str, float]:
    ledger = build_ledger(settings) if sealed else plain_ledger(settings)
    ids: list[UUID] = [uuid4() for _ in range(debtors)]
    home = Address(["12 rue des Lilas"], "75011", "Paris", "FR")

    def register() -> None:
        for n, debtor in enumerate(ids):
            ledger.execute(RegisterDebtor(debtor, f"Jeanne Martin {n}", DebtorKind.CONSUMER, home), actor=ACTOR)
            ledger.execute(AddContact(debtor, uuid4(), ContactRole.ACCOUNTS_PAYABLE, f"Jeanne Martin {n}",
                                      f"jeanne.{n}@exemple.fr", "0611223344"), actor=ACTOR)  # fmt: skip

    def invoice() -> None:
        for n, debtor in enumerate(ids):
            ledger.execute(IssueInvoice(f"F-{n:06d}-{debtor.hex[:4]}", debtor, date(2026, 1, 5), date(2026, 2, 4),
                                        Decimal("100.00"), Decimal("20.00"), Decimal("120.00"), "Cuisine"),
                           actor=ACTOR)  # fmt: skip

    figures = {"register + contact": timed(register), "invoice": timed(invoice)}
    ledger.close()
    fresh = build_ledger(settings) if sealed else plain_ledger(settings)
    figures["replay"] = timed(lambda: [fresh.debtor(debtor) for debtor in ids])
    fresh.close()
    return figures


@contextmanager
def stores(kind: str) -> Iterator[Callable[[], Settings]]:
    """A new empty store per call, of the given kind."""
    with tempfile.TemporaryDirectory() as scratch:
        if kind == "sqlite":
            yield lambda: Settings(data_dir=Path(tempfile.mkdtemp(dir=scratch)), database_url=None)
            return
        with postgres_server() as server:
            opened: list[object] = []

            def new() -> Settings:
                context = scratch_database(server, "relance_bench_pii")
                url = context.__enter__()
                opened.append(context)
                return Settings(data_dir=Path(tempfile.mkdtemp(dir=scratch)), database_url=SecretStr(url))

            try:
                yield new
            finally:
                for context in opened:
                    context.__exit__(None, None, None)  # type: ignore[attr-defined]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--debtors", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="200 debtors, one round, SQLite only")
    args = parser.parse_args()
    debtors, rounds = (200, 1) if args.quick else (args.debtors, args.rounds)
    print(f"{debtors} consumers, each registered with a contact (8 personal values), then invoiced once; "
          f"best of {rounds} round(s)")  # fmt: skip
    for kind in ("sqlite",) if args.quick else ("sqlite", "postgres"):
        plains, sealeds = [], []
        with stores(kind) as new_store:
            for round_ in range(rounds):
                for sealed_first in (round_ % 2 == 1,):
                    order = (True, False) if sealed_first else (False, True)
                    for is_sealed in order:
                        (sealeds if is_sealed else plains).append(run(new_store(), is_sealed, debtors))
        plain = {name: min(r[name] for r in plains) for name in plains[0]}
        sealed = {name: min(r[name] for r in sealeds) for name in sealeds[0]}
        print(f"\n{kind}")
        print(f"  {'':20} {'plain':>10} {'sealed':>10} {'ratio':>7}   (commands/s or debtors/s)")
        for name, count in (("register + contact", 2 * debtors), ("invoice", debtors), ("replay", debtors)):
            print(f"  {name:20} {count / plain[name]:10.0f} {count / sealed[name]:10.0f} "
                  f"{sealed[name] / plain[name]:7.2f}")  # fmt: skip


if __name__ == "__main__":
    main()
