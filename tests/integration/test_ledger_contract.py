"""The Ledger's contract with its store, run on SQLite and on PostgreSQL alike.

Each test builds its scenario (Given), runs the use case (When) and reads the result
back, most often through a *new* Ledger instance on the same store (Then), so what is
checked is what was persisted, not what one instance keeps in memory.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID, uuid4

import pytest

from application.clock import SimulatedClock
from application.commands import (
    AcknowledgeFormalNotice,
    AddContact,
    AddNote,
    AgreePaymentPlan,
    AssignPolicy,
    AttachDocument,
    BreakPromise,
    ChangePriority,
    EndMediation,
    Escalate,
    InvoiceLateCharges,
    NoteCall,
    OpenDispute,
    PauseDunning,
    ReceivableCommand,
    RecordElectronicDeliveryConsent,
    RecordPromise,
    RegisterDebtor,
    ResolveDispute,
    ResumeDunning,
    SendFormalNotice,
    SendReminder,
    SetCreditLimit,
    StartMediation,
    WaiveLateCharges,
)
from application.ledger import Ledger
from application.verification import verify_store
from application.views import debtor_view, receivable_view
from domain.canonical import GENESIS_HASH
from domain.debtor import Address
from domain.errors import AlreadyExists, DomainError, InvalidInput, NotFound, RuleViolation
from domain.values import Money
from domain.vocabulary import (
    AcknowledgementOutcome,
    CallOutcome,
    CallPurpose,
    ContactRole,
    DebtorKind,
    DisputeOutcome,
    DisputeReason,
    DocumentKind,
    DunningStage,
    EscalationRoute,
    NoticeChannel,
    Priority,
    ReceivableStatus,
    ReminderChannel,
    ReminderStage,
)
from tests.integration.conftest import (
    ACTOR,
    DUE_ON,
    START,
    Store,
    clock_at,
    issue_command,
    issue_invoice,
    payment,
    register_debtor,
)

LETTER = b"%PDF-1.4\n% lettre de mise en demeure\n%%EOF\n"
DOCUMENT = hashlib.sha256(LETTER).hexdigest()
RECORD_KEYS = {"actor", "aggregate_id", "aggregate_type", "data", "previous_hash", "recorded_at", "type", "version"}


def at(day: date, hour: int = 9) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC)


def canonical_hash(record: dict[str, Any]) -> str:
    """evidence.md §2, recomputed independently of domain/canonical.py."""
    without_hash = {key: value for key, value in record.items() if key != "hash"}
    text = json.dumps(without_hash, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def hashes(ledger: Ledger, aggregate_id: UUID) -> list[str]:
    return [entry.hash for entry in ledger.journal(aggregate_id)]


# ----------------------------------------------------------- a whole story


def record_a_long_story(
    store: Store, ledger: Ledger, clock: SimulatedClock, debtor_id: UUID, receivable_id: UUID
) -> int:
    """Events of many kinds on one receivable and its debtor; returns the receivable's event count."""
    store.put_document(LETTER)

    def change(command: ReceivableCommand) -> None:
        assert ledger.execute(command, actor=ACTOR).recorded

    for debtor_command in (
        AddContact(debtor_id, uuid4(), ContactRole.ACCOUNTS_PAYABLE, "Claire Martin", email="compta@dupont.example"),
        SetCreditLimit(debtor_id, Money(Decimal("5000.00"))),
        ChangePriority(debtor_id, Priority.HIGH),
        AssignPolicy(debtor_id, "standard-b2b"),
        RecordElectronicDeliveryConsent(debtor_id, consented_on=date(2025, 1, 10)),
    ):
        assert ledger.execute(debtor_command, actor=ACTOR).recorded

    clock.set(at(date(2025, 2, 5)))
    change(SendReminder(receivable_id, ReminderStage.COURTESY, ReminderChannel.EMAIL, sent_on=date(2025, 2, 5)))
    change(NoteCall(receivable_id, date(2025, 2, 5), CallPurpose.PRE_DUE_CHECK, CallOutcome.REACHED))
    clock.set(at(date(2025, 2, 20)))
    change(SendReminder(receivable_id, ReminderStage.FIRST, ReminderChannel.EMAIL, sent_on=date(2025, 2, 20)))
    change(RecordPromise(receivable_id, Decimal("300.00"), promised_date=date(2025, 2, 28)))
    clock.set(at(date(2025, 3, 3)))
    change(BreakPromise(receivable_id, noted_on=date(2025, 3, 3)))
    change(OpenDispute(receivable_id, DisputeReason.PRICE, date(2025, 3, 3), amount=Decimal("200.00")))
    clock.set(at(date(2025, 3, 10)))
    change(
        ResolveDispute(
            receivable_id,
            1,
            DisputeOutcome.UPHELD,
            date(2025, 3, 10),
            credit_note_number="AV-2025-007",
            credit_note_amount=Decimal("200.00"),
        )
    )
    change(payment(receivable_id, "250.00", "VIR-0001", value_date=date(2025, 3, 10)))
    change(
        SendFormalNotice(
            receivable_id,
            NoticeChannel.REGISTERED_LETTER,
            sent_on=date(2025, 3, 10),
            deadline=date(2025, 3, 25),
            principal=Decimal("750.00"),
            interest=Decimal("12.34"),
            indemnity=Decimal("40.00"),
            document_sha256=DOCUMENT,
            tracking_number="1A00000000001",
        )
    )
    clock.set(at(date(2025, 3, 13)))
    change(AcknowledgeFormalNotice(receivable_id, 1, AcknowledgementOutcome.DELIVERED, date(2025, 3, 12)))
    change(InvoiceLateCharges(receivable_id, Decimal("12.34"), Decimal("40.00"), "FP-2025-001", date(2025, 3, 13)))
    change(WaiveLateCharges(receivable_id, Decimal("12.34"), Decimal("0.00"), reason="geste commercial"))
    change(PauseDunning(receivable_id, reason="appel du gérant", until=date(2025, 4, 1)))
    change(ResumeDunning(receivable_id, reason="pas de suite"))
    change(StartMediation(receivable_id, date(2025, 3, 13), reference="MED-42"))
    change(EndMediation(receivable_id, date(2025, 3, 13), outcome="échéancier"))
    change(
        AgreePaymentPlan(
            receivable_id, instalments=[(date(2025, 4, 10), Decimal("375.00")), (date(2025, 5, 10), Decimal("375.00"))]
        )
    )
    change(AddNote(receivable_id, "Échéancier signé par le gérant"))
    change(AttachDocument(receivable_id, DocumentKind.SIGNED_ORDER, DOCUMENT, "application/pdf"))
    clock.set(at(date(2025, 4, 15)))
    change(payment(receivable_id, "375.00", "VIR-0002", value_date=date(2025, 4, 14)))
    change(Escalate(receivable_id, EscalationRoute.PAYMENT_ORDER, date(2025, 4, 15), reference="IP-2025-1"))
    return 22  # the invoice and the 21 changes above


