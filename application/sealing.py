"""Personal data sealed per data subject in the events, and opened again on reading (issue 19, decision 0106).

The domain marks the fields that hold a natural person's data (``domain.chain.personal``); before the pipeline
appends a command's events, each such value is sealed under its subject's own key, and the events are chained
again over the sealed form. The store keeps only the sealed form; reading opens it, or shows it as erased once
the subject's keys were destroyed (crypto-shredding). The keys and the cipher are the infrastructure's.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable
from typing import Any, Protocol, TypeVar
from uuid import UUID

from domain.chain import LedgerEvent, personal_fields
from domain.personal import ERASED, Personal, Sealed

E = TypeVar("E", bound=LedgerEvent)


class SubjectErased(Exception):
    """Nothing more is sealed for a person whose keys were destroyed."""


class Sealer(Protocol):
    """The key store and its cipher: one key per data subject, each kept under its owner (the debtor)."""

    def seal(self, subject: UUID, owner: UUID, value: str) -> Sealed:
        """Seal under the subject's key, made on its first use (``SubjectErased`` once the owner is erased)."""
        ...

    def open(self, sealed: Sealed) -> str | None:
        """The plain value; None once the subject's key is destroyed."""
        ...

    def shred(self, owner: UUID) -> int:
        """Destroy the keys of the owner and of every subject it holds; how many were destroyed."""
        ...

    def shred_subject(self, subject: UUID) -> int:
        """Destroy one subject's key (a contact's), its owner's kept; how many were destroyed."""
        ...

    def owners(self) -> set[UUID]:
        """The owners some key is kept for."""
        ...


def sealed_event(event: E, sealer: Sealer, owner: UUID | None = None) -> E:
    """The event with each of its personal values sealed (values sealed already are kept as they are).
    ``owner``: whose erasure destroys the keys, the aggregate itself unless told (a receivable's: its debtor)."""
    fields = personal_fields(type(event))
    keeper = event.originator_id if owner is None else owner
    changes: dict[str, Any] = {}
    for name, subject_field in fields.items():
        subject = getattr(event, subject_field) if subject_field else event.originator_id
        changes[name] = _sealed(getattr(event, name), subject, keeper, sealer)
    return dataclasses.replace(event, **changes) if changes else event


def erased_event(event: E) -> E:
    """The event with each of its personal values replaced by ``[effacé]`` in plain text: what a free text
    typed about a person already erased becomes (nothing more is sealed for them, nothing of it is kept)."""
    changes: dict[str, Any] = {
        name: ERASED for name in personal_fields(type(event)) if isinstance(getattr(event, name), str)
    }
    return dataclasses.replace(event, **changes) if changes else event


def reopened(event: E, sealer: Sealer) -> E:
    """The event as a reader sees it now: its sealed values opened again, or shown as erased."""
    changes = {name: _opened(getattr(event, name), sealer) for name in personal_fields(type(event))}
    return dataclasses.replace(event, **changes) if changes else event


def opened(sealed: Sealed, sealer: Sealer) -> Personal:
    value = sealer.open(sealed)
    return Personal(ERASED if value is None else value, sealed)


def _sealed(value: Any, subject: UUID, owner: UUID, sealer: Sealer) -> Any:
    """Each plain text in ``value`` sealed (one sealed already is kept)."""
    return _texts_mapped(
        value, lambda text: text if isinstance(text, Personal) else Personal(text, sealer.seal(subject, owner, text))
    )


def _opened(value: Any, sealer: Sealer) -> Any:
    """Each sealed text in ``value`` opened again (a plain one, recorded before sealing, is kept)."""
    return _texts_mapped(value, lambda text: opened(text.sealed, sealer) if isinstance(text, Personal) else text)


def _texts_mapped(value: Any, change: Callable[[str], str]) -> Any:
    """``value`` with each text in it changed (in a list, or a value object such as an address)."""
    if isinstance(value, str):
        return change(value)
    if isinstance(value, list):
        return [_texts_mapped(item, change) for item in value]
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        fields = dataclasses.fields(value)
        return dataclasses.replace(value, **{f.name: _texts_mapped(getattr(value, f.name), change) for f in fields})
    return value


def personal_values(events: Iterable[LedgerEvent]) -> frozenset[str]:
    """The plain personal values the events hold (to purge their copies outside the journal), open ones only."""
    found: set[str] = set()
    for event in events:
        for name in personal_fields(type(event)):
            _collect(getattr(event, name), found)
    return frozenset(found)


def _collect(value: Any, found: set[str]) -> None:
    if isinstance(value, str):
        if str(value) != ERASED:
            found.add(str(value))
    elif isinstance(value, list):
        for item in value:
            _collect(item, found)
    elif dataclasses.is_dataclass(value) and not isinstance(value, type):
        for f in dataclasses.fields(value):
            if f.name not in SHARED_PARTS:
                _collect(getattr(value, f.name), found)


# Parts of an address that many people share (a town, its postal code, a country): replacing them wherever
# they appear would erase other people's data too. An address is found by its street lines.
SHARED_PARTS = frozenset({"postal_code", "city", "country"})
