"""Domain errors. No HTTP here: ``api/problems.py`` maps each class to a status once."""

from __future__ import annotations


class DomainError(Exception):
    """Base of every error the domain or the application raises on purpose."""

    code = "domain_error"

    def __init__(self, message: str, *, rule: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.rule = rule or self.code


class InvalidInput(DomainError):
    """A value is malformed whatever the state: negative amount, three decimals, bad SIREN."""

    code = "invalid_input"


class RuleViolation(DomainError):
    """The command is well formed but the receivable's state forbids it."""

    code = "rule_violation"


class NotFound(DomainError):
    code = "not_found"


class AlreadyExists(DomainError):
    code = "already_exists"


class VersionConflict(DomainError):
    """Someone else recorded an event on the same aggregate first."""

    code = "version_conflict"


class VersionMismatch(DomainError):
    """The caller expected another version (an HTTP If-Match that no longer holds)."""

    code = "version_mismatch"


class Forbidden(DomainError):
    """The caller's role may not issue this command."""

    code = "forbidden"
