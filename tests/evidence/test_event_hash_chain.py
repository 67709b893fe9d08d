"""Golden vectors for the event record and its hash chain (evidence.md §2).

The three records of one receivable below (and one debtor's) are written by hand. Their
hashes are pinned as hex literals AND recomputed here with hashlib from the literal bytes,
so a change of the record format, of canonical JSON or of the hash is caught.
"""

from __future__ import annotations

import dataclasses
import hashlib
import re
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any, get_type_hints
from uuid import UUID
from zoneinfo import ZoneInfo

import pytest

from domain.canonical import GENESIS_HASH, canonical_bytes
from domain.chain import LedgerEvent
from domain.debtor import DEBTOR_EVENTS, Address, Debtor, DebtorRegistered
from domain.receivable import Receivable, receivable_id_for
from domain.receivable_events import (
    RECEIVABLE_EVENTS,
    ClaimBreakdown,
    InvoiceIssued,
    PaymentReceived,
    ReminderSent,
)
from domain.values import Money, Now
from domain.vocabulary import (
    AcknowledgementOutcome,
    CallOutcome,
    CallPurpose,
    ContactRole,
    DebtorKind,
    DeliveryStatus,
    DisputeOutcome,
    DisputeReason,
    DocumentKind,
    EscalationRoute,
    InsolvencyProcedure,
    NoticeChannel,
    PaymentMethod,
    Priority,
    ReminderChannel,
    ReminderStage,
)

# uuid5(uuid5(NAMESPACE_URL, "https://relance.invalid/receivable"), "F-2024-0042"), computed with the standard library
RECEIVABLE_ID = UUID("be3a6676-4cd2-5118-8bb3-7ae49a18012c")
DEBTOR_ID = UUID("6f1c2b9e-3d4a-4c5b-8e7f-0a1b2c3d4e5f")
EMPTY_SHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

INVOICE_ISSUED_BYTES = (
    '{"actor":"erp:sage","aggregate_id":"be3a6676-4cd2-5118-8bb3-7ae49a18012c","aggregate_type":"Receivable",'
    '"data":{"amount_excl_vat":"1000.00","amount_incl_vat":"1200.00","contractual_penalty_rate":"12.15",'
    '"currency":"EUR","debtor_id":"6f1c2b9e-3d4a-4c5b-8e7f-0a1b2c3d4e5f","debtor_kind":"professional",'
    '"delivery_date":"2024-01-10","due_date":"2024-02-14","invoice_number":"F-2024-0042","issue_date":"2024-01-15",'
    '"label":"Maintenance — Société Générale, janvier 2024","order_reference":null,'
    '"payment_terms":"30 jours fin de mois","vat":"200.00"},'
    '"previous_hash":"0000000000000000000000000000000000000000000000000000000000000000",'
    '"recorded_at":"2024-01-15T09:00:00.000000Z","type":"InvoiceIssued","version":1}'
).encode()
INVOICE_ISSUED_HASH = "6441cecadae8bb2cbec3d094fe2482f9a17f387d62565fb40972a7e9e644f7a1"

REMINDER_SENT_BYTES = (
    b'{"actor":"system:dunning","aggregate_id":"be3a6676-4cd2-5118-8bb3-7ae49a18012c","aggregate_type":"Receivable",'
    b'"data":{"channel":"email","contact_id":null,'
    b'"document_sha256":"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",'
    b'"policy_id":"default","policy_version":1,"rule":"due+5","sent_on":"2024-02-19","stage":"first",'
    b'"template_id":"first-reminder-fr"},'
    b'"previous_hash":"6441cecadae8bb2cbec3d094fe2482f9a17f387d62565fb40972a7e9e644f7a1",'
    b'"recorded_at":"2024-02-19T07:30:00.000000Z","type":"ReminderSent","version":2}'
)
REMINDER_SENT_HASH = "acff7a086c013c09865b10f33d2367e2133c1e11a067945719d27af2af92f62b"

