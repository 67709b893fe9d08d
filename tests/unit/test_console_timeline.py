"""The console's timeline: every journal event, receivable or debtor, has its French sentence."""

from __future__ import annotations

import dataclasses
import inspect
import typing
from datetime import UTC, date, datetime
from decimal import Decimal
from enum import Enum
from types import UnionType
from typing import Any
from uuid import UUID

import pytest

from api.console import labels
from api.console.timeline import SENTENCES, channel, documents, named_documents, sentence, timeline
from domain import debtor as debtor_module
from domain import receivable_events as receivable_module
from domain import vocabulary
from domain.chain import LedgerEvent
from domain.debtor import Address, DebtorEvent
from domain.receivable_events import ClaimBreakdown, Instalment, ReceivableEvent

SHA = "ab" * 32
ID = UUID("12345678-1234-5678-1234-567812345678")


def event_classes(module: Any, base: type) -> list[type]:
    """Every event class the module defines, whether or not its tuple lists it."""
    return [
        value
        for value in vars(module).values()
        if inspect.isclass(value) and issubclass(value, base) and value is not base
    ]


RECEIVABLE_EVENTS = event_classes(receivable_module, ReceivableEvent)
DEBTOR_EVENTS = event_classes(debtor_module, DebtorEvent)


def sample(annotation: Any, name: str) -> Any:
    """A plausible value of a field's type, to write an event of every class."""
    if typing.get_origin(annotation) in (typing.Union, UnionType):
        return sample(next(a for a in typing.get_args(annotation) if a is not type(None)), name)
    if typing.get_origin(annotation) is list:
        item = typing.get_args(annotation)[0]
        if item is Instalment:
            return [Instalment(date(2026, 7, 1), Decimal("600.00")), Instalment(date(2026, 8, 1), Decimal("600.00"))]
        return ["12 rue des Lilas"]
    if inspect.isclass(annotation) and issubclass(annotation, Enum):
        return next(iter(annotation))
    values: dict[Any, Any] = {
        date: date(2026, 6, 3),
        Decimal: Decimal("1200.00"),
        int: 1,
        bool: True,
        UUID: ID,
        ClaimBreakdown: ClaimBreakdown(Decimal("1200.00"), Decimal("12.50"), Decimal("40.00")),
        Address: Address(["12 rue des Lilas"], "69003", "Lyon", "FR"),
        str: SHA if name.endswith("sha256") else ("EUR" if name == "currency" else f"valeur de {name}"),
    }
    return values[annotation]


def an_event(event_class: type, **overrides: Any) -> LedgerEvent:
    hints = typing.get_type_hints(event_class)
    fields = {
        f.name: sample(hints[f.name], f.name)
        for f in dataclasses.fields(event_class)
        if f.name not in {"originator_id", "originator_version", "timestamp", "actor", "previous_hash"}
    }
    envelope = {
        "originator_id": ID, "originator_version": 2, "timestamp": datetime(2026, 6, 3, 8, 30, tzinfo=UTC),
        "actor": "marie.dupont", "previous_hash": "0" * 64,
    }  # fmt: skip
    event: LedgerEvent = event_class(**{**envelope, **fields, **overrides})
    return event


def test_the_domain_modules_list_every_event_class_they_define() -> None:
    assert set(RECEIVABLE_EVENTS) == set(receivable_module.RECEIVABLE_EVENTS)
    assert set(DEBTOR_EVENTS) == set(debtor_module.DEBTOR_EVENTS)


@pytest.mark.parametrize("event_class", RECEIVABLE_EVENTS + DEBTOR_EVENTS, ids=lambda cls: cls.__name__)
def test_every_event_class_has_a_french_sentence_naming_its_actor(event_class: type) -> None:
    assert event_class in SENTENCES, f"{event_class.__name__} has no sentence in api/console/timeline.py"
    text = sentence(an_event(event_class))
    assert "marie.dupont" in text
    assert event_class.__name__ not in text  # never the fallback


