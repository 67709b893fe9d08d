"""Shared fixtures: a PostgreSQL server for the test session and empty databases on it.

When RELANCE_TEST_DATABASE_URL is set, that database is used as is. Otherwise a
throwaway cluster is started on a free port in a temporary directory and removed at
the end of the session, so the tests never touch a PostgreSQL server that may already
run on the machine. Under pytest-xdist each worker starts its own cluster.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
import pytest
from psycopg import sql
from psycopg.conninfo import make_conninfo

DATABASE_URL_ENV = "RELANCE_TEST_DATABASE_URL"
POSTGRES_USER = "postgres"
START_ATTEMPTS = 5
INSTALL_HINT = (
    "PostgreSQL server binaries (initdb, pg_ctl) not found under /usr/lib/postgresql/*/bin. "
    "Install them with `apt-get install postgresql` (scripts/test does it when run as root), "
    f"or set {DATABASE_URL_ENV} to the URL of a database the tests may use."
)


def _postgres_bin_dir() -> Path:
    """Bin directory of the highest installed PostgreSQL major version."""
    versions = [
        initdb.parent
        for initdb in Path("/usr/lib/postgresql").glob("*/bin/initdb")
        if initdb.parent.parent.name.isdigit() and (initdb.parent / "pg_ctl").exists()
    ]
    if not versions:
        pytest.fail(INSTALL_HINT, pytrace=False)
    return max(versions, key=lambda c: int(c.parent.name))


def _as_postgres_user(cmd: list[str]) -> list[str]:
    # PostgreSQL refuses to run as root, so as root we drop to the `postgres` user
    # (created by the Debian package); otherwise we run as ourselves.
    if os.geteuid() == 0:
        return ["runuser", "-u", POSTGRES_USER, "--", *cmd]
    return cmd


def _run(cmd: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    # cwd must be readable by the postgres user (initdb fails in e.g. /root).
    return subprocess.run(_as_postgres_user(cmd), cwd=cwd, capture_output=True, text=True, check=False)


def _free_port() -> int:
    # Another process may grab the port before postgres binds it: the caller retries.
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _make_owned_tempdir() -> Path:
    base = None
    if os.geteuid() == 0 and not os.stat(tempfile.gettempdir()).st_mode & 0o001:
        base = "/tmp"  # the default temp dir is not traversable by the postgres user
    root = Path(tempfile.mkdtemp(prefix="relance-pg-", dir=base))
    if os.geteuid() == 0:
        shutil.chown(root, user=POSTGRES_USER, group=POSTGRES_USER)
    return root


def _start_cluster(bin_dir: Path, root: Path) -> int:
    """initdb + pg_ctl start in `root`; returns the TCP port the server listens on."""
    data = root / "data"
    init = _run(
        [
            str(bin_dir / "initdb"),
            "-A", "trust",
            "-U", POSTGRES_USER,
            "-D", str(data),
            "--no-sync",
            "-E", "UTF8",
            "--no-locale",  # the machine's locale may not be generated; C is deterministic
        ],
        cwd=root,
    )  # fmt: skip
    if init.returncode != 0:
        pytest.fail(f"initdb failed:\n{init.stdout}\n{init.stderr}", pytrace=False)

    log = root / "log"
    errors = []
    for _ in range(START_ATTEMPTS):
        port = _free_port()
        options = (
            f"-p {port} -k {root} -c listen_addresses='127.0.0.1' "
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        )
        start = _run(
            [str(bin_dir / "pg_ctl"), "-D", str(data), "-o", options, "-w", "-l", str(log),
             "start"],
            cwd=root,
        )  # fmt: skip
        if start.returncode == 0:
            return port
        # Most likely the port was taken in the meantime (e.g. another xdist worker).
        # A server that merely started too slowly must not outlive the retry.
        errors.append(f"port {port}: {start.stdout}{start.stderr}")
        _stop_cluster(bin_dir, root)
    log_text = log.read_text(errors="replace") if log.exists() else ""
    pytest.fail(
        "could not start the throwaway PostgreSQL cluster:\n" + "\n".join(errors) + f"\n--- {log} ---\n{log_text}",
        pytrace=False,
    )


def _stop_cluster(bin_dir: Path, root: Path) -> None:
    data = root / "data"
    if (data / "postmaster.pid").exists():
        # immediate: nothing to keep, so skip the shutdown checkpoint.
        _run([str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"], cwd=root)


def _with_dbname(url: str, dbname: str) -> str:
    """The same server URL (or key=value conninfo) pointing at another database."""
    if url.startswith(("postgresql://", "postgres://")):
        parts = urlsplit(url)
        return urlunsplit(parts._replace(path="/" + dbname))
    return make_conninfo(url, dbname=dbname)


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """URL of a database on a PostgreSQL server reserved for this test session."""
    configured = os.environ.get(DATABASE_URL_ENV)
    if configured:
        yield configured
        return

    bin_dir = _postgres_bin_dir()
    root = _make_owned_tempdir()
    try:
        port = _start_cluster(bin_dir, root)
        url = f"postgresql://{POSTGRES_USER}@127.0.0.1:{port}/relance_test"
        with psycopg.connect(_with_dbname(url, "postgres"), autocommit=True) as conn:
            conn.execute("CREATE DATABASE relance_test")
        yield url
    finally:
        _stop_cluster(bin_dir, root)
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def postgres_database_factory(postgres_url: str) -> Iterator[Callable[[], str]]:
    """Callable creating a new empty database per call; all are dropped after the test."""
    created: list[str] = []

    def create() -> str:
        name = f"relance_{uuid.uuid4().hex[:12]}"
        with psycopg.connect(postgres_url, autocommit=True) as conn:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        created.append(name)
        return _with_dbname(postgres_url, name)

    yield create

    with psycopg.connect(postgres_url, autocommit=True) as conn:
        for name in created:
            # FORCE: a test may leave connections (e.g. a pool) open.
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


@pytest.fixture
def fresh_postgres_database(postgres_database_factory: Callable[[], str]) -> str:
    """URL of a new, empty database, so each test starts with an empty store."""
    return postgres_database_factory()