PAYMENT_RECEIVED_BYTES = (
    '{"actor":"collector:alice","aggregate_id":"be3a6676-4cd2-5118-8bb3-7ae49a18012c","aggregate_type":"Receivable",'
    '"data":{"amount":"600.00","bank_reference":"VIR SOCIÉTÉ GÉNÉRALE 0319","method":"transfer",'
    '"value_date":"2024-03-19"},'
    '"previous_hash":"acff7a086c013c09865b10f33d2367e2133c1e11a067945719d27af2af92f62b",'
    '"recorded_at":"2024-03-20T14:05:06.789000Z","type":"PaymentReceived","version":3}'
).encode()
PAYMENT_RECEIVED_HASH = "af4f061232a284033459650ce833bf11b277a9acdae5f81d1b0d1b803c0b9dc5"

DEBTOR_REGISTERED_BYTES = (
    '{"actor":"erp:sage","aggregate_id":"6f1c2b9e-3d4a-4c5b-8e7f-0a1b2c3d4e5f","aggregate_type":"Debtor",'
    '"data":{"address":{"city":"Paris","country":"FR","lines":["29 boulevard Haussmann","Bâtiment B"],'
    '"postal_code":"75009"},"kind":"professional","legal_name":"Société Générale de Maintenance",'
    '"siren":"552100554","siret":"55210055400013"},'
    '"previous_hash":"0000000000000000000000000000000000000000000000000000000000000000",'
    '"recorded_at":"2024-01-02T08:00:00.000000Z","type":"DebtorRegistered","version":1}'
).encode()
DEBTOR_REGISTERED_HASH = "72d7cf24c59f8105717330f7f91accaba1af8e2def96f4e643107d486578a972"

# The event names of product.md, "Aggregates and events": the journal's stable interface.
PRODUCT_RECEIVABLE_EVENTS = {
    "InvoiceIssued",
    "ReminderSent",
    "CallNoted",
    "PromiseToPayRecorded",
    "PromiseBroken",
    "DisputeOpened",
    "DisputeResolved",
    "FormalNoticeSent",
    "FormalNoticeAcknowledged",
    "PaymentReceived",
    "CreditNoteApplied",
    "PaymentPlanAgreed",
    "InstalmentMissed",
    "LateChargesInvoiced",
    "LateChargesWaived",
    "EscalatedToLitigation",
    "WrittenOff",
    "DunningPaused",
    "DunningResumed",
    "MediationStarted",
    "MediationEnded",
    "NoteAdded",
    "DocumentAttached",
    "LetterReturned",  # issue 17: a reminder letter came back undeliverable
    "DeliveryReported",  # issue 17: what became of an e-mail or an SMS (delivered, bounced)
}
PRODUCT_DEBTOR_EVENTS = {
    "DebtorRegistered",
    "ContactAdded",
    "ContactChanged",
    "CreditLimitSet",
    "PriorityChanged",
    "PolicyAssigned",
    "ElectronicDeliveryConsented",
    "InsolvencyOpened",
    "ClaimDeclared",
    "DebtorErased",
    "MailReturned",  # issue 17: the postal address is flagged...
    "AddressChanged",  # ...until it is changed
    "EmailBounced",  # issue 17: a hard bounce flags the contact's e-mail until it changes
    "DebtorNameRectified",  # issue 19: the name corrected (GDPR art. 16), a new event
    "ContactErased",  # issue 19: one contact person's data erased, the debtor kept
}
PERSONAL_DATA = re.compile(r"name|email|e_mail|phone|address|street|city|postal|iban|birth", re.IGNORECASE)
HEX64 = re.compile(r"^[0-9a-f]{64}$")


# -------------------------------------------------------------- the events


