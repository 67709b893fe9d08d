"""The Ledger application: every use case on receivables and debtors, and the queries.

One eventsourcing ``Application`` (one notification log) holds both aggregates, so a
single walk of the store verifies every chain. Use cases load, decide, save with the
expected version; a concurrent writer turns into ``VersionConflict``.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from time import sleep
from typing import Any, TypeVar
from uuid import UUID
from zoneinfo import ZoneInfo

from eventsourcing.application import Application
from eventsourcing.persistence import IntegrityError, InterfaceError, OperationalError, StoredEvent, Transcoder
from eventsourcing.utils import get_topic

from application.commands import DebtorCommand, IssueInvoice, PublishRates, ReceivableCommand, RegisterDebtor
from application.transcodings import register_journal_transcodings
from domain.canonical import to_canonical_value
from domain.chain import ChainedAggregate, LedgerEvent
from domain.debtor import Debtor, DebtorRegistered
from domain.errors import AlreadyExists, InvalidInput, NotFound, RuleViolation, VersionConflict, VersionMismatch
from domain.rate_register import RATE_REGISTER_ID, NewRate, RateRegister, RateRegisterEvent
from domain.rates import HalfYear, PenaltyRateFloor, RateTable
from domain.receivable import Receivable, receivable_id_for
from domain.receivable_events import InvoiceIssued
from domain.values import Money, Now
from domain.vocabulary import DebtorKind, RateKind

Clock = Callable[[], datetime]
TAggregate = TypeVar("TAggregate", bound=ChainedAggregate[Any])

PAGE_SIZE = 1000
CACHED_EVENTS = 50_000  # per process: decoded events kept for the next load (about 1 KB each)


def system_clock() -> datetime:
    return datetime.now(tz=UTC)


@dataclass(frozen=True)
class Outcome:
    """What a command did: the aggregate's version after it, and whether anything was recorded."""

    aggregate_id: UUID
    version: int
    recorded: bool
    result: Any = None
    events: tuple[LedgerEvent, ...] = ()
    aggregate: Any = field(default=None, repr=False, compare=False)  # as it stands after the command


@dataclass(frozen=True)
class JournalEntry:
    record: dict[str, Any]  # canonical JSON values, plus "hash"
    hash: str

    @classmethod
    def of(cls, event: LedgerEvent) -> JournalEntry:
        """One event as its canonical record (evidence.md §2) with one more key, its ``hash``."""
        digest = event.hash()
        record: dict[str, Any] = to_canonical_value(event.record())
        record["hash"] = digest
        return cls(record=record, hash=digest)


INSERT_ATTEMPTS = 10  # as eventsourcing's recorder retries a statement whose connection broke
INSERT_RETRY_WAIT = 0.2


