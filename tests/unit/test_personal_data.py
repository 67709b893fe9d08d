"""Personal data sealed in the events (issue 19): the record and its hash hold the sealed form only, a chain
sealed after the decision links up, and destroying a subject's keys erases what reads show, never a hash."""

from __future__ import annotations

import copy
import dataclasses
import pickle
from uuid import UUID, uuid4

import pytest

from application.sealing import SubjectErased, erased_event, personal_values, reopened, sealed_event
from domain.canonical import canonical_bytes, record_hash
from domain.chain import ADDED_LATER, PERSONAL, LedgerEvent, personal, personal_fields
from domain.debtor import (
    AddressChanged,
    ContactAdded,
    ContactChanged,
    Debtor,
    DebtorErased,
    DebtorNameRectified,
    DebtorRegistered,
    EmailBounced,
    PolicyAssigned,
)
from domain.personal import ALGORITHM, ERASED, Personal, Sealed
from domain.receivable import Receivable
from domain.receivable_events import (
    CallNoted,
    DeliveryReported,
    DisputeOpened,
    DisputeResolved,
    DocumentAttached,
    DunningPaused,
    MediationEnded,
    NoteAdded,
    WrittenOff,
)
from domain.vocabulary import ContactRole, DebtorKind
from infrastructure.subject_keys import MemoryKeyTable, SubjectKeys
from tests.unit.builders import ACTOR, DEBTOR_ID, ISSUE_DAY, TODAY, address, at, issued_receivable

CONTACT = UUID("00000000-0000-4000-8000-00000000c0de")


def consumer_with_a_contact(keys: SubjectKeys) -> Debtor:
    debtor = Debtor.register(debtor_id=DEBTOR_ID, legal_name="Jeanne Martin", kind=DebtorKind.CONSUMER,
                             address=address(), now=at(ISSUE_DAY), actor=ACTOR)  # fmt: skip
    debtor.add_contact(contact_id=CONTACT, role=ContactRole.ACCOUNTS_PAYABLE, name="Jeanne Martin",
                       email="jeanne@exemple.fr", phone="0611223344", now=at(ISSUE_DAY), actor=ACTOR)  # fmt: skip
    debtor.assign_policy(policy_id="default", now=at(ISSUE_DAY), actor=ACTOR)
    debtor.seal_pending(lambda event: sealed_event(event, keys))
    return debtor


def test_a_sealed_record_holds_the_sealed_form_and_not_the_value() -> None:
    keys = SubjectKeys(MemoryKeyTable())
    registered = consumer_with_a_contact(keys).collect_events()[0]

    data = registered.record()["data"]
    written = canonical_bytes(registered.record())

    assert b"Jeanne" not in written and b"rue de la Paix" not in written and b"Paris" not in written
    assert set(data["legal_name"]) == {"sealed"}
    assert data["legal_name"]["sealed"]["alg"] == ALGORITHM
    assert data["legal_name"]["sealed"]["subject"] == str(DEBTOR_ID)
    assert data["kind"] is DebtorKind.CONSUMER  # what is not personal is written as it always was
    assert registered.hash() == record_hash(registered.record())


def test_the_sealed_events_are_chained_again_each_to_the_one_before() -> None:
    debtor = consumer_with_a_contact(SubjectKeys(MemoryKeyTable()))
    events = debtor.collect_events()

    assert events[0].previous_hash == "0" * 64
    assert [e.previous_hash for e in events[1:]] == [e.hash() for e in events[:-1]]
    assert debtor.head == events[-1].hash()
    assert isinstance(events[2], PolicyAssigned)  # not personal, but chained to the sealed one before it


def test_a_contacts_data_is_sealed_under_the_contacts_own_key() -> None:
    added = consumer_with_a_contact(SubjectKeys(MemoryKeyTable())).collect_events()[1]

    assert isinstance(added, ContactAdded) and isinstance(added.email, Personal)
    assert added.email.sealed.subject == CONTACT and added.name.sealed.subject == CONTACT