def invoice_issued() -> InvoiceIssued:
    return InvoiceIssued(
        originator_id=RECEIVABLE_ID,
        originator_version=1,
        timestamp=datetime(2024, 1, 15, 9, 0, tzinfo=UTC),
        actor="erp:sage",
        previous_hash=GENESIS_HASH,
        invoice_number="F-2024-0042",
        debtor_id=DEBTOR_ID,
        issue_date=date(2024, 1, 15),
        delivery_date=date(2024, 1, 10),
        due_date=date(2024, 2, 14),
        amount_excl_vat=Decimal("1000.00"),
        vat=Decimal("200.00"),
        amount_incl_vat=Decimal("1200.00"),
        currency="EUR",
        label="Maintenance — Société Générale, janvier 2024",
        order_reference=None,
        payment_terms="30 jours fin de mois",
        contractual_penalty_rate=Decimal("12.15"),
        debtor_kind=DebtorKind.PROFESSIONAL,
    )


def reminder_sent() -> ReminderSent:
    return ReminderSent(
        originator_id=RECEIVABLE_ID,
        originator_version=2,
        timestamp=datetime(2024, 2, 19, 7, 30, tzinfo=UTC),
        actor="system:dunning",
        previous_hash=INVOICE_ISSUED_HASH,
        stage=ReminderStage.FIRST,
        channel=ReminderChannel.EMAIL,
        sent_on=date(2024, 2, 19),
        contact_id=None,
        template_id="first-reminder-fr",
        document_sha256=EMPTY_SHA256,
        policy_id="default",
        policy_version=1,
        rule="due+5",
    )


def payment_received() -> PaymentReceived:
    return PaymentReceived(
        originator_id=RECEIVABLE_ID,
        originator_version=3,
        timestamp=datetime(2024, 3, 20, 15, 5, 6, 789000, tzinfo=ZoneInfo("Europe/Paris")),  # 14:05:06.789 UTC
        actor="collector:alice",
        previous_hash=REMINDER_SENT_HASH,
        amount=Decimal("600.00"),
        value_date=date(2024, 3, 19),
        method=PaymentMethod.TRANSFER,
        bank_reference="VIR SOCIÉTÉ GÉNÉRALE 0319",
    )


def debtor_registered() -> DebtorRegistered:
    return DebtorRegistered(
        originator_id=DEBTOR_ID,
        originator_version=1,
        timestamp=datetime(2024, 1, 2, 8, 0, tzinfo=UTC),
        actor="erp:sage",
        previous_hash=GENESIS_HASH,
        legal_name="Société Générale de Maintenance",
        kind=DebtorKind.PROFESSIONAL,
        siren="552100554",
        siret="55210055400013",
        address=Address(
            lines=["29 boulevard Haussmann", "Bâtiment B"], postal_code="75009", city="Paris", country="FR"
        ),
    )


GOLDEN = [
    pytest.param(invoice_issued, INVOICE_ISSUED_BYTES, INVOICE_ISSUED_HASH, id="InvoiceIssued"),
    pytest.param(reminder_sent, REMINDER_SENT_BYTES, REMINDER_SENT_HASH, id="ReminderSent"),
    pytest.param(payment_received, PAYMENT_RECEIVED_BYTES, PAYMENT_RECEIVED_HASH, id="PaymentReceived"),
    pytest.param(debtor_registered, DEBTOR_REGISTERED_BYTES, DEBTOR_REGISTERED_HASH, id="DebtorRegistered"),
]


# -------------------------------------------------------------- golden bytes


@pytest.mark.parametrize(("build", "golden_bytes", "golden_hash"), GOLDEN)
def test_an_event_record_has_the_canonical_bytes_written_in_the_spec(
    build: Any, golden_bytes: bytes, golden_hash: str
) -> None:
    event = build()

    assert canonical_bytes(event.record()) == golden_bytes


@pytest.mark.parametrize(("build", "golden_bytes", "golden_hash"), GOLDEN)
def test_an_event_hash_is_the_sha256_of_its_canonical_record(build: Any, golden_bytes: bytes, golden_hash: str) -> None:
    event = build()

    assert hashlib.sha256(golden_bytes).hexdigest() == golden_hash  # the pinned literal is the literal's hash
    assert event.hash() == golden_hash