def test_a_new_ledger_instance_finds_the_same_state_and_journal_as_the_one_that_recorded(store: Store) -> None:
    # Given a debtor, an invoice and a long story of events, recorded by one instance
    clock = clock_at()
    writer = store.ledger(clock)
    debtor_id = register_debtor(writer)
    receivable_id = issue_invoice(writer, debtor_id)
    events = record_a_long_story(store, writer, clock, debtor_id, receivable_id)

    # When another instance opens the same store
    reader = store.ledger(clock)
    receivable = reader.receivable(receivable_id)

    # Then it replays the same state and the same journal, hash for hash
    today = date(2025, 4, 15)
    assert receivable.version == events
    assert receivable.outstanding == Decimal("375.00")  # 1200 - 200 credit note - 250 - 375
    assert receivable.status is ReceivableStatus.ESCALATED
    assert receivable.stage is DunningStage.LITIGATION
    assert (receivable.paid, receivable.credited) == (Decimal("625.00"), Decimal("200.00"))
    assert receivable.late_charges_outstanding == Decimal("40.00")  # 12.34 + 40.00 invoiced, 12.34 waived
    assert receivable.notices[0].acknowledgement is AcknowledgementOutcome.DELIVERED
    debtor = reader.debtor(debtor_id)
    assert (debtor.version, debtor.priority, debtor.policy_id) == (6, Priority.HIGH, "standard-b2b")
    assert debtor.credit_limit == Money(Decimal("5000.00"))
    assert [c.name for c in debtor.contacts.values()] == ["Claire Martin"]
    assert receivable_view(receivable, today=today) == receivable_view(writer.receivable(receivable_id), today=today)
    assert debtor_view(reader.debtor(debtor_id)) == debtor_view(writer.debtor(debtor_id))
    assert [e.record for e in reader.journal(receivable_id)] == [e.record for e in writer.journal(receivable_id)]
    assert hashes(reader, debtor_id) == hashes(writer, debtor_id)
    assert receivable.head == hashes(writer, receivable_id)[-1]
    assert [e.record["type"] for e in reader.journal(receivable_id)] == [
        "InvoiceIssued",
        "ReminderSent",
        "CallNoted",
        "ReminderSent",
        "PromiseToPayRecorded",
        "PromiseBroken",
        "DisputeOpened",
        "DisputeResolved",
        "PaymentReceived",
        "FormalNoticeSent",
        "FormalNoticeAcknowledged",
        "LateChargesInvoiced",
        "LateChargesWaived",
        "DunningPaused",
        "DunningResumed",
        "MediationStarted",
        "MediationEnded",
        "PaymentPlanAgreed",
        "NoteAdded",
        "DocumentAttached",
        "PaymentReceived",
        "EscalatedToLitigation",
    ]
    assert [e.record["type"] for e in reader.journal(debtor_id)] == [
        "DebtorRegistered",
        "ContactAdded",
        "CreditLimitSet",
        "PriorityChanged",
        "PolicyAssigned",
        "ElectronicDeliveryConsented",
    ]


