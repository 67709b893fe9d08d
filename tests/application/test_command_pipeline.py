"""The command pipeline, on the in-memory event store: the steps every entry point passes
(role, stored documents, expected version, decision, append, decided again after a lost race)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime
from decimal import Decimal
from uuid import UUID, uuid4

import pytest

from application.access import Principal, Role
from application.clock import SimulatedClock
from application.commands import (
    AddNote,
    IssueInvoice,
    RecordElectronicDeliveryConsent,
    RecordPayment,
    RegisterDebtor,
    SendFormalNotice,
)
from application.event_store import AppendConflict, CommandOutcome
from application.ledger import Ledger
from application.pipeline import ATTEMPTS, PERMISSIONS, IdempotencyKey
from domain.chain import LedgerEvent
from domain.debtor import Address
from domain.errors import AlreadyExists, Forbidden, InvalidInput, VersionConflict, VersionMismatch
from domain.receivable_events import ClaimBreakdown
from domain.vocabulary import DebtorKind, NoticeChannel, PaymentMethod
from infrastructure.memory_store import InMemoryEventStore

START = datetime(2025, 1, 10, 9, 0, tzinfo=UTC)
ACTOR = "compta.sophie"
STORED = "a" * 64


class Catalog:
    def __init__(self, *stored: str) -> None:
        self.stored = set(stored)

    def is_stored(self, sha256: str) -> bool:
        return sha256 in self.stored


class LosingStore(InMemoryEventStore):
    """A store where another writer gets there first ``losses`` times: before each losing append it
    records that writer's note on the same aggregate, as a concurrent process would."""

    def __init__(self, losses: int) -> None:
        super().__init__()
        self.losses = losses
        self.appends = 0
        self.other: Ledger | None = None

    def append(self, events: Sequence[LedgerEvent], outcomes: Sequence[CommandOutcome] = ()) -> None:
        self.appends += 1
        if self.losses and self.other is not None:
            self.losses -= 1
            other, self.other = self.other, None  # the other writer's own append must go through
            other.execute(AddNote(events[0].originator_id, "écrit par un autre poste"), actor="marie.dupont")
            self.other = other
        super().append(events, outcomes)


def ledger_on(store: InMemoryEventStore | None = None, *, documents: Catalog | None = None) -> Ledger:
    return Ledger(store or InMemoryEventStore(), documents=documents or Catalog(STORED), clock=SimulatedClock(START))


def principal(role: Role, name: str = "someone") -> Principal:
    return Principal(token_id="t", name=name, role=role)


def given_an_invoice(ledger: Ledger) -> UUID:
    debtor_id = uuid4()
    ledger.execute(
        RegisterDebtor(debtor_id, "Dupont Matériaux SARL", DebtorKind.PROFESSIONAL,
                       Address(["1 rue de la Paix"], "75002", "Paris", "FR"), siren="732829320"),
        actor=ACTOR,
    )  # fmt: skip
    return ledger.execute(
        IssueInvoice("F-2025-001", debtor_id, date(2025, 1, 10), date(2025, 2, 9), Decimal("1000.00"),
                     Decimal("200.00"), Decimal("1200.00"), "Menuiseries"),
        actor=ACTOR,
    ).aggregate_id  # fmt: skip


def payment(receivable_id: UUID, reference: str = "VIR-1", amount: str = "100.00") -> RecordPayment:
    return RecordPayment(receivable_id, Decimal(amount), date(2025, 1, 10), PaymentMethod.TRANSFER, reference)


def test_a_command_recorded_through_the_pipeline_is_in_the_store_with_its_actor() -> None:
    ledger = ledger_on()
    receivable_id = given_an_invoice(ledger)
    outcome = ledger.execute(payment(receivable_id), principal=principal(Role.ACCOUNTANT, "compta.paul"))
    assert (outcome.recorded, outcome.version) == (True, 2)
    assert ledger.journal(receivable_id)[1].record["actor"] == "compta.paul"


def test_a_role_that_may_not_issue_the_command_is_refused_and_nothing_is_recorded() -> None:
    ledger = ledger_on()
    receivable_id = given_an_invoice(ledger)
    with pytest.raises(Forbidden) as refused:
        ledger.execute(payment(receivable_id), principal=principal(Role.COLLECTOR))
    assert refused.value.rule == "forbidden"
    assert ledger.receivable(receivable_id).version == 1


def test_an_auditor_may_issue_no_command_at_all() -> None:
    auditor = principal(Role.AUDITOR)
    assert all(not auditor.may(roles) for roles in PERMISSIONS.values())


def test_a_document_that_was_never_stored_is_refused_for_a_debtor_command_too() -> None:
    ledger = ledger_on(documents=Catalog())
    receivable_id = given_an_invoice(ledger)
    debtor_id = ledger.receivable(receivable_id).debtor_id
    consent = RecordElectronicDeliveryConsent(debtor_id, date(2025, 1, 10), proof_sha256="b" * 64)
    with pytest.raises(InvalidInput) as refused:
        ledger.execute(consent, actor=ACTOR)
    assert refused.value.rule == "document_stored"
    assert ledger.debtor(debtor_id).version == 1


