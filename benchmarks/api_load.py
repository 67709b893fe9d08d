"""HTTP API benchmark: commands and reads per second, p50/p99, under 32 concurrent clients on PostgreSQL,
beside a bare FastAPI app doing the least SQL of the same endpoints (benchmarks/baseline_app.py).

For each worker count (2, then 1):

1. a scratch database (on RELANCE_BENCH_DATABASE_URL's server, or on a throwaway cluster with fsync
   on), a debtor and R receivables issued through the Ledger, an accountant token made with
   ``relance token create --json``;
2. ``relance serve --workers N`` (RELANCE_ENVIRONMENT=production: JSON request logs, to a file);
   wrk (a separate process, 32 connections, 2 threads, ``--latency``) on
   ``POST /v1/receivables/{id}/payments`` (0.01 EUR, a unique bank reference per request, the
   receivables in round robin, each wrk thread on its own half of them) then on
   ``GET /v1/receivables/{id}``; then all 32 connections paying into ONE receivable, to show the
   conflict behaviour (409 on a concurrent write);
3. the baseline app under uvicorn with the same worker count, on the same database and with the
   same wrk parameters: one INSERT of a row of the event's shape and size per POST (a real stored
   ``PaymentReceived`` state), one SELECT of the receivable's rows per GET.

Prints a Markdown table (req/s, p50, p99 for both, the ratio and whether the issue's aim, at least
0.7x of the baseline's throughput, is met) with the non-2xx and 5xx counts. ``--quick`` is a smoke
run of a few seconds per measurement. A script that prints figures, not a test.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import platform
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from uuid import UUID
from zoneinfo import ZoneInfo

import baseline_app  # benchmarks/baseline_app.py, beside this script
import psycopg
from bench_support import BENCH_URL_ENV, postgres_server, scratch_database, support
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat
from pydantic import SecretStr

from application.commands import IssueInvoice, RecordPayment, RegisterDebtor
from domain.debtor import Address
from domain.vocabulary import DebtorKind, PaymentMethod
from infrastructure.settings import Settings
from infrastructure.stores import build_ledger

REPO = Path(__file__).resolve().parent.parent
TIMEZONE = "Europe/Paris"
AIM = 0.7  # the issue's aim: at least 0.7x of the baseline's throughput
ACTOR = "benchmark"
WRK_INSTALL = "install wrk (Debian/Ubuntu, as root: apt-get install wrk)"
LATENCY_LINE = re.compile(r"^\s*(50|75|90|99)%\s+([\d.]+)(us|ms|s|m)\s*$")
UNITS_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


@dataclass(frozen=True)
class Plan:
    duration: int  # seconds per measurement
    warmup: int  # seconds of load before each server's first measurement, not counted
    connections: int
    threads: int
    receivables: int
    workers: tuple[int, ...]


@dataclass
class WrkRun:
    """One wrk run: its throughput and latency distribution, and the status of every response."""

    requests_per_second: float
    latency_ms: dict[int, float]  # percentile -> milliseconds
    requests: int
    statuses: Counter[int] = field(default_factory=Counter)
    socket_errors: str = ""
    server_cpu_ms: float = 0.0  # CPU time of the server's processes (user + system) per request

    @property
    def non_2xx(self) -> int:
        return sum(count for status, count in self.statuses.items() if not 200 <= status < 300)

    @property
    def server_errors(self) -> int:
        return sum(count for status, count in self.statuses.items() if status >= 500)

    @property
    def ok_per_second(self) -> float:
        total = sum(self.statuses.values()) or 1
        return self.requests_per_second * (total - self.non_2xx) / total


@dataclass
class Row:
    endpoint: str
    workers: int
    relance: WrkRun
    baseline: WrkRun | None


# ------------------------------------------------------------------ helpers


def progress(message: str) -> None:
    print(f"[api_load] {message}", file=sys.stderr, flush=True)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def load_average() -> str:
    try:
        one, five, _ = os.getloadavg()
    except OSError:
        return "load average unknown"
    return f"load average {one:.2f} (1 min), {five:.2f} (5 min)"


def require_wrk() -> str:
    wrk = shutil.which("wrk")
    if wrk is None:
        sys.exit(f"api_load: wrk not found: {WRK_INSTALL}; benchmarks/run_api_load does it when run as root")
    return wrk


def relance_env(database_url: str, data_dir: Path) -> dict[str, str]:
    """The server's environment, as a PostgreSQL deployment has it (including the firm's signing key)."""
    key_file = data_dir / "firm-key.pem"
    if not key_file.exists():
        data_dir.mkdir(parents=True, exist_ok=True)
        key = Ed25519PrivateKey.generate().private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption())
        key_file.write_bytes(key)
    return {
        **os.environ,
        "RELANCE_DATABASE_URL": database_url,
        "RELANCE_DATA_DIR": str(data_dir),
        "RELANCE_TIMEZONE": TIMEZONE,
        "RELANCE_ENVIRONMENT": "production",
        "RELANCE_SIGNING_KEY_FILE": str(key_file),
    }


def relance_command() -> list[str]:
    script = Path(sys.executable).with_name("relance")
    return [str(script)] if script.exists() else [sys.executable, "-c", "from api.cli import main; main()"]


# ----------------------------------------------------------------- the data


@dataclass(frozen=True)
class Ledgered:
    receivable_ids: list[UUID]
    payment_topic: str
    payment_state: bytes
    token: str


def seed(database_url: str, data_dir: Path, receivables: int) -> Ledgered:
    """A debtor, the receivables (1,000,000.00 EUR each: 0.01 payments never settle them), one payment to
    copy a real stored event row from, and an accountant token made by the CLI."""
    settings = Settings(database_url=SecretStr(database_url), data_dir=data_dir, timezone=TIMEZONE)
    ledger = build_ledger(settings)
    try:
        today = ledger.now().today
        debtor_id = uuid.uuid4()
        ledger.execute(
            RegisterDebtor(
                debtor_id=debtor_id,
                legal_name="Menuiserie Martin SARL",
                kind=DebtorKind.PROFESSIONAL,
                address=Address(lines=["12 rue des Lilas"], postal_code="69003", city="Lyon", country="FR"),
                siren="732829320",
                siret=None,
            ),
            actor=ACTOR,
        )
        ids = []
        for number in range(receivables):
            command = IssueInvoice(
                invoice_number=f"BENCH-{number:05d}",
                debtor_id=debtor_id,
                issue_date=today - timedelta(days=40),
                due_date=today - timedelta(days=10),
                amount_excl_vat=Decimal("833333.33"),
                vat=Decimal("166666.67"),
                amount_incl_vat=Decimal("1000000.00"),
                label="Menuiseries, chantier Lyon 3e",
            )
            ids.append(ledger.execute(command, actor=ACTOR).aggregate_id)
        payment = RecordPayment(
            receivable_id=ids[0],
            amount=Decimal("0.01"),
            value_date=today,
            method=PaymentMethod.TRANSFER,
            bank_reference="BENCH-SEED-0",
        )
        outcome = ledger.execute(payment, actor=ACTOR)
    finally:
        ledger.close()
    with psycopg.connect(database_url) as conn:
        topic, state = conn.execute(
            "SELECT topic, state FROM ledger_events WHERE originator_id = %s AND originator_version = %s",
            (ids[0], outcome.version),
        ).fetchone() or ("", b"")
    created = subprocess.run(
        [*relance_command(), "token", "create", "--role", "accountant", "--name", "benchmark", "--json"],
        env=relance_env(database_url, data_dir),
        capture_output=True,
        text=True,
        check=True,
    )
    return Ledgered(ids, str(topic), bytes(state), json.loads(created.stdout)["token"])


# ----------------------------------------------------------------- servers


@dataclass(frozen=True)
class Server:
    base_url: str
    process_group: int

    def cpu_seconds(self) -> float:
        """User + system CPU time of every process of the server (uvicorn and its workers), so far."""
        ticks = os.sysconf("SC_CLK_TCK")
        total = 0
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[2]) == self.process_group:  # fields after "(comm)": state, ppid, pgrp, ...
                total += int(fields[11]) + int(fields[12])  # utime, stime
        return total / ticks


@contextmanager
def serving(command: Sequence[str], env: dict[str, str], port: int, log: Path) -> Iterator[Server]:
    """Start a server process (its own process group), wait for /healthz, stop it at the end."""
    with log.open("ab") as log_file:
        process = subprocess.Popen(command, env=env, stdout=log_file, stderr=log_file, start_new_session=True, cwd=REPO)
        base_url = f"http://127.0.0.1:{port}"
        try:
            wait_until_up(process, base_url, log)
            yield Server(base_url, process.pid)
        finally:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
                try:
                    process.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    os.killpg(process.pid, signal.SIGKILL)
                    process.wait()


def wait_until_up(process: subprocess.Popen[bytes], base_url: str, log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            sys.exit(f"api_load: the server exited ({process.returncode}); see {log}")
        try:
            with urllib.request.urlopen(f"{base_url}/healthz", timeout=1) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    sys.exit(f"api_load: the server did not answer /healthz within 60 s; see {log}")


def relance_server(database_url: str, data_dir: Path, workers: int, log: Path) -> AbstractContextManager[Server]:
    port = free_port()
    command = [*relance_command(), "serve", "--host", "127.0.0.1", "--port", str(port), "--workers", str(workers)]
    return serving(command, relance_env(database_url, data_dir), port, log)


def baseline_server(
    database_url: str, ledgered: Ledgered, workers: int, state_file: Path, log: Path
) -> AbstractContextManager[Server]:
    state_file.write_bytes(ledgered.payment_state)
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute(baseline_app.SCHEMA)
    port = free_port()
    command = [
        sys.executable, "-m", "uvicorn", "baseline_app:create_app", "--factory",
        "--app-dir", str(REPO / "benchmarks"), "--host", "127.0.0.1", "--port", str(port),
        "--workers", str(workers), "--log-level", "warning", "--no-access-log",
    ]  # fmt: skip
    env = {
        **os.environ,
        "BASELINE_DATABASE_URL": database_url,
        "BASELINE_STATE_FILE": str(state_file),
        "BASELINE_TOPIC": ledgered.payment_topic,
    }
    return serving(command, env, port, log)


# --------------------------------------------------------------------- wrk

LUA = """
-- generated by benchmarks/api_load.py
local ids = {%(ids)s}
local method = "%(method)s"
local suffix = "%(suffix)s"
local tag = "%(tag)s"
local nthreads = %(threads)d
local headers = {["Authorization"] = "Bearer %(token)s", ["Content-Type"] = "application/json"}
local threads = {}

