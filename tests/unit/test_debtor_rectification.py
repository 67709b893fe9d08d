"""Rectifying a debtor's name (GDPR art. 16): a new event, never an edit, refused when it changes nothing."""

from __future__ import annotations

from datetime import date
from uuid import UUID

import pytest

from api.console.timeline import sentence, timeline
from domain.chain import personal_fields
from domain.debtor import Debtor, DebtorNameRectified
from domain.errors import InvalidInput, RuleViolation
from domain.vocabulary import ContactRole, DebtorKind
from infrastructure.dossier import EVENT_LABELS, PERSONAL_DATA_EVENTS, details
from tests.unit.builders import ACTOR, DEBTOR_ID, TODAY, address, at, refused, registered_debtor

REASON = "À la demande de l'intéressée (courrier du 3 mars) : nom mal orthographié"


def consumer(legal_name: str) -> Debtor:
    """A consumer just registered, its registration still pending (so its events are the whole file)."""
    return Debtor.register(
        debtor_id=DEBTOR_ID, legal_name=legal_name, kind=DebtorKind.CONSUMER, address=address(),
        now=at(date(2026, 3, 1)), actor=ACTOR,
    )  # fmt: skip


def rectified(debtor: Debtor, legal_name: str = "Jeanne Martin-Durand") -> DebtorNameRectified:
    return debtor.rectify_name(legal_name=legal_name, reason=REASON, now=at(TODAY), actor=ACTOR)


def test_rectifying_a_name_records_the_new_name_and_why_and_keeps_the_old_in_the_journal() -> None:
    debtor = registered_debtor(DebtorKind.CONSUMER)
    registration_hash = debtor.head

    event = rectified(debtor, "  Jeanne Martin-Durand ")

    assert isinstance(event, DebtorNameRectified)
    assert event.data() == {"legal_name": "Jeanne Martin-Durand", "reason": REASON}
    assert event.previous_hash == registration_hash
    assert debtor.legal_name == "Jeanne Martin-Durand"
    assert debtor.version == 2


def test_a_sole_traders_name_is_rectified_as_well_and_its_identification_stays() -> None:
    debtor = registered_debtor()

    rectified(debtor, "Jean Dupont EI")

    assert debtor.legal_name == "Jean Dupont EI"
    assert debtor.siren is not None and debtor.kind is DebtorKind.PROFESSIONAL


def test_the_rectified_name_and_its_reason_are_personal_fields() -> None:
    assert personal_fields(DebtorNameRectified) == {"legal_name": "", "reason": ""}


def test_an_unchanged_name_is_refused() -> None:
    debtor = registered_debtor(DebtorKind.CONSUMER)

    with refused(debtor, RuleViolation, "name_changed"):
        rectified(debtor, " Jeanne Martin ")


@pytest.mark.parametrize(
    ("legal_name", "reason", "rule"),
    [("", REASON, "text_required"), ("x" * 201, REASON, "text_length"), ("Jeanne Durand", " ", "text_required")],
)
def test_a_rectification_is_checked_as_a_registration_is_and_needs_a_reason(
    legal_name: str, reason: str, rule: str
) -> None:
    debtor = registered_debtor(DebtorKind.CONSUMER)

    with refused(debtor, InvalidInput, rule):
        debtor.rectify_name(legal_name=legal_name, reason=reason, now=at(TODAY), actor=ACTOR)


def test_an_erased_debtors_name_is_not_rectified() -> None:
    debtor = registered_debtor(DebtorKind.CONSUMER)
    debtor.erase(reason="GDPR request", now=at(TODAY), actor=ACTOR)
    debtor.collect_events()

    with refused(debtor, RuleViolation, "debtor_not_erased"):
        rectified(debtor)


def test_replaying_a_rectified_debtor_gives_the_rectified_name() -> None:
    debtor = consumer("Jeanne Martn")
    rectified(debtor)

    replayed = Debtor.replay(debtor.collect_events())

    assert replayed is not None
    assert replayed.legal_name == "Jeanne Martin-Durand"
    assert replayed.head == debtor.head


def test_the_timeline_says_the_old_name_the_new_one_who_and_why() -> None:
    debtor = consumer("Jeanne Martn")
    debtor.rectify_name(legal_name="Jeanne Martin", reason=REASON, now=at(date(2026, 3, 4)), actor="compta.sophie")
    debtor.rectify_name(legal_name="Jeanne Martin-Durand", reason="Mariage", now=at(date(2026, 5, 4)), actor=ACTOR)
    events = debtor.collect_events()

    sentences = [entry.sentence for entry in timeline(events)]

    assert sentences[0] == f"Nom rectifié : « Jeanne Martin » → « Jeanne Martin-Durand », par {ACTOR} (motif : Mariage)"
    assert sentences[1] == f"Nom rectifié : « Jeanne Martn » → « Jeanne Martin », par compta.sophie (motif : {REASON})"
    assert sentence(events[1]) == f"Nom rectifié : « Jeanne Martin », par compta.sophie (motif : {REASON})"


def test_once_the_debtor_is_erased_the_timeline_shows_a_rectification_as_erased() -> None:
    debtor = registered_debtor(DebtorKind.CONSUMER)
    rectified(debtor)
    events = debtor.collect_events()

    text = timeline(events, erased=True)[0].sentence

    assert "Jeanne" not in text and "intéressée" not in text
    assert text == f"Nom rectifié par {ACTOR} (données effacées)"


def test_the_evidence_dossier_labels_a_rectification_with_the_new_name_and_why() -> None:
    debtor = registered_debtor(DebtorKind.CONSUMER)
    record = rectified(debtor).record()

    assert EVENT_LABELS["DebtorNameRectified"] == "Nom rectifié (RGPD, art. 16)"
    assert details(record) == f"nouveau nom : Jeanne Martin-Durand (motif : {REASON})"
    assert "DebtorNameRectified" in PERSONAL_DATA_EVENTS  # shown as erased once the debtor is


# ------------------------------------------- a contact or an address changed, with why


def test_a_contact_or_address_changed_as_a_rectification_records_why_and_the_timeline_says_it() -> None:
    debtor = registered_debtor(DebtorKind.CONSUMER)
    contact_id = UUID("0b7e4c1a-2f3d-4e5a-9b6c-7d8e9f0a1b2c")
    debtor.add_contact(contact_id=contact_id, role=ContactRole.OTHER, name="Jeanne Martn", now=at(TODAY), actor=ACTOR)
    debtor.collect_events()

    contact = debtor.change_contact(
        contact_id=contact_id, role=ContactRole.OTHER, name="Jeanne Martin", reason=REASON, now=at(TODAY), actor=ACTOR
    )
    moved = debtor.change_address(address=address(city="Lyon"), reason=" Rectification ", now=at(TODAY), actor=ACTOR)

    assert contact.data()["reason"] == REASON and moved.data()["reason"] == "Rectification"
    assert sentence(contact) == f"Contact modifié par {ACTOR} : Jeanne Martin (autre) (motif : {REASON})"
    assert sentence(moved).endswith("(motif : Rectification)")
    assert sentence(contact, erased=True) == f"Contact modifié par {ACTOR} : (données effacées)"


def test_a_change_without_a_reason_records_no_reason_field_so_older_events_keep_their_hash() -> None:
    debtor = registered_debtor(DebtorKind.CONSUMER)

    moved = debtor.change_address(address=address(city="Lyon"), now=at(TODAY), actor=ACTOR)

    assert "reason" not in moved.data()
    assert "reason" not in moved.record()["data"]
