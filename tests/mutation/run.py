"""Run the mutants of ``domain/`` against the fast tests of each module (decision 0096).

Usage: ``scripts/mutation [MODULE ...] [--quick] [--jobs N] [--survivors]``.

How: one child process runs the module's tests on the real code once, recording which lines
of the module each test executes and how long it takes. The parent then imports every
third-party module that run loaded and, for each mutant, forks a child that installs the
mutated module from memory (an import hook: nothing is written anywhere) and runs, fastest
first and stopping at the first failure, only the tests that execute the mutated lines
(every test of the module for code that runs at import). A failing test, a failed import or
a timeout kills the mutant; a mutant no test executes survives.
"""

from __future__ import annotations

import argparse
import ast
import importlib
import importlib.abc
import importlib.util
import json
import os
import signal
import sys
import tempfile
import time
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass, field
from glob import glob
from pathlib import Path
from types import ModuleType

import pytest

from tests.mutation.modules import MODULE_TESTS
from tests.mutation.operators import Mutant, mutants_of, mutated_tree

ROOT = Path(__file__).resolve().parents[2]
EQUIVALENT_FILE = ROOT / "tests" / "mutation" / "equivalent.toml"
PROJECT = ("domain", "application", "infrastructure", "api", "tests", "benchmarks", "conftest")
QUICK_EXAMPLES = 10
QUICK_MUTANTS = 120
# Third-party plugins are not loaded (the HTTP and database ones cost more than a small test file), but
# Hypothesis's, which reports its failures.
PLUGINS = ["-p", "no:cacheprovider", "-p", "hypothesis.extra.pytestplugin"]
PYTEST_ARGS = ["-q", "-x", *PLUGINS, "--no-header", "-o", "addopts="]


@dataclass
class Outcome:
    module: str
    generated: int = 0
    equivalent: int = 0
    run: int = 0
    killed: int = 0
    survivors: list[tuple[Mutant, str]] = field(default_factory=list)
    stale_equivalents: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def score(self) -> float:
        return 100.0 * self.killed / self.run if self.run else 100.0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="scripts/mutation", description=__doc__.splitlines()[0])
    parser.add_argument("modules", nargs="*", help="modules of domain/ (default: every module in the table)")
    parser.add_argument("--quick", action="store_true", help=f"at most {QUICK_MUTANTS} mutants, fewer examples")
    parser.add_argument("--jobs", "-j", type=int, default=2, help="mutants run at once (default 2)")
    parser.add_argument("--survivors", action="store_true", help="list every surviving mutant")
    args = parser.parse_args(argv)
    unknown = [m for m in args.modules if m not in MODULE_TESTS]
    if unknown:
        print(f"error: no test table entry for {', '.join(unknown)} (tests/mutation/modules.py)", file=sys.stderr)
        return 2
    os.chdir(ROOT)
    equivalents = _equivalents()
    outcomes = []
    for module in args.modules or list(MODULE_TESTS):
        outcome = run_module(module, equivalents.get(module, {}), quick=args.quick, jobs=max(1, args.jobs))
        outcomes.append(outcome)
        _report_module(outcome, show_survivors=args.survivors)
    _report_table(outcomes)
    return 0


def run_module(module: str, equivalent: dict[str, str], *, quick: bool, jobs: int) -> Outcome:
    started = time.monotonic()
    path = ROOT / "domain" / f"{module}.py"
    source = path.read_text(encoding="utf-8")
    mutants = mutants_of(source)
    outcome = Outcome(module, generated=len(mutants))
    keys = {m.key for m in mutants}
    outcome.stale_equivalents = sorted(k for k in equivalent if k not in keys)
    candidates = [m for m in mutants if m.key not in equivalent]
    outcome.equivalent = len(mutants) - len(candidates)
    if quick and len(candidates) > QUICK_MUTANTS:
        step = len(candidates) / QUICK_MUTANTS
        candidates = [candidates[int(i * step)] for i in range(QUICK_MUTANTS)]
    tests = _test_files(module)
    baseline = _baseline(f"domain.{module}", path, tests, quick=quick)
    _preload(baseline["loaded"])
    ends = _end_lines(source)
    outside = set(baseline["outside"])
    plans = []
    for mutant in candidates:
        lines = set(range(mutant.line, ends.get(mutant.index, mutant.line) + 1))
        everywhere = not mutant.in_function or lines & outside  # runs at import: every test may depend on it
        chosen = [t for t, covered in baseline["lines"].items() if everywhere or lines & set(covered)]
        chosen.sort(key=lambda t: baseline["seconds"][t])
        plans.append((mutant, chosen))
    outcome.run = len(plans)
    results = _run_all(f"domain.{module}", path, source, plans, baseline["seconds"], quick=quick, jobs=jobs)
    for mutant, verdict in results:
        if verdict in ("killed", "timeout"):
            outcome.killed += 1
        else:
            outcome.survivors.append((mutant, verdict))
    outcome.survivors.sort(key=lambda s: s[0].line)
    outcome.seconds = time.monotonic() - started
    return outcome


