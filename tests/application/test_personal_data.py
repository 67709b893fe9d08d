"""Personal data through the command pipeline, on the in-memory store (issue 19): sealed before it is appended,
opened on reading, erased by destroying the owner's keys once the erasure is recorded, never before; and,
whatever the commands and erasures, every chain links up and a replay gives the state the commands left."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime
from decimal import Decimal
from uuid import UUID, uuid4

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from application.clock import SimulatedClock
from application.commands import (
    AddContact,
    AddNote,
    AssignPolicy,
    ChangeAddress,
    ChangeContact,
    EraseContact,
    EraseDebtor,
    IssueInvoice,
    NoteCall,
    PauseDunning,
    RegisterDebtor,
    WriteOff,
)
from application.ledger import Ledger
from domain.canonical import GENESIS_HASH
from domain.debtor import Address, Debtor
from domain.errors import AlreadyExists, DomainError, RuleViolation
from domain.personal import ERASED, Personal
from domain.vocabulary import CallOutcome, CallPurpose, ContactRole, DebtorKind
from infrastructure.memory_store import InMemoryEventStore
from infrastructure.subject_keys import MemoryKeyTable, SubjectKeys

START = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)
ACTOR = "dpo.claire"
HOME = Address(["3 allée des Tilleuls"], "44000", "Nantes", "FR")


class Firm:
    def __init__(self) -> None:
        self.keys = SubjectKeys(MemoryKeyTable())
        self.store = InMemoryEventStore(sealer=self.keys)
        self.ledger = Ledger(self.store, clock=SimulatedClock(START), sealer=self.keys)
        self.erased: list[tuple[UUID, frozenset[str]]] = []
        self.ledger.pipeline.erasure_listeners.append(lambda debtor, values, **_: self.erased.append((debtor, values)))

    def consumer(self, name: str = "Paul Lemoine") -> UUID:
        debtor = uuid4()
        self.ledger.execute(RegisterDebtor(debtor, name, DebtorKind.CONSUMER, HOME), actor=ACTOR)
        return debtor


def test_the_pipeline_seals_each_personal_value_before_the_store_gets_it() -> None:
    firm = Firm()
    debtor = firm.consumer()
    firm.ledger.execute(AddContact(debtor, uuid4(), ContactRole.OTHER, "Paul Lemoine", "p@l.fr", "0102030405"),
                        actor=ACTOR)  # fmt: skip

    registered, added = firm.store._events[debtor]

    assert isinstance(registered.legal_name, Personal) and isinstance(added.phone, Personal)
    assert "Paul" not in str(registered.record()) and "0102030405" not in str(added.record())
    assert firm.ledger.debtor(debtor).legal_name == "Paul Lemoine"


def test_a_recorded_erasure_destroys_the_keys_then_hands_the_erased_values_to_each_listener() -> None:
    firm = Firm()
    debtor = firm.consumer()

    firm.ledger.execute(EraseDebtor(debtor, "demande de la personne du 3 mars"), actor=ACTOR)

    assert firm.erased == [(debtor, frozenset({"Paul Lemoine", "3 allée des Tilleuls"}))]
    assert firm.keys.owners() == set()
    assert firm.ledger.store.history(debtor).events[0].legal_name == ERASED  # type: ignore[union-attr]


def test_a_refused_erasure_destroys_no_key_and_calls_no_listener() -> None:
    firm = Firm()
    company = uuid4()
    firm.ledger.execute(RegisterDebtor(company, "Durand SARL", DebtorKind.PROFESSIONAL, HOME, "732829320"),
                        actor=ACTOR)  # fmt: skip

    with pytest.raises(RuleViolation):
        firm.ledger.execute(EraseDebtor(company, "demande"), actor=ACTOR)

    assert firm.erased == [] and firm.keys.owners() == {company}
    assert firm.ledger.debtor(company).legal_name == "Durand SARL"


def test_registering_again_under_an_erased_persons_id_is_refused_as_a_duplicate_and_makes_no_key() -> None:
    firm = Firm()
    debtor = firm.consumer()
    firm.ledger.execute(EraseDebtor(debtor, "demande"), actor=ACTOR)

    with pytest.raises(AlreadyExists):
        firm.ledger.execute(RegisterDebtor(debtor, "Paul Lemoine", DebtorKind.CONSUMER, HOME), actor=ACTOR)

    assert firm.keys.owners() == set() and len(firm.store._events[debtor]) == 2


NAMES = st.sampled_from(["Paul Lemoine", "Anaïs Roux", "Éric N'Diaye", "Zoé Martin-Blanc"])
STEPS = st.lists(
    st.one_of(
        st.tuples(st.just("contact"), NAMES, st.sampled_from([None, "x@exemple.fr", "y@exemple.fr"])),
        st.tuples(st.just("change"), NAMES, st.sampled_from([None, "z@exemple.fr"])),
        st.tuples(st.just("address"), st.sampled_from(["1 rue A", "2 rue B"]), st.none()),
        st.tuples(st.just("policy"), st.sampled_from(["default", "doux"]), st.none()),
        st.tuples(st.just("erase"), st.just("demande"), st.none()),
    ),
    max_size=12,
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(steps=STEPS)
def test_any_commands_with_erasures_replay_to_the_state_they_left_and_every_chain_links_up(
    steps: list[tuple[str, str, str | None]],
) -> None:
    firm = Firm()
    debtor = firm.consumer()
    contacts: list[UUID] = []
    live: Debtor | None = None
    hashes: list[str] = []
    for kind, value, extra in steps:
        command: object
        if kind == "contact":
            contacts.append(uuid4())
            command = AddContact(debtor, contacts[-1], ContactRole.OTHER, value, extra)
        elif kind == "change" and contacts:
            command = ChangeContact(debtor, contacts[0], ContactRole.ACCOUNTS_PAYABLE, value, extra)
        elif kind == "address":
            command = ChangeAddress(debtor, dataclasses.replace(HOME, lines=[value]))
        elif kind == "policy":
            command = AssignPolicy(debtor, value)
        else:
            command = EraseDebtor(debtor, value)
        try:
            live = firm.ledger.execute(command, actor=ACTOR).aggregate
        except DomainError:
            continue  # refused (after an erasure, or a change of nothing): nothing recorded
        hashes = [e.hash() for e in firm.store._events[debtor]]

    events = firm.ledger.store.history(debtor).events  # type: ignore[union-attr]
    replayed = Debtor.replay(events)
    assert replayed is not None
    assert [e.previous_hash for e in events] == [GENESIS_HASH, *[e.hash() for e in events[:-1]]]
    assert [e.hash() for e in events] == (hashes or [e.hash() for e in events])
    if live is not None:
        assert (replayed.erased, replayed.version, replayed.head) == (live.erased, live.version, live.head)
        if not live.erased:
            assert (replayed.legal_name, replayed.address, replayed.policy_id) == (
                live.legal_name, live.address, live.policy_id)  # fmt: skip
            assert {c: (x.name, x.email) for c, x in replayed.contacts.items()} == {
                c: (x.name, x.email) for c, x in live.contacts.items()}  # fmt: skip
    if replayed.erased:
        assert all(getattr(e, "name", ERASED) == ERASED for e in events)
        assert firm.keys.owners() == set()


class StoppingKeys(SubjectKeys):
    """Keys whose first destruction never happens: the process stopped right after recording the erasure."""

    def __init__(self) -> None:
        super().__init__(MemoryKeyTable())
        self.stops = 1

    def shred(self, owner: UUID) -> int:
        if self.stops:
            self.stops -= 1
            raise KeyboardInterrupt
        return super().shred(owner)


def test_keys_an_interrupted_erasure_left_are_destroyed_by_the_next_pass_and_only_those() -> None:
    firm = Firm()
    firm.keys = keys = StoppingKeys()
    firm.store = InMemoryEventStore(sealer=keys)
    firm.ledger = Ledger(firm.store, clock=SimulatedClock(START), sealer=keys)
    firm.ledger.pipeline.erasure_listeners.append(lambda debtor, values, **_: firm.erased.append((debtor, values)))
    kept, erased = firm.consumer("Anaïs Roux"), firm.consumer()
    with pytest.raises(KeyboardInterrupt):
        firm.ledger.execute(EraseDebtor(erased, "demande"), actor=ACTOR)
    assert firm.ledger.debtor(erased).erased and keys.owners() == {kept, erased}

    finished = firm.ledger.pipeline.finish_interrupted_erasures()

    assert finished == [erased] and keys.owners() == {kept}
    assert firm.erased == [(erased, frozenset())]
    assert firm.ledger.debtor(kept).legal_name == "Anaïs Roux"


CALL = "Mme Lemoine dit que son mari est au chômage depuis mars"


def consumer_invoice(firm: Firm, debtor: UUID, number: str = "F-2025-001") -> UUID:
    return firm.ledger.execute(
        IssueInvoice(number, debtor, date(2025, 1, 10), date(2025, 2, 9), Decimal("100.00"), Decimal("20.00"),
                     Decimal("120.00"), "Cuisine"),
        actor=ACTOR,
    ).aggregate_id  # fmt: skip


def test_a_call_note_on_a_consumers_invoice_is_sealed_opened_on_reading_and_erased_with_the_debtor() -> None:
    firm = Firm()
    debtor = firm.consumer()
    invoice = consumer_invoice(firm, debtor)
    firm.ledger.execute(
        NoteCall(invoice, date(2025, 3, 3), CallPurpose.FOLLOW_UP, CallOutcome.REACHED, notes=CALL), actor=ACTOR
    )
    firm.ledger.execute(AddNote(invoice, "Paul Lemoine rappellera"), actor=ACTOR)
    stored = firm.store._events[invoice]
    hashes = [event.hash() for event in stored]

    assert all(CALL not in str(event.record()) for event in stored)
    assert isinstance(stored[1].notes, Personal) and stored[1].notes.sealed.subject == invoice
    assert firm.keys.owners() == {debtor}  # the invoice's key is kept under its debtor
    assert firm.ledger.journal(invoice, opened=True)[1].record["data"]["notes"] == CALL
    assert "sealed" in firm.ledger.journal(invoice)[1].record["data"]["notes"]

    firm.ledger.execute(EraseDebtor(debtor, "demande de la personne", force=True), actor=ACTOR)

    assert firm.erased == [(debtor, frozenset({"Paul Lemoine", "3 allée des Tilleuls", CALL,
                                               "Paul Lemoine rappellera"}))]  # fmt: skip
    assert firm.keys.owners() == set()
    opened = [entry.record["data"] for entry in firm.ledger.journal(invoice, opened=True)]
    assert (opened[1]["notes"], opened[2]["text"]) == (ERASED, ERASED)
    assert [event.hash() for event in firm.store._events[invoice]] == hashes
    for chain in (firm.store._events[invoice], firm.store._events[debtor]):
        assert chain[0].previous_hash == GENESIS_HASH
        assert [e.previous_hash for e in chain[1:]] == [e.hash() for e in chain[:-1]]


def test_a_free_text_typed_on_an_erased_persons_invoice_is_recorded_as_erased_and_makes_no_key() -> None:
    firm = Firm()
    debtor = firm.consumer()
    invoice = consumer_invoice(firm, debtor)
    firm.ledger.execute(EraseDebtor(debtor, "demande de la personne", force=True), actor=ACTOR)

    firm.ledger.execute(WriteOff(invoice, "Paul Lemoine introuvable"), actor=ACTOR)

    written_off = firm.store._events[invoice][-1]
    assert written_off.reason == ERASED and not isinstance(written_off.reason, Personal)  # type: ignore[attr-defined]
    assert firm.keys.owners() == set()
    assert firm.ledger.receivable(invoice).status.value == "written_off"


def test_the_free_texts_of_a_professionals_invoice_are_sealed_and_open_as_typed() -> None:
    firm = Firm()
    company = uuid4()
    firm.ledger.execute(RegisterDebtor(company, "Durand SARL", DebtorKind.PROFESSIONAL, HOME, "732829320"),
                        actor=ACTOR)  # fmt: skip
    invoice = consumer_invoice(firm, company)

    firm.ledger.execute(PauseDunning(invoice, "M. Durand hospitalisé"), actor=ACTOR)

    assert firm.ledger.receivable(invoice).pause.reason == "M. Durand hospitalisé"  # type: ignore[union-attr]
    assert firm.keys.owners() == {company}


def test_a_contact_erased_alone_reads_erased_while_the_debtor_and_its_other_contacts_stay_readable() -> None:
    firm = Firm()
    company = uuid4()
    firm.ledger.execute(RegisterDebtor(company, "Durand SARL", DebtorKind.PROFESSIONAL, HOME, "732829320"),
                        actor=ACTOR)  # fmt: skip
    clerk, boss = uuid4(), uuid4()
    firm.ledger.execute(AddContact(company, clerk, ContactRole.ACCOUNTS_PAYABLE, "Léa Morin", "lea@durand.fr",
                                   "0611"), actor=ACTOR)  # fmt: skip
    firm.ledger.execute(AddContact(company, boss, ContactRole.OTHER, "Marc Durand", "marc@durand.fr"), actor=ACTOR)

    firm.ledger.execute(EraseContact(company, clerk, "demande de l'intéressée, partie de l'entreprise"), actor=ACTOR)

    debtor = firm.ledger.debtor(company)
    added = firm.ledger.store.history(company).events[1]  # type: ignore[union-attr]
    assert (debtor.legal_name, list(debtor.contacts)) == ("Durand SARL", [boss])
    assert [added.name, added.email, added.phone] == [ERASED] * 3
    assert firm.erased == [(company, frozenset({"Léa Morin", "lea@durand.fr", "0611"}))]
    assert firm.keys.owners() == {company}  # the company's key and the other contact's are kept
    with pytest.raises(RuleViolation) as again:
        firm.ledger.execute(AddContact(company, clerk, ContactRole.OTHER, "Léa Morin"), actor=ACTOR)
    assert again.value.rule == "contact_unique"  # never sealed again under a destroyed key
