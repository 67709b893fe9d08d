"""A dunning policy: the stages of the amicable recovery, as data the firm edits.

A policy says when each step falls due (an anchor date plus an offset, within an optional
window), by which channels, with which letter template and for which receivables. It is
checked as a whole when built, so a policy that could never run cleanly is refused up
front; ``domain.dunning.decide`` then reads it for one receivable on one day.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import time
from decimal import Decimal
from enum import Enum

from domain.debtor import Debtor
from domain.errors import InvalidInput, NotFound
from domain.receivable import Receivable
from domain.values import amount
from domain.vocabulary import DebtorKind, NoticeChannel, Priority, ReminderChannel, ReminderStage

DEFAULT_POLICY_ID = "default"
NAME_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_-]{0,99}$")  # policy ids, rules and templates: safe in paths and URLs


class Action(Enum):
    CALL = "call"
    REMINDER = "reminder"
    FORMAL_NOTICE = "formal_notice"
    ESCALATE = "escalate"


class Channel(Enum):
    EMAIL = "email"
    LETTER = "letter"
    SMS = "sms"
    PHONE = "phone"
    REGISTERED_LETTER = "registered_letter"
    ELECTRONIC_REGISTERED_LETTER = "electronic_registered_letter"


class Anchor(Enum):
    ISSUE = "issue"
    DUE = "due"
    PREVIOUS = "previous"  # the last sending step recorded (reminder or formal notice)


SENDING_ACTIONS = frozenset({Action.REMINDER, Action.FORMAL_NOTICE, Action.ESCALATE})
REMINDER_CHANNELS = frozenset({Channel.EMAIL, Channel.LETTER, Channel.SMS})
NOTICE_CHANNELS = frozenset({Channel.REGISTERED_LETTER, Channel.ELECTRONIC_REGISTERED_LETTER})
ALLOWED_CHANNELS: dict[Action, frozenset[Channel]] = {
    Action.CALL: frozenset({Channel.PHONE}),
    Action.REMINDER: REMINDER_CHANNELS,
    Action.FORMAL_NOTICE: NOTICE_CHANNELS | {Channel.EMAIL},  # an e-mail copy may go with the registered letter
    Action.ESCALATE: frozenset(),
}
REMINDER_ORDER = (ReminderStage.COURTESY, ReminderStage.FIRST, ReminderStage.SECOND)


class InvalidPolicy(InvalidInput):
    """A policy that cannot run; ``field`` is the path of the offending value, e.g. ``stages[3].channels``."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}", rule="policy_invalid")
        self.field = field
        self.reason = reason


@dataclass(frozen=True)
class Audience:
    """Which receivables a policy or a stage applies to; every condition given must hold."""

    min_amount: Decimal | None = None  # on the outstanding amount incl. VAT
    max_amount: Decimal | None = None  # inclusive bounds
    debtor_kinds: frozenset[DebtorKind] = frozenset()  # empty = all
    priorities: frozenset[Priority] = frozenset()  # empty = all

    @property
    def restricts(self) -> bool:
        return self != Audience()

    def admits(self, *, amount: Decimal, debtor: Debtor) -> bool:
        if self.min_amount is not None and amount < self.min_amount:
            return False
        if self.max_amount is not None and amount > self.max_amount:
            return False
        if self.debtor_kinds and debtor.kind not in self.debtor_kinds:
            return False
        return not self.priorities or debtor.priority in self.priorities


@dataclass(frozen=True)
class Stage:
    rule: str  # unique in the policy; recorded on ReminderSent as the rule that fired
    action: Action
    anchor: Anchor
    offset_days: int  # may be negative (courtesy: due - 7)
    until_days: int | None  # end of the window on the same anchor; past it a stage not done is skipped
    channels: tuple[Channel, ...]
    template: str | None  # letter/e-mail template; None for calls and escalation
    reminder_stage: ReminderStage | None  # for action=reminder only
    audience: Audience = Audience()
    label: str = ""  # French, shown on the worklist


@dataclass(frozen=True)
class Guardrails:
    max_contacts_per_week: int = 3  # per debtor, across channels and receivables
    working_hours: tuple[time, time] = (time(9), time(18))
    working_days: frozenset[int] = frozenset({0, 1, 2, 3, 4})  # Monday = 0


@dataclass(frozen=True)
class Policy:
    id: str
    version: int
    title: str
    audience: Audience
    stages: tuple[Stage, ...]  # in escalation order
    sequential: bool = True  # no step overtakes a pending earlier one
    min_spacing_days: int = 7  # between two contacts by reminder or formal notice
    promise_grace_days: int = 3
    instalment_grace_days: int = 3
    notice_deadline_days: int = 8  # formal notice deadline: sending date + this
    guardrails: Guardrails = field(default_factory=Guardrails)

    def __post_init__(self) -> None:
        check_policy(self)

    def stage(self, rule: str) -> Stage:
        found = next((s for s in self.stages if s.rule == rule), None)
        if found is None:
            raise NotFound(f"policy {self.id}: no stage {rule!r}", rule="stage_exists")
        return found


