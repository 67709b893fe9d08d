"""Which receivables a bank credit pays (domain/payment_matching.py)."""

from __future__ import annotations

import random
from datetime import date
from decimal import Decimal
from uuid import uuid4

from domain.payment_matching import (
    BankCredit,
    Candidate,
    CandidatePool,
    Matched,
    MatchRule,
    Unmatched,
    match_credit,
    numbers_in,
)

DUPONT, MARTIN = uuid4(), uuid4()


def candidate(number: str, outstanding: str, debtor: object = DUPONT, *, is_open: bool = True) -> Candidate:
    return Candidate(uuid4(), number, debtor, Decimal(outstanding), "EUR", is_open=is_open)  # type: ignore[arg-type]


def credit(amount: str, remittance: str = "", currency: str = "EUR") -> BankCredit:
    return BankCredit("REF-1", Decimal(amount), currency, date(2026, 6, 12), remittance, "DUPONT")


def paid(decision: Matched | Unmatched) -> list[tuple[str, str]]:
    assert isinstance(decision, Matched), decision
    return [(a.invoice_number, str(a.amount)) for a in decision.allocations]


def test_an_exact_invoice_number_in_the_remittance_matches_it() -> None:
    invoices = [candidate("F-2026-001", "1200.00"), candidate("F-2026-002", "1200.00")]

    decision = match_credit(credit("1200.00", "VIR SEPA F-2026-002"), invoices)

    assert paid(decision) == [("F-2026-002", "1200.00")]
    assert isinstance(decision, Matched) and decision.rule is MatchRule.REFERENCE


def test_a_number_with_noise_lowercase_spaces_and_a_prefix_still_matches() -> None:
    invoices = [candidate("F-2026-001", "500.00"), candidate("12345", "80.00")]

    assert paid(match_credit(credit("500.00", "paiement f 2026/001 merci"), invoices)) == [("F-2026-001", "500.00")]
    assert paid(match_credit(credit("80.00", "FACT12345"), invoices)) == [("12345", "80.00")]


def test_a_number_is_not_found_inside_a_longer_one() -> None:
    invoices = [candidate("F-12", "100.00"), candidate("F-123", "100.00")]

    assert [c.invoice_number for c in numbers_in("VIR F-123", invoices)] == ["F-123"]
    assert [c.invoice_number for c in numbers_in("VIR F-1234", invoices)] == []
    assert [c.invoice_number for c in numbers_in("VIR F-12 ET AUTRES", invoices)] == ["F-12"]


def test_without_a_number_the_one_open_invoice_owing_the_amount_matches() -> None:
    invoices = [candidate("F-1", "300.00"), candidate("F-2", "450.00", MARTIN)]

    decision = match_credit(credit("450.00", "VIREMENT"), invoices)

    assert paid(decision) == [("F-2", "450.00")]
    assert isinstance(decision, Matched) and decision.rule is MatchRule.AMOUNT


def test_two_invoices_owing_the_amount_are_ambiguous() -> None:
    invoices = [candidate("F-1", "450.00"), candidate("F-2", "450.00", MARTIN)]

    decision = match_credit(credit("450.00", "VIREMENT"), invoices)

    assert isinstance(decision, Unmatched)
    assert decision.reason == "ambiguous_amount" and "2 candidates" in decision.detail


def test_an_identified_payer_narrows_the_amount_search_to_its_invoices() -> None:
    invoices = [candidate("F-1", "450.00"), candidate("F-2", "450.00", MARTIN)]

    decision = match_credit(credit("450.00", "VIREMENT"), invoices, payer_debtor_ids=frozenset({MARTIN}))

    assert paid(decision) == [("F-2", "450.00")]


def test_neither_number_nor_amount_leaves_the_credit_unmatched() -> None:
    decision = match_credit(credit("99.99", "VIREMENT"), [candidate("F-1", "450.00")])

    assert isinstance(decision, Unmatched) and decision.reason == "no_reference_no_amount_match"


def test_a_partial_payment_goes_to_the_invoice_it_names() -> None:
    assert paid(match_credit(credit("400.00", "F-1 acompte"), [candidate("F-1", "1200.00")])) == [("F-1", "400.00")]


def test_an_overpayment_goes_whole_to_the_invoice_it_names() -> None:
    assert paid(match_credit(credit("1250.00", "F-1"), [candidate("F-1", "1200.00")])) == [("F-1", "1250.00")]


def test_several_numbers_are_paid_in_order_with_the_surplus_to_the_last() -> None:
    invoices = [candidate("F-1", "100.00"), candidate("F-2", "200.00")]

    assert paid(match_credit(credit("310.00", "F-2 F-1"), invoices)) == [("F-2", "200.00"), ("F-1", "110.00")]


def test_a_credit_short_of_several_named_invoices_goes_to_a_person() -> None:
    invoices = [candidate("F-1", "100.00"), candidate("F-2", "200.00")]

    decision = match_credit(credit("250.00", "F-1 F-2"), invoices)

    assert isinstance(decision, Unmatched) and decision.reason == "ambiguous_partial"


def test_a_number_of_a_settled_invoice_is_not_matched_by_amount_elsewhere() -> None:
    invoices = [candidate("F-1", "0.00", is_open=False), candidate("F-2", "100.00")]

    decision = match_credit(credit("100.00", "F-1"), invoices)

    assert isinstance(decision, Unmatched) and decision.reason == "invoice_closed"


def test_another_currency_never_matches() -> None:
    decision = match_credit(credit("100.00", "F-1", currency="USD"), [candidate("F-1", "100.00")])

    assert isinstance(decision, Unmatched)


def test_the_indexed_pool_decides_exactly_what_match_credit_decides() -> None:
    rng = random.Random(16)
    debtors = [uuid4() for _ in range(4)]
    numbers = ["F-12", "F-123", "F12", "12345", "FA-2026-0101", "2026-0101", "AB/7", "7", "ß-1", "SS1"]
    for _ in range(400):
        invoices = [
            Candidate(
                uuid4(),
                rng.choice(numbers),
                rng.choice(debtors),
                Decimal(rng.choice(["10.00", "20.00", "30.00"])),
                rng.choice(["EUR", "EUR", "CHF"]),
                is_open=rng.random() < 0.8,
            )
            for _ in range(rng.randint(0, 8))
        ]
        words = [rng.choice([*numbers, "fact", "merci", "f 12", "fa 2026/0101", "x", "123", "ss 1"]) for _ in range(3)]
        remittance = rng.choice([" ", "-", "", "/", " + "]).join(words)
        bank_credit = BankCredit(
            "R", Decimal(rng.choice(["10.00", "20.00", "30.00", "60.00"])), rng.choice(["EUR", "CHF"]),
            date(2026, 6, 12), remittance, None,
        )  # fmt: skip
        payers = frozenset(rng.sample(debtors, rng.randint(0, 2)))
        pool = CandidatePool(invoices)

        assert pool.match(bank_credit, payer_debtor_ids=payers) == match_credit(
            bank_credit, invoices, payer_debtor_ids=payers
        ), (remittance, invoices)
        if invoices:  # a payment changes a candidate: the pool follows
            changed = invoices[0]
            invoices[0] = Candidate(
                changed.receivable_id, changed.invoice_number, changed.debtor_id, Decimal("0.00"), changed.currency,
                is_open=False,
            )  # fmt: skip
            pool.put(invoices[0])
            assert pool.match(bank_credit, payer_debtor_ids=payers) == match_credit(
                bank_credit, invoices, payer_debtor_ids=payers
            )
