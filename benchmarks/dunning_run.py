"""Dunning-run benchmark: one ``DunningRun.run`` over 100,000 open receivables on PostgreSQL.

1. Writes a ledger through the domain, many aggregates per ``EventStore.append()``: ~20,000 debtors
   (most with an accounts-payable e-mail), 100,000 open receivables due from 90 days before the
   run date to 30 days after it, and 10% more already settled. Open files are in the states a
   real book has: most followed by earlier daily runs (courtesy e-mail, first and second
   reminders, formal notice, each recorded with its policy and rule on the day it fell due),
   a quarter just imported with no step yet (the run catches up with the next one), some
   paused, disputed, under a promise (some broken), partly paid; most with the invoice attached.
2. Times one ``DunningRun.run(force=True)`` on a fixed weekday at 10:00 (Paris) with the
   product's ports (``infrastructure/dunning_ports.build_dunning``'s wiring: policy store,
   outbox, document store, late charges) except two: a null renderer (a tiny PDF or e-mail
   unique per document: "rendering excluded") and a sender that accepts and discards (no
   SMTP: what a mail server costs is not relance's).
3. Rendering included: the real templates (Jinja2 + WeasyPrint, ``EmailRendering``) timed on a
   sample of the run's own documents, per kind of output, and extrapolated to all of them.

PostgreSQL is a throwaway cluster with fsync on (``ThrowawayPostgres(durable=True)``), or the
server of RELANCE_BENCH_DATABASE_URL (a scratch database is created and dropped). A script that
prints figures, not a test: it asserts nothing.

    .venv/bin/python benchmarks/dunning_run.py            # 100,000 open receivables
    .venv/bin/python benchmarks/dunning_run.py --quick    # 2,000, under a minute
"""

from __future__ import annotations

import argparse
import hashlib
import os
import platform
import random
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock_time
from decimal import Decimal
from importlib.metadata import version
from pathlib import Path
from typing import Any
from uuid import NAMESPACE_URL, uuid5
from zoneinfo import ZoneInfo

from pydantic import SecretStr

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:  # the script runs from benchmarks/, not the repository root
    sys.path.insert(0, str(REPO))

from bench_support import BENCH_URL_ENV, postgres_server, scratch_database  # noqa: E402

from application.clock import SimulatedClock  # noqa: E402
from application.correspondence import Correspondence  # noqa: E402
from application.dunning_run import DunningPorts, DunningRun, RunReport  # noqa: E402
from application.ledger import Ledger  # noqa: E402
from application.ledger_scan import scan_ledger  # noqa: E402
from domain.debtor import Address, Debtor  # noqa: E402
from domain.dunning import decide  # noqa: E402
from domain.dunning_policy import choose_policy  # noqa: E402
from domain.receivable import Receivable  # noqa: E402
from domain.receivable_events import ClaimBreakdown  # noqa: E402
from domain.values import Money, Now  # noqa: E402
from domain.vocabulary import (  # noqa: E402
    ContactRole,
    DebtorKind,
    DisputeReason,
    DocumentKind,
    NoticeChannel,
    PaymentMethod,
    Priority,
    ReminderChannel,
    ReminderStage,
)
from infrastructure.dispatches import Dispatch, DispatchStore, dispatch_key  # noqa: E402
from infrastructure.documents import DocumentStore  # noqa: E402
from infrastructure.dunning_ports import EmailRendering  # noqa: E402
from infrastructure.event_store import EventsourcingStore  # noqa: E402
from infrastructure.import_store import ImportStore  # noqa: E402
from infrastructure.letters import Renderer, firm_from_settings  # noqa: E402
from infrastructure.policy_store import PolicyStore  # noqa: E402
from infrastructure.settings import Settings  # noqa: E402
from infrastructure.sql import open_database  # noqa: E402
from infrastructure.stores import build_claims, load_rate_table, store_environment  # noqa: E402

