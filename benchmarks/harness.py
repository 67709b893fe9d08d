"""The full benchmark harness (issue 9): every figure of relance beside its baseline, measured in one run.

One durable throwaway PostgreSQL (fsync on) or RELANCE_BENCH_DATABASE_URL's server (a scratch database),
then, on one realistic ledger (100,000 receivables, ~1,010,000 events by default):

1. load: the ledger written through the domain, 1,000 aggregates per ``save()`` (a child process,
   ``tests/support/ledger_backlog.py``), beside a raw binary ``COPY`` of the same rows into a table of
   the same shape;
2. replay: ``scan_ledger`` (every receivable and debtor rebuilt in memory) and ``relance ledger verify``
   (every chain recomputed), beside a raw ``SELECT state`` of the whole log with ``json.loads``;
   rebuild: ``relance projections rebuild``, beside the same raw read;
3. HTTP: ``relance serve --workers 2`` and the bare FastAPI baseline (benchmarks/baseline_app.py: one
   INSERT per POST, one SELECT per GET), wrk (a separate process) at 8, 32 and 128 connections on
   ``POST /v1/receivables/{id}/payments`` and ``GET /v1/receivables/{id}``: 2xx per second, p50, p99;
4. projection lag: ``relance projections run`` as its own process while wrk records payments; the lag
   (log position minus the slowest projection's position) sampled twice a second; the catch-up time;
5. evidence: ``relance export`` of one receivable and ``relance verify`` of the bundle, beside
   ``sha256sum`` of the bundle file;
6. peak memory of every process: VmHWM from /proc for the servers' processes and PostgreSQL's backends
   (sampled), the kernel's own peak (``wait4``'s ru_maxrss) for every command run to its end.

Prints one Markdown table (measure, relance, baseline, ratio) on stdout; progress goes to stderr. A
script that prints figures, not a test: it asserts nothing about speed.

    benchmarks/run --quick     # 2,000 receivables, 2 s per wrk run: about 1-1.5 minutes
    benchmarks/run             # 100,000 receivables, 10 s per wrk run: 11-15 minutes on 2 cores
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:  # the script runs from benchmarks/, not the repository root
    sys.path.insert(0, str(REPO))

import psycopg  # noqa: E402

STARTED = float(os.environ.setdefault("RELANCE_HARNESS_STARTED", str(time.time())))  # children share it


def progress(message: str) -> None:
    print(f"[harness {time.time() - STARTED:6.0f} s] {message}", file=sys.stderr, flush=True)


# ------------------------------------------------------------------ children (steps in their own process)
# Defined before the HTTP benchmark's imports (FastAPI, uvicorn's app, the API): a child imports only what its
# step needs, so that its peak memory is its own work's.


def child_main(role: str, args: Sequence[str]) -> int:
    url = args[0]
    if role == "raw-read":  # the baseline: psycopg and json only
        print(json.dumps(raw_read(url)))
        return 0
    from pydantic import SecretStr

    from infrastructure.settings import Settings
    from infrastructure.stores import build_ledger

    ledger = build_ledger(Settings(database_url=SecretStr(url), postgres_pool_size=5))
    try:
        if role == "load":
            from tests.support.ledger_backlog import write_backlog

            backlog = write_backlog(
                ledger, receivables=int(args[1]), events_per_receivable=int(args[2]),
                on_progress=lambda n: progress(f"  {n:,} events written"),
            )  # fmt: skip
            result = {"events": backlog.events, "receivables": backlog.receivables, "debtors": backlog.debtors,
                      "seconds": backlog.seconds}  # fmt: skip
        elif role == "replay":
            from application.ledger_scan import scan_ledger

            started = time.perf_counter()
            scan = scan_ledger(ledger)
            result = {"events": scan.events, "seconds": time.perf_counter() - started,
                      "receivables": len(scan.receivables), "debtors": len(scan.debtors)}  # fmt: skip
        else:
            raise SystemExit(f"harness: unknown child role {role!r}")
    finally:
        ledger.close()
    print(json.dumps(result))
    return 0


def raw_read(url: str, page: int = 10_000) -> dict[str, float]:
    """The baseline of a replay: every event's state in log order, in pages as the product reads it, and
    ``json.loads`` of each (no objects, no aggregates, no hashes)."""
    started = time.perf_counter()
    events, last = 0, 0
    with psycopg.connect(url) as conn:
        while True:
            rows = conn.execute(
                "SELECT notification_id, state FROM ledger_events WHERE notification_id > %s "
                "ORDER BY notification_id LIMIT %s",
                (last, page),
            ).fetchall()
            if not rows:
                break
            for _, state in rows:
                json.loads(state)
            events += len(rows)
            last = rows[-1][0]
    return {"events": events, "seconds": time.perf_counter() - started}


if __name__ == "__main__" and sys.argv[1:2] == ["child"]:
    raise SystemExit(child_main(sys.argv[2], sys.argv[3:]))

from api_load import (  # noqa: E402
    Plan,
    Server,
    Target,
    WrkRun,
    baseline_server,
    measure,
    relance_command,
    relance_env,
    relance_server,
    require_wrk,
    run_wrk,
    seed,
)
from bench_support import BENCH_URL_ENV, postgres_server, scratch_database, support  # noqa: E402

GNU_TIME = "/usr/bin/time" if os.access("/usr/bin/time", os.X_OK) else None  # peak memory of a command
TIMEZONE = "Europe/Paris"  # the firm's time zone in relance_env(): payments are dated in it
EXPORTED_INVOICE = "BL-0000003"  # a receivable of the backlog (invoice numbers BL-0000000 ...)
READ_IDS = 1_000  # receivables of the backlog the GETs read, evenly spread
COPY_TABLE = "bench_copy_events"
COPY_SCHEMA = f"""
DROP TABLE IF EXISTS {COPY_TABLE};
CREATE TABLE {COPY_TABLE} (
    originator_id uuid NOT NULL,
    originator_version bigint NOT NULL,
    topic text NOT NULL,
    state bytea NOT NULL,
    notification_id bigserial,
    PRIMARY KEY (originator_id, originator_version)
);
CREATE UNIQUE INDEX {COPY_TABLE}_notification_id ON {COPY_TABLE} (notification_id);
"""
LAG_SAMPLE_SECONDS = 0.25
LAG_QUERY = "SELECT (SELECT max(notification_id) FROM ledger_events), (SELECT min(position) FROM projection_positions)"


def load_average() -> str:
    one, five, _ = os.getloadavg()
    return f"{one:.2f} (1 min), {five:.2f} (5 min)"


# ------------------------------------------------------------------ the table


@dataclass
class Row:
    """One line of the table: relance's figure, the baseline's, and relance ÷ baseline."""

    measure: str
    relance: float | None
    baseline: float | None
    unit: str
    relance_note: str = ""
    baseline_note: str = ""

    def cells(self) -> tuple[str, str, str, str]:
        ratio = f"{self.relance / self.baseline:.2f}x" if self.relance is not None and self.baseline else "—"
        return (self.measure, _cell(self.relance, self.unit, self.relance_note),
                _cell(self.baseline, self.unit, self.baseline_note), ratio)  # fmt: skip


def _cell(value: float | None, unit: str, note: str) -> str:
    if value is None:
        return note or "—"
    if unit in ("s",):
        text = f"{value:.2f} s"
    elif unit == "ms":
        text = f"{value:.1f} ms"
    elif unit == "MB":
        text = f"{value:,.0f} MB" if value >= 10 else f"{value:.1f} MB"
    else:
        text = f"{value:,.0f} {unit}".rstrip()
    return f"{text} ({note})" if note else text


def table(rows: Sequence[Row]) -> str:
    lines = ["| measure | relance | baseline | ratio |", "|---|--:|--:|--:|"]
    lines += ["| " + " | ".join(row.cells()) + " |" for row in rows]
    return "\n".join(lines)


# ------------------------------------------------------------------ processes


@dataclass(frozen=True)
class Ran:
    """A command run to its end: wall time, the kernel's peak resident set, its output."""

    seconds: float
    peak_mb: float
    stdout: str
    returncode: int