def test_the_golden_events_form_a_chain_from_the_genesis_hash() -> None:
    first, second, third = invoice_issued(), reminder_sent(), payment_received()

    assert first.previous_hash == GENESIS_HASH
    assert second.previous_hash == first.hash()
    assert third.previous_hash == second.hash()
    receivable = Receivable.replay([first, second, third])
    assert receivable is not None
    assert (receivable.version, receivable.head) == (3, PAYMENT_RECEIVED_HASH)


def test_the_receivables_commands_write_the_golden_chain() -> None:
    receivable = Receivable.issue(
        invoice_number="F-2024-0042",
        debtor_id=DEBTOR_ID,
        debtor_kind=DebtorKind.PROFESSIONAL,
        issue_date=date(2024, 1, 15),
        delivery_date=date(2024, 1, 10),
        due_date=date(2024, 2, 14),
        amount_excl_vat=Money(Decimal("1000"), "EUR"),
        vat=Money(Decimal("200"), "EUR"),
        amount_incl_vat=Money(Decimal("1200.00"), "EUR"),
        label="Maintenance — Société Générale, janvier 2024",
        payment_terms="30 jours fin de mois",
        contractual_penalty_rate=Decimal("12.15"),
        now=Now(instant=datetime(2024, 1, 15, 9, 0, tzinfo=UTC), today=date(2024, 1, 15)),
        actor="erp:sage",
    )
    receivable.send_reminder(
        stage=ReminderStage.FIRST,
        channel=ReminderChannel.EMAIL,
        sent_on=date(2024, 2, 19),
        template_id="first-reminder-fr",
        document_sha256=EMPTY_SHA256,
        policy_id="default",
        policy_version=1,
        rule="due+5",
        now=Now(instant=datetime(2024, 2, 19, 7, 30, tzinfo=UTC), today=date(2024, 2, 19)),
        actor="system:dunning",
    )
    receivable.receive_payment(
        paid=Money(Decimal("600.00"), "EUR"),
        value_date=date(2024, 3, 19),
        method=PaymentMethod.TRANSFER,
        bank_reference="VIR SOCIÉTÉ GÉNÉRALE 0319",
        now=Now(instant=datetime(2024, 3, 20, 14, 5, 6, 789000, tzinfo=UTC), today=date(2024, 3, 20)),
        actor="collector:alice",
    )

    events = receivable.collect_events()

    assert receivable_id_for("F-2024-0042") == RECEIVABLE_ID
    assert [canonical_bytes(e.record()) for e in events] == [
        INVOICE_ISSUED_BYTES,
        REMINDER_SENT_BYTES,
        PAYMENT_RECEIVED_BYTES,
    ]
    assert [e.hash() for e in events] == [INVOICE_ISSUED_HASH, REMINDER_SENT_HASH, PAYMENT_RECEIVED_HASH]
    assert receivable.head == PAYMENT_RECEIVED_HASH


@pytest.mark.parametrize(
    "change",
    [
        {"amount": Decimal("600.01")},
        {"value_date": date(2024, 3, 18)},
        {"bank_reference": "VIR SOCIETE GENERALE 0319"},
        {"actor": "collector:bob"},
        {"originator_version": 4},
        {"previous_hash": GENESIS_HASH},
        {"timestamp": datetime(2024, 3, 20, 14, 5, 6, 789001, tzinfo=UTC)},
    ],
    ids=lambda change: next(iter(change)),
)
def test_changing_any_part_of_a_record_changes_its_hash(change: dict[str, Any]) -> None:
    altered = dataclasses.replace(payment_received(), **change)

    assert altered.hash() != PAYMENT_RECEIVED_HASH


def test_altering_an_event_breaks_the_link_from_the_next_one() -> None:
    altered = dataclasses.replace(reminder_sent(), channel=ReminderChannel.LETTER)

    assert payment_received().previous_hash != altered.hash()


