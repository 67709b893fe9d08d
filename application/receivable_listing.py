"""The list of receivables as people read it: search, filters, sort, totals and pages, from memory.

``ReceivableTable`` holds one row per receivable (what its events alone decide: amounts, status, stage,
due date, pause) and one per debtor (name, SIREN, SIRET); ``ReceivableIndex`` keeps it current from the
notification log, so a list never loads an aggregate. Days late depend on the day asked and are computed
then. A query starts from the rows of its debtor or search, or else from an order kept sorted as rows
change (sorting 100,000 rows costs more than filtering them), and narrows them filter by filter, so what
is left is still in order. ``benchmarks/console_list.py`` times it at 100,000 receivables.
"""

from __future__ import annotations

import unicodedata
from bisect import bisect_left, insort
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from enum import Enum
from operator import attrgetter
from typing import Any
from uuid import UUID

from domain.debtor import Debtor
from domain.limitation import limitation_of
from domain.receivable import Receivable
from domain.vocabulary import DunningStage, ReceivableStatus

PER_PAGE = 50


@dataclass(frozen=True, slots=True)
class PauseSpan:
    reason: str
    since: date
    until: date | None


@dataclass(frozen=True, slots=True)
class PromiseSpan:
    amount: Decimal
    promised_for: date


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
    promise: PromiseSpan | None  # the promise to pay still open (Aujourd'hui: promises falling due)
    limitation_on: date | None  # the last day to act, as the events recorded stand; None once closed or suspended
    # The amounts in cents, derived: integers add up three times faster than Decimals (the totals)
    amount_cents: int = field(init=False, repr=False, compare=False)
    outstanding_cents: int = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "amount_cents", _cents(self.amount_incl_vat))
        object.__setattr__(self, "outstanding_cents", _cents(self.outstanding))

    @classmethod
    def of(cls, receivable: Receivable) -> IndexedReceivable:
        pause, promise = receivable.pause, receivable.open_promise
        return cls(
            receivable.id, receivable.debtor_id, receivable.issue_date, receivable.invoice_number, receivable.status,
            receivable.due_date, receivable.currency, receivable.amount_incl_vat, receivable.outstanding,
            receivable.stage, receivable.is_closed,
            None if pause is None else PauseSpan(pause.reason, pause.paused_on, pause.until),
            None if promise is None else PromiseSpan(promise.amount, promise.promised_date),
            None if receivable.is_closed else limitation_of(receivable, on=date.max).limitation_date,
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


# Each order is ascending and unique (the invoice number breaks ties); descending reads it backwards.
_ORDERS: dict[SortKey, Callable[[IndexedReceivable], Any]] = {
    SortKey.DUE_DATE: lambda e: (e.due_date, e.invoice_number),
    SortKey.AMOUNT: lambda e: (e.amount_incl_vat, e.invoice_number),
    SortKey.OUTSTANDING: lambda e: (e.outstanding, e.invoice_number),
    SortKey.DAYS_LATE: lambda e: (not e.closed, -e.due_date.toordinal(), e.invoice_number),
}


class ReceivableTable:
    """Rows of receivables and debtors, and the queries on them. Not thread-safe: its owner locks.

    The sorted orders are built on first use and then kept sorted as rows change (a row moves by
    bisection), and the totals of the whole table are kept up as rows come and go: a list after a
    write neither sorts nor adds up 100,000 rows again."""

    def __init__(self) -> None:
        self._receivables: dict[UUID, IndexedReceivable] = {}
        # A UUID hashes in Python, an int in C: the rows' own maps are keyed by the ids' integers
        self._by_debtor: dict[UUID, dict[int, IndexedReceivable]] = {}
        self._numbers: dict[str, IndexedReceivable] = {}  # folded invoice number -> row
        self._debtors: dict[UUID, IndexedDebtor] = {}
        self._searched: dict[UUID, tuple[str, str]] = {}  # debtor -> (folded name, SIREN and SIRET)
        self._orders: dict[SortKey, list[IndexedReceivable]] = {}
        self._sums: dict[str, list[int]] = {}  # currency -> [count, amount in cents, outstanding in cents]

    @classmethod
    def of(cls, receivables: Iterable[Receivable], debtors: Iterable[Debtor]) -> ReceivableTable:
        table = cls()
        table.replace([IndexedReceivable.of(r) for r in receivables], [IndexedDebtor.of(d) for d in debtors])
        return table

    # ---------------------------------------------------------------- changes

    def replace(self, receivables: Iterable[IndexedReceivable], debtors: Iterable[IndexedDebtor]) -> None:
        self._receivables, self._by_debtor, self._numbers, self._sums = {}, {}, {}, {}
        for entry in receivables:
            self._add(entry)
        self._debtors, self._searched = {}, {}
        for debtor in debtors:
            self.put_debtor(debtor)
        self._orders.clear()

    def put_receivable(self, entry: IndexedReceivable) -> None:
        self._drop(entry.receivable_id)
        self._add(entry)
        for sort, order in self._orders.items():
            insort(order, entry, key=_ORDERS[sort])

    def remove_receivable(self, receivable_id: UUID) -> None:
        self._drop(receivable_id)

    def _add(self, entry: IndexedReceivable) -> None:
        self._receivables[entry.receivable_id] = entry
        self._by_debtor.setdefault(entry.debtor_id, {})[entry.receivable_id.int] = entry
        self._numbers[entry.invoice_number.casefold()] = entry
        sums = self._sums.setdefault(entry.currency, [0, 0, 0])
        sums[0] += 1
        sums[1] += entry.amount_cents
        sums[2] += entry.outstanding_cents

    def _drop(self, receivable_id: UUID) -> IndexedReceivable | None:
        """Take the row out of the table and its orders; None if there was none."""
        old = self._receivables.pop(receivable_id, None)
        if old is None:
            return None
        self._by_debtor.get(old.debtor_id, {}).pop(receivable_id.int, None)
        self._numbers.pop(old.invoice_number.casefold(), None)
        sums = self._sums[old.currency]
        sums[0] -= 1
        sums[1] -= old.amount_cents
        sums[2] -= old.outstanding_cents
        for sort, order in list(self._orders.items()):
            key = _ORDERS[sort]
            at = bisect_left(order, key(old), key=key)
            if at < len(order) and order[at] is old:
                del order[at]
            else:  # not where its key says: never expected; the order is sorted again at its next use
                del self._orders[sort]
        return old

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

    def debtor_count(self) -> int:
        return len(self._debtors)

    def matching(
        self, *, status: ReceivableStatus | None = None, debtor_id: UUID | None = None
    ) -> list[IndexedReceivable]:
        """With this status and debtor (either None: any), by issue date then invoice number."""
        rows = self._receivables if debtor_id is None else self._by_debtor.get(debtor_id, {})
        found = [e for e in rows.values() if status is None or e.status is status]
        found.sort(key=lambda e: (e.issue_date, e.invoice_number))
        return found

    def listing(self, query: ListQuery, today: date, *, page: int = 1, per_page: int = PER_PAGE) -> Listing:
        found = self._select(query, today)
        pages = max(1, -(-len(found) // per_page))
        page = min(max(1, page), pages)
        shown = found[(page - 1) * per_page : page * per_page]
        rows = [ListedReceivable(e, self._debtors.get(e.debtor_id), e.days_late(today)) for e in shown]
        if len(found) == len(self._receivables):  # as many rows as the table: all of them
            found_totals = self._totals()
        else:  # a selection of a table in one currency is in that one
            found_totals = totals(found, {c for c, (count, _, _) in self._sums.items() if count} if found else set())
        return Listing(rows, len(found), found_totals, page, pages, per_page)

    def select(self, query: ListQuery, today: date) -> list[IndexedReceivable]:
        """Every receivable the query selects, in its order."""
        return list(self._select(query, today))

    def _select(self, query: ListQuery, today: date) -> Sequence[IndexedReceivable]:
        latest_due = _latest_due(query, today)
        found, late_cut = self._first_cut(query, latest_due)
        if late_cut:
            latest_due = None
        status, stage, low, high = query.status, query.stage, query.outstanding_min, query.outstanding_max
        if latest_due is None and status is None and stage is None and low is None and high is None:
            return found
        return [  # one pass, every criterion in line: a function call per row and criterion costs more
            e
            for e in found
            if (latest_due is None or (not e.closed and e.due_date <= latest_due))
            and (status is None or e.status is status)
            and (stage is None or e.stage is stage)
            and (low is None or e.outstanding >= low)
            and (high is None or e.outstanding <= high)
        ]

    def _totals(self) -> list[CurrencyTotal]:
        """The totals of every receivable, as kept up."""
        return [
            CurrencyTotal(code, count, Decimal(amount).scaleb(-2), Decimal(outstanding).scaleb(-2))
            for code, (count, amount, outstanding) in sorted(self._sums.items(), key=lambda s: (s[0] != "EUR", s[0]))
            if count
        ]

    def _ordered(self, sort: SortKey) -> list[IndexedReceivable]:
        order = self._orders.get(sort)
        if order is None:
            order = self._orders[sort] = sorted(self._receivables.values(), key=_ORDERS[sort])
        return order

    def _first_cut(self, query: ListQuery, latest_due: date | None) -> tuple[Sequence[IndexedReceivable], bool]:
        """The rows of the debtor and the search, in the query's order (without either: the whole order;
        few rows are sorted, many are picked from the kept order); and whether the rows late enough
        (due on ``latest_due`` or before, still owed) were cut already: in the order by days late they
        are one slice, found by bisection."""
        key = _ORDERS[query.sort]
        rows: dict[int, IndexedReceivable] | None = None
        if query.debtor_id is not None:
            rows = self._by_debtor.get(query.debtor_id, {})
        if query.text.strip():
            matches = self._matching_text(query.text)
            rows = matches if rows is None else {i: e for i, e in rows.items() if i in matches}
        order = self._ordered(query.sort)
        if rows is None or len(rows) == len(order):  # every row
            if latest_due is not None and query.sort is SortKey.DAYS_LATE:
                order = order[bisect_left(order, (True, -latest_due.toordinal()), key=key) :]
                return (order[::-1] if query.descending else order), True
            return (order[::-1] if query.descending else order), False
        if len(rows) * 8 < len(order):
            return sorted(rows.values(), key=key, reverse=query.descending), False
        picked = [e for e in (reversed(order) if query.descending else order) if e.receivable_id.int in rows]
        return picked, False

    def _matching_text(self, text: str) -> dict[int, IndexedReceivable]:
        """The rows whose invoice number holds the text, or whose debtor's name does (accents and capitals
        aside), or whose debtor's SIREN or SIRET holds its digits (spaces aside)."""
        needle = folded(text.strip())
        digits = needle.replace(" ", "")
        by_identifier = len(digits) >= 3 and digits.isdigit()
        found: dict[int, IndexedReceivable] = {}
        for debtor_id, (name, identifiers) in self._searched.items():
            if needle in name or (by_identifier and digits in identifiers):
                found.update(self._by_debtor.get(debtor_id, {}))
        found.update((e.receivable_id.int, e) for number, e in self._numbers.items() if needle in number)
        return found


def totals(entries: Sequence[IndexedReceivable], currencies: set[str] | None = None) -> list[CurrencyTotal]:
    """Count, amount incl. VAT and outstanding per currency, euros first, then by code (``currencies``:
    those of the entries, when known)."""
    if currencies is None or len(currencies) > 1:
        currencies = set(map(attrgetter("currency"), entries))
    found = []
    for code in sorted(currencies, key=lambda c: (c != "EUR", c)):
        own = entries if len(currencies) == 1 else [e for e in entries if e.currency == code]
        amount = sum(map(attrgetter("amount_cents"), own))
        outstanding = sum(map(attrgetter("outstanding_cents"), own))
        found.append(CurrencyTotal(code, len(own), Decimal(amount).scaleb(-2), Decimal(outstanding).scaleb(-2)))
    return found


def _latest_due(query: ListQuery, today: date) -> date | None:
    """The latest due date of a row late enough for the query (overdue: due before today), None: any."""
    days = max(1 if query.overdue_only else 0, query.days_late_min or 0)
    return today - timedelta(days=days) if days > 0 else None


def _cents(amount: Decimal) -> int:
    return int((amount * 100).to_integral_value())


def folded(text: str) -> str:
    """Lower case without accents: « Société Générale » is found by « societe »."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))
