"""Short builders for domain scenarios: a clock, an issued invoice, a registered debtor.

Every builder returns an aggregate whose pending events were already collected, so a
test can check that a refused command records nothing with ``collect_events() == []``.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID

import pytest

from domain.chain import ChainedAggregate
from domain.debtor import Address, Debtor
from domain.errors import DomainError
from domain.receivable import Receivable
from domain.receivable_events import ClaimBreakdown
from domain.values import Money, Now
from domain.vocabulary import DebtorKind, NoticeChannel, PaymentMethod

ACTOR = "collector:alice"
DEBTOR_ID = UUID("6f1c2b9e-3d4a-4c5b-8e7f-0a1b2c3d4e5f")
ISSUE_DAY = date(2024, 1, 15)
DUE_DAY = date(2024, 2, 14)
TODAY = date(2024, 4, 2)  # well after the due date: every dunning step is possible
DOCUMENT = "a" * 64
PROOF = "b" * 64
VALID_SIREN = "732829320"
VALID_SIRET = "73282932000074"


def at(day: date, *, seconds: int = 0) -> Now:
    """The clock at noon UTC on ``day`` (the firm's calendar day is ``day``)."""
    instant = datetime.combine(day, time(12), tzinfo=UTC) + timedelta(seconds=seconds)
    return Now(instant=instant, today=day)


def eur(value: str | Decimal | int) -> Money:
    return Money(Decimal(value), "EUR")


def issued_receivable(**overrides: Any) -> Receivable:
    """An invoice of 1,200.00 EUR incl. VAT issued on 15 January 2024, due on 14 February."""
    fields: dict[str, Any] = {
        "invoice_number": "F-2024-0042",
        "debtor_id": DEBTOR_ID,
        "debtor_kind": DebtorKind.PROFESSIONAL,
        "issue_date": ISSUE_DAY,
        "due_date": DUE_DAY,
        "amount_excl_vat": eur("1000.00"),
        "vat": eur("200.00"),
        "amount_incl_vat": eur("1200.00"),
        "label": "Maintenance contract, January 2024",
        "now": at(ISSUE_DAY),
        "actor": ACTOR,
    }
    fields.update(overrides)
    receivable = Receivable.issue(**fields)
    receivable.collect_events()
    return receivable


def pay(
    receivable: Receivable, value: str, *, on: date = TODAY, reference: str = "VIR-001", now: Now | None = None
) -> bool:
    """Receive a bank transfer; returns whether it was recorded now."""
    _, recorded = receivable.receive_payment(
        paid=eur(value),
        value_date=on,
        method=PaymentMethod.TRANSFER,
        bank_reference=reference,
        now=now or at(TODAY),
        actor=ACTOR,
    )
    receivable.collect_events()
    return recorded


def settled_receivable(**overrides: Any) -> Receivable:
    receivable = issued_receivable(**overrides)
    pay(receivable, str(receivable.amount_incl_vat), reference="VIR-FULL")
    return receivable


def written_off_receivable(**overrides: Any) -> Receivable:
    receivable = issued_receivable(**overrides)
    receivable.write_off(reason="debtor unreachable", now=at(TODAY), actor=ACTOR)
    receivable.collect_events()
    return receivable


def claim(principal: str = "1200.00", interest: str = "25.10", indemnity: str = "40.00") -> ClaimBreakdown:
    return ClaimBreakdown(principal=Decimal(principal), interest=Decimal(interest), indemnity=Decimal(indemnity))


def with_formal_notice(receivable: Receivable, *, sent_on: date = date(2024, 3, 20)) -> Receivable:
    receivable.send_formal_notice(
        channel=NoticeChannel.REGISTERED_LETTER,
        sent_on=sent_on,
        deadline=sent_on + timedelta(days=8),
        claimed=claim(),
        document_sha256=DOCUMENT,
        now=at(TODAY),
        actor=ACTOR,
    )
    receivable.collect_events()
    return receivable


def address(**overrides: Any) -> Address:
    fields: dict[str, Any] = {
        "lines": ["12 rue de la Paix"],
        "postal_code": "75002",
        "city": "Paris",
        "country": "FR",
    }
    fields.update(overrides)
    return Address(**fields)


def registered_debtor(kind: DebtorKind = DebtorKind.PROFESSIONAL, **overrides: Any) -> Debtor:
    fields: dict[str, Any] = {
        "debtor_id": DEBTOR_ID,
        "legal_name": "Société Générale de Maintenance" if kind is DebtorKind.PROFESSIONAL else "Jeanne Martin",
        "kind": kind,
        "address": address(),
        "now": at(ISSUE_DAY),
        "actor": ACTOR,
        "siren_number": VALID_SIREN if kind is DebtorKind.PROFESSIONAL else None,
    }
    fields.update(overrides)
    debtor = Debtor.register(**fields)
    debtor.collect_events()
    return debtor


@contextmanager
def refused(aggregate: ChainedAggregate[Any], error: type[DomainError], rule: str) -> Iterator[None]:
    """Then: the command raises exactly ``error`` with ``rule``, and the aggregate records nothing."""
    version, head = aggregate.version, aggregate.head
    with pytest.raises(error) as caught:
        yield
    assert type(caught.value) is error, f"{type(caught.value).__name__}: {caught.value.message}"
    assert caught.value.rule == rule, caught.value.message
    assert aggregate.version == version
    assert aggregate.head == head
    assert aggregate.collect_events() == []
