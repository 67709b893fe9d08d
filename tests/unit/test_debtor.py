"""The Debtor aggregate: identification, contacts, insolvency and erasure."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any
from uuid import UUID

import pytest

from domain.canonical import GENESIS_HASH
from domain.debtor import (
    ClaimDeclared,
    ContactAdded,
    ContactChanged,
    CreditLimitSet,
    Debtor,
    DebtorErased,
    DebtorRegistered,
    ElectronicDeliveryConsented,
    InsolvencyOpened,
    PolicyAssigned,
    PriorityChanged,
)
from domain.errors import InvalidInput, RuleViolation
from domain.values import Money
from domain.vocabulary import ContactRole, DebtorKind, InsolvencyProcedure, Priority
from tests.unit.builders import (
    ACTOR,
    DEBTOR_ID,
    ISSUE_DAY,
    PROOF,
    TODAY,
    VALID_SIREN,
    VALID_SIRET,
    address,
    at,
    eur,
    refused,
    registered_debtor,
)

CONTACT_ID = UUID("0b7e4c1a-2f3d-4e5a-9b6c-7d8e9f0a1b2c")


def with_contact(debtor: Debtor, **overrides: object) -> Debtor:
    fields: dict[str, object] = {
        "contact_id": CONTACT_ID,
        "role": ContactRole.ACCOUNTS_PAYABLE,
        "name": "Paul Durand",
        "email": "compta@example.fr",
        "phone": "+33 1 23 45 67 89",
        "now": at(TODAY),
        "actor": ACTOR,
    }
    fields.update(overrides)
    debtor.add_contact(**fields)  # type: ignore[arg-type]
    debtor.collect_events()
    return debtor


def in_insolvency(debtor: Debtor, *, publication_date: date = date(2024, 3, 1)) -> Debtor:
    debtor.open_insolvency(
        procedure=InsolvencyProcedure.RECEIVERSHIP,
        court="Tribunal de commerce de Paris",
        judgment_date=min(date(2024, 2, 26), publication_date),
        publication_date=publication_date,
        now=at(TODAY),
        actor=ACTOR,
    )
    debtor.collect_events()
    return debtor


# ------------------------------------------------------------ registration


def test_registering_a_professional_debtor_records_its_identification() -> None:
    debtor = Debtor.register(
        debtor_id=DEBTOR_ID,
        legal_name="  Société Générale de Maintenance ",
        kind=DebtorKind.PROFESSIONAL,
        address=address(country="fr"),
        siren_number="732 829 320",
        now=at(ISSUE_DAY),
        actor=ACTOR,
    )

    [event] = debtor.collect_events()
    assert isinstance(event, DebtorRegistered)
    assert event.originator_id == DEBTOR_ID
    assert event.originator_version == 1
    assert event.previous_hash == GENESIS_HASH
    assert event.actor == ACTOR
    assert event.legal_name == "Société Générale de Maintenance"
    assert event.kind is DebtorKind.PROFESSIONAL
    assert event.siren == "732829320"
    assert event.siret is None
    assert event.address.country == "FR"
    assert debtor.legal_name == "Société Générale de Maintenance"
    assert debtor.version == 1


def test_a_professional_identified_by_its_siret_gets_the_siren_it_contains() -> None:
    debtor = registered_debtor(siren_number=None, siret_number=VALID_SIRET)

    assert debtor.siret == "73282932000074"
    assert debtor.siren == "732829320"


def test_a_consumer_needs_no_siren() -> None:
    debtor = registered_debtor(DebtorKind.CONSUMER)

    assert debtor.kind is DebtorKind.CONSUMER
    assert debtor.siren is None


@pytest.mark.parametrize(
    ("overrides", "rule"),
    [
        ({"siren_number": None}, "professional_siren"),
        ({"siren_number": "732829321"}, "siren_format"),
        ({"siren_number": None, "siret_number": "73282932000075"}, "siret_format"),
        ({"siren_number": "552100554", "siret_number": VALID_SIRET}, "siret_matches_siren"),
        ({"legal_name": "  "}, "text_required"),
        ({"address": address(lines=[])}, "address_lines"),
        ({"address": address(lines=["a", "b", "c", "d", "e"])}, "address_lines"),
        ({"address": address(country="F1")}, "country_format"),
    ],
)
def test_a_debtor_with_bad_identification_is_refused(overrides: dict[str, Any], rule: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        registered_debtor(**overrides)

    assert caught.value.rule == rule


def test_a_professional_registered_with_a_valid_siren_and_its_siret_keeps_both() -> None:
    debtor = registered_debtor(siren_number=VALID_SIREN, siret_number=VALID_SIRET)

    assert (debtor.siren, debtor.siret) == (VALID_SIREN, VALID_SIRET)


# ----------------------------------------------------------------- contacts


def test_adding_a_contact_records_it() -> None:
    debtor = registered_debtor()

    event = debtor.add_contact(
        contact_id=CONTACT_ID,
        role=ContactRole.ACCOUNTS_PAYABLE,
        name="Paul Durand",
        email=" compta@example.fr ",
        phone="+33 1 23 45 67 89",
        now=at(TODAY),
        actor=ACTOR,
    )

    assert isinstance(event, ContactAdded)
    assert (event.contact_id, event.role, event.name, event.email, event.phone) == (
        CONTACT_ID,
        ContactRole.ACCOUNTS_PAYABLE,
        "Paul Durand",
        "compta@example.fr",
        "+33 1 23 45 67 89",
    )
    assert debtor.contacts[CONTACT_ID].email == "compta@example.fr"
    assert debtor.version == 2


def test_changing_a_contact_replaces_its_details() -> None:
    debtor = with_contact(registered_debtor())

    event = debtor.change_contact(
        contact_id=CONTACT_ID, role=ContactRole.SIGNATORY, name="Paul Durand", email=None, now=at(TODAY), actor=ACTOR
    )

    assert isinstance(event, ContactChanged)
    contact = debtor.contacts[CONTACT_ID]
    assert (contact.role, contact.email, contact.phone) == (ContactRole.SIGNATORY, None, None)


def test_a_contact_id_is_added_once() -> None:
    debtor = with_contact(registered_debtor())

    with refused(debtor, RuleViolation, "contact_unique"):
        with_contact(debtor)


def test_an_unknown_contact_cannot_be_changed() -> None:
    debtor = registered_debtor()

    with refused(debtor, RuleViolation, "contact_exists"):
        debtor.change_contact(
            contact_id=CONTACT_ID, role=ContactRole.OTHER, name="Paul Durand", now=at(TODAY), actor=ACTOR
        )


@pytest.mark.parametrize("email", ["compta.example.fr", "compta @example.fr"])
def test_a_contact_with_a_malformed_email_is_refused(email: str) -> None:
    debtor = registered_debtor()

    with refused(debtor, InvalidInput, "email_format"):
        with_contact(debtor, email=email)


def test_a_contact_needs_a_name() -> None:
    debtor = registered_debtor()

    with refused(debtor, InvalidInput, "text_required"):
        with_contact(debtor, name=" ")


# ---------------------------------------------------- limits and settings


def test_setting_a_credit_limit_records_the_amount_and_currency() -> None:
    debtor = registered_debtor()

    event = debtor.set_credit_limit(limit=eur("500"), now=at(TODAY), actor=ACTOR)

    assert isinstance(event, CreditLimitSet)
    assert (event.limit, event.currency) == (Decimal("500.00"), "EUR")
    assert debtor.credit_limit == Money(Decimal("500.00"), "EUR")


def test_a_credit_limit_may_be_zero_but_never_a_float() -> None:
    debtor = registered_debtor()
    debtor.set_credit_limit(limit=eur("0"), now=at(TODAY), actor=ACTOR)
    debtor.collect_events()

    with refused(debtor, InvalidInput, "amount_format"):
        debtor.set_credit_limit(limit=Money(500.0, "EUR"), now=at(TODAY), actor=ACTOR)  # type: ignore[arg-type]


def test_changing_the_priority_records_it_and_the_same_priority_is_refused() -> None:
    debtor = registered_debtor()

    event = debtor.change_priority(priority=Priority.HIGH, now=at(TODAY), actor=ACTOR)

    assert isinstance(event, PriorityChanged)
    assert debtor.priority is Priority.HIGH
    debtor.collect_events()
    with refused(debtor, RuleViolation, "priority_changes"):
        debtor.change_priority(priority=Priority.HIGH, now=at(TODAY), actor=ACTOR)


def test_assigning_a_policy_records_it() -> None:
    debtor = registered_debtor()

    event = debtor.assign_policy(policy_id="small-invoices", now=at(TODAY), actor=ACTOR)

    assert isinstance(event, PolicyAssigned)
    assert debtor.policy_id == "small-invoices"


def test_consent_to_electronic_delivery_is_recorded_with_its_proof() -> None:
    debtor = registered_debtor(DebtorKind.CONSUMER)

    event = debtor.consent_to_electronic_delivery(
        consented_on=date(2024, 3, 1), proof_sha256=PROOF, now=at(TODAY), actor=ACTOR
    )

    assert isinstance(event, ElectronicDeliveryConsented)
    assert (event.consented_on, event.proof_sha256) == (date(2024, 3, 1), PROOF)
    assert debtor.electronic_delivery_consented_on == date(2024, 3, 1)


def test_consent_given_in_the_future_is_refused() -> None:
    debtor = registered_debtor(DebtorKind.CONSUMER)

    with refused(debtor, RuleViolation, "date_not_in_future"):
        debtor.consent_to_electronic_delivery(consented_on=date(2024, 4, 3), now=at(TODAY), actor=ACTOR)


# --------------------------------------------------------------- insolvency


def test_opening_insolvency_records_the_procedure_and_starts_the_declaration_deadline() -> None:
    debtor = registered_debtor()

    event = debtor.open_insolvency(
        procedure=InsolvencyProcedure.LIQUIDATION,
        court="Tribunal de commerce de Lyon",
        judgment_date=date(2024, 2, 26),
        publication_date=date(2024, 3, 1),
        now=at(TODAY),
        actor=ACTOR,
    )

    assert isinstance(event, InsolvencyOpened)
    assert (event.procedure, event.court, event.judgment_date, event.publication_date) == (
        InsolvencyProcedure.LIQUIDATION,
        "Tribunal de commerce de Lyon",
        date(2024, 2, 26),
        date(2024, 3, 1),
    )
    assert debtor.in_insolvency
    assert debtor.claim_declaration_deadline == date(2024, 5, 1)  # two months after the BODACC publication


def test_a_debtor_without_insolvency_has_no_declaration_deadline() -> None:
    assert registered_debtor().claim_declaration_deadline is None


@pytest.mark.parametrize(
    ("publication_date", "deadline"),
    [
        (date(2024, 1, 15), date(2024, 3, 15)),
        (date(2023, 7, 15), date(2023, 9, 15)),
        (date(2023, 12, 31), date(2024, 2, 29)),  # leap year: the month's last day
        (date(2022, 12, 31), date(2023, 2, 28)),
        (date(2023, 11, 30), date(2024, 1, 30)),
    ],
)
def test_the_declaration_deadline_is_two_calendar_months_after_publication(
    publication_date: date, deadline: date
) -> None:
    debtor = in_insolvency(registered_debtor(), publication_date=publication_date)

    assert debtor.claim_declaration_deadline == deadline


def test_insolvency_is_opened_once() -> None:
    debtor = in_insolvency(registered_debtor())

    with refused(debtor, RuleViolation, "one_insolvency"):
        in_insolvency(debtor)


@pytest.mark.parametrize(
    ("judgment_date", "publication_date", "rule"),
    [
        (date(2024, 4, 3), date(2024, 4, 3), "date_not_in_future"),
        (date(2024, 3, 1), date(2024, 4, 3), "date_not_in_future"),
        (date(2024, 3, 1), date(2024, 2, 28), "date_order"),
    ],
)
def test_insolvency_dates_must_have_happened_in_order(judgment_date: date, publication_date: date, rule: str) -> None:
    debtor = registered_debtor()

    with refused(debtor, RuleViolation, rule):
        debtor.open_insolvency(
            procedure=InsolvencyProcedure.SAFEGUARD,
            court="Tribunal de commerce de Paris",
            judgment_date=judgment_date,
            publication_date=publication_date,
            now=at(TODAY),
            actor=ACTOR,
        )


def test_declaring_a_claim_records_the_amount_and_the_administrator() -> None:
    debtor = in_insolvency(registered_debtor())

    event = debtor.declare_claim(
        declared_on=date(2024, 3, 15),
        declared=eur("1240.00"),
        administrator="Me Dupont, mandataire judiciaire",
        now=at(TODAY),
        actor=ACTOR,
    )

    assert isinstance(event, ClaimDeclared)
    assert (event.declared_on, event.amount, event.administrator) == (
        date(2024, 3, 15),
        Decimal("1240.00"),
        "Me Dupont, mandataire judiciaire",
    )
    assert debtor.claims_declared == [event]


def test_a_claim_is_declared_only_in_insolvency_proceedings() -> None:
    debtor = registered_debtor()

    with refused(debtor, RuleViolation, "insolvency_open"):
        debtor.declare_claim(
            declared_on=date(2024, 3, 15),
            declared=eur("1240.00"),
            administrator="Me Dupont",
            now=at(TODAY),
            actor=ACTOR,
        )


@pytest.mark.parametrize("declared_on", [date(2024, 2, 25), date(2024, 4, 3)])
def test_a_claim_is_declared_between_the_judgment_and_today(declared_on: date) -> None:
    debtor = in_insolvency(registered_debtor())

    with refused(debtor, RuleViolation, "date_order"):
        debtor.declare_claim(
            declared_on=declared_on, declared=eur("1240.00"), administrator="Me Dupont", now=at(TODAY), actor=ACTOR
        )


# ------------------------------------------------------------------ erasure


def test_erasing_a_consumer_blanks_its_personal_data() -> None:
    debtor = with_contact(registered_debtor(DebtorKind.CONSUMER))

    event = debtor.erase(reason="GDPR request after the claim was paid", now=at(TODAY), actor=ACTOR)

    assert isinstance(event, DebtorErased)
    assert event.data() == {"reason": "GDPR request after the claim was paid"}
    assert debtor.erased
    assert debtor.legal_name == "[effacé]"
    assert debtor.address is None
    assert debtor.contacts == {}


def test_a_professional_debtor_is_not_erased() -> None:
    debtor = registered_debtor()

    with refused(debtor, RuleViolation, "erase_natural_persons_only"):
        debtor.erase(reason="asked", now=at(TODAY), actor=ACTOR)


def test_an_erased_debtor_takes_no_new_personal_data_and_is_not_erased_twice() -> None:
    debtor = registered_debtor(DebtorKind.CONSUMER)
    debtor.erase(reason="GDPR request", now=at(TODAY), actor=ACTOR)
    debtor.collect_events()

    with refused(debtor, RuleViolation, "debtor_not_erased"):
        with_contact(debtor)
    with refused(debtor, RuleViolation, "debtor_not_erased"):
        debtor.erase(reason="again", now=at(TODAY), actor=ACTOR)


def test_replaying_a_debtors_events_gives_the_same_debtor() -> None:
    debtor = Debtor.register(
        debtor_id=DEBTOR_ID,
        legal_name="Jeanne Martin",
        kind=DebtorKind.CONSUMER,
        address=address(),
        now=at(ISSUE_DAY),
        actor=ACTOR,
    )
    debtor.add_contact(contact_id=CONTACT_ID, role=ContactRole.OTHER, name="Jeanne Martin", now=at(TODAY), actor=ACTOR)
    debtor.erase(reason="GDPR request", now=at(TODAY, seconds=1), actor=ACTOR)

    replayed = Debtor.replay(debtor.collect_events())

    assert replayed is not None
    assert (replayed.version, replayed.head, replayed.erased, replayed.contacts, replayed.legal_name) == (
        3,
        debtor.head,
        True,
        {},
        "[effacé]",
    )


def test_letters_and_calls_go_to_the_accounts_payable_contact_and_e_mails_to_one_that_has_an_address() -> None:
    debtor = registered_debtor()
    assert debtor.preferred_contact() is None
    buyer, payables = UUID(int=1), UUID(int=2)
    debtor.add_contact(contact_id=buyer, role=ContactRole.PURCHASING, name="Karim Benali", email="k@brc.example",
                       now=at(TODAY), actor=ACTOR)  # fmt: skip
    debtor.add_contact(contact_id=payables, role=ContactRole.ACCOUNTS_PAYABLE, name="Nathalie Perrin",
                       phone="04 72 34 18 60", now=at(TODAY), actor=ACTOR)  # fmt: skip
    preferred = debtor.preferred_contact()
    by_email = debtor.preferred_contact(with_email=True)
    assert preferred is not None and preferred.contact_id == payables
    assert by_email is not None and by_email.contact_id == buyer