# ------------------------------------------------------- names and fields


def test_the_record_type_is_the_stable_event_name_not_a_python_path() -> None:
    record = payment_received().record()

    assert record["type"] == "PaymentReceived"
    assert record["aggregate_type"] == "Receivable"
    assert debtor_registered().record()["aggregate_type"] == "Debtor"
    assert sorted(record) == [
        "actor",
        "aggregate_id",
        "aggregate_type",
        "data",
        "previous_hash",
        "recorded_at",
        "type",
        "version",
    ]


@pytest.mark.parametrize(
    ("event_classes", "aggregate_type", "names"),
    [
        (RECEIVABLE_EVENTS, "Receivable", PRODUCT_RECEIVABLE_EVENTS),
        (DEBTOR_EVENTS, "Debtor", PRODUCT_DEBTOR_EVENTS),
    ],
    ids=["Receivable", "Debtor"],
)
def test_every_event_class_bears_a_name_from_product_md_and_its_aggregate_type(
    event_classes: tuple[type[LedgerEvent], ...], aggregate_type: str, names: set[str]
) -> None:
    type_names = [cls.type_name() for cls in event_classes]

    assert sorted(type_names) == sorted(names)
    assert all(cls.type_name() == cls.__name__ for cls in event_classes)
    assert {cls.AGGREGATE_TYPE for cls in event_classes} == {aggregate_type}


@pytest.mark.parametrize("event_class", [*RECEIVABLE_EVENTS, *DEBTOR_EVENTS], ids=lambda cls: cls.__name__)
def test_no_event_field_is_declared_as_a_float(event_class: type[LedgerEvent]) -> None:
    hints = get_type_hints(event_class)

    assert not [name for name, hint in hints.items() if "float" in str(hint)]


@pytest.mark.parametrize("event_class", RECEIVABLE_EVENTS, ids=lambda cls: cls.__name__)
def test_a_receivable_event_declares_no_personal_data_field(event_class: type[LedgerEvent]) -> None:
    fields = [f.name for f in dataclasses.fields(event_class)]

    assert not [name for name in fields if PERSONAL_DATA.search(name)]


def test_every_event_of_a_complete_file_has_canonical_data_without_float_or_personal_data() -> None:
    receivable_events = complete_receivable_file()
    debtor_events = complete_debtor_file()

    assert {type(e) for e in receivable_events} == set(RECEIVABLE_EVENTS)
    assert {type(e) for e in debtor_events} == set(DEBTOR_EVENTS)
    for event in [*receivable_events, *debtor_events]:
        data = event.data()
        assert not list(floats_in(data)), event
        assert canonical_bytes(event.record())  # every value has a canonical form
        for name, value in data.items():
            if name.endswith("sha256") and value is not None:
                assert HEX64.match(value), (event, name)
    for event in receivable_events:
        assert not [key for key in keys_in(event.data()) if PERSONAL_DATA.search(key)], event


# ------------------------------------------------------------------ helpers


