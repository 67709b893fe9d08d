"""What a late-charge claim states (legal.md §1–4): its rules, its named values, its exact amounts,
and which facts of the receivable it reads. Figures computed by hand with the rates of legal.md."""

from __future__ import annotations

import dataclasses
from datetime import date, timedelta
from decimal import Decimal

import pytest

from domain.errors import InvalidInput
from domain.late_charges import (
    CREDIT_NOTE,
    LEGAL_DUE_DATE_NOTE,
    PAYMENT,
    ChargeBasis,
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
from domain.rates import HalfYear, PublishedRate, RateTable
from domain.vocabulary import DebtorKind, NoticeChannel, RateKind
from tests.unit.builders import ACTOR, DOCUMENT, TODAY, at, claim, issued_receivable
from tests.unit.legal_tables import legal_md_rates, legal_md_table

TABLE = legal_md_table()
INTEREST_FIRST = ChargePolicy(imputation=Imputation.INTEREST_FIRST)


def d(year: int, month: int, day: int) -> date:
    return date(year, month, day)


MAR31 = date(2025, 3, 31)


def facts(due: date = MAR31, *settlements: Settlement, **fields: object) -> ClaimFacts:
    return ClaimFacts(
        invoice_number="F-1",
        debtor_kind=fields.pop("kind", DebtorKind.PROFESSIONAL),  # type: ignore[arg-type]
        issue_date=due - timedelta(days=30),
        due_date=due,
        amount_incl_vat=Decimal("1000.00"),
        settlements=settlements,
        **fields,  # type: ignore[arg-type]
    )


def paid(on: date, amount: str) -> Settlement:
    return Settlement(on, Decimal(amount), PAYMENT, f"VIR-{on}")


def rules(claim: object) -> list[tuple[str, str]]:
    return [(r.code, r.reference) for r in claim.rules]  # type: ignore[attr-defined]


def codes(claim: object) -> list[str]:
    return [r.code for r in claim.rules]  # type: ignore[attr-defined]


def text_of(claim: object, code: str) -> str:
    return next(r.text for r in claim.rules if r.code == code)  # type: ignore[attr-defined]


# ------------------------------------------------------------------ named values


def test_the_settings_bases_and_settlement_kinds_have_their_documented_names() -> None:
    assert [i.value for i in Imputation] == ["principal_first", "interest_first"]
    assert [r.value for r in RateReading] == ["per_day", "delay_start"]
    assert [b.value for b in ChargeBasis] == ["late_payment_penalties", "moratory_interest"]
    assert (PAYMENT, CREDIT_NOTE) == ("payment", "credit_note")


def test_facts_without_a_currency_are_in_euros() -> None:
    assert compute_claim(facts(), TABLE, d(2025, 4, 30)).currency == "EUR"


def test_the_facts_and_the_claim_cannot_be_altered_once_made() -> None:
    invoice = facts(d(2025, 3, 31), paid(d(2025, 4, 10), "100.00"))
    claim_ = compute_claim(invoice, TABLE, d(2025, 4, 30))
    values = [
        ChargePolicy(),
        invoice,
        invoice.settlements[0],
        NoticeFact(d(2025, 4, 1), claims_charges=True),
        ChargesInvoice("FP-1", d(2025, 4, 1), Decimal("1.00"), Decimal("0.00")),
        Waiver(d(2025, 4, 1), Decimal("1.00"), Decimal("0.00"), "goodwill", ACTOR),
        claim_,
        claim_.periods[0],
        claim_.allocations[0],
        claim_.rules[0],
    ]
    for value in values:
        field = dataclasses.fields(value)[0].name
        with pytest.raises(dataclasses.FrozenInstanceError):
            setattr(value, field, None)


def test_a_claim_before_the_issue_date_is_refused_with_its_rule() -> None:
    with pytest.raises(InvalidInput) as refused:
        compute_claim(facts(), TABLE, d(2025, 2, 28))
    assert refused.value.rule == "as_of_after_issue"


# ------------------------------------------------------------------ exact amounts


def test_a_period_amount_is_kept_to_forty_significant_digits() -> None:
    # 1000.00 × 13.15 × 30 / 36500 = 789/73 = 10.80821917 80821917 ... (period of eight digits)
    claim_ = compute_claim(facts(), TABLE, d(2025, 4, 30))

    [period] = claim_.periods
    assert period.amount == Decimal("10.80821917808219178082191780821917808219")
    assert claim_.penalties == Decimal("10.81")


def test_a_partial_payment_on_the_due_date_lowers_the_base_from_the_first_day_of_delay() -> None:
    claim_ = compute_claim(facts(d(2025, 3, 31), paid(d(2025, 3, 31), "400.00")), TABLE, d(2025, 4, 30))

    assert [(p.start, p.end, p.days, p.base) for p in claim_.periods] == [
        (d(2025, 4, 1), d(2025, 4, 30), 30, Decimal("600.00"))
    ]


# ------------------------------------------------------------------- the rules


def test_a_professional_claim_states_its_rules_in_order_with_their_references() -> None:
    claim_ = compute_claim(facts(), TABLE, d(2025, 4, 30))

    assert rules(claim_) == [
        ("penalties_from_due_date", "Code de commerce L441-10 II"),
        ("default_rate", "Code de commerce L441-10 II"),
        ("rate_source", "ECB main refinancing operations rate 2025H1"),
        ("simple_interest", "Code de commerce L441-10 II; legal.md §1"),
        ("imputation_principal_first", "Code civil 1342-10"),
        ("recovery_indemnity", "Code de commerce L441-10 II, D441-5"),
        ("total", "legal.md §1–2"),
    ]
    assert "interest paid beyond" not in text_of(claim_, "total")
    assert "not yet the case" not in text_of(claim_, "imputation_principal_first")


def test_a_claim_on_the_due_date_says_the_invoice_is_not_late_yet() -> None:
    assert rules(compute_claim(facts(), TABLE, d(2025, 3, 31)))[:2] == [
        ("penalties_from_due_date", "Code de commerce L441-10 II"),
        ("not_late", "Code de commerce L441-10 II"),
    ]


def test_a_contractual_rate_is_stated_and_never_provisional() -> None:
    # 2026H2 is not in the table: the contractual rate needs none.
    invoice = facts(d(2026, 7, 31), contractual_rate=Decimal("15.00"))

    claim_ = compute_claim(invoice, TABLE, d(2026, 8, 30))

    assert ("contractual_rate", "Code de commerce L441-10 II") in rules(claim_)
    assert "default_rate" not in codes(claim_)
    assert not claim_.provisional
    assert {p.rate for p in claim_.periods} == {Decimal("15.00")}


def test_a_consumer_claim_states_why_there_are_no_penalties_and_since_when_interest_runs() -> None:
    invoice = facts(
        kind=DebtorKind.CONSUMER, contractual_rate=Decimal("15.00"), notices=(NoticeFact(d(2025, 4, 10), False),)
    )

    claim_ = compute_claim(invoice, TABLE, d(2025, 4, 30))

    assert rules(claim_)[:3] == [
        ("consumer_no_penalties", "Code de commerce L441-10 II, D441-5; legal.md §4"),
        ("consumer_contractual_rate_not_applied", "legal.md §4"),
        ("moratory_interest", "Code civil 1231-6, 1344-1"),
    ]
    assert rules(claim_)[3] == ("rate_source", "taux d'intérêt légal 2025H1")
    assert {p.rate for p in claim_.periods} == {Decimal("3.71")}


def test_a_consumer_without_a_contractual_rate_gets_no_note_about_it() -> None:
    invoice = facts(kind=DebtorKind.CONSUMER, notices=(NoticeFact(d(2025, 4, 10), False),))

    assert "consumer_contractual_rate_not_applied" not in codes(compute_claim(invoice, TABLE, d(2025, 4, 30)))


def test_a_consumer_notice_sent_on_the_claim_date_starts_interest_the_next_day() -> None:
    invoice = facts(kind=DebtorKind.CONSUMER, notices=(NoticeFact(d(2025, 4, 30), False),))

    on_the_day = compute_claim(invoice, TABLE, d(2025, 4, 30))
    day_before = compute_claim(invoice, TABLE, d(2025, 4, 29))

    assert "moratory_interest" in codes(on_the_day)
    assert (on_the_day.accrual_start, on_the_day.total) == (None, Decimal("1000.00"))
    assert ("no_formal_notice", "Code civil 1231-6, 1344-1") in rules(day_before)
    assert "moratory_interest" not in codes(day_before)


def test_a_provisional_rate_is_stated_once_and_not_as_a_published_source() -> None:
    # 2026H2 is past the table: the 2026H1 ECB rate (2.15) is carried forward.
    claim_ = compute_claim(facts(d(2026, 7, 31)), TABLE, d(2026, 8, 30))

    assert claim_.provisional
    assert ("provisional_rate", "ECB main refinancing operations rate 2026H2") in rules(claim_)
    assert "rate_source" not in codes(claim_)


def test_a_rate_source_names_who_published_it_and_when_only_when_known() -> None:
    half_year = HalfYear.parse("2025H1")
    published = PublishedRate(
        RateKind.ECB_MRO, half_year, Decimal("3.15"), d(2025, 1, 1), "BCE", "manager:carol", d(2025, 1, 2)
    )
    rates = [published if (r.kind, r.half_year) == (RateKind.ECB_MRO, half_year) else r for r in legal_md_rates()]

    by_hand = compute_claim(facts(), RateTable(rates), d(2025, 4, 30))
    shipped = compute_claim(facts(), TABLE, d(2025, 4, 30))

    assert ", published by manager:carol on 2025-01-02" in text_of(by_hand, "rate_source")
    assert "published by" not in text_of(shipped, "rate_source")


def test_a_dispute_opened_on_the_claim_date_is_stated_as_not_stopping_penalties() -> None:
    invoice = facts(disputes_opened=(d(2025, 4, 30), d(2025, 5, 1)))

    claim_ = compute_claim(invoice, TABLE, d(2025, 4, 30))

    assert codes(claim_).count("dispute_does_not_stop") == 1


def test_interest_first_not_yet_claimed_says_so_and_stays_principal_first() -> None:
    claim_ = compute_claim(facts(), TABLE, d(2025, 4, 30), INTEREST_FIRST)

    assert "not yet the case" in text_of(claim_, "imputation_principal_first")
    assert "imputation_interest_first" not in codes(claim_)


def test_a_charges_claim_under_principal_first_is_not_stated_as_interest_first() -> None:
    invoice = facts(notices=(NoticeFact(d(2025, 4, 10), True),))

    assert "imputation_interest_first" not in codes(compute_claim(invoice, TABLE, d(2025, 4, 30)))


def test_charges_invoiced_and_waived_are_stated_and_interest_paid_beyond_them_is_deducted() -> None:
    billed = ChargesInvoice("FP-1", d(2025, 4, 30), Decimal("2.00"), Decimal("0.00"))
    waiver = Waiver(d(2025, 4, 30), Decimal("0.00"), Decimal("40.00"), "goodwill", "manager:carol")
    invoice = facts(d(2025, 3, 31), paid(d(2025, 4, 30), "5.00"), charges_invoices=(billed,), waivers=(waiver,))

    claim_ = compute_claim(invoice, TABLE, d(2025, 4, 30), INTEREST_FIRST)

    # claimed by the charges invoice of 30 April: the 5.00 paid that day go to the 10.81 accrued
    assert claim_.interest_paid == Decimal("5.00")
    assert claim_.already_invoiced == Decimal("2.00")
    assert {("already_invoiced", "LateChargesInvoiced"), ("waived", "LateChargesWaived")} <= set(rules(claim_))
    assert "interest paid beyond what was invoiced" in text_of(claim_, "total")
    # 1000.00 + 10.81 + 40.00 − 40.00 − 2.00 − (5.00 − 2.00)
    assert claim_.total == Decimal("1005.81")


def test_an_interest_waiver_dated_on_the_payment_day_is_deducted_before_imputing_it() -> None:
    notice = NoticeFact(d(2025, 4, 1), claims_charges=True)
    waiver = Waiver(d(2025, 4, 30), Decimal("4.00"), Decimal("0.00"), "goodwill", "manager:carol")
    invoice = facts(d(2025, 3, 31), paid(d(2025, 4, 30), "20.00"), notices=(notice,), waivers=(waiver,))

    claim_ = compute_claim(invoice, TABLE, d(2025, 4, 30), INTEREST_FIRST)

    # 10.81 accrued by 30 April, 4.00 waived that day: 6.81 to interest, 13.19 to the principal
    [allocation] = claim_.allocations
    assert (allocation.to_interest, allocation.to_principal) == (Decimal("6.81"), Decimal("13.19"))


def test_the_earliest_claim_of_charges_starts_interest_first_and_later_ones_do_not_count() -> None:
    notices = (NoticeFact(d(2025, 4, 20), True), NoticeFact(d(2025, 5, 20), True), NoticeFact(d(2025, 4, 5), False))
    billed = ChargesInvoice("FP-1", d(2025, 4, 25), Decimal("1.00"), Decimal("0.00"))
    invoice = facts(d(2025, 3, 31), notices=notices, charges_invoices=(billed,))

    claim_ = compute_claim(invoice, TABLE, d(2025, 5, 10), INTEREST_FIRST)
    before = compute_claim(invoice, TABLE, d(2025, 4, 19), INTEREST_FIRST)

    assert "claimed on 2025-04-20" in text_of(claim_, "imputation_interest_first")
    assert "imputation_interest_first" not in codes(before)


def test_a_notice_claiming_charges_on_the_claim_date_counts() -> None:
    invoice = facts(d(2025, 3, 31), notices=(NoticeFact(d(2025, 4, 30), True),))

    claim_ = compute_claim(invoice, TABLE, d(2025, 4, 30), INTEREST_FIRST)

    assert "claimed on 2025-04-30" in text_of(claim_, "imputation_interest_first")


# ------------------------------------------------------------- facts of a receivable


@pytest.mark.parametrize(
    ("interest", "indemnity", "claims_charges"),
    [("0.00", "0.00", False), ("0.01", "0.00", True), ("0.00", "0.01", True), ("0.00", "40.00", True)],
)
def test_a_notice_claims_charges_when_it_claims_any_interest_or_indemnity(
    interest: str, indemnity: str, claims_charges: bool
) -> None:
    receivable = issued_receivable()
    receivable.send_formal_notice(
        channel=NoticeChannel.REGISTERED_LETTER,
        sent_on=d(2024, 3, 20),
        deadline=d(2024, 3, 28),
        claimed=claim(interest=interest, indemnity=indemnity),
        document_sha256=DOCUMENT,
        now=at(TODAY),
        actor=ACTOR,
    )

    [notice] = ClaimFacts.of(receivable).notices
    assert notice == NoticeFact(d(2024, 3, 20), claims_charges)


def test_a_due_date_set_by_law_is_stated_in_the_claim_with_its_article() -> None:
    claim = compute_claim(facts(due_date_by_law=True), TABLE, date(2025, 5, 31))
    stated = [r for r in claim.rules if r.code == "due_date_set_by_law"]
    assert [(r.reference, str(MAR31) in r.text) for r in stated] == [("Code de commerce L441-10 I", True)]


def test_a_due_date_the_invoice_gave_is_not_said_to_be_set_by_law() -> None:
    claim = compute_claim(facts(), TABLE, date(2025, 5, 31))
    assert "due_date_set_by_law" not in [r.code for r in claim.rules]


def test_an_invoice_whose_payment_terms_carry_the_importers_note_has_a_due_date_set_by_law() -> None:
    noted = issued_receivable(payment_terms=f"Net 30 — {LEGAL_DUE_DATE_NOTE} : délai légal de 30 jours")
    assert ClaimFacts.of(noted).due_date_by_law
    assert not ClaimFacts.of(issued_receivable(payment_terms="30 jours fin de mois")).due_date_by_law
    assert not ClaimFacts.of(issued_receivable()).due_date_by_law