def test_reads_open_the_sealed_values_until_the_owners_keys_are_destroyed_and_no_hash_moves() -> None:
    keys = SubjectKeys(MemoryKeyTable())
    events = consumer_with_a_contact(keys).collect_events()
    hashes = [e.hash() for e in events]
    opened = [reopened(e, keys) for e in events]
    assert (opened[0].legal_name, opened[1].email, opened[0].address.lines) == (
        "Jeanne Martin", "jeanne@exemple.fr", ["12 rue de la Paix"])  # fmt: skip

    destroyed = keys.shred(DEBTOR_ID)
    erased = [reopened(e, keys) for e in events]

    assert destroyed == 2  # the debtor's key and its contact's
    assert [erased[0].legal_name, erased[1].name, erased[1].email, erased[1].phone] == [ERASED] * 4
    assert erased[0].address.city == ERASED
    assert [e.hash() for e in erased] == hashes


def test_a_ciphertext_moved_under_another_subject_does_not_open() -> None:
    keys = SubjectKeys(MemoryKeyTable())
    registered = consumer_with_a_contact(keys).collect_events()[0]
    assert isinstance(registered, DebtorRegistered) and isinstance(registered.legal_name, Personal)
    moved = Sealed(CONTACT, registered.legal_name.sealed.ciphertext)

    assert keys.open(moved) is None
    assert keys.open(registered.legal_name.sealed) == "Jeanne Martin"


def test_nothing_more_is_sealed_for_an_erased_owner() -> None:
    keys = SubjectKeys(MemoryKeyTable())
    keys.shred(DEBTOR_ID)

    with pytest.raises(SubjectErased, match="erased"):
        keys.seal(uuid4(), DEBTOR_ID, "Jeanne")


def test_values_sealed_already_are_kept_and_an_event_with_no_personal_field_is_the_same_object() -> None:
    keys = SubjectKeys(MemoryKeyTable())
    events = consumer_with_a_contact(keys).collect_events()

    assert sealed_event(events[0], keys) == events[0]
    assert sealed_event(events[2], keys) is events[2]


def test_the_values_to_purge_are_names_emails_phones_and_street_lines_not_a_town_shared_by_others() -> None:
    keys = SubjectKeys(MemoryKeyTable())
    events = consumer_with_a_contact(keys).collect_events()

    assert personal_values(events) == {"Jeanne Martin", "jeanne@exemple.fr", "0611223344", "12 rue de la Paix"}
    keys.shred(DEBTOR_ID)
    assert personal_values([reopened(e, keys) for e in events]) == set()


def test_a_personal_value_copied_or_pickled_keeps_its_sealed_form() -> None:
    value = Personal("Jeanne Martin", Sealed(DEBTOR_ID, "AAAA"))

    for copied in (copy.deepcopy(value), pickle.loads(pickle.dumps(value))):
        assert copied == "Jeanne Martin" and isinstance(copied, Personal) and copied.sealed == value.sealed
    assert not value.erased and Personal(ERASED, value.sealed).erased


def test_an_erased_value_reads_as_the_documented_french_word() -> None:
    keys = SubjectKeys(MemoryKeyTable())
    events = consumer_with_a_contact(keys).collect_events()
    keys.shred(DEBTOR_ID)

    assert reopened(events[0], keys).legal_name == "[effacé]"  # what docs/privacy.md and the console promise


def test_a_sealed_form_cannot_be_changed_once_made() -> None:
    sealed = Sealed(DEBTOR_ID, "AAAA")

    with pytest.raises(dataclasses.FrozenInstanceError):
        sealed.ciphertext = "BBBB"  # type: ignore[misc]
    assert {sealed: 1}[Sealed(DEBTOR_ID, "AAAA")] == 1


def test_an_event_types_personal_fields_are_read_from_its_declaration_once() -> None:
    @dataclasses.dataclass(frozen=True)
    class Noted(LedgerEvent):
        who: str = dataclasses.field(metadata=personal())
        phone: str = dataclasses.field(metadata=personal(subject="contact_id"))
        contact_id: UUID
        amount: int

    @dataclasses.dataclass(frozen=True)
    class Counted(LedgerEvent):
        amount: int

    first = personal_fields(Noted)

    assert first == {"who": "", "phone": "contact_id"}
    assert personal_fields(Noted) is first  # kept: asked for every event recorded and read
    assert personal_fields(Counted) == {}


# ------------------------------------------------------------ free texts (a note, a call note, a reason...)

FREE_TEXTS = {
    CallNoted: "notes",
    NoteAdded: "text",
    DisputeOpened: "description",
    DisputeResolved: "comment",
    DocumentAttached: "description",
    MediationEnded: "outcome",
    WrittenOff: "reason",
    DunningPaused: "reason",
    DeliveryReported: "detail",
    EmailBounced: "detail",
    DebtorNameRectified: "reason",
    ContactChanged: "reason",
    AddressChanged: "reason",
}


