"""The Debtor's rules at their limits: text lengths and the fields errors name, dates on today, erasure, contacts."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import date
from uuid import UUID

import pytest

from domain.debtor import Debtor
from domain.errors import InvalidInput, RuleViolation
from domain.values import Money
from domain.vocabulary import ContactRole, DebtorKind, InsolvencyProcedure
from tests.unit.builders import ACTOR, TODAY, address, at, eur, refused, registered_debtor

CONTACT_ID = UUID("0b7e4c1a-2f3d-4e5a-9b6c-7d8e9f0a1b2c")


def _insolvent(*, judgment_date: date = date(2024, 2, 26), publication_date: date = date(2024, 3, 1)) -> Debtor:
    debtor = registered_debtor()
    debtor.open_insolvency(
        procedure=InsolvencyProcedure.RECEIVERSHIP,
        court="Tribunal de commerce de Paris",
        judgment_date=judgment_date,
        publication_date=publication_date,
        now=at(TODAY),
        actor=ACTOR,
    )
    debtor.collect_events()
    return debtor


def _register(value: str) -> object:
    return registered_debtor(legal_name=value)


def _address_line(value: str) -> object:
    return registered_debtor(address=address(lines=[value]))


def _postal_code(value: str) -> object:
    return registered_debtor(address=address(postal_code=value))


def _city(value: str) -> object:
    return registered_debtor(address=address(city=value))


def _contact_name(value: str) -> object:
    return registered_debtor().add_contact(
        contact_id=CONTACT_ID, role=ContactRole.OTHER, name=value, now=at(TODAY), actor=ACTOR
    )


def _contact_phone(value: str) -> object:
    return registered_debtor().add_contact(
        contact_id=CONTACT_ID, role=ContactRole.OTHER, name="Paul Durand", phone=value, now=at(TODAY), actor=ACTOR
    )


def _contact_email(value: str) -> object:
    email = value[:-8] + "@exam.fr"  # still an e-mail address, of the same length
    return registered_debtor().add_contact(
        contact_id=CONTACT_ID, role=ContactRole.OTHER, name="Paul Durand", email=email, now=at(TODAY), actor=ACTOR
    )


def _policy(value: str) -> object:
    return registered_debtor().assign_policy(policy_id=value, now=at(TODAY), actor=ACTOR)


def _court(value: str) -> object:
    return registered_debtor().open_insolvency(
        procedure=InsolvencyProcedure.SAFEGUARD,
        court=value,
        judgment_date=date(2024, 2, 26),
        publication_date=date(2024, 3, 1),
        now=at(TODAY),
        actor=ACTOR,
    )


def _administrator(value: str) -> object:
    return _insolvent().declare_claim(
        declared_on=date(2024, 3, 15), declared=eur("1240.00"), administrator=value, now=at(TODAY), actor=ACTOR
    )


def _erasure_reason(value: str) -> object:
    return registered_debtor(DebtorKind.CONSUMER).erase(reason=value, now=at(TODAY), actor=ACTOR)


TEXT_FIELDS: list[tuple[Callable[[str], object], str, int]] = [
    (_register, "legal_name", 200),
    (_address_line, "address.lines", 200),
    (_postal_code, "address.postal_code", 20),
    (_city, "address.city", 100),
    (_contact_name, "name", 200),
    (_contact_phone, "phone", 30),
    (_contact_email, "email", 254),
    (_policy, "policy_id", 100),
    (_court, "court", 200),
    (_administrator, "administrator", 200),
    (_erasure_reason, "reason", 1000),
]


@pytest.mark.parametrize(("command", "field", "longest"), TEXT_FIELDS, ids=[f for _, f, _ in TEXT_FIELDS])
def test_each_text_of_a_debtor_is_accepted_at_its_longest_and_refused_one_character_longer_naming_the_field(
    command: Callable[[str], object], field: str, longest: int
) -> None:
    command("x" * longest)

    with pytest.raises(InvalidInput) as caught:
        command("x" * (longest + 1))

    assert caught.value.rule == "text_length"
    assert caught.value.message == f"{field}: at most {longest} characters"


def test_a_three_letter_country_code_is_refused_as_too_long_for_an_iso_two_letter_code() -> None:
    with pytest.raises(InvalidInput) as caught:
        registered_debtor(address=address(country="FRA"))

    assert caught.value.rule == "text_length"
    assert caught.value.message.startswith("address.country:")


def test_an_address_of_four_lines_is_accepted() -> None:
    lines = ["Bâtiment B", "12 rue de la Paix", "BP 42", "Cedex 02"]

    debtor = registered_debtor(address=address(lines=lines))

    assert debtor.address == address(lines=lines)


def test_a_debtors_address_cannot_be_altered_once_given() -> None:
    given = address()

    with pytest.raises(dataclasses.FrozenInstanceError):
        given.city = "Lyon"  # type: ignore[misc]


def test_an_unregistered_debtor_has_no_name_and_counts_as_a_professional() -> None:
    debtor = Debtor()

    assert (debtor.legal_name, debtor.kind, debtor.address) == ("", DebtorKind.PROFESSIONAL, None)


def test_a_debtors_events_are_recorded_under_the_debtor_aggregate_type() -> None:
    debtor = registered_debtor()
    debtor.assign_policy(policy_id="default", now=at(TODAY), actor=ACTOR)

    [event] = debtor.collect_events()
    assert event.record()["aggregate_type"] == "Debtor"


def test_a_bad_credit_limit_names_the_limit() -> None:
    with pytest.raises(InvalidInput) as caught:
        registered_debtor().set_credit_limit(limit=Money(500.0, "EUR"), now=at(TODAY), actor=ACTOR)  # type: ignore[arg-type]

    assert caught.value.message.startswith("limit:")


@pytest.mark.parametrize(
    ("command", "field"),
    [
        (
            lambda: registered_debtor(DebtorKind.CONSUMER).consent_to_electronic_delivery(
                consented_on=date(2024, 3, 1), proof_sha256="not a digest", now=at(TODAY), actor=ACTOR
            ),
            "proof_sha256",
        ),
        (
            lambda: _insolvent().declare_claim(
                declared_on=date(2024, 3, 15),
                declared=eur("1240.00"),
                administrator="Me Dupont",
                document_sha256="not a digest",
                now=at(TODAY),
                actor=ACTOR,
            ),
            "document_sha256",
        ),
        (
            lambda: _insolvent().declare_claim(
                declared_on=date(2024, 3, 15),
                declared=eur("-1.00"),
                administrator="Me Dupont",
                now=at(TODAY),
                actor=ACTOR,
            ),
            "amount",
        ),
    ],
    ids=["proof_sha256", "document_sha256", "amount"],
)
def test_a_bad_value_in_a_debtor_command_is_refused_naming_its_field(command: Callable[[], object], field: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        command()

    assert caught.value.message.startswith(f"{field}:")


def test_a_registered_debtor_keeps_its_checked_address() -> None:
    debtor = registered_debtor(address=address(lines=[" 12 rue de la Paix "], country="fr"))

    assert debtor.address == address(lines=["12 rue de la Paix"], country="FR")


# ------------------------------------------------------------ dates on today


def test_consent_given_today_is_recorded() -> None:
    debtor = registered_debtor(DebtorKind.CONSUMER)

    debtor.consent_to_electronic_delivery(consented_on=TODAY, now=at(TODAY), actor=ACTOR)

    assert debtor.electronic_delivery_consented_on == TODAY


def test_insolvency_judged_and_published_today_is_recorded() -> None:
    debtor = _insolvent(judgment_date=TODAY, publication_date=TODAY)

    assert debtor.insolvency is not None
    assert (debtor.insolvency.judgment_date, debtor.insolvency.publication_date) == (TODAY, TODAY)


@pytest.mark.parametrize("declared_on", [date(2024, 2, 26), TODAY], ids=["judgment day", "today"])
def test_a_claim_may_be_declared_on_the_judgment_day_and_today(declared_on: date) -> None:
    debtor = _insolvent(judgment_date=date(2024, 2, 26))

    debtor.declare_claim(
        declared_on=declared_on, declared=eur("1240.00"), administrator="Me Dupont", now=at(TODAY), actor=ACTOR
    )

    assert [claim.declared_on for claim in debtor.claims_declared] == [declared_on]


def test_a_publication_in_october_gives_a_declaration_deadline_in_december_of_the_same_year() -> None:
    debtor = _insolvent(judgment_date=date(2023, 10, 13), publication_date=date(2023, 10, 15))

    assert debtor.claim_declaration_deadline == date(2023, 12, 15)


# ------------------------------------------------------------------ erasure


def _erased_consumer() -> Debtor:
    debtor = registered_debtor(DebtorKind.CONSUMER)
    debtor.add_contact(contact_id=CONTACT_ID, role=ContactRole.OTHER, name="Jeanne Martin", now=at(TODAY), actor=ACTOR)
    debtor.erase(reason="GDPR request", now=at(TODAY), actor=ACTOR)
    debtor.collect_events()
    return debtor


def test_an_erased_debtors_contacts_cannot_be_changed() -> None:
    debtor = _erased_consumer()

    with refused(debtor, RuleViolation, "debtor_not_erased"):
        debtor.change_contact(
            contact_id=CONTACT_ID, role=ContactRole.OTHER, name="Jeanne Martin", now=at(TODAY), actor=ACTOR
        )


def test_an_erased_debtor_gives_no_consent_to_electronic_delivery() -> None:
    debtor = _erased_consumer()

    with refused(debtor, RuleViolation, "debtor_not_erased"):
        debtor.consent_to_electronic_delivery(consented_on=date(2024, 3, 1), now=at(TODAY), actor=ACTOR)


# ----------------------------------------------------------------- contacts


def test_among_contacts_of_the_same_role_one_with_an_e_mail_is_preferred() -> None:
    debtor = registered_debtor()
    without_email, with_email = UUID(int=1), UUID(int=2)
    debtor.add_contact(contact_id=without_email, role=ContactRole.OTHER, name="Karim Benali", phone="01 02 03 04 05",
                       now=at(TODAY), actor=ACTOR)  # fmt: skip
    debtor.add_contact(contact_id=with_email, role=ContactRole.OTHER, name="Nathalie Perrin", email="n@brc.example",
                       now=at(TODAY), actor=ACTOR)  # fmt: skip

    preferred = debtor.preferred_contact()

    assert preferred is not None and preferred.contact_id == with_email


# ------------------------------------------------------------ returned mail (issue 17)

RETURNED_DOCUMENT = "a" * 64


def test_returned_mail_flags_the_address_until_a_new_one_is_given() -> None:
    debtor = registered_debtor()

    debtor.record_returned_mail(returned_on=TODAY, document_sha256=RETURNED_DOCUMENT, now=at(TODAY), actor=ACTOR)
    assert debtor.address_returned_on == TODAY
    debtor.change_address(address=address(lines=["3 rue Neuve"]), now=at(TODAY), actor=ACTOR)

    assert debtor.address_returned_on is None and debtor.address == address(lines=["3 rue Neuve"])


def test_the_same_address_confirmed_after_a_return_clears_the_flag_but_is_refused_otherwise() -> None:
    debtor = registered_debtor()
    with refused(debtor, RuleViolation, "address_changed"):
        debtor.change_address(address=address(), now=at(TODAY), actor=ACTOR)

    debtor.record_returned_mail(returned_on=TODAY, document_sha256=RETURNED_DOCUMENT, now=at(TODAY), actor=ACTOR)
    debtor.change_address(address=address(), now=at(TODAY), actor=ACTOR)  # checked with the post office: it stands

    assert debtor.address_returned_on is None


def test_returned_mail_is_not_dated_in_the_future_and_names_a_document() -> None:
    debtor = registered_debtor()
    with refused(debtor, RuleViolation, "date_not_in_future"):
        debtor.record_returned_mail(returned_on=date(2099, 1, 1), document_sha256=RETURNED_DOCUMENT, now=at(TODAY),
                                    actor=ACTOR)  # fmt: skip
    with refused(debtor, InvalidInput, "sha256_format"):
        debtor.record_returned_mail(returned_on=TODAY, document_sha256="nope", now=at(TODAY), actor=ACTOR)
