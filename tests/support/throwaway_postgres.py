"""A throwaway PostgreSQL cluster: initdb in a temporary directory, a free port, removed at the end.

Used by the test fixtures (tests/conftest.py) and by the benchmarks, so neither ever
touches a PostgreSQL server that may already run on the machine::

    with ThrowawayPostgres() as server_url:  # postgresql://postgres@127.0.0.1:<port>/postgres
        create_database(server_url, "relance_test")
        url = with_dbname(server_url, "relance_test")

Failures raise ``RuntimeError`` (``PostgresNotInstalled`` when the server binaries are
missing) with the command output, so callers decide how to report them.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path
from types import TracebackType
from urllib.parse import urlsplit, urlunsplit

import psycopg
from psycopg import sql
from psycopg.conninfo import make_conninfo

POSTGRES_USER = "postgres"
START_ATTEMPTS = 5
# Tests throw the data away: durability only costs time. Benchmarks pass durable=True.
NON_DURABLE_OPTIONS = "-c fsync=off -c synchronous_commit=off -c full_page_writes=off"


class PostgresNotInstalled(RuntimeError):
    """No PostgreSQL server binaries (initdb, pg_ctl) on this machine."""


def postgres_bin_dir() -> Path:
    """Bin directory of the highest installed PostgreSQL major version."""
    versions = [
        initdb.parent
        for initdb in Path("/usr/lib/postgresql").glob("*/bin/initdb")
        if initdb.parent.parent.name.isdigit() and (initdb.parent / "pg_ctl").exists()
    ]
    if not versions:
        raise PostgresNotInstalled(
            "PostgreSQL server binaries (initdb, pg_ctl) not found under /usr/lib/postgresql/*/bin. "
            "Install them with `apt-get install postgresql`"
        )
    return max(versions, key=lambda c: int(c.parent.name))


def with_dbname(url: str, dbname: str) -> str:
    """The same server URL (or key=value conninfo) pointing at another database."""
    if url.startswith(("postgresql://", "postgres://")):
        parts = urlsplit(url)
        return urlunsplit(parts._replace(path="/" + dbname))
    return make_conninfo(url, dbname=dbname)


def create_database(server_url: str, dbname: str) -> str:
    """CREATE DATABASE on the server of ``server_url``; returns the new database's URL."""
    with psycopg.connect(with_dbname(server_url, "postgres"), autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(dbname)))
    return with_dbname(server_url, dbname)


class ThrowawayPostgres:
    """Context manager: starts a private cluster, yields its URL (database ``postgres``), removes it.

    ``durable=False`` (the default, for tests) turns fsync, synchronous commit and full
    page writes off; ``durable=True`` keeps PostgreSQL's defaults, for honest timings.
    """

    def __init__(self, *, durable: bool = False) -> None:
        self.durable = durable
        self.bin_dir: Path | None = None
        self.root: Path | None = None
        self.port: int | None = None

    @property
    def url(self) -> str:
        if self.port is None:
            raise RuntimeError("the throwaway PostgreSQL cluster is not running")
        return f"postgresql://{POSTGRES_USER}@127.0.0.1:{self.port}/postgres"

    def __enter__(self) -> str:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    def start(self) -> str:
        self.bin_dir = postgres_bin_dir()
        self.root = _make_owned_tempdir()
        try:
            self._initdb()
            self.port = self._start_on_a_free_port()
        except BaseException:
            self.stop()
            raise
        return self.url

    def stop(self) -> None:
        """Stop the server (immediate: nothing to keep) and remove its directory; idempotent."""
        if self.bin_dir is not None and self.root is not None:
            _stop_cluster(self.bin_dir, self.root)
        if self.root is not None:
            shutil.rmtree(self.root, ignore_errors=True)
        self.root = None
        self.port = None

    def _initdb(self) -> None:
        assert self.bin_dir is not None and self.root is not None
        init = _run(
            [
                str(self.bin_dir / "initdb"),
                "-A", "trust",
                "-U", POSTGRES_USER,
                "-D", str(self.root / "data"),
                "--no-sync",  # only skips initdb's final flush of the new files
                "-E", "UTF8",
                "--no-locale",  # the machine's locale may not be generated; C is deterministic
            ],
            cwd=self.root,
        )  # fmt: skip
        if init.returncode != 0:
            raise RuntimeError(f"initdb failed:\n{init.stdout}\n{init.stderr}")

    def _start_on_a_free_port(self) -> int:
        assert self.bin_dir is not None and self.root is not None
        log = self.root / "log"
        errors = []
        for _ in range(START_ATTEMPTS):
            port = _free_port()
            start = self._pg_ctl_start(port)
            if start.returncode == 0:
                return port
            # Most likely the port was taken in the meantime (e.g. another xdist worker).
            # A server that merely started too slowly must not outlive the retry.
            errors.append(f"port {port}: {start.stdout}{start.stderr}")
            _stop_cluster(self.bin_dir, self.root)
        log_text = log.read_text(errors="replace") if log.exists() else ""
        raise RuntimeError(
            "could not start the throwaway PostgreSQL cluster:\n" + "\n".join(errors) + f"\n--- {log} ---\n{log_text}"
        )

    def _pg_ctl_start(self, port: int) -> subprocess.CompletedProcess[str]:
        assert self.bin_dir is not None and self.root is not None
        options = f"-p {port} -k {self.root} -c listen_addresses='127.0.0.1'"
        if not self.durable:
            options += " " + NON_DURABLE_OPTIONS
        data, log = self.root / "data", self.root / "log"
        return _run(
            [str(self.bin_dir / "pg_ctl"), "-D", str(data), "-o", options, "-w", "-l", str(log), "start"],
            cwd=self.root,
        )

    def interrupt(self) -> None:
        """Stop the server but keep its data and port: an outage until ``resume``. A fast stop cuts
        every session at once and, unlike an immediate one, loses no commit even when not durable."""
        if self.bin_dir is None or self.root is None or self.port is None:
            raise RuntimeError("the throwaway PostgreSQL cluster is not running")
        _run([str(self.bin_dir / "pg_ctl"), "-D", str(self.root / "data"), "-m", "fast", "-w", "stop"], cwd=self.root)

    def resume(self) -> None:
        """Start an interrupted server again on the same port, with its data."""
        if self.port is None:
            raise RuntimeError("the throwaway PostgreSQL cluster was removed")
        start = self._pg_ctl_start(self.port)
        if start.returncode != 0:
            raise RuntimeError(f"could not restart the throwaway PostgreSQL cluster:\n{start.stdout}{start.stderr}")


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


def _stop_cluster(bin_dir: Path, root: Path) -> None:
    if (root / "data" / "postmaster.pid").exists():
        _run([str(bin_dir / "pg_ctl"), "-D", str(root / "data"), "-m", "immediate", "stop"], cwd=root)
