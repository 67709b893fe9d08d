"""Claims, rate publications and limitation queries through the Ledger, on SQLite and PostgreSQL alike."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from uuid import UUID, uuid4

import pytest

from application.claims import Claims, claim_view
from application.commands import IssueInvoice, OpenInsolvency, PublishRates, RegisterDebtor
from application.ledger import Ledger
from application.verification import verify_store
from application.views import receivable_view
from domain.debtor import Address
from domain.errors import AlreadyExists, RuleViolation
from domain.late_charges import ChargePolicy, Imputation
from domain.rate_register import RATE_REGISTER_ID
from domain.rates import HalfYear
from domain.vocabulary import DebtorKind, InsolvencyProcedure, RateKind
from tests.integration.conftest import ACTOR, Store, clock_at, issue_invoice, payment, register_debtor

ADMIN = "admin:bob"
ECB_SOURCE = "https://www.ecb.europa.eu/stats/policy_and_exchange_rates/key_ecb_interest_rates/html/index.en.html"
SUMMER_2026 = datetime(2026, 7, 22, 8, 0, tzinfo=UTC)


def invoice_2026(ledger: Ledger, debtor_id: UUID, number: str = "F-2026-001", **extra: object) -> UUID:
    """1000.00 incl. VAT issued 21 May 2026, due 20 June 2026."""
    command = IssueInvoice(
        invoice_number=number,
        debtor_id=debtor_id,
        issue_date=date(2026, 5, 21),
        due_date=date(2026, 6, 20),
        amount_excl_vat=Decimal("1000.00"),
        vat=Decimal("0.00"),
        amount_incl_vat=Decimal("1000.00"),
        label="Pose de menuiseries",
        **extra,  # type: ignore[arg-type]
    )
    return ledger.execute(command, actor=ACTOR).aggregate_id


def ecb_2026h2(rate: str = "2.40") -> PublishRates:
    return PublishRates(half_year="2026H2", source=ECB_SOURCE, ecb_mro=Decimal(rate))


# ------------------------------------------------------------------ claims


def test_a_claim_through_the_ledger_counts_the_payments_by_value_date(store: Store) -> None:
    clock = clock_at()  # 10 January 2025; 1200.00 due 9 February 2025
    ledger = store.ledger(clock)
    receivable_id = issue_invoice(ledger, register_debtor(ledger))
    clock.set(datetime(2025, 3, 12, 9, tzinfo=UTC))
    ledger.execute(payment(receivable_id, "500.00", "VIR-1", date(2025, 2, 19)), actor=ACTOR)

    claim = Claims(store.ledger(clock)).claim(receivable_id, date(2025, 3, 11))

    # 10–19 Feb on 1200.00: 1200 × 13.15 % × 10/365 = 4.323288; 20 Feb–11 Mar on 700.00: 700 × 13.15 % × 20/365
    # = 5.043836; 9.367123 → 9.37; total 700.00 + 9.37 + 40.00 = 749.37
    view = claim_view(claim, receivable_id=receivable_id)
    assert {k: view[k] for k in ("as_of", "principal_outstanding", "penalties", "indemnity", "already_invoiced")} == {
        "as_of": "2025-03-11",
        "principal_outstanding": "700.00",
        "penalties": "9.37",
        "indemnity": "40.00",
        "already_invoiced": "0.00",
    }
    assert view["total"] == "749.37"
    assert [(p["start"], p["end"], p["days"], p["base"], p["rate"], p["amount"]) for p in view["periods"]] == [
        ("2025-02-10", "2025-02-19", 10, "1200.00", "13.15", "4.323288"),
        ("2025-02-20", "2025-03-11", 20, "700.00", "13.15", "5.043836"),
    ]


def test_the_firms_imputation_setting_reaches_the_calculation(store: Store) -> None:
    clock = clock_at()
    ledger = store.ledger(clock)
    receivable_id = issue_invoice(ledger, register_debtor(ledger))
    clock.set(datetime(2025, 3, 12, 9, tzinfo=UTC))

    claim = Claims(ledger, policy=ChargePolicy(imputation=Imputation.INTEREST_FIRST)).claim(
        receivable_id, date(2025, 3, 11)
    )

    assert claim_view(claim)["imputation"] == "interest_first"
    # no charges claimed yet: Code civil 1343-1 is not applied, and the calculation says so
    assert "not yet the case" in next(r.text for r in claim.rules if r.code == "imputation_principal_first")


def test_the_debtors_insolvency_removes_the_indemnity_from_the_claim(store: Store) -> None:
    clock = clock_at()
    ledger = store.ledger(clock)
    debtor_id = register_debtor(ledger)
    receivable_id = issue_invoice(ledger, debtor_id)
    clock.set(datetime(2025, 3, 12, 9, tzinfo=UTC))
    ledger.execute(
        OpenInsolvency(debtor_id, InsolvencyProcedure.RECEIVERSHIP, "TC Lyon", date(2025, 3, 1), date(2025, 3, 5)),
        actor=ACTOR,
    )

    claim = Claims(ledger).claim(receivable_id, date(2025, 3, 11))

    # penalties stop on the judgment: 10 Feb–1 Mar = 20 days: 1200 × 13.15 % × 20/365 = 8.646575 → 8.65
    assert (claim.penalties, claim.indemnity) == (Decimal("8.65"), Decimal("0.00"))


# ------------------------------------------------------------------- rates


def test_a_published_rate_is_recorded_with_its_actor_and_the_chain_verifies(store: Store) -> None:
    ledger = store.ledger(clock_at(SUMMER_2026))

    outcome = ledger.execute(
        PublishRates(
            half_year="2026H2",
            source=ECB_SOURCE,
            ecb_mro=Decimal("2.40"),
            legal_consumer_creditor=Decimal("6.50"),
            legal_other=Decimal("2.50"),
        ),
        actor=ADMIN,
    )

    reader = store.ledger()
    journal = reader.journal(RATE_REGISTER_ID)
    assert (outcome.aggregate_id, outcome.version) == (RATE_REGISTER_ID, 3)
    assert [(e.record["type"], e.record["aggregate_type"], e.record["actor"]) for e in journal] == [
        ("RatePublished", "RateRegister", ADMIN)
    ] * 3
    assert [e.record["data"]["kind"] for e in journal] == [
        "ecb_mro",
        "legal_rate_consumer_creditor",
        "legal_rate_other",
    ]
    assert journal[0].record["data"] == {
        "kind": "ecb_mro",
        "half_year": "2026H2",
        "rate": "2.40",
        "effective_from": "2026-07-01",
        "source": ECB_SOURCE,
        "published_on": "2026-07-22",
    }
    report = verify_store(reader.recorder, reader.mapper)
    assert report.ok, report.breaks
    assert ("RateRegister", 3) in {(h.aggregate_type, h.version) for h in report.heads}
    entry = reader.rate_table().get(RateKind.LEGAL_OTHER, HalfYear.parse("2026H2"))
    assert entry is not None and (entry.rate, entry.published_by) == (Decimal("2.50"), ADMIN)


def test_a_half_year_already_known_is_refused_and_nothing_is_recorded(store: Store) -> None:
    ledger = store.ledger(clock_at(SUMMER_2026))
    ledger.execute(ecb_2026h2(), actor=ADMIN)

    with pytest.raises(AlreadyExists) as twice:
        store.ledger(clock_at(SUMMER_2026)).execute(ecb_2026h2("2.50"), actor="admin:eve")
    with pytest.raises(AlreadyExists) as shipped:
        ledger.execute(PublishRates(half_year="2026H1", source="x", ecb_mro=Decimal("2.15")), actor=ADMIN)

    assert twice.value.rule == shipped.value.rule == "rate_published_once"
    assert ledger.rate_register().version == 1


def test_publishing_the_missing_half_year_turns_a_provisional_claim_into_a_final_one(store: Store) -> None:
    ledger = store.ledger(clock_at(SUMMER_2026))
    receivable_id = invoice_2026(ledger, register_debtor(ledger))
    claims = Claims(ledger)
    before = claims.claim(receivable_id, date(2026, 7, 20))

    ledger.execute(ecb_2026h2("2.40"), actor=ADMIN)
    after = Claims(store.ledger()).claim(receivable_id, date(2026, 7, 20))

    # before: 21–30 June 1000 × 12.15 % × 10/365 = 3.328767 + 1–20 July (2.15 carried forward) 1000 × 12.15 % × 20/365
    # = 6.657534 → 9.99 provisional; after: 3.328767 + 1000 × 12.40 % × 20/365 = 6.794521 → 10.123288 → 10.12
    assert (before.penalties, before.provisional) == (Decimal("9.99"), True)
    assert (after.penalties, after.provisional) == (Decimal("10.12"), False)
    source = next(r for r in after.rules if r.reference.endswith("2026H2"))
    assert ADMIN in source.text and ECB_SOURCE in source.text


# ----------------------------------------------------- contractual floor


def test_a_contractual_rate_below_the_floor_is_refused_at_issue_and_nothing_is_recorded(store: Store) -> None:
    ledger = store.ledger(clock_at(SUMMER_2026))
    debtor_id = register_debtor(ledger)

    with pytest.raises(RuleViolation) as error:
        invoice_2026(ledger, debtor_id, contractual_penalty_rate=Decimal("7.85"))  # floor 3 × 2.62 % = 7.86 %

    assert error.value.rule == "contractual_rate_floor"
    assert list(ledger.receivable_ids()) == []
    invoice_2026(ledger, debtor_id, contractual_penalty_rate=Decimal("7.86"))
    assert len(list(ledger.receivable_ids())) == 1


def test_the_floor_binds_professionals_only(store: Store) -> None:
    ledger = store.ledger(clock_at(SUMMER_2026))
    consumer = RegisterDebtor(
        debtor_id=uuid4(),
        legal_name="Jeanne Martin",
        kind=DebtorKind.CONSUMER,
        address=Address(lines=["3 rue Neuve"], postal_code="69001", city="Lyon", country="FR"),
    )
    debtor_id = ledger.execute(consumer, actor=ACTOR).aggregate_id

    receivable_id = invoice_2026(ledger, debtor_id, contractual_penalty_rate=Decimal("5.00"))

    assert ledger.receivable(receivable_id).contractual_penalty_rate == Decimal("5.00")


# -------------------------------------------------------------- limitation


def test_receivables_with_a_limitation_date_before_a_day_are_listed_soonest_first(store: Store) -> None:
    clock = clock_at()
    ledger = store.ledger(clock)
    debtor_id = register_debtor(ledger)
    untouched = issue_invoice(ledger, debtor_id, "F-2025-001")  # 10 January 2025 → 10 January 2030
    acknowledged = issue_invoice(ledger, debtor_id, "F-2025-002")
    settled = issue_invoice(ledger, debtor_id, "F-2025-003")
    clock.advance(timedelta(days=60))
    ledger.execute(payment(acknowledged, "100.00", "VIR-2", date(2025, 3, 1)), actor=ACTOR)
    ledger.execute(payment(settled, "1200.00", "VIR-3", date(2025, 3, 1)), actor=ACTOR)
    claims = Claims(store.ledger(clock), alert_days=90)

    soon = claims.limitation_before(date(2030, 2, 1))
    later = claims.limitation_before(date(2030, 3, 2))

    assert [(r.id, lim.limitation_date) for r, lim in soon] == [(untouched, date(2030, 1, 10))]
    assert [(r.id, lim.limitation_date) for r, lim in later] == [
        (untouched, date(2030, 1, 10)),
        (acknowledged, date(2030, 3, 1)),
    ]


def test_the_receivable_view_shows_the_limitation_block_and_the_payment_terms_flag(store: Store) -> None:
    clock = clock_at()
    ledger = store.ledger(clock)
    receivable_id = issue_invoice(ledger, register_debtor(ledger))

    view = receivable_view(store.ledger().receivable(receivable_id), today=date(2029, 11, 1), limitation_alert_days=90)

    assert view["payment_terms_over_cap"] is False  # due 30 days after the invoice
    assert {k: view["limitation"][k] for k in ("years", "limitation_date", "alert_from", "alert", "time_barred")} == {
        "years": 5,
        "limitation_date": "2030-01-10",
        "alert_from": "2029-10-12",
        "alert": True,
        "time_barred": False,
    }