def run_measured(command: Sequence[str], env: dict[str, str] | None, work: Path) -> Ran:
    """Run a command to its end; its peak resident set from GNU time (``%M``, the kernel's ru_maxrss).

    Not wait4's own ru_maxrss: a child forked from this (large) Python process keeps the fork's peak
    across exec, so sha256sum would show ~70 MB. /usr/bin/time is small, so the command it forks is not
    inflated. Without it, the figure is that upper bound."""
    out = work / f"out-{time.monotonic_ns()}.txt"
    peak_file = work / f"peak-{time.monotonic_ns()}.txt"
    wrapped = [GNU_TIME, "-q", "-f", "%M", "-o", str(peak_file), *command] if GNU_TIME else list(command)
    with out.open("wb") as stdout:
        started = time.perf_counter()
        process = subprocess.Popen(wrapped, env=env, stdout=stdout, cwd=REPO)  # stderr: the harness's
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)  # reaped here: Popen must not wait again
    text = out.read_text(errors="replace")
    out.unlink()
    if process.returncode != 0:
        progress(f"  exit status {process.returncode} from {' '.join(command[:4])} ...: {text[-500:]}")
    return Ran(seconds, peak_kb(peak_file, usage.ru_maxrss) / 1024, text, process.returncode)


def peak_kb(peak_file: Path, fallback: int) -> int:
    """The last number GNU time wrote (kB), or the fallback."""
    try:
        numbers = re.findall(r"^\d+$", peak_file.read_text(), re.MULTILINE)
        peak_file.unlink()
    except OSError:
        return fallback
    return int(numbers[-1]) if numbers else fallback


