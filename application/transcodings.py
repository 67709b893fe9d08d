"""How event values are written in the store, beyond eventsourcing's built-in UUID, Decimal, datetime.

Lookup is by exact type, and a StrEnum would otherwise come back as a plain str, so
every enum and value object of the journal is registered here explicitly.
"""

from __future__ import annotations

import dataclasses
from datetime import date
from enum import Enum
from typing import Any

from eventsourcing.persistence import Transcoder, Transcoding

from domain import vocabulary
from domain.debtor import Address
from domain.receivable_events import ClaimBreakdown, Instalment


class DateAsISO(Transcoding):
    type = date
    name = "date_iso"

    def encode(self, obj: date) -> str:
        return obj.isoformat()

    def decode(self, data: str) -> date:
        return date.fromisoformat(data)


def enum_transcoding(enum_class: type[Enum]) -> Transcoding:
    class EnumAsValue(Transcoding):
        type = enum_class
        name = f"enum_{enum_class.__name__}"

        def encode(self, obj: Enum) -> Any:
            return obj.value

        def decode(self, data: Any) -> Enum:
            return enum_class(data)

    return EnumAsValue()


def dataclass_transcoding(value_class: type[Any]) -> Transcoding:
    class DataclassAsDict(Transcoding):
        type = value_class
        name = f"value_{value_class.__name__}"

        def encode(self, obj: Any) -> dict[str, Any]:
            return {f.name: getattr(obj, f.name) for f in dataclasses.fields(obj)}

        def decode(self, data: dict[str, Any]) -> Any:
            return value_class(**data)

    return DataclassAsDict()


JOURNAL_ENUMS: tuple[type[Enum], ...] = tuple(
    value
    for value in vars(vocabulary).values()
    if isinstance(value, type) and issubclass(value, Enum) and value.__module__ == vocabulary.__name__
)
VALUE_OBJECTS: tuple[type[Any], ...] = (Instalment, ClaimBreakdown, Address)


def register_journal_transcodings(transcoder: Transcoder) -> None:
    transcoder.register(DateAsISO())  # type: ignore[attr-defined]
    for enum_class in JOURNAL_ENUMS:
        transcoder.register(enum_transcoding(enum_class))  # type: ignore[attr-defined]
    for value_class in VALUE_OBJECTS:
        transcoder.register(dataclass_transcoding(value_class))  # type: ignore[attr-defined]