# ---------------------------------------------------------------- as of


def test_a_receivable_is_replayed_as_it_stood_at_each_past_instant(store: Store) -> None:
    # Given an invoice of 1,200.00 and three events on later days
    clock = clock_at(START)
    ledger = store.ledger(clock)
    receivable_id = issue_invoice(ledger, register_debtor(ledger))
    paid_200 = at(date(2025, 1, 20))
    clock.set(paid_200)
    ledger.execute(payment(receivable_id, "200.00", "VIR-1", date(2025, 1, 20)), actor=ACTOR)
    promised = at(date(2025, 1, 25))
    clock.set(promised)
    ledger.execute(RecordPromise(receivable_id, Decimal("500.00"), date(2025, 2, 5)), actor=ACTOR)
    settled = at(date(2025, 2, 1))
    clock.set(settled)
    ledger.execute(payment(receivable_id, "1000.00", "VIR-2", date(2025, 2, 1)), actor=ACTOR)

    # When another instance replays it as of several instants
    reader = store.ledger(clock)
    expected = [
        (START, 1, "1200.00", ReceivableStatus.OPEN),
        (paid_200 - timedelta(microseconds=1), 1, "1200.00", ReceivableStatus.OPEN),
        (paid_200, 2, "1000.00", ReceivableStatus.OPEN),
        (promised + timedelta(hours=5), 3, "1000.00", ReceivableStatus.PROMISED),
        (settled + timedelta(days=30), 4, "0.00", ReceivableStatus.SETTLED),
    ]

    # Then each replay shows the version, outstanding amount and status of that instant
    for instant, version, outstanding, status in expected:
        receivable = reader.receivable(receivable_id, as_of=instant)
        assert (receivable.version, receivable.outstanding, receivable.status) == (
            version,
            Decimal(outstanding),
            status,
        ), instant
    assert reader.receivable(receivable_id).version == 4


def test_a_receivable_as_of_an_instant_before_its_invoice_is_not_found(store: Store) -> None:
    # Given an invoice recorded at START
    ledger = store.ledger(clock_at(START))
    receivable_id = issue_invoice(ledger, register_debtor(ledger))

    # When it is asked for one microsecond earlier, Then it did not exist yet
    with pytest.raises(NotFound):
        store.ledger().receivable(receivable_id, as_of=START - timedelta(microseconds=1))


