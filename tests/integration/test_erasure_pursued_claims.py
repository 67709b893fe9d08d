"""The claims an erasure is decided on (Ledger.pursued_claims, application/debtor_receivables.py) on SQLite
and PostgreSQL: exact for whatever any process recorded before the question, even once the lookup is warm."""

from __future__ import annotations

from uuid import uuid4

import pytest

from application.commands import EraseDebtor, RegisterDebtor
from domain.debtor import Address
from domain.errors import RuleViolation
from domain.vocabulary import DebtorKind
from tests.integration.conftest import ACTOR, Store, clock_at, issue_invoice, payment, register_debtor


def test_an_invoice_another_process_issued_after_the_lookup_was_built_refuses_the_erasure(store: Store) -> None:
    writer, eraser = store.ledger(clock_at()), store.ledger(clock_at())
    person = writer.execute(
        RegisterDebtor(uuid4(), "Jean Dupont", DebtorKind.CONSUMER, Address(["3 rue Haute"], "69001", "Lyon", "FR")),
        actor=ACTOR,
    ).aggregate_id
    company = register_debtor(writer, "Menuiserie Lyonnaise")
    issue_invoice(writer, company, "F-2025-400")
    assert eraser.pursued_claims(person) == []  # the lookup is built now, from the log as it stands

    paid = issue_invoice(writer, person, "F-2025-401")  # another process, afterwards

    assert [c.invoice_number for c in eraser.pursued_claims(person)] == ["F-2025-401"]
    with pytest.raises(RuleViolation) as caught:
        eraser.execute(EraseDebtor(person, "demande RGPD"), actor=ACTOR)
    assert caught.value.rule == "erasure_claim_pursued" and not eraser.debtor(person).erased

    writer.execute(payment(paid, "1200.00", "VIR-401"), actor=ACTOR)  # settled: nothing pursued any more
    eraser.execute(EraseDebtor(person, "demande RGPD"), actor=ACTOR)
    assert eraser.debtor(person).erased
    assert [r.invoice_number for r in eraser.receivables(debtor_id=company)] == ["F-2025-400"]
