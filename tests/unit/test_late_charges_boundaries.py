"""Late charges at their boundaries (legal.md §1–4): the first and last days, the same-day cases.

Every expected figure is computed by hand in its comment with the rates of legal.md
(ECB + 10 points: 2024H1 14.50, 2024H2 14.25, 2025H1 13.15; legal rate "all other cases"
2025H1 3.71); a period's amount is base × rate × days / 365, the sum rounded half-up once.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from domain.late_charges import (
    PAYMENT,
    ChargePolicy,
    ClaimFacts,
    Imputation,
    NoticeFact,
    Settlement,
    Waiver,
    compute_claim,
)
from domain.vocabulary import DebtorKind
from tests.unit.legal_tables import legal_md_table

TABLE = legal_md_table()
INTEREST_FIRST = ChargePolicy(imputation=Imputation.INTEREST_FIRST)


def d(year: int, month: int, day: int) -> date:
    return date(year, month, day)


def paid(on: date, amount: str) -> Settlement:
    return Settlement(on, Decimal(amount), PAYMENT, f"VIR-{on}")


def facts(
    due: date,
    *settlements: Settlement,
    kind: DebtorKind = DebtorKind.PROFESSIONAL,
    notices: tuple[NoticeFact, ...] = (),
    waivers: tuple[Waiver, ...] = (),
    insolvency: date | None = None,
    issued: date | None = None,
    cap: date | None = None,
) -> ClaimFacts:
    issue_date = issued or due - timedelta(days=30)
    return ClaimFacts(
        invoice_number="F-1",
        debtor_kind=kind,
        issue_date=issue_date,
        due_date=due,
        amount_incl_vat=Decimal("1000.00"),
        settlements=settlements,
        notices=notices,
        waivers=waivers,
        insolvency_judgment_date=insolvency,
        payment_terms_cap=cap,
    )


def codes(claim: object) -> list[str]:
    return [r.code for r in claim.rules]  # type: ignore[attr-defined]


# ------------------------------------------------------------ half-year boundaries


@pytest.mark.parametrize(
    ("due", "as_of", "rates"),
    [
        (d(2024, 6, 29), d(2024, 7, 1), [Decimal("14.50"), Decimal("14.25")]),  # 30 June, then 1 July
        (d(2024, 12, 30), d(2025, 1, 1), [Decimal("14.25"), Decimal("13.15")]),  # 31 December, then 1 January
    ],
)
def test_a_claim_as_of_the_first_day_of_a_half_year_charges_that_day_at_the_new_rate(
    due: date, as_of: date, rates: list[Decimal]
) -> None:
    claim = compute_claim(facts(due), TABLE, as_of)

    assert [(p.start, p.end, p.days, p.rate) for p in claim.periods] == [
        (due + timedelta(days=1), due + timedelta(days=1), 1, rates[0]),
        (as_of, as_of, 1, rates[1]),
    ]


# ------------------------------------------------------------------- payments


def test_a_payment_dated_the_day_before_the_claim_date_lowers_the_base_of_the_last_day() -> None:
    claim = compute_claim(facts(d(2025, 3, 31), paid(d(2025, 4, 29), "400.00")), TABLE, d(2025, 4, 30))

    assert [(p.start, p.end, p.base) for p in claim.periods] == [
        (d(2025, 4, 1), d(2025, 4, 29), Decimal("1000.00")),
        (d(2025, 4, 30), d(2025, 4, 30), Decimal("600.00")),
    ]


def test_interest_first_deducts_the_interest_already_paid_and_waived_from_a_second_payment() -> None:
    # 1000.00 at 14.50 %: 0.397260... a day from 1 February 2024 (a notice claiming charges sent that day).
    # 1 March: 30 days accrued, 11.92; the 5.00 paid go to interest.
    # 5 March: 3.00 of interest waived. 11 March: 40 days accrued, 15.89; 15.89 − 3.00 − 5.00 = 7.89 to
    # interest, the remaining 12.11 of the 20.00 to the principal.
    notice = NoticeFact(d(2024, 2, 1), claims_charges=True)
    waiver = Waiver(d(2024, 3, 5), Decimal("3.00"), Decimal("0.00"), "goodwill", "manager:carol")
    invoice = facts(
        d(2024, 1, 31), paid(d(2024, 3, 1), "5.00"), paid(d(2024, 3, 11), "20.00"), notices=(notice,), waivers=(waiver,)
    )

    claim = compute_claim(invoice, TABLE, d(2024, 3, 31), INTEREST_FIRST)

    assert [(a.to_interest, a.to_principal) for a in claim.allocations] == [
        (Decimal("5.00"), Decimal("0.00")),
        (Decimal("7.89"), Decimal("12.11")),
    ]
    assert claim.interest_paid == Decimal("12.89")
    assert claim.principal_outstanding == Decimal("987.89")


def test_interest_first_applies_from_the_day_a_notice_claims_charges_not_the_day_before() -> None:
    # Notice claiming charges on 1 March 2024; 29 Feb: principal first; 1 March: 30 days accrued (11.92) first.
    notice = NoticeFact(d(2024, 3, 1), claims_charges=True)
    invoice = facts(d(2024, 1, 31), paid(d(2024, 2, 29), "5.00"), paid(d(2024, 3, 1), "5.00"), notices=(notice,))

    claim = compute_claim(invoice, TABLE, d(2024, 3, 31), INTEREST_FIRST)

    assert [(a.on, a.to_interest, a.to_principal) for a in claim.allocations] == [
        (d(2024, 2, 29), Decimal("0.00"), Decimal("5.00")),
        (d(2024, 3, 1), Decimal("5.00"), Decimal("0.00")),
    ]
    assert "imputation_interest_first" in codes(claim)


def test_a_notice_claiming_no_charges_does_not_start_interest_first() -> None:
    notice = NoticeFact(d(2024, 2, 1), claims_charges=False)
    invoice = facts(d(2024, 1, 31), paid(d(2024, 3, 1), "5.00"), notices=(notice,))

    claim = compute_claim(invoice, TABLE, d(2024, 3, 31), INTEREST_FIRST)

    [allocation] = claim.allocations
    assert (allocation.to_interest, allocation.to_principal) == (Decimal("0.00"), Decimal("5.00"))
    assert "imputation_principal_first" in codes(claim)
    assert "imputation_interest_first" not in codes(claim)


# ---------------------------------------------------------- same-day boundaries


def test_an_insolvency_judgment_dated_on_the_claim_date_stops_charges_and_removes_the_indemnity() -> None:
    # 30 days on 1000.00 at 13.15 %: 10.808219 → 10.81; no 40 € indemnity in insolvency.
    claim = compute_claim(facts(d(2025, 3, 31), insolvency=d(2025, 4, 30)), TABLE, d(2025, 4, 30))

    assert (claim.penalties, claim.indemnity, claim.accrual_end) == (Decimal("10.81"), Decimal("0.00"), d(2025, 4, 30))
    assert {"insolvency_stops_interest", "no_indemnity_in_insolvency"} <= set(codes(claim))


def test_an_insolvency_judgment_dated_the_day_after_the_claim_date_is_not_yet_taken_into_account() -> None:
    claim = compute_claim(facts(d(2025, 3, 31), insolvency=d(2025, 5, 1)), TABLE, d(2025, 4, 30))

    assert (claim.penalties, claim.indemnity) == (Decimal("10.81"), Decimal("40.00"))
    assert {"insolvency_stops_interest", "no_indemnity_in_insolvency"}.isdisjoint(codes(claim))


def test_a_claim_as_of_the_issue_date_is_the_principal_alone() -> None:
    invoice = facts(d(2025, 3, 31), issued=d(2025, 3, 1))

    claim = compute_claim(invoice, TABLE, d(2025, 3, 1))

    assert (claim.total, claim.penalties, claim.indemnity) == (Decimal("1000.00"), Decimal("0.00"), Decimal("0.00"))
    assert claim.periods == ()
    assert "not_late" in codes(claim)


def test_a_claim_as_of_the_due_date_has_no_charges_and_the_day_after_has_one_day_and_the_indemnity() -> None:
    on_due = compute_claim(facts(d(2025, 3, 31)), TABLE, d(2025, 3, 31))
    day_after = compute_claim(facts(d(2025, 3, 31)), TABLE, d(2025, 4, 1))

    assert (on_due.total, on_due.indemnity, on_due.accrual_start) == (Decimal("1000.00"), Decimal("0.00"), None)
    assert "not_late" in codes(on_due)
    # one day on 1000.00 at 13.15 %: 0.360274 → 0.36
    assert (day_after.penalties, day_after.indemnity, day_after.total) == (
        Decimal("0.36"),
        Decimal("40.00"),
        Decimal("1040.36"),
    )
    assert "not_late" not in codes(day_after)


def test_consumer_interest_runs_from_the_first_formal_notice_not_the_last() -> None:
    notices = (NoticeFact(d(2025, 4, 10), claims_charges=False), NoticeFact(d(2025, 5, 10), claims_charges=False))

    claim = compute_claim(facts(d(2025, 3, 31), kind=DebtorKind.CONSUMER, notices=notices), TABLE, d(2025, 5, 31))

    assert claim.accrual_start == d(2025, 4, 11)
    assert {p.rate for p in claim.periods} == {Decimal("3.71")}
    assert claim.indemnity == Decimal("0.00")


def test_a_consumer_notice_sent_before_the_due_date_starts_interest_the_day_after_the_due_date() -> None:
    notices = (NoticeFact(d(2025, 3, 20), claims_charges=False),)

    claim = compute_claim(facts(d(2025, 3, 31), kind=DebtorKind.CONSUMER, notices=notices), TABLE, d(2025, 4, 30))

    assert claim.accrual_start == d(2025, 4, 1)


@pytest.mark.parametrize(("due", "over"), [(d(2025, 3, 11), False), (d(2025, 3, 12), True)])
def test_a_due_date_exactly_on_the_payment_terms_cap_is_not_over_it(due: date, over: bool) -> None:
    claim = compute_claim(facts(due, issued=d(2025, 1, 10), cap=d(2025, 3, 11)), TABLE, d(2025, 4, 30))

    assert claim.payment_terms_over_cap is over
    assert ("payment_terms_over_cap" in codes(claim)) is over