@pytest.mark.parametrize(
    ("day", "last_instant_utc"),
    [
        (date(2025, 1, 15), datetime(2025, 1, 15, 22, 59, 59, 999999, tzinfo=UTC)),  # CET, UTC+1
        (date(2025, 7, 15), datetime(2025, 7, 15, 21, 59, 59, 999999, tzinfo=UTC)),  # CEST, UTC+2
        (date(2025, 3, 30), datetime(2025, 3, 30, 21, 59, 59, 999999, tzinfo=UTC)),  # clocks go forward
        (date(2025, 10, 26), datetime(2025, 10, 26, 22, 59, 59, 999999, tzinfo=UTC)),  # clocks go back
        (date(2025, 12, 31), datetime(2025, 12, 31, 22, 59, 59, 999999, tzinfo=UTC)),
    ],
)
def test_end_of_day_is_the_last_microsecond_of_that_day_in_paris(
    store: Store, day: date, last_instant_utc: datetime
) -> None:
    assert store.ledger().end_of_day(day) == last_instant_utc


def test_as_of_the_end_of_a_day_counts_what_happened_that_evening_in_paris_and_nothing_after(store: Store) -> None:
    # Given a payment at 23:30 in Paris on 15 January (22:30 UTC)
    # and another at 00:30 in Paris on 16 January (still 15 January in UTC)
    clock = clock_at(START)
    ledger = store.ledger(clock)
    receivable_id = issue_invoice(ledger, register_debtor(ledger))
    clock.set(datetime(2025, 1, 15, 22, 30, tzinfo=UTC))
    ledger.execute(payment(receivable_id, "100.00", "LATE-EVENING", date(2025, 1, 15)), actor=ACTOR)
    clock.set(datetime(2025, 1, 15, 23, 30, tzinfo=UTC))
    assert ledger.now().today == date(2025, 1, 16)
    ledger.execute(payment(receivable_id, "100.00", "AFTER-MIDNIGHT", date(2025, 1, 16)), actor=ACTOR)

    # When the receivable is read as of the end of 15 and of 16 January
    reader = store.ledger(clock)
    on_the_15th = reader.receivable(receivable_id, as_of=reader.end_of_day(date(2025, 1, 15)))
    on_the_16th = reader.receivable(receivable_id, as_of=reader.end_of_day(date(2025, 1, 16)))

    # Then the 15th holds the evening payment only, the 16th both
    assert [p.bank_reference for p in on_the_15th.payments] == ["LATE-EVENING"]
    assert [p.bank_reference for p in on_the_16th.payments] == ["LATE-EVENING", "AFTER-MIDNIGHT"]


# --------------------------------------------------------------- journal


def test_journal_records_are_canonical_and_each_hash_is_the_sha256_of_its_record(store: Store) -> None:
    # Given an invoice, a payment a day later and a note
    clock = clock_at(START)
    ledger = store.ledger(clock)
    debtor_id = register_debtor(ledger)
    receivable_id = issue_invoice(ledger, debtor_id)
    clock.set(datetime(2025, 1, 11, 8, 15, 30, 250000, tzinfo=UTC))
    ledger.execute(payment(receivable_id, "450.50", "VIR-2025-0042 reçu", date(2025, 1, 11)), actor=ACTOR)
    ledger.execute(AddNote(receivable_id, "Reste dû : 749,50 €"), actor="bob")

    # When its journal is read from another instance
    entries = store.ledger().journal(receivable_id)

    # Then the records follow evidence.md §2 and chain from the genesis hash
    records = [entry.record for entry in entries]
    assert [r["type"] for r in records] == ["InvoiceIssued", "PaymentReceived", "NoteAdded"]
    assert [r["version"] for r in records] == [1, 2, 3]
    for entry in entries:
        assert set(entry.record) == RECORD_KEYS | {"hash"}
        assert entry.record["hash"] == entry.hash == canonical_hash(entry.record)
        assert entry.record["aggregate_id"] == str(receivable_id)
        assert entry.record["aggregate_type"] == "Receivable"
    assert [r["previous_hash"] for r in records] == [GENESIS_HASH, entries[0].hash, entries[1].hash]
    assert records[0]["recorded_at"] == "2025-01-10T09:00:00.000000Z"
    assert records[1]["recorded_at"] == "2025-01-11T08:15:30.250000Z"
    assert records[0]["data"]["amount_incl_vat"] == "1200.00"
    assert records[0]["data"]["debtor_id"] == str(debtor_id)
    assert records[0]["data"]["due_date"] == DUE_ON.isoformat()
    assert records[1]["data"] == {
        "amount": "450.50",
        "bank_reference": "VIR-2025-0042 reçu",
        "method": "transfer",
        "value_date": "2025-01-11",
    }
    assert records[1]["actor"] == ACTOR
    assert records[2]["actor"] == "bob"
    # non-ASCII is hashed as UTF-8, not \u-escaped (the bank reference: a note is sealed, docs/privacy.md)
    escaped = json.dumps(
        {k: v for k, v in records[1].items() if k != "hash"}, sort_keys=True, separators=(",", ":")
    ).encode()
    assert hashlib.sha256(escaped).hexdigest() != entries[1].hash


