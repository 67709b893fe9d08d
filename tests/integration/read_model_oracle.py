"""What the read models should say, recomputed from scratch from the Ledger itself.

Independent of the projection code: receivables are replayed by the Ledger (``as_of``
for "as known"), reductions read from each journal's canonical records, buckets and
dates counted here. The tests compare the read models' SQL answers with these.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID

from application.ledger import Ledger
from domain.errors import NotFound

CENTS = Decimal(100)
Groups = dict[tuple[UUID, str], tuple[int, int]]  # (debtor, bucket) -> (cents, receivables)


def cents(value: str | Decimal) -> int:
    return int(Decimal(value) * CENTS)


def bucket(as_of: date, due: date) -> str:
    late = (as_of - due).days
    if late <= 0:
        return "not_yet_due"
    if late <= 30:
        return "days_1_30"
    if late <= 60:
        return "days_31_60"
    if late <= 90:
        return "days_61_90"
    return "over_90"


@dataclass(frozen=True)
class Dated:
    amount: int  # cents
    value_date: date
    kind: str  # payment, credit_note, write_off


def reductions(ledger: Ledger, receivable_id: UUID) -> list[Dated]:
    """Payments, credit notes and the write-off of a receivable, from its canonical journal."""
    found = []
    for entry in ledger.journal(receivable_id):
        data: dict[str, Any] = entry.record["data"]
        match entry.record["type"]:
            case "PaymentReceived":
                found.append(Dated(cents(data["amount"]), date.fromisoformat(data["value_date"]), "payment"))
            case "CreditNoteApplied":
                found.append(Dated(cents(data["amount"]), date.fromisoformat(data["issued_on"]), "credit_note"))
            case "DisputeResolved" if data["credit_note_amount"] is not None:
                found.append(
                    Dated(cents(data["credit_note_amount"]), date.fromisoformat(data["resolved_on"]), "credit_note")
                )
            case "WrittenOff":
                found.append(Dated(cents(data["amount"]), date.fromisoformat(data["written_off_on"]), "write_off"))
    return found


def _add(groups: defaultdict[tuple[UUID, str], list[int]], key: tuple[UUID, str], amount: int) -> None:
    groups[key][0] += amount
    groups[key][1] += 1


def aged_as_known(ledger: Ledger, as_of: date, currency: str = "EUR") -> Groups:
    """What the ledger said at the end of ``as_of``: each receivable replayed as of then."""
    groups: defaultdict[tuple[UUID, str], list[int]] = defaultdict(lambda: [0, 0])
    cutoff = ledger.end_of_day(as_of)
    for receivable_id in ledger.receivable_ids():
        try:
            then = ledger.receivable(receivable_id, as_of=cutoff)
        except NotFound:
            continue  # not yet recorded
        owed = 0 if then.written_off is not None else cents(then.outstanding)
        if owed > 0 and then.currency == currency:
            _add(groups, (then.debtor_id, bucket(as_of, then.due_date)), owed)
    return {key: (value[0], value[1]) for key, value in groups.items()}


def aged_by_value_date(ledger: Ledger, as_of: date, currency: str = "EUR") -> Groups:
    """Invoices by issue date, reductions by value date, whenever they were recorded."""
    groups: defaultdict[tuple[UUID, str], list[int]] = defaultdict(lambda: [0, 0])
    for receivable in ledger.receivables():
        if receivable.issue_date > as_of or receivable.currency != currency:
            continue
        reduced = sum(r.amount for r in reductions(ledger, receivable.id) if r.value_date <= as_of)
        owed = cents(receivable.amount_incl_vat) - reduced
        if owed > 0:
            _add(groups, (receivable.debtor_id, bucket(as_of, receivable.due_date)), owed)
    return {key: (value[0], value[1]) for key, value in groups.items()}


def settled_on(ledger: Ledger, receivable_id: UUID, amount: int) -> date | None:
    """The value date by which payments and credit notes cover the amount."""
    paid = sorted((r for r in reductions(ledger, receivable_id) if r.kind != "write_off"), key=lambda r: r.value_date)
    total = 0
    for reduction in paid:
        total += reduction.amount
        if total >= amount:
            return reduction.value_date
    return None


def first_steps(ledger: Ledger) -> list[tuple[str, str, date, date | None]]:
    """(stage, channel, first sending, settled on) per receivable, stage and channel."""
    steps: list[tuple[str, str, date, date | None]] = []
    for receivable in ledger.receivables():
        first: dict[tuple[str, str], date] = {}
        for reminder in receivable.reminders:
            key = (reminder.stage.value, reminder.channel.value)
            first[key] = min(first.get(key, reminder.sent_on), reminder.sent_on)
        for notice in receivable.notices:
            key = ("formal_notice", notice.channel.value)
            first[key] = min(first.get(key, notice.sent_on), notice.sent_on)
        settled = settled_on(ledger, receivable.id, cents(receivable.amount_incl_vat))
        steps.extend((stage, channel, sent, settled) for (stage, channel), sent in first.items())
    return sorted(steps)


def sales(ledger: Ledger, start: date, end: date, currency: str = "EUR") -> int:
    return sum(
        cents(r.amount_incl_vat)
        for r in ledger.receivables()
        if start <= r.issue_date <= end and r.currency == currency
    )


def credit_holds(ledger: Ledger, today: date) -> list[tuple[UUID, int, int]]:
    """(debtor, limit, overdue) of debtors whose past-due unpaid amount is above their limit."""
    holds = []
    for debtor_id in ledger.debtor_ids():
        debtor = ledger.debtor(debtor_id)
        if debtor.credit_limit is None:
            continue
        overdue = sum(
            cents(r.outstanding)
            for r in ledger.receivables(debtor_id=debtor_id)
            if r.written_off is None and r.due_date < today and r.currency == debtor.credit_limit.currency
        )
        if overdue > cents(debtor.credit_limit.amount):
            holds.append((debtor_id, cents(debtor.credit_limit.amount), overdue))
    return sorted(holds)


def audit_lines(ledger: Ledger) -> list[tuple[int, str, str, UUID, int, str, UUID | None]]:
    """(notification id, actor, aggregate type, aggregate id, version, type, debtor) of every event."""
    lines = []
    debtor_of: dict[UUID, UUID] = {}
    start = 1
    while True:
        page = ledger.recorder.select_notifications(start=start, limit=500)
        for notification in page:
            event = ledger.mapper.to_domain_event(notification)
            record = event.record()  # type: ignore[attr-defined]
            aggregate_id = UUID(str(record["aggregate_id"]))
            debtor: UUID | None
            if record["aggregate_type"] == "Debtor":
                debtor = aggregate_id
            elif record["aggregate_type"] == "Receivable":
                if aggregate_id not in debtor_of:
                    debtor_of[aggregate_id] = ledger.receivable(aggregate_id).debtor_id
                debtor = debtor_of[aggregate_id]
            else:
                debtor = None
            lines.append(
                (notification.id, record["actor"], record["aggregate_type"], aggregate_id, record["version"],
                 record["type"], debtor)
            )  # fmt: skip
        if len(page) < 500:
            return lines
        start = page[-1].id + 1


def interesting_days(ledger: Ledger) -> list[date]:
    """Days around which the aged balance changes: issues, value dates, recordings, bucket edges."""
    days: set[date] = set()
    for receivable in ledger.receivables():
        days.add(receivable.issue_date)
        days.update(receivable.due_date + timedelta(days=edge) for edge in (0, 1, 30, 31, 60, 61, 90, 91))
        days.update(r.value_date for r in reductions(ledger, receivable.id))
        for entry in ledger.journal(receivable.id):
            recorded = datetime.fromisoformat(str(entry.record["recorded_at"]).replace("Z", "+00:00"))
            days.add(recorded.astimezone(ledger.timezone).date())
    return sorted(days | {day - timedelta(days=1) for day in days})