AIM_SECONDS = 60
PARIS = ZoneInfo("Europe/Paris")
RUN_DATE = date(2026, 6, 16)  # a Tuesday: e-mails may go out (working days and hours)
RUN_AT = datetime.combine(RUN_DATE, clock_time(10), tzinfo=PARIS).astimezone(UTC)
NAMESPACE = uuid5(NAMESPACE_URL, "https://relance.invalid/benchmarks/dunning")
ACTOR = "erp-sync"
RUN_ACTOR = "dunning:bench"
SAVE_CHUNK = 1000  # aggregates per EventStore.append() call
RECEIVABLES_PER_DEBTOR = 5
SETTLED_SHARE = 0.10  # settled receivables written on top of the open ones (the run skips them)


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


@contextmanager
def bench_database() -> Iterator[str]:
    with postgres_server() as server, scratch_database(server) as url:
        yield url


# ------------------------------------------------------------------ the ledger


def at(day: date, second: int = 0) -> Now:
    """An instant on ``day`` (08:00 UTC), never after the run."""
    instant = min(datetime.combine(day, clock_time(8), tzinfo=UTC) + timedelta(seconds=second), RUN_AT)
    return Now(instant=instant, today=instant.astimezone(PARIS).date())


def eur(cents: int) -> Money:
    return Money((Decimal(cents) / 100).quantize(Decimal("0.01")), "EUR")


def sha(*parts: object) -> str:
    return hashlib.sha256("/".join(map(str, parts)).encode()).hexdigest()


def a_debtor(index: int, rng: random.Random) -> Debtor:
    first = at(RUN_DATE - timedelta(days=400))
    debtor = Debtor.register(
        debtor_id=uuid5(NAMESPACE, f"debtor-{index}"),
        legal_name=f"Client {index} SAS",
        kind=DebtorKind.PROFESSIONAL,
        address=Address(lines=[f"{index % 300 + 1} rue du Commerce"], postal_code="69003", city="Lyon", country="FR"),
        siren_number="732829320",
        now=first,
        actor=ACTOR,
    )
    if rng.random() < 0.95:  # a few debtors have no e-mail address: their e-mails are refused and reported
        debtor.add_contact(
            contact_id=uuid5(NAMESPACE, f"contact-{index}"), role=ContactRole.ACCOUNTS_PAYABLE,
            name=f"Service comptable {index}", email=f"compta{index}@client.example", phone="04 72 00 00 00",
            now=first, actor=ACTOR,
        )  # fmt: skip
    if rng.random() < 0.05:
        debtor.change_priority(priority=Priority.HIGH, now=first, actor=ACTOR)
    return debtor


def an_amount(rng: random.Random) -> int:
    """Cents incl. VAT: a third small (light policy), most mid-sized, some large (calls)."""
    band = rng.random()
    if band < 0.30:
        return rng.randint(5_000, 50_000)
    if band < 0.90:
        return rng.randint(50_001, 500_000)
    return rng.randint(500_001, 3_000_000)


def an_invoice(index: int, debtor: Debtor, due: date, cents: int, prefix: str = "F") -> Receivable:
    excl = cents * 100 // 120
    issue = due - timedelta(days=30)
    return Receivable.issue(
        invoice_number=f"{prefix}-{index:07d}", debtor_id=debtor.id, debtor_kind=debtor.kind, issue_date=issue,
        due_date=due, amount_excl_vat=eur(excl), vat=eur(cents - excl), amount_incl_vat=eur(cents),
        label="Fourniture et pose", now=at(issue, index % 3600), actor=ACTOR,
    )  # fmt: skip