def test_a_debtor_journal_is_canonical_too(store: Store) -> None:
    ledger = store.ledger(clock_at(START))
    debtor_id = register_debtor(ledger)

    (entry,) = store.ledger().journal(debtor_id)

    assert entry.record["type"] == "DebtorRegistered"
    assert entry.record["aggregate_type"] == "Debtor"
    assert entry.record["previous_hash"] == GENESIS_HASH
    address = entry.record["data"]["address"]  # a person's address: each part in its sealed form
    assert sorted(address) == ["city", "country", "lines", "postal_code"]
    assert all(set(part) == {"sealed"} for part in [address["city"], address["postal_code"], *address["lines"]])
    assert store.ledger().debtor(debtor_id).address == Address(["12 rue des Lilas"], "69003", "Lyon", "FR")
    assert entry.hash == canonical_hash(entry.record)


# ------------------------------------------------------- refusals record nothing


def test_a_second_invoice_with_the_same_number_is_refused_and_records_nothing(store: Store) -> None:
    # Given invoice F-2025-001 issued by one instance
    ledger = store.ledger(clock_at(START))
    first_debtor = register_debtor(ledger)
    receivable_id = issue_invoice(ledger, first_debtor, "F-2025-001")
    other_debtor = register_debtor(ledger, "Martin & Fils")
    before = store.rows()

    # When another instance issues the same number, for another debtor and amount
    with pytest.raises(AlreadyExists) as refused:
        store.ledger(clock_at(START)).execute(
            issue_command(other_debtor, " F-2025-001 ", excl="10.00", vat="2.00"), actor=ACTOR
        )

    # Then it is refused and the store is unchanged
    assert refused.value.rule == "invoice_number_unique"
    assert store.rows() == before
    original = store.ledger().receivable(receivable_id)
    assert (original.debtor_id, original.amount_incl_vat, original.version) == (first_debtor, Decimal("1200.00"), 1)


def test_registering_the_same_debtor_id_twice_is_refused_and_records_nothing(store: Store) -> None:
    # Given a registered debtor
    debtor_id = register_debtor(store.ledger(clock_at(START)))
    before = store.rows()
    duplicate = RegisterDebtor(
        debtor_id=debtor_id,
        legal_name="Autre SAS",
        kind=DebtorKind.PROFESSIONAL,
        address=Address(["1 place Bellecour"], "69002", "Lyon", "FR"),
        siren="732829320",
    )

    # When another instance registers a debtor under the same id, Then it is refused
    with pytest.raises(AlreadyExists):
        store.ledger(clock_at(START)).execute(duplicate, actor=ACTOR)
    assert store.rows() == before
    assert store.ledger().debtor(debtor_id).legal_name == "Dupont Matériaux SARL"


@pytest.mark.parametrize(
    "ask",
    [
        pytest.param(lambda ledger, unknown: ledger.receivable(unknown), id="receivable"),
        pytest.param(lambda ledger, unknown: ledger.debtor(unknown), id="debtor"),
        pytest.param(lambda ledger, unknown: ledger.journal(unknown), id="journal"),
        pytest.param(lambda ledger, unknown: ledger.receivable_by_number("F-UNKNOWN"), id="invoice number"),
        pytest.param(
            lambda ledger, unknown: ledger.execute(payment(unknown, "1.00", "X"), actor=ACTOR),
            id="payment on an unknown receivable",
        ),
        pytest.param(
            lambda ledger, unknown: ledger.execute(ChangePriority(unknown, Priority.HIGH), actor=ACTOR),
            id="change of an unknown debtor",
        ),
        pytest.param(
            lambda ledger, unknown: ledger.execute(issue_command(unknown, "F-ORPHAN"), actor=ACTOR),
            id="invoice for an unknown debtor",
        ),
    ],
)
def test_an_unknown_id_is_not_found_and_records_nothing(store: Store, ask: Callable[[Ledger, UUID], Any]) -> None:
    # Given a store with one debtor and one invoice
    ledger = store.ledger(clock_at(START))
    issue_invoice(ledger, register_debtor(ledger))
    before = store.rows()

    # When an id that was never recorded is used, Then NotFound, and nothing is written
    with pytest.raises(NotFound):
        ask(store.ledger(clock_at(START)), uuid4())
    assert store.rows() == before


