"""The list of receivables as people read it: search, filters, sort, totals and pages, from memory.

``ReceivableTable`` holds one row per receivable (what its events alone decide: amounts, status, stage,
due date, pause) and one per debtor (name, SIREN, SIRET); ``ReceivableIndex`` keeps it current from the
notification log, so a list never loads an aggregate. Days late depend on the day asked and are computed
then. A query starts from an order kept until the next change (sorting 100,000 rows costs more than
filtering them) and narrows it filter by filter, so what is left is still in order.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from enum import Enum
from typing import Any
from uuid import UUID

from domain.debtor import Debtor
from domain.receivable import Receivable
from domain.vocabulary import DunningStage, ReceivableStatus

ZERO = Decimal("0.00")
PER_PAGE = 50


@dataclass(frozen=True, slots=True)
class PauseSpan:
    reason: str
    since: date
    until: date | None


@dataclass(frozen=True, slots=True)
class IndexedReceivable:
    receivable_id: UUID
    debtor_id: UUID
    issue_date: date
    invoice_number: str
    status: ReceivableStatus
    due_date: date
    currency: str
    amount_incl_vat: Decimal
    outstanding: Decimal
    stage: DunningStage
    closed: bool  # settled or written off: nothing is late any more
    pause: PauseSpan | None  # dunning paused (until a day, or until resumed)

    @classmethod
    def of(cls, receivable: Receivable) -> IndexedReceivable:
        pause = receivable.pause
        return cls(
            receivable.id, receivable.debtor_id, receivable.issue_date, receivable.invoice_number, receivable.status,
            receivable.due_date, receivable.currency, receivable.amount_incl_vat, receivable.outstanding,
            receivable.stage, receivable.is_closed,
            None if pause is None else PauseSpan(pause.reason, pause.paused_on, pause.until),
        )  # fmt: skip

    def days_late(self, today: date) -> int:
        """Days past the due date of a file still owed; 0 before it falls due and once it is closed."""
        return 0 if self.closed else max(0, (today - self.due_date).days)

    def paused_on(self, today: date) -> bool:
        return not self.closed and self.pause is not None and (self.pause.until is None or today < self.pause.until)


@dataclass(frozen=True, slots=True)
class IndexedDebtor:
    debtor_id: UUID
    legal_name: str  # empty once a consumer's data is erased
    siren: str | None
    siret: str | None

    @classmethod
    def of(cls, debtor: Debtor) -> IndexedDebtor:
        return cls(debtor.id, debtor.legal_name, debtor.siren, debtor.siret)


class SortKey(Enum):
    DUE_DATE = "due_date"
    AMOUNT = "amount"  # incl. VAT
    OUTSTANDING = "outstanding"
    DAYS_LATE = "days_late"  # the most late first when descending; closed files after every open one


@dataclass(frozen=True)
class ListQuery:
    """What to show: every criterion given narrows the list (None, empty or False: no criterion)."""

    text: str = ""  # part of the invoice number or of the debtor's name, or digits of its SIREN / SIRET
    status: ReceivableStatus | None = None
    stage: DunningStage | None = None
    debtor_id: UUID | None = None
    outstanding_min: Decimal | None = None
    outstanding_max: Decimal | None = None
    days_late_min: int | None = None
    overdue_only: bool = False  # past due and still owed
    sort: SortKey = SortKey.DUE_DATE
    descending: bool = False


@dataclass(frozen=True)
class CurrencyTotal:
    currency: str
    count: int
    amount_incl_vat: Decimal
    outstanding: Decimal


@dataclass(frozen=True)
class ListedReceivable:
    entry: IndexedReceivable
    debtor: IndexedDebtor | None
    days_late: int


@dataclass(frozen=True)
class Listing:
    rows: list[ListedReceivable]  # the page asked
    count: int  # every receivable the query selects
    totals: list[CurrencyTotal]  # of every receivable selected, per currency (euros first)
    page: int  # 1-based, within 1..pages
    pages: int
    per_page: int


_ORDERS: dict[SortKey, Any] = {
    SortKey.DUE_DATE: lambda e: e.due_date,
    SortKey.AMOUNT: lambda e: e.amount_incl_vat,
    SortKey.OUTSTANDING: lambda e: e.outstanding,
    SortKey.DAYS_LATE: lambda e: (not e.closed, -e.due_date.toordinal()),
}


class ReceivableTable:
    """Rows of receivables and debtors, and the queries on them. Not thread-safe: its owner locks."""

    def __init__(self) -> None:
        self._receivables: dict[UUID, IndexedReceivable] = {}
        self._debtors: dict[UUID, IndexedDebtor] = {}
        self._searched: dict[UUID, tuple[str, str]] = {}  # debtor -> (folded name, SIREN and SIRET)
        self._orders: dict[tuple[SortKey, bool], list[IndexedReceivable]] = {}

    @classmethod
    def of(cls, receivables: Iterable[Receivable], debtors: Iterable[Debtor]) -> ReceivableTable:
        table = cls()
        table.replace([IndexedReceivable.of(r) for r in receivables], [IndexedDebtor.of(d) for d in debtors])
        return table

    # ---------------------------------------------------------------- changes

    def replace(self, receivables: Iterable[IndexedReceivable], debtors: Iterable[IndexedDebtor]) -> None:
        self._receivables = {e.receivable_id: e for e in receivables}
        self._debtors, self._searched = {}, {}
        for debtor in debtors:
            self.put_debtor(debtor)
        self._orders.clear()

    def put_receivable(self, entry: IndexedReceivable) -> None:
        self._receivables[entry.receivable_id] = entry
        self._orders.clear()

    def remove_receivable(self, receivable_id: UUID) -> None:
        if self._receivables.pop(receivable_id, None) is not None:
            self._orders.clear()

    def put_debtor(self, debtor: IndexedDebtor) -> None:
        self._debtors[debtor.debtor_id] = debtor
        self._searched[debtor.debtor_id] = (folded(debtor.legal_name), f"{debtor.siren or ''} {debtor.siret or ''}")

    # ---------------------------------------------------------------- queries

    def receivables(self) -> list[IndexedReceivable]:
        return list(self._receivables.values())

    def debtor(self, debtor_id: UUID) -> IndexedDebtor | None:
        return self._debtors.get(debtor_id)

    def debtors(self) -> list[IndexedDebtor]:
        return list(self._debtors.values())

    def matching(
        self, *, status: ReceivableStatus | None = None, debtor_id: UUID | None = None
    ) -> list[IndexedReceivable]:
        """With this status and debtor (either None: any), by issue date then invoice number."""
        found = [
            e
            for e in self._receivables.values()
            if (status is None or e.status is status) and (debtor_id is None or e.debtor_id == debtor_id)
        ]
        found.sort(key=lambda e: (e.issue_date, e.invoice_number))
        return found

    def listing(self, query: ListQuery, today: date, *, page: int = 1, per_page: int = PER_PAGE) -> Listing:
        found = self.select(query, today)
        pages = max(1, -(-len(found) // per_page))
        page = min(max(1, page), pages)
        shown = found[(page - 1) * per_page : page * per_page]
        rows = [ListedReceivable(e, self._debtors.get(e.debtor_id), e.days_late(today)) for e in shown]
        return Listing(rows, len(found), totals(found), page, pages, per_page)

    def select(self, query: ListQuery, today: date) -> list[IndexedReceivable]:
        """Every receivable the query selects, in its order (ties by invoice number)."""
        found = self._ordered(query.sort, query.descending)
        if query.debtor_id is not None:
            found = [e for e in found if e.debtor_id == query.debtor_id]
        if query.text.strip():
            found = self._searched_for(found, query.text)
        if query.status is not None:
            found = [e for e in found if e.status is query.status]
        if query.stage is not None:
            found = [e for e in found if e.stage is query.stage]
        if query.overdue_only:
            found = [e for e in found if not e.closed and e.due_date < today]
        if query.days_late_min is not None and query.days_late_min > 0:
            latest_due = today - timedelta(days=query.days_late_min)
            found = [e for e in found if not e.closed and e.due_date <= latest_due]
        if query.outstanding_min is not None:
            found = [e for e in found if e.outstanding >= query.outstanding_min]
        if query.outstanding_max is not None:
            found = [e for e in found if e.outstanding <= query.outstanding_max]
        return found

    def _ordered(self, sort: SortKey, descending: bool) -> list[IndexedReceivable]:
        order = self._orders.get((sort, descending))
        if order is None:
            by_number = sorted(self._receivables.values(), key=lambda e: e.invoice_number)
            order = self._orders[(sort, descending)] = sorted(by_number, key=_ORDERS[sort], reverse=descending)
        return order

    def _searched_for(self, found: list[IndexedReceivable], text: str) -> list[IndexedReceivable]:
        needle = folded(text.strip())
        digits = needle.replace(" ", "")
        by_identifier = len(digits) >= 3 and digits.isdigit()
        debtors = {
            debtor_id
            for debtor_id, (name, identifiers) in self._searched.items()
            if needle in name or (by_identifier and digits in identifiers)
        }
        return [e for e in found if e.debtor_id in debtors or needle in e.invoice_number.casefold()]


def totals(entries: list[IndexedReceivable]) -> list[CurrencyTotal]:
    """Count, amount incl. VAT and outstanding per currency, euros first, then by code."""
    currencies = {e.currency for e in entries}
    found = []
    for code in sorted(currencies, key=lambda c: (c != "EUR", c)):
        own = entries if len(currencies) == 1 else [e for e in entries if e.currency == code]
        amount = sum((e.amount_incl_vat for e in own), ZERO)
        found.append(CurrencyTotal(code, len(own), amount, sum((e.outstanding for e in own), ZERO)))
    return found


def folded(text: str) -> str:
    """Lower case without accents: « Société Générale » is found by « societe »."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))
