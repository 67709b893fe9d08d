"""Store verification (evidence.md §6): recompute every aggregate's chain from what the
store returns and name the first broken event of each; then (``verify_ledger``) compare
each head with the latest signed digest that covers it.

The store is read through eventsourcing's recorder and mapper, not through the
aggregates, so a tampered event is reported instead of crashing a replay.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING
from uuid import UUID

from eventsourcing.persistence import ApplicationRecorder, Mapper, StoredEvent

from domain.canonical import GENESIS_HASH
from domain.chain import ADDED_LATER, LedgerEvent
from domain.digest import Leaf, merkle_root, sorted_leaves

if TYPE_CHECKING:
    from application.digest_ports import DigestRepository, SignatureCheck, SignedDigest

PAGE_SIZE = 1000


@dataclass(frozen=True)
class ChainBreak:
    aggregate_id: UUID
    version: int
    problem: str

    def __str__(self) -> str:
        return f"aggregate {self.aggregate_id} version {self.version}: {self.problem}"


@dataclass(frozen=True)
class AggregateHead:
    aggregate_id: UUID
    aggregate_type: str
    version: int
    head: str
    first_recorded_at: datetime | None = None


@dataclass(frozen=True)
class DigestProblem:
    """A stored digest that cannot be trusted: bad signature, or leaves that do not give its root."""

    label: str
    problem: str

    def __str__(self) -> str:
        return f"{self.label}: {self.problem}"


@dataclass
class VerificationReport:
    heads: list[AggregateHead] = field(default_factory=list)
    breaks: list[ChainBreak] = field(default_factory=list)
    events: int = 0
    aggregates: int = 0  # aggregates in the store, each counted once whatever the number of its breaks
    digest_problems: list[DigestProblem] = field(default_factory=list)
    latest_digest: SignedDigest | None = None  # the newest digest that holds, if any
    digests_checked: int = 0  # digests read (signature and root checked) to find each head's anchor
    anchored: int = 0  # aggregates compared with the latest digest covering them

    @property
    def ok(self) -> bool:
        return not self.breaks and not self.digest_problems


def verify_store(
    recorder: ApplicationRecorder,
    mapper: Mapper[UUID],
    *,
    on_aggregate: Callable[[UUID], None] | None = None,
) -> VerificationReport:
    """One pass over the log in notification order, each aggregate's chain checked as its events come
    (one query per page, not one per aggregate: an export verifies the whole ledger first). An
    aggregate whose events do not check out is read again on its own and checked by ``verify_chain``,
    which names the first broken event exactly as it always did."""
    report = VerificationReport()
    chains: dict[UUID, _Chain] = {}
    suspects: set[UUID] = set()
    start = 1
    while True:
        page = recorder.select_notifications(start=start, limit=PAGE_SIZE)
        for row in page:
            report.events += 1
            aggregate_id = UUID(str(row.originator_id))
            if aggregate_id in suspects:
                continue
            chain = chains.setdefault(aggregate_id, _Chain())
            if not chain.extend(row, mapper):
                suspects.add(aggregate_id)
        if len(page) < PAGE_SIZE:
            break
        start = page[-1].id + 1
    report.aggregates = len(chains)
    for aggregate_id in sorted(chains, key=str):
        if aggregate_id in suspects:
            outcome = verify_chain(aggregate_id, list(recorder.select_events(aggregate_id)), mapper)
        else:
            outcome = chains[aggregate_id].head(aggregate_id)
        if isinstance(outcome, ChainBreak):
            report.breaks.append(outcome)
        else:
            report.heads.append(outcome)
        if on_aggregate is not None:
            on_aggregate(aggregate_id)
    return report


@dataclass
class _Chain:
    """An aggregate's chain as far as the pass has read it, every row checked as ``verify_chain`` does."""

    version: int = 0
    last_hash: str = GENESIS_HASH
    aggregate_type: str = ""
    first_recorded_at: datetime | None = None

    def extend(self, row: StoredEvent, mapper: Mapper[UUID]) -> bool:
        if row.originator_version != self.version + 1:
            return False
        try:
            event = mapper.to_domain_event(row)
            if not isinstance(event, LedgerEvent):
                return False
            event_hash = event.hash()
            if mapper.to_stored_event(_as_recorded(event)).state != row.state:
                return False
        except Exception:
            return False
        if event.previous_hash != self.last_hash:
            return False
        if self.version == 0:
            self.aggregate_type, self.first_recorded_at = event.AGGREGATE_TYPE, event.timestamp
        elif self.aggregate_type != event.AGGREGATE_TYPE:
            return False
        self.version, self.last_hash = self.version + 1, event_hash
        return True

    def head(self, aggregate_id: UUID) -> AggregateHead:
        return AggregateHead(aggregate_id, self.aggregate_type, self.version, self.last_hash, self.first_recorded_at)