def child(role: str, *args: str) -> list[str]:
    """This script run as a child process for one step, so that its memory is its own."""
    return [sys.executable, str(Path(__file__).resolve()), "child", role, *args]


def vm_hwm_mb(pid: int) -> float | None:
    """The peak resident set of a live process (VmHWM), or None once it is gone."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def processes_where(field_index: int, value: int) -> list[int]:
    """Pids whose /proc/PID/stat field (after the command name: 1 = ppid, 2 = pgrp) equals value."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[field_index]) == value:
            found.append(int(stat.parent.name))
    return found


class MemoryWatch:
    """Samples VmHWM of groups of processes twice a second; keeps the peak of each process seen."""

    def __init__(self) -> None:
        self.groups: dict[str, Callable[[], list[int]]] = {}
        self.peaks: dict[str, dict[int, float]] = {}
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)
        self._thread.start()

    def watch(self, label: str, pids: Callable[[], list[int]]) -> None:
        with self._lock:
            self.groups[label] = pids
            self.peaks.setdefault(label, {})
        self.sample()

    def unwatch(self, label: str) -> None:
        self.sample()
        with self._lock:
            self.groups.pop(label, None)

    def sample(self) -> None:
        with self._lock:
            for label, pids in self.groups.items():
                for pid in pids():
                    peak = vm_hwm_mb(pid)
                    if peak is not None:
                        seen = self.peaks[label]
                        seen[pid] = max(seen.get(pid, 0.0), peak)

    def largest(self, label: str, but: int | None = None) -> float | None:
        values = [peak for pid, peak in self.peaks.get(label, {}).items() if pid != but]
        return max(values) if values else None

    def close(self) -> None:
        self._stop.set()
        self._thread.join()

    def _loop(self) -> None:
        while not self._stop.wait(0.5):
            self.sample()


def postmaster_pid(url: str) -> int | None:
    """The local PostgreSQL server's main process (the parent of our backend), if it runs on this machine."""
    with psycopg.connect(url) as conn:
        backend = int((conn.execute("SELECT pg_backend_pid()").fetchone() or [0])[0])
        try:
            parent = int(Path(f"/proc/{backend}/stat").read_text().rsplit(")", 1)[1].split()[1])
            comm = Path(f"/proc/{parent}/comm").read_text().strip()
        except (OSError, ValueError, IndexError):
            return None
    return parent if comm in ("postgres", "postmaster") else None


def read_json(ran: Ran) -> dict[str, Any]:
    """The command's JSON answer: its whole output, or else its last line that is JSON."""
    candidates = [ran.stdout, *reversed(ran.stdout.splitlines())]
    for text in candidates:
        try:
            parsed = json.loads(text)
        except ValueError:
            continue
        return parsed if isinstance(parsed, dict) else {"items": parsed}
    return {}


# ------------------------------------------------------------------ phases


