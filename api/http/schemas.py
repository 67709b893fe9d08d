"""Shared pieces of the request and response bodies (money, results, pages)."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field

Amount = Annotated[
    Decimal,
    Field(
        description="Decimal with at most two places, in the invoice's currency; send it as a string.",
        examples=["1234.50"],
        allow_inf_nan=False,
    ),
]
Sha256 = Annotated[
    str,
    Field(
        pattern=r"^[0-9a-f]{64}$",
        description="SHA-256 (lower-case hex) of a document stored with POST /v1/documents",
        examples=["9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"],
    ),
]
ShortText = Annotated[str, Field(max_length=500)]
LongText = Annotated[str, Field(max_length=4000)]


class Body(BaseModel):
    """Request bodies refuse unknown fields: a typo is a 422, not a silently ignored value."""

    model_config = ConfigDict(extra="forbid")


class JournalRecord(BaseModel):
    """One event as its canonical record (evidence.md §2) with its hash."""

    model_config = ConfigDict(extra="allow")

    actor: str
    aggregate_id: str
    aggregate_type: str
    data: dict[str, Any]
    previous_hash: str
    recorded_at: str
    type: str
    version: int
    hash: str


class CommandResult(BaseModel):
    """What a command did: the events it recorded (none for an idempotent repeat) and the state after it."""

    aggregate_id: str
    version: int = Field(description="The aggregate's version after the command; also the ETag.")
    recorded: bool = Field(description="False when the command recorded nothing (e.g. a known bank reference).")
    events: list[JournalRecord]
    state: dict[str, Any]


class Page(BaseModel):
    items: list[dict[str, Any]]
    total: int
    limit: int
    offset: int