def verify_chain(aggregate_id: UUID, stored: list[StoredEvent], mapper: Mapper[UUID]) -> AggregateHead | ChainBreak:
    """Check one aggregate: versions 1..n, exact bytes, links, one aggregate type."""
    previous = GENESIS_HASH
    aggregate_type = ""
    first_recorded_at: datetime | None = None
    for expected_version, row in enumerate(stored, start=1):
        version = row.originator_version
        if version != expected_version:
            missing = f"version {expected_version} is missing" if version > expected_version else "version repeated"
            return ChainBreak(aggregate_id, expected_version, missing)
        try:
            event = mapper.to_domain_event(row)
            if not isinstance(event, LedgerEvent):
                return ChainBreak(aggregate_id, version, f"not a ledger event: {row.topic}")
            event_hash = event.hash()
            reencoded = mapper.to_stored_event(_as_recorded(event)).state
        except Exception as error:
            return ChainBreak(aggregate_id, version, f"stored event cannot be read ({type(error).__name__})")
        if reencoded != row.state:
            return ChainBreak(aggregate_id, version, "stored bytes differ from the event's encoding (altered)")
        if version == 1:
            aggregate_type, first_recorded_at = event.AGGREGATE_TYPE, event.timestamp
        elif aggregate_type != event.AGGREGATE_TYPE:
            return ChainBreak(aggregate_id, version, f"a {event.AGGREGATE_TYPE} event in a {aggregate_type} journal")
        if event.previous_hash != previous:
            return _broken_link(aggregate_id, version, event_hash, stored[expected_version:], mapper)
        previous = event_hash
    if not stored:
        return ChainBreak(aggregate_id, 1, "no events")
    return AggregateHead(aggregate_id, aggregate_type, len(stored), previous, first_recorded_at)


def _as_recorded(event: LedgerEvent) -> LedgerEvent:
    """The event as the application creates it: fields in declared order, no extra key, UTC
    timestamp; re-encoding this must give the stored bytes, so that reordered keys, an added key
    or an equivalent time offset (which the hash does not see) are reported as alterations.
    A field added to the event type later is left out when the stored event predates it."""
    recorded = dataclasses.replace(event, timestamp=event.timestamp.astimezone(UTC))
    for declared in dataclasses.fields(event):
        if declared.metadata.get(ADDED_LATER) and declared.name not in vars(event):
            del vars(recorded)[declared.name]  # the class default (None) answers for it, as it did when decoded
    return recorded


def _broken_link(
    aggregate_id: UUID, version: int, event_hash: str, following: list[StoredEvent], mapper: Mapper[UUID]
) -> ChainBreak:
    """Version n does not link to n-1. When n+1 still links to n, event n is intact and the
    event before it is the one that changed (or events were removed between them)."""
    if version > 1 and following and following[0].originator_version == version + 1:
        try:
            successor = mapper.to_domain_event(following[0])
        except Exception:
            successor = None
        if isinstance(successor, LedgerEvent) and successor.previous_hash == event_hash:
            return ChainBreak(
                aggregate_id,
                version - 1,
                f"its hash is not the previous_hash recorded by version {version} "
                "(altered, or events removed after it)",
            )
    return ChainBreak(
        aggregate_id,
        version,
        f"previous_hash does not match the hash of version {version - 1} (altered, removed or reordered)"
        if version > 1
        else "previous_hash of the first event is not the genesis hash (altered, or earlier events removed)",
    )


# ------------------------------------------------------- heads against digests


def verify_ledger(
    recorder: ApplicationRecorder,
    mapper: Mapper[UUID],
    digests: DigestRepository | None,
    check_signature: SignatureCheck | None,
) -> VerificationReport:
    """evidence.md §6: every chain, then each head against the latest signed digest covering it."""
    report = verify_store(recorder, mapper)
    if digests is not None:
        compare_with_digests(report, recorder, mapper, digests, check_signature)
    return report


