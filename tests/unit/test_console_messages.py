"""The console's refusals in French: a sentence for every rule the domain and the application raise."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from api.console.messages import REASONS, french_reason
from domain.errors import InvalidInput, RuleViolation, VersionConflict, VersionMismatch

ROOT = Path(__file__).resolve().parents[2]
RULE = re.compile(r'rule="(?P<rule>[a-z_0-9]+)"')


def rules_raised_in(*folders: str) -> set[str]:
    return {
        match.group("rule")
        for folder in folders
        for path in (ROOT / folder).rglob("*.py")
        for match in RULE.finditer(path.read_text(encoding="utf-8"))
    }


def test_the_scan_finds_the_rules_of_the_domain() -> None:
    found = rules_raised_in("domain")
    assert {"receivable_open", "promise_within_outstanding", "date_not_in_future", "contact_exists"} <= found
    assert len(found) > 80


@pytest.mark.parametrize("rule", sorted(rules_raised_in("domain")))
def test_every_rule_raised_in_the_domain_has_a_french_sentence(rule: str) -> None:
    assert rule in REASONS, f"api/console/messages.py has no French sentence for the rule {rule!r}"


@pytest.mark.parametrize("rule", sorted(rules_raised_in("application") | {"receivable_exists", "debtor_exists"}))
def test_every_rule_raised_in_the_application_has_a_french_sentence(rule: str) -> None:
    assert rule in REASONS, f"api/console/messages.py has no French sentence for the rule {rule!r}"


def test_the_document_store_s_refusals_have_a_sentence_shown_beside_the_file() -> None:
    text = (ROOT / "infrastructure" / "documents.py").read_text(encoding="utf-8")
    rules = {match.group("rule") for match in RULE.finditer(text)}
    assert rules and all(REASONS[rule][1] == "file" for rule in rules), rules


def test_the_sentences_are_french_sentences() -> None:
    for rule, (sentence, field) in REASONS.items():
        assert sentence[0].isupper() and sentence.endswith((".", "?")), rule
        assert field is None or re.fullmatch(r"[a-z_]+", field), rule


def test_a_refusal_lands_beside_the_field_the_domain_names() -> None:
    error = RuleViolation("value_date: 2026-07-01 is in the future", rule="date_not_in_future")
    assert french_reason(error) == (REASONS["date_not_in_future"][0], "value_date")


def test_a_nested_field_lands_beside_its_last_name() -> None:
    error = RuleViolation("claimed.principal: 1300 is more than the 1200 outstanding", rule="something_new")
    sentence, field = french_reason(error)
    assert field == "principal"
    assert sentence.startswith("Refusé : ")


def test_the_table_s_field_wins_over_the_message() -> None:
    error = RuleViolation("bank reference VIR-1 was recorded for another payment", rule="payment_reference_unique")
    assert french_reason(error)[1] == "bank_reference"


def test_an_edit_made_meanwhile_is_reported_as_such() -> None:
    for error in (VersionMismatch("expected 3", rule="if_match"), VersionConflict("lost", rule="concurrent_write")):
        sentence, field = french_reason(error)
        assert "modifié par quelqu'un d'autre" in sentence and "rien n'a été enregistré" in sentence
        assert field is None


def test_an_unknown_rule_still_says_something() -> None:
    assert french_reason(InvalidInput("weird: nope", rule="never_seen")) == ("Refusé : weird: nope", "weird")