def test_a_stored_document_is_accepted() -> None:
    ledger = ledger_on()
    receivable_id = given_an_invoice(ledger)
    debtor_id = ledger.receivable(receivable_id).debtor_id
    outcome = ledger.execute(RecordElectronicDeliveryConsent(debtor_id, date(2025, 1, 10), STORED), actor=ACTOR)
    assert outcome.recorded


def test_an_expected_version_that_no_longer_holds_is_refused_before_deciding() -> None:
    ledger = ledger_on()
    receivable_id = given_an_invoice(ledger)
    ledger.execute(payment(receivable_id), actor=ACTOR)
    with pytest.raises(VersionMismatch) as refused:
        ledger.execute(payment(receivable_id, "VIR-2"), actor=ACTOR, expected_version=1)
    assert refused.value.rule == "if_match"
    assert ledger.receivable(receivable_id).version == 2


def test_a_command_without_if_match_that_lost_a_race_is_decided_again_on_the_fresh_state() -> None:
    store = LosingStore(losses=2)
    ledger, other = ledger_on(store), ledger_on(store)
    receivable_id = given_an_invoice(ledger)
    store.other = other
    outcome = ledger.execute(payment(receivable_id), actor=ACTOR)
    assert (outcome.recorded, outcome.version) == (True, 4)  # after the other writer's two notes
    assert [e.record["type"] for e in ledger.journal(receivable_id)] == [
        "InvoiceIssued", "NoteAdded", "NoteAdded", "PaymentReceived",
    ]  # fmt: skip


def test_a_command_with_if_match_that_lost_a_race_is_a_concurrent_write_and_records_nothing() -> None:
    store = LosingStore(losses=1)
    ledger, other = ledger_on(store), ledger_on(store)
    receivable_id = given_an_invoice(ledger)
    store.other = other
    with pytest.raises(VersionConflict) as refused:
        ledger.execute(payment(receivable_id), actor=ACTOR, expected_version=1)
    assert refused.value.rule == "concurrent_write"
    assert [e.record["type"] for e in ledger.journal(receivable_id)] == ["InvoiceIssued", "NoteAdded"]


def test_a_command_that_loses_every_race_is_refused_after_a_few_attempts() -> None:
    store = LosingStore(losses=ATTEMPTS)
    ledger, other = ledger_on(store), ledger_on(store)
    receivable_id = given_an_invoice(ledger)
    store.other = other
    appends_before = store.appends
    with pytest.raises(VersionConflict):
        ledger.execute(payment(receivable_id), actor=ACTOR)
    assert store.appends - appends_before == 2 * ATTEMPTS  # each of ours, and each of the other writer's
    assert "PaymentReceived" not in [e.record["type"] for e in ledger.journal(receivable_id)]


def test_a_known_bank_reference_records_nothing_and_answers_the_original() -> None:
    ledger = ledger_on()
    receivable_id = given_an_invoice(ledger)
    ledger.execute(payment(receivable_id), actor=ACTOR)
    again = ledger.execute(payment(receivable_id), actor=ACTOR)
    assert (again.recorded, again.version, again.events) == (False, 2, ())


def test_an_invoice_number_issued_twice_is_refused_as_already_issued() -> None:
    ledger = ledger_on()
    receivable_id = given_an_invoice(ledger)
    debtor_id = ledger.receivable(receivable_id).debtor_id
    with pytest.raises(AlreadyExists) as refused:
        ledger.execute(
            IssueInvoice("F-2025-001", debtor_id, date(2025, 1, 10), date(2025, 2, 9), Decimal("1.00"),
                         Decimal("0.00"), Decimal("1.00"), "x"),
            actor=ACTOR,
        )  # fmt: skip
    assert refused.value.rule == "invoice_number_unique"


def test_a_batch_is_appended_in_one_go_and_a_refused_command_leaves_nothing_of_its_own() -> None:
    ledger = ledger_on()
    first, second = given_an_invoice(ledger), None
    debtor_id = ledger.receivable(first).debtor_id
    second = ledger.execute(
        IssueInvoice("F-2025-002", debtor_id, date(2025, 1, 10), date(2025, 2, 9), Decimal("1000.00"),
                     Decimal("200.00"), Decimal("1200.00"), "Menuiseries"),
        actor=ACTOR,
    ).aggregate_id  # fmt: skip
    items = [
        (payment(first), ledger.receivable(first)),
        (payment(second, amount="-1.00"), ledger.receivable(second)),  # refused by the domain
        (AddNote(second, "relancé par téléphone"), ledger.receivable(second)),
    ]
    outcome = ledger.execute_batch(items, actor=ACTOR)
    assert not outcome.conflicted and outcome.events == 2
    assert [type(error).__name__ for _, error in outcome.refused] == ["InvalidInput"]
    assert ledger.receivable(first).version == 2
    assert [e.record["type"] for e in ledger.journal(second)] == ["InvoiceIssued", "NoteAdded"]


