"""The reports the read models answer, and the arithmetic they share. Pure: no SQL here.

Aged balance (balance âgée): what is owed on a date, by how late it is. Two readings of
"on a date" (docs/decisions/0041):

* ``as_known``: what the ledger said at the end of that day (Europe/Paris by default):
  invoices and reductions *recorded* by then, whatever their value date;
* ``by_value_date``: invoices by their issue date and payments, credit notes and
  write-offs by their value date, including those recorded later with an earlier value date.

DSO and collection effectiveness: formulas in docs/decisions/0042.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from enum import Enum
from uuid import UUID

from application.projections import FORMAL_NOTICE_STAGE, money


class Basis(Enum):
    AS_KNOWN = "as_known"
    BY_VALUE_DATE = "by_value_date"

    @property
    def description(self) -> str:
        if self is Basis.AS_KNOWN:
            return "as known at the end of the day: invoices and reductions recorded by then, whatever their value date"
        return (
            "by value date: invoices by issue date, payments, credit notes and write-offs by value date, "
            "including those recorded later"
        )


class Bucket(Enum):
    NOT_YET_DUE = "not_yet_due"
    DAYS_1_30 = "days_1_30"
    DAYS_31_60 = "days_31_60"
    DAYS_61_90 = "days_61_90"
    OVER_90 = "over_90"


BUCKETS = tuple(Bucket)
BUCKET_LIMITS = ((Bucket.NOT_YET_DUE, 0), (Bucket.DAYS_1_30, 30), (Bucket.DAYS_31_60, 60), (Bucket.DAYS_61_90, 90))


def bucket_for(days_past_due: int) -> Bucket:
    """Not yet due on the due date itself (0 days past due); 1–30, 31–60, 61–90, over 90."""
    for bucket, limit in BUCKET_LIMITS:
        if days_past_due <= limit:
            return bucket
    return Bucket.OVER_90


def earliest_due_dates(as_of: date) -> list[tuple[Bucket, date]]:
    """For each bucket but the last, the earliest due date that falls in it as of ``as_of``
    (a receivable is in the first bucket whose earliest due date is on or before its own)."""
    return [(bucket, as_of - timedelta(days=limit)) for bucket, limit in BUCKET_LIMITS]


@dataclass
class AgedLine:
    """One line of the aged balance: a debtor (or the total), amounts per bucket in cents."""

    debtor_id: UUID | None
    amounts: dict[Bucket, int] = field(default_factory=lambda: dict.fromkeys(BUCKETS, 0))
    receivables: int = 0

    @property
    def total(self) -> int:
        return sum(self.amounts.values())

    @property
    def overdue(self) -> int:
        return self.total - self.amounts[Bucket.NOT_YET_DUE]


@dataclass(frozen=True)
class AgedBalance:
    as_of: date
    basis: Basis
    currency: str
    total: AgedLine
    debtors: list[AgedLine]  # empty unless asked by debtor
    position: int  # the last notification id the read model had applied


def aged_balance(
    as_of: date,
    basis: Basis,
    currency: str,
    lines: Iterable[tuple[UUID | None, Sequence[int], int]],
    *,
    by_debtor: bool,
    position: int,
) -> AgedBalance:
    """Assemble the report from (debtor, cents per bucket in ``BUCKETS`` order, receivables)
    lines: one per debtor, or a single total line (debtor None)."""
    sums = [0] * len(BUCKETS)
    owing = 0
    debtors = []
    for debtor_id, amounts, count in lines:
        sums = [a + b for a, b in zip(sums, amounts, strict=True)]
        owing += count
        if by_debtor and debtor_id is not None:
            debtors.append(AgedLine(debtor_id, dict(zip(BUCKETS, amounts, strict=True)), count))
    debtors.sort(key=lambda line: (-line.total, line.debtor_id.int if line.debtor_id else 0))
    total = AgedLine(None, dict(zip(BUCKETS, sums, strict=True)), owing)
    return AgedBalance(as_of, basis, currency, total, debtors, position)


@dataclass(frozen=True)
class AgedReceivable:
    """One receivable of a debtor's line of the aged balance: what it owed on ``as_of``, and so its bucket."""

    receivable_id: UUID
    invoice_number: str
    issue_date: date
    due_date: date
    amount: int  # cents, as invoiced (incl. VAT)
    owed: int  # cents, on as_of
    as_of: date

    @property
    def days_past_due(self) -> int:
        return (self.as_of - self.due_date).days

    @property
    def bucket(self) -> Bucket:
        return bucket_for(self.days_past_due)