class Ledger(Application[UUID]):
    name = "ledger"  # fixes the table names whatever the class is called later
    env = {"IS_SNAPSHOTTING_ENABLED": "n"}  # noqa: RUF012 - eventsourcing reads a class attribute

    def __init__(
        self,
        env: dict[str, str] | None = None,
        *,
        clock: Clock = system_clock,
        timezone: str = "Europe/Paris",
        rates: RateTable | None = None,
        cached_events: int = CACHED_EVENTS,
    ) -> None:
        super().__init__(env)
        self.clock = clock
        self.timezone = ZoneInfo(timezone)
        self.shipped_rates = rates or RateTable()  # the data files; the journal adds publications
        self._histories = Histories(cached_events)
        self._writes = GroupCommit(self._insert)

    def register_transcodings(self, transcoder: Transcoder) -> None:
        super().register_transcodings(transcoder)  # type: ignore[arg-type]
        register_journal_transcodings(transcoder)

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

    # ---------------------------------------------------------------- debtors

    def register_debtor(self, command: RegisterDebtor, *, actor: str) -> Outcome:
        debtor = Debtor.register(
            debtor_id=command.debtor_id,
            legal_name=command.legal_name,
            kind=command.kind,
            address=command.address,
            siren_number=command.siren,
            siret_number=command.siret,
            now=self.now(),
            actor=actor,
        )
        events = debtor.collect_events()
        self._save_events(
            events, on_conflict=AlreadyExists(f"debtor {command.debtor_id} already exists", rule="debtor_unique")
        )
        return Outcome(debtor.id, debtor.version, recorded=True, events=tuple(events), aggregate=debtor)

    def change_debtor(self, command: DebtorCommand, *, actor: str, expected_version: int | None = None) -> Outcome:
        debtor = self.debtor(command.debtor_id)
        return self._decide(debtor, expected_version, lambda: command.run(debtor, self.now(), actor))

    # ------------------------------------------------------------ receivables

    def issue_invoice(self, command: IssueInvoice, *, actor: str) -> Outcome:
        debtor = self.debtor(command.debtor_id)
        if debtor.erased:
            raise RuleViolation("the debtor's personal data was erased", rule="debtor_not_erased")
        receivable = Receivable.issue(
            invoice_number=command.invoice_number,
            debtor_id=debtor.id,
            debtor_kind=debtor.kind,
            issue_date=command.issue_date,
            due_date=command.due_date,
            amount_excl_vat=Money(command.amount_excl_vat, command.currency),
            vat=Money(command.vat, command.currency),
            amount_incl_vat=Money(command.amount_incl_vat, command.currency),
            label=command.label,
            delivery_date=command.delivery_date,
            order_reference=command.order_reference,
            payment_terms=command.payment_terms,
            contractual_penalty_rate=command.contractual_penalty_rate,
            penalty_rate_floor=self._penalty_rate_floor(command, debtor.kind),
            now=self.now(),
            actor=actor,
        )
        events = receivable.collect_events()
        self._save_events(
            events,
            on_conflict=AlreadyExists(
                f"invoice number {receivable.invoice_number} is already issued", rule="invoice_number_unique"
            ),
        )
        return Outcome(receivable.id, receivable.version, recorded=True, events=tuple(events), aggregate=receivable)

    def change_receivable(
        self, command: ReceivableCommand, *, actor: str, expected_version: int | None = None
    ) -> Outcome:
        receivable = self.receivable(command.receivable_id)
        return self._decide(receivable, expected_version, lambda: command.run(receivable, self.now(), actor))

    def _penalty_rate_floor(self, command: IssueInvoice, kind: DebtorKind) -> PenaltyRateFloor | None:
        """L441-10 II binds a contractual rate between professionals: 3 × the legal rate of the issue date."""
        if command.contractual_penalty_rate is None or kind is not DebtorKind.PROFESSIONAL:
            return None
        return PenaltyRateFloor.on(self.rate_table(), command.issue_date)

    # ------------------------------------------------------------------ rates

    def rate_register(self) -> RateRegister:
        """The rates published in the journal (empty until an administrator adds one)."""
        events = [e for e in self._events(RATE_REGISTER_ID) if isinstance(e, RateRegisterEvent)]
        return RateRegister.replay(events) or RateRegister()

    def rate_table(self) -> RateTable:
        """The table every computation uses: the shipped data files plus the journal's publications."""
        return self.shipped_rates.merged_with(self.rate_register().publications)

    def publish_rates(self, command: PublishRates, *, actor: str) -> Outcome:
        half_year = HalfYear.parse(command.half_year)
        given = (
            (RateKind.ECB_MRO, command.ecb_mro, command.ecb_effective_from or half_year.start),
            (RateKind.LEGAL_CONSUMER_CREDITOR, command.legal_consumer_creditor, half_year.start),
            (RateKind.LEGAL_OTHER, command.legal_other, half_year.start),
        )
        register = self.rate_register()
        register.publish(
            half_year=half_year,
            rates=[NewRate(kind, rate, effective_from) for kind, rate, effective_from in given if rate is not None],
            source=command.source,
            known=self.shipped_rates.merged_with(register.publications),
            now=self.now(),
            actor=actor,
        )
        events = register.collect_events()
        self._save_events(
            events,
            on_conflict=VersionConflict(
                "the rate register was changed by someone else; reload and retry", rule="concurrent_write"
            ),
        )
        return Outcome(register.id, register.version, recorded=True, events=tuple(events))

    # ---------------------------------------------------------------- queries

    def receivable(self, receivable_id: UUID, *, as_of: datetime | None = None) -> Receivable:
        return self._load(Receivable, InvoiceIssued, receivable_id, as_of)

    def receivable_by_number(self, invoice_number: str) -> Receivable:
        return self.receivable(receivable_id_for(invoice_number))

    def debtor(self, debtor_id: UUID, *, as_of: datetime | None = None) -> Debtor:
        return self._load(Debtor, DebtorRegistered, debtor_id, as_of)

    def journal(self, aggregate_id: UUID) -> list[JournalEntry]:
        """The aggregate's events as canonical records, each with its hash, oldest first."""
        entries = [JournalEntry.of(event) for event in self._events(aggregate_id)]
        if not entries:
            raise NotFound(f"no aggregate {aggregate_id}")
        return entries

    def receivable_ids(self) -> Iterator[UUID]:
        return self._ids_created_by(InvoiceIssued)

    def debtor_ids(self) -> Iterator[UUID]:
        return self._ids_created_by(DebtorRegistered)

    def receivables(self, *, debtor_id: UUID | None = None) -> Iterator[Receivable]:
        for receivable_id in self.receivable_ids():
            receivable = self.receivable(receivable_id)
            if debtor_id is None or receivable.debtor_id == debtor_id:
                yield receivable

    # --------------------------------------------------------------- helpers

    def _decide(self, aggregate: TAggregate, expected_version: int | None, decide: Callable[[], Any]) -> Outcome:
        if expected_version is not None and expected_version != aggregate.version:
            raise VersionMismatch(
                f"expected version {expected_version}, the aggregate is at version {aggregate.version}",
                rule="if_match",
            )
        result = decide()
        events = aggregate.collect_events()
        if events:
            self._save_events(
                events,
                on_conflict=VersionConflict(
                    f"{type(aggregate).__name__} {aggregate.id} was changed by someone else; reload and retry",
                    rule="concurrent_write",
                ),
            )
        recorded = bool(events)
        return Outcome(aggregate.id, aggregate.version, recorded, result, tuple(events), aggregate=aggregate)

    def _save_events(self, events: Sequence[LedgerEvent], *, on_conflict: Exception) -> None:
        """Encode here, in the caller's thread, then insert with the other threads' writes (GroupCommit).
        ``Application.save`` does the same minus the batching: snapshots are off and ``_notify`` is empty."""
        stored = [self.mapper.to_stored_event(event) for event in events]
        try:
            self._writes.write(stored)
        except IntegrityError as error:
            raise on_conflict from error

    def _insert(self, stored: Sequence[StoredEvent]) -> None:
        """The recorder's insert with eventsourcing's own retries on a broken connection (10 attempts,
        0.2 s apart), made here so as to know when a retry meets a duplicate: the first attempt may
        have committed before its acknowledgement was lost. Then, if the rows in the store are these
        very rows, the write is done, recorded once; a duplicate on a first attempt is a conflict."""
        insert = getattr(self.recorder.insert_events, "__wrapped__", None)
        if insert is None:  # a recorder without retries (SQLite): nothing to tell apart
            self.recorder.insert_events(stored)
            return
        broken = 0
        while True:
            try:
                insert(self.recorder, stored)
                return
            except IntegrityError:
                if broken and self._already_stored(stored):
                    return
                raise
            except (InterfaceError, OperationalError):
                broken += 1
                if broken >= INSERT_ATTEMPTS:
                    raise
                sleep(INSERT_RETRY_WAIT)

    def _already_stored(self, stored: Sequence[StoredEvent]) -> bool:
        """Whether these exact rows are in the store (same bytes: instant to the microsecond, actor,
        previous hash)."""
        by_aggregate: dict[Any, list[StoredEvent]] = {}
        for row in stored:
            by_aggregate.setdefault(row.originator_id, []).append(row)
        for aggregate_id, rows in by_aggregate.items():
            versions = [row.originator_version for row in rows]
            found = self.recorder.select_events(aggregate_id, gt=min(versions) - 1, lte=max(versions))
            if [(f.originator_version, f.topic, bytes(f.state)) for f in found] != [
                (r.originator_version, r.topic, bytes(r.state)) for r in rows
            ]:
                return False
        return True

    def _load(
        self, aggregate_class: type[TAggregate], creation: type[LedgerEvent], aggregate_id: UUID, as_of: datetime | None
    ) -> TAggregate:
        if as_of is None:
            events = self._events(aggregate_id)
        else:  # read in full from the store, as the evidence of a past state should be
            events = [e for e in self._decoded(self.recorder.select_events(aggregate_id)) if e.timestamp <= as_of]
        label = aggregate_class.__name__.lower()
        if not events or not isinstance(events[0], creation):
            when = f" as of {as_of.isoformat()}" if as_of is not None else ""
            raise NotFound(f"no {label} {aggregate_id}{when}", rule=f"{label}_exists")
        aggregate = aggregate_class.replay(events)
        assert aggregate is not None
        return aggregate

    def revision(self, aggregate_id: UUID) -> Revision | None:
        """What identifies the aggregate's current state in the store (None: no such aggregate), for a
        cache of what is derived from it. Costs the select of the events newer than the cached ones."""
        history = self._history(aggregate_id)
        return None if history is None else history.revision

    def _events(self, aggregate_id: UUID) -> list[LedgerEvent]:
        history = self._history(aggregate_id)
        return [] if history is None else list(history.events)

    def _history(self, aggregate_id: UUID) -> History | None:
        """The aggregate's whole history as the store holds it now: the cached events, and only the newer
        ones selected and decoded. The cached last event is selected again and compared byte for byte,
        so a store that no longer holds what was decoded (restored, truncated) is read in full."""
        cached = self._histories.get(aggregate_id)
        if cached is not None:
            last = cached.revision
            stored = self.recorder.select_events(aggregate_id, gt=last.version - 1)
            if stored and stored[0].originator_version == last.version and stored[0].state == last.state:
                history = cached.extended(stored[-1], self._decoded(stored[1:]))
                if history is not cached:
                    self._histories.put(aggregate_id, history)
                return history
            self._histories.discard(aggregate_id)
        stored = self.recorder.select_events(aggregate_id)
        if not stored:
            return None
        history = History(Revision(stored[-1].originator_version, stored[-1].state), tuple(self._decoded(stored)))
        self._histories.put(aggregate_id, history)
        return history

    def _decoded(self, stored: Sequence[StoredEvent]) -> list[LedgerEvent]:
        return [e for e in map(self.mapper.to_domain_event, stored) if isinstance(e, LedgerEvent)]

    def _ids_created_by(self, creation: type[LedgerEvent]) -> Iterator[UUID]:
        topic = get_topic(creation)
        start = 1
        while True:
            page = self.recorder.select_notifications(start=start, limit=PAGE_SIZE, topics=[topic])
            for notification in page:
                if notification.originator_version == 1:
                    yield UUID(str(notification.originator_id))
            if len(page) < PAGE_SIZE:
                return
            start = page[-1].id + 1


