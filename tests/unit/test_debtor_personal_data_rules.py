"""The Debtor's rules around personal data, to their boundaries: nothing more is recorded about an erased
person, texts are bounded and named in their refusals, and each personal field is sealed under its subject."""

from __future__ import annotations

import dataclasses
from datetime import date
from uuid import UUID

import pytest

from application.sealing import sealed_event
from domain.debtor import ContactChanged, ContactErased, Debtor, DebtorErased, EmailBounced, PursuedClaim
from domain.errors import InvalidInput, RuleViolation
from domain.personal import Personal
from domain.vocabulary import ContactRole, DebtorKind, ReceivableStatus
from infrastructure.subject_keys import MemoryKeyTable, SubjectKeys
from tests.unit.builders import DOCUMENT, PROOF, address, at, refused, registered_debtor

TODAY = date(2024, 3, 20)
ACTOR = "dpo:claire"
CONTACT = UUID("00000000-0000-0000-0000-0000000000c1")


def consumer_with_a_contact() -> Debtor:
    debtor = registered_debtor(DebtorKind.CONSUMER)
    debtor.add_contact(contact_id=CONTACT, role=ContactRole.ACCOUNTS_PAYABLE, name="Jeanne Martin",
                       email="jeanne@exemple.fr", phone="0611223344", now=at(TODAY), actor=ACTOR)  # fmt: skip
    debtor.collect_events()
    return debtor


def erased_consumer() -> Debtor:
    debtor = consumer_with_a_contact()
    debtor.erase(reason="demande de la personne", now=at(TODAY), actor=ACTOR)
    debtor.collect_events()
    return debtor


def test_no_returned_mail_address_change_or_bounce_is_recorded_about_an_erased_person() -> None:
    debtor = erased_consumer()

    with refused(debtor, RuleViolation, "debtor_not_erased"):
        debtor.record_returned_mail(returned_on=TODAY, document_sha256=DOCUMENT, now=at(TODAY), actor=ACTOR)
    with refused(debtor, RuleViolation, "debtor_not_erased"):
        debtor.change_address(address=address(lines=["1 rue Neuve"]), now=at(TODAY), actor=ACTOR)
    with refused(debtor, RuleViolation, "debtor_not_erased"):
        debtor.record_email_bounce(contact_id=CONTACT, email="jeanne@exemple.fr", bounced_on=TODAY, now=at(TODAY),
                                   actor=ACTOR)  # fmt: skip


@pytest.mark.parametrize(("field", "value"), [("document_sha256", "nope"), ("proof_sha256", "NOPE")])
def test_a_returned_mail_with_a_malformed_digest_is_refused_naming_the_field(field: str, value: str) -> None:
    debtor = consumer_with_a_contact()
    given = {"document_sha256": DOCUMENT, "proof_sha256": PROOF, field: value}

    with pytest.raises(InvalidInput, match=f"^{field}"):
        debtor.record_returned_mail(returned_on=TODAY, now=at(TODAY), actor=ACTOR, **given)


def test_a_rectified_name_has_at_most_200_characters_and_its_reason_1000_each_named() -> None:
    debtor = consumer_with_a_contact()
    debtor.rectify_name(legal_name="N" * 200, reason="R" * 1000, now=at(TODAY), actor=ACTOR)

    with pytest.raises(InvalidInput, match=r"^legal_name: at most 200"):
        debtor.rectify_name(legal_name="M" * 201, reason="demande", now=at(TODAY), actor=ACTOR)
    with pytest.raises(InvalidInput, match=r"^reason: at most 1000"):
        debtor.rectify_name(legal_name="Jeanne Martin-Roux", reason="R" * 1001, now=at(TODAY), actor=ACTOR)


def test_the_reason_of_a_correction_and_the_detail_of_a_bounce_have_at_most_1000_characters_each_named() -> None:
    debtor = consumer_with_a_contact()
    debtor.change_address(address=address(lines=["1 rue Neuve"]), reason="R" * 1000, now=at(TODAY), actor=ACTOR)
    debtor.record_email_bounce(contact_id=CONTACT, email="jeanne@exemple.fr", bounced_on=TODAY, detail="D" * 1000,
                               now=at(TODAY), actor=ACTOR)  # fmt: skip

    with pytest.raises(InvalidInput, match=r"^reason: at most 1000"):
        debtor.change_address(address=address(lines=["2 rue Neuve"]), reason="R" * 1001, now=at(TODAY), actor=ACTOR)
    with pytest.raises(InvalidInput, match=r"^detail: at most 1000"):
        consumer_with_a_contact().record_email_bounce(contact_id=CONTACT, email="jeanne@exemple.fr", bounced_on=TODAY,
                                                      detail="D" * 1001, now=at(TODAY), actor=ACTOR)  # fmt: skip