def earlier_runs(receivable: Receivable, index: int, attached: bool) -> None:
    """The steps earlier daily runs recorded before the run date, each on the day it fell due."""
    light = receivable.amount_incl_vat <= Decimal("500.00")
    policy = "light" if light else "default"
    due = receivable.due_date
    courtesy = due - timedelta(days=7)
    if courtesy < RUN_DATE and due >= RUN_DATE - timedelta(days=90):
        receivable.send_reminder(
            stage=ReminderStage.COURTESY, channel=ReminderChannel.EMAIL, sent_on=courtesy, now=at(courtesy, 1),
            actor=RUN_ACTOR, template_id="courtesy", document_sha256=sha("courtesy", index), policy_id=policy,
            policy_version=1, rule="courtesy",
        )  # fmt: skip
    first = due + timedelta(days=5)
    if first >= RUN_DATE:
        return
    receivable.send_reminder(
        stage=ReminderStage.FIRST, channel=ReminderChannel.EMAIL, sent_on=first, now=at(first, 2), actor=RUN_ACTOR,
        template_id="first_reminder", document_sha256=sha("first", index), policy_id=policy, policy_version=1,
        rule="first_reminder",
    )  # fmt: skip
    second = first + timedelta(days=15)
    if second >= RUN_DATE:
        return
    receivable.send_reminder(
        stage=ReminderStage.SECOND, channel=ReminderChannel.EMAIL if light else ReminderChannel.LETTER,
        sent_on=second, now=at(second, 3), actor=RUN_ACTOR, template_id="second_reminder",
        document_sha256=sha("second", index), policy_id=policy, policy_version=1, rule="second_reminder",
    )  # fmt: skip
    notice = due + timedelta(days=45 if light else 35)
    if notice >= RUN_DATE or not attached or (light and receivable.outstanding < Decimal("150.00")):
        return
    receivable.send_formal_notice(
        channel=NoticeChannel.REGISTERED_LETTER, sent_on=notice, deadline=notice + timedelta(days=8),
        claimed=ClaimBreakdown(receivable.outstanding, Decimal("0.00"), Decimal("40.00")),
        document_sha256=sha("notice", index), now=at(notice, 4), actor=RUN_ACTOR, policy_id=policy,
        policy_version=1, rule="formal_notice",
    )  # fmt: skip


def an_open_file(index: int, debtor: Debtor, rng: random.Random, steady: bool) -> tuple[Receivable, str]:
    due = RUN_DATE + timedelta(days=rng.randint(-90, 29))
    receivable = an_invoice(index, debtor, due, an_amount(rng))
    attached = rng.random() < 0.8
    if attached:  # the ERP sent the invoice's PDF: a formal notice may go out
        receivable.attach_document(
            kind=DocumentKind.INVOICE, document_sha256=sha("invoice", index), media_type="application/pdf",
            now=at(receivable.issue_date, 5), actor=ACTOR,
        )  # fmt: skip
    kind = rng.random()
    overdue = due < RUN_DATE
    if kind < 0.55:
        earlier_runs(receivable, index, attached)
        return receivable, "followed by earlier runs"
    if kind < 0.80:
        if steady:  # no file waits for a first step: only what falls due on the run date goes out
            earlier_runs(receivable, index, attached)
            return receivable, "followed by earlier runs"
        return receivable, "no step recorded yet"
    day = min(RUN_DATE - timedelta(days=1), max(receivable.issue_date, due - timedelta(days=3)))
    if kind < 0.85:
        receivable.pause_dunning(
            reason="appel du gérant", until=RUN_DATE + timedelta(days=10), now=at(day), actor=ACTOR
        )
        return receivable, "paused"
    if kind < 0.90:
        receivable.open_dispute_for(
            reason=DisputeReason.QUANTITY, opened_on=day, now=at(day), actor=ACTOR, description="livraison incomplète"
        )
        return receivable, "disputed"
    if kind < 0.95 and overdue:
        promised = RUN_DATE + timedelta(days=5) if index % 2 else max(due, RUN_DATE - timedelta(days=10))
        earlier_runs(receivable, index, attached)
        receivable.record_promise(
            amount_promised=Money(receivable.outstanding, "EUR"), promised_date=promised,
            now=at(min(promised, RUN_DATE) - timedelta(days=1)), actor=ACTOR,
        )  # fmt: skip
        return receivable, "promise to pay (some broken)"
    part = int(receivable.outstanding * 100) // 3
    receivable.receive_payment(
        paid=eur(part), value_date=day, method=PaymentMethod.TRANSFER, bank_reference=f"VIR-P-{index}",
        now=at(day), actor=ACTOR,
    )  # fmt: skip
    if overdue:
        earlier_runs(receivable, index, attached)
    return receivable, "partly paid"