# ---------------------------------------------------------------------------- DSO


@dataclass(frozen=True)
class Dso:
    """Days sales outstanding over [start, end] (both included), by value date.

    ``dso`` (average method) = receivables at the end / credit sales of the period × days;
    ``countback_dso``: how many days of the most recent credit sales the receivables at the
    end represent, walking back day by day from the end (the last day counted pro rata).
    """

    start: date
    end: date
    currency: str
    days: int
    receivables_at_end: int  # cents
    credit_sales: int  # cents, invoices issued in the period (incl. VAT)
    dso: Decimal | None
    countback_dso: Decimal | None
    position: int


ONE_PLACE = Decimal("0.1")


def average_dso(receivables_at_end: int, credit_sales: int, days: int) -> Decimal | None:
    if credit_sales <= 0:
        return None
    return (Decimal(receivables_at_end) * days / Decimal(credit_sales)).quantize(ONE_PLACE, rounding=ROUND_HALF_UP)


def countback_dso(
    receivables_at_end: int, daily_sales_backwards: Iterable[tuple[date, int]], end: date
) -> Decimal | None:
    """``daily_sales_backwards``: (issue date, sales in cents), latest first, none after ``end``.

    The receivables are matched against the latest sales first: every whole day they
    exceed counts one day (days without sales count too), the day that exhausts them
    counts the fraction it covers. Zero when nothing is owed; None when the sales given do
    not account for the receivables.
    """
    if receivables_at_end <= 0:
        return Decimal("0.0")
    remaining = Decimal(receivables_at_end)
    for day, sales in daily_sales_backwards:
        if sales <= 0:
            continue
        elapsed = (end - day).days  # the whole days after this one, up to the end
        if remaining <= sales:
            return (elapsed + remaining / Decimal(sales)).quantize(ONE_PLACE, rounding=ROUND_HALF_UP)
        remaining -= sales
    return None


# ------------------------------------------------------------------ effectiveness


@dataclass(frozen=True)
class StepOutcome:
    """Receivables whose first step of one stage and channel was sent on ``sent_on`` and which
    were settled on ``settled_on`` (``count`` of them: the SQL groups identical ones)."""

    stage: str
    channel: str
    sent_on: date
    settled_on: date | None  # payments and credit notes covering the amount, by value date
    count: int = 1


@dataclass(frozen=True)
class Effectiveness:
    stage: str
    channel: str
    receivables: int  # receivables that got this step
    settled: int  # of which settled since (by value date, up to as_of)
    eligible_15: int  # steps at least 15 days old: their 15-day outcome is known
    paid_within_15: int
    eligible_30: int
    paid_within_30: int
    median_days_to_pay: Decimal | None  # over the settled ones, days from the step (0 if paid before)

    @property
    def share_within_15(self) -> Decimal | None:
        return _share(self.paid_within_15, self.eligible_15)

    @property
    def share_within_30(self) -> Decimal | None:
        return _share(self.paid_within_30, self.eligible_30)


STAGE_ORDER = ("courtesy", "first", "second", FORMAL_NOTICE_STAGE)


def _share(part: int, whole: int) -> Decimal | None:
    if whole == 0:
        return None
    return (Decimal(part) / whole).quantize(Decimal("0.001"), rounding=ROUND_HALF_UP)


