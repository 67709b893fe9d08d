"""Every invariant of product.md and every rule of the Receivable's commands.

A refused command raises the right error class with its ``rule`` code and records
nothing: no pending event, version and head unchanged (see ``builders.refused``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from domain.errors import DomainError, InvalidInput, RuleViolation
from domain.receivable import Receivable
from domain.receivable_events import ClaimBreakdown
from domain.values import Money, Now
from domain.vocabulary import (
    AcknowledgementOutcome,
    CallOutcome,
    CallPurpose,
    DebtorKind,
    DisputeOutcome,
    DisputeReason,
    DocumentKind,
    EscalationRoute,
    NoticeChannel,
    PaymentMethod,
    ReminderChannel,
    ReminderStage,
)
from tests.unit.builders import (
    ACTOR,
    DOCUMENT,
    DUE_DAY,
    ISSUE_DAY,
    TODAY,
    at,
    claim,
    eur,
    issued_receivable,
    pay,
    refused,
    with_formal_notice,
)

NOW = at(TODAY)
TOMORROW = TODAY + timedelta(days=1)
BEFORE_ISSUE = ISSUE_DAY - timedelta(days=1)

Act = Callable[[Receivable], object]


@contextmanager
def issue_refused(error: type[DomainError], rule: str) -> Iterator[None]:
    with pytest.raises(error) as caught:
        yield
    assert type(caught.value) is error, f"{type(caught.value).__name__}: {caught.value.message}"
    assert caught.value.rule == rule, caught.value.message


# ------------------------------------------------------------ small steps


def remind(stage: ReminderStage, on: date = TODAY) -> Act:
    return lambda r: r.send_reminder(stage=stage, channel=ReminderChannel.EMAIL, sent_on=on, now=NOW, actor=ACTOR)


def call(on: date = TODAY) -> Act:
    return lambda r: r.note_call(
        called_on=on, purpose=CallPurpose.FOLLOW_UP, outcome=CallOutcome.NO_ANSWER, now=NOW, actor=ACTOR
    )


def payment(value: str = "100.00", on: date = TODAY, reference: str = "VIR-NEW", currency: str = "EUR") -> Act:
    return lambda r: r.receive_payment(
        paid=Money(Decimal(value), currency),
        value_date=on,
        method=PaymentMethod.TRANSFER,
        bank_reference=reference,
        now=NOW,
        actor=ACTOR,
    )


def credit_note(value: str = "100.00", on: date = TODAY, number: str = "AV-NEW") -> Act:
    return lambda r: r.apply_credit_note(
        credit_note_number=number, credited=eur(value), issued_on=on, now=NOW, actor=ACTOR
    )


def promise(value: str = "100.00", on: date = date(2024, 4, 15), now: Now = NOW) -> Act:
    return lambda r: r.record_promise(amount_promised=eur(value), promised_date=on, now=now, actor=ACTOR)


def break_promise(on: date) -> Act:
    return lambda r: r.break_promise(noted_on=on, now=at(on) if on > TODAY else NOW, actor=ACTOR)


def open_dispute(on: date = TODAY, value: str | None = None) -> Act:
    return lambda r: r.open_dispute_for(
        reason=DisputeReason.PRICE, opened_on=on, disputed=None if value is None else eur(value), now=NOW, actor=ACTOR
    )


def resolve(number: int = 1, on: date = TODAY, **credit: Any) -> Act:
    return lambda r: r.resolve_dispute(
        dispute_number=number, outcome=DisputeOutcome.UPHELD, resolved_on=on, now=NOW, actor=ACTOR, **credit
    )


def notice(on: date = date(2024, 3, 20), deadline: date | None = None, claimed: ClaimBreakdown | None = None) -> Act:
    return lambda r: r.send_formal_notice(
        channel=NoticeChannel.REGISTERED_LETTER,
        sent_on=on,
        deadline=deadline or on + timedelta(days=8),
        claimed=claimed or claim(),
        document_sha256=DOCUMENT,
        now=NOW,
        actor=ACTOR,
    )


def acknowledge(number: int = 1, on: date = date(2024, 3, 22)) -> Act:
    return lambda r: r.acknowledge_formal_notice(
        notice_number=number, outcome=AcknowledgementOutcome.DELIVERED, acknowledged_on=on, now=NOW, actor=ACTOR
    )


def plan(*instalments: tuple[date, str]) -> Act:
    schedule = [(day, eur(value)) for day, value in instalments]
    return lambda r: r.agree_payment_plan(instalments=schedule, now=NOW, actor=ACTOR)


TWO_INSTALMENTS = plan((date(2024, 4, 30), "600.00"), (date(2024, 5, 31), "600.00"))


def miss(number: int = 1, on: date = date(2024, 5, 1)) -> Act:
    return lambda r: r.miss_instalment(instalment_number=number, noted_on=on, now=at(max(on, TODAY)), actor=ACTOR)


def late_charges(interest: str = "20.00", indemnity: str = "40.00", on: date = TODAY) -> Act:
    return lambda r: r.invoice_late_charges(
        interest=eur(interest),
        indemnity=eur(indemnity),
        charges_invoice_number="PEN-1",
        invoiced_on=on,
        now=NOW,
        actor=ACTOR,
    )


def escalate(route: EscalationRoute = EscalationRoute.PAYMENT_ORDER, on: date = TODAY) -> Act:
    return lambda r: r.escalate(route=route, escalated_on=on, now=NOW, actor=ACTOR)


def pause(until: date | None = None) -> Act:
    return lambda r: r.pause_dunning(reason="holidays", until=until, now=NOW, actor=ACTOR)


def resume() -> Act:
    return lambda r: r.resume_dunning(reason="back", now=NOW, actor=ACTOR)


def start_mediation(on: date = date(2024, 3, 1)) -> Act:
    return lambda r: r.start_mediation(started_on=on, now=NOW, actor=ACTOR)


def end_mediation(on: date = TODAY) -> Act:
    return lambda r: r.end_mediation(ended_on=on, now=NOW, actor=ACTOR)


def write_off() -> Act:
    return lambda r: r.write_off(reason="debtor unreachable", now=NOW, actor=ACTOR)


def given(*steps: Act, **overrides: Any) -> Receivable:
    receivable = issued_receivable(**overrides)
    for step in steps:
        step(receivable)
    receivable.collect_events()
    return receivable


# ------------------------------------------------------------------- issue


@pytest.mark.parametrize(
    ("overrides", "rule"),
    [
        ({"amount_excl_vat": eur("-1000.00"), "amount_incl_vat": eur("-800.00")}, "amount_positive"),
        ({"amount_excl_vat": eur("0"), "vat": eur("0"), "amount_incl_vat": eur("0")}, "amount_positive"),
        ({"vat": eur("-200.00"), "amount_incl_vat": eur("800.00")}, "amount_positive"),
        ({"amount_excl_vat": Money(Decimal("10.005")), "amount_incl_vat": eur("210.005")}, "amount_precision"),
        ({"amount_excl_vat": Money(1000.0)}, "amount_format"),  # type: ignore[arg-type]
        ({"amount_incl_vat": eur("1200.01")}, "amounts_add_up"),
        ({"vat": eur("199.99")}, "amounts_add_up"),
        ({"vat": Money(Decimal("200.00"), "USD")}, "currency_mismatch"),
        ({"amount_incl_vat": Money(Decimal("1200.00"), "USD")}, "currency_mismatch"),
        (
            {
                "amount_excl_vat": Money(Decimal("1000.00"), "eur"),
                "vat": Money(Decimal("200.00"), "eur"),
                "amount_incl_vat": Money(Decimal("1200.00"), "eur"),
            },
            "currency_format",
        ),
        ({"due_date": ISSUE_DAY - timedelta(days=1)}, "due_after_issue"),
        ({"contractual_penalty_rate": Decimal("0")}, "rate_range"),
        ({"contractual_penalty_rate": Decimal("100.01")}, "rate_range"),
        ({"contractual_penalty_rate": Decimal("NaN")}, "rate_range"),
        ({"contractual_penalty_rate": 12.15}, "rate_format"),
        ({"invoice_number": "  "}, "text_required"),
        ({"invoice_number": "F" * 65}, "text_length"),
        ({"label": ""}, "text_required"),
        ({"actor": "alice\nbob"}, "text_format"),
        ({"actor": " "}, "text_required"),
    ],
)
def test_a_malformed_invoice_is_refused_as_invalid_input(overrides: dict[str, Any], rule: str) -> None:
    with issue_refused(InvalidInput, rule):
        issued_receivable(**overrides)


@pytest.mark.parametrize(
    "overrides",
    [
        {"issue_date": TODAY + timedelta(days=1), "due_date": TODAY + timedelta(days=31), "now": at(TODAY)},
        {"delivery_date": ISSUE_DAY + timedelta(days=1), "now": at(ISSUE_DAY)},
    ],
    ids=["issue_date", "delivery_date"],
)
def test_an_invoice_dated_in_the_future_is_refused(overrides: dict[str, Any]) -> None:
    with issue_refused(RuleViolation, "date_not_in_future"):
        issued_receivable(**overrides)


def test_an_invoice_may_be_due_on_its_issue_date() -> None:
    assert issued_receivable(due_date=ISSUE_DAY).due_date == ISSUE_DAY


# ----------------------------------------------------------- money inputs


@pytest.mark.parametrize(
    ("act", "error", "rule"),
    [
        (payment("-10.00"), InvalidInput, "amount_positive"),
        (payment("0"), InvalidInput, "amount_positive"),
        (payment("10.005"), InvalidInput, "amount_precision"),
        (payment("10.00", currency="USD"), InvalidInput, "currency_mismatch"),
        (credit_note("0.00"), InvalidInput, "amount_positive"),
        (credit_note("10.001"), InvalidInput, "amount_precision"),
        (promise("-5.00"), InvalidInput, "amount_positive"),
        (open_dispute(value="0"), InvalidInput, "amount_positive"),
        (late_charges("0", "0"), InvalidInput, "charges_positive"),
        (late_charges("-1.00", "0"), InvalidInput, "amount_positive"),
        (late_charges("1.005", "0"), InvalidInput, "amount_precision"),
        (plan((date(2024, 4, 30), "1200.001")), InvalidInput, "amount_precision"),
        (notice(claimed=claim(principal="0")), InvalidInput, "amount_positive"),
        (notice(claimed=claim(interest="-1")), InvalidInput, "amount_positive"),
    ],
)
def test_a_malformed_amount_in_a_command_is_refused(act: Act, error: type[DomainError], rule: str) -> None:
    receivable = issued_receivable()

    with refused(receivable, error, rule):
        act(receivable)


def test_a_float_is_refused_wherever_money_is_given() -> None:
    receivable = issued_receivable()
    float_money = Money(100.0, "EUR")  # type: ignore[arg-type]

    with refused(receivable, InvalidInput, "amount_format"):
        receivable.receive_payment(
            paid=float_money,
            value_date=TODAY,
            method=PaymentMethod.CARD,
            bank_reference="CB-1",
            now=NOW,
            actor=ACTOR,
        )
    with refused(receivable, InvalidInput, "amount_format"):
        receivable.apply_credit_note(
            credit_note_number="AV-1", credited=float_money, issued_on=TODAY, now=NOW, actor=ACTOR
        )
    with refused(receivable, InvalidInput, "amount_format"):
        receivable.send_formal_notice(
            channel=NoticeChannel.BAILIFF,
            sent_on=TODAY,
            deadline=TOMORROW,
            claimed=ClaimBreakdown(principal=1200.0, interest=Decimal(0), indemnity=Decimal(0)),  # type: ignore[arg-type]
            document_sha256=DOCUMENT,
            now=NOW,
            actor=ACTOR,
        )


# ------------------------------------------------------------------ dates

DATED: dict[str, tuple[list[Act], Callable[[date], Act]]] = {
    "reminder": ([], lambda day: remind(ReminderStage.FIRST, day)),
    "call": ([], call),
    "payment": ([], lambda day: payment(on=day)),
    "credit_note": ([], lambda day: credit_note(on=day)),
    "dispute": ([], lambda day: open_dispute(on=day)),
    "dispute_resolution": ([open_dispute(on=ISSUE_DAY)], lambda day: resolve(on=day)),
    "formal_notice": ([], lambda day: notice(on=day)),
    "acknowledgement": ([notice()], lambda day: acknowledge(on=day)),
    "broken_promise": ([promise(on=date(2024, 4, 15))], break_promise),
    "missed_instalment": ([TWO_INSTALMENTS], lambda day: miss(on=day)),
    "late_charges": ([], lambda day: late_charges(on=day)),
    "escalation": ([], lambda day: escalate(on=day)),
    "mediation_start": ([], start_mediation),
    "mediation_end": ([start_mediation(ISSUE_DAY)], end_mediation),
}


@pytest.mark.parametrize("name", DATED)
def test_the_date_of_something_that_happened_is_not_before_the_issue_date(name: str) -> None:
    setup, act = DATED[name]
    receivable = given(*setup)

    with refused(receivable, RuleViolation, "date_not_before_issue"):
        act(BEFORE_ISSUE)(receivable)


@pytest.mark.parametrize("name", [n for n in DATED if n not in ("broken_promise", "missed_instalment")])
def test_the_date_of_something_that_happened_is_not_in_the_future(name: str) -> None:
    setup, act = DATED[name]
    receivable = given(*setup)

    with refused(receivable, RuleViolation, "date_not_in_future"):
        act(TOMORROW)(receivable)


def test_a_broken_promise_or_missed_instalment_is_not_noted_in_the_future() -> None:
    receivable = given(promise(on=date(2024, 4, 15)))
    with refused(receivable, RuleViolation, "date_not_in_future"):
        receivable.break_promise(noted_on=date(2024, 4, 16), now=at(date(2024, 4, 15)), actor=ACTOR)

    receivable = given(TWO_INSTALMENTS)
    with refused(receivable, RuleViolation, "date_not_in_future"):
        receivable.miss_instalment(
            instalment_number=1, noted_on=date(2024, 5, 1), now=at(date(2024, 4, 30)), actor=ACTOR
        )


def test_the_future_is_judged_by_the_firms_calendar_day_not_the_utc_instant() -> None:
    receivable = issued_receivable()
    late_evening_in_paris = Now(instant=datetime(2024, 4, 2, 22, 30, tzinfo=UTC), today=date(2024, 4, 3))

    payment_made, recorded = receivable.receive_payment(
        paid=eur("100.00"),
        value_date=date(2024, 4, 3),
        method=PaymentMethod.CARD,
        bank_reference="CB-1",
        now=late_evening_in_paris,
        actor=ACTOR,
    )

    assert recorded and payment_made.value_date == date(2024, 4, 3)


def test_something_that_happened_today_or_on_the_issue_date_is_accepted() -> None:
    receivable = issued_receivable()

    call(ISSUE_DAY)(receivable)
    call(TODAY)(receivable)

    assert receivable.version == 3


@pytest.mark.parametrize("promised_date", [TODAY, TODAY - timedelta(days=1)], ids=["today", "yesterday"])
def test_a_promise_to_pay_is_for_a_future_date(promised_date: date) -> None:
    receivable = issued_receivable()

    with refused(receivable, RuleViolation, "date_in_future"):
        promise(on=promised_date)(receivable)


def test_a_formal_notice_deadline_comes_after_its_sending() -> None:
    receivable = issued_receivable()

    with refused(receivable, RuleViolation, "deadline_after_sending"):
        notice(on=date(2024, 3, 20), deadline=date(2024, 3, 20))(receivable)
    with refused(receivable, RuleViolation, "deadline_after_sending"):
        notice(on=date(2024, 3, 20), deadline=date(2024, 3, 19))(receivable)


def test_a_formal_notice_deadline_may_lie_beyond_today() -> None:
    receivable = issued_receivable()

    event = notice(on=TODAY, deadline=TODAY + timedelta(days=8))(receivable)

    assert receivable.version == 2 and event is not None


@pytest.mark.parametrize(
    "instalments",
    [[(TODAY, "1200.00")], [(TODAY - timedelta(days=1), "600.00"), (date(2024, 5, 31), "600.00")]],
    ids=["today", "yesterday"],
)
def test_the_first_instalment_is_in_the_future(instalments: list[tuple[date, str]]) -> None:
    receivable = issued_receivable()

    with refused(receivable, RuleViolation, "date_in_future"):
        plan(*instalments)(receivable)


@pytest.mark.parametrize("until", [TODAY, TODAY - timedelta(days=1)])
def test_a_pause_ends_in_the_future(until: date) -> None:
    receivable = issued_receivable()

    with refused(receivable, RuleViolation, "date_in_future"):
        pause(until)(receivable)


@pytest.mark.parametrize(
    ("setup", "act"),
    [
        ([open_dispute(on=date(2024, 3, 1))], resolve(on=date(2024, 2, 28))),
        ([notice(on=date(2024, 3, 20))], acknowledge(on=date(2024, 3, 19))),
        ([start_mediation(date(2024, 3, 1))], end_mediation(date(2024, 2, 28))),
    ],
    ids=["resolution", "acknowledgement", "mediation_end"],
)
def test_what_closes_a_step_does_not_predate_it(setup: list[Act], act: Act) -> None:
    receivable = given(*setup)

    with refused(receivable, RuleViolation, "date_order"):
        act(receivable)


# ------------------------------------------------------- closed receivable

CLOSED_ONLY_REFUSES: dict[str, Act] = {
    "first_reminder": remind(ReminderStage.FIRST),
    "second_reminder": remind(ReminderStage.SECOND),
    "call": call(),
    "payment": payment(reference="VIR-AFTER"),
    "credit_note": credit_note("1.00"),
    "promise": promise("1.00"),
    "broken_promise": break_promise(TODAY),
    "dispute": open_dispute(),
    "dispute_resolution": resolve(),
    "formal_notice": notice(claimed=claim(principal="1.00")),
    "acknowledgement": acknowledge(),
    "payment_plan": plan((date(2024, 4, 30), "1.00")),
    "missed_instalment": miss(),
    "escalation": escalate(EscalationRoute.SMALL_CLAIMS),
    "write_off": write_off(),
    "pause": pause(),
    "resume": resume(),
    "mediation_start": start_mediation(),
    "mediation_end": end_mediation(),
}


def busy_receivable() -> Receivable:
    """A file with something open of every kind, so that each refusal is due to the closing alone."""
    return given(
        remind(ReminderStage.FIRST, date(2024, 2, 20)),
        promise("100.00"),
        TWO_INSTALMENTS,
        open_dispute(on=date(2024, 3, 1), value="100.00"),
        notice(),
        start_mediation(),
        pause(),
        escalate(EscalationRoute.PAYMENT_ORDER),
    )


@pytest.mark.parametrize("name", CLOSED_ONLY_REFUSES)
def test_a_settled_receivable_refuses_everything_but_notes_documents_and_late_charges(name: str) -> None:
    receivable = busy_receivable()
    pay(receivable, "1200.00", reference="VIR-FULL")
    assert receivable.is_settled

    with refused(receivable, RuleViolation, "receivable_open"):
        CLOSED_ONLY_REFUSES[name](receivable)


@pytest.mark.parametrize("name", CLOSED_ONLY_REFUSES)
def test_a_written_off_receivable_refuses_everything_but_notes_documents_and_late_charges(name: str) -> None:
    receivable = busy_receivable()
    write_off()(receivable)
    receivable.collect_events()

    with refused(receivable, RuleViolation, "receivable_open"):
        CLOSED_ONLY_REFUSES[name](receivable)


# --------------------------------------------------------------- payments


@pytest.mark.parametrize(
    ("value", "value_date"),
    [("450.51", date(2024, 3, 1)), ("450.50", date(2024, 3, 2))],
    ids=["other_amount", "other_value_date"],
)
def test_a_known_bank_reference_for_another_payment_is_refused(value: str, value_date: date) -> None:
    receivable = issued_receivable()
    pay(receivable, "450.50", on=date(2024, 3, 1), reference="VIR-1")

    with refused(receivable, RuleViolation, "payment_reference_unique"):
        payment(value, on=value_date, reference="VIR-1")(receivable)


def test_a_payment_needs_a_bank_reference() -> None:
    receivable = issued_receivable()

    with refused(receivable, InvalidInput, "text_required"):
        payment(reference=" ")(receivable)


# ----------------------------------------------------------- credit notes


def test_a_credit_note_above_the_outstanding_amount_is_refused() -> None:
    receivable = issued_receivable()
    pay(receivable, "1000.00")

    with refused(receivable, RuleViolation, "credit_within_outstanding"):
        credit_note("200.01")(receivable)


def test_a_credit_note_number_is_applied_once() -> None:
    receivable = given(credit_note("100.00", number="AV-1"))

    with refused(receivable, RuleViolation, "credit_note_unique"):
        credit_note("50.00", number="AV-1")(receivable)


def test_a_credit_note_number_used_on_a_dispute_resolution_is_unique_too() -> None:
    receivable = given(credit_note("100.00", number="AV-1"), open_dispute())

    with refused(receivable, RuleViolation, "credit_note_unique"):
        resolve(credit_note_number="AV-1", credit_note_amount=eur("50.00"))(receivable)


def test_a_credit_note_on_resolution_above_the_outstanding_amount_is_refused() -> None:
    receivable = given(payment("1100.00"), open_dispute(value="200.00"))

    with refused(receivable, RuleViolation, "credit_within_outstanding"):
        resolve(credit_note_number="AV-1", credit_note_amount=eur("100.01"))(receivable)


@pytest.mark.parametrize(
    "credit", [{"credit_note_number": "AV-1"}, {"credit_note_amount": eur("10.00")}], ids=["number_only", "amount_only"]
)
def test_a_credit_note_on_resolution_needs_both_number_and_amount(credit: dict[str, Any]) -> None:
    receivable = given(open_dispute())

    with refused(receivable, InvalidInput, "credit_note_complete"):
        resolve(**credit)(receivable)


# -------------------------------------------------------------- reminders


def test_a_second_reminder_before_any_first_is_refused() -> None:
    receivable = issued_receivable()

    with refused(receivable, RuleViolation, "second_after_first"):
        remind(ReminderStage.SECOND)(receivable)


def test_a_courtesy_reminder_does_not_count_as_a_first() -> None:
    receivable = given(remind(ReminderStage.COURTESY, DUE_DAY))

    with refused(receivable, RuleViolation, "second_after_first"):
        remind(ReminderStage.SECOND)(receivable)


def test_a_courtesy_reminder_after_the_due_date_is_refused() -> None:
    receivable = issued_receivable()

    with refused(receivable, RuleViolation, "courtesy_before_due"):
        remind(ReminderStage.COURTESY, DUE_DAY + timedelta(days=1))(receivable)


@pytest.mark.parametrize("stage", [ReminderStage.FIRST, ReminderStage.SECOND])
def test_a_first_or_second_reminder_on_or_before_the_due_date_is_refused(stage: ReminderStage) -> None:
    receivable = issued_receivable()

    with refused(receivable, RuleViolation, "reminder_after_due"):
        remind(stage, DUE_DAY)(receivable)


def test_a_reminder_with_a_bad_document_hash_or_policy_version_is_refused() -> None:
    receivable = issued_receivable()

    with refused(receivable, InvalidInput, "sha256_format"):
        receivable.send_reminder(
            stage=ReminderStage.FIRST,
            channel=ReminderChannel.SMS,
            sent_on=TODAY,
            document_sha256="not-a-hash",
            now=NOW,
            actor=ACTOR,
        )
    with refused(receivable, InvalidInput, "policy_version"):
        receivable.send_reminder(
            stage=ReminderStage.FIRST,
            channel=ReminderChannel.SMS,
            sent_on=TODAY,
            policy_version=0,
            now=NOW,
            actor=ACTOR,
        )


# --------------------------------------------------------- formal notices


def test_a_formal_notice_before_the_due_date_is_refused() -> None:
    receivable = issued_receivable()

    with refused(receivable, RuleViolation, "notice_after_due"):
        notice(on=DUE_DAY)(receivable)


def test_a_formal_notice_claims_no_more_principal_than_is_outstanding() -> None:
    receivable = given(payment("200.00"))

    with refused(receivable, RuleViolation, "claim_within_outstanding"):
        notice(claimed=claim(principal="1000.01"))(receivable)


def test_a_formal_notice_needs_its_document_hash() -> None:
    receivable = issued_receivable()

    with refused(receivable, InvalidInput, "sha256_format"):
        receivable.send_formal_notice(
            channel=NoticeChannel.REGISTERED_LETTER,
            sent_on=TODAY,
            deadline=TOMORROW,
            claimed=claim(),
            document_sha256="",
            now=NOW,
            actor=ACTOR,
        )


def test_an_acknowledgement_without_a_formal_notice_is_refused() -> None:
    receivable = issued_receivable()

    with refused(receivable, RuleViolation, "acknowledgement_needs_notice"):
        acknowledge(1)(receivable)


def test_an_acknowledgement_for_a_notice_that_was_not_sent_is_refused() -> None:
    receivable = with_formal_notice(issued_receivable())

    with refused(receivable, RuleViolation, "acknowledgement_needs_notice"):
        acknowledge(2)(receivable)


def test_a_formal_notice_is_acknowledged_once() -> None:
    receivable = given(notice(), acknowledge(1))

    with refused(receivable, RuleViolation, "acknowledged_once"):
        acknowledge(1, on=date(2024, 3, 23))(receivable)


# --------------------------------------------------------- consumer debtor


def test_no_recovery_indemnity_is_claimed_from_a_consumer_in_a_formal_notice() -> None:
    receivable = issued_receivable(debtor_kind=DebtorKind.CONSUMER)

    with refused(receivable, RuleViolation, "no_indemnity_for_consumers"):
        notice(claimed=claim(indemnity="40.00"))(receivable)


def test_no_recovery_indemnity_is_invoiced_to_a_consumer() -> None:
    receivable = issued_receivable(debtor_kind=DebtorKind.CONSUMER)

    with refused(receivable, RuleViolation, "no_indemnity_for_consumers"):
        late_charges("10.00", "40.00")(receivable)


# ------------------------------------------------------------ late charges


@pytest.mark.parametrize("day", [DUE_DAY, DUE_DAY - timedelta(days=1)])
def test_late_charges_are_invoiced_after_the_due_date(day: date) -> None:
    receivable = issued_receivable()

    with refused(receivable, RuleViolation, "charges_after_due"):
        late_charges(on=day)(receivable)


def test_a_waiver_of_nothing_is_refused() -> None:
    receivable = issued_receivable()

    with refused(receivable, InvalidInput, "charges_positive"):
        receivable.waive_late_charges(interest=eur("0"), indemnity=eur("0"), reason="none", now=NOW, actor=ACTOR)


# ----------------------------------------------------------------- promises


def test_a_promise_above_the_outstanding_amount_is_refused() -> None:
    receivable = given(payment("1000.00"))

    with refused(receivable, RuleViolation, "promise_within_outstanding"):
        promise("200.01")(receivable)


def test_a_promise_is_broken_only_after_its_date() -> None:
    receivable = given(promise(on=date(2024, 4, 15)))

    with refused(receivable, RuleViolation, "promise_date_passed"):
        break_promise(date(2024, 4, 15))(receivable)


def test_there_is_no_broken_promise_without_an_open_promise() -> None:
    receivable = issued_receivable()

    with refused(receivable, RuleViolation, "promise_open"):
        break_promise(TODAY)(receivable)


def test_a_kept_promise_cannot_be_broken() -> None:
    receivable = given(promise("100.00", on=date(2024, 4, 15)), payment("100.00"))

    with refused(receivable, RuleViolation, "promise_open"):
        break_promise(date(2024, 4, 16))(receivable)


def test_a_promise_is_broken_once() -> None:
    receivable = given(promise(on=date(2024, 4, 15)), break_promise(date(2024, 4, 16)))

    with refused(receivable, RuleViolation, "promise_open"):
        break_promise(date(2024, 4, 17))(receivable)


# ----------------------------------------------------------- payment plans


def test_a_payment_plan_covering_less_than_the_outstanding_amount_is_refused() -> None:
    receivable = issued_receivable()

    with refused(receivable, RuleViolation, "plan_covers_outstanding"):
        plan((date(2024, 4, 30), "600.00"), (date(2024, 5, 31), "599.99"))(receivable)


@pytest.mark.parametrize("second_day", [date(2024, 4, 30), date(2024, 4, 29)], ids=["same_day", "earlier"])
def test_instalment_dates_must_increase(second_day: date) -> None:
    receivable = issued_receivable()

    with refused(receivable, InvalidInput, "instalments_order"):
        plan((date(2024, 4, 30), "600.00"), (second_day, "600.00"))(receivable)


def test_a_payment_plan_has_one_to_a_hundred_and_twenty_instalments() -> None:
    receivable = issued_receivable()
    monthly = [(date(2024 + (4 + m) // 12, (4 + m) % 12 + 1, 1), "10.00") for m in range(121)]

    with refused(receivable, InvalidInput, "instalments_count"):
        plan()(receivable)
    with refused(receivable, InvalidInput, "instalments_count"):
        plan(*monthly)(receivable)


def test_a_second_plan_is_refused_while_the_first_is_in_good_standing() -> None:
    receivable = given(TWO_INSTALMENTS)

    with refused(receivable, RuleViolation, "one_active_plan"):
        plan((date(2024, 6, 30), "1200.00"))(receivable)


def test_an_instalment_is_missed_only_after_its_date() -> None:
    receivable = given(TWO_INSTALMENTS)

    with refused(receivable, RuleViolation, "instalment_date_passed"):
        miss(1, on=date(2024, 4, 30))(receivable)


def test_a_paid_instalment_is_not_missed() -> None:
    receivable = given(TWO_INSTALMENTS, payment("600.00", reference="ECH-1"))

    with refused(receivable, RuleViolation, "instalment_unpaid"):
        miss(1, on=date(2024, 5, 1))(receivable)


def test_the_second_instalment_is_missed_when_payments_cover_only_the_first() -> None:
    receivable = given(TWO_INSTALMENTS, payment("600.00", reference="ECH-1"))

    event = miss(2, on=date(2024, 6, 1))(receivable)

    assert event is not None and receivable.plans[0].missed == [2]


def test_an_instalment_is_missed_only_in_a_plan_in_good_standing() -> None:
    receivable = issued_receivable()
    with refused(receivable, RuleViolation, "plan_active"):
        miss(1)(receivable)

    defaulted = given(TWO_INSTALMENTS, miss(1))
    with refused(defaulted, RuleViolation, "plan_active"):
        miss(2, on=date(2024, 6, 1))(defaulted)


@pytest.mark.parametrize("number", [0, 3])
def test_a_missed_instalment_must_exist(number: int) -> None:
    receivable = given(TWO_INSTALMENTS)

    with refused(receivable, InvalidInput, "instalment_exists"):
        miss(number)(receivable)


# ---------------------------------------------------------------- disputes


def test_only_one_dispute_is_open_at_a_time() -> None:
    receivable = given(open_dispute())

    with refused(receivable, RuleViolation, "one_open_dispute"):
        open_dispute()(receivable)


def test_a_dispute_covers_at_most_the_invoice() -> None:
    receivable = issued_receivable()

    with refused(receivable, RuleViolation, "dispute_within_invoice"):
        open_dispute(value="1200.01")(receivable)


def test_an_unknown_dispute_cannot_be_resolved() -> None:
    receivable = given(open_dispute())

    with refused(receivable, RuleViolation, "dispute_exists"):
        resolve(2)(receivable)


def test_a_dispute_is_resolved_once() -> None:
    receivable = given(open_dispute(), resolve(1))

    with refused(receivable, RuleViolation, "dispute_open"):
        resolve(1)(receivable)


# ------------------------------------------------ escalation and write-off


def test_a_file_is_escalated_once_per_route() -> None:
    receivable = given(escalate(EscalationRoute.PAYMENT_ORDER))

    with refused(receivable, RuleViolation, "escalated_once_per_route"):
        escalate(EscalationRoute.PAYMENT_ORDER)(receivable)


def test_escalation_comes_after_the_due_date() -> None:
    receivable = issued_receivable()

    with refused(receivable, RuleViolation, "escalation_after_due"):
        escalate(on=DUE_DAY)(receivable)


def test_a_write_off_needs_a_reason() -> None:
    receivable = issued_receivable()

    with refused(receivable, InvalidInput, "text_required"):
        receivable.write_off(reason="", now=NOW, actor=ACTOR)


# ------------------------------------------------------ pause and mediation


def test_dunning_is_paused_once_until_resumed() -> None:
    receivable = given(pause())

    with refused(receivable, RuleViolation, "not_paused"):
        pause()(receivable)


def test_dunning_that_is_not_paused_cannot_be_resumed() -> None:
    receivable = given(pause(), resume())

    with refused(receivable, RuleViolation, "paused"):
        resume()(receivable)


def test_one_mediation_at_a_time() -> None:
    receivable = given(start_mediation())

    with refused(receivable, RuleViolation, "one_mediation"):
        start_mediation(TODAY)(receivable)


def test_a_mediation_that_did_not_start_cannot_end() -> None:
    receivable = given(start_mediation(), end_mediation())

    with refused(receivable, RuleViolation, "mediation_under_way"):
        end_mediation()(receivable)


# ------------------------------------------------------ notes and documents


def test_a_document_needs_a_sha256_and_a_media_type() -> None:
    receivable = issued_receivable()

    with refused(receivable, InvalidInput, "sha256_format"):
        receivable.attach_document(
            kind=DocumentKind.INVOICE,
            document_sha256=DOCUMENT.upper(),
            media_type="application/pdf",
            now=NOW,
            actor=ACTOR,
        )
    with refused(receivable, InvalidInput, "media_type_format"):
        receivable.attach_document(
            kind=DocumentKind.INVOICE, document_sha256=DOCUMENT, media_type="pdf", now=NOW, actor=ACTOR
        )


def test_an_empty_note_is_refused() -> None:
    receivable = issued_receivable()

    with refused(receivable, InvalidInput, "text_required"):
        receivable.add_note(note="   ", now=NOW, actor=ACTOR)
