"""Properties of a Receivable under random sequences of commands, with a clock moving forward.

Hypothesis draws steps as plain data; ``play`` turns each into a command on one receivable.
Refused commands are expected: each must raise a DomainError and record nothing.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from application.ledger import Ledger
from application.views import receivable_view
from domain.canonical import GENESIS_HASH
from domain.errors import DomainError
from domain.receivable import ALWAYS_ALLOWED_WHEN_CLOSED, Receivable
from domain.receivable_events import (
    ClaimBreakdown,
    CreditNoteApplied,
    DisputeResolved,
    LateChargesInvoiced,
    LateChargesWaived,
    PaymentReceived,
    ReceivableEvent,
)
from domain.values import Money, Now
from domain.vocabulary import (
    AcknowledgementOutcome,
    CallOutcome,
    CallPurpose,
    DebtorKind,
    DisputeOutcome,
    DisputeReason,
    DocumentKind,
    EscalationRoute,
    NoticeChannel,
    PaymentMethod,
    ReminderChannel,
    ReminderStage,
)
from infrastructure.event_store import EventsourcingStore
from tests.unit.builders import ACTOR, DEBTOR_ID, DOCUMENT, eur

ZERO = Decimal("0.00")
ISSUE_DAY = date(2024, 1, 15)
OUTSTANDING = "outstanding"  # a step's amount that means "whatever is still owed"
AMOUNTS = ["0.01", "50.00", "99.99", "250.50", "600.00", "1200.00", "1500.00", OUTSTANDING, "-5.00", "10.005"]
COMMON_KINDS = [  # repeated entries are drawn more often
    *["pay"] * 4,
    *["remind"] * 3,
    *["promise", "break_promise", "dispute", "resolve", "notice"] * 2,
    *["plan", "acknowledge", "miss"] * 3,
    "call",
    "credit_note",
    "charges",
    "waive",
    "escalate",
    "pause",
    "resume",
    "mediation_start",
    "mediation_end",
    "note",
    "document",
]
KINDS = [*COMMON_KINDS * 2, "write_off"]  # a write-off ends most things: keep it rare
SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@dataclass(frozen=True)
class Step:
    kind: str
    advance: int  # days the clock moves forward before the command
    back: int  # how many days before today the fact happened
    ahead: int  # days after the reference date, minus two (so some are not in the future)
    value: str
    reference: str
    number: int
    choice: int
    flag: bool


steps = st.builds(
    Step,
    kind=st.sampled_from(KINDS),
    advance=st.sampled_from([0, 1, 2, 5, 8, 15]),
    back=st.sampled_from([0, 0, 1, 3, 10, 90]),
    ahead=st.sampled_from([0, 1, 3, 5, 10, 30]),
    value=st.sampled_from(AMOUNTS),
    reference=st.sampled_from(["VIR-1", "VIR-2", "VIR-3", "VIR-4", "VIR-5", "CHQ-1"]),
    number=st.sampled_from([1, 1, 1, 2, 0]),
    choice=st.integers(0, 11),
    flag=st.booleans(),
)
scenarios = st.tuples(st.booleans(), st.lists(steps, min_size=10, max_size=40))


@dataclass
class History:
    receivable: Receivable
    events: list[ReceivableEvent] = field(default_factory=list)
    refused: int = 0


def clock(day: date, tick: int) -> Now:
    return Now(instant=datetime.combine(day, time(8), tzinfo=UTC) + timedelta(seconds=tick), today=day)


def money(step: Step, receivable: Receivable) -> Money:
    if step.value == OUTSTANDING:
        return eur(max(receivable.outstanding, Decimal("0.01")))
    return eur(step.value)


def pick(values: list[Any], step: Step) -> Any:
    return values[step.choice % len(values)]


def aimed(latest: int, step: Step) -> int:
    """The number of the latest dispute or notice half of the time, else the step's own guess."""
    return latest if step.flag else step.number


