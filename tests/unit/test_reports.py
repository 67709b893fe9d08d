"""The arithmetic of the reports: buckets, DSO (average and countback), collection effectiveness."""

from __future__ import annotations

import statistics
from datetime import date, timedelta
from decimal import Decimal
from uuid import UUID

from hypothesis import given, settings
from hypothesis import strategies as st

from application.reports import (
    Basis,
    Bucket,
    StepOutcome,
    aged_balance,
    average_dso,
    bucket_for,
    countback_dso,
    earliest_due_dates,
    effectiveness,
    weighted_median,
)

END = date(2025, 12, 31)
ALPHA = UUID(int=1)
BETA = UUID(int=2)


def test_a_receivable_is_not_yet_due_on_its_due_date_and_one_day_late_the_day_after() -> None:
    assert bucket_for(-5) is Bucket.NOT_YET_DUE
    assert bucket_for(0) is Bucket.NOT_YET_DUE
    assert bucket_for(1) is Bucket.DAYS_1_30
    assert bucket_for(30) is Bucket.DAYS_1_30
    assert bucket_for(31) is Bucket.DAYS_31_60
    assert bucket_for(60) is Bucket.DAYS_31_60
    assert bucket_for(61) is Bucket.DAYS_61_90
    assert bucket_for(90) is Bucket.DAYS_61_90
    assert bucket_for(91) is Bucket.OVER_90


@settings(max_examples=100, deadline=None)
@given(
    as_of=st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 1, 1)),
    offset=st.integers(min_value=-400, max_value=400),
)
def test_the_due_date_thresholds_the_sql_compares_with_put_every_receivable_in_its_bucket(
    as_of: date, offset: int
) -> None:
    due = as_of - timedelta(days=offset)

    by_threshold = next((bucket for bucket, earliest in earliest_due_dates(as_of) if due >= earliest), Bucket.OVER_90)

    assert by_threshold is bucket_for((as_of - due).days)


def test_the_aged_balance_totals_every_debtor_and_lists_the_largest_debtor_first() -> None:
    lines = [
        (ALPHA, [10000, 5000, 0, 0, 0], 2),
        (BETA, [0, 0, 0, 0, 50000], 2),
    ]

    report = aged_balance(END, Basis.AS_KNOWN, "EUR", lines, by_debtor=True, position=9)

    assert [line.debtor_id for line in report.debtors] == [BETA, ALPHA]
    assert report.debtors[1].total == 15000 and report.debtors[1].overdue == 5000
    assert report.total.total == 65000 and report.total.receivables == 4
    assert report.total.amounts == {
        Bucket.NOT_YET_DUE: 10000, Bucket.DAYS_1_30: 5000, Bucket.DAYS_31_60: 0, Bucket.DAYS_61_90: 0,
        Bucket.OVER_90: 50000,
    }  # fmt: skip


def test_the_aged_balance_in_total_only_lists_no_debtor() -> None:
    report = aged_balance(END, Basis.BY_VALUE_DATE, "EUR", [(None, [0, 0, 700, 0, 0], 1)], by_debtor=False, position=0)

    assert report.debtors == [] and report.total.amounts[Bucket.DAYS_31_60] == 700
    assert report.total.receivables == 1


def test_dso_by_the_average_method_is_receivables_over_sales_times_days() -> None:
    # 50,000.00 owed at the end of a 90-day quarter that sold 150,000.00: 30 days of sales
    assert average_dso(5_000_000, 15_000_000, 90) == Decimal("30.0")
    assert average_dso(1_000_000, 3_000_000, 91) == Decimal("30.3")
    assert average_dso(100, 0, 90) is None


