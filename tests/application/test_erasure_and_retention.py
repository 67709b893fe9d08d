"""Erasure through the pipeline and the retention run, on the in-memory store: the pipeline finds the claims
still pursued itself (open invoice, payment plan, litigation), refuses the erasure and records nothing unless
a manager forces it; the retention run erases exactly the natural persons whose files are closed and
time-barred, and a dry run records nothing."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from uuid import UUID, uuid4

import pytest

from application.access import Principal, Role
from application.clock import SimulatedClock
from application.commands import (
    AgreePaymentPlan,
    EraseDebtor,
    Escalate,
    IssueInvoice,
    RecordPayment,
    RegisterDebtor,
    WriteOff,
)
from application.ledger import Ledger
from application.privacy_retention import ACTOR, RULE, RetentionPolicy, run_retention
from domain.debtor import Address, DebtorErased
from domain.errors import Forbidden, RuleViolation
from domain.vocabulary import DebtorKind, EscalationRoute, PaymentMethod
from infrastructure.memory_store import InMemoryEventStore

NOW = datetime(2026, 3, 16, 9, 30, tzinfo=UTC)
TODAY = date(2026, 3, 16)
ADDRESS = Address(["8 impasse des Tilleuls"], "33000", "Bordeaux", "FR")
MANAGER = Principal(token_id="t1", name="manager:paul", role=Role.MANAGER)
COLLECTOR = Principal(token_id="t2", name="collector:marie", role=Role.COLLECTOR)


class Firm:
    def __init__(self) -> None:
        self.ledger = Ledger(InMemoryEventStore(), clock=SimulatedClock(NOW))

    def person(self, name: str = "Jeanne Lefebvre", *, sole_trader: bool = False) -> UUID:
        debtor_id = uuid4()
        kind = DebtorKind.PROFESSIONAL if sole_trader else DebtorKind.CONSUMER
        siren = "732829320" if sole_trader else None
        self.run(RegisterDebtor(debtor_id, name, kind, ADDRESS, siren, sole_trader=sole_trader))
        return debtor_id

    def company(self) -> UUID:
        debtor_id = uuid4()
        self.run(RegisterDebtor(debtor_id, "Menuiserie Martin SARL", DebtorKind.PROFESSIONAL, ADDRESS, "552100554"))
        return debtor_id

    def invoice(self, debtor_id: UUID, number: str, issued: date, *, paid_on: date | None = None) -> UUID:
        command = IssueInvoice(number, debtor_id, issued, date(issued.year, issued.month, 28), Decimal("100.00"),
                               Decimal("20.00"), Decimal("120.00"), "Travaux")  # fmt: skip
        receivable_id = self.run(command)
        if paid_on is not None:
            self.run(RecordPayment(receivable_id, Decimal("120.00"), paid_on, PaymentMethod.TRANSFER, f"VIR-{number}"))
        return receivable_id

    def run(self, command: object) -> UUID:
        return self.ledger.execute(command, actor="compta.sophie").aggregate_id

    def erase(self, debtor_id: UUID, *, force: bool = False, principal: Principal = MANAGER) -> None:
        self.ledger.execute(EraseDebtor(debtor_id, "Demande RGPD du 10/03/2026", force=force), principal=principal)


def refused_erasure(firm: Firm, debtor_id: UUID, **options: object) -> RuleViolation:
    """Then: the erasure is refused for a claim pursued and nothing is recorded."""
    version = firm.ledger.debtor(debtor_id).version
    with pytest.raises(RuleViolation) as caught:
        firm.erase(debtor_id, **options)  # type: ignore[arg-type]
    assert caught.value.rule == "erasure_claim_pursued"
    assert firm.ledger.debtor(debtor_id).version == version and not firm.ledger.debtor(debtor_id).erased
    return caught.value


# ------------------------------------------------------------------ erasure refused while a claim is pursued


def test_an_erasure_is_refused_while_an_invoice_is_open_and_the_refusal_names_it() -> None:
    firm = Firm()
    person = firm.person()
    firm.invoice(person, "FC-2026-001", date(2026, 1, 5))
    firm.invoice(person, "FC-2025-090", date(2025, 6, 2), paid_on=date(2025, 7, 1))  # settled: not pursued

    error = refused_erasure(firm, person)

    assert "FC-2026-001 (open)" in error.message and "FC-2025-090" not in error.message


def test_an_erasure_is_refused_while_a_payment_plan_is_in_force_or_the_file_is_in_litigation() -> None:
    firm = Firm()
    person = firm.person()
    planned = firm.invoice(person, "FC-2025-010", date(2025, 11, 3))
    escalated = firm.invoice(person, "FC-2025-011", date(2025, 11, 3))
    firm.run(AgreePaymentPlan(planned, [(date(2026, 4, 1), Decimal("60.00")), (date(2026, 5, 1), Decimal("60.00"))]))
    firm.run(Escalate(escalated, EscalationRoute.PAYMENT_ORDER, date(2026, 2, 1), "RG 26/00042"))

    error = refused_erasure(firm, person)

    assert "FC-2025-010 (in_payment_plan), FC-2025-011 (escalated)" in error.message


def test_a_manager_forces_an_erasure_and_the_event_records_who_why_and_what_was_pursued() -> None:
    firm = Firm()
    person = firm.person()
    firm.invoice(person, "FC-2026-001", date(2026, 1, 5))

    firm.erase(person, force=True)

    debtor = firm.ledger.debtor(person)
    erased = firm.ledger.store.history(person).events[-1]  # type: ignore[union-attr]
    assert debtor.erased and isinstance(erased, DebtorErased)
    assert (erased.actor, erased.reason, erased.forced, erased.pursued) == (
        "manager:paul",
        "Demande RGPD du 10/03/2026",
        True,
        ["FC-2026-001"],
    )


def test_a_collector_may_not_erase_even_with_nothing_pursued() -> None:
    firm = Firm()
    person = firm.person()

    with pytest.raises(Forbidden):
        firm.erase(person, principal=COLLECTOR)

    assert not firm.ledger.debtor(person).erased


def test_a_person_whose_invoices_are_all_settled_or_written_off_is_erased_without_force() -> None:
    firm = Firm()
    person = firm.person()
    firm.invoice(person, "FC-2025-001", date(2025, 3, 3), paid_on=date(2025, 4, 2))
    written_off = firm.invoice(person, "FC-2025-002", date(2025, 3, 3))
    firm.run(WriteOff(written_off, "montant trop faible pour être poursuivi"))

    firm.erase(person)

    assert firm.ledger.debtor(person).erased


def test_the_claims_are_found_for_the_debtor_asked_only() -> None:
    firm = Firm()
    person, neighbour = firm.person(), firm.person("Paul Girard")
    firm.invoice(neighbour, "FC-2026-007", date(2026, 1, 5))

    assert [c.invoice_number for c in firm.ledger.pursued_claims(neighbour)] == ["FC-2026-007"]
    assert firm.ledger.pursued_claims(person) == []
    firm.erase(person)
    assert firm.ledger.debtor(person).erased


def test_a_batch_erasure_is_decided_on_the_claims_pursued_too() -> None:
    firm = Firm()
    person = firm.person()
    firm.invoice(person, "FC-2026-001", date(2026, 1, 5))
    debtor = firm.ledger.debtor(person)

    outcome = firm.ledger.execute_batch([(EraseDebtor(person, "Demande RGPD"), debtor)], principal=MANAGER)

    assert outcome.recorded == [] and outcome.refused[0][1].rule == "erasure_claim_pursued"
    assert not firm.ledger.debtor(person).erased


# ------------------------------------------------------------------ retention


class Retention:
    """Natural persons and a company at every retention situation, on 16 March 2026."""

    def __init__(self) -> None:
        self.firm = Firm()
        f = self.firm
        self.settled_long_ago = f.person("Anne Roux")  # consumer: paid 1 Feb 2022, time-barred 1 Feb 2024
        f.invoice(self.settled_long_ago, "FC-2022-001", date(2022, 1, 10), paid_on=date(2022, 2, 1))
        self.settled_lately = f.person("Bruno Petit")  # consumer: paid 1 Jul 2025, time-barred in 2027
        f.invoice(self.settled_lately, "FC-2025-001", date(2025, 6, 2), paid_on=date(2025, 7, 1))
        self.still_owing = f.person("Chloé Blanc")  # consumer: an invoice of 2022 still open
        f.invoice(self.still_owing, "FC-2022-002", date(2022, 1, 10))
        self.trader_written_off = f.person("Denis Moreau, plombier", sole_trader=True)  # 5 years: barred Jan 2024
        written_off = f.invoice(self.trader_written_off, "FP-2019-001", date(2019, 1, 10))
        f.run(WriteOff(written_off, "débiteur introuvable"))
        self.trader_paid = f.person("Emma Faure, architecte", sole_trader=True)  # paid 2022: barred in 2027
        f.invoice(self.trader_paid, "FP-2022-001", date(2022, 1, 10), paid_on=date(2022, 3, 1))
        self.company = f.company()  # a company's data is not personal: never erased
        f.invoice(self.company, "FE-2019-001", date(2019, 1, 10), paid_on=date(2019, 2, 1))
        self.no_invoice = f.person("Gilles Martin")


@pytest.fixture
def retention() -> Retention:
    return Retention()


def test_a_dry_run_reports_who_would_be_erased_and_records_nothing(retention: Retention) -> None:
    ledger = retention.firm.ledger
    versions = {i: ledger.debtor(i).version for i in ledger.debtor_ids()}

    report = run_retention(ledger, RetentionPolicy(), dry_run=True)

    assert report.dry_run and report.today == TODAY
    assert {d.debtor_id for d in report.erased} == {retention.settled_long_ago, retention.trader_written_off}
    assert {i: ledger.debtor(i).version for i in ledger.debtor_ids()} == versions
    assert not any(ledger.debtor(i).erased for i in versions)


def test_a_run_erases_exactly_the_persons_whose_files_are_closed_and_time_barred(retention: Retention) -> None:
    ledger = retention.firm.ledger

    report = run_retention(ledger, RetentionPolicy())

    erased = {i for i in ledger.debtor_ids() if ledger.debtor(i).erased}
    assert erased == {retention.settled_long_ago, retention.trader_written_off}
    assert {d.debtor_id for d in report.erased} == erased and report.refused == []
    assert (report.kept, report.without_receivables, report.already_erased) == (3, 1, 0)
    consumer = next(d for d in report.erased if d.debtor_id == retention.settled_long_ago)
    assert (consumer.natural_person, consumer.invoices, consumer.limitation_passed_on) == (
        "consumer",
        ("FC-2022-001",),
        date(2024, 2, 1),
    )
    event = ledger.store.history(retention.trader_written_off).events[-1]  # type: ignore[union-attr]
    assert isinstance(event, DebtorErased) and event.actor == ACTOR and RULE in event.reason
    assert event.forced is None  # nothing was pursued: the run never forces


def test_a_second_run_erases_nothing_more(retention: Retention) -> None:
    run_retention(retention.firm.ledger, RetentionPolicy())

    again = run_retention(retention.firm.ledger, RetentionPolicy())

    assert again.erased == [] and again.already_erased == 2


def test_the_grace_keeps_the_data_that_many_months_after_the_limitation_date(retention: Retention) -> None:
    # the plumber: barred 10 Jan 2024, + 26 months = 10 Mar 2026 (passed); Anne Roux: 1 Feb 2024 + 26 = 1 Apr 2026
    report = run_retention(retention.firm.ledger, RetentionPolicy(grace_months=26), dry_run=True)
    assert [d.debtor_id for d in report.erased] == [retention.trader_written_off]
    assert report.erased[0].kept_until == date(2026, 3, 10)
    assert "+ 26 mois" in report.erased[0].reason(26)

    later = run_retention(retention.firm.ledger, RetentionPolicy(grace_months=27), dry_run=True)
    assert later.erased == [] and later.kept == 5