@dataclass
class Run:
    """What the phases share: the database, the product's environment, the work directory, the sizes."""

    url: str
    data_dir: Path
    work: Path
    receivables: int
    events_per_receivable: int
    plan: Plan
    connections: tuple[int, ...]
    lag_seconds: int
    memory: MemoryWatch
    rows: list[Row] = field(default_factory=list)
    memory_rows: list[Row] = field(default_factory=list)
    facts: list[str] = field(default_factory=list)
    loads: list[str] = field(default_factory=list)  # the 1-minute load average as each step starts

    def step(self, name: str, message: str) -> None:
        self.loads.append(f"{name} {os.getloadavg()[0]:.1f}")
        progress(message)

    statuses: dict[str, dict[int, int]] = field(default_factory=dict)

    @property
    def env(self) -> dict[str, str]:
        return relance_env(self.url, self.data_dir)

    def relance(self, *args: str) -> Ran:
        return run_measured([*relance_command(), *args], self.env, self.work)


def phase_load(run: Run) -> None:
    sizes = f"{run.receivables:,} receivables x {run.events_per_receivable} events"
    run.step("load", f"1. load: {sizes} through the domain")
    ran = run_measured(child("load", run.url, str(run.receivables), str(run.events_per_receivable)), None, run.work)
    loaded = read_json(ran)
    events, seconds = int(loaded["events"]), float(loaded["seconds"])
    progress(f"  {events:,} events in {seconds:.1f} s; raw COPY of the same rows ...")
    copy_seconds, copied = copy_baseline(run.url, run.work)
    progress(f"  COPY of {copied:,} rows in {copy_seconds:.2f} s")
    run.facts.append(
        f"ledger: {loaded['receivables']:,} receivables, {loaded['debtors']:,} debtors, {events:,} events, "
        f"written in {seconds:.1f} s"
    )
    run.rows.append(Row(f"load the ledger: {events:,} events through the domain, 1,000 aggregates per save()",
                        events / seconds, copied / copy_seconds, "events/s",
                        f"{seconds:.1f} s", f"{copy_seconds:.1f} s, binary COPY"))  # fmt: skip
    run.memory_rows.append(Row("ledger load (child process, domain + save)", ran.peak_mb, None, "MB"))


def copy_baseline(url: str, work: Path) -> tuple[float, int]:
    """The ledger's rows (as stored) copied out, then timed: COPY into a table of the same shape, commit."""
    dump = work / "ledger_events.copy"
    with psycopg.connect(url) as conn:
        with (
            dump.open("wb") as out,
            conn.cursor().copy(
                "COPY (SELECT originator_id, originator_version, topic, state FROM ledger_events "
                "ORDER BY notification_id) TO STDOUT (FORMAT binary)"
            ) as copy,
        ):
            for chunk in copy:
                out.write(chunk)
        conn.execute(COPY_SCHEMA)
        conn.commit()
        started = time.perf_counter()
        with (
            dump.open("rb") as source,
            conn.cursor().copy(
                f"COPY {COPY_TABLE} (originator_id, originator_version, topic, state) FROM STDIN (FORMAT binary)"
            ) as copy,
        ):
            while chunk := source.read(1 << 20):
                copy.write(chunk)
        conn.commit()
        seconds = time.perf_counter() - started
        copied = int((conn.execute(f"SELECT count(*) FROM {COPY_TABLE}").fetchone() or [0])[0])
        conn.execute(f"DROP TABLE {COPY_TABLE}")
        conn.commit()
    dump.unlink()
    return seconds, copied