def weighted_median(values: Iterable[tuple[int, int]]) -> Decimal | None:
    """The median of values given as (value, how many times): the middle one, or the mean of
    the two middle ones (as ``statistics.median`` of the expanded list)."""
    ordered = sorted((value, count) for value, count in values if count > 0)
    total = sum(count for _, count in ordered)
    if total == 0:
        return None
    wanted = [(total - 1) // 2, total // 2]  # 0-based ranks of the middle element(s)
    found: list[int] = []
    seen = 0
    for value, count in ordered:
        while wanted and wanted[0] < seen + count:
            found.append(value)
            wanted.pop(0)
        seen += count
    return (Decimal(found[0] + found[1]) / 2).quantize(ONE_PLACE, rounding=ROUND_HALF_UP)


def effectiveness(steps: Iterable[StepOutcome], as_of: date) -> list[Effectiveness]:
    """Per stage and channel: the share of receivables settled within 15 and 30 days after
    the step, among steps old enough for the answer to be known on ``as_of``, and the
    median days from step to settlement."""
    groups: dict[tuple[str, str], list[StepOutcome]] = {}
    for step in steps:
        groups.setdefault((step.stage, step.channel), []).append(step)
    results = []
    for (stage, channel), group in groups.items():
        settled = [s for s in group if s.settled_on is not None and s.settled_on <= as_of]
        days = [(max(0, (s.settled_on - s.sent_on).days), s.count) for s in settled if s.settled_on is not None]

        def within(limit: int, group: list[StepOutcome] = group) -> tuple[int, int]:
            eligible = [s for s in group if s.sent_on + timedelta(days=limit) <= as_of]
            paid = [
                s for s in eligible if s.settled_on is not None and s.settled_on <= s.sent_on + timedelta(days=limit)
            ]
            return sum(s.count for s in eligible), sum(s.count for s in paid)

        eligible_15, paid_15 = within(15)
        eligible_30, paid_30 = within(30)
        results.append(
            Effectiveness(
                stage=stage,
                channel=channel,
                receivables=sum(s.count for s in group),
                settled=sum(s.count for s in settled),
                eligible_15=eligible_15,
                paid_within_15=paid_15,
                eligible_30=eligible_30,
                paid_within_30=paid_30,
                median_days_to_pay=weighted_median(days),
            )
        )
    rank = {stage: index for index, stage in enumerate(STAGE_ORDER)}
    return sorted(results, key=lambda e: (rank.get(e.stage, len(rank)), e.channel))


# ------------------------------------------------------------------ tables (CSV)

AGED_BALANCE_HEADER = [
    "as_of",
    "basis",
    "currency",
    "line",
    "debtor_id",
    "debtor_name",
    *(b.value for b in BUCKETS),
    "total",
    "receivables",
]
DSO_HEADER = [
    "from",
    "to",
    "currency",
    "days",
    "receivables_at_end",
    "credit_sales",
    "dso",
    "countback_dso",
    "position",
]
EFFECTIVENESS_HEADER = [
    "stage", "channel", "receivables", "settled", "eligible_15", "paid_within_15", "share_within_15",
    "eligible_30", "paid_within_30", "share_within_30", "median_days_to_pay",
]  # fmt: skip


def aged_balance_rows(report: AgedBalance, names: Mapping[str, str] | None = None) -> list[list[object]]:
    """One row per debtor (when asked by debtor), then the total; amounts in currency units;
    ``names``: each debtor's name by id, for people reading the CSV."""
    lines = [*(("debtor", line) for line in report.debtors), ("total", report.total)]
    names = names or {}
    return [
        [report.as_of, report.basis.value, report.currency, kind, line.debtor_id,
         None if line.debtor_id is None else names.get(str(line.debtor_id)),
         *(money(line.amounts[b]) for b in BUCKETS), money(line.total), line.receivables]
        for kind, line in lines
    ]  # fmt: skip


def dso_row(report: Dso) -> list[object]:
    return [
        report.start, report.end, report.currency, report.days, money(report.receivables_at_end),
        money(report.credit_sales), report.dso, report.countback_dso, report.position,
    ]  # fmt: skip


def effectiveness_rows(lines: Sequence[Effectiveness]) -> list[list[object]]:
    return [
        [e.stage, e.channel, e.receivables, e.settled, e.eligible_15, e.paid_within_15, e.share_within_15,
         e.eligible_30, e.paid_within_30, e.share_within_30, e.median_days_to_pay]
        for e in lines
    ]  # fmt: skip


def csv_value(value: object) -> str:
    """A cell as text: instants in UTC ISO 8601 (as the JSON answers give them), nothing for None."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat().replace("+00:00", "Z")
    return str(value)