def _test_files(module: str) -> list[str]:
    files = sorted({f for pattern in MODULE_TESTS[module] for f in glob(pattern, root_dir=ROOT)})
    if not files:
        raise SystemExit(f"error: no test file matches the table entry of {module}")
    return files


def _end_lines(source: str) -> dict[int, int]:
    return {i: getattr(n, "end_lineno", None) or 0 for i, n in enumerate(ast.walk(ast.parse(source)))}


def _hypothesis_profile(quick: bool) -> None:
    try:
        from hypothesis import settings
    except ImportError:
        return
    extra = {"max_examples": QUICK_EXAMPLES} if quick else {}
    settings.register_profile("mutation", derandomize=True, database=None, deadline=None, **extra)
    settings.load_profile("mutation")


def _silence() -> None:
    os.environ["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    os.dup2(devnull, 2)


def _baseline(name: str, path: Path, tests: list[str], *, quick: bool) -> dict:
    """Run the tests on the real module in a child; per test, the lines of the module it executed."""
    with tempfile.TemporaryDirectory(prefix="mutation-") as scratch:
        report = Path(scratch) / "baseline.json"
        pid = os.fork()
        if pid == 0:
            code = 1
            try:
                _silence()
                sys.dont_write_bytecode = True
                _hypothesis_profile(quick)
                recorder = _LineRecorder(str(path))
                recorder.start()
                code = pytest.main([*PYTEST_ARGS[2:], *tests], plugins=[recorder])
                sys.settrace(None)
                loaded = [m for m in sys.modules if not m.startswith(PROJECT) and m != "__main__"]
                lines, outside = recorder.lines, sorted(recorder.outside | recorder.current)
                report.write_text(
                    json.dumps(
                        {
                            "lines": lines,
                            "outside": outside,
                            "seconds": recorder.seconds,
                            "loaded": loaded,
                            "code": code,
                        }
                    )
                )
            finally:
                os._exit(int(code))
        _, status = os.waitpid(pid, 0)
        if os.waitstatus_to_exitcode(status) != 0 or not report.exists():
            raise SystemExit(f"error: the tests of {name} fail on the unmutated code: {' '.join(tests)}")
        return json.loads(report.read_text())


class _LineRecorder:
    """A pytest plugin recording, per test, the lines of one file that the test executed."""

    def __init__(self, filename: str) -> None:
        self.filename = filename
        self.lines: dict[str, list[int]] = {}
        self.seconds: dict[str, float] = {}
        self.current: set[int] = set()
        self.outside: set[int] = set()  # executed outside any test: at import, while collecting

    def start(self) -> None:
        sys.settrace(self._global)

    def _global(self, frame, event, arg):  # type: ignore[no-untyped-def]
        return self._local if frame.f_code.co_filename == self.filename else None

    def _local(self, frame, event, arg):  # type: ignore[no-untyped-def]
        if event == "line":
            self.current.add(frame.f_lineno)
        return self._local

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_protocol(self, item, nextitem):  # type: ignore[no-untyped-def]
        started = time.monotonic()
        self._start()
        try:
            return (yield)
        finally:
            self._stop(item.nodeid, time.monotonic() - started)

    def _start(self) -> None:
        self.outside |= self.current
        self.current = set()
        sys.settrace(self._global)

    def _stop(self, nodeid: str, seconds: float) -> None:
        self.lines[nodeid] = sorted(self.current)
        self.seconds[nodeid] = seconds
        self.current = set()


def _preload(names: list[str]) -> None:
    """Import in the parent what the tests' run loaded, so that each forked child starts warm."""
    for name in names:
        if name in sys.modules:
            continue
        try:
            importlib.import_module(name)
        except Exception:  # a module that only imports in a certain state is simply left cold
            continue


class _MutantFinder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    def __init__(self, name: str, path: Path, code: object) -> None:
        self.name, self.path, self.code = name, path, code

    def find_spec(self, fullname, path, target=None):  # type: ignore[no-untyped-def]
        if fullname != self.name:
            return None
        return importlib.util.spec_from_loader(fullname, self, origin=str(self.path))

    def create_module(self, spec):  # type: ignore[no-untyped-def]
        return None

    def exec_module(self, module: ModuleType) -> None:
        module.__file__ = str(self.path)
        exec(self.code, module.__dict__)  # the mutant, compiled in memory


def _run_all(
    name: str,
    path: Path,
    source: str,
    plans: list[tuple[Mutant, list[str]]],
    seconds: dict[str, float],
    *,
    quick: bool,
    jobs: int,
) -> list[tuple[Mutant, str]]:
    results: list[tuple[Mutant, str]] = []
    running: dict[int, tuple[Mutant, float]] = {}
    pending = list(plans)
    while pending or running:
        while pending and len(running) < jobs:
            mutant, tests = pending.pop(0)
            if not tests:
                results.append((mutant, "no test runs it"))
                continue
            limit = 10.0 + 5 * sum(seconds[t] for t in tests)
            running[_fork_mutant(name, path, source, mutant, tests, quick)] = (mutant, time.monotonic() + limit)
        if not running:
            continue
        pid, status = os.waitpid(-1, os.WNOHANG)
        if pid == 0:
            now = time.monotonic()
            for late, (mutant, deadline) in list(running.items()):
                if now > deadline:
                    os.kill(late, signal.SIGKILL)
                    os.waitpid(late, 0)
                    del running[late]
                    results.append((mutant, "timeout"))
            time.sleep(0.02)
            continue
        mutant, _ = running.pop(pid)
        code = os.waitstatus_to_exitcode(status)
        results.append((mutant, "survived" if code == 0 else "error" if code == 5 else "killed"))
        if len(results) % 25 == 0:
            print(f"  {name}: {len(results)}/{len(plans)} mutants run", file=sys.stderr, flush=True)
    return results


def _fork_mutant(name: str, path: Path, source: str, mutant: Mutant, tests: list[str], quick: bool) -> int:
    pid = os.fork()
    if pid:
        return pid
    code = 3
    try:
        _silence()
        sys.dont_write_bytecode = True
        compiled = compile(mutated_tree(source, mutant), str(path), "exec")
        sys.meta_path.insert(0, _MutantFinder(name, path, compiled))
        _hypothesis_profile(quick)
        files = sorted({t.split("::")[0] for t in tests})
        code = int(pytest.main([*PYTEST_ARGS, *files], plugins=[_Selection(tests)]))
    except BaseException:
        code = 3
    finally:
        os._exit(code)


class _Selection:
    """A pytest plugin keeping only the chosen tests, in the order given (the fastest first)."""

    def __init__(self, nodeids: list[str]) -> None:
        self.order = {nodeid: position for position, nodeid in enumerate(nodeids)}

    def pytest_collection_modifyitems(self, session, config, items):  # type: ignore[no-untyped-def]
        items[:] = sorted((i for i in items if i.nodeid in self.order), key=lambda i: self.order[i.nodeid])


def _equivalents() -> dict[str, dict[str, str]]:
    data = tomllib.loads(EQUIVALENT_FILE.read_text(encoding="utf-8")) if EQUIVALENT_FILE.exists() else {}
    table: dict[str, dict[str, str]] = {}
    for entry in data.get("mutant", []):
        table.setdefault(entry["module"], {})[entry["key"]] = entry["reason"]
    return table


def _report_module(outcome: Outcome, *, show_survivors: bool) -> None:
    print(
        f"{outcome.module}: {outcome.generated} mutants, {outcome.equivalent} equivalent, {outcome.run} run, "
        f"{outcome.killed} killed, {len(outcome.survivors)} survived, score {outcome.score:.1f} % "
        f"({outcome.seconds:.0f} s)",
        flush=True,
    )
    for key in outcome.stale_equivalents:
        print(f"  warning: equivalent.toml names a mutant no longer generated: {key}")
    if show_survivors:
        for mutant, verdict in outcome.survivors:
            print(f"  line {mutant.line}: {mutant.key}  [{verdict}]")


def _report_table(outcomes: list[Outcome]) -> None:
    print()
    print(f"{'module':<20} {'generated':>9} {'equivalent':>10} {'killed':>7} {'survived':>8} {'score':>7}")
    for o in outcomes:
        print(
            f"{o.module:<20} {o.generated:>9} {o.equivalent:>10} {o.killed:>7} {len(o.survivors):>8} {o.score:>6.1f}%"
        )


if __name__ == "__main__":
    sys.exit(main())