def floats_in(value: Any) -> Any:
    if isinstance(value, float):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from floats_in(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from floats_in(item)
    elif dataclasses.is_dataclass(value) and not isinstance(value, type):
        yield from floats_in({f.name: getattr(value, f.name) for f in dataclasses.fields(value)})


def keys_in(value: Any) -> Any:
    if isinstance(value, dict):
        for key, item in value.items():
            yield key
            yield from keys_in(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from keys_in(item)
    elif dataclasses.is_dataclass(value) and not isinstance(value, type):
        yield from keys_in({f.name: getattr(value, f.name) for f in dataclasses.fields(value)})


def on(day: date) -> dict[str, Any]:
    return {"now": Now(instant=datetime.combine(day, datetime.min.time(), tzinfo=UTC), today=day), "actor": "test"}


def eur(value: str) -> Money:
    return Money(Decimal(value), "EUR")


def complete_receivable_file() -> list[LedgerEvent]:
    """One receivable that goes through every event type, in an order the rules allow."""
    r = Receivable.issue(
        invoice_number="F-ALL",
        debtor_id=DEBTOR_ID,
        debtor_kind=DebtorKind.PROFESSIONAL,
        issue_date=date(2024, 1, 15),
        due_date=date(2024, 2, 14),
        amount_excl_vat=eur("1000.00"),
        vat=eur("200.00"),
        amount_incl_vat=eur("1200.00"),
        label="everything",
        **on(date(2024, 1, 15)),
    )
    r.send_reminder(
        stage=ReminderStage.FIRST,
        channel=ReminderChannel.EMAIL,
        sent_on=date(2024, 2, 19),
        document_sha256="ab" * 32,
        **on(date(2024, 2, 19)),
    )
    r.report_delivery(
        document_sha256="ab" * 32,
        status=DeliveryStatus.DELIVERED,
        reported_on=date(2024, 2, 19),
        source="brevo",
        reference="<201798300811.5787683@relay.domain.com>",
        **on(date(2024, 2, 19)),
    )
    r.note_call(
        called_on=date(2024, 2, 20), purpose=CallPurpose.FOLLOW_UP, outcome=CallOutcome.REACHED, **on(date(2024, 2, 20))
    )
    r.send_reminder(
        stage=ReminderStage.SECOND,
        channel=ReminderChannel.LETTER,
        sent_on=date(2024, 2, 20),
        document_sha256=EMPTY_SHA256,
        **on(date(2024, 2, 20)),
    )
    r.return_letter(document_sha256=EMPTY_SHA256, returned_on=date(2024, 2, 20), **on(date(2024, 2, 20)))
    r.record_promise(amount_promised=eur("300.00"), promised_date=date(2024, 3, 1), **on(date(2024, 2, 20)))
    r.break_promise(noted_on=date(2024, 3, 2), **on(date(2024, 3, 2)))
    r.open_dispute_for(reason=DisputeReason.PRICE, opened_on=date(2024, 3, 2), **on(date(2024, 3, 2)))
    r.resolve_dispute(
        dispute_number=1,
        outcome=DisputeOutcome.UPHELD,
        resolved_on=date(2024, 3, 5),
        credit_note_number="AV-1",
        credit_note_amount=eur("100.00"),
        **on(date(2024, 3, 5)),
    )
    r.send_formal_notice(
        channel=NoticeChannel.REGISTERED_LETTER,
        sent_on=date(2024, 3, 10),
        deadline=date(2024, 3, 18),
        claimed=ClaimBreakdown(principal=Decimal("1100.00"), interest=Decimal("12.15"), indemnity=Decimal("40.00")),
        document_sha256=EMPTY_SHA256,
        **on(date(2024, 3, 10)),
    )
    r.acknowledge_formal_notice(
        notice_number=1,
        outcome=AcknowledgementOutcome.DELIVERED,
        acknowledged_on=date(2024, 3, 12),
        **on(date(2024, 3, 12)),
    )
    r.receive_payment(
        paid=eur("200.00"),
        value_date=date(2024, 3, 15),
        method=PaymentMethod.TRANSFER,
        bank_reference="VIR-1",
        **on(date(2024, 3, 15)),
    )
    r.apply_credit_note(
        credit_note_number="AV-2", credited=eur("100.00"), issued_on=date(2024, 3, 15), **on(date(2024, 3, 15))
    )
    r.agree_payment_plan(
        instalments=[(date(2024, 4, 1), eur("400.00")), (date(2024, 5, 1), eur("400.00"))], **on(date(2024, 3, 20))
    )
    r.miss_instalment(instalment_number=1, noted_on=date(2024, 4, 2), **on(date(2024, 4, 2)))
    r.invoice_late_charges(
        interest=eur("12.15"),
        indemnity=eur("40.00"),
        charges_invoice_number="PEN-1",
        invoiced_on=date(2024, 4, 2),
        **on(date(2024, 4, 2)),
    )
    r.waive_late_charges(interest=eur("12.15"), indemnity=eur("0"), reason="goodwill", **on(date(2024, 4, 2)))
    r.escalate(route=EscalationRoute.PAYMENT_ORDER, escalated_on=date(2024, 4, 3), **on(date(2024, 4, 3)))
    r.pause_dunning(reason="court hearing", **on(date(2024, 4, 3)))
    r.resume_dunning(reason="hearing postponed", **on(date(2024, 4, 4)))
    r.start_mediation(started_on=date(2024, 4, 4), **on(date(2024, 4, 4)))
    r.end_mediation(ended_on=date(2024, 4, 5), **on(date(2024, 4, 5)))
    r.add_note(note="letter from the debtor", document_sha256=EMPTY_SHA256, **on(date(2024, 4, 5)))
    r.attach_document(
        kind=DocumentKind.INVOICE, document_sha256=EMPTY_SHA256, media_type="application/pdf", **on(date(2024, 4, 5))
    )
    r.write_off(reason="debtor dissolved", **on(date(2024, 4, 6)))
    return list(r.collect_events())


def complete_debtor_file() -> list[LedgerEvent]:
    contact_id = UUID("0b7e4c1a-2f3d-4e5a-9b6c-7d8e9f0a1b2c")
    d = Debtor.register(
        debtor_id=DEBTOR_ID,
        legal_name="Jeanne Martin",
        kind=DebtorKind.CONSUMER,
        address=Address(lines=["3 rue des Lilas"], postal_code="69003", city="Lyon", country="FR"),
        **on(date(2024, 1, 2)),
    )
    d.add_contact(
        contact_id=contact_id,
        role=ContactRole.OTHER,
        name="Jeanne Martin",
        email="j@example.fr",
        **on(date(2024, 1, 3)),
    )
    d.record_email_bounce(
        contact_id=contact_id,
        email="j@example.fr",
        bounced_on=date(2024, 1, 3),
        detail="550 5.1.1",
        **on(date(2024, 1, 3)),
    )
    d.change_contact(
        contact_id=contact_id, role=ContactRole.OTHER, name="Jeanne Martin", phone="0600000000", **on(date(2024, 1, 4))
    )
    d.set_credit_limit(limit=eur("500.00"), **on(date(2024, 1, 4)))
    d.change_priority(priority=Priority.HIGH, **on(date(2024, 1, 4)))
    d.assign_policy(policy_id="consumers", **on(date(2024, 1, 4)))
    d.consent_to_electronic_delivery(consented_on=date(2024, 1, 4), proof_sha256=EMPTY_SHA256, **on(date(2024, 1, 4)))
    d.open_insolvency(
        procedure=InsolvencyProcedure.LIQUIDATION,
        court="Tribunal judiciaire de Lyon",
        judgment_date=date(2024, 2, 1),
        publication_date=date(2024, 2, 8),
        **on(date(2024, 2, 10)),
    )
    d.declare_claim(
        declared_on=date(2024, 2, 20), declared=eur("1200.00"), administrator="Me Dupont", **on(date(2024, 2, 20))
    )
    d.record_returned_mail(returned_on=date(2024, 2, 21), document_sha256=EMPTY_SHA256, **on(date(2024, 2, 21)))
    d.change_address(
        address=Address(lines=["5 rue des Lilas"], postal_code="69003", city="Lyon", country="FR"),
        **on(date(2024, 2, 22)),
    )
    d.rectify_name(legal_name="Jeanne Martin-Durand", reason="À la demande de l'intéressée", **on(date(2024, 2, 23)))
    d.erase_contact(contact_id=contact_id, reason="Demande du contact", **on(date(2024, 2, 24)))
    d.erase(reason="GDPR request", **on(date(2024, 3, 1)))
    return list(d.collect_events())