def choose_policy(policies: Sequence[Policy], *, receivable: Receivable, debtor: Debtor) -> Policy:
    """The debtor's assigned policy when known; else the first policy with a restricting audience that
    admits the receivable (light for small invoices); else ``default``; else any policy that admits it.

    Catch-all policies come last whatever the order given, so a list that starts with ``default``
    still gives small invoices the light policy."""
    if debtor.policy_id is not None:
        assigned = next((p for p in policies if p.id == debtor.policy_id), None)
        if assigned is not None:
            return assigned
    owed = receivable.outstanding
    specific = [p for p in policies if p.audience.restricts and p.audience.admits(amount=owed, debtor=debtor)]
    if specific:
        return specific[0]
    default = next((p for p in policies if p.id == DEFAULT_POLICY_ID), None)
    if default is not None:
        return default
    fallback = next((p for p in policies if p.audience.admits(amount=owed, debtor=debtor)), None)
    if fallback is None:
        raise NotFound("no dunning policy applies to this receivable", rule="policy_exists")
    return fallback


def reminder_channel(channel: Channel) -> ReminderChannel:
    """The journal's channel for a reminder sent on ``channel`` (email, letter, sms)."""
    return ReminderChannel(channel.value)


def notice_channel(channel: Channel) -> NoticeChannel:
    """The journal's channel for a formal notice (registered letter or LRE); an e-mail copy has none."""
    return NoticeChannel(channel.value)


# ---------------------------------------------------------------------- checks


def check_policy(policy: Policy) -> None:
    """Refuse a policy that could not run cleanly; messages start with the path of the bad value."""
    _name(policy.id, "id")
    if isinstance(policy.version, bool) or not isinstance(policy.version, int) or policy.version < 1:
        raise InvalidPolicy("version", f"{policy.version!r} is not a positive integer")
    if not policy.title.strip() or len(policy.title) > 200:
        raise InvalidPolicy("title", "between 1 and 200 characters")
    check_audience(policy.audience, "audience")
    _at_least("min_spacing_days", policy.min_spacing_days, 1)  # two steps never on one day
    _at_least("promise_grace_days", policy.promise_grace_days, 0)
    _at_least("instalment_grace_days", policy.instalment_grace_days, 0)
    _at_least("notice_deadline_days", policy.notice_deadline_days, 1)
    _check_guardrails(policy.guardrails)
    if not policy.stages:
        raise InvalidPolicy("stages", "a policy has at least one stage")
    seen: dict[str, int] = {}
    for index, stage in enumerate(policy.stages):
        path = f"stages[{index}]"
        if stage.rule in seen:
            raise InvalidPolicy(f"{path}.rule", f"{stage.rule!r} is already the rule of stages[{seen[stage.rule]}]")
        seen[stage.rule] = index
        check_stage(stage, path)
    _check_order(policy.stages)


def check_audience(audience: Audience, path: str) -> None:
    for name in ("min_amount", "max_amount"):
        value = getattr(audience, name)
        if value is not None:
            try:
                amount(value, f"{path}.{name}", allow_zero=True)
            except InvalidInput as error:
                raise InvalidPolicy(f"{path}.{name}", error.message.split(": ", 1)[-1]) from error
    low, high = audience.min_amount, audience.max_amount
    if low is not None and high is not None and low > high:
        raise InvalidPolicy(f"{path}.max_amount", f"{high} is below min_amount {low}")


def check_stage(stage: Stage, path: str) -> None:
    _name(stage.rule, f"{path}.rule")
    if not stage.label.strip() or len(stage.label) > 200:
        raise InvalidPolicy(f"{path}.label", "between 1 and 200 characters")
    _check_days(stage, path)
    _check_channels(stage, path)
    needs_letter = stage.action in (Action.REMINDER, Action.FORMAL_NOTICE)
    if needs_letter and stage.template is None:
        raise InvalidPolicy(f"{path}.template", f"a {stage.action.value} needs a template")
    if not needs_letter and stage.template is not None:
        raise InvalidPolicy(f"{path}.template", f"a {stage.action.value} sends no letter: remove the template")
    if stage.template is not None:
        _name(stage.template, f"{path}.template")
    if (stage.action is Action.REMINDER) != (stage.reminder_stage is not None):
        reason = (
            "a reminder says which: courtesy, first or second"
            if stage.action is Action.REMINDER
            else (f"only a reminder has a reminder_stage, not a {stage.action.value}")
        )
        raise InvalidPolicy(f"{path}.reminder_stage", reason)
    check_audience(stage.audience, f"{path}.audience")


