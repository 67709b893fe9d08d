"""Properties of the late-charge computation over generated invoices, payments and dates."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from domain.late_charges import (
    CREDIT_NOTE,
    PAYMENT,
    ChargePolicy,
    ClaimFacts,
    Imputation,
    NoticeFact,
    RateReading,
    Settlement,
    compute_claim,
)
from domain.rates import HalfYear
from domain.vocabulary import DebtorKind
from tests.unit.legal_tables import legal_md_table

TABLE = legal_md_table()
FIRST_DUE = date(2023, 1, 1)
BOUNDED = settings(max_examples=80, deadline=None)

cents = st.integers(min_value=1, max_value=10_000_000).map(lambda c: Decimal(c) / 100)
due_dates = st.integers(min_value=0, max_value=3 * 365).map(lambda n: FIRST_DUE + timedelta(days=n))
policies = st.builds(ChargePolicy, st.sampled_from(Imputation), st.sampled_from(RateReading))
kinds = st.sampled_from(DebtorKind)
rates = st.none() | st.integers(min_value=1, max_value=3000).map(lambda n: Decimal(n) / 100)


@st.composite
def invoices(draw: st.DrawFn, *, settled_by_due: bool = False) -> ClaimFacts:
    due = draw(due_dates)
    amount = draw(cents)
    offsets = st.integers(min_value=-30, max_value=0 if settled_by_due else 500)
    settlements = [
        Settlement(
            due + timedelta(days=draw(offsets)), draw(cents), draw(st.sampled_from([PAYMENT, CREDIT_NOTE])), f"R{i}"
        )
        for i in range(draw(st.integers(min_value=0, max_value=4)))
    ]
    if settled_by_due:
        settlements.append(Settlement(due + timedelta(days=draw(offsets)), amount, PAYMENT, "FULL"))
    notices = [NoticeFact(due + timedelta(days=draw(st.integers(1, 200))), draw(st.booleans()))]
    return ClaimFacts(
        invoice_number="F-P",
        debtor_kind=draw(kinds),
        issue_date=due - timedelta(days=30),
        due_date=due,
        amount_incl_vat=amount,
        contractual_rate=draw(rates),
        settlements=tuple(settlements),
        notices=tuple(notices[: draw(st.integers(0, 1))]),
    )


later = st.integers(min_value=-30, max_value=800)


@BOUNDED
@given(invoices(), later, policies)
def test_charges_are_never_negative_and_the_total_never_below_the_principal(
    facts: ClaimFacts, days: int, policy: ChargePolicy
) -> None:
    claim = compute_claim(facts, TABLE, facts.due_date + timedelta(days=days), policy)

    assert claim.penalties >= 0
    assert all(p.amount >= 0 and p.base > 0 and p.days > 0 for p in claim.periods)
    assert claim.indemnity in (Decimal("0.00"), Decimal("40.00"))
    assert Decimal("0.00") <= claim.principal_outstanding <= facts.amount_incl_vat
    assert claim.total >= claim.principal_outstanding
    assert abs(claim.penalties - claim.penalties_exact) <= Decimal("0.005")


@BOUNDED
@given(invoices(), later, st.integers(min_value=1, max_value=400), policies)
def test_penalties_never_decrease_as_the_claim_date_moves_on(
    facts: ClaimFacts, days: int, more: int, policy: ChargePolicy
) -> None:
    as_of = facts.due_date + timedelta(days=days)

    earlier = compute_claim(facts, TABLE, as_of, policy)
    after = compute_claim(facts, TABLE, as_of + timedelta(days=more), policy)

    assert after.penalties >= earlier.penalties


@BOUNDED
@given(invoices(), st.integers(min_value=1, max_value=800), st.integers(min_value=1, max_value=400))
def test_while_unpaid_a_professional_debtor_owes_strictly_more_each_month(
    facts: ClaimFacts, days: int, more: int
) -> None:
    unpaid = ClaimFacts(
        invoice_number=facts.invoice_number,
        debtor_kind=DebtorKind.PROFESSIONAL,
        issue_date=facts.issue_date,
        due_date=facts.due_date,
        amount_incl_vat=facts.amount_incl_vat + Decimal("100.00"),
        # at least 100 € at 1 % or more: 30 days add at least 0.08, so the rounded amount must grow
        contractual_rate=None if facts.contractual_rate is None else max(facts.contractual_rate, Decimal(1)),
    )
    as_of = facts.due_date + timedelta(days=days)

    earlier = compute_claim(unpaid, TABLE, as_of)
    month_later = compute_claim(unpaid, TABLE, as_of + timedelta(days=30 + more))

    assert month_later.penalties > earlier.penalties >= 0
    assert earlier.indemnity == month_later.indemnity == Decimal("40.00")


@BOUNDED
@given(invoices(settled_by_due=True), later, policies)
def test_an_invoice_paid_by_its_due_date_owes_nothing_late_ever(
    facts: ClaimFacts, days: int, policy: ChargePolicy
) -> None:
    claim = compute_claim(facts, TABLE, facts.due_date + timedelta(days=days), policy)

    assert (claim.penalties, claim.indemnity, claim.periods) == (Decimal("0.00"), Decimal("0.00"), ())
    if days >= 0:
        assert claim.principal_outstanding == Decimal("0.00")


@BOUNDED
@given(invoices(), later)
def test_payments_never_increase_the_penalties(facts: ClaimFacts, days: int) -> None:
    as_of = facts.due_date + timedelta(days=days)
    unpaid = ClaimFacts(
        invoice_number=facts.invoice_number,
        debtor_kind=facts.debtor_kind,
        issue_date=facts.issue_date,
        due_date=facts.due_date,
        amount_incl_vat=facts.amount_incl_vat,
        contractual_rate=facts.contractual_rate,
        notices=facts.notices,
    )

    assert compute_claim(facts, TABLE, as_of).penalties <= compute_claim(unpaid, TABLE, as_of).penalties


@BOUNDED
@given(invoices(), later, policies)
def test_periods_are_contiguous_within_one_half_year_each_and_never_before_the_delay(
    facts: ClaimFacts, days: int, policy: ChargePolicy
) -> None:
    claim = compute_claim(facts, TABLE, facts.due_date + timedelta(days=days), policy)

    for period in claim.periods:
        assert HalfYear.of(period.start) == HalfYear.of(period.end) == period.half_year
        assert period.days == (period.end - period.start).days + 1
        assert facts.due_date < period.start <= period.end <= claim.as_of
    for before, after in zip(claim.periods, claim.periods[1:], strict=False):
        assert before.end < after.start


@BOUNDED
@given(invoices(), later, policies)
def test_a_consumer_is_never_charged_the_indemnity_nor_interest_before_a_formal_notice(
    facts: ClaimFacts, days: int, policy: ChargePolicy
) -> None:
    consumer = ClaimFacts(
        invoice_number=facts.invoice_number,
        debtor_kind=DebtorKind.CONSUMER,
        issue_date=facts.issue_date,
        due_date=facts.due_date,
        amount_incl_vat=facts.amount_incl_vat,
        contractual_rate=facts.contractual_rate,
        settlements=facts.settlements,
        notices=facts.notices,
    )

    claim = compute_claim(consumer, TABLE, facts.due_date + timedelta(days=days), policy)

    assert claim.indemnity == Decimal("0.00")
    first_interest = min((n.sent_on for n in facts.notices), default=date.max)
    assert all(p.start > first_interest for p in claim.periods)
