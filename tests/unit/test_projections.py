"""The projections as pure functions: (current rows, event) -> row changes."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from uuid import UUID

import pytest

from application.projections import (
    AuditRow,
    DebtorRow,
    DunningStep,
    ReceivableChange,
    ReceivableRow,
    ReceivableState,
    Reduction,
    ReductionKind,
    audit_row,
    cents,
    closing,
    money,
    project_debtor,
    project_receivable,
    summary,
)
from domain.chain import LedgerEvent
from domain.debtor import ContactAdded, Debtor
from domain.receivable import Receivable
from domain.receivable_events import ReceivableEvent
from domain.vocabulary import (
    CallOutcome,
    CallPurpose,
    ContactRole,
    DebtorKind,
    DisputeOutcome,
    DisputeReason,
    EscalationRoute,
    ReminderChannel,
    ReminderStage,
)
from tests.unit.builders import (
    ACTOR,
    DEBTOR_ID,
    DUE_DAY,
    ISSUE_DAY,
    address,
    at,
    eur,
    issued_receivable,
    pay,
    registered_debtor,
    with_formal_notice,
)

RECEIVABLE_ID = UUID("00000000-0000-0000-0000-0000000000aa")


def project_all(events: Iterable[ReceivableEvent]) -> tuple[ReceivableState | None, list[ReceivableChange]]:
    state: ReceivableState | None = None
    changes: list[ReceivableChange] = []
    for event in events:
        state, change = project_receivable(state, event)
        changes.append(change)
    return state, changes


def the_reduction(change: ReceivableChange) -> Reduction:
    assert change.reduction is not None, change
    return change.reduction


def the_step(change: ReceivableChange) -> DunningStep:
    assert change.step is not None, change
    return change.step


def issued_event() -> tuple[Receivable, ReceivableEvent]:
    receivable = Receivable.issue(
        invoice_number="F-2024-0042",
        debtor_id=DEBTOR_ID,
        debtor_kind=DebtorKind.PROFESSIONAL,
        issue_date=ISSUE_DAY,
        due_date=DUE_DAY,
        amount_excl_vat=eur("1000.00"),
        vat=eur("200.00"),
        amount_incl_vat=eur("1200.00"),
        label="Maintenance contract for Jeanne Martin, 3 rue des Lilas",
        now=at(ISSUE_DAY),
        actor=ACTOR,
    )
    (event,) = receivable.collect_events()
    return receivable, event


def payment(receivable: Receivable, value: str, *, value_date: date, recorded_on: date, ref: str) -> ReceivableEvent:
    pay(receivable, value, on=value_date, reference=ref, now=at(recorded_on))
    return receivable._last_event  # type: ignore[return-value]


def reduction(version: int, amount: int, value_date: date, recorded_on: date, kind: ReductionKind) -> Reduction:
    recorded_at = datetime.combine(recorded_on, datetime.min.time(), tzinfo=UTC) + timedelta(hours=9)
    return Reduction(RECEIVABLE_ID, version, kind, amount, value_date, recorded_at)


def row(amount: int = 120000) -> ReceivableRow:
    return ReceivableRow(
        receivable_id=RECEIVABLE_ID,
        debtor_id=DEBTOR_ID,
        invoice_number="F-1",
        currency="EUR",
        issue_date=ISSUE_DAY,
        due_date=DUE_DAY,
        amount=amount,
        issued_at=datetime(2024, 1, 15, 12, tzinfo=UTC),
    )


# ------------------------------------------------------------- receivables


def test_an_issued_invoice_becomes_an_open_row_with_its_amount_incl_vat_in_cents() -> None:
    _, event = issued_event()

    state, change = project_receivable(None, event)

    assert state is not None and change.row == state.row
    assert (change.row.amount, change.row.due_date, change.row.debtor_id) == (120000, DUE_DAY, DEBTOR_ID)
    assert change.row.issued_at == event.timestamp
    assert (change.row.reduced, change.row.closed_at, change.row.closed_on, change.row.settled_on) == (
        0,
        None,
        None,
        None,
    )


def test_a_partial_payment_is_a_dated_reduction_that_leaves_the_receivable_open() -> None:
    receivable, issued = issued_event()
    paid = payment(receivable, "500.00", value_date=date(2024, 3, 1), recorded_on=date(2024, 3, 2), ref="VIR-1")

    state, changes = project_all([issued, paid])

    assert the_reduction(changes[-1]) == Reduction(
        receivable.id, 2, ReductionKind.PAYMENT, 50000, date(2024, 3, 1), paid.timestamp
    )
    assert state is not None and state.row.reduced == 50000
    assert state.row.closed_at is None and state.row.closed_on is None


def test_payments_covering_the_amount_close_the_receivable_when_recorded_and_by_value_date() -> None:
    receivable, issued = issued_event()
    first = payment(receivable, "500.00", value_date=date(2024, 3, 1), recorded_on=date(2024, 3, 2), ref="VIR-1")
    second = payment(receivable, "700.00", value_date=date(2024, 3, 10), recorded_on=date(2024, 3, 11), ref="VIR-2")

    state, _ = project_all([issued, first, second])

    assert state is not None
    assert state.row.closed_at == second.timestamp
    assert state.row.closed_on == date(2024, 3, 10)
    assert state.row.settled_on == date(2024, 3, 10)
    assert first.timestamp < second.timestamp


def test_a_payment_recorded_later_with_an_earlier_value_date_moves_the_value_closing_back_not_the_recorded_one() -> (
    None
):
    # Given 600 paid on 15 March, then 600 recorded on 20 March with a value date of 5 March
    reductions = [
        reduction(2, 60000, date(2024, 3, 15), date(2024, 3, 15), ReductionKind.PAYMENT),
        reduction(3, 60000, date(2024, 3, 5), date(2024, 3, 20), ReductionKind.PAYMENT),
    ]

    closed = closing(row(), reductions)

    assert closed.closed_on == date(2024, 3, 15)  # by value date, 1,200 are covered on 15 March
    assert closed.closed_at == reductions[1].recorded_at  # the ledger knew it on 20 March
    assert closed.reduced == 120000


def test_an_overpayment_closes_the_receivable_at_the_payment_that_covers_it() -> None:
    reductions = [reduction(2, 150000, date(2024, 3, 5), date(2024, 3, 6), ReductionKind.PAYMENT)]

    closed = closing(row(), reductions)

    assert (closed.reduced, closed.closed_on, closed.settled_on) == (150000, date(2024, 3, 5), date(2024, 3, 5))


def test_a_write_off_closes_the_receivable_but_does_not_settle_it() -> None:
    receivable, issued = issued_event()
    paid = payment(receivable, "200.00", value_date=date(2024, 3, 1), recorded_on=date(2024, 3, 1), ref="VIR-1")
    receivable.write_off(reason="Mr Martin moved abroad", now=at(date(2024, 6, 1)), actor=ACTOR)
    (written_off,) = receivable.collect_events()

    state, changes = project_all([issued, paid, written_off])

    assert state is not None
    assert the_reduction(changes[-1]).kind is ReductionKind.WRITE_OFF
    assert the_reduction(changes[-1]).amount == 100000
    assert state.row.closed_on == date(2024, 6, 1)
    assert state.row.settled_on is None


def test_a_credit_note_of_a_resolved_dispute_reduces_the_balance_on_the_resolution_date() -> None:
    receivable, issued = issued_event()
    receivable.open_dispute_for(
        disputed=eur("300.00"), reason=DisputeReason.PRICE, description="Mme Martin disputes the price",
        opened_on=date(2024, 2, 20), now=at(date(2024, 2, 20)), actor=ACTOR,
    )  # fmt: skip
    (opened,) = receivable.collect_events()
    receivable.resolve_dispute(
        dispute_number=1, outcome=DisputeOutcome.UPHELD, resolved_on=date(2024, 3, 4),
        credit_note_number="AV-7", credit_note_amount=eur("300.00"), now=at(date(2024, 3, 5)), actor=ACTOR,
    )  # fmt: skip
    (resolved,) = receivable.collect_events()

    state, changes = project_all([issued, opened, resolved])

    assert changes[1].is_empty
    assert the_reduction(changes[2]).kind is ReductionKind.CREDIT_NOTE
    assert (the_reduction(changes[2]).amount, the_reduction(changes[2]).value_date) == (30000, date(2024, 3, 4))
    assert state is not None and state.row.reduced == 30000


def test_reminders_and_formal_notices_are_dunning_steps_and_notes_change_nothing() -> None:
    receivable, issued = issued_event()
    receivable.send_reminder(
        stage=ReminderStage.FIRST, channel=ReminderChannel.EMAIL, sent_on=date(2024, 2, 20),
        now=at(date(2024, 2, 20)), actor=ACTOR,
    )  # fmt: skip
    (reminder,) = receivable.collect_events()
    receivable.add_note(note="called Mme Martin at home", now=at(date(2024, 2, 21)), actor=ACTOR)
    (note,) = receivable.collect_events()
    with_formal_notice(receivable, sent_on=date(2024, 3, 20))
    notice = receivable._last_event
    assert notice is not None

    _, changes = project_all([issued, reminder, note, notice])

    assert the_step(changes[1]).stage == "first" and the_step(changes[1]).channel == "email"
    assert the_step(changes[1]).sent_on == date(2024, 2, 20)
    assert changes[2].is_empty
    assert (the_step(changes[3]).stage, the_step(changes[3]).channel) == ("formal_notice", "registered_letter")


def test_a_reduction_without_the_receivable_is_refused() -> None:
    receivable = issued_receivable()
    paid = payment(receivable, "10.00", value_date=date(2024, 3, 1), recorded_on=date(2024, 3, 1), ref="VIR-9")

    with pytest.raises(ValueError, match="before its InvoiceIssued"):
        project_receivable(None, paid)


# ----------------------------------------------------------------- debtors


def test_a_debtor_row_holds_its_kind_and_credit_limit_and_notes_its_erasure() -> None:
    debtor = registered_debtor(DebtorKind.CONSUMER)
    registered = Debtor.register(
        debtor_id=DEBTOR_ID, legal_name="Jeanne Martin", kind=DebtorKind.CONSUMER, address=address(),
        now=at(ISSUE_DAY), actor=ACTOR,
    ).collect_events()[0]  # fmt: skip
    debtor.set_credit_limit(limit=eur("500.00"), now=at(ISSUE_DAY), actor=ACTOR)
    (limit,) = debtor.collect_events()
    debtor.erase(reason="GDPR request", now=at(ISSUE_DAY), actor=ACTOR)
    (erased,) = debtor.collect_events()

    row_after = project_debtor(None, registered)
    row_after = project_debtor(row_after, limit)
    assert row_after == DebtorRow(DEBTOR_ID, "consumer", 50000, "EUR", False)
    assert project_debtor(row_after, erased) == DebtorRow(DEBTOR_ID, "consumer", 50000, "EUR", True)


# ------------------------------------------------------------------- audit

PERSONAL = ["Jeanne", "Martin", "Lilas", "abroad", "jeanne@example.fr", "+33612345678", "rue de la Paix", "at home"]


def assert_impersonal(text: str) -> None:
    for word in PERSONAL:
        assert word.lower() not in text.lower(), (word, text)


def test_the_audit_summary_of_a_debtor_event_names_its_type_only() -> None:
    debtor = registered_debtor(DebtorKind.CONSUMER, legal_name="Jeanne Martin")
    debtor.add_contact(
        contact_id=UUID(int=7), role=ContactRole.ACCOUNTS_PAYABLE, name="Jeanne Martin", email="jeanne@example.fr",
        phone="+33612345678", now=at(ISSUE_DAY), actor=ACTOR,
    )  # fmt: skip
    (contact,) = debtor.collect_events()
    assert isinstance(contact, ContactAdded)

    assert summary(contact) == "contact added"
    registered = Debtor.register(
        debtor_id=DEBTOR_ID, legal_name="Jeanne Martin", kind=DebtorKind.CONSUMER, address=address(),
        now=at(ISSUE_DAY), actor=ACTOR,
    ).collect_events()[0]  # fmt: skip
    assert summary(registered) == "debtor registered"


def test_the_audit_summaries_of_receivable_events_leave_out_every_free_text() -> None:
    receivable, issued = issued_event()
    day = date(2024, 2, 20)
    now = at(day)
    receivable.note_call(
        called_on=day, purpose=CallPurpose.FOLLOW_UP, outcome=CallOutcome.REACHED,
        notes="Jeanne Martin says she is abroad", now=now, actor=ACTOR,
    )  # fmt: skip
    receivable.open_dispute_for(
        disputed=eur("100.00"), reason=DisputeReason.OTHER, description="Martin family dispute",
        opened_on=day, now=now, actor=ACTOR,
    )  # fmt: skip
    receivable.add_note(note="Jeanne Martin called from rue de la Paix", now=now, actor=ACTOR)
    receivable.pause_dunning(reason="Martin in hospital abroad", now=now, actor=ACTOR)
    receivable.resume_dunning(reason="Martin back", now=at(day + timedelta(days=1)), actor=ACTOR)
    receivable.escalate(
        route=EscalationRoute.PAYMENT_ORDER, escalated_on=day, reference="Martin c/ Vasseur", now=now, actor=ACTOR
    )
    events: list[LedgerEvent] = [issued, *receivable.collect_events()]
    events.append(payment(receivable, "50.00", value_date=day, recorded_on=day, ref="VIREMENT JEANNE MARTIN"))
    receivable.write_off(reason="Jeanne Martin abroad", now=now, actor=ACTOR)
    events.extend(receivable.collect_events())

    summaries = [summary(event) for event in events]

    for text in summaries:
        assert_impersonal(text)
    assert summaries[0] == "invoice F-2024-0042 issued on 2024-01-15, due 2024-02-14: 1200.00 EUR incl. VAT"
    assert "call on 2024-02-20: follow_up, reached" in summaries
    assert "payment of 50.00 by transfer, value date 2024-02-20" in summaries
    assert "written off on 2024-02-20: 1150.00" in summaries
    assert len(summaries) == 9  # issued, call, dispute, note, pause, resume, escalation, payment, write-off


def test_an_audit_row_carries_the_event_envelope_and_the_debtor_it_concerns() -> None:
    _, issued = issued_event()

    line = audit_row(17, issued, DEBTOR_ID)

    assert (line.notification_id, line.actor, line.aggregate_type, line.event_type) == (
        17, ACTOR, "Receivable", "InvoiceIssued"
    )  # fmt: skip
    assert (line.aggregate_id, line.version, line.recorded_at, line.debtor_id) == (
        issued.originator_id, 1, issued.timestamp, DEBTOR_ID
    )  # fmt: skip


def test_money_in_events_becomes_exact_cents_and_back() -> None:
    assert cents(Decimal("1234.56")) == 123456
    assert cents(Decimal("0.10")) == 10
    assert money(123456) == Decimal("1234.56")


def test_an_audit_row_lists_its_fields_in_the_order_of_the_audit_table() -> None:
    from infrastructure.projector import AUDIT

    assert AuditRow._fields == AUDIT.names


def test_a_receivable_row_lists_its_fields_in_the_order_of_the_receivables_table() -> None:
    from infrastructure.projector import RECEIVABLES

    assert [name.removesuffix("_cents") for name in RECEIVABLES.names] == list(ReceivableRow._fields)