@pytest.mark.parametrize("vocabulary_class", list(labels.TABLES), ids=lambda cls: cls.__name__)
def test_every_value_of_the_journal_vocabulary_has_its_french_label(vocabulary_class: type[Enum]) -> None:
    assert set(labels.TABLES[vocabulary_class]) == set(vocabulary_class)


def test_every_vocabulary_the_events_carry_has_a_label_table() -> None:
    carried = {
        hint
        for cls in RECEIVABLE_EVENTS + DEBTOR_EVENTS
        for hint in typing.get_type_hints(cls).values()
        if inspect.isclass(hint) and issubclass(hint, Enum)
    }
    assert carried <= set(labels.TABLES), carried - set(labels.TABLES)
    assert set(labels.TABLES) <= {v for v in vars(vocabulary).values() if inspect.isclass(v) and issubclass(v, Enum)}


def test_a_reminder_reads_as_a_sentence_with_its_channel_date_and_actor() -> None:
    event = an_event(
        receivable_module.ReminderSent, stage=vocabulary.ReminderStage.FIRST, channel=vocabulary.ReminderChannel.EMAIL,
        sent_on=date(2026, 6, 3), rule=None, policy_id=None, actor="relance-auto",
    )  # fmt: skip
    assert sentence(event) == "Relance par courriel envoyée le 03/06/2026 par relance-auto (première relance)"
    assert channel(event) == "courriel"
    assert [d.label for d in documents(event)] == ["la relance envoyée"]


def test_a_promise_is_written_in_euros_the_french_way() -> None:
    event = an_event(receivable_module.PromiseToPayRecorded, amount=Decimal("1200.00"), promised_date=date(2026, 6, 20))
    assert sentence(event) == "Promesse de paiement notée par marie.dupont : 1\u202f200,00\u00a0€ pour le 20/06/2026"


def test_a_call_names_its_outcome_and_quotes_what_was_said() -> None:
    event = an_event(
        receivable_module.CallNoted, called_on=date(2026, 6, 3), outcome=vocabulary.CallOutcome.REACHED,
        purpose=vocabulary.CallPurpose.FOLLOW_UP, notes="paiera fin de mois",
    )  # fmt: skip
    assert sentence(event) == (
        "Appel noté par marie.dupont le 03/06/2026 (suivi du retard) : interlocuteur joint. « paiera fin de mois »"
    )
    assert channel(event) == "téléphone"


def test_amounts_are_written_in_the_invoice_currency_given() -> None:
    event = an_event(receivable_module.PaymentReceived, amount=Decimal("50.00"))
    assert "50,00\u00a0USD" in sentence(event, currency="USD")


def test_an_erased_debtor_s_personal_data_is_not_shown() -> None:
    event = an_event(debtor_module.ContactAdded, name="Jeanne Martin")
    assert "Jeanne Martin" in sentence(event)
    erased = sentence(event, erased=True)
    assert "Jeanne Martin" not in erased and "(données effacées)" in erased


def test_the_timeline_is_newest_first_in_the_currency_of_the_invoice() -> None:
    issued = an_event(receivable_module.InvoiceIssued, currency="USD", amount_incl_vat=Decimal("10.00"))
    paid = an_event(receivable_module.PaymentReceived, amount=Decimal("4.00"), originator_version=3)
    entries = timeline([issued, paid])
    assert [e.sentence.split(" ")[0] for e in entries] == ["Paiement", "Facture"]
    assert "4,00\u00a0USD" in entries[0].sentence


def test_the_documents_of_a_file_are_those_its_events_name() -> None:
    notice = an_event(receivable_module.FormalNoticeSent, document_sha256="cd" * 32)
    acknowledged = an_event(receivable_module.FormalNoticeAcknowledged, proof_sha256="ef" * 32)
    note = an_event(receivable_module.NoteAdded, document_sha256=None)
    assert named_documents([notice, acknowledged, note]) == {"cd" * 32, "ef" * 32}
    assert [d.label for d in documents(acknowledged)] == ["l'avis de réception"]
