"""Which receivables a bank credit pays: pure rules, no I/O.

Rules, in order (docs/imports.md):

1. **By invoice number** in the remittance information. Numbers are compared on their
   letters and digits only, whatever the case and the separators between them
   (``f 2025 001`` and ``F-2025/001`` name ``F-2025-001``); a number must not run on into
   another digit or letter (``F-12`` is not found in ``F-123``), and a number starting with
   a digit may follow a prefix in letters (``FACT12345`` names ``12345``). When one found
   number lies inside another found one, the longer wins.
   * one open invoice named: the whole credit goes to it (partial payment or overpayment
     alike: the receivable keeps what is owed and what is to refund);
   * several open invoices named: each is paid in full in the order they appear, the
     surplus to the last; a credit short of their total is unclear and goes to a person;
   * only closed invoices named: to a person (a second payment?).
2. **By amount**, when no open invoice is named: the one open receivable whose outstanding
   equals the credit, among those of the identified payer, or of every debtor when the
   payer is unknown. Two or more: to a person.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import Enum
from uuid import UUID

SEPARATORS = r"[\s\-_./\\:#]*"


@dataclass(frozen=True)
class BankCredit:
    """One credit line of a bank statement, as the matching sees it."""

    reference: str  # the bank's reference for the line: the import's idempotency key
    amount: Decimal
    currency: str
    booked_on: date
    remittance: str  # free text and structured references, joined
    payer: str | None = None


@dataclass(frozen=True)
class Candidate:
    """A receivable that a credit might pay."""

    receivable_id: UUID
    invoice_number: str
    debtor_id: UUID
    outstanding: Decimal
    currency: str
    is_open: bool = True


@dataclass(frozen=True)
class Allocation:
    receivable_id: UUID
    invoice_number: str
    amount: Decimal


class MatchRule(Enum):
    REFERENCE = "reference"
    AMOUNT = "amount"


@dataclass(frozen=True)
class Matched:
    allocations: tuple[Allocation, ...]
    rule: MatchRule


@dataclass(frozen=True)
class Unmatched:
    reason: str  # stable code, e.g. "ambiguous_amount"
    detail: str  # a sentence for the person who will allocate it


def match_credit(
    credit: BankCredit, candidates: list[Candidate], *, payer_debtor_ids: frozenset[UUID] = frozenset()
) -> Matched | Unmatched:
    """Decide what the credit pays; ``payer_debtor_ids``: the debtors the payer was identified as."""
    same_currency = [c for c in candidates if c.currency == credit.currency]
    named = numbers_in(credit.remittance, same_currency)
    open_named = [c for c in named if c.is_open]
    if open_named:
        return _by_reference(credit, open_named)
    if named:
        numbers = ", ".join(c.invoice_number for c in named)
        return Unmatched("invoice_closed", f"the remittance names {numbers}, already settled or written off")
    return _by_amount(credit, [c for c in same_currency if c.is_open], payer_debtor_ids)


class CandidatePool:
    """The candidates indexed for matching many credits in a row (a statement of 20,000 lines
    against 100,000 open invoices): by the letters and digits of their invoice number, and by
    currency and outstanding. ``match`` decides exactly what ``match_credit`` decides on the
    same candidates, in the same order; ``put`` replaces a candidate a payment changed."""

    def __init__(self, candidates: Iterable[Candidate] = ()) -> None:
        self._all: dict[UUID, Candidate] = {}
        self._order: dict[UUID, int] = {}
        self._by_key: dict[str, set[UUID]] = {}
        self._key_lengths: Counter[int] = Counter()
        self._open_by_amount: dict[tuple[str, Decimal], set[UUID]] = {}
        for candidate in candidates:
            self.put(candidate)

    def put(self, candidate: Candidate) -> None:
        previous = self._all.get(candidate.receivable_id)
        if previous is not None:
            self._unindex(previous)
        self._order.setdefault(candidate.receivable_id, len(self._order))
        self._all[candidate.receivable_id] = candidate
        key = _alnum(candidate.invoice_number)
        if key:
            self._by_key.setdefault(key, set()).add(candidate.receivable_id)
            self._key_lengths[len(key)] += 1
        if candidate.is_open:
            self._open_by_amount.setdefault((candidate.currency, candidate.outstanding), set()).add(
                candidate.receivable_id
            )

    def _unindex(self, candidate: Candidate) -> None:
        key = _alnum(candidate.invoice_number)
        if key:
            self._by_key[key].discard(candidate.receivable_id)
            self._key_lengths[len(key)] -= 1
            if not self._key_lengths[len(key)]:
                del self._key_lengths[len(key)]
        if candidate.is_open:
            self._open_by_amount[(candidate.currency, candidate.outstanding)].discard(candidate.receivable_id)

    def _ordered(self, ids: Iterable[UUID]) -> list[Candidate]:
        return [self._all[i] for i in sorted(ids, key=self._order.__getitem__)]

    def _possibly_named(self, remittance: str, currency: str) -> list[Candidate]:
        """The candidates whose number's letters and digits run together in the remittance's: a
        superset of those it names (separators dropped on both sides), checked by ``numbers_in``."""
        text = _alnum(remittance)
        ids: set[UUID] = set()
        for length in self._key_lengths:
            for start in range(len(text) - length + 1):
                ids |= self._by_key.get(text[start : start + length], set())
        return [c for c in self._ordered(ids) if c.currency == currency]

    def match(self, credit: BankCredit, *, payer_debtor_ids: frozenset[UUID] = frozenset()) -> Matched | Unmatched:
        named = numbers_in(credit.remittance, self._possibly_named(credit.remittance, credit.currency))
        open_named = [c for c in named if c.is_open]
        if open_named:
            return _by_reference(credit, open_named)
        if named:
            numbers = ", ".join(c.invoice_number for c in named)
            return Unmatched("invoice_closed", f"the remittance names {numbers}, already settled or written off")
        owing = self._ordered(self._open_by_amount.get((credit.currency, credit.amount), set()))
        return _by_amount(credit, owing, payer_debtor_ids)


def _alnum(text: str) -> str:
    return "".join(ch for ch in text.upper() if ch.isalnum())


def numbers_in(remittance: str, candidates: list[Candidate]) -> list[Candidate]:
    """The candidates whose invoice number the text names, in order of appearance."""
    text = remittance.upper()
    found: list[tuple[int, int, Candidate]] = []
    for candidate in candidates:
        match = _number_pattern(candidate.invoice_number).search(text)
        if match is not None:
            found.append((match.start(), match.end(), candidate))
    kept = [
        (start, end, c)
        for start, end, c in found
        if not any(s <= start and end <= e and (e - s) > (end - start) for s, e, _ in found)
    ]
    return [c for _, _, c in sorted(kept, key=lambda item: (item[0], item[1]))]


def _number_pattern(invoice_number: str) -> re.Pattern[str]:
    characters = [ch for ch in invoice_number.upper() if ch.isalnum()]
    if not characters:
        return re.compile(r"(?!x)x")  # matches nothing
    body = SEPARATORS.join(re.escape(ch) for ch in characters)
    before = r"(?<![0-9])" if characters[0].isdigit() else r"(?<![A-Z0-9])"
    return re.compile(before + body + r"(?![A-Z0-9])")


def _by_reference(credit: BankCredit, named: list[Candidate]) -> Matched | Unmatched:
    if len(named) == 1:
        only = named[0]
        return Matched((Allocation(only.receivable_id, only.invoice_number, credit.amount),), MatchRule.REFERENCE)
    total = sum((c.outstanding for c in named), Decimal("0"))
    if credit.amount < total:
        numbers = ", ".join(c.invoice_number for c in named)
        return Unmatched(
            "ambiguous_partial",
            f"{credit.amount} pays part of {numbers} ({total} outstanding): which one is a person's call",
        )
    allocations = [Allocation(c.receivable_id, c.invoice_number, c.outstanding) for c in named]
    last = allocations[-1]
    surplus = credit.amount - total
    allocations[-1] = Allocation(last.receivable_id, last.invoice_number, last.amount + surplus)
    return Matched(tuple(a for a in allocations if a.amount > 0), MatchRule.REFERENCE)


def _by_amount(
    credit: BankCredit, open_items: list[Candidate], payer_debtor_ids: frozenset[UUID]
) -> Matched | Unmatched:
    pool = [c for c in open_items if c.debtor_id in payer_debtor_ids] if payer_debtor_ids else open_items
    same = [c for c in pool if c.outstanding == credit.amount]
    if len(same) == 1:
        only = same[0]
        return Matched((Allocation(only.receivable_id, only.invoice_number, credit.amount),), MatchRule.AMOUNT)
    if len(same) > 1:
        numbers = ", ".join(sorted(c.invoice_number for c in same))
        return Unmatched("ambiguous_amount", f"ambiguous: {len(same)} candidates owe {credit.amount} ({numbers})")
    return Unmatched(
        "no_reference_no_amount_match", "no invoice number in the remittance and no open invoice owes this amount"
    )
