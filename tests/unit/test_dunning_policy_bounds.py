"""Dunning policies at their bounds (docs/policies.md): every check of a policy refuses just past its
limit, naming the path of the bad value, and accepts the limit itself; the defaults a file may omit."""

from __future__ import annotations

import dataclasses
from dataclasses import replace
from datetime import time
from decimal import Decimal
from typing import Any

import pytest

from domain.dunning_policy import (
    DEFAULT_POLICY_ID,
    Audience,
    Channel,
    Guardrails,
    InvalidPolicy,
    Policy,
    Stage,
    choose_policy,
)
from domain.errors import NotFound
from domain.vocabulary import DebtorKind, Priority
from infrastructure.policy_files import shipped_policies
from tests.unit.builders import issued_receivable, registered_debtor

DEFAULT = next(p for p in shipped_policies() if p.id == DEFAULT_POLICY_ID)
RULES = [s.rule for s in DEFAULT.stages]


def stage(of: str, **changes: Any) -> Stage:
    return replace(DEFAULT.stage(of), **changes)


def with_stage(target: str, **changes: Any) -> dict[str, Any]:
    return {"stages": tuple(stage(s.rule, **changes) if s.rule == target else s for s in DEFAULT.stages)}


def path_of_refusal(changes: dict[str, Any]) -> str:
    with pytest.raises(InvalidPolicy) as refused:
        replace(DEFAULT, **changes)
    assert refused.value.rule == "policy_invalid"
    return refused.value.message.split(": ", 1)[0]


NOTICE, ESCALATE, FIRST, SECOND = (
    RULES.index(r) for r in ("formal_notice", "escalate", "first_reminder", "second_reminder")
)

REFUSED = [
    pytest.param({"title": ""}, "title", id="an empty title"),
    pytest.param({"title": "t" * 201}, "title", id="a title of 201 characters"),
    pytest.param({"min_spacing_days": 0}, "min_spacing_days", id="no spacing"),
    pytest.param({"promise_grace_days": -1}, "promise_grace_days", id="a negative promise grace"),
    pytest.param({"promise_grace_days": 3651}, "promise_grace_days", id="a promise grace over ten years"),
    pytest.param({"instalment_grace_days": -1}, "instalment_grace_days", id="a negative instalment grace"),
    pytest.param({"notice_deadline_days": 0}, "notice_deadline_days", id="a notice due the day it is sent"),
    pytest.param({"audience": Audience(min_amount=Decimal("-1"))}, "audience.min_amount", id="a negative minimum"),
    pytest.param(
        {"audience": Audience(min_amount=Decimal("10.00"), max_amount=Decimal("9.99"))},
        "audience.max_amount",
        id="a maximum below the minimum",
    ),
    pytest.param(
        {"guardrails": Guardrails(max_contacts_per_week=0)}, "guardrails.max_contacts_per_week", id="no contact"
    ),
    pytest.param(
        {"guardrails": Guardrails(working_hours=(time(9), time(9)))},
        "guardrails.working_hours",
        id="working hours ending when they start",
    ),
    pytest.param({"guardrails": Guardrails(working_days=frozenset())}, "guardrails.working_days", id="no day"),
    pytest.param({"guardrails": Guardrails(working_days=frozenset({7}))}, "guardrails.working_days", id="day 7"),
    pytest.param(with_stage("first_reminder", label=""), f"stages[{FIRST}].label", id="an empty label"),
    pytest.param(with_stage("first_reminder", label="l" * 201), f"stages[{FIRST}].label", id="a long label"),
    pytest.param(with_stage("first_reminder", rule="First Reminder"), f"stages[{FIRST}].rule", id="a bad rule"),
    pytest.param(with_stage("first_reminder", template="Premier Rappel"), f"stages[{FIRST}].template", id="template"),
    pytest.param(
        with_stage("first_reminder", audience=Audience(min_amount=Decimal("5"), max_amount=Decimal("1"))),
        f"stages[{FIRST}].audience.max_amount",
        id="a stage's audience",
    ),
    pytest.param(with_stage("first_reminder", offset_days=3651), f"stages[{FIRST}].offset_days", id="3651 days"),
    pytest.param(with_stage("first_reminder", until_days=4), f"stages[{FIRST}].until_days", id="until before offset"),
    pytest.param(with_stage("first_reminder", offset_days=0), f"stages[{FIRST}].offset_days", id="a first on due"),
    pytest.param(with_stage("escalate", offset_days=-1), f"stages[{ESCALATE}].offset_days", id="before previous"),
    pytest.param(
        with_stage("courtesy", offset_days=0, until_days=None), "stages[3].offset_days", id="a courtesy on the due date"
    ),
    pytest.param(with_stage("courtesy", until_days=0), "stages[3].offset_days", id="a courtesy until the due date"),
    pytest.param(
        with_stage("first_reminder", channels=(Channel.EMAIL, Channel.EMAIL)),
        f"stages[{FIRST}].channels",
        id="a channel twice",
    ),
    pytest.param(
        with_stage("formal_notice", channels=(Channel.EMAIL,)), f"stages[{NOTICE}].channels", id="a notice by e-mail"
    ),
    pytest.param(with_stage("first_reminder", channels=()), f"stages[{FIRST}].channels", id="no channel"),
    pytest.param(with_stage("escalate", channels=(Channel.EMAIL,)), f"stages[{ESCALATE}].channels", id="escalation"),
    pytest.param(
        {"stages": tuple(s for s in DEFAULT.stages if s.rule != "first_reminder")},
        f"stages[{SECOND - 1}].reminder_stage",
        id="a second reminder without a first",
    ),
    pytest.param(
        {"stages": (*DEFAULT.stages[:ESCALATE], stage("escalate"), stage("escalate", rule="escalate_again"))},
        f"stages[{ESCALATE + 1}].action",
        id="two escalations",
    ),
    pytest.param(
        {"stages": (*DEFAULT.stages[:ESCALATE], stage("formal_notice", rule="notice_again"))},
        f"stages[{ESCALATE}].action",
        id="two formal notices",
    ),
    pytest.param(
        {"stages": (*DEFAULT.stages[: NOTICE + 1], stage("second_reminder", rule="late_reminder"))},
        f"stages[{NOTICE + 1}].reminder_stage",
        id="a reminder after the notice",
    ),
]


