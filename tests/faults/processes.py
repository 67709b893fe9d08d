"""Real processes for the fault tests: ``relance serve`` and other ``relance`` commands as
subprocesses in their own process group, so a test can SIGKILL a server and its workers at once.

Nothing here mocks anything: the processes open the same PostgreSQL database the test reads.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
from pydantic import SecretStr

from application.access import Role
from infrastructure.settings import Settings
from infrastructure.sql import open_database
from infrastructure.tokens import TokenStore
from tests.integration.read_model_tables import dump

RELANCE = Path(sys.executable).parent / "relance"  # the venv running the tests
TIMEZONE = "Europe/Paris"
START_SECONDS = 30


def firm_today() -> date:
    """Today in the firm's time zone, as the processes' real clock sees it."""
    return datetime.now(ZoneInfo(TIMEZONE)).date()


def settings_for(url: str, data_dir: Path, **overrides: Any) -> Settings:
    fields: dict[str, Any] = {"database_url": SecretStr(url), "data_dir": data_dir, "timezone": TIMEZONE}
    return Settings(**{**fields, **overrides})


def cli_env(url: str, data_dir: Path, **extra: str) -> dict[str, str]:
    """The environment under which ``relance`` opens this database (and nothing of the caller's RELANCE_*)."""
    inherited = {k: v for k, v in os.environ.items() if not k.startswith("RELANCE_")}
    return {
        **inherited,
        "RELANCE_DATABASE_URL": url,
        "RELANCE_DATA_DIR": str(data_dir),
        "RELANCE_TIMEZONE": TIMEZONE,
        **extra,
    }


def run_cli(env: dict[str, str], *args: str, timeout: float = 180) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(RELANCE), *args], env=env, capture_output=True, text=True, timeout=timeout, check=False)


def spawn(env: dict[str, str], *args: str, log: Path) -> subprocess.Popen[bytes]:
    """``relance ARGS`` in a new session (its own process group); output goes to ``log``."""
    with log.open("ab") as out:
        return subprocess.Popen(
            [str(RELANCE), *args], env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )


def kill_group(process: subprocess.Popen[Any], sig: signal.Signals = signal.SIGKILL, wait: float = 30) -> None:
    """Signal the whole process group (uvicorn's supervisor and its workers), then reap the leader."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, sig)
    process.wait(wait)
    if sig is signal.SIGKILL:
        _wait_group_gone(process.pid, wait)


def _wait_group_gone(pgid: int, wait: float) -> None:
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        try:
            os.killpg(pgid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.02)
    raise AssertionError(f"process group {pgid} still alive {wait} s after SIGKILL")


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def create_token(settings: Settings, role: Role, name: str) -> str:
    database = open_database(settings)
    try:
        _, secret = TokenStore(database).create(name=name, role=role, created_by="tests/faults")
    finally:
        database.close()
    return secret


class ApiServer:
    """``relance serve`` on a fixed port: started, killed and started again on the same database."""

    def __init__(self, env: dict[str, str], log: Path, *, workers: int = 2) -> None:
        self.env = env
        self.log = log
        self.workers = workers
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> float:
        """Start and wait until ``/readyz`` answers 200; returns the seconds that took."""
        started = time.monotonic()
        self.process = spawn(self.env, "serve", "--port", str(self.port), "--workers", str(self.workers), log=self.log)
        wait_until(self._ready, f"relance serve answers on {self.base_url}", START_SECONDS, self._alive)
        return time.monotonic() - started

    def kill(self) -> None:
        assert self.process is not None
        kill_group(self.process, signal.SIGKILL)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            kill_group(self.process, signal.SIGTERM)

    def _alive(self) -> None:
        if self.process is not None and self.process.poll() is not None:
            raise AssertionError(f"relance serve exited ({self.process.returncode}):\n{self.log.read_text()[-3000:]}")

    def _ready(self) -> bool:
        try:
            return httpx.get(f"{self.base_url}/readyz", timeout=2).status_code == 200
        except httpx.TransportError:
            return False


def wait_until(
    condition: Callable[[], bool], what: str, seconds: float, check: Callable[[], None] | None = None
) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if check is not None:
            check()
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {seconds} s waiting until {what}")
        time.sleep(0.02)


def assert_read_models_equal_a_rebuild(store: Any, env: dict[str, str]) -> None:
    """The read models as the crashed workers left them are those of a rebuild from scratch, with one
    audit row per event (none lost, none twice). ``store`` is a PostgresReadStore on the ledger's database."""
    ((events,),) = store.fetch("SELECT count(*) FROM ledger_events")
    after_crashes = dump(store)
    rebuilt = run_cli(env, "projections", "rebuild")
    assert rebuilt.returncode == 0, rebuilt.stderr
    assert after_crashes == dump(store)
    assert len(after_crashes["rm_audit"]) == events