def perform(receivable: Receivable, step: Step, now: Now) -> None:
    today = now.today
    happened = today - timedelta(days=step.back)
    ahead = today + timedelta(days=step.ahead - 2)
    common: dict[str, Any] = {"now": now, "actor": ACTOR}
    match step.kind:
        case "pay":
            payment, recorded = receivable.receive_payment(
                paid=money(step, receivable) if step.flag else eur("100.00"),  # small ones often: files stay open
                value_date=happened,
                method=pick(list(PaymentMethod), step),
                bank_reference=step.reference,
                **common,
            )
            assert recorded or payment == receivable.payment_with_reference(step.reference)
        case "remind":
            receivable.send_reminder(
                stage=pick(list(ReminderStage), step),
                channel=pick(list(ReminderChannel), step),
                sent_on=happened,
                **common,
            )
        case "call":
            receivable.note_call(
                called_on=happened,
                purpose=pick(list(CallPurpose), step),
                outcome=pick(list(CallOutcome), step),
                **common,
            )
        case "credit_note":
            receivable.apply_credit_note(
                credit_note_number=f"AV-{step.number}", credited=money(step, receivable), issued_on=happened, **common
            )
        case "promise":
            receivable.record_promise(amount_promised=money(step, receivable), promised_date=ahead, **common)
        case "break_promise":
            receivable.break_promise(noted_on=today if step.flag else happened, **common)
        case "dispute":
            receivable.open_dispute_for(
                reason=pick(list(DisputeReason), step),
                opened_on=happened,
                disputed=None if step.flag else money(step, receivable),
                **common,
            )
        case "resolve":
            credit: dict[str, Any] = {
                "credit_note_number": f"AV-D{step.choice}",
                "credit_note_amount": money(step, receivable),
            }
            receivable.resolve_dispute(
                dispute_number=aimed(len(receivable.disputes), step),
                outcome=pick(list(DisputeOutcome), step),
                resolved_on=happened,
                **(credit if step.flag else {}),
                **common,
            )
        case "notice":
            receivable.send_formal_notice(
                channel=pick(list(NoticeChannel), step),
                sent_on=happened,
                deadline=happened + timedelta(days=step.ahead - 2),
                claimed=ClaimBreakdown(
                    principal=receivable.outstanding if step.flag else money(step, receivable).amount,
                    interest=Decimal("12.34") if step.choice % 2 else ZERO,
                    indemnity=Decimal("40.00") if step.choice % 3 == 0 else ZERO,
                ),
                document_sha256=DOCUMENT,
                **common,
            )
        case "acknowledge":
            receivable.acknowledge_formal_notice(
                notice_number=aimed(len(receivable.notices), step),
                outcome=pick(list(AcknowledgementOutcome), step),
                acknowledged_on=happened,
                **common,
            )
        case "plan":
            receivable.agree_payment_plan(instalments=instalments(receivable, step, ahead), **common)
        case "miss":
            receivable.miss_instalment(
                instalment_number=step.number, noted_on=today if step.flag else happened, **common
            )
        case "charges":
            receivable.invoice_late_charges(
                interest=eur("12.34") if step.choice % 2 else eur("0"),
                indemnity=eur("40.00") if step.flag else eur("0"),
                charges_invoice_number=f"PEN-{step.number}",
                invoiced_on=happened,
                **common,
            )
        case "waive":
            receivable.waive_late_charges(
                interest=eur("5.00"), indemnity=eur("40.00") if step.flag else eur("0"), reason="goodwill", **common
            )
        case "escalate":
            receivable.escalate(route=pick(list(EscalationRoute), step), escalated_on=happened, **common)
        case "pause":
            receivable.pause_dunning(reason="holidays", until=None if step.flag else ahead, **common)
        case "resume":
            receivable.resume_dunning(reason="back", **common)
        case "mediation_start":
            receivable.start_mediation(started_on=happened, **common)
        case "mediation_end":
            receivable.end_mediation(ended_on=happened, **common)
        case "note":
            receivable.add_note(note=f"note {step.number}", document_sha256=DOCUMENT if step.flag else None, **common)
        case "document":
            receivable.attach_document(
                kind=pick(list(DocumentKind), step), document_sha256=DOCUMENT, media_type="application/pdf", **common
            )
        case "write_off":
            receivable.write_off(reason="uncollectable", **common)
        case _:  # pragma: no cover - KINDS and this match go together
            raise AssertionError(step.kind)