@pytest.mark.parametrize("event_class", FREE_TEXTS, ids=lambda c: c.__name__)
def test_a_free_text_a_collector_types_is_personal_under_its_aggregates_key(event_class: type[LedgerEvent]) -> None:
    assert personal_fields(event_class)[FREE_TEXTS[event_class]] == ""


def test_the_erasures_own_reason_is_not_sealed_so_that_it_stays_readable_after_it() -> None:
    assert personal_fields(DebtorErased) == {}


def test_a_field_added_later_may_be_personal_and_stays_absent_from_older_records() -> None:
    declared = {f.name: f for f in dataclasses.fields(ContactChanged)}["reason"]
    assert declared.metadata == {ADDED_LATER: True, PERSONAL: ""} and declared.default is None
    assert {f.name: f for f in dataclasses.fields(ContactChanged)}["name"].metadata == {PERSONAL: "contact_id"}
    assert dataclasses.fields(DebtorErased)[-1].metadata == {ADDED_LATER: True}  # not personal unless told
    older = ContactChanged(originator_id=DEBTOR_ID, originator_version=2, timestamp=at(ISSUE_DAY).instant,
                           actor=ACTOR, previous_hash="0" * 64, contact_id=CONTACT, role=ContactRole.OTHER,
                           name="Jeanne Martin", email=None, phone=None)  # fmt: skip
    sealed = sealed_event(older, SubjectKeys(MemoryKeyTable()))

    assert "reason" not in older.record()["data"] and "reason" not in sealed.record()["data"]


def noted_receivable() -> Receivable:
    receivable = issued_receivable()
    receivable.add_note(note="Mme Martin dit que son mari est au chômage", now=at(TODAY), actor=ACTOR)
    receivable.write_off(reason="Jeanne Martin insolvable", now=at(TODAY), actor=ACTOR)
    return receivable


def test_a_receivables_free_texts_are_sealed_under_its_key_kept_under_its_debtor_and_erased_with_it() -> None:
    keys = SubjectKeys(MemoryKeyTable())
    receivable = noted_receivable()
    receivable.seal_pending(lambda event: sealed_event(event, keys, receivable.debtor_id))
    note, written_off = receivable.collect_events()
    assert isinstance(note, NoteAdded) and isinstance(note.text, Personal)
    assert isinstance(written_off, WrittenOff) and isinstance(written_off.reason, Personal)
    hashes = [note.hash(), written_off.hash()]

    assert note.text.sealed.subject == receivable.id and written_off.reason.sealed.subject == receivable.id
    assert b"Martin" not in canonical_bytes(note.record()) + canonical_bytes(written_off.record())
    assert keys.owners() == {DEBTOR_ID}
    assert reopened(note, keys).text == "Mme Martin dit que son mari est au chômage"

    assert keys.shred(DEBTOR_ID) == 1
    assert [reopened(note, keys).text, reopened(written_off, keys).reason] == [ERASED, ERASED]
    assert [note.hash(), written_off.hash()] == hashes


def test_without_an_owner_the_aggregate_keeps_its_own_keys() -> None:
    keys = SubjectKeys(MemoryKeyTable())
    receivable = noted_receivable()
    receivable.seal_pending(lambda event: sealed_event(event, keys))

    assert keys.owners() == {receivable.id}


def test_a_free_text_typed_once_the_person_is_erased_is_recorded_as_erased() -> None:
    receivable = noted_receivable()
    note, written_off = receivable.collect_events()

    assert erased_event(note).text == ERASED and erased_event(written_off).reason == ERASED
    assert erased_event(note).noted_on == note.noted_on and erased_event(written_off).amount == written_off.amount
    without = dataclasses.replace(note, document_sha256=None)
    assert erased_event(without).document_sha256 is None


def test_an_event_without_a_free_text_is_left_as_it_is_by_the_erased_form() -> None:
    assigned = consumer_with_a_contact(SubjectKeys(MemoryKeyTable())).collect_events()[2]
    assert erased_event(assigned) is assigned


def test_an_erased_free_text_is_not_a_value_to_purge() -> None:
    note = noted_receivable().collect_events()[0]
    assert personal_values([erased_event(note)]) == frozenset()
    assert personal_values([note]) == {"Mme Martin dit que son mari est au chômage"}
