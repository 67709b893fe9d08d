"""The dunning decision: what one receivable needs on one day under its policy. Pure: the day is given.

``decide`` proposes at most one sending step (reminder, formal notice or escalation) and at most
one call, says why nothing (more) is due (holds), and lists the facts the run must record first
(a broken promise, a missed instalment). It never proposes a step the Receivable would refuse on
that day. Escalation only goes to a manager's worklist: the engine never escalates on its own.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from uuid import UUID

from domain.debtor import Debtor
from domain.dunning_policy import SENDING_ACTIONS, Action, Anchor, Channel, Guardrails, Policy, Stage
from domain.receivable import FormalNotice, PaymentPlan, Receivable
from domain.vocabulary import FAILED_DELIVERIES, DocumentKind, Priority, ReminderStage

ONE_DAY = timedelta(days=1)
POST_DUE_REMINDERS = (ReminderStage.FIRST, ReminderStage.SECOND)


@dataclass(frozen=True)
class DueAction:
    receivable_id: UUID
    debtor_id: UUID
    rule: str
    action: Action
    channels: tuple[Channel, ...]
    template: str | None
    reminder_stage: ReminderStage | None
    due_on: date  # the day the stage fell due (earlier than the decision day when catching up)
    policy_id: str
    policy_version: int
    amount: Decimal  # outstanding incl. VAT
    days_past_due: int
    priority: Priority
    label: str
    deadline: date | None = None  # formal notice: the date butoir if sent on the decision day


@dataclass(frozen=True)
class Detection:
    """A fact the run records before acting (PromiseBroken, InstalmentMissed), dated the decision day."""

    kind: str  # "promise_broken" | "instalment_missed"
    noted_on: date
    instalment_number: int | None = None


@dataclass(frozen=True)
class Hold:
    """Why nothing (more) is due; ``until`` is the first day it may lift, when known."""

    reason: str
    detail: str
    until: date | None = None


@dataclass(frozen=True)
class Upcoming:
    rule: str
    on: date


@dataclass(frozen=True)
class Decision:
    actions: tuple[DueAction, ...] = ()  # at most one sending step, plus at most one call
    holds: tuple[Hold, ...] = ()
    detections: tuple[Detection, ...] = ()
    upcoming: Upcoming | None = None  # the next sending step, when it is not due yet

    @property
    def sending(self) -> DueAction | None:
        return next((a for a in self.actions if a.action in SENDING_ACTIONS), None)

    @property
    def call(self) -> DueAction | None:
        return next((a for a in self.actions if a.action is Action.CALL), None)


@dataclass(frozen=True)
class _Window:
    opens: date
    closes: date | None  # last day, inclusive

    def closed_on(self, on: date) -> bool:
        return self.closes is not None and (on > self.closes or self.opens > self.closes)


def decide(receivable: Receivable, debtor: Debtor, policy: Policy, on: date) -> Decision:
    if receivable.version == 0 or on < receivable.issue_date:
        return Decision()
    if receivable.is_closed:
        return Decision(holds=(Hold("closed", f"invoice {receivable.invoice_number} is {receivable.status.value}"),))
    if receivable.escalations:
        route = receivable.escalations[-1].route.value
        return Decision(holds=(Hold("escalated", f"escalated ({route}): out of the amicable process"),))
    if debtor.insolvency is not None:
        opened = debtor.insolvency
        detail = f"insolvency proceedings ({opened.procedure.value}) since {opened.judgment_date}: declare the claim"
        return Decision(holds=(Hold("insolvency", detail),))
    holds, detections = _pauses(receivable, policy, on)
    if holds:
        return Decision(holds=holds, detections=detections)
    sending, sending_holds, upcoming = _next_sending(receivable, debtor, policy, on)
    call = _due_call(receivable, debtor, policy, on)
    actions = tuple(a for a in (sending, call) if a is not None)
    return Decision(actions=actions, holds=sending_holds, detections=detections, upcoming=upcoming)


def contacts_in_week(receivables: Iterable[Receivable], on: date) -> int:
    """Distinct contacts with the debtor in the 7 days ending on ``on``: one document sent about several
    receivables is one contact (same sha256), and so are calls to one contact on one day."""
    first = on - timedelta(days=6)
    contacts: set[Hashable] = set()
    for receivable in receivables:
        for reminder in receivable.reminders:
            if first <= reminder.sent_on <= on:
                key = ("reminder", receivable.id, reminder.sent_on, reminder.channel, reminder.stage)
                contacts.add(reminder.document_sha256 or key)
        for notice in receivable.notices:
            if first <= notice.sent_on <= on:
                contacts.add(notice.document_sha256 or ("notice", receivable.id, notice.number))
        for index, call in enumerate(receivable.calls):
            if first <= call.called_on <= on:
                who = ("contact", call.contact_id) if call.contact_id is not None else (receivable.id, index)
                contacts.add(("call", call.called_on, who))
    return len(contacts)


def within_working_hours(guardrails: Guardrails, local: datetime) -> bool:
    start, end = guardrails.working_hours
    return local.weekday() in guardrails.working_days and start <= local.time() < end


# ---------------------------------------------------------------------- pauses


def _pauses(receivable: Receivable, policy: Policy, on: date) -> tuple[tuple[Hold, ...], tuple[Detection, ...]]:
    holds: list[Hold] = []
    detections: list[Detection] = []
    dispute = receivable.open_dispute
    if dispute is not None:
        holds.append(
            Hold("dispute", f"dispute {dispute.number} ({dispute.reason.value}) open since {dispute.opened_on}")
        )
    pause = receivable.pause
    if pause is not None and (pause.until is None or on < pause.until):
        holds.append(Hold("paused", f"paused on {pause.paused_on}: {pause.reason}", until=pause.until))
    promise = receivable.open_promise
    if promise is not None:
        lifts = promise.promised_date + timedelta(days=policy.promise_grace_days) + ONE_DAY
        if on < lifts:
            detail = f"promise to pay {promise.amount} by {promise.promised_date}"
            holds.append(Hold("promise", detail, until=lifts))
        else:
            detections.append(Detection("promise_broken", on))
    plan = receivable.active_plan
    if plan is not None:
        number, lifts = _first_unpaid_instalment(receivable, plan, policy.instalment_grace_days)
        if on >= lifts:
            detections.append(Detection("instalment_missed", on, number))
        else:
            holds.append(Hold("payment_plan", f"payment plan {plan.number}: instalment {number} not due yet", lifts))
    return tuple(holds), tuple(detections)


def _first_unpaid_instalment(receivable: Receivable, plan: PaymentPlan, grace_days: int) -> tuple[int, date]:
    """The first instalment the payments since the plan do not cover, and the day it counts as missed.
    Payments count cumulatively: paying ahead covers the next instalments."""
    paid_since = receivable.paid - plan.paid_when_agreed
    covered = Decimal("0")
    for number, instalment in enumerate(plan.instalments, start=1):
        covered += instalment.amount
        if paid_since < covered:
            return number, instalment.due_date + timedelta(days=grace_days) + ONE_DAY
    raise AssertionError("a plan paid off is not active")  # active_plan excludes it


# ---------------------------------------------------------------------- stages


def _next_sending(
    receivable: Receivable, debtor: Debtor, policy: Policy, on: date
) -> tuple[DueAction | None, tuple[Hold, ...], Upcoming | None]:
    """The one sending step due: past the furthest step done, skipping stages not admitted, closed
    or impossible; in a sequential policy the first remaining stage waits for its day, blocking later ones."""
    stages = [s for s in policy.stages if s.action in SENDING_ACTIONS]
    last_sent = _last_sent(receivable)
    furthest = max((i for i, s in enumerate(stages) if _done(s, receivable, None)), default=-1)
    owed = receivable.outstanding
    chosen: tuple[Stage, _Window] | None = None
    upcoming: Upcoming | None = None
    below_minimum: Stage | None = None
    for stage in stages[furthest + 1 :]:
        if not stage.audience.admits(amount=owed, debtor=debtor):
            minimum = stage.audience.min_amount
            below_minimum = stage if minimum is not None and owed < minimum else below_minimum
            continue
        window = _window(stage, receivable, last_sent)
        if window.closed_on(on) or not _possible(stage, receivable):
            continue
        if on < window.opens:
            upcoming = upcoming or Upcoming(stage.rule, window.opens)
            if policy.sequential:
                break
            continue
        chosen = (stage, window)
        if policy.sequential:
            break
    if chosen is None:
        if upcoming is None and below_minimum is not None:
            minimum = below_minimum.audience.min_amount
            detail = f"{below_minimum.label}: from {minimum} outstanding only, {owed} is outstanding"
            return None, (Hold("below_minimum", detail),), None
        return None, (), upcoming
    stage, window = chosen
    holds = _sending_holds(stage, receivable, policy, on, last_sent)
    if holds:
        lifts = max((h.until for h in holds if h.until is not None), default=None)
        return None, holds, Upcoming(stage.rule, lifts) if lifts is not None else None
    deadline = on + timedelta(days=policy.notice_deadline_days) if stage.action is Action.FORMAL_NOTICE else None
    return _due(stage, window, receivable, debtor, policy, on, deadline), (), None


def _sending_holds(
    stage: Stage, receivable: Receivable, policy: Policy, on: date, last_sent: date | None
) -> tuple[Hold, ...]:
    if last_sent is not None:
        spacing = 1 if stage.action is Action.ESCALATE else policy.min_spacing_days  # escalation is no contact
        lifts = last_sent + timedelta(days=spacing)
        if on < lifts:
            return (Hold("spacing", f"{stage.label}: last step sent on {last_sent}", until=lifts),)
    holds: list[Hold] = []
    if stage.action is Action.FORMAL_NOTICE:
        if not any(d.kind is DocumentKind.INVOICE for d in receivable.documents):
            holds.append(Hold("guardrail_invoice_document", f"{stage.label}: attach the invoice first"))
        if not any(r.stage in POST_DUE_REMINDERS for r in receivable.reminders):
            holds.append(Hold("guardrail_reminder_before_notice", f"{stage.label}: send a reminder first"))
    return tuple(holds)


def _due_call(receivable: Receivable, debtor: Debtor, policy: Policy, on: date) -> DueAction | None:
    """The latest call stage open on ``on`` and not noted since it opened; calls never block letters."""
    last_sent = _last_sent(receivable)
    owed = receivable.outstanding
    due: DueAction | None = None
    for stage in policy.stages:
        if stage.action is not Action.CALL or not stage.audience.admits(amount=owed, debtor=debtor):
            continue
        window = _window(stage, receivable, last_sent)
        if on < window.opens or window.closed_on(on) or _done(stage, receivable, window):
            continue
        due = _due(stage, window, receivable, debtor, policy, on, None)
    return due


def _window(stage: Stage, receivable: Receivable, last_sent: date | None) -> _Window:
    """When the stage may run, narrowed to what the Receivable accepts: a courtesy reminder strictly
    before the due date, other reminders, notices and escalation after it, nothing before the issue."""
    anchor = {
        Anchor.ISSUE: receivable.issue_date,
        Anchor.DUE: receivable.due_date,
        Anchor.PREVIOUS: last_sent or receivable.due_date,
    }[stage.anchor]
    opens = max(anchor + timedelta(days=stage.offset_days), receivable.issue_date)
    closes = None if stage.until_days is None else anchor + timedelta(days=stage.until_days)
    if stage.reminder_stage is ReminderStage.COURTESY:
        before_due = receivable.due_date - ONE_DAY
        closes = before_due if closes is None else min(closes, before_due)
    elif stage.action in SENDING_ACTIONS:
        opens = max(opens, receivable.due_date + ONE_DAY)
    standing = _standing_notices(receivable)
    if stage.action is Action.ESCALATE and standing:
        deadline = standing[-1].effective_deadline
        assert deadline is not None  # only a returned notice has none, and it does not stand
        opens = max(opens, deadline + ONE_DAY)
    return _Window(opens, closes)


def _failed(document_sha256: str | None, receivable: Receivable) -> bool:
    """A letter that came back, an e-mail that bounced hard, an SMS that failed: the step did not reach."""
    if document_sha256 in receivable.returned_letters:
        return True
    reported = receivable.deliveries.get(document_sha256 or "", {})
    return any(status in FAILED_DELIVERIES for status in reported)


def _done(stage: Stage, receivable: Receivable, window: _Window | None) -> bool:
    match stage.action:
        case Action.REMINDER:  # by the rule the engine recorded, or by stage when recorded by hand
            return any(
                r.rule == stage.rule or r.stage is stage.reminder_stage
                for r in receivable.reminders
                if not _failed(r.document_sha256, receivable)
            )
        case Action.FORMAL_NOTICE:  # a notice returned undeliverable never reached the debtor: it is due again
            return bool(_standing_notices(receivable))
        case Action.ESCALATE:
            return bool(receivable.escalations)
        case Action.CALL:
            return window is not None and any(c.called_on >= window.opens for c in receivable.calls)


def _possible(stage: Stage, receivable: Receivable) -> bool:
    """False when the Receivable would refuse the step whatever the day."""
    if stage.reminder_stage is ReminderStage.SECOND:
        return any(r.stage is ReminderStage.FIRST for r in receivable.reminders) or bool(receivable.notices)
    if stage.action is Action.ESCALATE:
        return bool(_standing_notices(receivable))
    return True


def _standing_notices(receivable: Receivable) -> list[FormalNotice]:
    return [n for n in receivable.notices if not n.failed]


def _last_sent(receivable: Receivable) -> date | None:
    days = [r.sent_on for r in receivable.reminders] + [n.sent_on for n in receivable.notices]
    return max(days, default=None)


def _due(
    stage: Stage,
    window: _Window,
    receivable: Receivable,
    debtor: Debtor,
    policy: Policy,
    on: date,
    deadline: date | None,
) -> DueAction:
    return DueAction(
        receivable_id=receivable.id,
        debtor_id=receivable.debtor_id,
        rule=stage.rule,
        action=stage.action,
        channels=stage.channels,
        template=stage.template,
        reminder_stage=stage.reminder_stage,
        due_on=window.opens,
        policy_id=policy.id,
        policy_version=policy.version,
        amount=receivable.outstanding,
        days_past_due=receivable.days_past_due(on),
        priority=debtor.priority,
        label=stage.label,
        deadline=deadline,
    )
