"""The list of receivables people read (application/receivable_listing.py), on the in-memory event store:
search by number, name or SIREN, each filter, the sorts, the totals per currency and the pages."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from uuid import UUID, uuid4

import pytest

from application.clock import SimulatedClock
from application.commands import (
    IssueInvoice,
    OpenDispute,
    PauseDunning,
    RecordPayment,
    RegisterDebtor,
    SendReminder,
    WriteOff,
)
from application.ledger import Ledger
from application.receivable_listing import IndexedReceivable, ListQuery, ReceivableTable, SortKey, folded, totals
from domain.debtor import Address
from domain.vocabulary import (
    DebtorKind,
    DisputeReason,
    DunningStage,
    PaymentMethod,
    ReceivableStatus,
    ReminderChannel,
    ReminderStage,
)
from infrastructure.memory_store import InMemoryEventStore

TODAY = date(2025, 6, 16)
ACTOR = "compta.sophie"


class Book:
    """Two debtors and seven invoices in the states a real book has, on the in-memory store."""

    def __init__(self) -> None:
        now = datetime(2025, 6, 16, 10, 0, tzinfo=UTC)
        self.ledger = Ledger(InMemoryEventStore(), clock=SimulatedClock(now))
        self.generale = self.debtor("Société Générale de Bâtiment", "732829320")
        self.martin = self.debtor("Martin Bois SAS", "542051180")
        self.ids: dict[str, UUID] = {}
        self.invoice("F-2025-001", self.generale, "1200.00", late=30)
        self.invoice("F-2025-002", self.generale, "500.00", late=-10)  # due in ten days
        self.invoice("F-2025-003", self.martin, "3000.00", late=60)
        self.invoice("F-2025-004", self.martin, "800.00", late=45)
        self.invoice("F-2025-005", self.martin, "250.00", late=5, currency="USD")
        self.invoice("F-2025-006", self.generale, "90.00", late=90)
        self.invoice("F-2025-007", self.generale, "640.00", late=20)
        self.run(RecordPayment(self.ids["F-2025-003"], Decimal("1000.00"), TODAY, PaymentMethod.TRANSFER, "VIR-1"))
        self.run(RecordPayment(self.ids["F-2025-004"], Decimal("800.00"), TODAY, PaymentMethod.TRANSFER, "VIR-2"))
        self.run(SendReminder(self.ids["F-2025-001"], ReminderStage.FIRST, ReminderChannel.EMAIL, TODAY))
        self.run(OpenDispute(self.ids["F-2025-007"], DisputeReason.PRICE, TODAY))
        self.run(WriteOff(self.ids["F-2025-006"], "montant trop faible"))
        self.run(PauseDunning(self.ids["F-2025-003"], "appel du gérant", until=TODAY + timedelta(days=10)))

    def debtor(self, name: str, siren: str) -> UUID:
        command = RegisterDebtor(
            uuid4(), name, DebtorKind.PROFESSIONAL, Address(["1 rue de la Paix"], "75002", "Paris", "FR"), siren=siren
        )
        return self.run(command)

    def invoice(self, number: str, debtor_id: UUID, amount: str, *, late: int, currency: str = "EUR") -> None:
        incl = Decimal(amount)
        excl = (incl / Decimal("1.2")).quantize(Decimal("0.01"))
        due = TODAY - timedelta(days=late)
        command = IssueInvoice(
            number, debtor_id, due - timedelta(days=30), due, excl, incl - excl, incl, "Fournitures", currency=currency
        )
        self.ids[number] = self.run(command)

    def run(self, command: object) -> UUID:
        return self.ledger.execute(command, actor=ACTOR).aggregate_id

    def table(self) -> ReceivableTable:
        debtors = [self.ledger.debtor(i) for i in self.ledger.debtor_ids()]
        return ReceivableTable.of(self.ledger.receivables(), debtors)


@pytest.fixture(scope="module")
def book() -> Book:
    return Book()


def numbers(table: ReceivableTable, **criteria: object) -> list[str]:
    return [e.invoice_number for e in table.select(ListQuery(**criteria), TODAY)]  # type: ignore[arg-type]


def test_without_criteria_every_receivable_is_listed_by_due_date(book: Book) -> None:
    assert numbers(book.table()) == [f"F-2025-00{n}" for n in (6, 3, 4, 1, 7, 5, 2)]


def test_the_search_finds_an_invoice_by_part_of_its_number_in_any_case(book: Book) -> None:
    assert numbers(book.table(), text="f-2025-003") == ["F-2025-003"]


def test_the_search_finds_a_debtors_files_by_its_name_without_accents_or_capitals(book: Book) -> None:
    found = numbers(book.table(), text="societe generale")
    assert sorted(found) == ["F-2025-001", "F-2025-002", "F-2025-006", "F-2025-007"]
    assert numbers(book.table(), text="BOIS") == ["F-2025-003", "F-2025-004", "F-2025-005"]


def test_the_search_finds_a_debtors_files_by_its_siren_typed_with_spaces(book: Book) -> None:
    assert numbers(book.table(), text="542 051 180") == ["F-2025-003", "F-2025-004", "F-2025-005"]
    assert numbers(book.table(), text="nothing like this") == []


def test_each_filter_narrows_the_list(book: Book) -> None:
    table = book.table()
    assert numbers(table, status=ReceivableStatus.SETTLED) == ["F-2025-004"]
    assert numbers(table, status=ReceivableStatus.DISPUTED) == ["F-2025-007"]
    assert numbers(table, stage=DunningStage.FIRST_REMINDER) == ["F-2025-001"]
    assert numbers(table, debtor_id=book.martin) == ["F-2025-003", "F-2025-004", "F-2025-005"]
    assert numbers(table, outstanding_min=Decimal("600"), outstanding_max=Decimal("2000")) == [
        "F-2025-003", "F-2025-001", "F-2025-007"
    ]  # fmt: skip
    assert numbers(table, days_late_min=30) == ["F-2025-003", "F-2025-001"]  # closed files are never late
    assert numbers(table, overdue_only=True) == ["F-2025-003", "F-2025-001", "F-2025-007", "F-2025-005"]
    assert numbers(table, text="générale", overdue_only=True, stage=DunningStage.NONE) == ["F-2025-007"]


def test_days_late_count_from_the_due_date_of_a_file_still_owed(book: Book) -> None:
    table = book.table()
    late = {e.invoice_number: e.days_late(TODAY) for e in table.receivables()}
    assert late == {
        "F-2025-001": 30, "F-2025-002": 0, "F-2025-003": 60, "F-2025-004": 0, "F-2025-005": 5, "F-2025-006": 0,
        "F-2025-007": 20,
    }  # fmt: skip


def test_the_sorts_put_the_largest_or_the_latest_first_when_descending(book: Book) -> None:
    table = book.table()
    by_outstanding = numbers(table, sort=SortKey.OUTSTANDING, descending=True)
    assert by_outstanding[:3] == ["F-2025-003", "F-2025-001", "F-2025-007"]
    assert numbers(table, sort=SortKey.AMOUNT, descending=True)[0] == "F-2025-003"
    assert numbers(table, sort=SortKey.DAYS_LATE, descending=True)[:5] == [
        "F-2025-003", "F-2025-001", "F-2025-007", "F-2025-005", "F-2025-002"
    ]  # fmt: skip
    assert set(numbers(table, sort=SortKey.DAYS_LATE, descending=True)[5:]) == {"F-2025-004", "F-2025-006"}


def test_totals_cover_every_selected_receivable_per_currency_euros_first(book: Book) -> None:
    listing = book.table().listing(ListQuery(), TODAY, per_page=2)
    assert listing.count == 7
    euros, dollars = listing.totals
    assert (euros.currency, euros.count) == ("EUR", 6)
    assert euros.amount_incl_vat == Decimal("6230.00")
    assert euros.outstanding == Decimal("4430.00")  # a written-off file keeps what it still owed (90.00)
    assert (dollars.currency, dollars.count, dollars.outstanding) == ("USD", 1, Decimal("250.00"))


def test_a_page_holds_its_share_of_the_list_and_a_page_beyond_the_last_shows_the_last(book: Book) -> None:
    table = book.table()
    everything = numbers(table)
    pages = [table.listing(ListQuery(), TODAY, page=n, per_page=3) for n in (1, 2, 3)]
    assert [p.pages for p in pages] == [3, 3, 3]
    assert [r.entry.invoice_number for p in pages for r in p.rows] == everything
    beyond = table.listing(ListQuery(), TODAY, page=99, per_page=3)
    assert beyond.page == 3 and [r.entry.invoice_number for r in beyond.rows] == everything[6:]
    assert table.listing(ListQuery(text="none such"), TODAY).pages == 1


def test_each_row_names_its_debtor_and_a_pause_shows_until_it_lifts(book: Book) -> None:
    table = book.table()
    row = table.listing(ListQuery(text="F-2025-003"), TODAY).rows[0]
    assert row.debtor is not None and row.debtor.legal_name == "Martin Bois SAS" and row.days_late == 60
    assert row.entry.paused_on(TODAY) and not row.entry.paused_on(TODAY + timedelta(days=10))


def test_a_changed_receivable_takes_its_new_place_in_a_sorted_list(book: Book) -> None:
    table = book.table()
    assert numbers(table, sort=SortKey.OUTSTANDING)[-1] == "F-2025-003"
    entry = IndexedReceivable.of(book.ledger.receivable(book.ids["F-2025-003"]))
    table.put_receivable(replace(entry, outstanding=Decimal("1.00")))
    assert numbers(table, sort=SortKey.OUTSTANDING)[:2] == ["F-2025-004", "F-2025-003"]


def test_names_are_compared_without_accents_and_capitals() -> None:
    assert folded("Société GÉNÉRALE") == "societe generale"


def test_orders_and_totals_kept_up_through_changes_equal_those_of_a_table_built_afresh(book: Book) -> None:
    rng = random.Random(18)
    kept = book.table()
    rows = kept.receivables()
    queries = [ListQuery(sort=s, descending=d) for s in SortKey for d in (False, True)]
    for query in queries:
        kept.select(query, TODAY)  # every order built, then kept up below
    for step in range(60):
        entry = rng.choice(rows)
        if step % 7 == 6:
            kept.remove_receivable(entry.receivable_id)
            continue
        new_file = rng.random() < 0.3  # else the same file, changed
        changed = replace(
            entry,
            invoice_number=f"F-2025-9{step:02d}" if new_file else entry.invoice_number,
            receivable_id=uuid4() if new_file else entry.receivable_id,
            outstanding=Decimal(rng.randrange(0, 500_000)) / 100,
            amount_incl_vat=Decimal(rng.randrange(1, 500_000)) / 100,
            due_date=TODAY + timedelta(days=rng.randrange(-90, 30)),
            closed=rng.random() < 0.2,
        )
        kept.put_receivable(changed)
        rows.append(changed)
    afresh = ReceivableTable()
    afresh.replace(kept.receivables(), [kept.debtor(book.generale), kept.debtor(book.martin)])  # type: ignore[list-item]
    for query in queries:
        assert kept.select(query, TODAY) == afresh.select(query, TODAY), query
    assert kept.listing(ListQuery(), TODAY).totals == afresh.listing(ListQuery(), TODAY).totals
    assert kept.listing(ListQuery(), TODAY).totals == totals(kept.receivables())


@pytest.mark.parametrize("criteria", [{"overdue_only": True}, {"days_late_min": 30}, {"days_late_min": 1}])
@pytest.mark.parametrize("descending", [False, True])
def test_lateness_filters_give_the_same_rows_whatever_the_sort(
    book: Book, criteria: dict[str, object], descending: bool
) -> None:
    table = book.table()
    minimum = max(1, int(criteria.get("days_late_min", 1)))  # type: ignore[call-overload]
    expected = {e.invoice_number for e in table.receivables() if e.days_late(TODAY) >= minimum}
    by_lateness = numbers(table, sort=SortKey.DAYS_LATE, descending=descending, **criteria)
    assert set(by_lateness) == expected
    late = {e.invoice_number: e.days_late(TODAY) for e in table.receivables()}
    assert [late[n] for n in by_lateness] == sorted((late[n] for n in by_lateness), reverse=descending)
    for sort in (SortKey.DUE_DATE, SortKey.OUTSTANDING):
        assert set(numbers(table, sort=sort, descending=descending, **criteria)) == expected
