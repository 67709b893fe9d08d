"""Credit hold: may the firm keep shipping to this debtor? (product.md: the ERP asks first.)

A debtor is held when its overdue exposure, the principal still owed on invoices past
their due date, passes the credit limit the firm set for it, or when insolvency
proceedings are open (shipping on credit to a firm in receivership is a choice a person
makes, not a default). Written-off and settled invoices are not exposure.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from domain.debtor import Debtor
from domain.receivable import Receivable

ZERO = Decimal("0.00")


@dataclass(frozen=True)
class CreditHold:
    held: bool
    reason: str  # a stable code: over_limit, insolvency, within_limit, no_limit
    detail: str
    overdue: Decimal  # principal incl. VAT past due and unpaid, in the limit's currency
    overdue_receivables: int
    credit_limit: Decimal | None
    currency: str


def credit_hold(debtor: Debtor, receivables: Iterable[Receivable], on: date) -> CreditHold:
    currency = debtor.credit_limit.currency if debtor.credit_limit is not None else "EUR"
    overdue_items = [
        r.outstanding
        for r in receivables
        if not r.is_closed and r.due_date < on and r.currency == currency and r.outstanding > ZERO
    ]
    overdue = sum(overdue_items, ZERO)
    limit = debtor.credit_limit.amount if debtor.credit_limit is not None else None

    def hold(held: bool, reason: str, detail: str) -> CreditHold:
        return CreditHold(held, reason, detail, overdue, len(overdue_items), limit, currency)

    if debtor.insolvency is not None:
        procedure = debtor.insolvency.procedure.value
        return hold(True, "insolvency", f"insolvency proceedings ({procedure}) opened on the debtor")
    if limit is None:
        return hold(False, "no_limit", "no credit limit is set for this debtor")
    if overdue > limit:
        return hold(True, "over_limit", f"overdue exposure {overdue} {currency} is above the credit limit {limit}")
    return hold(False, "within_limit", f"overdue exposure {overdue} {currency} is within the credit limit {limit}")
