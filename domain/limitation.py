"""Limitation periods (legal.md §5): the last day a receivable can be brought before a court.

Pure. The period runs from the delivery/completion date (the conservative reading, which
alerts early): 5 years between professionals, 2 years against a consumer. An
acknowledgement (partial payment, signed payment plan) or a court action starts a new full
period; an agreed mediation suspends it, and after it ends at least 6 months remain.
Only acts dated on or before ``on`` count, by their legal date, whatever the order in
which they were recorded.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, timedelta

from domain.debtor import add_months
from domain.receivable import Receivable
from domain.vocabulary import DebtorKind, EscalationRoute

PROFESSIONAL_YEARS = 5  # Code de commerce L110-4, Code civil 2224
CONSUMER_YEARS = 2  # Code de la consommation L218-2
MEDIATION_MINIMUM_MONTHS = 6  # Code civil 2238
DEFAULT_ALERT_DAYS = 90
COURT_ACTIONS = {
    EscalationRoute.PAYMENT_ORDER: "payment order (injonction de payer)",
    EscalationRoute.SUMMARY_PROCEEDINGS: "summary proceedings (référé-provision)",
}
NOT_INTERRUPTING = {
    EscalationRoute.SMALL_CLAIMS: (
        "small-claims procedure by a commissaire de justice (CPCE L125-1): not a court action; it suspends "
        "the period only from the debtor's agreement recorded by the commissaire (Code civil 2238), which is "
        "not recorded here, so it is not counted"
    ),
    EscalationRoute.COLLECTION_AGENCY: "transfer to a collection agency: not a court action, does not interrupt",
    EscalationRoute.CREDIT_INSURER: "declaration to the credit insurer: does not interrupt",
}


@dataclass(frozen=True)
class Interruption:
    on: date
    kind: str  # "partial_payment", "payment_plan", "court_action"
    reference: str  # the article
    description: str


@dataclass(frozen=True)
class Limitation:
    years: int
    reference: str
    starts_on: date
    limitation_date: date | None  # the last day to act; None while a mediation suspends the period
    last_interruption: Interruption | None
    suspended_since: date | None
    alert_days: int
    alert: bool  # within the alert window, file still open, not yet barred
    time_barred: bool
    notes: tuple[str, ...]

    @property
    def alert_from(self) -> date | None:
        return None if self.limitation_date is None else self.limitation_date - timedelta(days=self.alert_days)


@dataclass(frozen=True)
class _Act:
    on: date
    order: int  # same day: mediation start, then interruptions, then mediation end
    kind: str
    interruption: Interruption | None = None


def add_years(day: date, years: int) -> date:
    """Same day and month ``years`` later; 29 February falls back to 28 February."""
    year = day.year + years
    return date(year, day.month, min(day.day, calendar.monthrange(year, day.month)[1]))


def limitation_of(receivable: Receivable, *, on: date, alert_days: int = DEFAULT_ALERT_DAYS) -> Limitation:
    consumer = receivable.debtor_kind is DebtorKind.CONSUMER
    years = CONSUMER_YEARS if consumer else PROFESSIONAL_YEARS
    reference = "Code de la consommation L218-2" if consumer else "Code de commerce L110-4; Code civil 2224"
    start = receivable.delivery_date
    deadline: date | None = add_years(start, years)
    last: Interruption | None = None
    suspended_since: date | None = None
    remaining: timedelta | None = None  # left when the suspension began; None: a full period after it
    notes = list(_notes(receivable, on))
    for act in _acts(receivable, on):
        if deadline is not None and act.on > deadline:
            notes.append(f"{act.on}: {act.kind.replace('_', ' ')} after the limitation date {deadline}: no effect")
            break
        if act.kind == "mediation_started" and deadline is not None:
            suspended_since, remaining, deadline = act.on, deadline - act.on, None
        elif act.kind == "mediation_ended" and suspended_since is not None:
            rest = add_years(act.on, years) if remaining is None else act.on + remaining
            deadline = max(rest, add_months(act.on, MEDIATION_MINIMUM_MONTHS))
            suspended_since = remaining = None
        elif act.interruption is not None and act.on >= start:
            last = act.interruption
            if suspended_since is None:
                deadline = add_years(act.on, years)
            else:
                remaining = None  # a new full period, which starts running when the mediation ends
    closed = receivable.is_closed
    barred = deadline is not None and on > deadline
    alert = deadline is not None and not closed and not barred and on >= deadline - timedelta(days=alert_days)
    return Limitation(
        years=years,
        reference=reference,
        starts_on=start,
        limitation_date=deadline,
        last_interruption=last,
        suspended_since=suspended_since,
        alert_days=alert_days,
        alert=alert,
        time_barred=barred,
        notes=tuple(notes),
    )


def _acts(receivable: Receivable, on: date) -> list[_Act]:
    acts = [
        _Act(
            p.value_date,
            1,
            "partial_payment",
            Interruption(
                p.value_date,
                "partial_payment",
                "Code civil 2240, 2231",
                f"payment of {p.amount} (acknowledgement of the debt)",
            ),
        )
        for p in receivable.payments
    ]
    acts += [
        _Act(
            plan.agreed_on,
            1,
            "payment_plan",
            Interruption(plan.agreed_on, "payment_plan", "Code civil 2240, 2231", f"payment plan {plan.number} agreed"),
        )
        for plan in receivable.plans
    ]
    acts += [
        _Act(
            e.escalated_on,
            1,
            "court_action",
            Interruption(
                e.escalated_on,
                "court_action",
                "Code civil 2241, 2231",
                f"court action: {COURT_ACTIONS[e.route]} (the date counts from the filing: the conservative "
                "reading of Code civil 2242)",
            ),
        )
        for e in receivable.escalations
        if e.route in COURT_ACTIONS
    ]
    for mediation in receivable.mediations:
        acts.append(_Act(mediation.started_on, 0, "mediation_started"))
        if mediation.ended_on is not None:
            acts.append(_Act(mediation.ended_on, 2, "mediation_ended"))
    return sorted((a for a in acts if a.on <= on), key=lambda a: (a.on, a.order))


def _notes(receivable: Receivable, on: date) -> list[str]:
    notes = [
        f"{e.escalated_on}: {NOT_INTERRUPTING[e.route]}"
        for e in receivable.escalations
        if e.route in NOT_INTERRUPTING and e.escalated_on <= on
    ]
    if any(n.sent_on <= on for n in receivable.notices) or receivable.reminders:
        notes.append(
            "reminders and formal notices, even by registered letter, do not interrupt (Cass. com. 18 May 2022)"
        )
    return notes
