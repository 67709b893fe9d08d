"""The hash-chained aggregate plumbing (evidence.md §2): ids, heads, actors and fields added later."""

from __future__ import annotations

import dataclasses
from datetime import date
from uuid import UUID

import pytest

from domain.canonical import GENESIS_HASH
from domain.chain import ChainedAggregate, actor_name
from domain.errors import InvalidInput
from domain.receivable import Receivable, receivable_id_for
from domain.receivable_events import FormalNoticeSent, ReceivableEvent
from domain.vocabulary import DebtorKind, NoticeChannel, PaymentMethod
from tests.unit.builders import ACTOR, DEBTOR_ID, DUE_DAY, ISSUE_DAY, TODAY, at, claim, eur

NIL = UUID(int=0)


def test_an_aggregate_with_no_event_yet_has_the_nil_id_the_genesis_head_and_no_recording_time() -> None:
    aggregate: ChainedAggregate[FormalNoticeSent] = ChainedAggregate()

    assert aggregate.id == NIL
    assert aggregate.version == 0
    assert aggregate.head == GENESIS_HASH
    assert aggregate.last_recorded_at is None


def test_the_plumbing_alone_does_not_know_how_an_event_changes_a_state() -> None:
    events = _events_of_a_paid_receivable()

    with pytest.raises(NotImplementedError):
        ChainedAggregate.replay(events)


def test_a_replayed_aggregate_has_the_id_version_head_and_time_of_its_last_event() -> None:
    events = _events_of_a_paid_receivable()

    replayed = Receivable.replay(events)

    assert replayed is not None
    assert replayed.id == receivable_id_for("F-2024-0042") == events[-1].originator_id
    assert replayed.id != NIL
    assert replayed.version == len(events)
    assert replayed.head == events[-1].hash()
    assert replayed.last_recorded_at == events[-1].timestamp == at(TODAY).instant


def test_replaying_no_event_gives_no_aggregate() -> None:
    assert Receivable.replay([]) is None


def test_a_recorded_event_cannot_be_altered() -> None:
    event = _events_of_a_paid_receivable()[0]

    with pytest.raises(dataclasses.FrozenInstanceError):
        event.actor = "someone else"  # type: ignore[misc]


def test_a_field_added_later_is_left_out_of_the_data_while_unset_and_written_once_set() -> None:
    manual = _formal_notice(policy_id=None)
    by_the_engine = _formal_notice(policy_id="standard-b2b", policy_version=2, rule="notice-after-reminders")

    assert {"policy_id", "policy_version", "rule"}.isdisjoint(manual.data())
    assert by_the_engine.data()["policy_id"] == "standard-b2b"
    assert by_the_engine.data()["policy_version"] == 2
    assert by_the_engine.data()["rule"] == "notice-after-reminders"
    assert {"actor", "previous_hash", "originator_id", "originator_version", "timestamp"}.isdisjoint(manual.data())


def test_an_actor_of_two_hundred_characters_is_accepted_and_one_more_is_refused() -> None:
    assert actor_name("a" * 200) == "a" * 200
    with pytest.raises(InvalidInput, match=r"^actor: at most 200 characters") as refused:
        actor_name("a" * 201)
    assert refused.value.rule == "text_length"


def test_an_actor_on_two_lines_is_refused() -> None:
    with pytest.raises(InvalidInput, match="single line") as refused:
        actor_name("collector:alice\nadmin")
    assert refused.value.rule == "text_format"
    assert actor_name("  collector:alice  ") == "collector:alice"


def _events_of_a_paid_receivable() -> list[ReceivableEvent]:
    receivable = Receivable.issue(
        invoice_number="F-2024-0042",
        debtor_id=DEBTOR_ID,
        debtor_kind=DebtorKind.PROFESSIONAL,
        issue_date=ISSUE_DAY,
        due_date=DUE_DAY,
        amount_excl_vat=eur("1000.00"),
        vat=eur("200.00"),
        amount_incl_vat=eur("1200.00"),
        label="Maintenance contract, January 2024",
        now=at(ISSUE_DAY),
        actor=ACTOR,
    )
    receivable.receive_payment(
        paid=eur("100.00"),
        value_date=TODAY,
        method=PaymentMethod.TRANSFER,
        bank_reference="VIR-001",
        now=at(TODAY),
        actor=ACTOR,
    )
    return receivable.collect_events()


def _formal_notice(**added: str | int | None) -> FormalNoticeSent:
    return FormalNoticeSent(
        originator_id=NIL,
        originator_version=2,
        timestamp=at(TODAY).instant,
        actor=ACTOR,
        previous_hash=GENESIS_HASH,
        notice_number=1,
        channel=NoticeChannel.REGISTERED_LETTER,
        tracking_number=None,
        sent_on=date(2024, 3, 20),
        deadline=date(2024, 3, 28),
        claimed=claim(),
        document_sha256="a" * 64,
        **added,  # type: ignore[arg-type]
    )
