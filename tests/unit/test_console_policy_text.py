"""The Politiques pages' French: a policy's steps as sentences, and the line diff of two versions."""

from __future__ import annotations

import pytest

from api.console.policy_text import DiffRow, diff, refusal, steps
from domain.errors import InvalidInput
from infrastructure.policy_files import load_policy, shipped_policy_files


def shipped(name: str) -> str:
    return next(f for f in shipped_policy_files() if f.name == name).read_text(encoding="utf-8")


def test_a_changed_line_is_one_removed_and_one_added_row_among_three_unchanged_lines_each_side() -> None:
    old = "\n".join(f"line {n}" for n in range(1, 21))
    new = old.replace("line 10", "line ten")
    rows = diff(old, new)
    assert [r.kind for r in rows] == ["gap", *["same"] * 3, "removed", "added", *["same"] * 3, "gap"]
    assert rows[4] == DiffRow("removed", 10, None, "line 10")
    assert rows[5] == DiffRow("added", None, 10, "line ten")


def test_the_same_text_twice_has_no_row_and_a_change_at_the_top_no_leading_gap() -> None:
    assert diff("a\nb\n", "a\nb\n") == []
    rows = diff("a\nb\nc\nd\ne\nf\n", "z\nb\nc\nd\ne\nf\n")
    assert [r.kind for r in rows] == ["removed", "added", "same", "same", "same", "gap"]


def test_each_step_of_the_light_policy_reads_as_french() -> None:
    light = steps(load_policy(shipped("light.toml"), "light.toml"))
    assert light[0].action == "Relance (rappel courtois)"
    assert light[0].when == "7 jours avant l'échéance, au plus tard 1 jour avant l'échéance"
    assert light[1].when == "5 jours après l'échéance" and light[1].channels == "e-mail"


def test_a_refusal_names_its_line_and_key_in_french() -> None:
    with pytest.raises(InvalidInput) as refused:
        load_policy(shipped("light.toml").replace('action = "reminder"', 'action = "relance"', 1), "light.toml")
    message = refusal(refused.value)
    assert message.startswith("Politique refusée, ligne ")
    assert message.endswith(", stages[0].action : 'relance' n'est pas une valeur admise "
                            "(call, reminder, formal_notice, escalate).")  # fmt: skip