def phase_replay(run: Run) -> None:
    run.step("replay", "2. replay and rebuild: raw read of the log (baseline) ...")
    raw_ran = run_measured(child("raw-read", run.url), None, run.work)
    raw = read_json(raw_ran)
    raw_rate = raw["events"] / raw["seconds"]
    progress(f"  raw SELECT + json.loads: {raw['events']:,} events in {raw['seconds']:.2f} s")
    progress("  scan_ledger (every receivable and debtor in memory) ...")
    replay_ran = run_measured(child("replay", run.url), None, run.work)
    replay = read_json(replay_ran)
    progress(f"  {replay['events']:,} events in {replay['seconds']:.2f} s")
    run.step("verify", "  relance ledger verify ...")
    verified = run.relance("ledger", "verify", "--json")
    verify_events = int(read_json(verified).get("events", 0))
    progress(f"  {verify_events:,} events in {verified.seconds:.2f} s (exit {verified.returncode})")
    run.step("rebuild", "  relance projections rebuild ...")
    rebuilt = run.relance("projections", "rebuild")
    rebuild_events, rebuild_seconds = parse_rebuild(rebuilt.stdout)
    progress(f"  {rebuild_events:,} events in {rebuild_seconds:.2f} s")
    raw_note = f"{raw['seconds']:.2f} s, raw SELECT + json.loads"
    run.rows += [
        Row("replay: every receivable and debtor rebuilt in memory (`scan_ledger`)",
            replay["events"] / replay["seconds"], raw_rate, "events/s", f"{replay['seconds']:.2f} s", raw_note),
        Row("`relance ledger verify`: every chain recomputed (command, start-up included)",
            verify_events / verified.seconds if verified.seconds else None, raw_rate, "events/s",
            f"{verified.seconds:.2f} s", raw_note),
        Row("`relance projections rebuild`: every read model, indexes and ANALYZE",
            rebuild_events / rebuild_seconds if rebuild_seconds else None, raw_rate, "events/s",
            f"{rebuild_seconds:.2f} s", raw_note),
    ]  # fmt: skip
    run.memory_rows += [
        Row("replay (`scan_ledger`, child process)", replay_ran.peak_mb, raw_ran.peak_mb, "MB",
            baseline_note="raw read process"),
        Row("`relance ledger verify`", verified.peak_mb, raw_ran.peak_mb, "MB", baseline_note="raw read process"),
        Row("`relance projections rebuild`", rebuilt.peak_mb, raw_ran.peak_mb, "MB",
            baseline_note="raw read process"),
    ]  # fmt: skip


def parse_rebuild(output: str) -> tuple[int, float]:
    match = re.search(r"from (\d+) event\(s\) in ([\d.]+) s", output)
    return (int(match.group(1)), float(match.group(2))) if match else (0, 0.0)