def test_an_aggregate_of_the_other_kind_is_not_found(store: Store) -> None:
    # Given a debtor and a receivable
    ledger = store.ledger(clock_at(START))
    debtor_id = register_debtor(ledger)
    receivable_id = issue_invoice(ledger, debtor_id)

    # Then a debtor id is no receivable, and a receivable id no debtor
    with pytest.raises(NotFound):
        ledger.receivable(debtor_id)
    with pytest.raises(NotFound):
        ledger.debtor(receivable_id)


def test_a_payment_with_a_known_reference_returns_the_original_and_records_nothing(store: Store) -> None:
    # Given a payment VIR-77 of 250.00 recorded as version 2
    ledger = store.ledger(clock_at(START))
    receivable_id = issue_invoice(ledger, register_debtor(ledger))
    first = ledger.execute(payment(receivable_id, "250.00", "VIR-77"), actor=ACTOR)
    before = store.rows()

    # When the same bank line is recorded again, by another instance (a retry after a crash)
    again = store.ledger(clock_at(START)).execute(payment(receivable_id, "250.00", "VIR-77"), actor=ACTOR)

    # Then the original payment comes back and nothing is recorded
    original_payment, recorded_now = again.result
    assert (again.recorded, recorded_now) == (False, False)
    assert again.version == first.version == 2
    assert original_payment.version == 2
    assert store.rows() == before
    reader = store.ledger()
    assert len(reader.journal(receivable_id)) == 2
    assert reader.receivable(receivable_id).paid == Decimal("250.00")


def test_a_known_reference_with_another_amount_is_refused(store: Store) -> None:
    ledger = store.ledger(clock_at(START))
    receivable_id = issue_invoice(ledger, register_debtor(ledger))
    ledger.execute(payment(receivable_id, "250.00", "VIR-77"), actor=ACTOR)
    before = store.rows()

    with pytest.raises(RuleViolation) as refused:
        ledger.execute(payment(receivable_id, "260.00", "VIR-77"), actor=ACTOR)

    assert refused.value.rule == "payment_reference_unique"
    assert store.rows() == before


def _settled(ledger: Ledger, receivable_id: UUID) -> None:
    ledger.execute(payment(receivable_id, "1200.00", "VIR-ALL"), actor=ACTOR)


def _open(ledger: Ledger, receivable_id: UUID) -> None:
    pass


@pytest.mark.parametrize(
    ("given", "command", "error", "rule"),
    [
        pytest.param(
            _settled,
            lambda rid: payment(rid, "10.00", "VIR-AFTER"),
            RuleViolation,
            "receivable_open",
            id="payment on a settled receivable",
        ),
        pytest.param(
            _open,
            lambda rid: AcknowledgeFormalNotice(rid, 1, AcknowledgementOutcome.DELIVERED, START.date()),
            RuleViolation,
            "acknowledgement_needs_notice",
            id="acknowledgement without a notice",
        ),
        pytest.param(
            _open,
            lambda rid: payment(rid, "10.005", "VIR-3DEC"),
            InvalidInput,
            "amount_precision",
            id="amount with three decimals",
        ),
        pytest.param(
            _open,
            lambda rid: payment(rid, "10.00", "VIR-FUTURE", START.date() + timedelta(days=1)),
            RuleViolation,
            "date_not_in_future",
            id="payment dated tomorrow",
        ),
        pytest.param(
            _open,
            lambda rid: ResolveDispute(rid, 1, DisputeOutcome.REJECTED, START.date()),
            RuleViolation,
            "dispute_exists",
            id="resolution of a dispute never opened",
        ),
    ],
)
def test_a_refused_command_leaves_the_store_unchanged(
    store: Store,
    given: Callable[[Ledger, UUID], None],
    command: Callable[[UUID], ReceivableCommand],
    error: type[DomainError],
    rule: str,
) -> None:
    # Given a receivable in some state
    ledger = store.ledger(clock_at(START))
    receivable_id = issue_invoice(ledger, register_debtor(ledger))
    given(ledger, receivable_id)
    before = store.rows()
    version = ledger.receivable(receivable_id).version

    # When a command its state or its input forbids is run
    with pytest.raises(error) as refused:
        store.ledger(clock_at(START)).execute(command(receivable_id), actor=ACTOR)

    # Then it is refused by the right rule and not one byte of the store changed
    assert refused.value.rule == rule
    assert store.rows() == before
    assert store.ledger().receivable(receivable_id).version == version


