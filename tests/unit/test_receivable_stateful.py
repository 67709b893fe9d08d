"""A Receivable driven by a hypothesis state machine, checked against a model of its own.

test_receivable_properties.py replays whole random scenarios and checks the events they leave;
here each command is a rule, the model keeps the money from the *commands accepted* (not from
the events), and the invariants run after every single step, so a failure shrinks to the
shortest sequence of commands that breaks one.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from itertools import pairwise
from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from domain.canonical import GENESIS_HASH
from domain.errors import DomainError
from domain.receivable import Receivable
from domain.receivable_events import CreditNoteApplied, PaymentReceived, ReceivableEvent, WrittenOff
from domain.values import Now
from domain.vocabulary import (
    AcknowledgementOutcome,
    DebtorKind,
    DisputeOutcome,
    DisputeReason,
    NoticeChannel,
    PaymentMethod,
    ReceivableStatus,
    ReminderChannel,
    ReminderStage,
)
from tests.unit.builders import ACTOR, DEBTOR_ID, DOCUMENT, claim, eur
from tests.unit.test_receivable_properties import observable

ZERO = Decimal("0.00")
AMOUNT = Decimal("1200.00")
ISSUE_DAY = date(2024, 1, 15)
OPEN_STATUSES = {ReceivableStatus.OPEN, ReceivableStatus.PROMISED, ReceivableStatus.IN_PAYMENT_PLAN}

amounts = st.sampled_from(["0.01", "100.00", "333.33", "600.00", "1200.00", "1500.00", "0", "-1.00", "1.001"])
days_back = st.sampled_from([0, 1, 5, 40, -1])  # -1: tomorrow, a date in the future
texts = st.sampled_from(["rappel", "", " ", "é" * 10, "'; DROP TABLE ledger_events; --", "x" * 1001, "a\x00b"])


class ReceivableMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.today = ISSUE_DAY
        self.tick = 0
        self.receivable = Receivable.issue(
            invoice_number="F-STATE-1", debtor_id=DEBTOR_ID, debtor_kind=DebtorKind.PROFESSIONAL,
            issue_date=ISSUE_DAY, due_date=ISSUE_DAY + timedelta(days=30), amount_excl_vat=eur("1000.00"),
            vat=eur("200.00"), amount_incl_vat=eur("1200.00"), label="Stateful invoice", now=self.now(), actor=ACTOR,
        )  # fmt: skip
        self.events: list[ReceivableEvent] = list(self.receivable.collect_events())
        # The model: what the accepted commands asked for, kept apart from the aggregate.
        self.payments: dict[str, Decimal] = {}
        self.credits: dict[str, Decimal] = {}
        self.open_disputes = 0
        self.written_off = False
        self.refused = 0

    # ------------------------------------------------------------ helpers

    def now(self) -> Now:
        self.tick += 1
        instant = datetime.combine(self.today, time(8), tzinfo=UTC) + timedelta(seconds=self.tick)
        return Now(instant=instant, today=self.today)

    def day(self, back: int) -> date:
        return self.today - timedelta(days=back)

    def attempt(self, command: Callable[[Now], Any]) -> list[ReceivableEvent]:
        """Run the command; a refusal must leave the aggregate exactly as it was."""
        version, head = self.receivable.version, self.receivable.head
        try:
            command(self.now())
        except DomainError:
            self.refused += 1
            assert (self.receivable.version, self.receivable.head) == (version, head)
            assert self.receivable.collect_events() == []
            return []
        recorded: list[ReceivableEvent] = list(self.receivable.collect_events())
        assert self.receivable.version == version + len(recorded)
        self.events += recorded
        return recorded

    @property
    def paid(self) -> Decimal:
        return sum(self.payments.values(), ZERO)

    @property
    def credited(self) -> Decimal:
        return sum(self.credits.values(), ZERO)

    @property
    def closed(self) -> bool:
        return self.written_off or self.paid + self.credited >= AMOUNT

    # -------------------------------------------------------------- rules

    @rule(days=st.sampled_from([1, 3, 10, 31]))
    def time_passes(self, days: int) -> None:
        self.today += timedelta(days=days)

    @rule(value=amounts, reference=st.sampled_from(["VIR-1", "VIR-2", "VIR-3", "CHQ-1"]), back=days_back)
    def pay(self, value: str, reference: str, back: int) -> None:
        known = reference in self.payments
        recorded = self.attempt(
            lambda now: self.receivable.receive_payment(
                paid=eur(value), value_date=self.day(back), method=PaymentMethod.TRANSFER, bank_reference=reference,
                now=now, actor=ACTOR,
            )
        )  # fmt: skip
        if recorded:
            assert not known and not self.closed, "a payment on a known reference or a closed file was recorded"
            (event,) = recorded
            assert isinstance(event, PaymentReceived) and event.amount == Decimal(value)
            self.payments[reference] = Decimal(value)

    @rule(value=amounts, number=st.sampled_from(["AV-1", "AV-2"]), back=days_back)
    def credit_note(self, value: str, number: str, back: int) -> None:
        recorded = self.attempt(
            lambda now: self.receivable.apply_credit_note(
                credit_note_number=number, credited=eur(value), issued_on=self.day(back), now=now, actor=ACTOR
            )
        )
        if recorded:
            assert number not in self.credits and not self.closed
            (event,) = recorded
            assert isinstance(event, CreditNoteApplied) and event.amount == Decimal(value)
            self.credits[number] = Decimal(value)

    @rule(stage=st.sampled_from(list(ReminderStage)), channel=st.sampled_from(list(ReminderChannel)), back=days_back)
    def remind(self, stage: ReminderStage, channel: ReminderChannel, back: int) -> None:
        self.attempt(
            lambda now: self.receivable.send_reminder(
                stage=stage, channel=channel, sent_on=self.day(back), now=now, actor=ACTOR
            )
        )

    @rule(reason=st.sampled_from(list(DisputeReason)), back=days_back)
    def open_dispute(self, reason: DisputeReason, back: int) -> None:
        if self.attempt(
            lambda now: self.receivable.open_dispute_for(reason=reason, opened_on=self.day(back), now=now, actor=ACTOR)
        ):
            self.open_disputes += 1

    @rule(number=st.integers(0, 3), outcome=st.sampled_from(list(DisputeOutcome)), back=days_back)
    def resolve_dispute(self, number: int, outcome: DisputeOutcome, back: int) -> None:
        if self.attempt(
            lambda now: self.receivable.resolve_dispute(
                dispute_number=number, outcome=outcome, resolved_on=self.day(back), now=now, actor=ACTOR
            )
        ):
            self.open_disputes -= 1

    @rule(value=amounts, ahead=st.sampled_from([-1, 0, 7, 30]))
    def promise(self, value: str, ahead: int) -> None:
        self.attempt(
            lambda now: self.receivable.record_promise(
                amount_promised=eur(value), promised_date=self.today + timedelta(days=ahead), now=now, actor=ACTOR
            )
        )

    @rule(back=days_back)
    def break_promise(self, back: int) -> None:
        self.attempt(lambda now: self.receivable.break_promise(noted_on=self.day(back), now=now, actor=ACTOR))

    @rule(count=st.integers(1, 3), short=st.booleans())
    def plan(self, count: int, short: bool) -> None:
        owed = self.receivable.outstanding - (Decimal("0.01") if short else ZERO)
        share = (owed / count).quantize(Decimal("0.01"))
        parts = [share] * (count - 1) + [owed - share * (count - 1)]
        instalments = [(self.today + timedelta(days=30 * (i + 1)), eur(p)) for i, p in enumerate(parts)]
        self.attempt(lambda now: self.receivable.agree_payment_plan(instalments=instalments, now=now, actor=ACTOR))

    @rule(number=st.integers(0, 3), back=days_back)
    def miss_instalment(self, number: int, back: int) -> None:
        self.attempt(
            lambda now: self.receivable.miss_instalment(
                instalment_number=number, noted_on=self.day(back), now=now, actor=ACTOR
            )
        )

    @rule(channel=st.sampled_from(list(NoticeChannel)), back=days_back, deadline=st.sampled_from([-1, 8, 15]))
    def formal_notice(self, channel: NoticeChannel, back: int, deadline: int) -> None:
        sent_on = self.day(back)
        principal = str(self.receivable.outstanding)
        self.attempt(
            lambda now: self.receivable.send_formal_notice(
                channel=channel, sent_on=sent_on, deadline=sent_on + timedelta(days=deadline),
                claimed=claim(principal, "0.00", "40.00"), document_sha256=DOCUMENT, now=now, actor=ACTOR,
            )
        )  # fmt: skip

    @rule(number=st.integers(0, 3), outcome=st.sampled_from(list(AcknowledgementOutcome)), back=days_back)
    def acknowledge(self, number: int, outcome: AcknowledgementOutcome, back: int) -> None:
        self.attempt(
            lambda now: self.receivable.acknowledge_formal_notice(
                notice_number=number, outcome=outcome, acknowledged_on=self.day(back), now=now, actor=ACTOR
            )
        )

    @rule()
    def write_off(self) -> None:
        was_closed = self.closed
        recorded = self.attempt(lambda now: self.receivable.write_off(reason="uncollectable", now=now, actor=ACTOR))
        if recorded:
            assert not was_closed
            (event,) = recorded
            assert isinstance(event, WrittenOff) and event.amount == AMOUNT - self.paid - self.credited
            self.written_off = True

    @rule(text=texts)
    def note(self, text: str) -> None:
        recorded = self.attempt(lambda now: self.receivable.add_note(note=text, now=now, actor=ACTOR))
        if recorded:
            assert self.receivable.notes[-1].text == text.strip() or self.receivable.notes[-1].text == text

    @rule(until=st.sampled_from([None, -1, 10]))
    def pause(self, until: int | None) -> None:
        day = None if until is None else self.today + timedelta(days=until)
        self.attempt(lambda now: self.receivable.pause_dunning(reason="holidays", until=day, now=now, actor=ACTOR))

    @rule()
    def resume(self) -> None:
        self.attempt(lambda now: self.receivable.resume_dunning(reason="back", now=now, actor=ACTOR))

    # -------------------------------------------------------- invariants

    @invariant()
    def the_money_matches_the_model(self) -> None:
        r = self.receivable
        assert r.paid == self.paid and r.credited == self.credited
        assert r.outstanding == max(ZERO, AMOUNT - self.paid - self.credited) >= ZERO
        assert r.credit_to_refund == max(ZERO, self.paid + self.credited - AMOUNT)

    @invariant()
    def the_status_follows_the_model(self) -> None:
        status = self.receivable.status
        if self.written_off:
            assert status is ReceivableStatus.WRITTEN_OFF
        elif self.closed:
            assert status is ReceivableStatus.SETTLED
        elif self.open_disputes:
            assert status is ReceivableStatus.DISPUTED
        else:
            assert status in OPEN_STATUSES
        assert self.receivable.is_closed == self.closed

    @invariant()
    def the_events_form_one_chain(self) -> None:
        assert self.events[0].previous_hash == GENESIS_HASH
        for before, after in pairwise(self.events):
            assert after.previous_hash == before.hash()
        assert self.receivable.head == self.events[-1].hash()
        assert [e.originator_version for e in self.events] == list(range(1, len(self.events) + 1))

    @invariant()
    def replaying_the_events_gives_the_same_receivable(self) -> None:
        replayed = Receivable.replay(self.events)
        assert replayed is not None
        assert observable(replayed) == observable(self.receivable)


ReceivableMachine.TestCase.settings = settings(
    max_examples=60, stateful_step_count=30, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
test_a_receivable_keeps_its_invariants_after_every_command = ReceivableMachine.TestCase
