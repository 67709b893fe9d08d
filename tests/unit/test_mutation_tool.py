"""The mutation tool (decision 0096): its mutants are real changes, and its list of equivalents is current."""

from __future__ import annotations

import ast
import functools
import tomllib
from pathlib import Path

import pytest

from tests.mutation.modules import MODULE_TESTS
from tests.mutation.operators import mutants_of, mutated_tree

ROOT = Path(__file__).resolve().parents[2]
EQUIVALENT = tomllib.loads((ROOT / "tests" / "mutation" / "equivalent.toml").read_text(encoding="utf-8"))


def source_of(module: str) -> str:
    return (ROOT / "domain" / f"{module}.py").read_text(encoding="utf-8")


@functools.cache
def keys_of(module: str) -> frozenset[str]:
    return frozenset(m.key for m in mutants_of(source_of(module)))


def test_every_module_of_the_domain_has_its_tests_in_the_table() -> None:
    modules = {p.stem for p in (ROOT / "domain").glob("*.py") if p.stem != "__init__"}

    assert modules == set(MODULE_TESTS)


@pytest.mark.parametrize("module", ["merkle", "canonical", "payment_matching"])
def test_each_mutant_compiles_and_differs_from_the_module(module: str) -> None:
    source = source_of(module)
    original = ast.dump(ast.parse(source))
    mutants = mutants_of(source)

    assert mutants
    assert len({m.key for m in mutants}) == len(mutants)
    for mutant in mutants:
        tree = mutated_tree(source, mutant)
        compile(tree, module, "exec")
        assert ast.dump(tree) != original, mutant.key


def test_a_boundary_a_rounding_mode_and_a_decimal_literal_are_mutated() -> None:
    source = (
        "from decimal import ROUND_HALF_UP, Decimal\n"
        "def f(x):\n"
        "    x += 1\n"
        "    if x <= 2:\n"
        "        return Decimal('0.05').quantize(Decimal('0.01'), rounding=ROUND_HALF_UP)\n"
        "    return max(x, 1)\n"
    )

    descriptions = {m.description for m in mutants_of(source)}

    assert {"<= → <", "ROUND_HALF_UP → ROUND_HALF_EVEN", "Decimal 0.05 → 0.06", "max → min"} <= descriptions
    assert {"2 → 3", "2 → 1", "condition negated", "statement deleted"} <= descriptions


def test_docstrings_prose_and_error_messages_are_not_mutated() -> None:
    source = (
        'def f(x):\n    """Doc."""\n    if x:\n        raise ValueError("bad_value")\n'
        '    return {"code": "a_rule", "text": "some prose"}\n'
    )

    altered = {m.key.split(" | ")[1] for m in mutants_of(source) if m.description == "string altered"}

    assert altered == {
        '"code" in return {"code": "a_rule", "text": "some prose"}',
        '"a_rule" in return {"code": "a_rule", "text": "some prose"}',
        '"text" in return {"code": "a_rule", "text": "some prose"}',
    }


@pytest.mark.parametrize("entry", EQUIVALENT["mutant"], ids=lambda e: f"{e['module']}: {e['key'][:60]}")
def test_each_accepted_equivalent_mutant_is_still_generated_and_says_why(entry: dict[str, str]) -> None:
    assert entry["reason"].strip()
    assert entry["key"] in keys_of(entry["module"])