def compare_with_digests(
    report: VerificationReport,
    recorder: ApplicationRecorder,
    mapper: Mapper[UUID],
    digests: DigestRepository,
    check_signature: SignatureCheck | None,
) -> None:
    """Add to ``report`` each head that went back (deleted events), changed (rewritten) or
    vanished (deleted aggregate) since the latest valid digest that covers it.

    Digests are read newest first, each checked (signature, leaves against root) before it is
    trusted, until every aggregate of the store has its anchor or is younger than the digest.
    """
    heads = {head.aggregate_id: head for head in report.heads}
    in_store = heads.keys() | {b.aggregate_id for b in report.breaks}
    pending = set(heads)
    seen: set[UUID] = set()
    for signed in digests.newest_first():
        leaves = _trusted_leaves(report, digests, signed, check_signature)
        if leaves is None:
            continue
        report.digests_checked += 1
        if report.latest_digest is None:
            report.latest_digest = signed
        for leaf in leaves:
            if leaf.aggregate_id in seen:
                continue
            seen.add(leaf.aggregate_id)
            pending.discard(leaf.aggregate_id)
            head = heads.get(leaf.aggregate_id)
            if head is not None:
                report.anchored += 1
                problem = _against_anchor(head, leaf.version, leaf.head, signed.label, recorder, mapper)
                if problem is not None:
                    report.breaks.append(problem)
            elif leaf.aggregate_id not in in_store:
                report.breaks.append(
                    ChainBreak(
                        leaf.aggregate_id,
                        1,
                        f"missing from the store, but {signed.label} holds it at version {leaf.version} "
                        f"(head {leaf.head}): the aggregate was deleted",
                    )
                )
        # An aggregate first recorded after this digest cannot be in it, nor in any older one.
        as_of = signed.digest.as_of
        pending = {i for i in pending if (t := heads[i].first_recorded_at) is None or t <= as_of}
        if not pending:
            break
    report.breaks.sort(key=lambda b: (str(b.aggregate_id), b.version))


def _trusted_leaves(
    report: VerificationReport,
    digests: DigestRepository,
    signed: SignedDigest,
    check_signature: SignatureCheck | None,
) -> list[Leaf] | None:
    """The digest's leaves if it holds (signed bytes, signature, root); else a problem is reported."""

    def refuse(problem: str) -> None:
        report.digest_problems.append(DigestProblem(signed.label, problem))

    if signed.digest.canonical() != signed.canonical:
        refuse("its columns differ from the bytes it signed (altered)")
        return None
    if check_signature is None or not check_signature(signed.canonical, signed.signature):
        refuse("the signature does not verify with the firm's public key (altered or signed by another key)")
        return None
    try:
        leaves = digests.leaves(signed.sequence)
        if sorted_leaves(leaves) != leaves:
            raise ValueError("leaves out of order")
    except (ValueError, KeyError) as error:
        refuse(f"its stored leaves cannot be read ({error})")
        return None
    if len(leaves) != signed.digest.aggregates or merkle_root(leaves) != signed.digest.root:
        refuse("its stored leaves do not give its signed root (altered)")
        return None
    return leaves


def _against_anchor(
    head: AggregateHead,
    version: int,
    digested_head: str,
    label: str,
    recorder: ApplicationRecorder,
    mapper: Mapper[UUID],
) -> ChainBreak | None:
    aggregate_id = head.aggregate_id
    if head.version < version:
        missing = f"version {version}" if head.version + 1 == version else f"versions {head.version + 1}..{version}"
        return ChainBreak(
            aggregate_id,
            head.version + 1,
            f"{missing} missing: {label} holds version {version}, the store ends at version {head.version} "
            "(events deleted after the digest)",
        )
    if head.version == version:
        hash_then = head.head
    else:
        (row,) = recorder.select_events(aggregate_id, gt=version - 1, lte=version)
        event = mapper.to_domain_event(row)
        assert isinstance(event, LedgerEvent)  # the chain was verified just before
        hash_then = event.hash()
    if hash_then != digested_head:
        return ChainBreak(
            aggregate_id,
            version,
            f"hash {hash_then} differs from {digested_head} in {label} (rewritten after it was digested)",
        )
    return None