function setup(thread)
  table.insert(threads, thread)
  thread:set("thread_id", #threads)
end

function init(args)
  counter = 0
  statuses = {}
end

function request()
  -- each thread takes its own share of the receivables, in round robin: no two connections of the
  -- run write to the same receivable at once unless there are fewer receivables than threads
  local id = ids[((counter * nthreads + thread_id - 1) %% #ids) + 1]
  counter = counter + 1
  local body = nil
  if method == "POST" then
    body = string.format(
      '{"amount":"0.01","value_date":"%(today)s","method":"transfer","bank_reference":"%%s-%%d-%%d"}',
      tag, thread_id, counter)
  end
  return wrk.format(method, "/v1/receivables/" .. id .. suffix, headers, body)
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end

function done(summary, latency, requests)
  local totals = {}
  for _, thread in ipairs(threads) do
    for status, count in pairs(thread:get("statuses")) do
      totals[status] = (totals[status] or 0) + count
    end
  end
  for status, count in pairs(totals) do
    io.write(string.format("STATUS %%d %%d\\n", status, count))
  end
end
"""


@dataclass(frozen=True)
class Target:
    """What wrk sends: the method, to which receivables, with which token; ``today`` dates the payments."""

    method: str
    ids: Sequence[UUID]
    token: str
    today: str


def wrk_script(directory: Path, target: Target, threads: int) -> Path:
    """A Lua script for one run, with its own tag: bank references never repeat across runs."""
    tag = f"B{uuid.uuid4().hex[:10]}"
    path = directory / f"wrk-{target.method.lower()}-{tag}.lua"
    path.write_text(
        LUA
        % {
            "ids": ", ".join(f'"{i}"' for i in target.ids),
            "method": target.method,
            "suffix": "/payments" if target.method == "POST" else "",
            "tag": tag,
            "threads": threads,
            "token": target.token,
            "today": target.today,
        }
    )
    return path


def run_wrk(server: Server, target: Target, plan: Plan, duration: int, directory: Path) -> WrkRun:
    script = wrk_script(directory, target, plan.threads)
    command = [
        require_wrk(), "-t", str(plan.threads), "-c", str(plan.connections), "-d", f"{duration}s",
        "--timeout", "10s", "--latency", "-s", str(script), server.base_url,
    ]  # fmt: skip
    cpu_before = server.cpu_seconds()
    completed = subprocess.run(command, capture_output=True, text=True, check=False)
    cpu = server.cpu_seconds() - cpu_before
    if completed.returncode != 0:
        sys.exit(f"api_load: wrk failed ({completed.returncode}):\n{completed.stdout}\n{completed.stderr}")
    result = parse_wrk(completed.stdout)
    result.server_cpu_ms = 1000 * cpu / max(1, result.requests)
    return result


def parse_wrk(output: str) -> WrkRun:
    latency = {}
    statuses: Counter[int] = Counter()
    rate = 0.0
    requests = 0
    errors = ""
    for line in output.splitlines():
        if match := LATENCY_LINE.match(line):
            latency[int(match.group(1))] = float(match.group(2)) * UNITS_MS[match.group(3)]
        elif line.startswith("Requests/sec:"):
            rate = float(line.split(":")[1])
        elif match := re.match(r"^\s*(\d+) requests in", line):
            requests = int(match.group(1))
        elif line.startswith("STATUS "):
            _, status, count = line.split()
            statuses[int(status)] += int(count)
        elif "Socket errors" in line:
            errors = line.strip()
    if not latency or not rate:
        sys.exit(f"api_load: could not read wrk's output:\n{output}")
    return WrkRun(rate, latency, requests, statuses, errors)


# ------------------------------------------------------------------- runs


def measure(server: Server, target: Target, plan: Plan, directory: Path, label: str) -> WrkRun:
    progress(f"{label}: {plan.duration} s, {plan.connections} connections, {plan.threads} threads")
    result = run_wrk(server, target, plan, plan.duration, directory)
    progress(
        f"  {result.requests_per_second:,.0f} req/s, p50 {result.latency_ms[50]:.1f} ms, "
        f"p99 {result.latency_ms[99]:.1f} ms, server CPU {result.server_cpu_ms:.2f} ms/request, "
        f"statuses {dict(sorted(result.statuses.items()))}, {load_average()}"
    )
    return result


def run_for_workers(server_url: str, plan: Plan, workers: int, work_dir: Path) -> tuple[list[Row], WrkRun]:
    with scratch_database(server_url, "relance_api_bench") as database_url:
        data_dir = work_dir / f"data-{workers}"
        progress(f"{workers} worker(s): seeding {plan.receivables} receivables, and one for the conflict run")
        ledgered = seed(database_url, data_dir, plan.receivables + 1)
        today = datetime.now(tz=UTC).astimezone(ZoneInfo(TIMEZONE)).date().isoformat()
        spread, alone = ledgered.receivable_ids[:-1], ledgered.receivable_ids[-1:]
        post = Target("POST", spread, ledgered.token, today)
        get = Target("GET", spread, ledgered.token, today)
        log = work_dir / f"relance-{workers}-workers.log"
        with relance_server(database_url, data_dir, workers, log) as server:
            progress(f"relance serve --workers {workers} on {server.base_url} (logs: {log})")
            run_wrk(server, post, plan, plan.warmup, work_dir)
            relance_post = measure(server, post, plan, work_dir, "relance POST payments")
            relance_get = measure(server, get, plan, work_dir, "relance GET receivable")
            conflict = measure(
                server, Target("POST", alone, ledgered.token, today), plan, work_dir,
                "relance POST payments, all on one receivable",
            )  # fmt: skip
            server_errors_logged = count_logged_server_errors(log)
        baseline_log = work_dir / f"baseline-{workers}-workers.log"
        with baseline_server(database_url, ledgered, workers, work_dir / "state.bin", baseline_log) as server:
            progress(f"baseline app, {workers} worker(s), on {server.base_url}")
            run_wrk(server, post, plan, plan.warmup, work_dir)
            baseline_post = measure(server, post, plan, work_dir, "baseline POST (one INSERT)")
            baseline_get = measure(server, get, plan, work_dir, "baseline GET (one SELECT)")
    if server_errors_logged:
        progress(f"the relance server logged {server_errors_logged} responses of status 5xx: see {log}")
    rows = [
        Row("POST /v1/receivables/{id}/payments", workers, relance_post, baseline_post),
        Row("GET /v1/receivables/{id}", workers, relance_get, baseline_get),
    ]
    return rows, conflict


def count_logged_server_errors(log: Path) -> int:
    """5xx in the server's own JSON request log, as a cross-check of what wrk saw."""
    count = 0
    for line in log.read_text(errors="replace").splitlines():
        if line.startswith("{") and '"http_request"' in line:
            try:
                count += int(json.loads(line).get("status", 0)) >= 500
            except ValueError:
                continue
    return count


# ----------------------------------------------------------------- report


def figures_table(rows: Sequence[Row]) -> str:
    lines = [
        "| endpoint | workers | relance req/s | p50 | p99 | baseline req/s | p50 | p99 | ratio | aim (≥0.7x) "
        "| server CPU per request, relance / baseline | non-2xx relance / baseline | 5xx |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for row in rows:
        r, b = row.relance, row.baseline
        assert b is not None
        ratio = r.ok_per_second / b.ok_per_second if b.ok_per_second else 0.0
        lines.append(
            f"| `{row.endpoint}` | {row.workers} | {r.requests_per_second:,.0f} | {r.latency_ms[50]:.1f} ms "
            f"| {r.latency_ms[99]:.1f} ms | {b.requests_per_second:,.0f} | {b.latency_ms[50]:.1f} ms "
            f"| {b.latency_ms[99]:.1f} ms | {ratio:.2f}x | {'yes' if ratio >= AIM else 'no'} "
            f"| {r.server_cpu_ms:.2f} / {b.server_cpu_ms:.2f} ms | {r.non_2xx} / {b.non_2xx} "
            f"| {r.server_errors + b.server_errors} |"
        )
    return "\n".join(lines)


def conflict_table(conflicts: dict[int, WrkRun]) -> str:
    lines = [
        "| all connections on one receivable | workers | req/s | 2xx/s | 409 | share of 409 | p50 | p99 | 5xx |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for workers, run in conflicts.items():
        total = sum(run.statuses.values()) or 1
        lines.append(
            f"| `POST .../payments` | {workers} | {run.requests_per_second:,.0f} | {run.ok_per_second:,.0f} "
            f"| {run.statuses[409]:,} | {run.statuses[409] / total:.0%} | {run.latency_ms[50]:.1f} ms "
            f"| {run.latency_ms[99]:.1f} ms | {run.server_errors} |"
        )
    return "\n".join(lines)


def machine() -> str:
    return f"{platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}, {platform.system()}"


def uvicorn_implementations() -> str:
    """What uvicorn's defaults (``--loop auto --http auto``) pick, for relance and the baseline alike:
    uvloop and httptools when installed (``uvicorn[standard]``), else asyncio and h11."""
    loop = "uvloop" if importlib.util.find_spec("uvloop") else "asyncio"
    http = "httptools" if importlib.util.find_spec("httptools") else "h11"
    return f"uvicorn --loop {loop} --http {http} on both sides"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true", help="smoke run: 3 s per measurement, 2 workers only")
    parser.add_argument("--duration", type=int, default=15, help="seconds per measurement (default 15)")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--receivables", type=int, default=128, help="receivables the payments go to (128)")
    parser.add_argument("--workers", default="2,1", help="worker counts, comma-separated (default 2,1)")
    args = parser.parse_args(argv)
    workers = tuple(int(w) for w in args.workers.split(","))
    plan = Plan(
        duration=3 if args.quick else args.duration,
        warmup=1 if args.quick else 3,
        connections=args.connections,
        threads=args.threads,
        receivables=args.receivables,
        workers=workers[:1] if args.quick else workers,
    )
    require_wrk()
    wrk_version = subprocess.run(["wrk", "--version"], capture_output=True, text=True, check=False).stdout
    load_before = load_average()
    rows: list[Row] = []
    conflicts: dict[int, WrkRun] = {}
    source = BENCH_URL_ENV if os.environ.get(BENCH_URL_ENV) else "a throwaway cluster, fsync on"
    progress(f"PostgreSQL: {source}")
    with tempfile.TemporaryDirectory(prefix="relance-api-bench-") as directory, postgres_server() as server:
        work_dir = Path(directory)
        for count in plan.workers:
            figures, conflicts[count] = run_for_workers(server, plan, count, work_dir)
            rows += figures
        server_version = "PostgreSQL"
        with psycopg.connect(support().with_dbname(server, "postgres")) as conn:
            server_version = str((conn.execute("SHOW server_version").fetchone() or ["?"])[0])
    print(f"HTTP API benchmark, {time.strftime('%Y-%m-%d %H:%M %Z')}\n")
    print(f"- {machine()}; PostgreSQL {server_version} ({source}); {(wrk_version.splitlines() or ['wrk'])[0]}")
    print(f"- {load_before} before the run, {load_average()} after; {uvicorn_implementations()}")
    print(
        f"- wrk: {plan.connections} connections, {plan.threads} threads, {plan.duration} s per measurement "
        f"after {plan.warmup} s of warm-up; payments of 0.01 EUR over {plan.receivables} receivables\n"
    )
    print(figures_table(rows))
    print()
    print(conflict_table(conflicts))
    print(
        "\nratio: relance's 2xx per second over the baseline's. p50/p99: wrk's latency distribution. "
        "Server CPU: user + system time of the server's processes during the run, per request."
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
