"""Payment matching rules at their edges (docs/imports.md): what a number names, how a credit is split."""

from __future__ import annotations

import dataclasses
from datetime import date
from decimal import Decimal
from uuid import uuid4

import pytest

from domain.payment_matching import BankCredit, Candidate, Matched, MatchRule, Unmatched, match_credit, numbers_in

DUPONT = uuid4()


def candidate(number: str, outstanding: str = "100.00") -> Candidate:
    return Candidate(uuid4(), number, DUPONT, Decimal(outstanding), "EUR")


def credit(amount: str, remittance: str) -> BankCredit:
    return BankCredit("REF-1", Decimal(amount), "EUR", date(2026, 6, 12), remittance, "DUPONT")


def named(remittance: str, *numbers: str) -> list[str]:
    return [c.invoice_number for c in numbers_in(remittance, [candidate(n) for n in numbers])]


def paid(decision: Matched | Unmatched) -> list[tuple[str, str]]:
    assert isinstance(decision, Matched), decision
    assert decision.rule is MatchRule.REFERENCE
    return [(a.invoice_number, str(a.amount)) for a in decision.allocations]


@pytest.mark.parametrize("remittance", ["VIR 912345", "FAC-0912345", "912345"])
def test_a_number_starting_with_a_digit_is_not_found_after_another_digit(remittance: str) -> None:
    assert named(remittance, "12345") == []


@pytest.mark.parametrize("remittance", ["FACT12345", "FACTURE 12345", "n°12345"])
def test_a_number_starting_with_a_digit_is_found_after_letters_or_a_separator(remittance: str) -> None:
    assert named(remittance, "12345") == ["12345"]


@pytest.mark.parametrize("remittance", ["REF12", "VIR REF-12", "AF12"])
def test_a_number_starting_with_a_letter_is_not_found_after_another_letter(remittance: str) -> None:
    assert named(remittance, "F-12") == []


def test_a_number_starting_with_a_letter_is_found_after_a_separator() -> None:
    assert named("VIR/F12 merci", "F-12") == ["F-12"]


def test_when_one_named_number_lies_inside_a_longer_one_the_longer_wins() -> None:
    assert named("paiement F-2025-1-2", "F-2025-1", "F-2025-1-2") == ["F-2025-1-2"]
    assert named("paiement F-2025-1 F-2025-1-2", "F-2025-1", "F-2025-1-2") == ["F-2025-1", "F-2025-1-2"]


def test_two_numbers_written_alike_but_for_their_separators_are_both_named() -> None:
    assert named("F 12", "F-12", "F/12") == ["F-12", "F/12"]


def test_named_numbers_come_in_the_order_they_appear() -> None:
    assert named("F-3 puis F-1 et F-2", "F-1", "F-2", "F-3") == ["F-3", "F-1", "F-2"]


def test_a_number_with_no_letter_or_digit_names_nothing() -> None:
    assert named("- / -", "-/") == []


def test_a_credit_exactly_paying_two_named_invoices_settles_both() -> None:
    invoices = [candidate("F-1", "100.00"), candidate("F-2", "200.00")]

    assert paid(match_credit(credit("300.00", "F-1 F-2"), invoices)) == [("F-1", "100.00"), ("F-2", "200.00")]


def test_the_surplus_goes_to_the_last_of_three_named_invoices() -> None:
    invoices = [candidate("F-1", "100.00"), candidate("F-2", "200.00"), candidate("F-3", "300.00")]

    assert paid(match_credit(credit("650.00", "F-1 F-2 F-3"), invoices)) == [
        ("F-1", "100.00"),
        ("F-2", "200.00"),
        ("F-3", "350.00"),
    ]


def test_a_named_open_invoice_owing_nothing_gets_no_allocation() -> None:
    invoices = [candidate("F-1", "0.00"), candidate("F-2", "200.00")]

    assert paid(match_credit(credit("200.00", "F-1 F-2"), invoices)) == [("F-2", "200.00")]


def test_a_credit_short_of_two_named_invoices_says_what_it_pays_and_what_is_owed() -> None:
    invoices = [candidate("F-1", "100.00"), candidate("F-2", "200.00")]

    decision = match_credit(credit("299.99", "F-1 F-2"), invoices)

    assert decision == Unmatched(
        "ambiguous_partial", "299.99 pays part of F-1, F-2 (300.00 outstanding): which one is a person's call"
    )


def test_a_shorter_number_ending_where_a_longer_one_ends_is_not_named() -> None:
    assert named("paiement F-2025-1-2", "1-2", "F-2025-1-2") == ["F-2025-1-2"]


def test_a_named_invoice_owing_less_than_one_euro_gets_its_cents() -> None:
    invoices = [candidate("F-1", "0.50"), candidate("F-2", "200.00")]

    assert paid(match_credit(credit("200.50", "F-1 F-2"), invoices)) == [("F-1", "0.50"), ("F-2", "200.00")]


def test_the_rules_are_named_reference_and_amount() -> None:
    assert [r.value for r in MatchRule] == ["reference", "amount"]


def test_a_credit_a_candidate_and_a_decision_cannot_be_altered() -> None:
    invoice = candidate("F-1", "100.00")
    bank_line = credit("100.00", "F-1")
    matched = match_credit(bank_line, [invoice])
    unmatched = match_credit(credit("1.00", "?"), [invoice])
    assert isinstance(matched, Matched)
    values = [invoice, bank_line, matched, matched.allocations[0], unmatched]
    for value in values:
        field = dataclasses.fields(value)[0].name
        with pytest.raises(dataclasses.FrozenInstanceError):
            setattr(value, field, None)
