"""The one way in for every command: HTTP, console, CLI, imports, the dunning run, dispatch and the demo.

Each command passes the same steps, in this order: the caller's role may issue it; every document it
names is stored (decision 0023); a command sent with an idempotency key that already recorded its events
is answered with them (decision 0015); the aggregate is loaded fresh and, when the caller saw a version
(If-Match), still at it; the domain decides; a person's data in the events is sealed under their key
(decision 0106); the events are appended with the version they follow (and the key's outcome, in the same
transaction); an erasure, once appended, destroys the person's keys and purges the copies. A command sent
without an expected version whose append lost to another writer is decided again on the fresh state, a few
times, before it is refused as a concurrent write: it did not depend on what its caller had seen. Errors are
the domain's, answered from one table at every entry point (api/errors.py: HTTP problems, CLI exit codes).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol
from uuid import UUID

from application import commands as c
from application.access import (
    ACCOUNTING,
    COLLECTION,
    CONTACTS,
    DEBTOR_RECORDS,
    MANAGEMENT,
    WRITERS,
    Principal,
    Role,
)
from application.event_store import AppendConflict, CommandOutcome, EventStore
from application.sealing import Sealer, SubjectErased, erased_event, personal_values, sealed_event
from domain.chain import ChainedAggregate, LedgerEvent
from domain.debtor import Debtor, PursuedClaim
from domain.errors import (
    AlreadyExists,
    DomainError,
    Forbidden,
    InvalidInput,
    RuleViolation,
    VersionConflict,
    VersionMismatch,
)
from domain.rate_register import RateRegister
from domain.rates import RateTable
from domain.receivable import Receivable
from domain.values import Now

ATTEMPTS = 8  # decisions on a fresh state before a command without If-Match is refused as a concurrent write

# Who may issue each command (an admin may issue all). The HTTP routes check the same table before
# reading a body; the pipeline checks it for every entry point.
PERMISSIONS: dict[type, frozenset[Role]] = {
    c.RegisterDebtor: DEBTOR_RECORDS,
    c.AddContact: CONTACTS,
    c.ChangeContact: CONTACTS,
    c.ChangeAddress: DEBTOR_RECORDS | CONTACTS,
    c.RectifyDebtorName: DEBTOR_RECORDS,  # who may register a debtor may correct the name it was registered under
    c.RecordReturnedMail: COLLECTION,
    c.RecordEmailBounce: COLLECTION,
    c.SetCreditLimit: MANAGEMENT,
    c.ChangePriority: MANAGEMENT,
    c.AssignPolicy: MANAGEMENT,
    c.RecordElectronicDeliveryConsent: COLLECTION,
    c.OpenInsolvency: MANAGEMENT,
    c.DeclareClaim: MANAGEMENT,
    c.EraseDebtor: MANAGEMENT,
    c.EraseContact: MANAGEMENT,
    c.PublishRates: frozenset(),
    c.IssueInvoice: ACCOUNTING,
    c.SendReminder: COLLECTION,
    c.NoteCall: COLLECTION,
    c.RecordPromise: COLLECTION,
    c.BreakPromise: COLLECTION,
    c.OpenDispute: COLLECTION,
    c.ResolveDispute: COLLECTION,
    c.SendFormalNotice: COLLECTION,
    c.AcknowledgeFormalNotice: COLLECTION,
    c.ReturnLetter: COLLECTION,
    c.ReportDelivery: COLLECTION,
    c.AgreePaymentPlan: COLLECTION,
    c.MissInstalment: COLLECTION,
    c.RecordPayment: ACCOUNTING,
    c.ApplyCreditNote: ACCOUNTING,
    c.InvoiceLateCharges: ACCOUNTING,
    c.WaiveLateCharges: ACCOUNTING | MANAGEMENT,
    c.Escalate: MANAGEMENT,
    c.WriteOff: MANAGEMENT,
    c.PauseDunning: MANAGEMENT,
    c.ResumeDunning: MANAGEMENT,
    c.StartMediation: MANAGEMENT,
    c.EndMediation: MANAGEMENT,
    c.AddNote: WRITERS,
    c.AttachDocument: WRITERS,
}


def roles_for(command_type: type) -> frozenset[Role] | None:
    """The roles that may issue this command (a subclass inherits its command's), None for a non-command."""
    for cls in command_type.__mro__:
        if cls in PERMISSIONS:
            return PERMISSIONS[cls]
    return None


def system(actor: str) -> Principal:
    """A job or a person at the host's command line: they hold the store's own credentials."""
    return Principal(token_id="", name=actor, role=Role.ADMIN)


class State(Protocol):
    """What deciding a command reads: the clock, the aggregates as stored now, the rates (the Ledger)."""

    store: EventStore
    shipped_rates: RateTable

    def now(self) -> Now: ...

    def receivable(self, receivable_id: UUID, *, as_of: datetime | None = None) -> Receivable: ...

    def debtor(self, debtor_id: UUID, *, as_of: datetime | None = None) -> Debtor: ...

    def rate_register(self) -> RateRegister: ...

    def rate_table(self) -> RateTable: ...

    def aggregate_at(self, aggregate_id: UUID, version: int) -> ChainedAggregate[Any]: ...

    def pursued_claims(self, debtor_id: UUID) -> list[PursuedClaim]: ...

    def receivables_of(self, debtor_id: UUID) -> list[Receivable]: ...


class DocumentCatalog(Protocol):
    """Which documents are stored (by SHA-256): an event may only name a document an evidence bundle can ship."""

    def is_stored(self, sha256: str) -> bool: ...


@dataclass(frozen=True)
class IdempotencyKey:
    """A caller's key for one command: the same key and request run the command once, whatever the crash."""

    scope: str  # whose key (a hash of the caller's credentials)
    key: str
    request_hash: str  # the request as first sent: the same key with another request is refused


@dataclass(frozen=True)
class Outcome:
    """What a command did: the aggregate's version after it, and whether anything was recorded."""

    aggregate_id: UUID
    version: int
    recorded: bool
    result: Any = None
    events: tuple[LedgerEvent, ...] = ()
    aggregate: Any = field(default=None, repr=False, compare=False)  # as it stands after the command
    replayed: bool = False  # what an earlier request with the same idempotency key recorded


@dataclass
class BatchOutcome:
    """Commands decided on aggregates the caller loaded (in bulk) and appended together."""

    recorded: list[tuple[Any, tuple[LedgerEvent, ...]]] = field(default_factory=list)
    refused: list[tuple[Any, DomainError]] = field(default_factory=list)
    conflicted: bool = False  # another writer changed one of them: nothing appended, run each alone

    @property
    def events(self) -> int:
        return sum(len(events) for _, events in self.recorded)


# A creation handler: decide on the ledger's state, return the new aggregate (events pending) and a result.
Creation = Callable[[State, Any, Now, str], tuple[ChainedAggregate[Any], Any]]


@dataclass(frozen=True)
class Erasure:
    """What an erasure destroys: a debtor and every key it holds, or one contact's key (``contact``)."""

    debtor_id: UUID
    contact: UUID | None
    values: frozenset[str]  # the plain personal values concerned, to purge their copies


class CommandPipeline:
    def __init__(
        self,
        ledger: State,
        documents: DocumentCatalog | None,
        creations: dict[type, Creation],
        sealer: Sealer | None = None,
    ) -> None:
        self._ledger = ledger
        self._documents = documents
        self._creations = creations
        self._sealer = sealer
        # Called once an erasure is recorded and its keys destroyed, with the debtor's id and the personal
        # values its events held: the copies outside the journal (documents, outbox, reports) are purged.
        # Called as ``listener(debtor_id, values)``, or with ``documents=False`` for one contact erased alone.
        self.erasure_listeners: list[Callable[..., object]] = []

    def execute(
        self,
        command: Any,
        principal: Principal,
        expected_version: int | None = None,
        idempotency: IdempotencyKey | None = None,
    ) -> Outcome:
        self._admit(command, principal)
        if idempotency is not None and (replayed := self._recorded(idempotency)) is not None:
            return replayed
        for _ in range(ATTEMPTS):
            aggregate, result = self._decide(command, principal.name, expected_version)
            try:
                events = self._sealed_events(aggregate)
            except SubjectErased as error:  # registered again under an erased person's id, or a stale decision
                if type(command) in self._creations:
                    raise self._conflict(command, aggregate) from error
                raise RuleViolation("the debtor's personal data was erased", rule="debtor_not_erased") from error
            erased = self._personal_values_erased_by(events)
            if not events:
                # Nothing to record: maybe because the same request, sent twice at once, just recorded it.
                if idempotency is not None and (replayed := self._recorded(idempotency)) is not None:
                    return replayed
                return Outcome(aggregate.id, aggregate.version, False, result, (), aggregate=aggregate)
            try:
                self._ledger.store.append(events, _outcomes(idempotency, events))
            except AppendConflict as error:
                if idempotency is not None and (replayed := self._recorded(idempotency)) is not None:
                    return replayed  # the same request, sent twice at once: the other one recorded it
                if type(command) in self._creations or expected_version is not None:
                    raise self._conflict(command, aggregate) from error
                continue  # decided again on the fresh state
            self._erase_what_was_erased(events, erased)
            return Outcome(aggregate.id, aggregate.version, True, result, tuple(events), aggregate=aggregate)
        raise self._conflict(command, aggregate)

    def _recorded(self, idempotency: IdempotencyKey) -> Outcome | None:
        """What the command first sent with this key recorded, as it was answered then; None if nothing."""
        known = self._ledger.store.command_outcome(idempotency.scope, idempotency.key)
        if known is None:
            return None
        if known.request_hash != idempotency.request_hash:
            raise InvalidInput("Idempotency-Key: this key was used with another request", rule="idempotency_key_reused")
        aggregate = self._ledger.aggregate_at(known.aggregate_id, known.last_version)
        history = self._ledger.store.history(known.aggregate_id)
        assert history is not None  # its events were appended with the outcome, in one transaction
        events = tuple(history.events[known.first_version - 1 : known.last_version])
        return Outcome(aggregate.id, aggregate.version, True, None, events, aggregate=aggregate, replayed=True)

    def execute_batch(self, items: Sequence[tuple[Any, ChainedAggregate[Any]]], principal: Principal) -> BatchOutcome:
        """Each command decided on the aggregate given (loaded by the caller with many others), every
        event appended in one transaction. If another writer changed one of them meanwhile, nothing is
        appended and the outcome says ``conflicted``: the caller then executes them one by one."""
        outcome = BatchOutcome()
        now = self._ledger.now()
        for command, aggregate in items:
            try:
                self._admit(command, principal)
                _run(self._ledger, command, aggregate, now, principal.name)
            except DomainError as error:
                aggregate.collect_events()  # nothing of a refused command may be appended
                outcome.refused.append((command, error))
                continue
            outcome.recorded.append((command, tuple(self._sealed_events(aggregate))))
        events = [event for _, recorded in outcome.recorded for event in recorded]
        erased = self._personal_values_erased_by(events)
        if events:
            try:
                self._ledger.store.append(events)
            except AppendConflict:
                return BatchOutcome(refused=outcome.refused, conflicted=True)
            self._erase_what_was_erased(events, erased)
        return outcome

    # ------------------------------------------------------------------ steps

    def _sealed_events(self, aggregate: ChainedAggregate[Any]) -> list[LedgerEvent]:
        """The decided events, their personal data sealed under its subjects' keys (decision 0106)."""
        if self._sealer is not None:
            aggregate.seal_pending(self._seal_for(aggregate, self._sealer))
        return aggregate.collect_events()

    def _seal_for(self, aggregate: ChainedAggregate[Any], sealer: Sealer) -> Callable[[LedgerEvent], LedgerEvent]:
        """How the aggregate's events are sealed. A receivable's free texts (a call note, a note...) often name
        its debtor: sealed under the receivable's key, kept under the debtor, whose erasure destroys it; typed
        once the debtor is erased, they are recorded as ``[effacé]`` (nothing more is sealed for the person)."""
        if not isinstance(aggregate, Receivable):
            return lambda event: sealed_event(event, sealer)
        owner = aggregate.debtor_id
        erased: list[bool] = []  # asked once, and only if an event holds a free text

        def seal(event: LedgerEvent) -> LedgerEvent:
            if not erased:
                erased.append(self._debtor_erased(owner))
            return erased_event(event) if erased[0] else sealed_event(event, sealer, owner)

        return seal

    def _debtor_erased(self, debtor_id: UUID) -> bool:
        try:
            return self._ledger.debtor(debtor_id).erased
        except DomainError:  # a receivable whose debtor was never registered: nothing erased
            return False

    def finish_interrupted_erasures(self) -> list[UUID]:
        """Destroy the keys an erasure left behind (the process stopped between recording it and destroying
        them), then purge as after any erasure (the values are unreadable by then: documents are purged, texts
        are not). Returns the debtors concerned."""
        if self._sealer is None:
            return []
        finished = []
        for owner in sorted(self._sealer.owners()):
            try:
                erased = self._ledger.debtor(owner).erased
            except DomainError:  # a key made for a registration that was never recorded: not an erasure's
                continue
            if erased:
                self._erase_what_was_erased((), [Erasure(owner, None, frozenset())])
                finished.append(owner)
        return finished

    def _personal_values_erased_by(self, events: Sequence[LedgerEvent]) -> list[Erasure]:
        """What these events erase, with the plain personal values concerned, read while they can still be."""
        erasures: list[Erasure] = []
        for event in events:
            if getattr(event, "ERASES_PERSONAL_DATA", False):
                histories = [self._ledger.store.history(event.originator_id)]
                # The free texts of its receivables (sealed under keys the debtor's erasure destroys too).
                histories += [
                    self._ledger.store.history(r.id) for r in self._ledger.receivables_of(event.originator_id)
                ]
                values = personal_values(e for h in histories if h is not None for e in h.events)
                erasures.append(Erasure(event.originator_id, None, values))
            elif subject_field := getattr(event, "ERASES_SUBJECT", ""):
                contact = getattr(event, subject_field)
                history = self._ledger.store.history(event.originator_id)
                named = [e for e in (history.events if history else ()) if getattr(e, subject_field, None) == contact]
                erasures.append(Erasure(event.originator_id, contact, personal_values(named)))
        return erasures

    def _erase_what_was_erased(self, events: Sequence[LedgerEvent], erasures: Sequence[Erasure]) -> None:
        """Once an erasure is recorded (never before: the journal states what happened), the subject's keys
        are destroyed and its data purged from what lies outside the journal. A crash in between leaves keys
        of an erased debtor: the retention run destroys them (``finish_interrupted_erasures``)."""
        for erasure in erasures:
            if self._sealer is not None:
                if erasure.contact is None:
                    self._sealer.shred(erasure.debtor_id)
                else:
                    self._sealer.shred_subject(erasure.contact)
                # Events decoded while their keys could open them (a receivable's notes) are read again.
                forget = getattr(self._ledger.store, "forget_decoded", None)
                if forget is not None:
                    forget()
            for listener in self.erasure_listeners:
                if erasure.contact is None:
                    listener(erasure.debtor_id, erasure.values)
                else:  # one person of a debtor kept: the debtor's documents stay
                    listener(erasure.debtor_id, erasure.values, documents=False)

    def admit(self, command: Any, principal: Principal) -> None:
        """Refuse a command its caller may not issue, or one naming a document not stored (before deciding)."""
        self._admit(command, principal)

    def _admit(self, command: Any, principal: Principal) -> None:
        roles = roles_for(type(command))
        if roles is None:
            raise InvalidInput(f"{type(command).__name__} is not a command", rule="command_known")
        if not principal.may(roles):
            names = ", ".join(sorted(r.value for r in roles | {Role.ADMIN}))
            raise Forbidden(
                f"role {principal.role.value} may not {type(command).__name__} (allowed: {names})", rule="forbidden"
            )
        self._require_stored_documents(command)

    def _require_stored_documents(self, command: Any) -> None:
        """Every document an event names must be stored, so that an evidence bundle can ship it."""
        for name, value in vars(command).items():
            if not name.endswith("sha256") or value is None:
                continue
            if self._documents is None or not self._documents.is_stored(value):
                raise InvalidInput(
                    f"{name}: no stored document {value}; upload it first (POST /v1/documents)",
                    rule="document_stored",
                )

    def _decide(self, command: Any, actor: str, expected_version: int | None) -> tuple[ChainedAggregate[Any], Any]:
        now = self._ledger.now()
        creation = self._creations.get(type(command))
        if creation is not None:
            return creation(self._ledger, command, now, actor)
        aggregate: ChainedAggregate[Any]
        if isinstance(command, c.ReceivableCommand):
            aggregate = self._ledger.receivable(command.receivable_id)
        else:
            aggregate = self._ledger.debtor(command.debtor_id)
        if expected_version is not None and expected_version != aggregate.version:
            raise VersionMismatch(
                f"expected version {expected_version}, the aggregate is at version {aggregate.version}",
                rule="if_match",
            )
        return aggregate, _run(self._ledger, command, aggregate, now, actor)

    @staticmethod
    def _conflict(command: Any, aggregate: ChainedAggregate[Any]) -> DomainError:
        if isinstance(command, c.RegisterDebtor):
            return AlreadyExists(f"debtor {command.debtor_id} already exists", rule="debtor_unique")
        if isinstance(command, c.IssueInvoice):
            return AlreadyExists(
                f"invoice number {command.invoice_number} is already issued", rule="invoice_number_unique"
            )
        if isinstance(command, c.PublishRates):
            return VersionConflict(
                "the rate register was changed by someone else; reload and retry", rule="concurrent_write"
            )
        return VersionConflict(
            f"{type(aggregate).__name__} {aggregate.id} was changed by someone else; reload and retry",
            rule="concurrent_write",
        )


# ------------------------------------------------- facts the pipeline finds for a command


def _run(ledger: State, command: Any, aggregate: ChainedAggregate[Any], now: Now, actor: str) -> Any:
    """Run the command on its aggregate, given the facts of other aggregates that it is decided on, which
    the pipeline finds itself for every entry point, never taking them from the caller."""
    if isinstance(command, c.EraseDebtor) and isinstance(aggregate, Debtor):
        # GDPR art. 17(3)(e): the person's claims still pursued (decision 0105)
        return command.run(aggregate, now, actor, pursued=ledger.pursued_claims(command.debtor_id))
    return command.run(aggregate, now, actor)


def _outcomes(idempotency: IdempotencyKey | None, events: Sequence[LedgerEvent]) -> list[CommandOutcome]:
    if idempotency is None:
        return []
    first, last = events[0], events[-1]
    return [
        CommandOutcome(
            idempotency.scope, idempotency.key, idempotency.request_hash, first.originator_id,
            first.originator_version, last.originator_version,
        )
    ]  # fmt: skip
