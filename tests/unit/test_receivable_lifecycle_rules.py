"""The Receivable's lifecycle commands at their limits (issue, escalation, write-off, pauses, notes, documents): the
field each error names, text lengths at their bound and one character over, the contractual rate's range."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest

import domain.receivable as receivable_module
from domain.errors import DomainError, InvalidInput, RuleViolation
from domain.receivable import Receivable
from domain.values import Money
from domain.vocabulary import DocumentKind, EscalationRoute
from tests.unit.builders import ACTOR, DOCUMENT, ISSUE_DAY, TODAY, at, issued_receivable

NOW = at(TODAY)
TOMORROW = TODAY + timedelta(days=1)


def _issue(**changes: Any) -> Receivable:
    return issued_receivable(**changes)


def _escalate(r: Receivable, **changes: Any) -> object:
    return r.escalate(**{"route": EscalationRoute.PAYMENT_ORDER, "escalated_on": TODAY, "now": NOW, "actor": ACTOR,
                         **changes})  # fmt: skip


def _pause(r: Receivable, **changes: Any) -> object:
    return r.pause_dunning(**{"reason": "entretien", "now": NOW, "actor": ACTOR, **changes})


def _resume(r: Receivable, reason: str) -> object:
    _pause(r)
    return r.resume_dunning(reason=reason, now=NOW, actor=ACTOR)


def _attach(r: Receivable, **changes: Any) -> object:
    return r.attach_document(**{"kind": DocumentKind.DELIVERY_PROOF, "document_sha256": DOCUMENT,
                                "media_type": "application/pdf", "now": NOW, "actor": ACTOR, **changes})  # fmt: skip


FIELD_ERRORS: list[tuple[str, Callable[[], object]]] = [
    ("invoice_number", lambda: _issue(invoice_number="")),
    ("amount_excl_vat", lambda: _issue(amount_excl_vat=Money(Decimal("-1.00"), "EUR"))),
    ("vat", lambda: _issue(vat=Money(Decimal("-1.00"), "EUR"))),
    ("amount_incl_vat", lambda: _issue(amount_incl_vat=Money(Decimal("0.00"), "EUR"))),
    ("issue_date", lambda: _issue(issue_date=TOMORROW, due_date=TOMORROW, now=NOW)),
    ("escalated_on", lambda: _escalate(issued_receivable(), escalated_on=TOMORROW)),
    ("until", lambda: _pause(issued_receivable(), until=TODAY)),
    ("document_sha256", lambda: issued_receivable().add_note(note="x", document_sha256="nope", now=NOW, actor=ACTOR)),
    ("document_sha256", lambda: _attach(issued_receivable(), document_sha256="nope")),
]


@pytest.mark.parametrize(("field", "command"), FIELD_ERRORS, ids=[f"{f}-{i}" for i, (f, _) in enumerate(FIELD_ERRORS)])
def test_a_refused_lifecycle_command_names_the_field_at_fault(field: str, command: Callable[[], object]) -> None:
    with pytest.raises(DomainError) as caught:
        command()
    assert caught.value.message.startswith(f"{field}: "), caught.value.message


def test_an_invoice_dated_tomorrow_is_refused_as_issued_in_the_future() -> None:
    with pytest.raises(RuleViolation) as caught:
        _issue(issue_date=TOMORROW, due_date=TOMORROW + timedelta(days=30), now=NOW)
    assert caught.value.rule == "date_not_in_future"


TEXT_FIELDS: list[tuple[str, int, Callable[[str], object]]] = [
    ("invoice_number", 64, lambda v: _issue(invoice_number=v)),
    ("label", 500, lambda v: _issue(label=v)),
    ("order_reference", 100, lambda v: _issue(order_reference=v)),
    ("payment_terms", 500, lambda v: _issue(payment_terms=v)),
    ("reference", 100, lambda v: _escalate(issued_receivable(), reference=v)),
    ("reason", 1000, lambda v: issued_receivable().write_off(reason=v, now=NOW, actor=ACTOR)),
    ("reason", 1000, lambda v: _pause(issued_receivable(), reason=v)),
    ("reason", 1000, lambda v: _resume(issued_receivable(), v)),
    ("text", 4000, lambda v: issued_receivable().add_note(note=v, now=NOW, actor=ACTOR)),
    ("media_type", 100, lambda v: _attach(issued_receivable(), media_type="application/" + v[12:])),
    ("description", 500, lambda v: _attach(issued_receivable(), description=v)),
]


@pytest.mark.parametrize(
    ("field", "longest", "command"), TEXT_FIELDS, ids=[f"{f}-{n}" for n, (f, _, _) in enumerate(TEXT_FIELDS)]
)
def test_a_lifecycle_text_is_accepted_at_its_longest_and_refused_one_character_longer(
    field: str, longest: int, command: Callable[[str], object]
) -> None:
    command("x" * longest)
    with pytest.raises(InvalidInput) as caught:
        command("x" * (longest + 1))
    assert (caught.value.rule, caught.value.message) == ("text_length", f"{field}: at most {longest} characters")


@pytest.mark.parametrize("rate", ["0.01", "100", "100.00"])
def test_a_contractual_rate_above_zero_and_up_to_a_hundred_percent_is_accepted(rate: str) -> None:
    assert _issue(contractual_penalty_rate=Decimal(rate)).contractual_penalty_rate == Decimal(rate)


@pytest.mark.parametrize("rate", ["0", "-1", "100.01", "Infinity"])
def test_a_contractual_rate_of_zero_or_above_a_hundred_percent_is_refused(rate: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        _issue(contractual_penalty_rate=Decimal(rate))
    assert caught.value.rule == "rate_range"


def test_the_module_exports_the_aggregate_its_id_and_the_values_others_import() -> None:
    assert set(receivable_module.__all__) == {
        "ALWAYS_ALLOWED_WHEN_CLOSED", "CreditNote", "FormalNotice", "PaymentPlan", "Receivable", "receivable_id_for",
    }  # fmt: skip
    assert all(hasattr(receivable_module, name) for name in receivable_module.__all__)


def test_a_note_and_a_document_keep_their_digest_and_an_issued_invoice_its_date() -> None:
    r = issued_receivable()
    note = r.add_note(note="appel", document_sha256=DOCUMENT, now=NOW, actor=ACTOR)
    attached = _attach(r, description="bon de livraison signé")
    assert (note.document_sha256, attached.document_sha256, r.issue_date) == (DOCUMENT, DOCUMENT, ISSUE_DAY)  # type: ignore[attr-defined]
