"""Retention of personal data (GDPR art. 5(1)(e), legal.md §9): the run that erases what is no longer kept.

A natural person's data (a consumer's, a sole trader's) is kept while a claim against them is pursued and
until it can no longer be brought before a court: it is due for erasure once every one of their receivables
is closed (settled or written off) and the limitation date of each (domain/limitation.py) has passed, plus
the firm's grace in months (RELANCE_RETENTION_GRACE_MONTHS, default 0). The receivables' journals are
accounting records and are never erased (decision 0105): only the person's data on the Debtor goes.

Each erasure goes through the pipeline like any other (``EraseDebtor``, actor ``retention``): the pipeline
checks again, on the state at that instant, that no claim is pursued; a refusal is reported, never forced.
A dry run records nothing and reports what the run would erase. A person with no receivable at all is not
erased by this rule (no limitation period runs): the report counts them for the firm to decide.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any
from uuid import UUID

from application.commands import EraseDebtor
from application.ledger import Ledger
from application.ledger_scan import scan_ledger
from domain.debtor import Debtor, add_months
from domain.errors import DomainError
from domain.limitation import limitation_of
from domain.receivable import Receivable

ACTOR = "retention"
RULE = "retention_limitation_passed"  # named in each erasure's reason


@dataclass(frozen=True)
class RetentionPolicy:
    grace_months: int = 0  # kept this long after the last limitation date


@dataclass(frozen=True)
class DueErasure:
    """A natural person whose data is past its retention: what the run erases, and why."""

    debtor_id: UUID
    natural_person: str  # "consumer" or "sole_trader"
    invoices: tuple[str, ...]  # every receivable of theirs, all closed
    limitation_passed_on: date  # the latest limitation date of those receivables
    kept_until: date  # that date plus the grace: erased the day after

    def reason(self, grace_months: int) -> str:
        grace = f" + {grace_months} mois de délai de grâce" if grace_months else ""
        return (
            f"{RULE} : durée de conservation échue, toutes ses créances ({len(self.invoices)}) soldées ou passées "
            f"en perte et prescrites depuis le {self.limitation_passed_on.isoformat()}{grace}"
        )


@dataclass(frozen=True)
class RefusedErasure:
    due: DueErasure
    rule: str
    message: str


@dataclass
class RetentionReport:
    today: date
    dry_run: bool
    grace_months: int
    erased: list[DueErasure] = field(default_factory=list)  # in a dry run: what would be erased
    refused: list[RefusedErasure] = field(default_factory=list)
    kept: int = 0  # natural persons whose data is still kept (a claim pursued, or limitation not yet passed)
    without_receivables: int = 0  # natural persons with no receivable: not covered by this rule
    already_erased: int = 0
    keys_destroyed_late: list[UUID] = field(default_factory=list)  # erased, but the keys had outlived it

    def as_dict(self) -> dict[str, Any]:
        return {
            "today": self.today.isoformat(),
            "dry_run": self.dry_run,
            "rule": RULE,
            "grace_months": self.grace_months,
            "erased": [_due_dict(d) for d in self.erased],
            "refused": [{**_due_dict(r.due), "rule": r.rule, "message": r.message} for r in self.refused],
            "kept": self.kept,
            "without_receivables": self.without_receivables,
            "already_erased": self.already_erased,
            "keys_destroyed_late": [str(d) for d in self.keys_destroyed_late],
        }


def due_erasure(debtor: Debtor, receivables: Sequence[Receivable], today: date, grace_months: int) -> DueErasure | None:
    """The erasure due for this debtor today under the retention rule, or None (kept, or not covered)."""
    if not debtor.natural_person or debtor.erased or not receivables:
        return None
    if any(not r.is_closed for r in receivables):
        return None  # a claim still pursued
    limitation_dates = [limitation_of(r, on=today).limitation_date for r in receivables]
    if any(d is None for d in limitation_dates):
        return None  # suspended by a mediation that has not ended
    last = max(d for d in limitation_dates if d is not None)
    kept_until = add_months(last, grace_months)
    if today <= kept_until:
        return None
    return DueErasure(
        debtor_id=debtor.id,
        natural_person="sole_trader" if debtor.sole_trader else "consumer",
        invoices=tuple(sorted(r.invoice_number for r in receivables)),
        limitation_passed_on=last,
        kept_until=kept_until,
    )


def run_retention(ledger: Ledger, policy: RetentionPolicy, *, dry_run: bool = False) -> RetentionReport:
    """Find the natural persons due for erasure today and, unless ``dry_run``, erase each through the pipeline."""
    today = ledger.now().today
    report = RetentionReport(today=today, dry_run=dry_run, grace_months=policy.grace_months)
    for debtor, receivables in _natural_persons(ledger):
        if debtor.erased:
            report.already_erased += 1
            continue
        if not receivables:
            report.without_receivables += 1
            continue
        due = due_erasure(debtor, receivables, today, policy.grace_months)
        if due is None:
            report.kept += 1
        elif dry_run:
            report.erased.append(due)
        else:
            _erase(ledger, due, policy, report)
    if not dry_run:  # an erasure recorded by a process that stopped before destroying the keys
        report.keys_destroyed_late = ledger.pipeline.finish_interrupted_erasures()
    return report


def _erase(ledger: Ledger, due: DueErasure, policy: RetentionPolicy, report: RetentionReport) -> None:
    try:
        ledger.execute(EraseDebtor(due.debtor_id, due.reason(policy.grace_months)), actor=ACTOR)
    except DomainError as error:  # e.g. an invoice issued to them since the scan: their claim is pursued
        report.refused.append(RefusedErasure(due, error.rule, error.message))
    else:
        report.erased.append(due)


def _natural_persons(ledger: Ledger) -> Iterable[tuple[Debtor, list[Receivable]]]:
    """Every natural-person debtor with its receivables: one pass over the notification log, or, on a store
    without one (the in-memory store of the tests), each debtor and its receivables loaded in turn."""
    try:
        ledger.recorder  # noqa: B018  (the notification log, if the store has one)
    except NotImplementedError:
        for debtor_id in ledger.debtor_ids():
            debtor = ledger.debtor(debtor_id)
            if debtor.natural_person:
                yield debtor, ledger.receivables_of(debtor_id)
        return
    scan = scan_ledger(ledger)
    by_debtor: dict[UUID, list[Receivable]] = defaultdict(list)
    for receivable in scan.receivables.values():
        by_debtor[receivable.debtor_id].append(receivable)
    for debtor in scan.debtors.values():
        if debtor.natural_person:
            yield debtor, by_debtor.get(debtor.id, [])


def _due_dict(due: DueErasure) -> dict[str, Any]:
    return {
        "debtor_id": str(due.debtor_id),
        "natural_person": due.natural_person,
        "invoices": list(due.invoices),
        "limitation_passed_on": due.limitation_passed_on.isoformat(),
        "kept_until": due.kept_until.isoformat(),
    }
