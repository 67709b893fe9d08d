"""The Ledger application: receivables and debtors, their use cases and their queries.

Commands go through one pipeline (``execute``; ``execute_batch`` for the jobs that load in bulk);
queries replay aggregates from the ``EventStore`` port. The clock travels with each decision.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, TypeVar
from uuid import UUID
from zoneinfo import ZoneInfo

from application.access import Principal
from application.debtor_receivables import IssuedInvoices
from application.event_store import EventStore, Revision
from application.handlers import CREATIONS
from application.pipeline import BatchOutcome, CommandPipeline, DocumentCatalog, IdempotencyKey, Outcome, system
from application.sealing import Sealer
from domain.canonical import to_canonical_value
from domain.chain import ChainedAggregate, LedgerEvent
from domain.debtor import Debtor, DebtorRegistered, PursuedClaim
from domain.errors import InvalidInput, NotFound
from domain.rate_register import RATE_REGISTER_ID, RateRegister, RateRegisterEvent
from domain.rates import RateTable
from domain.receivable import Receivable, receivable_id_for
from domain.receivable_events import InvoiceIssued
from domain.values import Now

Clock = Callable[[], datetime]
TAggregate = TypeVar("TAggregate", bound=ChainedAggregate[Any])

__all__ = ["Clock", "JournalEntry", "Ledger", "Outcome", "Revision", "system_clock"]


def system_clock() -> datetime:
    return datetime.now(tz=UTC)


@dataclass(frozen=True)
class JournalEntry:
    record: dict[str, Any]  # canonical JSON values, plus "hash"
    hash: str

    @classmethod
    def of(cls, event: LedgerEvent, *, opened: bool = False) -> JournalEntry:
        """One event as its canonical record (evidence.md §2) with one more key, its ``hash``; ``opened``: its
        personal data as a reader sees it (the plain value, or ``[effacé]``) instead of the sealed form the
        hash covers, for a person's own access request."""
        digest = event.hash()
        record: dict[str, Any] = to_canonical_value(event.record())
        if opened:
            record["data"] = to_canonical_value(event.data())
        record["hash"] = digest
        return cls(record=record, hash=digest)


