"""Shared pieces of the request and response bodies (money, results, pages)."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any

import pydantic_core
from fastapi import Response
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationInfo, WithJsonSchema, field_validator

from api.http.formats import AMOUNT_PATTERN, documented_amount, documented_day, is_day
from application.ledger import JournalEntry, Outcome

Amount = Annotated[
    Decimal,
    BeforeValidator(documented_amount),
    WithJsonSchema(
        {
            "type": "string",
            "pattern": AMOUNT_PATTERN,
            "description": "Decimal string with at most two places (a point, no spaces, no separators), "
            "in the invoice's currency; never a JSON number.",
            "examples": ["1234.50"],
        }
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
    """Request bodies refuse unknown fields: a typo is a 422, not a silently ignored value. Every date
    field, whatever its route, accepts only ``YYYY-MM-DD`` (pydantic alone takes ``0`` as 1970-01-01)."""

    model_config = ConfigDict(extra="forbid")

    @field_validator("*", mode="before")
    @classmethod
    def _documented_dates(cls, value: Any, info: ValidationInfo) -> Any:
        if info.field_name is not None and info.field_name in _day_fields(cls):
            return documented_day(value)
        return value


_DAY_FIELDS: dict[type[BaseModel], frozenset[str]] = {}


def _day_fields(model: type[BaseModel]) -> frozenset[str]:
    if model not in _DAY_FIELDS:
        _DAY_FIELDS[model] = frozenset(name for name, f in model.model_fields.items() if is_day(f.annotation))
    return _DAY_FIELDS[model]


class JournalRecord(BaseModel):
    """One event as its canonical record (evidence.md §2) with its hash. A person's name, address, e-mail or
    phone appears in ``data`` in its sealed form, ``{"sealed": {"alg", "ciphertext", "subject"}}``, which is
    what the hash covers (docs/privacy.md); the debtor's view shows it opened, or ``[effacé]`` once erased."""

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


def render_json(content: Any) -> bytes:
    """Compact UTF-8 JSON of canonical values, as FastAPI renders a response model (pydantic's
    encoder: the same bytes as ``json.dumps(ensure_ascii=False, separators=(",", ":"))``, about
    four times faster on a receivable's view)."""
    return pydantic_core.to_json(content)


def json_answer(body: bytes, version: int, *, status: int = 200, location: str | None = None) -> Response:
    """A rendered JSON answer with the aggregate version as ETag (and a Location for commands)."""
    headers = {"ETag": f'"{version}"'}
    if location is not None:
        headers["Location"] = location
    return Response(content=body, status_code=status, media_type="application/json", headers=headers)


def command_answer(outcome: Outcome, version: int, state: dict[str, Any], *, location: str, status: int) -> Response:
    """A ``CommandResult`` rendered straight to bytes. Routes returning it declare
    ``response_model=CommandResult`` for the OpenAPI, but FastAPI passes a Response through: the
    answer is not validated a second time (a walk over every event and the whole state, in one
    more thread hand-off). Journal records already have the model's keys, in its order."""
    content = {
        "aggregate_id": str(outcome.aggregate_id),
        "version": version,
        "recorded": outcome.recorded,
        "events": [JournalEntry.of(event).record for event in outcome.events],
        "state": state,
    }
    answer = json_answer(render_json(content), version, status=status, location=location)
    if outcome.replayed:  # what the first request with this Idempotency-Key recorded
        answer.headers["Idempotent-Replayed"] = "true"
    return answer


class Page(BaseModel):
    items: list[dict[str, Any]]
    total: int
    limit: int
    offset: int