def test_countback_dso_walks_back_through_the_latest_sales_and_counts_the_last_day_pro_rata() -> None:
    # 31 Dec sold 100.00, 30 Dec nothing, 29 Dec 400.00; 300.00 owed: 31 Dec (1) + 30 Dec (1) + half of 29 Dec
    daily = [(date(2025, 12, 31), 10000), (date(2025, 12, 29), 40000)]

    assert countback_dso(30000, daily, END) == Decimal("2.5")
    assert countback_dso(5000, daily, END) == Decimal("0.5")
    assert countback_dso(0, daily, END) == Decimal("0.0")
    assert countback_dso(60000, daily, END) is None  # more owed than all the sales given


def step(stage: str, sent: date, settled: date | None, channel: str = "email") -> StepOutcome:
    return StepOutcome(stage, channel, sent, settled)


def test_effectiveness_counts_the_share_paid_within_15_and_30_days_among_steps_old_enough() -> None:
    as_of = date(2025, 6, 30)
    steps = [
        step("first", date(2025, 5, 1), date(2025, 5, 10)),  # 9 days: within 15 and 30
        step("first", date(2025, 5, 1), date(2025, 5, 25)),  # 24 days: within 30 only
        step("first", date(2025, 5, 1), None),  # unpaid
        step("first", date(2025, 6, 20), date(2025, 6, 22)),  # 2 days, but too recent for the 15- and 30-day shares
        step("first", date(2025, 6, 10), None),  # 20 days old: counts for 15 days, not yet for 30
    ]

    (line,) = effectiveness(steps, as_of)

    assert (line.receivables, line.settled) == (5, 3)
    assert (line.eligible_15, line.paid_within_15) == (4, 1)
    assert (line.eligible_30, line.paid_within_30) == (3, 2)
    assert line.share_within_15 == Decimal("0.250")
    assert line.share_within_30 == Decimal("0.667")
    assert line.median_days_to_pay == Decimal("9.0")  # of 9, 24 and 2


def test_a_payment_valued_before_the_step_counts_as_paid_in_zero_days() -> None:
    (line,) = effectiveness([step("second", date(2025, 3, 10), date(2025, 3, 8), "letter")], date(2025, 6, 1))

    assert line.median_days_to_pay == Decimal("0.0")
    assert line.paid_within_15 == 1


def test_effectiveness_lines_follow_the_dunning_order_then_the_channel() -> None:
    steps = [
        step("formal_notice", date(2025, 1, 1), None, "registered_letter"),
        step("first", date(2025, 1, 1), None, "sms"),
        step("courtesy", date(2025, 1, 1), None),
        step("first", date(2025, 1, 1), None, "email"),
        step("second", date(2025, 1, 1), None, "letter"),
    ]

    lines = effectiveness(steps, date(2025, 6, 1))

    assert [(e.stage, e.channel) for e in lines] == [
        ("courtesy", "email"), ("first", "email"), ("first", "sms"), ("second", "letter"),
        ("formal_notice", "registered_letter"),
    ]  # fmt: skip
    assert all(e.share_within_30 == Decimal("0.000") and e.median_days_to_pay is None for e in lines)


@settings(max_examples=100, deadline=None)
@given(values=st.lists(st.tuples(st.integers(0, 60), st.integers(1, 4)), min_size=1, max_size=12))
def test_the_median_of_counted_values_is_the_median_of_the_values_repeated(values: list[tuple[int, int]]) -> None:
    expanded = [value for value, count in values for _ in range(count)]

    assert weighted_median(values) == Decimal(str(statistics.median(expanded))).quantize(Decimal("0.1"))


def test_steps_counted_together_weigh_as_many_receivables() -> None:
    as_of = date(2025, 6, 30)
    one_by_one = [step("first", date(2025, 5, 1), date(2025, 5, 4))] * 3 + [step("first", date(2025, 5, 1), None)]
    grouped = [
        StepOutcome("first", "email", date(2025, 5, 1), date(2025, 5, 4), 3),
        StepOutcome("first", "email", date(2025, 5, 1), None, 1),
    ]

    assert effectiveness(grouped, as_of) == effectiveness(one_by_one, as_of)
    assert weighted_median([]) is None
