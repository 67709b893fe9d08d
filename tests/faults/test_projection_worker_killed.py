"""``relance projections run`` killed with SIGKILL five times at random moments while commands keep
being recorded: once a worker catches up, the read models equal a rebuild that never crashed."""

from __future__ import annotations

import random
import signal
import threading
from datetime import timedelta
from decimal import Decimal
from functools import partial
from pathlib import Path
from typing import Any

import pytest

from application.commands import AddNote, RecordPayment
from domain.vocabulary import PaymentMethod
from infrastructure.read_store import PostgresReadStore
from infrastructure.stores import build_ledger
from tests.faults.processes import (
    assert_read_models_equal_a_rebuild,
    cli_env,
    kill_group,
    run_cli,
    settings_for,
    spawn,
    wait_until,
)
from tests.support.ledger_backlog import write_backlog

KILLS = 5
SEED = 20261203  # the kill moments are random, but the same on every run
BATCH_SIZE = 50  # small batches: a kill lands in the middle of one more often than at its end
WAIT_SECONDS = 60


def positions(store: PostgresReadStore) -> dict[str, int]:
    try:
        return {str(n): int(p) for n, p in store.fetch("SELECT name, position FROM projection_positions")}
    except Exception:  # the first worker has not created its tables yet
        return {}


def progressed(store: PostgresReadStore, before: dict[str, int]) -> bool:
    return positions(store) not in ({}, before)


class Writer:
    """Records payments and notes on the backlog's receivables from a thread, as the API would."""

    def __init__(self, settings: Any) -> None:
        self.ledger = build_ledger(settings)
        self.stop = threading.Event()
        self.recorded = 0
        self.thread = threading.Thread(target=self._loop, daemon=True)

    def _loop(self) -> None:
        ids = list(self.ledger.receivable_ids())
        today = self.ledger.now().today
        n = 0
        while not self.stop.is_set():
            rid = ids[n % len(ids)]
            receivable = self.ledger.receivable(rid)
            if n % 2 == 0 and receivable.outstanding > Decimal("0.01") and not receivable.is_closed:
                value_date = max(receivable.issue_date, today - timedelta(days=1))
                command: Any = RecordPayment(
                    rid, Decimal("0.01"), value_date, PaymentMethod.TRANSFER, bank_reference=f"VIR-PROJ-{n}"
                )
            else:
                command = AddNote(rid, f"note {n}")
            self.ledger.execute(command, actor="fault-writer")
            self.recorded += 1
            n += 1

    def __enter__(self) -> Writer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        self.thread.join(30)
        self.ledger.close()


@pytest.mark.postgres
def test_a_worker_killed_five_times_while_commands_are_recorded_ends_with_the_rows_of_a_rebuild(
    fresh_postgres_database: str, tmp_path: Path
) -> None:
    url = fresh_postgres_database
    settings = settings_for(url, tmp_path)
    backlog_ledger = build_ledger(settings)
    try:
        write_backlog(backlog_ledger, receivables=300, events_per_receivable=8)
    finally:
        backlog_ledger.close()
    env = cli_env(url, tmp_path)
    store = PostgresReadStore(url)
    chance = random.Random(SEED)
    killed_at: list[dict[str, int]] = []
    try:
        # Given commands being recorded all along
        with Writer(settings) as writer:
            for kill in range(KILLS):
                # When a worker starts, makes some progress, and is killed at a random moment
                before = positions(store)
                worker = spawn(
                    env, "projections", "run", "--batch-size", str(BATCH_SIZE), "--poll", "0.05",
                    log=tmp_path / f"worker-{kill}.log",
                )  # fmt: skip
                wait_until(partial(progressed, store, before), f"worker {kill} progresses", WAIT_SECONDS)
                threading.Event().wait(chance.uniform(0.0, 0.8))
                kill_group(worker, signal.SIGKILL)
                assert worker.returncode == -signal.SIGKILL
                killed_at.append(positions(store))
            recorded = writer.recorded

        # ...and, the commands done, one more worker catches up and exits
        caught_up = run_cli(env, "projections", "run", "--once", "--batch-size", str(BATCH_SIZE))
        assert caught_up.returncode == 0, caught_up.stderr
        # Then its rows are those of a rebuild from scratch, every event audited once, none twice
        assert_read_models_equal_a_rebuild(store, env)
    finally:
        store.close()
    assert recorded > 0 and len(killed_at) == KILLS
    print(f"\n{recorded} commands recorded during the kills; positions at each kill: {killed_at}")
