"""How each domain error is answered at every entry point: one table for the HTTP status (problem+json)
and the CLI's exit code (README: 1 a rule refused the command, 3 not found)."""

from __future__ import annotations

from dataclasses import dataclass

from domain.errors import (
    AlreadyExists,
    DomainError,
    Forbidden,
    InvalidInput,
    NotFound,
    RuleViolation,
    VersionConflict,
    VersionMismatch,
)


@dataclass(frozen=True)
class Answer:
    status: int  # HTTP
    exit_code: int  # CLI


ANSWERS: dict[type[DomainError], Answer] = {
    InvalidInput: Answer(422, 1),
    NotFound: Answer(404, 3),
    AlreadyExists: Answer(409, 1),
    RuleViolation: Answer(409, 1),
    VersionConflict: Answer(409, 1),
    VersionMismatch: Answer(412, 1),
    Forbidden: Answer(403, 1),
}
OTHERWISE = Answer(409, 1)  # a rule of the file's state


def answer_for(error: DomainError) -> Answer:
    """The answer of the nearest class of the error that the table names."""
    for error_class in type(error).__mro__:
        if error_class in ANSWERS:
            return ANSWERS[error_class]
    return OTHERWISE
