"""Exactly once across a crash: ``relance projections run`` killed with SIGKILL while a batch
is half written, then restarted, leaves the same rows as a rebuild that never crashed."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from pydantic import SecretStr

from infrastructure.read_store import APPLICATION_NAME, PostgresReadStore
from infrastructure.settings import Settings
from infrastructure.stores import build_ledger
from tests.integration.read_model_tables import dump
from tests.support.ledger_backlog import write_backlog

RELANCE = Path(sys.executable).parent / "relance"  # the venv running the tests
BATCH_SIZE = 2000
DEADLINE_SECONDS = 120


@pytest.fixture
def backlog_database(fresh_postgres_database: str, tmp_path: Path) -> Iterator[tuple[str, int, dict[str, str]]]:
    """A ledger of about 18,000 events nobody has projected yet; its URL, last id, and the CLI environment."""
    settings = Settings(database_url=SecretStr(fresh_postgres_database), data_dir=tmp_path, timezone="Europe/Paris")
    ledger = build_ledger(settings)
    try:
        write_backlog(ledger, receivables=1500, events_per_receivable=12)
        last = int(ledger.recorder.max_notification_id() or 0)
    finally:
        ledger.close()
    env = {
        **os.environ,
        "RELANCE_DATABASE_URL": fresh_postgres_database,
        "RELANCE_DATA_DIR": str(tmp_path),
        "RELANCE_TIMEZONE": "Europe/Paris",
    }
    yield fresh_postgres_database, last, env


def worker(env: dict[str, str]) -> subprocess.Popen[str]:
    command = [str(RELANCE), "projections", "run", "--batch-size", str(BATCH_SIZE), "--poll", "0.05"]
    return subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def positions(conn: psycopg.Connection[Any]) -> dict[str, int]:
    try:
        rows = conn.execute("SELECT name, position FROM projection_positions").fetchall()
    except psycopg.errors.UndefinedTable:
        return {}
    return {name: int(position) for name, position in rows}


def wait_for(condition: Callable[[], bool], what: str, process: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + DEADLINE_SECONDS
    while not condition():
        if process.poll() is not None:
            raise AssertionError(f"the worker exited ({process.returncode}) before {what}: {process.stderr.read()}")  # type: ignore[union-attr]
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting until {what}")
        time.sleep(0.002)


@pytest.mark.postgres
def test_a_worker_killed_in_the_middle_of_a_batch_and_restarted_leaves_the_rows_of_one_that_never_crashed(
    backlog_database: tuple[str, int, dict[str, str]],
) -> None:
    url, last, env = backlog_database
    with psycopg.connect(url, autocommit=True) as conn:
        # Given a worker that has committed at least one batch and is writing the rows of another
        first = worker(env)

        def writing_mid_batch() -> bool:
            done = positions(conn)
            if not done or min(done.values()) == 0 or max(done.values()) + BATCH_SIZE >= last:
                return False  # not yet past its first batch, or already at its last one
            (writing,) = conn.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE application_name = %s AND backend_xid IS NOT NULL "
                "AND datname = current_database()",
                (APPLICATION_NAME,),
            ).fetchone() or (0,)
            return int(writing) > 0

        wait_for(writing_mid_batch, "the worker writes a batch after its first", first)

        # When it is killed outright
        first.send_signal(signal.SIGKILL)
        first.wait(10)
        at_kill = positions(conn)
        audited = conn.execute("SELECT count(*), max(notification_id) FROM rm_audit").fetchone()

        # Then it stopped half way, and the batch it was writing left no row behind
        assert first.returncode == -signal.SIGKILL
        assert 0 < min(at_kill.values()) == max(at_kill.values()) < last
        assert audited is not None and audited[1] == at_kill["audit"]

        # When a new worker is started, catches up, and is asked to stop
        second = worker(env)
        wait_for(lambda: set(positions(conn).values()) == {last}, "the new worker catches up", second)
        second.send_signal(signal.SIGTERM)
        assert second.wait(30) == 0, second.stderr.read() if second.stderr else ""
        (events,) = conn.execute("SELECT count(*) FROM ledger_events").fetchone() or (0,)

    # Then its rows are those of a rebuild from scratch that never crashed
    store = PostgresReadStore(url)
    try:
        after_crash = dump(store)
        rebuilt = subprocess.run(
            [str(RELANCE), "projections", "rebuild"], env=env, capture_output=True, text=True, timeout=300, check=False
        )
        assert rebuilt.returncode == 0, rebuilt.stderr
        never_crashed = dump(store)
    finally:
        store.close()
    assert after_crash == never_crashed
    assert len(after_crash["rm_audit"]) == events  # one audit line per event of the log
