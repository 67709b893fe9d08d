"""A debtor's name rectified (GDPR art. 16) through the pipeline, on the in-memory store: who may, and every
view that holds the name (search index, bank payers, invoice imports, the access export) follows it."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from uuid import UUID, uuid4

import pytest

from application.access import Principal, Role
from application.clock import SimulatedClock
from application.commands import IssueInvoice, RectifyDebtorName, RegisterDebtor
from application.imports import Matching
from application.ledger import Ledger
from application.privacy_export import person_view
from domain.debtor import Address
from domain.errors import Forbidden, RuleViolation
from domain.vocabulary import DebtorKind
from infrastructure.memory_store import InMemoryEventStore

NOW = datetime(2026, 6, 15, 10, 0, tzinfo=UTC)
REASON = "À la demande de l'intéressé, courrier du 12 juin : nom mal orthographié"


def someone(role: Role, name: str = "compta.sophie") -> Principal:
    return Principal(token_id="t", name=name, role=role)


def consumer_with_an_invoice(ledger: Ledger, name: str = "Jean Dupond") -> UUID:
    debtor_id = uuid4()
    address = Address(["3 rue des Lilas"], "69003", "Lyon", "FR")
    ledger.execute(RegisterDebtor(debtor_id, name, DebtorKind.CONSUMER, address), actor="compta.sophie")
    ledger.execute(
        IssueInvoice("F-2026-001", debtor_id, date(2026, 4, 1), date(2026, 5, 1), Decimal("100.00"),
                     Decimal("20.00"), Decimal("120.00"), "Travaux"),
        actor="compta.sophie",
    )  # fmt: skip
    return debtor_id


def rectify(ledger: Ledger, debtor_id: UUID, name: str = "Jean Dupont", role: Role = Role.ACCOUNTANT) -> None:
    ledger.execute(RectifyDebtorName(debtor_id, name, REASON), principal=someone(role))


@pytest.fixture
def ledger() -> Ledger:
    return Ledger(InMemoryEventStore(), clock=SimulatedClock(NOW))


@pytest.mark.parametrize("role", [Role.ACCOUNTANT, Role.MANAGER, Role.ADMIN])
def test_who_may_register_a_debtor_may_rectify_its_name_and_the_journal_keeps_both(ledger: Ledger, role: Role) -> None:
    debtor_id = consumer_with_an_invoice(ledger)

    rectify(ledger, debtor_id, role=role)

    records = [entry.record for entry in ledger.journal(debtor_id)]
    assert [r["type"] for r in records] == ["DebtorRegistered", "DebtorNameRectified"]
    assert records[0]["data"]["legal_name"] == "Jean Dupond"  # never edited
    assert records[1]["data"] == {"legal_name": "Jean Dupont", "reason": REASON}
    assert records[1]["actor"] == "compta.sophie"
    assert ledger.debtor(debtor_id).legal_name == "Jean Dupont"


@pytest.mark.parametrize("role", [Role.COLLECTOR, Role.AUDITOR])
def test_a_collector_or_an_auditor_may_not_rectify_a_name_and_nothing_is_recorded(ledger: Ledger, role: Role) -> None:
    debtor_id = consumer_with_an_invoice(ledger)

    with pytest.raises(Forbidden):
        rectify(ledger, debtor_id, role=role)

    assert ledger.debtor(debtor_id).version == 1


def test_an_unchanged_name_is_refused_through_the_pipeline(ledger: Ledger) -> None:
    debtor_id = consumer_with_an_invoice(ledger)

    with pytest.raises(RuleViolation) as refused:
        rectify(ledger, debtor_id, "Jean Dupond")

    assert refused.value.rule == "name_changed"
    assert ledger.debtor(debtor_id).version == 1


def test_a_bank_line_paid_under_the_new_name_finds_its_payer(ledger: Ledger) -> None:
    debtor_id = consumer_with_an_invoice(ledger)

    rectify(ledger, debtor_id)

    payers = Matching(ledger).payers()
    assert payers.find("JEAN DUPONT") == {debtor_id}
    assert payers.find("Jean Dupond") == frozenset()


def test_the_access_export_gives_the_rectified_name_and_the_rectification_in_the_journal(ledger: Ledger) -> None:
    debtor_id = consumer_with_an_invoice(ledger)
    rectify(ledger, debtor_id)
    journal = [entry.record for entry in ledger.journal(debtor_id)]

    person = person_view(ledger.debtor(debtor_id), journal)

    assert person["legal_name"] == "Jean Dupont"
    assert journal[-1]["type"] == "DebtorNameRectified"