def instalments(receivable: Receivable, step: Step, first: date) -> list[tuple[date, Money]]:
    """Instalments that cover what is owed (sometimes one cent short), monthly from ``first``."""
    count = step.choice % 4 + 1
    total = receivable.outstanding - (Decimal("0.01") if step.flag and step.number == 0 else ZERO)
    share = (total / count).quantize(Decimal("0.01"))
    amounts = [share] * (count - 1) + [total - share * (count - 1)]
    return [(first + timedelta(days=30 * i), eur(a)) for i, a in enumerate(amounts)]


def play(consumer: bool, plan: list[Step]) -> History:
    receivable = Receivable.issue(
        invoice_number="F-PROP-1",
        debtor_id=DEBTOR_ID,
        debtor_kind=DebtorKind.CONSUMER if consumer else DebtorKind.PROFESSIONAL,
        issue_date=ISSUE_DAY,
        due_date=ISSUE_DAY + timedelta(days=30),
        amount_excl_vat=eur("1000.00"),
        vat=eur("200.00"),
        amount_incl_vat=eur("1200.00"),
        label="Property-based invoice",
        now=clock(ISSUE_DAY, 0),
        actor=ACTOR,
    )
    history = History(receivable, receivable.collect_events())
    today = ISSUE_DAY
    for tick, step in enumerate(plan, start=1):
        today += timedelta(days=step.advance)
        version, head, was_closed = receivable.version, receivable.head, receivable.is_closed
        try:
            perform(receivable, step, clock(today, tick))
        except DomainError:
            history.refused += 1
            assert (receivable.version, receivable.head) == (version, head), step
            assert receivable.collect_events() == [], step
            continue
        recorded = receivable.collect_events()
        assert len(recorded) == receivable.version - version <= 1, step
        if not recorded:
            assert step.kind == "pay" and receivable.head == head, step  # a known bank reference
        elif was_closed:
            assert isinstance(recorded[0], ALWAYS_ALLOWED_WHEN_CLOSED), step
        history.events.extend(recorded)
        assert_money_holds(receivable, history.events)
    return history


def assert_money_holds(receivable: Receivable, events: list[ReceivableEvent]) -> None:
    billed = sum((e.interest + e.indemnity for e in events if isinstance(e, LateChargesInvoiced)), ZERO)
    waived = sum((e.interest + e.indemnity for e in events if isinstance(e, LateChargesWaived)), ZERO)
    received = sum((e.amount for e in events if isinstance(e, PaymentReceived)), ZERO)
    credited = sum((e.amount for e in events if isinstance(e, CreditNoteApplied)), ZERO) + sum(
        (e.credit_note_amount or ZERO for e in events if isinstance(e, DisputeResolved)), ZERO
    )
    assert receivable.outstanding >= ZERO
    assert receivable.credit_to_refund >= ZERO
    assert receivable.late_charges_outstanding >= ZERO
    assert receivable.paid == received  # every payment received is counted, an overpayment too
    assert receivable.credited == credited <= receivable.amount_incl_vat
    owed = receivable.amount_incl_vat + max(ZERO, billed - waived)
    assert receivable.paid + receivable.credited - receivable.credit_to_refund <= owed
    if receivable.credit_to_refund > ZERO:
        assert receivable.paid + receivable.credited - receivable.credit_to_refund == owed


