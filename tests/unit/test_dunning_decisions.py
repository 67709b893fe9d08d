"""The dunning decision, scenario by scenario from the seeds, and one property: following it never breaks a rule."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.debtor import Debtor
from domain.dunning import Decision, contacts_in_week, decide, within_working_hours
from domain.dunning_policy import (
    SENDING_ACTIONS,
    Action,
    Channel,
    Guardrails,
    Policy,
    notice_channel,
    reminder_channel,
)
from domain.receivable import Receivable
from domain.vocabulary import (
    AcknowledgementOutcome,
    CallOutcome,
    CallPurpose,
    DeliveryStatus,
    DisputeOutcome,
    DisputeReason,
    DocumentKind,
    EscalationRoute,
    InsolvencyProcedure,
    NoticeChannel,
    Priority,
    ReminderChannel,
    ReminderStage,
)
from infrastructure.policy_files import shipped_policies
from tests.unit.builders import (
    ACTOR,
    DOCUMENT,
    DUE_DAY,
    ISSUE_DAY,
    at,
    claim,
    eur,
    issued_receivable,
    pay,
    registered_debtor,
)


def due(days: int) -> date:
    """The due date (14 February 2024) plus ``days``."""
    return DUE_DAY + timedelta(days=days)


def issued(days: int) -> date:
    """The issue date (15 January 2024) plus ``days``."""
    return ISSUE_DAY + timedelta(days=days)


@dataclass
class File:
    """Given: an invoice of ``total`` EUR (no VAT, to keep amounts readable) and its debtor."""

    total: str = "1200.00"
    priority: Priority | None = None
    receivable: Receivable = field(init=False)
    debtor: Debtor = field(init=False)

    def __post_init__(self) -> None:
        self.receivable = issued_receivable(
            amount_excl_vat=eur(self.total), vat=eur("0.00"), amount_incl_vat=eur(self.total)
        )
        self.debtor = registered_debtor()
        if self.priority is not None:
            self.debtor.change_priority(priority=self.priority, now=at(ISSUE_DAY), actor=ACTOR)

    def reminded(self, stage: ReminderStage, on: date, *, rule: str | None = None) -> File:
        self.receivable.send_reminder(
            stage=stage, channel=ReminderChannel.EMAIL, sent_on=on, now=at(on), actor=ACTOR, rule=rule
        )
        return self

    def noticed(self, on: date) -> File:
        self.receivable.send_formal_notice(
            channel=NoticeChannel.REGISTERED_LETTER,
            sent_on=on,
            deadline=on + timedelta(days=8),
            claimed=claim(principal=str(self.receivable.outstanding)),
            document_sha256=DOCUMENT,
            now=at(on),
            actor=ACTOR,
        )
        return self

    def invoice_attached(self) -> File:
        self.receivable.attach_document(
            kind=DocumentKind.INVOICE,
            document_sha256=DOCUMENT,
            media_type="application/pdf",
            now=at(ISSUE_DAY),
            actor=ACTOR,
        )
        return self

    def called(self, on: date) -> File:
        self.receivable.note_call(
            called_on=on, purpose=CallPurpose.FOLLOW_UP, outcome=CallOutcome.REACHED, now=at(on), actor=ACTOR
        )
        return self

    def paid(self, value: str, on: date, reference: str = "VIR-1") -> File:
        pay(self.receivable, value, on=on, reference=reference, now=at(on))
        return self

    def promised(self, value: str, by: date, *, on: date) -> File:
        self.receivable.record_promise(amount_promised=eur(value), promised_date=by, now=at(on), actor=ACTOR)
        return self

    def plan(self, instalments: list[tuple[date, str]], *, on: date) -> File:
        schedule = [(day, eur(value)) for day, value in instalments]
        self.receivable.agree_payment_plan(instalments=schedule, now=at(on), actor=ACTOR)
        return self

    def disputed(self, on: date) -> File:
        self.receivable.open_dispute_for(reason=DisputeReason.PRICE, opened_on=on, now=at(on), actor=ACTOR)
        return self

    def paused(self, on: date, until: date | None) -> File:
        self.receivable.pause_dunning(reason="commercial visit planned", now=at(on), actor=ACTOR, until=until)
        return self

    def insolvent(self, on: date) -> File:
        self.debtor.open_insolvency(
            procedure=InsolvencyProcedure.RECEIVERSHIP,
            court="Tribunal de commerce de Paris",
            judgment_date=on,
            publication_date=on,
            now=at(on),
            actor=ACTOR,
        )
        return self

    def escalated(self, on: date) -> File:
        self.receivable.escalate(route=EscalationRoute.PAYMENT_ORDER, escalated_on=on, now=at(on), actor=ACTOR)
        return self

    def written_off(self, on: date) -> File:
        self.receivable.write_off(reason="debtor vanished", now=at(on), actor=ACTOR)
        return self

    @property
    def outstanding(self) -> Decimal:
        return self.receivable.outstanding


DEFAULT, LIGHT = (next(p for p in shipped_policies() if p.id == name) for name in ("default", "light"))


@dataclass(frozen=True)
class Expected:
    sending: str | None = None  # the rule of the one sending step due
    call: str | None = None
    holds: tuple[str, ...] = ()
    detections: tuple[str, ...] = ()


def on_time() -> File:
    """A file where every step so far was sent on its day: courtesy, first and second reminders."""
    return (
        File()
        .invoice_attached()
        .reminded(ReminderStage.COURTESY, due(-7), rule="courtesy")
        .reminded(ReminderStage.FIRST, due(5), rule="first_reminder")
        .reminded(ReminderStage.SECOND, due(20), rule="second_reminder")
    )


def with_plan() -> File:
    return File().plan([(due(20), "600.00"), (due(50), "600.00")], on=due(10))


SCENARIOS = [
    # default policy, the seeds' timetable (product.md "The dunning process")
    pytest.param(File, DEFAULT, due(-8), Expected(), id="nothing is due eight days before the due date"),
    pytest.param(File, DEFAULT, due(-7), Expected("courtesy"), id="the courtesy e-mail falls due seven days before"),
    pytest.param(File, DEFAULT, due(-1), Expected("courtesy"), id="the courtesy e-mail can still go the day before"),
    pytest.param(File, DEFAULT, due(0), Expected(), id="the courtesy e-mail is skipped once the due date has come"),
    pytest.param(File, DEFAULT, due(1), Expected(call="courteous_call"), id="a courteous call the day after due"),
    pytest.param(File, DEFAULT, due(4), Expected(call="courteous_call"), id="the courteous call stays four days"),
    pytest.param(
        lambda: File().called(due(2)), DEFAULT, due(3), Expected(), id="a call noted takes the call off the worklist"
    ),
    pytest.param(File, DEFAULT, due(5), Expected("first_reminder"), id="the first reminder on the fifth day"),
    pytest.param(
        lambda: File().reminded(ReminderStage.FIRST, due(5), rule="first_reminder"),
        DEFAULT,
        due(19),
        Expected(),
        id="no second reminder fourteen days after the first",
    ),
    pytest.param(
        lambda: File().reminded(ReminderStage.FIRST, due(5), rule="first_reminder"),
        DEFAULT,
        due(20),
        Expected("second_reminder"),
        id="the second reminder fifteen days after the first",
    ),
    pytest.param(on_time, DEFAULT, due(34), Expected(), id="no formal notice on the thirty-fourth day"),
    pytest.param(on_time, DEFAULT, due(35), Expected("formal_notice"), id="the formal notice on the 35th day"),
    pytest.param(on_time, DEFAULT, due(80), Expected("formal_notice"), id="a formal notice never expires"),
    pytest.param(
        lambda: on_time().noticed(due(35)), DEFAULT, due(43), Expected(), id="no escalation on the notice deadline"
    ),
    pytest.param(
        lambda: on_time().noticed(due(35)),
        DEFAULT,
        due(44),
        Expected("escalate"),
        id="escalation goes to the worklist the day after the notice deadline",
    ),
    # catch-up and spacing
    pytest.param(File, DEFAULT, due(30), Expected("first_reminder"), id="after a 30-day gap only the next step"),
    pytest.param(File, DEFAULT, due(90), Expected("first_reminder"), id="after a 90-day gap still only one step"),
    pytest.param(
        lambda: File().reminded(ReminderStage.COURTESY, due(-1), rule="courtesy"),
        DEFAULT,
        due(5),
        Expected(holds=("spacing",)),
        id="a courtesy e-mail sent late delays the first reminder by the spacing",
    ),
    pytest.param(
        lambda: File().reminded(ReminderStage.FIRST, due(3)),
        DEFAULT,
        due(6),
        Expected(),
        id="a reminder recorded by hand counts as its stage",
    ),
    pytest.param(
        lambda: File().reminded(ReminderStage.FIRST, due(3)).reminded(ReminderStage.SECOND, due(12)),
        DEFAULT,
        due(35),
        Expected(holds=("guardrail_invoice_document",)),
        id="the formal notice waits for the invoice to be attached",
    ),
    # audiences: calls before the due date for large invoices and priority debtors
    pytest.param(lambda: File("6000.00"), DEFAULT, issued(6), Expected(), id="no reception call before a week"),
    pytest.param(
        lambda: File("6000.00"),
        DEFAULT,
        issued(7),
        Expected(call="reception_call_large"),
        id="a reception call a week after issue for a large invoice",
    ),
    pytest.param(File, DEFAULT, issued(7), Expected(), id="no reception call for an ordinary invoice"),
    pytest.param(
        lambda: File(priority=Priority.HIGH),
        DEFAULT,
        issued(7),
        Expected(call="reception_call_priority"),
        id="a reception call for a debtor of high priority",
    ),
    pytest.param(
        lambda: File("6000.00"),
        DEFAULT,
        due(-10),
        Expected(call="pre_due_call"),
        id="a check call ten days before the due date for a large invoice",
    ),
    pytest.param(
        lambda: File("6000.00"),
        DEFAULT,
        due(-7),
        Expected("courtesy", call="pre_due_call"),
        id="a call and a letter may be due on the same day",
    ),
    # the light policy for small invoices (seed 000: no "machine de guerre")
    pytest.param(lambda: File("300.00"), LIGHT, due(1), Expected(), id="the light policy makes no call"),
    pytest.param(lambda: File("300.00"), LIGHT, due(5), Expected("first_reminder"), id="light first reminder"),
    pytest.param(
        lambda: (
            File("80.00")
            .invoice_attached()
            .reminded(ReminderStage.FIRST, due(5))
            .reminded(ReminderStage.SECOND, due(20))
        ),
        LIGHT,
        due(60),
        Expected(holds=("below_minimum",)),
        id="no formal notice for a few tens of euros",
    ),
    pytest.param(
        lambda: (
            File("300.00")
            .invoice_attached()
            .reminded(ReminderStage.FIRST, due(5))
            .reminded(ReminderStage.SECOND, due(20))
        ),
        LIGHT,
        due(45),
        Expected("formal_notice"),
        id="a formal notice from 150 euros under the light policy",
    ),
    # pauses and what lifts them
    pytest.param(lambda: File().insolvent(due(2)), DEFAULT, due(5), Expected(holds=("insolvency",)), id="insolvency"),
    pytest.param(lambda: File().disputed(due(2)), DEFAULT, due(5), Expected(holds=("dispute",)), id="a dispute"),
    pytest.param(
        lambda: File().promised("1200.00", due(10), on=due(3)),
        DEFAULT,
        due(13),
        Expected(holds=("promise",)),
        id="a promise pauses dunning until its date plus grace",
    ),
    pytest.param(
        lambda: File().promised("1200.00", due(10), on=due(3)),
        DEFAULT,
        due(14),
        Expected("first_reminder", detections=("promise_broken",)),
        id="a broken promise is detected and escalation resumes at once",
    ),
    pytest.param(
        lambda: File().promised("600.00", due(10), on=due(3)).paid("600.00", due(9)),
        DEFAULT,
        due(14),
        Expected("first_reminder"),
        id="a kept promise is no longer a pause and breaks nothing",
    ),
    pytest.param(with_plan, DEFAULT, due(23), Expected(holds=("payment_plan",)), id="a plan in good standing"),
    pytest.param(
        with_plan,
        DEFAULT,
        due(24),
        Expected("first_reminder", detections=("instalment_missed",)),
        id="a missed instalment is detected and escalation resumes",
    ),
    pytest.param(
        lambda: with_plan().paid("700.00", due(20)),
        DEFAULT,
        due(54),
        Expected("first_reminder", detections=("instalment_missed",)),
        id="instalments count cumulatively: the second is missed when the total paid falls short",
    ),
    pytest.param(
        lambda: with_plan().paid("600.00", due(20)),
        DEFAULT,
        due(40),
        Expected(holds=("payment_plan",)),
        id="a plan paid on time keeps dunning paused",
    ),
    pytest.param(
        lambda: File().paused(due(2), due(30)), DEFAULT, due(29), Expected(holds=("paused",)), id="a manual pause"
    ),
    pytest.param(
        lambda: File().paused(due(2), due(30)),
        DEFAULT,
        due(30),
        Expected("first_reminder"),
        id="a manual pause ends on its date",
    ),
    # files with nothing left to do
    pytest.param(lambda: File().paid("1200.00", due(3)), DEFAULT, due(5), Expected(holds=("closed",)), id="settled"),
    pytest.param(lambda: File().written_off(due(3)), DEFAULT, due(5), Expected(holds=("closed",)), id="written off"),
    pytest.param(
        lambda: on_time().noticed(due(35)).escalated(due(44)),
        DEFAULT,
        due(50),
        Expected(holds=("escalated",)),
        id="an escalated file is out of the amicable process",
    ),
]


@pytest.mark.parametrize(("given", "policy", "on", "expected"), SCENARIOS)
def test_the_decision_follows_the_seeds(
    given: Callable[[], File], policy: Policy, on: date, expected: Expected
) -> None:
    file = given()
    decision = decide(file.receivable, file.debtor, policy, on)
    assert (decision.sending.rule if decision.sending else None) == expected.sending
    assert (decision.call.rule if decision.call else None) == expected.call
    assert tuple(h.reason for h in decision.holds) == expected.holds
    assert tuple(d.kind for d in decision.detections) == expected.detections


def test_a_due_action_carries_what_the_run_needs() -> None:
    file = on_time()
    action = decide(file.receivable, file.debtor, DEFAULT, due(40)).sending
    assert action is not None
    assert (action.rule, action.action, action.channels) == (
        "formal_notice",
        Action.FORMAL_NOTICE,
        DEFAULT.stage("formal_notice").channels,
    )
    assert action.template == "formal_notice"
    assert action.due_on == due(35)  # the day it fell due, not the day of the catch-up
    assert action.deadline == due(40 + DEFAULT.notice_deadline_days)
    assert (action.policy_id, action.policy_version) == ("default", 1)
    assert (action.amount, action.days_past_due, action.priority) == (Decimal("1200.00"), 40, Priority.NORMAL)
    assert action.receivable_id == file.receivable.id and action.debtor_id == file.receivable.debtor_id


def test_a_hold_says_when_it_lifts() -> None:
    file = File().promised("1200.00", due(10), on=due(3))
    [hold] = decide(file.receivable, file.debtor, DEFAULT, due(12)).holds
    assert hold.until == due(10 + DEFAULT.promise_grace_days + 1)
    spaced = File().reminded(ReminderStage.COURTESY, due(-1), rule="courtesy")
    [spacing] = decide(spaced.receivable, spaced.debtor, DEFAULT, due(5)).holds
    assert spacing.until == due(-1 + DEFAULT.min_spacing_days)


def test_a_missed_instalment_names_the_instalment() -> None:
    file = with_plan().paid("600.00", due(20))
    [detection] = decide(file.receivable, file.debtor, DEFAULT, due(54)).detections
    assert (detection.kind, detection.instalment_number, detection.noted_on) == ("instalment_missed", 2, due(54))


def test_a_formal_notice_needs_a_reminder_after_the_due_date_first() -> None:
    courtesy, notice = DEFAULT.stage("courtesy"), DEFAULT.stage("formal_notice")
    policy = replace(DEFAULT, id="no-reminders", stages=(courtesy, notice))
    file = File().invoice_attached().reminded(ReminderStage.COURTESY, due(-7))
    holds = decide(file.receivable, file.debtor, policy, due(35)).holds
    assert [h.reason for h in holds] == ["guardrail_reminder_before_notice"]


def test_a_non_sequential_policy_jumps_to_the_latest_step_due() -> None:
    policy = replace(DEFAULT, id="jumping", sequential=False)
    file = File().invoice_attached().reminded(ReminderStage.FIRST, due(5))
    decision = decide(file.receivable, file.debtor, policy, due(36))
    assert decision.sending is not None and decision.sending.rule == "formal_notice"


def test_nothing_is_due_before_the_invoice_is_issued() -> None:
    file = File("6000.00")
    assert decide(file.receivable, file.debtor, DEFAULT, issued(-1)) == Decision()


# ----------------------------------------------------------------- contacts and hours


def test_one_letter_about_two_invoices_is_one_contact() -> None:
    first, second = File(), File()
    second.receivable = issued_receivable(invoice_number="F-2024-0043")
    for file in (first, second):
        file.receivable.send_reminder(
            stage=ReminderStage.FIRST,
            channel=ReminderChannel.LETTER,
            sent_on=due(5),
            now=at(due(5)),
            actor=ACTOR,
            document_sha256=DOCUMENT,
        )
    first.called(due(6))
    assert contacts_in_week([first.receivable, second.receivable], due(6)) == 2
    assert contacts_in_week([first.receivable, second.receivable], due(11)) == 2
    assert contacts_in_week([first.receivable, second.receivable], due(12)) == 1  # the letter is a week old


def test_working_hours_are_weekdays_from_nine_to_six() -> None:
    guardrails = Guardrails()
    monday = datetime(2024, 3, 4, 9, 0)
    assert within_working_hours(guardrails, monday)
    assert not within_working_hours(guardrails, monday.replace(hour=8, minute=59))
    assert not within_working_hours(guardrails, monday.replace(hour=18))
    assert not within_working_hours(guardrails, monday + timedelta(days=5, hours=2))  # Saturday 11:00


# ----------------------------------------------------------------- the property


def apply(file: File, decision: Decision, on: date, policy: Policy) -> None:
    """Do what the run would: record the detections, then the proposed steps, with the real commands."""
    receivable, now = file.receivable, at(on)
    for detection in decision.detections:
        if detection.kind == "promise_broken":
            receivable.break_promise(noted_on=on, now=now, actor=ACTOR)
        else:
            assert detection.instalment_number is not None
            receivable.miss_instalment(instalment_number=detection.instalment_number, noted_on=on, now=now, actor=ACTOR)
    for action in decision.actions:
        if action.action is Action.REMINDER:
            assert action.reminder_stage is not None
            for channel in action.channels:
                receivable.send_reminder(
                    stage=action.reminder_stage,
                    channel=reminder_channel(channel),
                    sent_on=on,
                    now=now,
                    actor=ACTOR,
                    policy_id=action.policy_id,
                    policy_version=action.policy_version,
                    rule=action.rule,
                )
        elif action.action is Action.FORMAL_NOTICE:
            assert action.deadline is not None
            channel = next(c for c in action.channels if c is not Channel.EMAIL)
            receivable.send_formal_notice(
                channel=notice_channel(channel),
                sent_on=on,
                deadline=action.deadline,
                claimed=claim(principal=str(receivable.outstanding), interest="0.00", indemnity="0.00"),
                document_sha256=DOCUMENT,
                now=now,
                actor=ACTOR,
            )
        elif action.action is Action.ESCALATE:
            receivable.escalate(route=EscalationRoute.PAYMENT_ORDER, escalated_on=on, now=now, actor=ACTOR)
        else:
            file.called(on)


EVENTS = st.sampled_from(
    ["nothing", "nothing", "nothing", "payment", "promise", "dispute", "resolve", "plan", "settle"]
)


@given(
    total=st.sampled_from(["80.00", "300.00", "1200.00", "7500.00"]),
    light=st.booleans(),
    priority=st.sampled_from([None, Priority.HIGH]),
    attached=st.booleans(),
    days=st.lists(st.tuples(st.integers(min_value=1, max_value=40), EVENTS), min_size=1, max_size=25),
)
@settings(max_examples=150, deadline=None)
def test_following_the_decisions_never_breaks_a_domain_rule(
    total: str, light: bool, priority: Priority | None, attached: bool, days: list[tuple[int, str]]
) -> None:
    policy = LIGHT if light else DEFAULT
    file = File(total, priority)
    if attached:
        file.invoice_attached()
    on = ISSUE_DAY
    sent_on: list[date] = []
    for gap, event in days:
        on += timedelta(days=gap)
        happen(file, event, on)
        decision = decide(file.receivable, file.debtor, policy, on)
        assert len([a for a in decision.actions if a.action in SENDING_ACTIONS]) <= 1
        apply(file, decision, on, policy)  # raises if the domain refuses a step
        if decision.sending is not None:
            assert on not in sent_on, "two sending steps on one date"
            sent_on.append(on)
        again = decide(file.receivable, file.debtor, policy, on)
        assert again.sending is None and again.detections == ()


def happen(file: File, event: str, on: date) -> None:
    """Something from the debtor's side, when the receivable accepts it on that day."""
    receivable = file.receivable
    if receivable.is_closed or receivable.escalations:
        return
    if event == "payment":
        part = (receivable.outstanding / 2).quantize(Decimal("0.01"))
        file.paid(str(part or receivable.outstanding), on, reference=f"VIR-{on}")
    elif event == "settle":
        file.paid(str(receivable.outstanding), on, reference=f"VIR-ALL-{on}")
    elif event == "promise" and receivable.open_promise is None:
        file.promised(str(receivable.outstanding), on + timedelta(days=10), on=on)
    elif event == "dispute" and receivable.open_dispute is None:
        file.disputed(on)
    elif event == "resolve" and receivable.open_dispute is not None:
        number = receivable.open_dispute.number
        receivable.resolve_dispute(
            dispute_number=number, outcome=DisputeOutcome.REJECTED, resolved_on=on, now=at(on), actor=ACTOR
        )
    elif event == "plan" and receivable.active_plan is None:
        half = (receivable.outstanding / 2).quantize(Decimal("0.01"))
        rest = receivable.outstanding - half
        file.plan([(on + timedelta(days=15), str(half or rest)), (on + timedelta(days=45), str(rest))], on=on)


