"""The aged balance's drill-down (``ReadModels.aged_receivables``) on both stores: a debtor's receivables add
up to its line of the aged balance, bucket by bucket, on any date and either reading (the demo ledger)."""

from __future__ import annotations

import uuid
from datetime import date

import pytest

from application.ledger import Ledger
from application.reports import BUCKETS, Basis, bucket_for
from infrastructure.read_models import ReadModels
from tests.integration.test_read_models import TODAY, shared_demo  # noqa: F401 (its fixture)

DAYS = [TODAY, date(2026, 2, 28), date(2025, 12, 31), date(2025, 10, 15)]


@pytest.fixture
def demo(shared_demo: tuple[Ledger, ReadModels]) -> tuple[Ledger, ReadModels]:  # noqa: F811
    return shared_demo  # one demo per store for the module, built by test_read_models' fixture


@pytest.mark.parametrize("basis", list(Basis))
@pytest.mark.parametrize("as_of", DAYS)
def test_each_debtors_receivables_add_up_to_its_line_of_the_aged_balance(
    demo: tuple[Ledger, ReadModels], as_of: date, basis: Basis
) -> None:
    _, models = demo
    report = models.aged_balance(as_of=as_of, basis=basis, by_debtor=True)
    assert report.debtors, "the demo owes something on each of these days"

    for line in report.debtors:
        assert line.debtor_id is not None
        receivables, position = models.aged_receivables(debtor_id=line.debtor_id, as_of=as_of, basis=basis)
        sums = {bucket: sum(r.owed for r in receivables if r.bucket is bucket) for bucket in BUCKETS}
        assert sums == line.amounts
        assert len(receivables) == line.receivables
        assert position == report.position


def test_each_receivable_carries_its_own_age_on_the_date(demo: tuple[Ledger, ReadModels]) -> None:
    ledger, models = demo
    report = models.aged_balance(as_of=TODAY, basis=Basis.BY_VALUE_DATE, by_debtor=True)
    debtor = report.debtors[0].debtor_id
    assert debtor is not None

    receivables, _ = models.aged_receivables(debtor_id=debtor, as_of=TODAY, basis=Basis.BY_VALUE_DATE)

    assert [r.due_date for r in receivables] == sorted(r.due_date for r in receivables)
    for found in receivables:
        receivable = ledger.receivable(found.receivable_id)
        assert receivable.debtor_id == debtor and receivable.invoice_number == found.invoice_number
        assert found.due_date == receivable.due_date and found.as_of == TODAY
        assert found.bucket is bucket_for((TODAY - receivable.due_date).days)
        assert 0 < found.owed <= found.amount


def test_a_debtor_without_receivables_has_an_empty_drill_down(demo: tuple[Ledger, ReadModels]) -> None:
    _, models = demo
    receivables, _ = models.aged_receivables(debtor_id=uuid.uuid4(), as_of=TODAY, basis=Basis.AS_KNOWN)
    assert receivables == []