# ----------------------------------------------------------------- listing


def test_ids_and_receivables_list_what_was_recorded(store: Store) -> None:
    # Given two debtors with three invoices between them, and a debtor without any
    ledger = store.ledger(clock_at(START))
    dupont = register_debtor(ledger, "Dupont Matériaux SARL")
    martin = register_debtor(ledger, "Martin & Fils")
    idle = register_debtor(ledger, "Sans Facture SA")
    f1 = issue_invoice(ledger, dupont, "F-1")
    f2 = issue_invoice(ledger, dupont, "F-2")
    f3 = issue_invoice(ledger, martin, "F-3")
    ledger.execute(payment(f1, "10.00", "VIR-1"), actor=ACTOR)

    # When another instance lists them
    reader = store.ledger()

    # Then every id is listed once, and receivables filter by debtor
    assert sorted(reader.receivable_ids(), key=str) == sorted([f1, f2, f3], key=str)
    assert sorted(reader.debtor_ids(), key=str) == sorted([dupont, martin, idle], key=str)
    assert sorted(r.invoice_number for r in reader.receivables(debtor_id=dupont)) == ["F-1", "F-2"]
    assert [r.invoice_number for r in reader.receivables(debtor_id=martin)] == ["F-3"]
    assert list(reader.receivables(debtor_id=idle)) == []
    assert sorted(r.invoice_number for r in reader.receivables()) == ["F-1", "F-2", "F-3"]


def test_an_empty_store_lists_nothing(store: Store) -> None:
    ledger = store.ledger()

    assert list(ledger.receivable_ids()) == []
    assert list(ledger.debtor_ids()) == []
    assert list(ledger.receivables()) == []


# ------------------------------------------------------------ verification


def test_verifying_a_clean_store_reports_every_chain_intact_with_the_right_counts(store: Store) -> None:
    # Given 2 debtors (1 and 2 events) and 2 receivables (3 and 1 events): 7 events
    ledger = store.ledger(clock_at(START))
    dupont = register_debtor(ledger)
    martin = register_debtor(ledger, "Martin & Fils")
    ledger.execute(ChangePriority(martin, Priority.LOW), actor=ACTOR)
    f1 = issue_invoice(ledger, dupont, "F-1")
    ledger.execute(payment(f1, "10.00", "VIR-1"), actor=ACTOR)
    ledger.execute(AddNote(f1, "relancé par téléphone"), actor=ACTOR)
    f2 = issue_invoice(ledger, martin, "F-2")

    # When another instance verifies the store
    reader = store.ledger()
    report = verify_store(reader.recorder, reader.mapper)

    # Then every chain verifies and each head is the journal's last hash
    assert report.ok
    assert report.breaks == []
    assert report.events == 7
    heads = {head.aggregate_id: (head.aggregate_type, head.version, head.head) for head in report.heads}
    assert heads == {
        dupont: ("Debtor", 1, hashes(reader, dupont)[-1]),
        martin: ("Debtor", 2, hashes(reader, martin)[-1]),
        f1: ("Receivable", 3, hashes(reader, f1)[-1]),
        f2: ("Receivable", 1, hashes(reader, f2)[-1]),
    }


def test_verifying_an_empty_store_reports_ok_and_nothing_checked(store: Store) -> None:
    ledger = store.ledger()

    report = verify_store(ledger.recorder, ledger.mapper)

    assert (report.ok, report.heads, report.events) == (True, [], 0)