# ----------------------------------------------------------------- what came back by post (issue 17)


def acknowledged(file: File, outcome: AcknowledgementOutcome, on: date) -> File:
    file.receivable.acknowledge_formal_notice(notice_number=1, outcome=outcome, acknowledged_on=on, now=at(on),
                                              actor=ACTOR)  # fmt: skip
    return file


def test_escalation_waits_for_the_deadline_counted_from_receipt_not_from_the_posting() -> None:
    file = acknowledged(on_time().noticed(due(35)), AcknowledgementOutcome.DELIVERED, due(40))
    notice = file.receivable.notices[0]
    assert (notice.deadline, notice.effective_deadline) == (due(43), due(48))

    still_running = decide(file.receivable, file.debtor, DEFAULT, due(48))
    passed = decide(file.receivable, file.debtor, DEFAULT, due(49))

    assert [a.action for a in still_running.actions] == []
    assert [a.action for a in passed.actions] == [Action.ESCALATE]


def test_a_formal_notice_returned_undeliverable_is_due_again_and_escalation_is_not() -> None:
    file = acknowledged(on_time().noticed(due(35)), AcknowledgementOutcome.UNDELIVERABLE, due(40))

    decision = decide(file.receivable, file.debtor, DEFAULT, due(60))

    assert decision.sending is not None and decision.sending.rule == "formal_notice"
    assert Action.ESCALATE not in [a.action for a in decision.actions]


@pytest.mark.parametrize(
    ("status", "due_again"),
    [(DeliveryStatus.HARD_BOUNCE, True), (DeliveryStatus.FAILED, True), (DeliveryStatus.SOFT_BOUNCE, False),
     (DeliveryStatus.DELIVERED, False)],
)  # fmt: skip
def test_a_reminder_that_bounced_hard_or_failed_is_due_again_and_a_delivered_one_is_not(
    status: DeliveryStatus, due_again: bool
) -> None:
    file = File()
    file.receivable.send_reminder(stage=ReminderStage.FIRST, channel=ReminderChannel.EMAIL, sent_on=due(5),
                                  document_sha256=DOCUMENT, rule="first_reminder", now=at(due(5)),
                                  actor=ACTOR)  # fmt: skip
    file.receivable.report_delivery(document_sha256=DOCUMENT, status=status, reported_on=due(6), source="dsn",
                                    now=at(due(6)), actor=ACTOR)  # fmt: skip

    decision = decide(file.receivable, file.debtor, DEFAULT, due(14))  # past the policy's spacing

    sent_again = decision.sending is not None and decision.sending.rule == "first_reminder"
    assert sent_again is due_again
