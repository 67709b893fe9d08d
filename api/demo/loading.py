"""Loading the sample: every step through the Ledger's pipeline, as the CLI would, at the instant it happened."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Protocol

from api.demo.files import Numbering
from api.demo.parties import DEBTORS, GENERATED_DOCUMENTS, HISTORY_DAYS, TEXT_MEDIA_TYPE, Command, euros, french_date
from api.demo.sample import build_plan
from api.demo.stories import SAMPLE_STORY
from application.claims import Claims
from application.clock import SimulatedClock
from application.ledger import Ledger, system_clock
from domain.errors import NotFound
from domain.vocabulary import DebtorKind, ReceivableStatus


class DocumentSink(Protocol):
    def put(self, content: bytes, media_type: str, *, actor: str) -> object: ...


@dataclass(frozen=True)
class DemoSummary:
    debtors: int
    professional_debtors: int
    consumer_debtors: int
    receivables: int
    events: int
    total_invoiced: Decimal
    total_outstanding: Decimal  # principal still owed, written-off files excluded
    by_status: dict[ReceivableStatus, int]
    first_day: date
    last_day: date
    sample_invoice: str
    sample_as_of: date
    currency: str = "EUR"

    def text(self) -> str:
        statuses = ", ".join(f"{status.value} {count}" for status, count in self.by_status.items() if count)
        return "\n".join(
            [
                f"Demo ledger loaded: {self.debtors} debtors ({self.professional_debtors} professional, "
                f"{self.consumer_debtors} consumers), {self.receivables} receivables, {self.events} events, "
                f"dated {french_date(self.first_day)} to {french_date(self.last_day)}.",
                f"Invoiced {euros(self.total_invoiced)} incl. VAT; outstanding {euros(self.total_outstanding)}.",
                "The letters are signed by a sample firm while RELANCE_FIRM_NAME is unset; "
                "the bank statement of the last working day is imported.",
                f"By status: {statuses}.",
                "Try next:",
                "  relance receivable list",
                "  relance receivable list --status escalated",
                f"  relance receivable show {self.sample_invoice} --as-of {self.sample_as_of}",
                f"  relance receivable show {self.sample_invoice}",
                f"  relance receivable journal {self.sample_invoice}",
                "  relance receivable list --overdue",
                "  relance report aged-balance --by-debtor",
                "  relance dunning run --dry-run",
                "  relance ledger verify",
            ]
        )


def holds_demo(ledger: Ledger) -> bool:
    """Whether the store holds the demo's ledger: its first debtor, whose id derives from its name."""
    try:
        ledger.debtor(next(iter(DEBTORS.values())).id)
    except NotFound:
        return False
    return True


def demo_clock(now: datetime) -> SimulatedClock:
    """A clock standing before the sample's first step: it is moved forward, step by step, up to ``now``."""
    return SimulatedClock(now - timedelta(days=HISTORY_DAYS + 1))


def load_demo(
    ledger: Ledger, clock: SimulatedClock, documents: DocumentSink, *, now: datetime | None = None
) -> DemoSummary:
    """Record the sample through the use cases, every step at the instant it happened.

    ``ledger`` must read ``clock``, which must stand before the sample's first step
    (see ``demo_clock``); ``now`` is the real present (default: the system clock). Every
    step happens on a day before today, so none is recorded after ``now``.
    """
    if ledger.clock is not clock:
        raise ValueError("the ledger must read the demo's clock")
    now = (now or system_clock()).astimezone(UTC)
    today = now.astimezone(ledger.timezone).date()
    plan, sold = build_plan(today, ledger.timezone)
    steps = plan.chronological()
    if steps[0].instant < clock() or steps[-1].instant > now:
        raise ValueError(f"the demo runs from {steps[0].instant} to {steps[-1].instant}: the clock is at {clock()}")
    claims = Claims(ledger)
    numbering = Numbering(lambda receivable_id, day: claims.claim(receivable_id, day))
    for step in steps:
        clock.set(step.instant)
        _run(ledger, documents, step.make(numbering), step.actor)
    clock.set(now)
    sample = next(invoice for sale, invoice in sold if sale.story is SAMPLE_STORY)
    return summarise(
        ledger,
        first_day=steps[0].instant.astimezone(ledger.timezone).date(),
        last_day=steps[-1].instant.astimezone(ledger.timezone).date(),
        sample_invoice=sample.number,
        sample_as_of=sample.due + timedelta(days=30),  # promise broken, second reminder sent, not yet escalated
    )


def _run(ledger: Ledger, documents: DocumentSink, command: Command, actor: str) -> None:
    """One step, the documents it names stored first (an event may only name a stored document)."""
    for name, value in vars(command).items():
        if name.endswith("sha256") and value in GENERATED_DOCUMENTS:
            documents.put(GENERATED_DOCUMENTS[value], TEXT_MEDIA_TYPE, actor="relance demo")
    outcome = ledger.execute(command, actor=actor)
    if not outcome.recorded:
        raise RuntimeError(f"demo step {type(command).__name__} recorded nothing")


def summarise(
    ledger: Ledger, *, first_day: date, last_day: date, sample_invoice: str, sample_as_of: date
) -> DemoSummary:
    receivables = list(ledger.receivables())
    debtors = [ledger.debtor(debtor_id) for debtor_id in ledger.debtor_ids()]
    statuses = Counter(r.status for r in receivables)
    return DemoSummary(
        debtors=len(debtors),
        professional_debtors=sum(d.kind is DebtorKind.PROFESSIONAL for d in debtors),
        consumer_debtors=sum(d.kind is DebtorKind.CONSUMER for d in debtors),
        receivables=len(receivables),
        events=sum(r.version for r in receivables) + sum(d.version for d in debtors),
        total_invoiced=sum((r.amount_incl_vat for r in receivables), Decimal("0.00")),
        total_outstanding=sum((r.outstanding for r in receivables if r.written_off is None), Decimal("0.00")),
        by_status={status: statuses[status] for status in ReceivableStatus},
        first_day=first_day,
        last_day=last_day,
        sample_invoice=sample_invoice,
        sample_as_of=sample_as_of,
    )