def test_a_batch_naming_an_unstored_document_refuses_that_command_only() -> None:
    ledger = ledger_on()
    receivable_id = given_an_invoice(ledger)
    breakdown = ClaimBreakdown(Decimal("1200.00"), Decimal("10.00"), Decimal("40.00"))
    notice = SendFormalNotice(
        receivable_id, NoticeChannel.REGISTERED_LETTER, date(2025, 1, 10), date(2025, 1, 25),
        breakdown.principal, breakdown.interest, breakdown.indemnity, "c" * 64,
    )  # fmt: skip
    items = [(notice, ledger.receivable(receivable_id))]
    outcome = ledger.execute_batch(items, actor=ACTOR)
    assert [error.rule for _, error in outcome.refused] == ["document_stored"]
    assert ledger.receivable(receivable_id).version == 1


def test_a_batch_that_meets_another_writer_appends_nothing_and_says_so() -> None:
    ledger = ledger_on()
    receivable_id = given_an_invoice(ledger)
    stale = ledger.receivable(receivable_id)
    ledger.execute(AddNote(receivable_id, "écrit ailleurs"), actor=ACTOR)
    outcome = ledger.execute_batch([(payment(receivable_id), stale)], actor=ACTOR)
    assert outcome.conflicted and outcome.events == 0
    assert [e.record["type"] for e in ledger.journal(receivable_id)] == ["InvoiceIssued", "NoteAdded"]


def test_the_in_memory_store_refuses_an_append_whose_version_is_taken() -> None:
    ledger = ledger_on()
    receivable_id = given_an_invoice(ledger)
    stale = ledger.receivable(receivable_id)
    ledger.execute(AddNote(receivable_id, "premier"), actor=ACTOR)
    AddNote(receivable_id, "second").run(stale, ledger.now(), ACTOR)
    with pytest.raises(AppendConflict):
        ledger.store.append(stale.collect_events())


# ------------------------------------------------------------ idempotency keys


def keyed(key: str = "k-1", request: str = "request-a") -> IdempotencyKey:
    return IdempotencyKey(scope="caller", key=key, request_hash=request)


def test_a_command_sent_twice_with_one_key_is_recorded_once_and_the_second_answer_replays_the_first() -> None:
    ledger = ledger_on()
    receivable_id = given_an_invoice(ledger)
    first = ledger.execute(AddNote(receivable_id, "appel"), actor=ACTOR, idempotency=keyed())
    second = ledger.execute(AddNote(receivable_id, "appel"), actor=ACTOR, idempotency=keyed())
    assert (first.recorded, first.replayed, second.recorded, second.replayed) == (True, False, True, True)
    assert second.events == first.events and second.version == first.version == 2
    assert [e.record["type"] for e in ledger.journal(receivable_id)] == ["InvoiceIssued", "NoteAdded"]


def test_a_replayed_answer_shows_the_file_as_it_stood_after_the_first_request() -> None:
    ledger = ledger_on()
    receivable_id = given_an_invoice(ledger)
    ledger.execute(payment(receivable_id), actor=ACTOR, idempotency=keyed())
    ledger.execute(payment(receivable_id, "VIR-2"), actor=ACTOR)
    again = ledger.execute(payment(receivable_id), actor=ACTOR, idempotency=keyed())
    assert again.replayed and again.aggregate.version == 2 and again.aggregate.paid == Decimal("100.00")


def test_one_key_used_with_another_request_is_refused_and_records_nothing() -> None:
    ledger = ledger_on()
    receivable_id = given_an_invoice(ledger)
    ledger.execute(AddNote(receivable_id, "appel"), actor=ACTOR, idempotency=keyed())
    with pytest.raises(InvalidInput) as refused:
        ledger.execute(AddNote(receivable_id, "autre"), actor=ACTOR, idempotency=keyed(request="request-b"))
    assert refused.value.rule == "idempotency_key_reused"
    assert ledger.receivable(receivable_id).version == 2


def test_the_twin_of_a_keyed_command_that_lost_the_race_answers_with_what_the_winner_recorded() -> None:
    store = InMemoryEventStore()
    ledger = ledger_on(store)
    receivable_id = given_an_invoice(ledger)
    stale = ledger.receivable(receivable_id)
    ledger.execute(AddNote(receivable_id, "appel"), actor=ACTOR, idempotency=keyed())  # the twin, first
    AddNote(receivable_id, "appel").run(stale, ledger.now(), ACTOR)
    with pytest.raises(AppendConflict):  # the key is taken: nothing of this append is stored
        store.append(stale.collect_events(), [CommandOutcome("caller", "k-1", "request-a", receivable_id, 2, 2)])
    assert [e.record["type"] for e in ledger.journal(receivable_id)] == ["InvoiceIssued", "NoteAdded"]


def test_a_keyed_command_that_records_nothing_leaves_its_key_free() -> None:
    ledger = ledger_on()
    receivable_id = given_an_invoice(ledger)
    ledger.execute(payment(receivable_id), actor=ACTOR)
    known = ledger.execute(payment(receivable_id), actor=ACTOR, idempotency=keyed())
    assert (known.recorded, known.replayed) == (False, False)
    assert ledger.store.command_outcome("caller", "k-1") is None