def observable(receivable: Receivable) -> dict[str, Any]:
    """Everything a caller can see of a receivable, as plain comparable values."""
    return {
        "view": receivable_view(receivable, today=date(2024, 12, 31)),
        "status": receivable.status,
        "stage": receivable.stage,
        "outstanding": receivable.outstanding,
        "paid": receivable.paid,
        "credited": receivable.credited,
        "credit_to_refund": receivable.credit_to_refund,
        "late_charges_outstanding": receivable.late_charges_outstanding,
        "version": receivable.version,
        "head": receivable.head,
        "payments": [vars(p) for p in receivable.payments],
        "credit_notes": dict(receivable.credit_notes),
        "promises": [vars(p) for p in receivable.promises],
        "disputes": [vars(d) for d in receivable.disputes],
        "notices": [vars(n) for n in receivable.notices],
        "plans": [vars(p) for p in receivable.plans],
        "pause": receivable.pause,
        "mediation_started_on": receivable.mediation_started_on,
        "closed": receivable.is_closed,
        "notes": [e.hash() for e in receivable.notes],
        "reminders": [e.hash() for e in receivable.reminders],
        "calls": [e.hash() for e in receivable.calls],
    }


@pytest.fixture(scope="module")
def ledger(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Ledger]:
    path: Path = tmp_path_factory.mktemp("properties") / "ledger.sqlite"
    application = Ledger(EventsourcingStore({"PERSISTENCE_MODULE": "eventsourcing.sqlite", "SQLITE_DBNAME": str(path)}))
    yield application
    application.close()


@SETTINGS
@given(scenarios)
def test_replaying_the_recorded_events_gives_the_live_receivable(scenario: tuple[bool, list[Step]]) -> None:
    history = play(*scenario)

    replayed = Receivable.replay(history.events)

    assert replayed is not None
    assert observable(replayed) == observable(history.receivable)


@SETTINGS
@given(scenarios)
def test_the_recorded_events_form_an_unbroken_hash_chain(scenario: tuple[bool, list[Step]]) -> None:
    history = play(*scenario)
    events = history.events

    assert [e.originator_version for e in events] == list(range(1, len(events) + 1))
    assert events[0].previous_hash == GENESIS_HASH
    for before, after in pairwise(events):
        assert after.previous_hash == before.hash()
        assert after.timestamp > before.timestamp
    assert history.receivable.head == events[-1].hash()
    assert len({e.hash() for e in events}) == len(events)


@SETTINGS
@given(scenarios)
def test_money_is_never_lost_nor_counted_twice(scenario: tuple[bool, list[Step]]) -> None:
    history = play(*scenario)  # play checks the money after every recorded event

    assert_money_holds(history.receivable, history.events)


@SETTINGS
@given(scenarios)
def test_events_read_back_from_the_store_format_keep_their_hashes(
    ledger: Ledger, scenario: tuple[bool, list[Step]]
) -> None:
    history = play(*scenario)

    decoded = [ledger.mapper.to_domain_event(ledger.mapper.to_stored_event(e)) for e in history.events]

    assert [type(e) for e in decoded] == [type(e) for e in history.events]
    assert [e.hash() for e in decoded] == [e.hash() for e in history.events]  # type: ignore[attr-defined]
    assert decoded == history.events
    replayed = Receivable.replay(decoded)  # type: ignore[arg-type]
    assert replayed is not None
    assert observable(replayed) == observable(history.receivable)


def test_the_random_scenarios_reach_nearly_every_event_type_and_status() -> None:
    """Guards the generator itself: the properties above are only as good as what it explores."""
    seen_events: set[str] = set()
    seen_status: set[str] = set()
    refused = 0

    @settings(
        max_examples=200, deadline=None, database=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow]
    )
    @given(scenarios)
    def explore(scenario: tuple[bool, list[Step]]) -> None:
        nonlocal refused
        history = play(*scenario)
        seen_events.update(type(e).__name__ for e in history.events)
        seen_status.add(history.receivable.status.value)
        refused += history.refused

    explore()

    assert len(seen_events) >= 21, sorted(seen_events)
    assert {
        "PaymentReceived",
        "CreditNoteApplied",
        "DisputeOpened",
        "FormalNoticeSent",
        "PaymentPlanAgreed",
        "LateChargesInvoiced",
        "EscalatedToLitigation",
        "WrittenOff",
    } <= seen_events, sorted(seen_events)
    assert {"open", "disputed", "escalated", "in_payment_plan", "settled", "written_off"} <= seen_status, seen_status
    assert refused > 0
