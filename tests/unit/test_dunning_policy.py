"""Which policy a receivable follows, and the policies the domain refuses to build."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from domain.dunning_policy import Action, Anchor, Channel, InvalidPolicy, Policy, Stage, choose_policy
from domain.errors import InvalidInput
from domain.receivable import Receivable
from domain.vocabulary import ReminderStage
from infrastructure.policy_files import shipped_policies
from tests.unit.builders import ACTOR, ISSUE_DAY, at, eur, issued_receivable, registered_debtor

DEFAULT, LIGHT = (next(p for p in shipped_policies() if p.id == name) for name in ("default", "light"))


def invoice(total: str) -> Receivable:
    return issued_receivable(amount_excl_vat=eur(total), vat=eur("0.00"), amount_incl_vat=eur(total))


@pytest.mark.parametrize("policies", [[DEFAULT, LIGHT], [LIGHT, DEFAULT]], ids=["default first", "light first"])
def test_a_small_invoice_follows_the_light_policy_whatever_the_order(policies: list[Policy]) -> None:
    debtor = registered_debtor()
    assert choose_policy(policies, receivable=invoice("300.00"), debtor=debtor).id == "light"
    assert choose_policy(policies, receivable=invoice("1200.00"), debtor=debtor).id == "default"


def test_the_policy_assigned_to_the_debtor_wins() -> None:
    debtor = registered_debtor()
    debtor.assign_policy(policy_id="default", now=at(ISSUE_DAY), actor=ACTOR)
    assert choose_policy([LIGHT, DEFAULT], receivable=invoice("300.00"), debtor=debtor).id == "default"


def test_an_unknown_assigned_policy_falls_back_to_the_audiences() -> None:
    debtor = registered_debtor()
    debtor.assign_policy(policy_id="retired", now=at(ISSUE_DAY), actor=ACTOR)
    assert choose_policy([DEFAULT, LIGHT], receivable=invoice("300.00"), debtor=debtor).id == "light"


def stage(**changes: Any) -> Stage:
    base = Stage(
        rule="first_reminder",
        action=Action.REMINDER,
        anchor=Anchor.DUE,
        offset_days=5,
        until_days=None,
        channels=(Channel.EMAIL,),
        template="first_reminder",
        reminder_stage=ReminderStage.FIRST,
        label="Premier rappel",
    )
    return replace(base, **changes)


REFUSED = [
    pytest.param({"stages": ()}, "stages: a policy has at least one stage", id="no stage"),
    pytest.param({"version": 0}, "version: 0 is not a positive integer", id="version zero"),
    pytest.param({"id": "Mon Défaut"}, "id: 'Mon Défaut' is not a name", id="an id unsafe in a URL"),
    pytest.param({"stages": (stage(), stage())}, "stages[1].rule: 'first_reminder' is already", id="duplicate rule"),
    pytest.param(
        {"stages": (stage(reminder_stage=None),)}, "stages[0].reminder_stage: a reminder says which", id="no stage"
    ),
    pytest.param(
        {"stages": (stage(channels=(Channel.PHONE,)),)}, "'phone' is not a channel for a reminder", id="phone letter"
    ),
    pytest.param(
        {"stages": (stage(action=Action.CALL, reminder_stage=None, channels=(Channel.PHONE,)),)},
        "stages[0].template: a call sends no letter",
        id="a call with a template",
    ),
    pytest.param(
        {"stages": (stage(reminder_stage=ReminderStage.COURTESY, rule="courtesy"),)},
        "a courtesy reminder falls before the due date",
        id="a courtesy reminder after the due date",
    ),
    pytest.param(
        {"stages": (stage(action=Action.ESCALATE, reminder_stage=None, channels=(), template=None),)},
        "stages[0].action: escalation follows a formal notice stage",
        id="escalation without a notice",
    ),
    pytest.param({"min_spacing_days": 0}, "min_spacing_days: 0 is not a whole number from 1", id="no spacing"),
]


@pytest.mark.parametrize(("changes", "message"), REFUSED)
def test_a_policy_that_cannot_run_is_refused(changes: dict[str, Any], message: str) -> None:
    with pytest.raises(InvalidPolicy) as refused:
        replace(DEFAULT, **changes)
    assert message in refused.value.message
    assert isinstance(refused.value, InvalidInput)