class Ledger:
    def __init__(
        self,
        store: EventStore,
        *,
        documents: DocumentCatalog | None = None,
        clock: Clock = system_clock,
        timezone: str = "Europe/Paris",
        rates: RateTable | None = None,
        closing: Sequence[Callable[[], None]] = (),
        sealer: Sealer | None = None,
    ) -> None:
        self.store = store
        self.sealer = sealer
        self._closing = list(closing)
        self.clock = clock
        self.timezone = ZoneInfo(timezone)
        self.shipped_rates = rates or RateTable()  # the data files; the journal adds publications
        self.pipeline = CommandPipeline(self, documents, CREATIONS, sealer)
        self._issued = IssuedInvoices(store)  # debtor -> its receivables, following the log (decision 0105)

    # The notification log, for the services that follow it (verification, scans, read models).
    @property
    def recorder(self) -> Any:
        return self.store.recorder

    @property
    def mapper(self) -> Any:
        return self.store.mapper

    def close(self) -> None:
        for close in self._closing:
            close()
        self.store.close()

    # --------------------------------------------------------------- commands

    def execute(
        self,
        command: Any,
        *,
        actor: str | None = None,
        principal: Principal | None = None,
        expected_version: int | None = None,
        idempotency: IdempotencyKey | None = None,
    ) -> Outcome:
        """Run a command through the pipeline. A job or the host's command line names an ``actor``;
        an authenticated caller (HTTP, console) passes its ``principal``, whose role is checked, and
        may send an idempotency key: the command then runs once, whatever the crash (decision 0015)."""
        return self.pipeline.execute(command, _principal(actor, principal), expected_version, idempotency)

    def check(self, command: Any, *, actor: str | None = None, principal: Principal | None = None) -> None:
        """The pipeline's admission of a command (role, stored documents), without deciding it."""
        self.pipeline.admit(command, _principal(actor, principal))

    def execute_batch(
        self,
        items: Sequence[tuple[Any, ChainedAggregate[Any]]],
        *,
        actor: str | None = None,
        principal: Principal | None = None,
    ) -> BatchOutcome:
        return self.pipeline.execute_batch(items, _principal(actor, principal))

    # ------------------------------------------------------------------ clock

    def now(self) -> Now:
        instant = self.clock().astimezone(UTC)
        return Now(instant=instant, today=instant.astimezone(self.timezone).date())

    def as_of(self, text: str) -> datetime:
        """Parse an "as of": a date is the end of that day in the firm's time zone; an instant
        must carry its offset (a naive one would silently mean the server's zone)."""
        try:
            if len(text) == 10:
                return self.end_of_day(date.fromisoformat(text))
            instant = datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError as error:
            raise InvalidInput(
                f"as_of: {text!r} is neither YYYY-MM-DD nor an ISO 8601 instant", rule="as_of_format"
            ) from error
        if instant.tzinfo is None:
            raise InvalidInput("as_of: an instant needs its offset, e.g. 2026-01-31T18:00:00Z", rule="as_of_format")
        return instant.astimezone(UTC)

    def end_of_day(self, day: date) -> datetime:
        """The last instant of a calendar day in the firm's time zone: "as of 31 December"."""
        start_of_next = datetime.combine(day + timedelta(days=1), time.min, tzinfo=self.timezone)
        return start_of_next.astimezone(UTC) - timedelta(microseconds=1)

    # ------------------------------------------------------------------ rates

    def rate_register(self) -> RateRegister:
        """The rates published in the journal (empty until an administrator adds one)."""
        events = [e for e in self._events(RATE_REGISTER_ID) if isinstance(e, RateRegisterEvent)]
        return RateRegister.replay(events) or RateRegister()

    def rate_table(self) -> RateTable:
        """The table every computation uses: the shipped data files plus the journal's publications."""
        return self.shipped_rates.merged_with(self.rate_register().publications)

    # ---------------------------------------------------------------- queries

    def receivable(self, receivable_id: UUID, *, as_of: datetime | None = None) -> Receivable:
        return self._load(Receivable, InvoiceIssued, receivable_id, as_of)

    def receivable_by_number(self, invoice_number: str) -> Receivable:
        return self.receivable(receivable_id_for(invoice_number))

    def debtor(self, debtor_id: UUID, *, as_of: datetime | None = None) -> Debtor:
        return self._load(Debtor, DebtorRegistered, debtor_id, as_of)

    def journal(self, aggregate_id: UUID, *, opened: bool = False) -> list[JournalEntry]:
        """The aggregate's events as canonical records, each with its hash, oldest first (``opened``: see
        ``JournalEntry.of``)."""
        entries = [JournalEntry.of(event, opened=opened) for event in self._events(aggregate_id)]
        if not entries:
            raise NotFound(f"no aggregate {aggregate_id}")
        return entries

    def receivable_ids(self) -> Iterator[UUID]:
        return self.store.ids_created_by(InvoiceIssued)

    def debtor_ids(self) -> Iterator[UUID]:
        return self.store.ids_created_by(DebtorRegistered)

    def receivables(self, *, debtor_id: UUID | None = None) -> Iterator[Receivable]:
        if debtor_id is not None:
            yield from self.receivables_of(debtor_id)
            return
        for receivable_id in self.receivable_ids():
            yield self.receivable(receivable_id)

    def receivables_of(self, debtor_id: UUID) -> list[Receivable]:
        """The debtor's receivables as stored now, in the order they were issued (without loading the others)."""
        return [self.receivable(receivable_id) for receivable_id in self._issued.receivable_ids(debtor_id)]

    def pursued_claims(self, debtor_id: UUID) -> list[PursuedClaim]:
        """The debtor's receivables neither settled nor written off, as stored now: what an erasure decides on."""
        return [PursuedClaim(r.invoice_number, r.status) for r in self.receivables_of(debtor_id) if not r.is_closed]

    # --------------------------------------------------------------- helpers

    def _load(
        self, aggregate_class: type[TAggregate], creation: type[LedgerEvent], aggregate_id: UUID, as_of: datetime | None
    ) -> TAggregate:
        # As of a past instant: read in full from the store, as the evidence of a past state should be.
        events = self._events(aggregate_id) if as_of is None else self.store.history_as_of(aggregate_id, as_of)
        label = aggregate_class.__name__.lower()
        if not events or not isinstance(events[0], creation):
            when = f" as of {as_of.isoformat()}" if as_of is not None else ""
            raise NotFound(f"no {label} {aggregate_id}{when}", rule=f"{label}_exists")
        aggregate = aggregate_class.replay(events)
        assert aggregate is not None
        return aggregate

    def aggregate_at(self, aggregate_id: UUID, version: int) -> ChainedAggregate[Any]:
        """The aggregate as it stood right after its event ``version`` (a receivable, debtor or the rate register)."""
        events = self._events(aggregate_id)[:version]
        kind: type[ChainedAggregate[Any]]
        if events and isinstance(events[0], InvoiceIssued):
            kind = Receivable
        elif events and isinstance(events[0], DebtorRegistered):
            kind = Debtor
        else:
            kind = RateRegister
        aggregate = kind.replay(events)  # type: ignore[arg-type]  # the first event chose the kind
        if aggregate is None:
            raise NotFound(f"no aggregate {aggregate_id}")
        return aggregate

    def revision(self, aggregate_id: UUID) -> Revision | None:
        """What identifies the aggregate's current state in the store (None: no such aggregate), for a
        cache of what is derived from it. Costs the select of the events newer than the cached ones."""
        history = self.store.history(aggregate_id)
        return None if history is None else history.revision

    def _events(self, aggregate_id: UUID) -> list[LedgerEvent]:
        history = self.store.history(aggregate_id)
        return [] if history is None else list(history.events)


def _principal(actor: str | None, principal: Principal | None) -> Principal:
    if principal is not None:
        return principal
    if actor is None:
        raise TypeError("execute needs an actor or a principal")
    return system(actor)
