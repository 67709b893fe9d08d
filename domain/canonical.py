"""Canonical JSON and event hashes, exactly as ``evidence.md`` §1–2 defines them.

Third parties recompute these bytes with their own tools, so this module is the
interface: it is pure, has no dependency beyond the standard library, and its
output is pinned by golden vectors in ``tests/evidence``.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Mapping
from datetime import UTC, date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any
from uuid import UUID

GENESIS_HASH = "0" * 64
INSTANT_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"  # UTC, always six fraction digits


_PLAIN = frozenset({str, int, bool, type(None)})


def to_canonical_value(value: Any) -> Any:
    """Turn a domain value into the JSON value the spec prescribes.

    Decimals are written as plain strings (money is quantised to cents upstream,
    so ``Decimal("1234.50")`` gives ``"1234.50"``; rates keep the form they were
    given in). A float is a bug: money and rates are never floats.
    """
    kind = type(value)  # exact types first (most of a view or a record); subclasses, e.g. enums, go below
    if kind in _PLAIN:
        return value
    if kind is dict:
        return {str(k): to_canonical_value(v) for k, v in value.items()}
    if kind is list:
        return [to_canonical_value(v) for v in value]
    if value is None or isinstance(value, bool | str):
        return value
    if isinstance(value, Enum):
        return to_canonical_value(value.value)
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        raise TypeError("floats are not allowed in canonical JSON")
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise ValueError(f"non-finite decimal {value!r}")
        return format(value, "f")
    if isinstance(value, datetime):
        return format_instant(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, UUID):
        return str(value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_canonical_value(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, Mapping):
        return {str(k): to_canonical_value(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [to_canonical_value(v) for v in value]
    raise TypeError(f"no canonical form for {type(value).__name__}")


def format_instant(value: datetime) -> str:
    """UTC, always six fraction digits, ``Z`` suffix."""
    if value.tzinfo is None:
        raise ValueError("instants must be timezone-aware")
    return value.astimezone(UTC).strftime(INSTANT_FORMAT)


def parse_instant(text: str) -> datetime:
    """The inverse of ``format_instant``."""
    return datetime.strptime(text, INSTANT_FORMAT).replace(tzinfo=UTC)


def canonical_bytes(value: Any) -> bytes:
    """UTF-8, sorted keys, no insignificant white space, non-ASCII as is."""
    return json.dumps(
        to_canonical_value(value),
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
        allow_nan=False,
    ).encode("utf-8")


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def record_hash(record: Mapping[str, Any]) -> str:
    """The hash of one event record: lowercase hex SHA-256 of its canonical bytes."""
    return sha256_hex(canonical_bytes(record))