# ------------------------------------------------------------ performance


@dataclass(frozen=True)
class Revision:
    """An aggregate's last stored version and that event's stored bytes: equal revisions, equal states."""

    version: int
    state: bytes


@dataclass(frozen=True)
class History:
    """An aggregate's events as decoded from the store, up to ``revision``."""

    revision: Revision
    events: tuple[LedgerEvent, ...]

    def extended(self, last: StoredEvent, newer: Sequence[LedgerEvent]) -> History:
        if last.originator_version == self.revision.version:
            return self
        return History(Revision(last.originator_version, last.state), self.events + tuple(newer))


class Histories:
    """A bounded, least-recently-used cache of decoded histories, shared by the threads of one process.

    It holds only events read back from the store, never an aggregate: every load replays a fresh
    aggregate, so a command that fails (or one that mutates what it was given) leaves nothing behind.
    Events are immutable, so a history is only ever extended; what other processes wrote is picked up
    by the select of newer events that every load makes.
    """

    def __init__(self, max_events: int) -> None:
        self._max_events = max_events
        self._entries: OrderedDict[UUID, History] = OrderedDict()
        self._size = 0
        self._lock = threading.Lock()

    def get(self, aggregate_id: UUID) -> History | None:
        with self._lock:
            history = self._entries.get(aggregate_id)
            if history is not None:
                self._entries.move_to_end(aggregate_id)
            return history

    def put(self, aggregate_id: UUID, history: History) -> None:
        if len(history.events) > self._max_events:
            return
        with self._lock:
            known = self._entries.get(aggregate_id)
            if known is not None and known.revision.version >= history.revision.version:
                return  # another thread got there with as much or more
            self._drop(aggregate_id)
            self._entries[aggregate_id] = history
            self._size += len(history.events)
            while self._size > self._max_events:
                self._drop(next(iter(self._entries)))

    def discard(self, aggregate_id: UUID) -> None:
        with self._lock:
            self._drop(aggregate_id)

    def _drop(self, aggregate_id: UUID) -> None:
        history = self._entries.pop(aggregate_id, None)
        if history is not None:
            self._size -= len(history.events)