def a_settled_file(index: int, debtor: Debtor, rng: random.Random) -> Receivable:
    due = RUN_DATE + timedelta(days=rng.randint(-90, 29))
    receivable = an_invoice(index, debtor, due, an_amount(rng), prefix="S")
    day = min(RUN_DATE - timedelta(days=1), due)
    receivable.receive_payment(
        paid=Money(receivable.outstanding, "EUR"), value_date=day, method=PaymentMethod.TRANSFER,
        bank_reference=f"VIR-S-{index}", now=at(day), actor=ACTOR,
    )  # fmt: skip
    return receivable


@dataclass
class Book:
    debtors: int = 0
    open_files: int = 0
    settled: int = 0
    events: int = 0
    seconds: float = 0.0
    states: Counter[str] = field(default_factory=Counter)


def write_book(ledger: Ledger, receivables: int, steady: bool, progress: Callable[[str], None]) -> Book:
    started = time.perf_counter()
    rng = random.Random(20260616)
    book = Book()
    debtors = [a_debtor(i, rng) for i in range(max(1, receivables // RECEIVABLES_PER_DEBTOR))]
    book.debtors = len(debtors)
    book.events += save_in_chunks(ledger, debtors)
    settled = int(receivables * SETTLED_SHARE)
    for start in range(0, receivables + settled, SAVE_CHUNK):
        chunk: list[Receivable] = []
        for index in range(start, min(start + SAVE_CHUNK, receivables + settled)):
            debtor = debtors[rng.randrange(len(debtors))]
            if index < receivables:
                receivable, state = an_open_file(index, debtor, rng, steady)
                book.states[state] += 1
            else:
                receivable = a_settled_file(index, debtor, rng)
            chunk.append(receivable)
        book.events += save_in_chunks(ledger, chunk)
        if (start // SAVE_CHUNK) % 20 == 19:
            progress(f"  {start + SAVE_CHUNK:,} receivables written, {book.events:,} events")
    book.open_files, book.settled = receivables, settled
    book.seconds = time.perf_counter() - started
    return book


def save_in_chunks(ledger: Ledger, aggregates: list[Any]) -> int:
    saved = 0
    for start in range(0, len(aggregates), SAVE_CHUNK):
        events = [e for a in aggregates[start : start + SAVE_CHUNK] for e in a.collect_events()]
        ledger.store.append(events)
        saved += len(events)
    return saved


# ------------------------------------------------------------------- the ports


class NullRendering:
    """A tiny PDF or e-mail per document, unique to it (its reference), so each is stored and
    recorded as a real one would be; the correspondences are kept as a sample for the real renderer."""

    def __init__(self) -> None:
        self.seconds = 0.0
        self.samples: list[tuple[str, Correspondence, str]] = []  # (output kind, correspondence, recipient)

    def pdf(self, c: Correspondence) -> bytes:
        self.samples.append(("pdf", c, ""))
        return b"%PDF-1.7\n% " + c.reference.encode() + b"\n%%EOF\n"

    def email_message(self, c: Correspondence, *, to: str, message_id: str, sent_at: datetime) -> bytes:
        self.samples.append(("email", c, to))
        return (
            f"Message-ID: {message_id}\r\nTo: {to}\r\nSubject: {c.reference}\r\n"
            f"Content-Type: text/plain; charset=utf-8\r\n\r\n{c.kind.value}\r\n"
        ).encode()


class DiscardingSender:
    """Accepts every message and keeps nothing: no SMTP round trip is timed."""

    def __init__(self) -> None:
        self.sent = 0

    def send_bytes(self, message: bytes, *, to: str) -> None:
        self.sent += 1


class TimedLedger(Ledger):
    """The product's Ledger, with the time spent in what the run calls added up: commands, and the
    loads made outside a command (a command's own load is part of the command's time)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.timing: Counter[str] = Counter()
        self.calls: Counter[str] = Counter()
        self._in_command = False

    @contextmanager
    def _timed(self, name: str) -> Iterator[None]:
        if self._in_command:
            yield
            return
        started = time.perf_counter()
        try:
            yield
        finally:
            self.timing[name] += time.perf_counter() - started
            self.calls[name] += 1

    def execute(self, *args: Any, **kwargs: Any) -> Any:
        with self._timed("change_receivable"):
            self._in_command = True
            try:
                return super().execute(*args, **kwargs)
            finally:
                self._in_command = False

    def receivable(self, *args: Any, **kwargs: Any) -> Receivable:
        with self._timed("receivable"):
            return super().receivable(*args, **kwargs)

    def debtor(self, *args: Any, **kwargs: Any) -> Debtor:
        with self._timed("debtor"):
            return super().debtor(*args, **kwargs)


class Timed:
    """Wraps a port: the time spent in its methods, added up."""

    def __init__(self, inner: Any, timing: Counter[str], name: str) -> None:
        self._inner, self._timing, self._name = inner, timing, name

    def __getattr__(self, attribute: str) -> Any:
        target = getattr(self._inner, attribute)
        if not callable(target):
            return target

        def timed(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return target(*args, **kwargs)
            finally:
                self._timing[self._name] += time.perf_counter() - started

        return timed


def the_settings(url: str, data_dir: Path) -> Settings:
    return Settings(
        data_dir=data_dir,
        database_url=SecretStr(url),
        timezone="Europe/Paris",
        firm_name="Atelier Dupont SARL",
        firm_address="12 rue de la République | 69001 Lyon",
        firm_email="relances@dupont.example",
        firm_signatory="Claire Dupont, gérante",
        firm_siren="732829320",
    )


# ------------------------------------------------------------------------ run


def per_aggregate_read(ledger: Ledger) -> float:
    """The way the run read the ledger before the scan: each receivable, then each debtor, one by one."""
    log("reading receivables and debtors one by one, for comparison ...")
    started = time.perf_counter()
    debtor_ids = {r.debtor_id for r in ledger.receivables() if not r.is_closed}
    for debtor_id in debtor_ids:
        ledger.debtor(debtor_id)
    return time.perf_counter() - started


def run(receivables: int, render_sample: int, per_aggregate: bool, steady: bool) -> list[str]:
    import tempfile

    with bench_database() as url, tempfile.TemporaryDirectory() as tmp:
        settings = the_settings(url, Path(tmp) / "data")
        clock = SimulatedClock(RUN_AT)
        database = open_database(settings)
        ledger = TimedLedger(
            EventsourcingStore(store_environment(settings)),
            documents=DocumentStore(database),
            clock=clock,
            timezone=settings.timezone,
            rates=load_rate_table(),
        )
        try:
            log(f"writing the ledger: {receivables:,} open receivables ...")
            book = write_book(ledger, receivables, steady, log)
            log(f"  {book.events:,} events in {book.seconds:.1f} s")
            per_aggregate_seconds = per_aggregate_read(ledger) if per_aggregate else None
            ledger.timing.clear()
            ledger.calls.clear()

            log("scanning the log alone (what the run does first) ...")
            started = time.perf_counter()
            scan = scan_ledger(ledger)
            scan_seconds = time.perf_counter() - started
            by_debtor = scan.open_receivables_by_debtor()
            policies = PolicyStore(database)
            policies.install(now=RUN_AT, policy_dir=settings.policy_dir)
            loaded = policies.policies()
            started = time.perf_counter()
            decided = Counter[str]()
            for debtor_id, files in by_debtor.items():
                debtor = scan.debtors[debtor_id]
                for receivable in files:
                    decision = decide(receivable, debtor, choose_policy(loaded, receivable=receivable, debtor=debtor),
                                      RUN_DATE)  # fmt: skip
                    decided["actions"] += len(decision.actions)
            decide_seconds = time.perf_counter() - started
            open_count = sum(len(files) for files in by_debtor.values())
            debtors_with_open = len(by_debtor)
            del scan, by_debtor

            timing: Counter[str] = Counter()
            rendering = NullRendering()
            sender = DiscardingSender()
            claims = build_claims(settings, ledger)
            documents = DocumentStore(database)
            ports = DunningPorts(
                documents=Timed(documents, timing, "documents"),
                outbox=Timed(DispatchStore(database), timing, "outbox"),
                renderer=Timed(rendering, timing, "rendering"),
                sender=Timed(sender, timing, "sending"),
                firm=firm_from_settings(settings),
                policies=policies.policies,
                claim=Timed(claims, timing, "claims").claim_of,
                latest_bank_statement=ImportStore(database).latest_statement_date,
                bank_statement_max_age_days=settings.bank_statement_max_age_days,
                new_dispatch=Dispatch,
                dispatch_key=dispatch_key,
            )
            log("the run (null renderer, no SMTP) ...")
            started = time.perf_counter()
            report = DunningRun(ledger, ports).run(force=True, actor=RUN_ACTOR)
            run_seconds = time.perf_counter() - started
            log(f"  {run_seconds:.1f} s")

            real = real_rendering(rendering.samples, settings, render_sample)
        finally:
            database.close()
            ledger.close()
    return table(
        book, open_count, debtors_with_open, per_aggregate_seconds, scan_seconds, decide_seconds, decided, report,
        run_seconds, ledger, timing, real,
    )  # fmt: skip


@dataclass
class RealRendering:
    per_kind: dict[str, tuple[int, float]]  # output kind -> (documents timed, mean seconds)
    counts: Counter[str]
    estimate_seconds: float


def real_rendering(samples: list[tuple[str, Correspondence, str]], settings: Settings, size: int) -> RealRendering:
    """The real templates on an evenly spread sample of the run's documents, extrapolated per output kind."""
    counts = Counter(kind for kind, _, _ in samples)
    renderer = EmailRendering(Renderer(settings.template_dir), settings.firm_email)
    per_kind: dict[str, tuple[int, float]] = {}
    for output in sorted(counts):
        of_kind = [s for s in samples if s[0] == output]
        share = max(1, size // len(counts))  # as many of each output kind: PDFs cost far more than e-mails
        step = max(1, len(of_kind) // share)
        chosen = of_kind[::step][:share]
        render(renderer, chosen[0])  # warm-up: imports, fonts, templates
        log(f"rendering {len(chosen)} of the {len(of_kind):,} {output} documents for real ...")
        started = time.perf_counter()
        for sample in chosen:
            render(renderer, sample)
        per_kind[output] = (len(chosen), (time.perf_counter() - started) / len(chosen))
    estimate = sum(counts[output] * mean for output, (_, mean) in per_kind.items())
    return RealRendering(per_kind, counts, estimate)


def render(renderer: EmailRendering, sample: tuple[str, Correspondence, str]) -> bytes:
    output, correspondence, to = sample
    if output == "pdf":
        return renderer.pdf(correspondence)
    return renderer.email_message(correspondence, to=to, message_id="<bench@relance>", sent_at=RUN_AT)


def table(
    book: Book,
    open_count: int,
    debtors_with_open: int,
    per_aggregate_seconds: float | None,
    scan_seconds: float,
    decide_seconds: float,
    decided: Counter[str],
    report: RunReport,
    run_seconds: float,
    ledger: TimedLedger,
    timing: Counter[str],
    real: RealRendering,
) -> list[str]:
    commands, loads = ledger.calls["change_receivable"], ledger.calls["receivable"]
    null_rendering = timing["rendering"]
    with_rendering = run_seconds - null_rendering + real.estimate_seconds
    documents = len(report.sent)
    kinds = Counter(f"{item.kind} ({item.channel})" for item in report.sent)
    refused = Counter(r.rule for r in report.refused)
    lines = [
        f"Ledger: {book.debtors:,} debtors, {book.open_files:,} open receivables and {book.settled:,} settled, "
        f"{book.events:,} events, written in {book.seconds:.1f} s ({book.events / book.seconds:,.0f} events/s).",
        "Open files: " + ", ".join(f"{n:,} {state}" for state, n in book.states.most_common()) + ".",
        "",
        "| measure | result |",
        "|---|--:|",
        f"| receivables examined by the run | {report.receivables_examined:,} |",
        f"| debtors with open receivables | {debtors_with_open:,} (of {book.debtors:,}) |",
        f"| documents (dispatches recorded) | {documents:,} |",
        f"| events recorded | {report.events_recorded:,} |",
        f"| worklist items (calls, escalations) | {len(report.worklist):,} |",
        f"| refused by a guardrail or a missing address | {len(report.refused):,} |",
        f"| errors | {len(report.errors):,} |",
        f"| **run, rendering excluded** (null renderer, no SMTP) | **{run_seconds:.1f} s** "
        f"({report.receivables_examined / run_seconds:,.0f} receivables/s) |",
        f"| of which: reading every receivable and debtor (scan of the log, timed alone) | {scan_seconds:.1f} s "
        f"({open_count / scan_seconds:,.0f} open receivables/s) |",
        *(
            [
                f"| for comparison: reading them one by one (Ledger.receivables, then Ledger.debtor per debtor) | "
                f"{per_aggregate_seconds:.1f} s |"
            ]
            if per_aggregate_seconds is not None
            else []
        ),
        f"| of which: deciding (choose_policy + decide per receivable, timed alone) | {decide_seconds:.1f} s "
        f"({open_count / decide_seconds:,.0f} receivables/s) |",
        f"| of which: recording, {commands:,} commands (Ledger.change_receivable: load, decide, save) | "
        f"{ledger.timing['change_receivable']:.1f} s ({commands / max(ledger.timing['change_receivable'], 1e-9):,.0f}"
        " commands/s) |",
        f"| of which: receivables loaded one by one outside commands ({loads:,}) | "
        f"{ledger.timing['receivable']:.1f} s |",
        f"| of which: storing documents / outbox / late charges | {timing['documents']:.1f} s / "
        f"{timing['outbox']:.1f} s / {timing['claims']:.1f} s |",
        f"| of which: debtor loads by the run ({ledger.calls['debtor']:,}) | {ledger.timing['debtor']:.1f} s |",
        f"| of which: null rendering | {null_rendering:.2f} s |",
        "| real rendering per document, on a sample of the run's documents | "
        + ", ".join(f"{kind} {mean * 1000:.0f} ms ({n:,} timed)" for kind, (n, mean) in sorted(real.per_kind.items()))
        + " |",
        f"| rendering of all {documents:,} documents (extrapolated: "
        + ", ".join(f"{n:,} {k}" for k, n in sorted(real.counts.items()))
        + f") | {real.estimate_seconds:.0f} s |",
        f"| **run, rendering included** (estimated: run − null rendering + real rendering) | "
        f"**{with_rendering:.0f} s** |",
        f"| aim: rendering excluded under {AIM_SECONDS} s | {'met' if run_seconds < AIM_SECONDS else 'not met'} |",
        "",
        "Documents: " + ", ".join(f"{n:,} {k}" for k, n in kinds.most_common()) + ".",
        "Held: " + ", ".join(f"{n:,} {k}" for k, n in sorted(report.held.items())) + ".",
        "Refused: " + (", ".join(f"{n:,} {k}" for k, n in refused.most_common()) or "none") + ".",
        f"Decisions alone gave {decided['actions']:,} due actions (sending steps and calls, before grouping).",
    ]
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true", help="smoke run: 2,000 open receivables, 20 rendered")
    parser.add_argument("--receivables", type=int, default=100_000, help="open receivables")
    parser.add_argument("--render-sample", type=int, default=1_000, help="documents rendered for real")
    parser.add_argument(
        "--per-aggregate-read", action="store_true", help="also time reading the ledger one aggregate at a time"
    )
    parser.add_argument(
        "--steady", action="store_true", help="every file followed by earlier daily runs (none awaits a first step)"
    )
    args = parser.parse_args(argv)
    receivables = 2_000 if args.quick else args.receivables
    sample = 20 if args.quick else args.render_sample
    load_before = os.getloadavg()[0]
    started = time.perf_counter()
    lines = run(receivables, sample, args.per_aggregate_read, args.steady)
    load_after = os.getloadavg()[0]
    print(
        f"Machine: {platform.machine()}, {os.cpu_count()} CPU(s), Python {platform.python_version()}, "
        f"eventsourcing {version('eventsourcing')}, psycopg {version('psycopg')}, weasyprint {version('weasyprint')}; "
        f"PostgreSQL {'from ' + BENCH_URL_ENV if os.environ.get(BENCH_URL_ENV) else 'throwaway cluster, fsync on'}; "
        f"run date {RUN_DATE} 10:00 Paris.\n"
    )
    print("\n".join(lines))
    print(f"\nLoad average (1 min) before and after: {load_before:.1f}, {load_after:.1f}; whole script "
          f"{time.perf_counter() - started:.0f} s.")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