def phase_http(run: Run) -> None:
    workers = run.plan.workers[0]
    run.step("seed", f"3. HTTP: seeding {run.plan.receivables} receivables for the payments, and a token")
    ledgered = seed(run.url, run.data_dir, run.plan.receivables)
    today = datetime.now(tz=UTC).astimezone(ZoneInfo(TIMEZONE)).date().isoformat()
    from domain.receivable import receivable_id_for

    step = max(1, run.receivables // READ_IDS)
    read_ids = [receivable_id_for(f"BL-{i:07d}") for i in range(0, run.receivables, step)][:READ_IDS]
    post = Target("POST", ledgered.receivable_ids, ledgered.token, today)
    get = Target("GET", read_ids, ledgered.token, today)
    postmaster = postmaster_pid(run.url)
    results: dict[tuple[str, str, int], WrkRun] = {}
    log = run.work / "relance-serve.log"
    with relance_server(run.url, run.data_dir, workers, log) as server:
        run.step("relance HTTP", f"  relance serve --workers {workers} on {server.base_url} (log {log})")
        watch_server(run, "relance", server, postmaster)
        drive(run, "relance", server, post, get, results)
        lag_rows = phase_lag(run, server, post)
        unwatch_server(run, "relance")
    with baseline_server(run.url, ledgered, workers, run.work / "state.bin", run.work / "baseline.log") as server:
        run.step("baseline HTTP", f"  baseline app (uvicorn, {workers} workers) on {server.base_url}")
        watch_server(run, "baseline", server, postmaster)
        drive(run, "baseline", server, post, get, results)
        unwatch_server(run, "baseline")
    for method, what, baseline_is in (("POST", "POST payment", "one INSERT"), ("GET", "GET receivable",
                                                                                "one SELECT")):  # fmt: skip
        for connections in run.connections:
            mine, theirs = results[("relance", method, connections)], results[("baseline", method, connections)]
            label = f"{what}, {connections} clients"
            run.rows += [
                Row(f"{label}: 2xx per second (baseline: bare FastAPI, {baseline_is})",
                    mine.ok_per_second, theirs.ok_per_second, "req/s"),
                Row(f"{label}: p50 latency", mine.latency_ms[50], theirs.latency_ms[50], "ms"),
                Row(f"{label}: p99 latency", mine.latency_ms[99], theirs.latency_ms[99], "ms"),
            ]  # fmt: skip
    for side in ("relance", "baseline"):
        runs = [r for (s, _, _), r in results.items() if s == side]
        totals: dict[int, int] = {}
        for wrk_run in runs:
            for status, count in wrk_run.statuses.items():
                totals[status] = totals.get(status, 0) + count
        run.statuses[side] = totals
    run.rows.append(Row("non-2xx responses in all the HTTP runs above", non_2xx(run.statuses["relance"]),
                        non_2xx(run.statuses["baseline"]), "", breakdown(run.statuses["relance"]),
                        breakdown(run.statuses["baseline"])))  # fmt: skip
    run.rows += lag_rows
    memory = run.memory
    run.memory_rows += [
        Row(f"HTTP server, largest of its {workers} worker processes", memory.largest("relance"),
            memory.largest("baseline"), "MB", baseline_note="uvicorn worker of the baseline app"),
        Row("HTTP server, supervisor process (`relance serve` / uvicorn)", memory.largest("relance-supervisor"),
            memory.largest("baseline-supervisor"), "MB"),
        Row("PostgreSQL, largest backend while serving (shared buffers it touched included)",
            memory.largest("postgres-relance"), memory.largest("postgres-baseline"), "MB"),
    ]  # fmt: skip


def non_2xx(statuses: dict[int, int]) -> int:
    return sum(count for status, count in statuses.items() if not 200 <= status < 300)


def breakdown(statuses: dict[int, int]) -> str:
    """The non-2xx by status, e.g. ``409: 27``; ``no 5xx`` stated when there is none."""
    shown = ", ".join(f"{s}: {c:,}" for s, c in sorted(statuses.items()) if not 200 <= s < 300)
    errors = sum(c for s, c in statuses.items() if s >= 500)
    return (shown + "; " if shown else "") + ("no 5xx" if not errors else f"{errors:,} 5xx")


def watch_server(run: Run, side: str, server: Server, postmaster: int | None) -> None:
    group = server.process_group
    run.memory.watch(side, lambda: [p for p in processes_where(2, group) if p != group])
    run.memory.watch(f"{side}-supervisor", lambda: [group])
    if postmaster is not None:
        run.memory.watch(f"postgres-{side}", lambda: processes_where(1, postmaster))


def unwatch_server(run: Run, side: str) -> None:
    for label in (side, f"{side}-supervisor", f"postgres-{side}"):
        run.memory.unwatch(label)


def drive(
    run: Run, side: str, server: Server, post: Target, get: Target, results: dict[tuple[str, str, int], WrkRun]
) -> None:
    """Warm-up (not counted), then each connection count on POST, then on GET."""
    warm = replace(run.plan, connections=32)
    run_wrk(server, post, warm, run.plan.warmup, run.work)
    run_wrk(server, get, warm, run.plan.warmup, run.work)
    for target in (post, get):
        for connections in run.connections:
            plan = replace(run.plan, connections=connections)
            label = f"{side} {target.method} {'payments' if target.method == 'POST' else 'receivable'}"
            results[(side, target.method, connections)] = measure(server, target, plan, run.work, label)


def phase_lag(run: Run, server: Server, post: Target) -> list[Row]:
    """``relance projections run`` beside the API while wrk records payments: how far behind it falls."""
    run.step("lag", "4. projection lag: relance projections run, as its own process")
    log = (run.work / "projections-run.log").open("ab")
    peak_file = run.work / "projections-peak.txt"
    command = [*relance_command(), "projections", "run", "--poll", "0.1"]
    wrapped = [GNU_TIME, "-q", "-f", "%M", "-o", str(peak_file), *command] if GNU_TIME else command
    launched = subprocess.Popen(wrapped, env=run.env, stdout=log, stderr=log, cwd=REPO)
    worker = launched.pid
    if GNU_TIME:  # the worker is GNU time's child
        deadline = time.monotonic() + 10
        while not (found := processes_where(1, launched.pid)) and time.monotonic() < deadline:
            time.sleep(0.05)
        worker = found[0] if found else launched.pid
    run.memory.watch("projections", lambda: [worker])
    samples: list[tuple[float, int, int]] = []  # (monotonic time, log position, slowest projection's position)
    with psycopg.connect(run.url, autocommit=True) as conn:

        def lag_now() -> tuple[int, int]:
            last, position = conn.execute(LAG_QUERY).fetchone() or (0, 0)
            return int(last or 0), int(position or 0)

        started = time.monotonic()
        while (now := lag_now())[1] < now[0] and time.monotonic() - started < 900:
            time.sleep(0.2)
        progress(f"  caught up with {now[0]:,} notifications in {time.monotonic() - started:.1f} s; "
                 f"wrk POST, 32 clients, {run.lag_seconds} s")  # fmt: skip
        stop = threading.Event()

        def sample() -> None:
            with psycopg.connect(run.url, autocommit=True) as own:
                while not stop.is_set():
                    last, position = own.execute(LAG_QUERY).fetchone() or (0, 0)
                    samples.append((time.monotonic(), int(last or 0), int(position or 0)))
                    stop.wait(LAG_SAMPLE_SECONDS)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        load = run_wrk(server, post, replace(run.plan, connections=32), run.lag_seconds, run.work)
        load_end = time.monotonic()
        while time.monotonic() - load_end < 600:
            last, position = lag_now()
            if position >= last:
                break
            time.sleep(0.05)
        catch_up = time.monotonic() - load_end
        stop.set()
        sampler.join()
    os.kill(worker, signal.SIGTERM)  # the worker stops after its batch; GNU time then writes its peak
    _, status, usage = os.wait4(launched.pid, 0)
    launched.returncode = os.waitstatus_to_exitcode(status)
    peak = max(peak_kb(peak_file, usage.ru_maxrss) / 1024, run.memory.largest("projections") or 0.0)
    run.memory.unwatch("projections")
    log.close()
    behind = [last - position for _, last, position in samples]
    seconds_behind = [time_behind(samples, i) for i in range(len(samples))]
    progress(f"  max {max(behind, default=0):,} notifications behind, caught up {catch_up:.2f} s after the load")
    what = f"projection lag while wrk records payments (32 clients, {run.lag_seconds} s, {load.ok_per_second:,.0f}/s)"
    run.memory_rows.append(Row("`relance projections run` (worker)", peak, None, "MB"))
    return [
        Row(f"{what}: most notifications behind (sampled every {LAG_SAMPLE_SECONDS} s)", max(behind, default=0),
            None, "", baseline_note="none"),
        Row(f"{what}: longest time behind (upper bound, ± one sampling interval)", max(seconds_behind, default=0.0),
            None, "s", baseline_note="none"),
        Row("projection catch-up once that load stops", catch_up, None, "s", baseline_note="none"),
    ]  # fmt: skip


def time_behind(samples: Sequence[tuple[float, int, int]], index: int) -> float:
    """How long the projections had been behind at that sample: since the last earlier sample at which the
    log held nothing beyond the position reached (an upper bound, by up to one sampling interval)."""
    at, last, position = samples[index]
    if position >= last:
        return 0.0
    since = samples[0][0]
    for then, earlier_last, _ in samples[:index]:
        if earlier_last <= position:
            since = then
    return at - since


def phase_evidence(run: Run) -> None:
    run.step("evidence", f"5. evidence: relance export {EXPORTED_INVOICE}, relance verify, sha256sum")
    bundle = run.work / "bundle.zip"
    exported = run.relance("export", EXPORTED_INVOICE, "-o", str(bundle))
    if exported.returncode != 0 or not bundle.exists():
        progress("  the export failed: no evidence figures")
        return
    size = bundle.stat().st_size
    hashed = run_measured(["sha256sum", str(bundle)], None, run.work)
    verified = run.relance("verify", str(bundle))
    progress(f"  export {exported.seconds:.2f} s, verify {verified.seconds:.2f} s, sha256sum {hashed.seconds:.3f} s")
    note = f"sha256sum of the {size / 1000:,.0f} kB bundle"
    run.rows += [
        Row("`relance export` of one receivable's bundle (verifies the whole ledger first, then signs and renders)",
            exported.seconds, hashed.seconds, "s", baseline_note=note),
        Row("`relance verify` of that bundle (command, start-up included)", verified.seconds, hashed.seconds, "s",
            "ok" if verified.returncode == 0 else f"exit {verified.returncode}", note),
    ]  # fmt: skip
    run.memory_rows += [
        Row("`relance export`", exported.peak_mb, hashed.peak_mb, "MB", baseline_note="sha256sum"),
        Row("`relance verify`", verified.peak_mb, hashed.peak_mb, "MB", baseline_note="sha256sum"),
    ]


# ------------------------------------------------------------------ main


@contextmanager
def database() -> Iterator[str]:
    with postgres_server() as server, scratch_database(server) as url:
        yield url


@contextmanager
def work_directory(keep: Path | None) -> Iterator[Path]:
    """A temporary directory, or the one given to keep (server and worker logs, the bundle)."""
    if keep is not None:
        keep.mkdir(parents=True, exist_ok=True)
        progress(f"work directory (kept): {keep}")
        yield keep.resolve()
        return
    with tempfile.TemporaryDirectory(prefix="relance-harness-") as directory:
        yield Path(directory)


def versions(url: str) -> str:
    with psycopg.connect(support().with_dbname(url, "postgres")) as conn:
        server = str((conn.execute("SHOW server_version").fetchone() or ["?"])[0])
    wrk = subprocess.run(["wrk", "--version"], capture_output=True, text=True, check=False).stdout
    source = BENCH_URL_ENV if os.environ.get(BENCH_URL_ENV) else "a throwaway cluster, fsync on"
    return (
        f"{platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}, "
        f"PostgreSQL {server} ({source}), {(wrk.split() or ['wrk'])[:2][-1]}"
    )


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true", help="2,000 receivables, 2 s per wrk run (1-1.5 minutes)")
    parser.add_argument("--receivables", type=int, default=100_000)
    parser.add_argument("--events-per-receivable", type=int, default=10)
    parser.add_argument("--duration", type=int, default=10, help="seconds per wrk measurement (default 10)")
    parser.add_argument("--lag-duration", type=int, default=20, help="seconds of load in the lag phase (20)")
    parser.add_argument("--connections", default="8,32,128", help="wrk connection counts (default 8,32,128)")
    parser.add_argument("--workers", type=int, default=2, help="relance serve --workers (default 2)")
    parser.add_argument("--keep", type=Path, help="work in this directory and keep it (server logs, bundle)")
    args = parser.parse_args(argv)
    quick = args.quick
    plan = Plan(
        duration=2 if quick else args.duration, warmup=1 if quick else 3, connections=32, threads=2,
        receivables=512, workers=(args.workers,),
    )  # fmt: skip
    require_wrk()
    load_before = load_average()
    progress(f"load average at the start: {load_before}")
    memory = MemoryWatch()
    with work_directory(args.keep) as work, database() as url:
        run = Run(
            url=url, data_dir=work / "data", work=work, receivables=2_000 if quick else args.receivables,
            events_per_receivable=args.events_per_receivable, plan=plan,
            connections=tuple(int(c) for c in args.connections.split(",")),
            lag_seconds=5 if quick else args.lag_duration, memory=memory,
        )  # fmt: skip
        described = versions(url)
        for phase in (phase_load, phase_replay, phase_http, phase_evidence):
            phase(run)
    memory.close()
    elapsed = time.time() - STARTED
    kind = "--quick" if quick else "full run"
    print(f"## relance beside its baselines ({kind}), {time.strftime('%Y-%m-%d %H:%M %Z')}\n")
    print(f"- {described}")
    print(f"- {'; '.join(run.facts)}")
    print(f"- relance serve --workers {args.workers}; wrk 2 threads, {plan.duration} s per measurement after "
          f"{plan.warmup} s of warm-up; payments of 0.01 EUR over {plan.receivables} receivables, reads over "
          f"{min(READ_IDS, run.receivables):,} receivables of the ledger")  # fmt: skip
    print(f"- load average {load_before} at the start, {load_average()} at the end; run time {elapsed / 60:.1f} min")
    print(f"- load average (1 min) as each step started: {', '.join(run.loads)}\n")
    print(table(run.rows + [replace(r, measure=f"peak memory: {r.measure}") for r in run.memory_rows]))
    print(
        "\nratio: relance ÷ baseline. For rates (events/s, req/s) below 1 means relance is slower; for times, "
        "latencies and memory above 1 means relance takes more. Baselines: raw binary COPY of the same rows; "
        "raw SELECT of every state + json.loads; a bare FastAPI app doing one INSERT (POST) or one SELECT (GET) "
        "on the same database under the same wrk load; sha256sum of the bundle file; for memory, the process "
        "doing the baseline's work."
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