@dataclass
class _Write:
    stored: Sequence[StoredEvent]
    done: bool = False
    error: BaseException | None = None


class GroupCommit:
    """Concurrent writes of one process share a transaction (group commit).

    eventsourcing locks the events table for each write until its commit is on disk, so that
    notification ids commit in order: writes one at a time, one fsync each. Here a thread that finds
    no write in progress takes every write queued so far and inserts them in one transaction (one
    lock, one fsync); threads that arrive meanwhile wait and form the next group. No delay is added:
    a write alone goes at once. Each caller returns only once its own events are committed.

    A group holds at most one write per aggregate (a second one for the same aggregate goes after
    it, alone). If the group's insert hits a duplicate key, nothing of it was stored: each write is
    then inserted alone, so only the writes that really conflict get ``IntegrityError``. Any other
    error of the store is every member's (the transaction was theirs).
    """

    def __init__(self, insert: Callable[[Sequence[StoredEvent]], object]) -> None:
        self._insert = insert
        self._changed = threading.Condition()
        self._queue: list[_Write] = []
        self._writing = False

    def write(self, stored: Sequence[StoredEvent]) -> None:
        own = _Write(stored)
        with self._changed:
            self._queue.append(own)
            while self._writing and not own.done:
                self._changed.wait()
            if own.done:
                group: list[_Write] = []
            else:
                group, self._queue = self._queue, []
                self._writing = True
        if group:
            try:
                self._commit(group)
            finally:
                with self._changed:
                    self._writing = False
                    self._changed.notify_all()
        if own.error is not None:
            raise own.error

    def _commit(self, group: list[_Write]) -> None:
        first: list[_Write] = []
        after: list[_Write] = []
        seen: set[UUID | str] = set()
        for write in group:
            ids = {e.originator_id for e in write.stored}
            (after if ids & seen else first).append(write)
            seen |= ids
        try:
            if len(first) > 1:
                try:
                    self._insert([event for write in first for event in write.stored])
                    for write in first:
                        write.done = True
                except IntegrityError:
                    pass  # find out whose: each alone, below
                except Exception as error:
                    for write in first:
                        write.error, write.done = error, True
            for write in [*first, *after]:
                if not write.done:
                    self._alone(write)
        finally:
            for write in group:  # an interrupted leader must not leave anyone waiting for ever
                if not write.done:
                    write.error, write.done = RuntimeError("the group commit was interrupted"), True

    def _alone(self, write: _Write) -> None:
        try:
            self._insert(write.stored)
        except Exception as error:
            write.error = error
        write.done = True
