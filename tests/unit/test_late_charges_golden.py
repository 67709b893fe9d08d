"""Golden cases of the late-charge computation (legal.md §1–4), each computed by hand.

Every expected amount is written from the hand computation in its comment, with the
rates of legal.md (ECB + 10 points: 2023H1 12.50, 2024H1 14.50, 2024H2 14.25, 2025H1 13.15,
2025H2 12.15, 2026H1 12.15; legal rate "all other cases": 2025H1 3.71, 2025H2 2.76).
Amount of a period = base × rate × days / 365; the sum is rounded half-up once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

import pytest

from domain.errors import InvalidInput, RuleViolation
from domain.late_charges import (
    CREDIT_NOTE,
    PAYMENT,
    ChargePolicy,
    ChargesInvoice,
    ClaimFacts,
    Imputation,
    NoticeFact,
    RateReading,
    Settlement,
    Waiver,
    compute_claim,
)
from domain.rates import PenaltyRateFloor
from domain.receivable import Receivable
from domain.vocabulary import DebtorKind, DisputeOutcome, DisputeReason
from tests.unit.builders import ACTOR, DEBTOR_ID, at, eur, issued_receivable
from tests.unit.legal_tables import legal_md_table

TABLE = legal_md_table()
PRO, CONSUMER = DebtorKind.PROFESSIONAL, DebtorKind.CONSUMER
INTEREST_FIRST = ChargePolicy(imputation=Imputation.INTEREST_FIRST)
DELAY_START = ChargePolicy(reading=RateReading.DELAY_START)


def d(year: int, month: int, day: int) -> date:
    return date(year, month, day)


def paid(on: date, amount: str, reference: str = "VIR") -> Settlement:
    return Settlement(on, Decimal(amount), PAYMENT, f"{reference}-{on}")


def credited(on: date, amount: str) -> Settlement:
    return Settlement(on, Decimal(amount), CREDIT_NOTE, f"AV-{on}")


def invoice(
    due: date,
    *settlements: Settlement,
    amount: str = "1000.00",
    kind: DebtorKind = PRO,
    rate: str | None = None,
    notices: tuple[date, ...] = (),
    billed: tuple[ChargesInvoice, ...] = (),
    waivers: tuple[Waiver, ...] = (),
    disputes: tuple[date, ...] = (),
    insolvency: date | None = None,
    issued: date | None = None,
) -> ClaimFacts:
    issue_date = issued or due - timedelta(days=30)
    return ClaimFacts(
        invoice_number="F-1",
        debtor_kind=kind,
        issue_date=issue_date,
        due_date=due,
        amount_incl_vat=Decimal(amount),
        contractual_rate=None if rate is None else Decimal(rate),
        settlements=settlements,
        notices=tuple(NoticeFact(n, claims_charges=False) for n in notices),
        charges_invoices=billed,
        waivers=waivers,
        disputes_opened=disputes,
        insolvency_judgment_date=insolvency,
        payment_terms_cap=issue_date + timedelta(days=60),
    )


@dataclass(frozen=True)
class Case:
    id: str
    rule: str
    facts: ClaimFacts
    as_of: date
    penalties: str
    indemnity: str
    principal: str
    total: str
    policy: ChargePolicy = field(default_factory=ChargePolicy)


MAR31 = d(2025, 3, 31)
JUN15 = d(2025, 6, 15)
INVOICED_APR30 = ChargesInvoice("FP-1", d(2025, 4, 30), Decimal("10.81"), Decimal("40.00"))

CASES = [
    # Paid in full on the due date: the first day of delay (1 April) has a base of 0 → 0.00, no indemnity.
    Case("paid_on_the_due_date", "L441-10 II: delay starts the day after the due date",
         invoice(MAR31, paid(MAR31, "1000.00")), d(2025, 6, 30), "0.00", "0.00", "0.00", "0.00"),
    # Paid the day after: 1 day. 1000.00 × 13.15 % × 1/365 = 0.360274 → 0.36; paid late → 40.00.
    Case("paid_the_day_after", "legal.md §1: paid the day after the due date = one day",
         invoice(MAR31, paid(d(2025, 4, 1), "1000.00")), d(2025, 6, 30), "0.36", "40.00", "0.00", "40.36"),
    # 1 April–30 April 2025, 30 days in 2025H1: 1000.00 × 13.15 % × 30/365 = 10.808219 → 10.81.
    Case("single_half_year", "L441-10 II: ECB 3.15 % + 10 points, simple interest",
         invoice(MAR31), d(2025, 4, 30), "10.81", "40.00", "1000.00", "1050.81"),
    # 16–30 June: 1000.00 × 13.15 % × 15/365 = 5.404110; 1–15 July: 1000.00 × 12.15 % × 15/365 = 4.993151;
    # sum 10.397260 → 10.40 (rounding each period would give 5.40 + 4.99 = 10.39: rounded once per invoice).
    Case("two_half_years", "per_day: each day at its half-year's rate; one rounding per invoice",
         invoice(JUN15), d(2025, 7, 15), "10.40", "40.00", "1000.00", "1050.40"),
    # 21–30 June 2024: 1000 × 14.50 % × 10/365 = 3.972603; 1 July–31 Dec 2024: 1000 × 14.25 % × 184/365 = 71.835616;
    # 1–10 Jan 2025: 1000 × 13.15 % × 10/365 = 3.602740; sum 79.410959 → 79.41.
    Case("three_half_years", "per_day across 2024H1, 2024H2, 2025H1",
         invoice(d(2024, 6, 20)), d(2025, 1, 10), "79.41", "40.00", "1000.00", "1119.41"),
    # 28 Feb, 29 Feb, 1 Mar, 2 Mar 2024 = 4 days: 1000 × 14.50 % × 4/365 = 1.589041 → 1.59.
    Case("leap_day_is_a_day", "legal.md §1: 29 February counts, divided by 365",
         invoice(d(2024, 2, 27)), d(2024, 3, 2), "1.59", "40.00", "1000.00", "1041.59"),
    # Whole of 2024 (366 days): H1 182 d × 14.50 % = 72.301370; H2 184 d × 14.25 % = 71.835616; 144.136986 → 144.14.
    Case("leap_year_over_365", "legal.md §1: 365 in leap years too",
         invoice(d(2023, 12, 31)), d(2024, 12, 31), "144.14", "40.00", "1000.00", "1184.14"),
    # 1200.00, 500.00 paid 10 April: 1–10 Apr 1200 × 13.15 % × 10/365 = 4.323288; 11–30 Apr 700 × 13.15 % × 20/365
    # = 5.043836; sum 9.367123 → 9.37.
    Case("partial_payment", "the base drops the day after the payment's value date",
         invoice(MAR31, paid(d(2025, 4, 10), "500.00"), amount="1200.00"),
         d(2025, 4, 30), "9.37", "40.00", "700.00", "749.37"),
    # 1200.00, credit note 200.00 on 15 April: 1–15 Apr 1200 × 13.15 % × 15/365 = 6.484932;
    # 16–30 Apr 1000 × 13.15 % × 15/365 = 5.404110; sum 11.889041 → 11.89.
    Case("credit_note", "the base drops the day after the credit note",
         invoice(MAR31, credited(d(2025, 4, 15), "200.00"), amount="1200.00"),
         d(2025, 4, 30), "11.89", "40.00", "1000.00", "1051.89"),
    # 200.00 of 1200.00 paid before the due date: 1–30 Apr on 1000: 10.808219 → 10.81; the rest is late → 40.00.
    Case("partial_payment_before_due", "only what is unpaid after the due date bears penalties",
         invoice(MAR31, paid(d(2025, 3, 20), "200.00"), amount="1200.00"),
         d(2025, 4, 30), "10.81", "40.00", "1000.00", "1050.81"),
    # Due 31 May; 300 paid 10 June; credit note 100 on 5 July:
    # 1–10 Jun 1000 × 13.15 % × 10/365 = 3.602740; 11–30 Jun 700 × 13.15 % × 20/365 = 5.043836;
    # 1–5 Jul 700 × 12.15 % × 5/365 = 1.165068; 6–31 Jul 600 × 12.15 % × 26/365 = 5.192877; sum 15.004521 → 15.00.
    Case("payment_and_credit_note_across_half_years", "periods cut at each base change and half-year",
         invoice(d(2025, 5, 31), paid(d(2025, 6, 10), "300.00"), credited(d(2025, 7, 5), "100.00")),
         d(2025, 7, 31), "15.00", "40.00", "600.00", "655.00"),
    # Paid in full on 15 May: 1 Apr–15 May = 45 days: 1000 × 13.15 % × 45/365 = 16.212329 → 16.21, nothing after.
    Case("paid_late_in_full_stops_accruing", "a payment on day P stops accrual after P",
         invoice(MAR31, paid(d(2025, 5, 15), "1000.00")), d(2025, 6, 30), "16.21", "40.00", "0.00", "56.21"),
    # Contractual 9.00 %, 16 June–15 July = 30 days: 1000 × 9.00 % × 30/365 = 7.397260 → 7.40.
    Case("contractual_rate", "L441-10 II: the rate agreed in the terms of sale, fixed",
         invoice(JUN15, rate="9.00"), d(2025, 7, 15), "7.40", "40.00", "1000.00", "1047.40"),
    # Reading delay_start: the 30 days all at 2025H1's 13.15 %: 1000 × 13.15 % × 30/365 = 10.808219 → 10.81.
    Case("delay_start_reading", "firm setting: the rate of the half-year the delay began",
         invoice(JUN15), d(2025, 7, 15), "10.81", "40.00", "1000.00", "1050.81", DELAY_START),
    # Consumer, notice sent 5 May: 6 May–4 June = 30 days at the legal rate 3.71 %: 1000 × 3.71 % × 30/365
    # = 3.049315 → 3.05; no indemnity.
    Case("consumer_from_formal_notice", "C. civ. 1231-6, 1344-1: legal rate from the day after the notice",
         invoice(MAR31, kind=CONSUMER, notices=(d(2025, 5, 5),)), d(2025, 6, 4), "3.05", "0.00", "1000.00", "1003.05"),
    # Consumer, notice 5 May, as of 6 May: one day: 1000 × 3.71 % × 1/365 = 0.101644 → 0.10.
    Case("consumer_first_day_after_notice", "the first day of interest is the day after the notice was sent",
         invoice(MAR31, kind=CONSUMER, notices=(d(2025, 5, 5),)), d(2025, 5, 6), "0.10", "0.00", "1000.00", "1000.10"),
    # Consumer, no formal notice: no interest at all, however late; never the 40 €.
    Case("consumer_without_notice", "legal.md §4: no penalties, no indemnity, interest only after a notice",
         invoice(MAR31, kind=CONSUMER), d(2025, 6, 30), "0.00", "0.00", "1000.00", "1000.00"),
    # Consumer, notice 20 June: 21–30 June 1000 × 3.71 % × 10/365 = 1.016438; 1–10 July 1000 × 2.76 % × 10/365
    # = 0.756164; sum 1.772603 → 1.77.
    Case("consumer_across_half_years", "legal rate of each half-year (2025H1 3.71, 2025H2 2.76)",
         invoice(MAR31, kind=CONSUMER, notices=(d(2025, 6, 20),)),
         d(2025, 7, 10), "1.77", "0.00", "1000.00", "1001.77"),
    # As the single-half-year case (10.81 + 40.00) with the indemnity waived: 1000 + 10.81 + 40 − 40 = 1010.81.
    Case("indemnity_waived", "LateChargesWaived: the firm gives up the indemnity",
         invoice(MAR31, waivers=(Waiver(d(2025, 4, 20), Decimal("0.00"), Decimal("40.00"), "goodwill", ACTOR),)),
         d(2025, 4, 30), "10.81", "40.00", "1000.00", "1010.81"),
    # Everything waived (10.81 interest, 40.00 indemnity): only the principal remains claimable, 1000.00.
    Case("all_charges_waived", "LateChargesWaived: shown, deducted",
         invoice(MAR31, waivers=(Waiver(d(2025, 4, 30), Decimal("10.81"), Decimal("40.00"), "dispute", ACTOR),)),
         d(2025, 4, 30), "10.81", "40.00", "1000.00", "1000.00"),
    # Three late partial payments, one indemnity: 1–10 Apr 1000 × 13.15 % × 10/365 = 3.602740;
    # 11–20 Apr 700 × … × 10/365 = 2.521918; 21–30 Apr 400 × … × 10/365 = 1.441096; sum 7.565753 → 7.57; 40.00 once.
    Case("indemnity_once_per_invoice", "D441-5: 40 € per invoice, never split on a partial payment",
         invoice(MAR31, paid(d(2025, 4, 10), "300.00"), paid(d(2025, 4, 20), "300.00"), paid(d(2025, 4, 30), "400.00")),
         d(2025, 5, 31), "7.57", "40.00", "0.00", "47.57"),
    # 10.81 + 40.00 with 5.00 + 40.00 already invoiced on 15 April: 1000 + 10.81 + 40 − 45 = 1005.81.
    Case("already_invoiced_deducted", "LateChargesInvoiced: nothing is claimed twice",
         invoice(MAR31, billed=(ChargesInvoice("FP-1", d(2025, 4, 15), Decimal("5.00"), Decimal("40.00")),)),
         d(2025, 4, 30), "10.81", "40.00", "1000.00", "1005.81"),
    # Interest first once claimed (invoiced 30 April: 10.81 + 40.00), 500.00 paid 10 May:
    # 1 Apr–10 May 1000 × 13.15 % × 40/365 = 14.410959 → 14.41 to interest, 485.59 to principal → base 514.41;
    # 11–31 May 514.41 × 13.15 % × 21/365 = 3.891899; sum 18.302858 → 18.30.
    # Total: 514.41 + (18.30 + 40.00 − 50.81 − (14.41 − 10.81)) = 514.41 + 3.89 = 518.30.
    Case("interest_first_after_claim", "C. civ. 1343-1: a partial payment pays interest first",
         invoice(MAR31, paid(d(2025, 5, 10), "500.00"), billed=(INVOICED_APR30,)),
         d(2025, 5, 31), "18.30", "40.00", "514.41", "518.30", INTEREST_FIRST),
    # The same file, principal first: 14.410959 + 500 × 13.15 % × 21/365 = 3.782877 → 18.193836 → 18.19;
    # total 500.00 + (18.19 + 40.00 − 50.81) = 507.38.
    Case("principal_first_same_file", "C. civ. 1342-10: the payment pays the principal",
         invoice(MAR31, paid(d(2025, 5, 10), "500.00"), billed=(INVOICED_APR30,)),
         d(2025, 5, 31), "18.19", "40.00", "500.00", "507.38"),
    # Interest first chosen but nothing claimed yet: the partial-payment case unchanged, 9.37.
    Case("interest_first_before_any_claim", "1343-1 only once late charges have been claimed",
         invoice(MAR31, paid(d(2025, 4, 10), "500.00"), amount="1200.00"),
         d(2025, 4, 30), "9.37", "40.00", "700.00", "749.37", INTEREST_FIRST),
    # Insolvency judgment 20 April: 1–20 April = 20 days: 1000 × 13.15 % × 20/365 = 7.205479 → 7.21; no indemnity.
    Case("insolvency", "L622-28 stops interest; legal.md §2: no indemnity in insolvency",
         invoice(MAR31, insolvency=d(2025, 4, 20)), d(2025, 5, 31), "7.21", "0.00", "1000.00", "1007.21"),
    # As of the due date itself: not late.
    Case("not_yet_late", "L441-10 II: nothing before the day after the due date",
         invoice(MAR31), MAR31, "0.00", "0.00", "1000.00", "1000.00"),
    # Due 20 June 2026: 21–30 June 1000 × 12.15 % × 10/365 = 3.328767; 1–20 July (2026H2 unpublished, 2.15 + 10
    # carried forward) 1000 × 12.15 % × 20/365 = 6.657534; sum 9.986301 → 9.99, provisional.
    Case("provisional_half_year", "legal.md §1: the last known rate carried forward, marked provisional",
         invoice(d(2026, 6, 20)), d(2026, 7, 20), "9.99", "40.00", "1000.00", "1049.99"),
    # 100.20 at 12.50 % (2023H1) for 73 days (11 Jan–24 Mar): 100.20 × 12.50 % × 73/365 = 2.505 exactly → 2.51
    # (half-up; half-even would give 2.50).
    Case("half_up_rounding", "legal.md §1: rounded half-up to the cent",
         invoice(d(2023, 1, 10), amount="100.20"), d(2023, 3, 24), "2.51", "40.00", "100.20", "142.71"),
    # A dispute opened on 5 April changes nothing: 10.808219 → 10.81.
    Case("dispute_does_not_stop", "penalties accrue in law during a dispute",
         invoice(MAR31, disputes=(d(2025, 4, 5),)), d(2025, 4, 30), "10.81", "40.00", "1000.00", "1050.81"),
]  # fmt: skip


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.id)
def test_a_golden_case_gives_the_hand_computed_amounts_to_the_cent(case: Case) -> None:
    claim = compute_claim(case.facts, TABLE, case.as_of, case.policy)

    assert (claim.penalties, claim.indemnity, claim.principal_outstanding, claim.total) == (
        Decimal(case.penalties),
        Decimal(case.indemnity),
        Decimal(case.principal),
        Decimal(case.total),
    ), case.rule


def test_there_are_at_least_25_golden_cases_each_with_its_rule() -> None:
    assert len(CASES) >= 25
    assert len({case.id for case in CASES}) == len(CASES)
    assert all(case.rule for case in CASES)


# ------------------------------------------------------------------ details


def period_rows(facts: ClaimFacts, as_of: date, policy: ChargePolicy | None = None) -> list[tuple[object, ...]]:
    claim = compute_claim(facts, TABLE, as_of, policy)
    return [(p.start, p.end, p.days, p.base, p.rate, str(p.half_year), p.provisional) for p in claim.periods]


def test_each_period_keeps_its_dates_days_base_and_rate_cut_at_half_years_and_base_changes() -> None:
    facts = invoice(d(2025, 5, 31), paid(d(2025, 6, 10), "300.00"), credited(d(2025, 7, 5), "100.00"))

    rows = period_rows(facts, d(2025, 7, 31))

    assert rows == [
        (d(2025, 6, 1), d(2025, 6, 10), 10, Decimal("1000.00"), Decimal("13.15"), "2025H1", False),
        (d(2025, 6, 11), d(2025, 6, 30), 20, Decimal("700.00"), Decimal("13.15"), "2025H1", False),
        (d(2025, 7, 1), d(2025, 7, 5), 5, Decimal("700.00"), Decimal("12.15"), "2025H2", False),
        (d(2025, 7, 6), d(2025, 7, 31), 26, Decimal("600.00"), Decimal("12.15"), "2025H2", False),
    ]


def test_a_period_amount_keeps_full_precision_until_the_single_rounding() -> None:
    claim = compute_claim(invoice(JUN15), TABLE, d(2025, 7, 15))

    # 5.404109589… and 4.993150684…: neither is rounded
    assert [p.amount.quantize(Decimal("0.000000001")) for p in claim.periods] == [
        Decimal("5.404109589"),
        Decimal("4.993150685"),
    ]
    assert claim.penalties_exact.quantize(Decimal("0.000001")) == Decimal("10.397260")


def test_periods_of_an_unpublished_half_year_are_marked_provisional_and_say_so() -> None:
    claim = compute_claim(invoice(d(2026, 6, 20)), TABLE, d(2026, 7, 20))

    assert [p.provisional for p in claim.periods] == [False, True]
    assert claim.provisional
    provisional = [r for r in claim.rules if r.code == "provisional_rate"]
    assert len(provisional) == 1
    assert "2026H2" in provisional[0].text and "2026H1" in provisional[0].text


def test_the_calculation_states_its_rules_and_rate_sources() -> None:
    claim = compute_claim(invoice(JUN15), TABLE, d(2025, 7, 15))

    codes = [r.code for r in claim.rules]
    assert {"penalties_from_due_date", "default_rate", "simple_interest", "recovery_indemnity", "total"} <= set(codes)
    assert "imputation_principal_first" in codes
    assert [r.reference for r in claim.rules if r.code == "rate_source"] == [
        "ECB main refinancing operations rate 2025H1",
        "ECB main refinancing operations rate 2025H2",
    ]
    assert "per_day" in next(r.text for r in claim.rules if r.code == "default_rate")


def test_the_delay_start_reading_is_named_in_the_calculation() -> None:
    claim = compute_claim(invoice(JUN15), TABLE, d(2025, 7, 15), DELAY_START)

    assert "delay_start" in next(r.text for r in claim.rules if r.code == "default_rate")
    assert {p.rate for p in claim.periods} == {Decimal("13.15")}


def test_interest_first_records_how_the_payment_was_imputed() -> None:
    facts = invoice(MAR31, paid(d(2025, 5, 10), "500.00"), billed=(INVOICED_APR30,))

    claim = compute_claim(facts, TABLE, d(2025, 5, 31), INTEREST_FIRST)

    [allocation] = claim.allocations
    assert (allocation.to_interest, allocation.to_principal) == (Decimal("14.41"), Decimal("485.59"))
    assert claim.interest_paid == Decimal("14.41")
    assert "imputation_interest_first" in [r.code for r in claim.rules]


def test_a_waiver_is_shown_with_its_reason_and_who_decided() -> None:
    waiver = Waiver(d(2025, 4, 20), Decimal("0.00"), Decimal("40.00"), "long-standing customer", "manager:carol")

    claim = compute_claim(invoice(MAR31, waivers=(waiver,)), TABLE, d(2025, 4, 30))

    [rule] = [r for r in claim.rules if r.code == "waived"]
    assert "manager:carol" in rule.text and "long-standing customer" in rule.text
    assert claim.waived == Decimal("40.00")


def test_a_waiver_or_charges_invoice_dated_after_the_claim_date_is_not_counted() -> None:
    waiver = Waiver(d(2025, 5, 2), Decimal("0.00"), Decimal("40.00"), "later", ACTOR)
    billed = ChargesInvoice("FP-9", d(2025, 5, 2), Decimal("10.00"), Decimal("0.00"))

    claim = compute_claim(invoice(MAR31, waivers=(waiver,), billed=(billed,)), TABLE, d(2025, 4, 30))

    # 10.81 + 40.00, nothing deducted
    assert (claim.waived, claim.already_invoiced, claim.total) == (
        Decimal("0.00"),
        Decimal("0.00"),
        Decimal("1050.81"),
    )


def test_a_payment_after_the_claim_date_does_not_reduce_the_claim() -> None:
    claim = compute_claim(invoice(MAR31, paid(d(2025, 5, 15), "1000.00")), TABLE, d(2025, 4, 30))

    # 30 days on 1000.00: 10.81; the payment of 15 May is after 30 April
    assert (claim.penalties, claim.principal_outstanding) == (Decimal("10.81"), Decimal("1000.00"))


def test_payment_terms_over_60_days_are_flagged_in_the_claim_rules() -> None:
    facts = invoice(d(2025, 3, 31), issued=d(2025, 1, 10))  # cap: 11 March 2025

    claim = compute_claim(facts, TABLE, d(2025, 4, 30))

    assert claim.payment_terms_over_cap
    assert "payment_terms_over_cap" in [r.code for r in claim.rules]
    assert claim.penalties == Decimal("10.81")  # penalties still run from the agreed due date


def test_a_claim_before_the_invoice_was_issued_is_refused() -> None:
    with pytest.raises(InvalidInput, match="before the invoice was issued"):
        compute_claim(invoice(MAR31), TABLE, d(2025, 2, 1))


def test_a_half_year_before_the_table_is_an_error_naming_what_to_add() -> None:
    with pytest.raises(RuleViolation, match="2022H2") as error:
        compute_claim(invoice(d(2022, 11, 30)), TABLE, d(2023, 1, 15))

    assert error.value.rule == "rate_unknown"


# ------------------------------------------------------ from the receivable


def test_the_credit_note_of_a_resolved_dispute_lowers_the_base_the_day_after_the_resolution() -> None:
    receivable = issued_receivable()  # 1200.00 due 14 February 2024
    receivable.open_dispute_for(
        reason=DisputeReason.PRICE, opened_on=d(2024, 2, 20), now=at(d(2024, 2, 20)), actor=ACTOR
    )
    receivable.resolve_dispute(
        dispute_number=1,
        outcome=DisputeOutcome.UPHELD,
        resolved_on=d(2024, 3, 1),
        credit_note_number="AV-7",
        credit_note_amount=eur("200.00"),
        now=at(d(2024, 3, 1)),
        actor=ACTOR,
    )

    claim = compute_claim(ClaimFacts.of(receivable), TABLE, d(2024, 3, 31))

    # 15 Feb–1 Mar (16 days) on 1200.00 at 14.50 %: 1200 × 14.50 % × 16/365 = 7.627397;
    # 2–31 Mar (30 days) on 1000.00: 1000 × 14.50 % × 30/365 = 11.917808; sum 19.545205 → 19.55
    assert claim.penalties == Decimal("19.55")
    assert [(p.start, p.base) for p in claim.periods] == [
        (d(2024, 2, 15), Decimal("1200.00")),
        (d(2024, 3, 2), Decimal("1000.00")),
    ]
    assert "dispute_does_not_stop" in [r.code for r in claim.rules]


def test_late_charges_invoiced_and_waived_on_the_receivable_reach_the_claim() -> None:
    receivable = issued_receivable()  # 1200.00 due 14 February 2024
    receivable.invoice_late_charges(
        interest=eur("5.00"),
        indemnity=eur("40.00"),
        charges_invoice_number="FP-1",
        invoiced_on=d(2024, 3, 1),
        now=at(d(2024, 3, 1)),
        actor=ACTOR,
    )
    receivable.waive_late_charges(
        interest=eur("2.00"), indemnity=eur("0.00"), reason="rounding", now=at(d(2024, 3, 2)), actor="manager:carol"
    )

    claim = compute_claim(ClaimFacts.of(receivable), TABLE, d(2024, 3, 16))

    # 15 Feb–16 Mar = 31 days: 1200 × 14.50 % × 31/365 = 14.778082 → 14.78;
    # total 1200 + 14.78 + 40.00 − 2.00 − 45.00 = 1207.78
    assert (claim.penalties, claim.already_invoiced, claim.waived, claim.total) == (
        Decimal("14.78"),
        Decimal("45.00"),
        Decimal("2.00"),
        Decimal("1207.78"),
    )


# ------------------------------------------------------ contractual floor


def test_a_contractual_rate_below_three_times_the_legal_rate_is_refused_at_issue() -> None:
    floor = PenaltyRateFloor.on(TABLE, d(2026, 2, 1))  # 3 × 2.62 % = 7.86 %

    with pytest.raises(RuleViolation) as error:
        issued_receivable(
            issue_date=d(2026, 2, 1),
            due_date=d(2026, 3, 3),
            now=at(d(2026, 2, 1)),
            contractual_penalty_rate=Decimal("7.85"),
            penalty_rate_floor=floor,
        )

    assert error.value.rule == "contractual_rate_floor"
    assert "7.86" in error.value.message and "2026H1" in error.value.message


def test_a_contractual_rate_equal_to_the_floor_is_accepted() -> None:
    floor = PenaltyRateFloor.on(TABLE, d(2026, 2, 1))

    receivable = issued_receivable(
        issue_date=d(2026, 2, 1),
        due_date=d(2026, 3, 3),
        now=at(d(2026, 2, 1)),
        contractual_penalty_rate=Decimal("7.86"),
        penalty_rate_floor=floor,
    )

    assert receivable.contractual_penalty_rate == Decimal("7.86")


def test_the_floor_uses_the_legal_rate_of_the_issue_dates_half_year() -> None:
    # 2024H1: 3 × 5.07 % = 15.21 %; 2025H2: 3 × 2.76 % = 8.28 %
    assert PenaltyRateFloor.on(TABLE, d(2024, 6, 30)).minimum == Decimal("15.21")
    assert PenaltyRateFloor.on(TABLE, d(2025, 7, 1)).minimum == Decimal("8.28")


def test_an_invoice_journalled_before_the_floor_check_still_replays() -> None:
    """The floor is checked by the command only: an InvoiceIssued below today's floor still replays."""
    original = Receivable.issue(
        invoice_number="F-OLD",
        debtor_id=DEBTOR_ID,
        debtor_kind=PRO,
        issue_date=d(2024, 1, 15),
        due_date=d(2024, 2, 14),
        amount_excl_vat=eur("1000.00"),
        vat=eur("200.00"),
        amount_incl_vat=eur("1200.00"),
        label="issued before the check",
        contractual_penalty_rate=Decimal("5.00"),  # below 3 × 5.07 % = 15.21 %, and no floor passed
        now=at(d(2024, 1, 15)),
        actor=ACTOR,
    )

    replayed = Receivable.replay(original.collect_events())

    assert replayed is not None
    assert replayed.contractual_penalty_rate == Decimal("5.00")
