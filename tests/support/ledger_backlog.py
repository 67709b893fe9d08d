"""A large, realistic ledger written fast: many events per ``Application.save`` call.

Used by the projection tests (a backlog for a worker to crash in) and by
``benchmarks/projections.py`` (1,000,000 events). Every event goes through the domain
(rules, hash chain); only the saving is batched. The log is interleaved as a real one
is: every receivable is issued first, then each round gives every receivable one more
event, so a projector's batch touches as many different receivables as it holds events.

Each round is a business day: reminders after the due date, calls, partial payments
(some recorded days after their value date), credit notes, formal notices, a few
write-offs, notes; a command the domain refuses (e.g. a payment on a settled file)
becomes a note.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from uuid import NAMESPACE_URL, UUID, uuid5

from application.ledger import Ledger
from domain.debtor import Address, Debtor
from domain.errors import DomainError
from domain.receivable import Receivable
from domain.receivable_events import ClaimBreakdown
from domain.values import Money, Now
from domain.vocabulary import (
    CallOutcome,
    CallPurpose,
    DebtorKind,
    NoticeChannel,
    PaymentMethod,
    ReminderChannel,
    ReminderStage,
)

NAMESPACE = uuid5(NAMESPACE_URL, "https://relance.invalid/tests/backlog")
FIRST_DAY = date(2024, 1, 2)
SAVE_CHUNK = 1000  # aggregates per save() call
TERMS_DAYS = 30
ACTORS = ("erp-sync", "bank-import", "dunning-engine", "marie.dupont", "compta.sophie")
SIREN_BASE = "73282932"  # with its Luhn key: 732829320


@dataclass(frozen=True)
class Backlog:
    debtors: int
    receivables: int
    events: int
    issue_day: date  # the day every invoice was recorded (their issue dates go back 60 days from it)
    last_day: date
    seconds: float


def _now(day: date, second: int = 0) -> Now:
    return Now(instant=datetime.combine(day, time(8), tzinfo=UTC) + timedelta(seconds=second), today=day)


def _eur(cents: int) -> Money:
    return Money((Decimal(cents) / 100).quantize(Decimal("0.01")), "EUR")


def _register(index: int, now: Now) -> Debtor:
    return Debtor.register(
        debtor_id=uuid5(NAMESPACE, f"debtor-{index}"),
        legal_name=f"Client {index} SAS",
        kind=DebtorKind.PROFESSIONAL,
        address=Address(lines=[f"{index} rue du Commerce"], postal_code="69003", city="Lyon", country="FR"),
        siren_number="732829320",
        now=now,
        actor=ACTORS[0],
    )


def _issue(index: int, debtor: UUID, now: Now) -> Receivable:
    issue_date = now.today - timedelta(days=index % 60)  # some already past due, some not yet
    amount = 10_000 + (index * 7919) % 990_000  # 100.00 to 10,000.00 incl. VAT
    excl = amount * 100 // 120
    return Receivable.issue(
        invoice_number=f"BL-{index:07d}",
        debtor_id=debtor,
        debtor_kind=DebtorKind.PROFESSIONAL,
        issue_date=issue_date,
        due_date=issue_date + timedelta(days=TERMS_DAYS),
        amount_excl_vat=_eur(excl),
        vat=_eur(amount - excl),
        amount_incl_vat=_eur(amount),
        label="Fourniture",
        now=now,
        actor=ACTORS[0],
    )


def _step(receivable: Receivable, index: int, round_number: int, now: Now) -> None:
    """One more event on ``receivable``: what a real file sees around this round."""
    day = now.today
    actor = ACTORS[(index + round_number) % len(ACTORS)]
    owed = int(receivable.outstanding * 100)
    choice = (round_number + index) % 10
    actions: dict[int, Callable[[], object]] = {
        0: lambda: receivable.send_reminder(
            stage=ReminderStage.FIRST, channel=(ReminderChannel.EMAIL, ReminderChannel.LETTER)[index % 2],
            sent_on=day, now=now, actor=actor,
        ),
        1: lambda: receivable.note_call(
            called_on=day, purpose=CallPurpose.FOLLOW_UP, outcome=CallOutcome.REACHED, now=now, actor=actor
        ),
        2: lambda: receivable.receive_payment(
            paid=_eur(max(1, owed // 3)), value_date=max(receivable.issue_date, day - timedelta(days=index % 4)),
            method=PaymentMethod.TRANSFER, bank_reference=f"VIR-{index}-{round_number}", now=now, actor=actor,
        ),
        3: lambda: receivable.send_reminder(
            stage=ReminderStage.SECOND, channel=ReminderChannel.LETTER, sent_on=day, now=now, actor=actor
        ),
        4: lambda: receivable.add_note(note="relance", now=now, actor=actor),
        5: lambda: receivable.apply_credit_note(
            credit_note_number=f"AV-{index}-{round_number}", credited=_eur(max(1, owed // 10)), issued_on=day,
            now=now, actor=actor,
        ),
        6: lambda: receivable.send_formal_notice(
            channel=NoticeChannel.REGISTERED_LETTER, sent_on=day, deadline=day + timedelta(days=10),
            claimed=ClaimBreakdown(receivable.outstanding, Decimal("0.00"), Decimal("40.00")),
            document_sha256=f"{index:064x}", now=now, actor=actor,
        ),
        7: lambda: receivable.receive_payment(
            paid=_eur(owed), value_date=max(receivable.issue_date, day - timedelta(days=7)),
            method=PaymentMethod.CHEQUE, bank_reference=f"CHQ-{index}-{round_number}", now=now, actor=actor,
        )
        if index % 3 == 0
        else receivable.add_note(note="promesse orale", now=now, actor=actor),
        8: lambda: receivable.write_off(reason="irrécouvrable", now=now, actor=actor)
        if index % 17 == 0
        else receivable.add_note(note="suivi", now=now, actor=actor),
        9: lambda: receivable.receive_payment(
            paid=_eur(max(1, owed // 5)), value_date=day, method=PaymentMethod.CARD,
            bank_reference=f"CB-{index}-{round_number}", now=now, actor=actor,
        ),
    }  # fmt: skip
    try:
        actions[choice]()
    except DomainError:
        receivable.add_note(note="note", now=now, actor=actor)


def write_backlog(
    ledger: Ledger,
    *,
    receivables: int,
    events_per_receivable: int,
    receivables_per_debtor: int = 10,
    on_progress: Callable[[int], None] | None = None,
) -> Backlog:
    """Write ``receivables`` invoices with ``events_per_receivable`` events each (plus one per debtor)."""
    import time as clock

    started = clock.perf_counter()
    debtor_count = max(1, receivables // receivables_per_debtor)
    first = _now(FIRST_DAY)
    debtors = [_register(i, first) for i in range(debtor_count)]
    for start in range(0, len(debtors), SAVE_CHUNK):
        ledger.store.append([e for d in debtors[start : start + SAVE_CHUNK] for e in d.collect_events()])
    issue_day = FIRST_DAY + timedelta(days=60)
    files = []
    events = debtor_count
    for start in range(0, receivables, SAVE_CHUNK):
        chunk = [
            _issue(i, debtors[i % debtor_count].id, _now(issue_day, i % 3600))
            for i in range(start, min(start + SAVE_CHUNK, receivables))
        ]
        ledger.store.append([e for r in chunk for e in r.collect_events()])
        files.extend(chunk)
        events += len(chunk)
    day = issue_day
    for round_number in range(1, events_per_receivable):
        day = day + timedelta(days=3 if round_number % 5 else 5)
        for start in range(0, receivables, SAVE_CHUNK):
            chunk = files[start : start + SAVE_CHUNK]
            for offset, receivable in enumerate(chunk):
                _step(receivable, start + offset, round_number, _now(day, round_number))
            saved = [e for r in chunk for e in r.collect_events()]
            ledger.store.append(saved)
            events += len(saved)
        if on_progress is not None:
            on_progress(events)
    return Backlog(debtor_count, receivables, events, issue_day, day, clock.perf_counter() - started)
