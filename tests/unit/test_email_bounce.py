"""A hard bounce flags a contact's e-mail; the run then writes by letter (decision 0099)."""

from __future__ import annotations

from datetime import date
from uuid import UUID

from domain.debtor import Debtor
from domain.errors import RuleViolation
from domain.vocabulary import ContactRole
from tests.unit.builders import at, refused, registered_debtor

TODAY = date(2024, 3, 20)
ACTOR = "dsn:test"
ACCOUNTS = UUID("00000000-0000-0000-0000-0000000000a1")
BOSS = UUID("00000000-0000-0000-0000-0000000000b2")


def debtor_with_contacts() -> Debtor:
    debtor = registered_debtor()
    debtor.add_contact(contact_id=ACCOUNTS, role=ContactRole.ACCOUNTS_PAYABLE, name="Compta", email="compta@x.fr",
                       now=at(TODAY), actor=ACTOR)  # fmt: skip
    debtor.collect_events()  # registered: what follows is the test
    return debtor


def bounce(debtor: Debtor, contact: UUID = ACCOUNTS, email: str = "compta@x.fr", on: date = TODAY) -> None:
    debtor.record_email_bounce(contact_id=contact, email=email, bounced_on=on, detail="550 5.1.1", now=at(TODAY),
                               actor=ACTOR)  # fmt: skip


def test_a_hard_bounce_flags_the_contact_and_no_contact_is_left_to_e_mail() -> None:
    debtor = debtor_with_contacts()

    bounce(debtor, email="Compta@X.fr")

    assert debtor.contacts[ACCOUNTS].email_bounced_on == TODAY
    assert debtor.preferred_contact(with_email=True) is None
    assert debtor.email_bounced_on == TODAY
    assert debtor.preferred_contact() is not None  # still the person to call


def test_another_contact_with_an_e_mail_is_written_to_instead() -> None:
    debtor = debtor_with_contacts()
    debtor.add_contact(contact_id=BOSS, role=ContactRole.OTHER, name="Gérant", email="gerant@x.fr", now=at(TODAY),
                       actor=ACTOR)  # fmt: skip

    bounce(debtor)

    contact = debtor.preferred_contact(with_email=True)
    assert contact is not None and contact.contact_id == BOSS
    assert debtor.email_bounced_on is None


def test_a_new_e_mail_address_clears_the_flag_and_the_same_one_keeps_it() -> None:
    debtor = debtor_with_contacts()
    bounce(debtor)

    debtor.change_contact(contact_id=ACCOUNTS, role=ContactRole.ACCOUNTS_PAYABLE, name="Service compta",
                          email="compta@x.fr", phone="0400000000", now=at(TODAY), actor=ACTOR)  # fmt: skip
    assert debtor.contacts[ACCOUNTS].email_bounced_on == TODAY
    debtor.change_contact(contact_id=ACCOUNTS, role=ContactRole.ACCOUNTS_PAYABLE, name="Service compta",
                          email="factures@x.fr", now=at(TODAY), actor=ACTOR)  # fmt: skip

    assert debtor.contacts[ACCOUNTS].email_bounced_on is None
    assert debtor.preferred_contact(with_email=True) is not None


def test_a_bounce_is_refused_twice_for_an_address_no_longer_the_contact_s_or_in_the_future() -> None:
    debtor = debtor_with_contacts()
    with refused(debtor, RuleViolation, "email_bounce_current_address"):
        bounce(debtor, email="ancienne@x.fr")
    with refused(debtor, RuleViolation, "date_not_in_future"):
        bounce(debtor, on=date(2099, 1, 1))
    with refused(debtor, RuleViolation, "contact_exists"):
        bounce(debtor, contact=BOSS)
    bounce(debtor)
    debtor.collect_events()
    with refused(debtor, RuleViolation, "email_bounced_once"):
        bounce(debtor)


def test_the_flag_is_state_rebuilt_from_the_events() -> None:
    debtor = registered_debtor()
    debtor.collect_events()
    debtor.add_contact(contact_id=ACCOUNTS, role=ContactRole.ACCOUNTS_PAYABLE, name="Compta", email="compta@x.fr",
                       now=at(TODAY), actor=ACTOR)  # fmt: skip
    bounce(debtor)
    replayed = registered_debtor()

    for event in debtor.collect_events():
        replayed.when(event)

    assert replayed.contacts[ACCOUNTS].email_bounced_on == TODAY
