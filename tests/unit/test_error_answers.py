"""One table answers each domain error at every entry point: HTTP status and CLI exit code."""

from __future__ import annotations

import inspect

from api.errors import ANSWERS, answer_for
from domain import errors
from domain.errors import DomainError, Forbidden, InvalidInput, NotFound, RuleViolation, VersionMismatch


def test_every_error_class_of_the_domain_has_its_own_row() -> None:
    declared = {cls for _, cls in inspect.getmembers(errors, inspect.isclass) if issubclass(cls, DomainError)} - {
        DomainError
    }
    assert declared == set(ANSWERS)


def test_each_error_is_answered_with_its_status_and_exit_code() -> None:
    assert (answer_for(InvalidInput("x")).status, answer_for(InvalidInput("x")).exit_code) == (422, 1)
    assert (answer_for(NotFound("x")).status, answer_for(NotFound("x")).exit_code) == (404, 3)
    assert answer_for(VersionMismatch("x")).status == 412
    assert answer_for(Forbidden("x")).status == 403
    assert answer_for(RuleViolation("x")).status == 409


def test_a_subclass_is_answered_as_its_nearest_named_class() -> None:
    class ThirdPartyRefusal(NotFound):
        pass

    assert answer_for(ThirdPartyRefusal("x")).exit_code == 3
