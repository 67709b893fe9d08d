"""The demo ledger: every stage of the process, recorded in the past through the use cases, deterministic."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from api.demo import FIRM_SIREN, DemoSummary, demo_clock, load_demo, with_luhn_key
from application.clock import SimulatedClock
from application.ledger import Ledger
from application.verification import verify_store
from domain.chain import LedgerEvent
from domain.debtor import DEBTOR_EVENTS
from domain.receivable_events import RECEIVABLE_EVENTS
from domain.values import luhn_valid
from domain.vocabulary import DebtorKind, ReceivableStatus
from infrastructure.settings import Settings
from infrastructure.stores import build_ledger
from tests.support.documents import document_store

PARIS = ZoneInfo("Europe/Paris")
NOW = datetime(2026, 3, 18, 16, 45, tzinfo=UTC)  # a Wednesday afternoon in Paris


def demo_ledger(data_dir: Path, now: datetime = NOW) -> tuple[Ledger, DemoSummary]:
    """A Ledger on a new SQLite file, filled by the demo as if run at ``now``."""
    clock = demo_clock(now)
    settings = Settings(data_dir=data_dir, database_url=None, timezone="Europe/Paris")
    ledger = build_ledger(settings, clock=clock)
    return ledger, load_demo(ledger, clock, document_store(settings), now=now)


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Ledger, DemoSummary]]:
    ledger, summary = demo_ledger(tmp_path_factory.mktemp("demo"))
    yield ledger, summary
    ledger.close()


def journals(ledger: Ledger, *, opened: bool = False) -> dict[str, list[dict[str, Any]]]:
    """Every receivable's canonical records (with their hashes), by invoice number; ``opened``: free texts
    as a reader sees them rather than sealed."""
    records = {}
    for receivable_id in ledger.receivable_ids():
        entries = [entry.record for entry in ledger.journal(receivable_id, opened=opened)]
        records[entries[0]["data"]["invoice_number"]] = entries
    return records


def events_in_notification_order(ledger: Ledger) -> list[LedgerEvent]:
    notifications = ledger.recorder.select_notifications(start=1, limit=100_000)
    events = [ledger.mapper.to_domain_event(n) for n in notifications]
    return [e for e in events if isinstance(e, LedgerEvent)]


# ------------------------------------------------------------------ coverage


def test_the_demo_shows_every_status_a_receivable_can_have(demo: tuple[Ledger, DemoSummary]) -> None:
    ledger, _ = demo

    statuses = {receivable.status for receivable in ledger.receivables()}

    assert statuses == set(ReceivableStatus)


def test_the_demo_records_every_type_of_receivable_event(demo: tuple[Ledger, DemoSummary]) -> None:
    ledger, _ = demo

    recorded = {record["type"] for records in journals(ledger).values() for record in records}

    assert {event.type_name() for event in RECEIVABLE_EVENTS} <= recorded


def test_the_demo_records_insolvency_a_declared_claim_and_a_consent_to_electronic_delivery(
    demo: tuple[Ledger, DemoSummary],
) -> None:
    ledger, _ = demo

    recorded = {type(event).__name__ for event in events_in_notification_order(ledger)}

    expected = {"InsolvencyOpened", "ClaimDeclared", "ElectronicDeliveryConsented", "ContactChanged"}
    assert expected <= recorded <= {e.type_name() for e in (*RECEIVABLE_EVENTS, *DEBTOR_EVENTS)}


def test_the_demo_holds_at_least_25_receivables_and_debtors_of_both_kinds(demo: tuple[Ledger, DemoSummary]) -> None:
    ledger, _ = demo

    receivables = list(ledger.receivables())
    kinds = [ledger.debtor(debtor_id).kind for debtor_id in ledger.debtor_ids()]

    assert len(receivables) >= 25
    assert kinds.count(DebtorKind.PROFESSIONAL) >= 5
    assert kinds.count(DebtorKind.CONSUMER) >= 2


def test_every_professional_debtor_has_a_siren_with_a_valid_key(demo: tuple[Ledger, DemoSummary]) -> None:
    ledger, _ = demo

    sirens = [ledger.debtor(i).siren for i in ledger.debtor_ids() if ledger.debtor(i).kind is DebtorKind.PROFESSIONAL]

    assert sirens
    assert all(s is not None and len(s) == 9 and luhn_valid(s) for s in sirens)


def test_the_luhn_key_completes_a_known_siren() -> None:
    assert with_luhn_key("73282932") == "732829320"  # a published SIREN
    assert with_luhn_key("7328293200007") == "73282932000074"  # and one of its SIRETs


def test_the_firm_s_own_siren_is_valid() -> None:
    assert luhn_valid(FIRM_SIREN)


# -------------------------------------------------------------- the journal


def test_the_demo_ledger_verifies(demo: tuple[Ledger, DemoSummary]) -> None:
    ledger, summary = demo

    report = verify_store(ledger.recorder, ledger.mapper)

    assert report.ok, report.breaks
    assert report.events == summary.events
    assert len(report.heads) == summary.debtors + summary.receivables


def test_no_event_is_recorded_after_now_and_recorded_times_never_go_back(demo: tuple[Ledger, DemoSummary]) -> None:
    ledger, _ = demo

    instants = [event.timestamp for event in events_in_notification_order(ledger)]

    assert instants
    assert max(instants) <= NOW
    assert instants == sorted(instants)


def test_after_the_demo_the_ledger_s_clock_stands_at_now(demo: tuple[Ledger, DemoSummary]) -> None:
    ledger, _ = demo

    assert ledger.now().instant == NOW


def test_the_history_spans_months_before_today(demo: tuple[Ledger, DemoSummary]) -> None:
    ledger, _ = demo

    instants = [event.timestamp for event in events_in_notification_order(ledger)]

    assert NOW - min(instants) > timedelta(days=150)
    assert NOW - max(instants) < timedelta(days=7)


def test_people_the_bank_and_the_dunning_engine_work_on_weekdays(demo: tuple[Ledger, DemoSummary]) -> None:
    ledger, _ = demo

    weekend = [
        (type(e).__name__, e.actor, e.timestamp)
        for e in events_in_notification_order(ledger)
        if e.timestamp.astimezone(PARIS).weekday() >= 5
    ]

    assert weekend == []


def test_a_past_date_replays_an_earlier_state_of_the_sample_file(demo: tuple[Ledger, DemoSummary]) -> None:
    ledger, summary = demo
    receivable = ledger.receivable_by_number(summary.sample_invoice)

    earlier = ledger.receivable(receivable.id, as_of=ledger.end_of_day(summary.sample_as_of))

    assert earlier.version < receivable.version
    assert earlier.status is not receivable.status


# ------------------------------------------------------------------ the law


def test_consumers_are_never_claimed_the_recovery_indemnity(demo: tuple[Ledger, DemoSummary]) -> None:
    ledger, _ = demo

    indemnities = [
        Decimal(r["data"]["claimed"]["indemnity"] if r["type"] == "FormalNoticeSent" else r["data"]["indemnity"])
        for records in journals(ledger).values()
        if records[0]["data"]["debtor_kind"] == "consumer"
        for r in records
        if r["type"] in ("FormalNoticeSent", "LateChargesInvoiced")
    ]

    assert indemnities  # consumers do get formal notices
    assert set(indemnities) == {Decimal("0.00")}


def test_late_charges_billed_to_a_professional_include_the_40_euro_indemnity(demo: tuple[Ledger, DemoSummary]) -> None:
    ledger, _ = demo

    charges = [
        r["data"]
        for records in journals(ledger).values()
        for r in records
        if r["type"] == "LateChargesInvoiced" and records[0]["data"]["debtor_kind"] == "professional"
    ]

    assert charges
    assert all(c["indemnity"] == "40.00" and Decimal(c["interest"]) > 0 for c in charges)


def test_an_electronic_registered_letter_goes_only_to_a_consumer_who_consented_before(
    demo: tuple[Ledger, DemoSummary],
) -> None:
    ledger, _ = demo
    lre = [
        (records[0]["data"]["debtor_id"], date.fromisoformat(r["data"]["sent_on"]))
        for records in journals(ledger).values()
        for r in records
        if r["type"] == "FormalNoticeSent" and r["data"]["channel"] == "electronic_registered_letter"
    ]

    assert lre
    for debtor_id, sent_on in lre:
        debtor = next(ledger.debtor(i) for i in ledger.debtor_ids() if str(i) == debtor_id)
        assert debtor.electronic_delivery_consented_on is not None
        assert debtor.electronic_delivery_consented_on <= sent_on


def test_the_formal_notices_and_their_acknowledgements_include_a_delivered_and_an_unclaimed_letter(
    demo: tuple[Ledger, DemoSummary],
) -> None:
    ledger, _ = demo

    outcomes = {
        r["data"]["outcome"]
        for records in journals(ledger).values()
        for r in records
        if r["type"] == "FormalNoticeAcknowledged"
    }

    assert {"delivered", "unclaimed"} <= outcomes


# ------------------------------------------------------------------ summary


def test_the_summary_counts_what_the_ledger_holds(demo: tuple[Ledger, DemoSummary]) -> None:
    ledger, summary = demo
    receivables = list(ledger.receivables())

    assert summary.receivables == len(receivables)
    assert summary.debtors == len(list(ledger.debtor_ids()))
    assert summary.total_invoiced == sum((r.amount_incl_vat for r in receivables), Decimal(0))
    assert summary.total_outstanding == sum((r.outstanding for r in receivables if r.written_off is None), Decimal(0))
    assert summary.by_status == {s: sum(r.status is s for r in receivables) for s in ReceivableStatus}


def test_the_summary_text_suggests_commands_on_a_real_invoice(demo: tuple[Ledger, DemoSummary]) -> None:
    ledger, summary = demo

    text = summary.text()

    assert ledger.receivable_by_number(summary.sample_invoice).invoice_number == summary.sample_invoice
    assert f"relance receivable show {summary.sample_invoice} --as-of {summary.sample_as_of}" in text
    assert "relance receivable list" in text
    assert "relance ledger verify" in text
    assert f"{summary.receivables} receivables" in text


# ------------------------------------------------------------ determinism


def test_two_runs_on_the_same_date_record_identical_journals(tmp_path: Path) -> None:
    first, _ = demo_ledger(tmp_path / "first")
    second, _ = demo_ledger(tmp_path / "second", NOW + timedelta(hours=5))  # 22:45 in Paris, same day

    first_journals, second_journals = journals(first, opened=True), journals(second, opened=True)

    contents = {n: [(r["type"], r["data"]) for r in records] for n, records in first_journals.items()}
    assert contents == {n: [(r["type"], r["data"]) for r in records] for n, records in second_journals.items()}
    # Ids and instants too; not the hashes: free texts are sealed under keys (and nonces) of each store.
    unhashed = {"hash", "previous_hash"}
    assert {n: [{k: v for k, v in r.items() if k not in unhashed} for r in records]
            for n, records in first_journals.items()} == {
        n: [{k: v for k, v in r.items() if k not in unhashed} for r in records]
        for n, records in second_journals.items()
    }  # fmt: skip
    first.close()
    second.close()


def test_another_date_moves_the_whole_sample(tmp_path: Path) -> None:
    today, _ = demo_ledger(tmp_path / "today")
    tomorrow, _ = demo_ledger(tmp_path / "tomorrow", NOW + timedelta(days=1))

    first_issue = min(r.issue_date for r in today.receivables())

    assert min(r.issue_date for r in tomorrow.receivables()) > first_issue
    today.close()
    tomorrow.close()


@pytest.mark.parametrize(
    "now",
    [
        datetime(2026, 3, 21, 10, 0, tzinfo=UTC),  # a Saturday
        datetime(2026, 3, 22, 22, 30, tzinfo=UTC),  # Monday 00:30 in Paris, Sunday in UTC
        datetime(2026, 3, 30, 6, 0, tzinfo=UTC),  # the day after the switch to summer time
        datetime(2027, 1, 1, 8, 0, tzinfo=UTC),  # a new year: invoices of two years
        datetime(2028, 3, 1, 12, 0, tzinfo=UTC),  # after 29 February
    ],
)
def test_the_demo_loads_whatever_the_date(tmp_path: Path, now: datetime) -> None:
    ledger, summary = demo_ledger(tmp_path, now)

    statuses = {receivable.status for receivable in ledger.receivables()}

    assert statuses == set(ReceivableStatus)
    assert max(e.timestamp for e in events_in_notification_order(ledger)) <= now
    assert summary.last_day < now.astimezone(PARIS).date()
    ledger.close()


def test_the_demo_refuses_a_clock_that_already_stands_at_now(tmp_path: Path) -> None:
    clock = SimulatedClock(NOW)
    ledger = build_ledger(Settings(data_dir=tmp_path, database_url=None, timezone="Europe/Paris"), clock=clock)

    with pytest.raises(ValueError, match="clock"):
        load_demo(ledger, clock, document_store(Settings(data_dir=tmp_path, database_url=None)), now=NOW)

    assert list(ledger.receivable_ids()) == []
    ledger.close()
