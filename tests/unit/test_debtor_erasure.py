"""Erasure of a natural person's data (GDPR art. 17): who may be erased, and not while a claim is pursued."""

from __future__ import annotations

import pytest

from api.console.timeline import sentence
from domain.debtor import Debtor, DebtorErased, DebtorRegistered, PursuedClaim
from domain.errors import InvalidInput, RuleViolation
from domain.vocabulary import DebtorKind, ReceivableStatus
from tests.unit.builders import ACTOR, DEBTOR_ID, ISSUE_DAY, TODAY, VALID_SIREN, address, at, refused, registered_debtor

OPEN = PursuedClaim("FA-2024-0007", ReceivableStatus.OPEN)
PLAN = PursuedClaim("FA-2024-0003", ReceivableStatus.IN_PAYMENT_PLAN)
LITIGATION = PursuedClaim("FA-2024-0005", ReceivableStatus.ESCALATED)


def sole_trader() -> Debtor:
    return registered_debtor(legal_name="Jean Moreau, plombier", sole_trader=True)


def test_a_consumer_with_a_claim_still_pursued_is_not_erased_and_the_refusal_names_the_invoices() -> None:
    debtor = registered_debtor(DebtorKind.CONSUMER)

    with refused(debtor, RuleViolation, "erasure_claim_pursued"):
        try:
            debtor.erase(reason="demande RGPD", pursued=[OPEN, PLAN, LITIGATION], now=at(TODAY), actor=ACTOR)
        except RuleViolation as error:
            assert "FA-2024-0003 (in_payment_plan), FA-2024-0005 (escalated), FA-2024-0007 (open)" in error.message
            raise

    assert not debtor.erased and debtor.legal_name == "Jeanne Martin"


def test_a_forced_erasure_records_that_it_was_forced_and_what_was_pursued() -> None:
    debtor = registered_debtor(DebtorKind.CONSUMER)

    event = debtor.erase(
        reason="Décision du responsable : créance abandonnée", pursued=[OPEN, LITIGATION], force=True,
        now=at(TODAY), actor="manager:paul",
    )  # fmt: skip

    assert isinstance(event, DebtorErased)
    assert event.data() == {
        "reason": "Décision du responsable : créance abandonnée",
        "forced": True,
        "pursued": ["FA-2024-0005", "FA-2024-0007"],
    }
    assert debtor.erased and debtor.legal_name == "[effacé]" and debtor.address is None


def test_an_erasure_nothing_stood_against_keeps_the_events_former_record() -> None:
    debtor = registered_debtor(DebtorKind.CONSUMER)

    event = debtor.erase(reason="demande RGPD", pursued=[], force=True, now=at(TODAY), actor=ACTOR)

    assert event.data() == {"reason": "demande RGPD"}  # no force was needed: none recorded, the hash as before
    assert event.record()["data"] == {"reason": "demande RGPD"}


def test_a_forced_erasure_still_needs_a_reason() -> None:
    debtor = registered_debtor(DebtorKind.CONSUMER)

    with refused(debtor, InvalidInput, "text_required"):
        debtor.erase(reason="  ", pursued=[OPEN], force=True, now=at(TODAY), actor=ACTOR)


def test_a_sole_trader_is_a_natural_person_whose_data_may_be_erased() -> None:
    debtor = sole_trader()
    assert debtor.natural_person and debtor.kind is DebtorKind.PROFESSIONAL

    debtor.erase(reason="demande RGPD", pursued=[], now=at(TODAY), actor=ACTOR)

    assert debtor.erased and debtor.legal_name == "[effacé]" and debtor.siren == VALID_SIREN  # the SIREN is the firm's


def test_a_sole_traders_claim_still_pursued_refuses_its_erasure_too() -> None:
    debtor = sole_trader()

    with refused(debtor, RuleViolation, "erasure_claim_pursued"):
        debtor.erase(reason="demande RGPD", pursued=[OPEN], now=at(TODAY), actor=ACTOR)


def test_a_company_is_not_erased_even_when_forced() -> None:
    debtor = registered_debtor()
    assert not debtor.natural_person

    with refused(debtor, RuleViolation, "erase_natural_persons_only"):
        debtor.erase(reason="asked", pursued=[], force=True, now=at(TODAY), actor=ACTOR)


def test_a_sole_trader_is_recorded_as_such_and_replays_as_a_natural_person() -> None:
    trader = Debtor.register(
        debtor_id=DEBTOR_ID, legal_name="Jean Moreau", kind=DebtorKind.PROFESSIONAL, address=address(),
        siren_number=VALID_SIREN, sole_trader=True, now=at(ISSUE_DAY), actor=ACTOR,
    )  # fmt: skip

    [registered] = trader.collect_events()
    replayed = Debtor.replay([registered])

    assert isinstance(registered, DebtorRegistered) and registered.data()["sole_trader"] is True
    assert replayed is not None and replayed.natural_person and replayed.sole_trader


def test_a_company_registration_records_no_sole_trader_field() -> None:
    company = Debtor.register(
        debtor_id=DEBTOR_ID, legal_name="Maintenance SARL", kind=DebtorKind.PROFESSIONAL, address=address(),
        siren_number=VALID_SIREN, now=at(ISSUE_DAY), actor=ACTOR,
    )  # fmt: skip

    [registered] = company.collect_events()
    assert "sole_trader" not in registered.record()["data"]  # the hashes of earlier registrations hold


def test_a_consumer_is_not_a_sole_trader() -> None:
    with pytest.raises(InvalidInput) as caught:
        registered_debtor(DebtorKind.CONSUMER, sole_trader=True)

    assert caught.value.rule == "sole_trader_professional"


def test_the_timeline_says_an_erasure_was_forced_and_over_which_invoices() -> None:
    debtor = registered_debtor(DebtorKind.CONSUMER)
    event = debtor.erase(reason="créance abandonnée", pursued=[OPEN], force=True, now=at(TODAY), actor=ACTOR)

    said = sentence(event)

    assert "malgré les factures encore poursuivies (FA-2024-0007)" in said and "créance abandonnée" in said