@pytest.mark.parametrize(("changes", "path"), REFUSED)
def test_a_policy_past_a_limit_is_refused_naming_the_bad_value(changes: dict[str, Any], path: str) -> None:
    assert path_of_refusal(changes) == path


ACCEPTED = [
    pytest.param({"title": "t" * 200}, id="a title of 200 characters"),
    pytest.param({"promise_grace_days": 0, "instalment_grace_days": 0}, id="no grace"),
    pytest.param({"promise_grace_days": 3650}, id="ten years of grace"),
    pytest.param({"notice_deadline_days": 1, "min_spacing_days": 1}, id="one day"),
    pytest.param({"audience": Audience(min_amount=Decimal("0"), max_amount=Decimal("0"))}, id="zero to zero"),
    pytest.param({"guardrails": Guardrails(max_contacts_per_week=1, working_days=frozenset(range(7)))}, id="7 days"),
    pytest.param(with_stage("first_reminder", label="l" * 200), id="a label of 200 characters"),
    pytest.param(with_stage("first_reminder", offset_days=1, until_days=1), id="a one-day window after due"),
    pytest.param(with_stage("first_reminder", offset_days=3650), id="3650 days"),
    pytest.param(with_stage("courtesy", offset_days=-1, until_days=-1), id="a courtesy the day before"),
]


@pytest.mark.parametrize("changes", ACCEPTED)
def test_a_policy_at_a_limit_is_accepted(changes: dict[str, Any]) -> None:
    policy = replace(DEFAULT, **changes)

    assert all(getattr(policy, name) == value for name, value in changes.items())


def test_what_a_policy_file_may_omit_has_the_documented_defaults() -> None:
    policy = Policy(id="minimal", version=1, title="Minimal", audience=Audience(), stages=(stage("first_reminder"),))

    assert (policy.sequential, policy.min_spacing_days, policy.promise_grace_days) == (True, 7, 3)
    assert (policy.instalment_grace_days, policy.notice_deadline_days) == (3, 8)
    assert policy.guardrails == Guardrails(3, (time(9), time(18)), frozenset({0, 1, 2, 3, 4}))


