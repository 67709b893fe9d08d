"""The worklist's decisions are kept by the process and brought up to date before each use (issue 18:
Aujourd'hui must stay quick at 100,000 receivables): each answer equals deciding everything afresh."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from application.commands import ChangePriority, IssueInvoice, NoteCall, RecordPayment
from application.dunning_run import DunningRun
from domain.vocabulary import CallOutcome, CallPurpose, PaymentMethod, Priority
from infrastructure.policy_store import PolicyStore
from tests.integration.dunning_engine import ACTOR, DUE, ISSUED, Engine


def afresh(engine: Engine, day):  # type: ignore[no-untyped-def]
    """The same worklist from a run that has seen nothing yet: every receivable decided again."""
    return DunningRun(engine.ledger, engine.run.ports).worklist(day)


def test_a_new_invoice_a_payment_and_a_debtor_change_show_in_the_next_worklist(engine: Engine) -> None:
    debtor = engine.debtor()
    engine.at(ISSUED)
    engine.invoice(debtor, "F-2026-0901", incl="9000.00")
    day = DUE + timedelta(days=1)
    engine.at(day)
    first = engine.run.worklist(day)
    assert [i.invoice_number for i in first] == ["F-2026-0901"]
    second = engine.ledger.execute(  # issued today with the same dates (engine.invoice would turn the clock back)
        IssueInvoice(
            invoice_number="F-2026-0902", debtor_id=engine.debtor(), issue_date=ISSUED, due_date=DUE,
            amount_excl_vat=Decimal("4000.00"), vat=Decimal("1000.00"), amount_incl_vat=Decimal("5000.00"),
            label="Parquet",
        ),
        actor=ACTOR,
    ).aggregate_id  # fmt: skip
    assert [i.invoice_number for i in engine.run.worklist(day)] == ["F-2026-0901", "F-2026-0902"]
    engine.ledger.execute(
        RecordPayment(second, Decimal("5000.00"), day, PaymentMethod.TRANSFER, "VIR-0902"), actor=ACTOR
    )
    assert [i.invoice_number for i in engine.run.worklist(day)] == ["F-2026-0901"]
    engine.ledger.execute(ChangePriority(debtor, Priority.HIGH), actor=ACTOR)
    kept = engine.run.worklist(day)
    assert kept == afresh(engine, day) and kept[0].priority == "high"


def test_a_call_noted_takes_the_call_off_the_worklist(engine: Engine) -> None:
    engine.at(ISSUED)
    receivable = engine.invoice(engine.debtor(), "F-2026-0911", incl="9000.00")
    day = DUE + timedelta(days=1)
    engine.at(day)
    assert [i.action for i in engine.run.worklist(day)] == ["call"]
    engine.ledger.execute(
        NoteCall(receivable, called_on=day, purpose=CallPurpose.FOLLOW_UP, outcome=CallOutcome.REACHED), actor=ACTOR
    )
    assert engine.run.worklist(day) == afresh(engine, day) == []


def test_a_new_day_and_a_new_policy_version_decide_everything_again(engine: Engine) -> None:
    engine.at(ISSUED)
    engine.invoice(engine.debtor(), "F-2026-0921", incl="9000.00")
    for offset in (1, 2, 5):
        day = DUE + timedelta(days=offset)
        engine.at(day)
        assert engine.run.worklist(day) == afresh(engine, day)
    policies = PolicyStore(engine.database)
    source = policies.require("default").source
    policies.put("default", source.replace("min_spacing_days = 7 ", "min_spacing_days = 8 ", 1), actor=ACTOR,
                 now=engine.clock())  # fmt: skip
    assert engine.run.worklist(day) == afresh(engine, day)