def test_the_latest_bounce_is_the_one_that_counts_when_no_contact_can_be_e_mailed() -> None:
    debtor = consumer_with_a_contact()
    other = UUID("00000000-0000-0000-0000-0000000000c2")
    debtor.add_contact(contact_id=other, role=ContactRole.OTHER, name="Paul Martin", email="paul@exemple.fr",
                       now=at(TODAY), actor=ACTOR)  # fmt: skip
    debtor.record_email_bounce(contact_id=CONTACT, email="jeanne@exemple.fr", bounced_on=date(2024, 3, 1),
                               now=at(TODAY), actor=ACTOR)  # fmt: skip
    debtor.record_email_bounce(contact_id=other, email="paul@exemple.fr", bounced_on=date(2024, 3, 15),
                               now=at(TODAY), actor=ACTOR)  # fmt: skip

    assert debtor.email_bounced_on == date(2024, 3, 15)


def test_a_debtor_not_yet_registered_is_neither_a_sole_trader_nor_a_natural_person() -> None:
    debtor = Debtor()

    assert (debtor.sole_trader, debtor.natural_person) == (False, False)


def test_a_changed_contact_and_a_bounced_address_are_sealed_under_the_contacts_key() -> None:
    keys = SubjectKeys(MemoryKeyTable())
    debtor = consumer_with_a_contact()
    changed = debtor.change_contact(contact_id=CONTACT, role=ContactRole.OTHER, name="Jeanne Roux",
                                    email="jr@exemple.fr", phone="0611", now=at(TODAY), actor=ACTOR)  # fmt: skip
    bounced = debtor.record_email_bounce(contact_id=CONTACT, email="jr@exemple.fr", bounced_on=TODAY,
                                         now=at(TODAY), actor=ACTOR)  # fmt: skip

    sealed_change, sealed_bounce = sealed_event(changed, keys), sealed_event(bounced, keys)

    assert isinstance(sealed_change, ContactChanged) and isinstance(sealed_bounce, EmailBounced)
    for value in (sealed_change.name, sealed_change.email, sealed_change.phone, sealed_bounce.email):
        assert isinstance(value, Personal) and value.sealed.subject == CONTACT


def test_an_erasure_is_the_event_that_destroys_the_keys_and_a_pursued_claim_cannot_change() -> None:
    claim = PursuedClaim("FC-1", ReceivableStatus.OPEN)

    assert DebtorErased.ERASES_PERSONAL_DATA is True
    assert not getattr(ContactChanged, "ERASES_PERSONAL_DATA", False)
    with pytest.raises(dataclasses.FrozenInstanceError):
        claim.invoice_number = "FC-2"  # type: ignore[misc]


def test_a_contact_erased_alone_leaves_the_debtor_and_can_never_be_added_again() -> None:
    debtor = consumer_with_a_contact()

    erased = debtor.erase_contact(contact_id=CONTACT, reason="R" * 1000, now=at(TODAY), actor=ACTOR)

    assert isinstance(erased, ContactErased) and getattr(erased, erased.ERASES_SUBJECT) == CONTACT
    assert debtor.contacts == {} and not debtor.erased and debtor.legal_name == "Jeanne Martin"
    assert debtor.collect_events() == [erased]
    with refused(debtor, RuleViolation, "contact_unique"):
        debtor.add_contact(contact_id=CONTACT, role=ContactRole.OTHER, name="Jeanne", now=at(TODAY), actor=ACTOR)
    with refused(debtor, RuleViolation, "contact_exists"):
        debtor.erase_contact(contact_id=CONTACT, reason="encore", now=at(TODAY), actor=ACTOR)


def test_a_contact_erasure_needs_a_reason_of_at_most_1000_characters_and_a_debtor_not_erased() -> None:
    with pytest.raises(InvalidInput, match=r"^reason: at most 1000"):
        consumer_with_a_contact().erase_contact(contact_id=CONTACT, reason="R" * 1001, now=at(TODAY), actor=ACTOR)
    debtor = erased_consumer()
    with refused(debtor, RuleViolation, "debtor_not_erased"):
        debtor.erase_contact(contact_id=CONTACT, reason="demande", now=at(TODAY), actor=ACTOR)