def test_channels_and_the_default_policy_have_their_documented_names() -> None:
    assert [c.value for c in Channel] == [
        "email",
        "letter",
        "sms",
        "phone",
        "registered_letter",
        "electronic_registered_letter",
    ]
    assert DEFAULT_POLICY_ID == "default"


def test_a_policy_and_its_parts_cannot_be_altered() -> None:
    for value in (DEFAULT, DEFAULT.stages[0], DEFAULT.guardrails, Audience()):
        field = dataclasses.fields(value)[0].name
        with pytest.raises(dataclasses.FrozenInstanceError):
            setattr(value, field, None)


# ------------------------------------------------------------------ audiences and the choice of a policy


def test_an_audience_bounds_are_inclusive_and_its_kinds_and_priorities_must_match() -> None:
    debtor = registered_debtor()
    bounded = Audience(min_amount=Decimal("100.00"), max_amount=Decimal("200.00"))

    assert [bounded.admits(amount=Decimal(a), debtor=debtor) for a in ("99.99", "100.00", "200.00", "200.01")] == [
        False,
        True,
        True,
        False,
    ]
    assert Audience(debtor_kinds=frozenset({DebtorKind.PROFESSIONAL})).admits(amount=Decimal("1"), debtor=debtor)
    assert not Audience(debtor_kinds=frozenset({DebtorKind.CONSUMER})).admits(amount=Decimal("1"), debtor=debtor)
    assert Audience(priorities=frozenset({Priority.NORMAL})).admits(amount=Decimal("1"), debtor=debtor)
    assert not Audience(priorities=frozenset({Priority.HIGH})).admits(amount=Decimal("1"), debtor=debtor)


def _policy(policy_id: str, audience: Audience | None = None) -> Policy:
    return replace(DEFAULT, id=policy_id, audience=audience or Audience())


def test_the_first_restricting_policy_that_admits_the_receivable_is_chosen() -> None:
    small = Audience(max_amount=Decimal("5000.00"))
    policies = [_policy("default"), _policy("small_a", small), _policy("small_b", small)]

    assert choose_policy(policies, receivable=issued_receivable(), debtor=registered_debtor()).id == "small_a"


def test_without_a_default_policy_any_policy_admitting_the_receivable_is_chosen() -> None:
    policies = [_policy("large", Audience(min_amount=Decimal("5000.00"))), _policy("other")]

    assert choose_policy(policies, receivable=issued_receivable(), debtor=registered_debtor()).id == "other"


def test_without_any_policy_admitting_the_receivable_none_is_chosen() -> None:
    with pytest.raises(NotFound) as refused:
        choose_policy(
            [_policy("large", Audience(min_amount=Decimal("5000.00")))],
            receivable=issued_receivable(),
            debtor=registered_debtor(),
        )
    assert refused.value.rule == "policy_exists"


def test_a_policy_asked_by_a_rule_it_does_not_have_is_not_found() -> None:
    with pytest.raises(NotFound) as refused:
        DEFAULT.stage("no_such_rule")
    assert refused.value.rule == "stage_exists"


def test_an_escalate_stage_accepts_no_channel_and_says_so() -> None:
    with pytest.raises(InvalidPolicy, match=r"allowed: none\)"):
        replace(DEFAULT, **with_stage("escalate", channels=(Channel.EMAIL,)))


def test_a_reminder_after_the_formal_notice_is_refused_even_in_reminder_order() -> None:
    stages = tuple(stage(r) for r in ("courtesy", "first_reminder", "formal_notice", "second_reminder"))

    with pytest.raises(InvalidPolicy, match=r"^stages\[3\]\.action: no reminder after the formal notice$"):
        replace(DEFAULT, stages=stages)


def test_a_bad_amount_in_an_audience_is_refused_with_the_amount_rule_s_reason() -> None:
    with pytest.raises(InvalidPolicy, match=r"^audience\.min_amount: -1 must be positive$"):
        replace(DEFAULT, audience=Audience(min_amount=Decimal("-1")))