def _check_days(stage: Stage, path: str) -> None:
    for name in ("offset_days", "until_days"):
        value = getattr(stage, name)
        if value is not None and (isinstance(value, bool) or not isinstance(value, int) or abs(value) > 3650):
            raise InvalidPolicy(f"{path}.{name}", f"{value!r} is not a number of days (at most 3650)")
    if stage.until_days is not None:
        if stage.action in (Action.FORMAL_NOTICE, Action.ESCALATE):
            raise InvalidPolicy(
                f"{path}.until_days",
                f"a {stage.action.value} never expires: skipping it would leave the file with no way to litigation",
            )
        if stage.until_days < stage.offset_days:
            raise InvalidPolicy(f"{path}.until_days", f"{stage.until_days} is before offset_days {stage.offset_days}")
    if stage.anchor is Anchor.PREVIOUS and stage.offset_days < 0:
        raise InvalidPolicy(f"{path}.offset_days", "a step cannot come before the previous one")
    if stage.anchor is Anchor.DUE:
        before_due = stage.reminder_stage is ReminderStage.COURTESY
        if before_due and (stage.offset_days >= 0 or (stage.until_days is not None and stage.until_days >= 0)):
            raise InvalidPolicy(f"{path}.offset_days", "a courtesy reminder falls before the due date (negative days)")
        after_due = stage.action is Action.FORMAL_NOTICE or stage.reminder_stage in (
            ReminderStage.FIRST,
            ReminderStage.SECOND,
        )
        if after_due and stage.offset_days <= 0:
            raise InvalidPolicy(f"{path}.offset_days", f"a {stage.label or stage.rule} falls after the due date")


def _check_channels(stage: Stage, path: str) -> None:
    allowed = ALLOWED_CHANNELS[stage.action]
    if len(set(stage.channels)) != len(stage.channels):
        raise InvalidPolicy(f"{path}.channels", "a channel is listed twice")
    for channel in stage.channels:
        if channel not in allowed:
            choices = ", ".join(sorted(c.value for c in allowed)) or "none"
            raise InvalidPolicy(
                f"{path}.channels",
                f"{channel.value!r} is not a channel for a {stage.action.value} (allowed: {choices})",
            )
    if stage.action is Action.FORMAL_NOTICE and not NOTICE_CHANNELS & set(stage.channels):
        raise InvalidPolicy(
            f"{path}.channels", "a formal notice goes by registered_letter or electronic_registered_letter"
        )
    if stage.action in (Action.REMINDER, Action.CALL) and not stage.channels:
        raise InvalidPolicy(f"{path}.channels", f"a {stage.action.value} needs a channel")


def _check_order(stages: tuple[Stage, ...]) -> None:
    """Reminders courtesy < first < second, one formal notice, escalation after it (seed 001: a notice is never
    followed by another reminder, going back would make it lose its weight)."""
    last_reminder = -1
    notice_at: int | None = None
    escalate_at: int | None = None
    for index, stage in enumerate(stages):
        path = f"stages[{index}]"
        if stage.action is Action.REMINDER and stage.reminder_stage is not None:
            rank = REMINDER_ORDER.index(stage.reminder_stage)
            if rank <= last_reminder:
                raise InvalidPolicy(f"{path}.reminder_stage", "reminders come once each, courtesy < first < second")
            if stage.reminder_stage is ReminderStage.SECOND and last_reminder < 1:
                raise InvalidPolicy(f"{path}.reminder_stage", "a second reminder follows a first reminder stage")
            if notice_at is not None:
                raise InvalidPolicy(f"{path}.action", "no reminder after the formal notice")
            last_reminder = rank
        elif stage.action is Action.FORMAL_NOTICE:
            if notice_at is not None:
                raise InvalidPolicy(f"{path}.action", f"one formal notice per policy (stages[{notice_at}])")
            notice_at = index
        elif stage.action is Action.ESCALATE:
            if notice_at is None:
                raise InvalidPolicy(f"{path}.action", "escalation follows a formal notice stage")
            if escalate_at is not None:
                raise InvalidPolicy(f"{path}.action", f"one escalation per policy (stages[{escalate_at}])")
            escalate_at = index


def _check_guardrails(guardrails: Guardrails) -> None:
    _at_least("guardrails.max_contacts_per_week", guardrails.max_contacts_per_week, 1)
    start, end = guardrails.working_hours
    if not start < end:
        raise InvalidPolicy("guardrails.working_hours", f"the start {start:%H:%M} is not before the end {end:%H:%M}")
    if not guardrails.working_days or not guardrails.working_days <= set(range(7)):
        raise InvalidPolicy("guardrails.working_days", "at least one day, Monday = 0 to Sunday = 6")


def _at_least(path: str, value: int, minimum: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum or value > 3650:
        raise InvalidPolicy(path, f"{value!r} is not a whole number from {minimum} to 3650")


def _name(value: str, path: str) -> None:
    if not isinstance(value, str) or not NAME_PATTERN.match(value):
        raise InvalidPolicy(path, f"{value!r} is not a name of lowercase letters, digits, '_' or '-' (1 to 100)")
