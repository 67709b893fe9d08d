"""Policy files: the shipped ones load, and a bad file is refused with its line and the reason."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from domain.dunning_policy import Action, Anchor, Channel
from domain.errors import InvalidInput
from domain.vocabulary import Priority, ReminderStage
from infrastructure.policy_files import PolicyFileError, load_policy, load_policy_dir, shipped_policies

MINIMAL = """\
id = "mini"
title = "Mini"
min_spacing_days = 7

[guardrails]
working_hours = ["09:00", "18:00"]

[[stages]]
rule = "first"
action = "reminder"
reminder_stage = "first"
anchor = "due"
offset_days = 5
channels = ["email"]
template = "first_reminder"

[[stages]]
rule = "notice"
action = "formal_notice"
anchor = "due"
offset_days = 35
channels = ["registered_letter"]
template = "formal_notice"
[stages.audience]
min_amount = "150.00"
"""


def with_line(number: int, replacement: str) -> str:
    lines = MINIMAL.splitlines()
    lines[number - 1] = replacement
    return "\n".join(lines) + "\n"


def test_the_shipped_policies_load() -> None:
    policies = {p.id: p for p in shipped_policies()}
    assert set(policies) == {"default", "light"}
    assert all(p.version == 1 and p.title for p in policies.values())


def test_the_default_policy_follows_the_timetable_of_the_seeds() -> None:
    [default] = [p for p in shipped_policies() if p.id == "default"]
    first, second, notice = (default.stage(rule) for rule in ("first_reminder", "second_reminder", "formal_notice"))
    assert (first.anchor, first.offset_days, first.reminder_stage) == (Anchor.DUE, 5, ReminderStage.FIRST)
    assert (second.anchor, second.offset_days, second.channels) == (Anchor.PREVIOUS, 15, (Channel.LETTER,))
    assert (notice.offset_days, notice.until_days, notice.channels) == (35, None, (Channel.REGISTERED_LETTER,))
    assert default.notice_deadline_days == 8
    assert default.stage("reception_call_large").audience.min_amount == Decimal("5000.00")
    assert default.stage("reception_call_priority").audience.priorities == {Priority.HIGH, Priority.CRITICAL}


def test_the_light_policy_is_for_small_invoices_and_makes_no_call() -> None:
    [light] = [p for p in shipped_policies() if p.id == "light"]
    assert light.audience.max_amount == Decimal("500.00")
    assert all(s.action is not Action.CALL for s in light.stages)
    assert light.stage("formal_notice").audience.min_amount == Decimal("150.00")


def test_a_minimal_file_takes_the_defaults() -> None:
    policy = load_policy(MINIMAL, "mini.toml")
    assert (policy.version, policy.sequential, policy.promise_grace_days) == (1, True, 3)
    assert policy.stage("first").label == "first"


BAD_FILES = [
    pytest.param(with_line(3, "min_spacing_days ="), 3, "Invalid value", id="a TOML syntax error"),
    pytest.param(with_line(3, "min_spacing_dayz = 7"), 3, "min_spacing_dayz: unknown key", id="an unknown key"),
    pytest.param(
        with_line(20, "until_dyas = 40"), 20, "stages[1].until_dyas: unknown key", id="a misspelt key in a stage"
    ),
    pytest.param(
        with_line(19, 'action = "formal-notice"'),
        19,
        "stages[1].action: 'formal-notice' is not one of call, reminder, formal_notice, escalate",
        id="an unknown action",
    ),
    pytest.param(
        with_line(3, "min_spacing_days = -3"), 3, "min_spacing_days: -3 is not a whole number from 1", id="negative"
    ),
    pytest.param(with_line(13, 'offset_days = "5"'), 13, "stages[0].offset_days: expected a whole number", id="type"),
    pytest.param(
        with_line(14, 'channels = ["registered_letter"]'),
        14,
        "stages[0].channels: 'registered_letter' is not a channel for a reminder",
        id="a channel the action does not use",
    ),
    pytest.param(with_line(15, ""), 8, "stages[0].template: a reminder needs a template", id="a missing template"),
    pytest.param(with_line(18, 'rule = "first"'), 18, "stages[1].rule: 'first' is already", id="a duplicate rule"),
    pytest.param(
        with_line(11, 'reminder_stage = "second"'), 11, "a second reminder follows a first", id="reminders out of order"
    ),
    pytest.param(
        with_line(25, "min_amount = 150.5"),
        25,
        "stages[1].audience.min_amount: an amount is a whole number or a string",
        id="an amount written as a float",
    ),
    pytest.param(
        with_line(6, 'working_hours = ["18:00", "09:00"]'),
        6,
        "guardrails.working_hours: the start 18:00 is not before the end 09:00",
        id="working hours upside down",
    ),
    pytest.param(
        with_line(21, "offset_days = 35\nuntil_days = 50"),
        22,
        "stages[1].until_days: a formal_notice never expires",
        id="a window on a formal notice",
    ),
    pytest.param(
        with_line(6, 'working_hours = ["09:00", "18:00"]\nworking_days = ["monday", "funday"]'),
        7,
        "guardrails.working_days[1]: 'funday' is not one of monday",
        id="an unknown weekday",
    ),
    pytest.param(
        with_line(3, 'audience = { min_amount = "abc" }'), 3, "audience.min_amount: 'abc' is not an amount", id="inline"
    ),
]


@pytest.mark.parametrize(("text", "line", "reason"), BAD_FILES)
def test_a_bad_file_is_refused_with_its_line_and_reason(text: str, line: int, reason: str) -> None:
    with pytest.raises(PolicyFileError) as refused:
        load_policy(text, "mini.toml")
    assert refused.value.line == line
    assert refused.value.message.startswith(f"mini.toml line {line}: ")
    assert reason in refused.value.message


def test_a_file_without_stages_is_refused_without_a_line() -> None:
    with pytest.raises(PolicyFileError, match=r"^empty\.toml: stages: is required$"):
        load_policy('id = "empty"\ntitle = "Empty"\n', "empty.toml")


def test_a_refused_file_is_invalid_input_for_the_api() -> None:
    with pytest.raises(InvalidInput):
        load_policy("id = ", "x.toml")


def test_a_policy_folder_loads_each_file_and_stops_at_a_bad_one(tmp_path: Path) -> None:
    (tmp_path / "mini.toml").write_text(MINIMAL, encoding="utf-8")
    (tmp_path / "notes.txt").write_text("not a policy", encoding="utf-8")
    assert load_policy_dir(tmp_path) == [(MINIMAL, "mini.toml")]
    (tmp_path / "zbad.toml").write_text(with_line(19, 'action = "formal-notice"'), encoding="utf-8")
    with pytest.raises(PolicyFileError, match=r"^zbad\.toml line 19: "):
        load_policy_dir(tmp_path)
