"""The mutants of one module, generated from its syntax tree (decision 0096).

Each mutant is one small change a careless edit could make: an arithmetic operator swapped,
a comparison moved across its boundary or negated, ``and``/``or`` swapped, a ``not`` or a
unary minus dropped, a condition negated, an integer or a decimal literal moved by one (in
its last place), ``True``/``False`` swapped, ``min``/``max`` swapped, a rounding mode changed,
a code string (a rule name, an enum value, a key: a string without white space) altered, a
statement deleted.

Not mutated: docstrings, annotations, ``TYPE_CHECKING`` blocks, f-strings, prose (strings with
white space: texts, legal references) and the messages of raised errors (what people read is
checked by the tests that read it, not by mutants).

A mutant is named by a key that survives edits elsewhere in the file: the enclosing
function, the source text of the node it changes and the change, plus ``#n`` when the same
triple occurs more than once. The accepted-equivalent list (``equivalent.toml``) uses it.
"""

from __future__ import annotations

import ast
import copy
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

BINARY = {
    ast.Add: ast.Sub,
    ast.Sub: ast.Add,
    ast.Mult: ast.Div,
    ast.Div: ast.Mult,
    ast.FloorDiv: ast.Div,
    ast.Mod: ast.FloorDiv,
    ast.Pow: ast.Mult,
    ast.LShift: ast.RShift,
    ast.RShift: ast.LShift,
    ast.BitAnd: ast.BitOr,
    ast.BitOr: ast.BitAnd,
}
COMPARISON = {
    ast.Lt: ast.LtE,
    ast.LtE: ast.Lt,
    ast.Gt: ast.GtE,
    ast.GtE: ast.Gt,
    ast.Eq: ast.NotEq,
    ast.NotEq: ast.Eq,
    ast.In: ast.NotIn,
    ast.NotIn: ast.In,
    ast.Is: ast.IsNot,
    ast.IsNot: ast.Is,
}
SYMBOL = {
    ast.Add: "+",
    ast.Sub: "-",
    ast.Mult: "*",
    ast.Div: "/",
    ast.FloorDiv: "//",
    ast.Mod: "%",
    ast.Pow: "**",
    ast.LShift: "<<",
    ast.RShift: ">>",
    ast.BitAnd: "&",
    ast.BitOr: "|",
    ast.Lt: "<",
    ast.LtE: "<=",
    ast.Gt: ">",
    ast.GtE: ">=",
    ast.Eq: "==",
    ast.NotEq: "!=",
    ast.In: "in",
    ast.NotIn: "not in",
    ast.Is: "is",
    ast.IsNot: "is not",
    ast.And: "and",
    ast.Or: "or",
}
ROUNDING = {
    "ROUND_HALF_UP": "ROUND_HALF_EVEN",
    "ROUND_HALF_EVEN": "ROUND_HALF_UP",
    "ROUND_HALF_DOWN": "ROUND_HALF_UP",
    "ROUND_UP": "ROUND_DOWN",
    "ROUND_DOWN": "ROUND_UP",
    "ROUND_CEILING": "ROUND_FLOOR",
    "ROUND_FLOOR": "ROUND_CEILING",
}
MIN_MAX = {"min": "max", "max": "min"}
DELETABLE = (ast.Expr, ast.Raise, ast.AugAssign, ast.Assign, ast.Continue, ast.Break)


@dataclass(frozen=True)
class Mutant:
    """One change to one node: ``index`` is the node's position in ``ast.walk`` order."""

    key: str
    line: int
    description: str
    index: int
    change: str  # the name of the method of ``_Apply`` that makes it
    argument: object
    in_function: bool  # False: runs at import, so every test of the module is run against it


def mutants_of(source: str) -> list[Mutant]:
    tree = ast.parse(source)
    context = _Context(tree)
    lines = source.splitlines()
    found: list[tuple[int, int, int, str, str, str, object, bool]] = []
    for index, node in enumerate(ast.walk(tree)):
        if context.skipped(node):
            continue
        for change, argument, description in _changes(node, context):
            segment = " ".join((ast.get_source_segment(source, node) or ast.unparse(node)).split())
            if isinstance(node, ast.Constant):  # a bare literal says little: name the line it stands in
                segment = f"{segment} in {lines[node.lineno - 1].strip()}"
            if len(segment) > 90:
                segment = segment[:87] + "..."
            key = f"{context.qualname(node)} | {segment} | {description}"
            position = (node.lineno, node.col_offset, index)
            found.append((*position, key, description, change, argument, context.in_function(node)))
    found.sort(key=lambda f: f[:3])
    seen: dict[str, int] = {}
    mutants = []
    for line, _, index, key, description, change, argument, in_function in found:
        seen[key] = seen.get(key, 0) + 1
        unique = key if seen[key] == 1 else f"{key} #{seen[key]}"
        mutants.append(Mutant(unique, line, description, index, change, argument, in_function))
    return mutants


def mutated_tree(source: str, mutant: Mutant) -> ast.Module:
    tree = ast.parse(source)
    nodes = list(ast.walk(tree))
    parents = {child: parent for parent in nodes for child in ast.iter_child_nodes(parent)}
    getattr(_Apply(parents), mutant.change)(nodes[mutant.index], mutant.argument)
    return ast.fix_missing_locations(tree)


def _changes(node: ast.AST, context: _Context) -> Iterator[tuple[str, object, str]]:
    if isinstance(node, ast.BinOp) and type(node.op) in BINARY:
        new = BINARY[type(node.op)]
        yield "binary", new, f"{SYMBOL[type(node.op)]} → {SYMBOL[new]}"
    elif isinstance(node, ast.AugAssign) and type(node.op) in BINARY:
        new = BINARY[type(node.op)]
        yield "binary", new, f"{SYMBOL[type(node.op)]}= → {SYMBOL[new]}="
    elif isinstance(node, ast.Compare):
        for position, op in enumerate(node.ops):
            new = COMPARISON[type(op)]
            yield "compare", (position, new), f"{SYMBOL[type(op)]} → {SYMBOL[new]}"
    elif isinstance(node, ast.BoolOp):
        new = ast.Or if isinstance(node.op, ast.And) else ast.And
        yield "boolean", new, f"{SYMBOL[type(node.op)]} → {SYMBOL[new]}"
    elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not | ast.USub | ast.Invert):
        if not (isinstance(node.op, ast.USub) and isinstance(node.operand, ast.Constant)):
            yield "unwrap", None, "operator dropped"
    elif isinstance(node, ast.Constant):
        yield from _constant_changes(node, context)
    elif isinstance(node, ast.Name | ast.Attribute):
        name = node.id if isinstance(node, ast.Name) else node.attr
        if name in ROUNDING and isinstance(node.ctx, ast.Load):
            yield "rename", ROUNDING[name], f"{name} → {ROUNDING[name]}"
    elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in MIN_MAX:
        yield "call_name", MIN_MAX[node.func.id], f"{node.func.id} → {MIN_MAX[node.func.id]}"
    elif isinstance(node, ast.Call) and _decimal_literal(node) is not None:
        value = _decimal_literal(node)
        assert value is not None
        unit = Decimal(1).scaleb(value.as_tuple().exponent)  # type: ignore[arg-type]
        for step in (unit, -unit):
            yield "decimal", str(value + step), f"Decimal {value} → {value + step}"
    if _is_condition(node, context) and not (isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not)):
        yield "negate", None, "condition negated"
    bare_constant = isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant)  # docstring, ``...``
    if isinstance(node, DELETABLE) and context.in_function(node) and not bare_constant:
        yield "delete", None, "statement deleted"


def _constant_changes(node: ast.Constant, context: _Context) -> Iterator[tuple[str, object, str]]:
    value = node.value
    parent = context.parent(node)
    if isinstance(value, bool):
        yield "constant", not value, f"{value} → {not value}"
    elif isinstance(value, int):
        negative = isinstance(parent, ast.UnaryOp) and isinstance(parent.op, ast.USub)
        shown = -value if negative else value
        for step in (1, -1):
            yield "constant", value + (-step if negative else step), f"{shown} → {shown + step}"
    elif isinstance(value, str) and _is_code(value) and not _is_docstring(node, context) and not context.is_text(node):
        if isinstance(parent, ast.Call) and _decimal_literal(parent) is not None:
            return
        yield "constant", f"XX{value}XX", "string altered"


class _Apply:
    def __init__(self, parents: dict[ast.AST, ast.AST]) -> None:
        self.parents = parents

    def binary(self, node: ast.BinOp | ast.AugAssign, new: type[ast.operator]) -> None:
        node.op = new()

    def compare(self, node: ast.Compare, change: tuple[int, type[ast.cmpop]]) -> None:
        position, new = change
        node.ops[position] = new()

    def boolean(self, node: ast.BoolOp, new: type[ast.boolop]) -> None:
        node.op = new()

    def unwrap(self, node: ast.UnaryOp, _: object) -> None:
        self._replace(node, node.operand)

    def constant(self, node: ast.Constant, value: object) -> None:
        node.value = value

    def rename(self, node: ast.Name | ast.Attribute, name: str) -> None:
        if isinstance(node, ast.Name):
            node.id = name
        else:
            node.attr = name

    def call_name(self, node: ast.Call, name: str) -> None:
        assert isinstance(node.func, ast.Name)
        node.func.id = name

    def decimal(self, node: ast.Call, text: str) -> None:
        node.args[0] = ast.Constant(text)

    def negate(self, node: ast.expr, _: object) -> None:
        self._replace(node, ast.UnaryOp(ast.Not(), copy.copy(node)))

    def delete(self, node: ast.stmt, _: object) -> None:
        self._replace(node, ast.Pass())

    def _replace(self, old: ast.AST, new: ast.AST) -> None:
        ast.copy_location(new, old)
        parent = self.parents[old]
        for field, value in ast.iter_fields(parent):
            if value is old:
                setattr(parent, field, new)
                return
            if isinstance(value, list) and any(item is old for item in value):
                value[next(i for i, item in enumerate(value) if item is old)] = new
                return
        raise LookupError("node not found in its parent")


class _Context:
    """Where each node stands: its parents, enclosing function, and what is not to be mutated."""

    def __init__(self, tree: ast.Module) -> None:
        self.parents: dict[ast.AST, ast.AST] = {}
        for parent in ast.walk(tree):
            for child in ast.iter_child_nodes(parent):
                self.parents[child] = parent
        self.excluded: set[ast.AST] = set()
        for node in ast.walk(tree):
            for annotation in _annotations(node):
                self.excluded.update(ast.walk(annotation))
            if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
                self.excluded.update(ast.walk(node))
            if isinstance(node, ast.JoinedStr):
                self.excluded.update(ast.walk(node))
        self.texts: set[ast.AST] = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and _names_an_error(node.func) and node.args:
                self.texts.update(ast.walk(node.args[0]))

    def parent(self, node: ast.AST) -> ast.AST | None:
        return self.parents.get(node)

    def skipped(self, node: ast.AST) -> bool:
        return node in self.excluded

    def is_text(self, node: ast.AST) -> bool:
        return node in self.texts

    def ancestors(self, node: ast.AST) -> Iterator[ast.AST]:
        while node in self.parents:
            node = self.parents[node]
            yield node

    def qualname(self, node: ast.AST) -> str:
        names = [a.name for a in self.ancestors(node) if isinstance(a, ast.FunctionDef | ast.ClassDef)]
        return ".".join(reversed(names)) or "<module>"

    def in_function(self, node: ast.AST) -> bool:
        """True when the node runs when its function is called, not when the module is imported."""
        child = node
        for ancestor in self.ancestors(node):
            if isinstance(ancestor, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
                return any(child is statement for statement in _body(ancestor))
            child = ancestor
        return False


def _body(function: ast.AST) -> list[ast.AST]:
    body = function.body  # type: ignore[attr-defined]
    return [body] if isinstance(body, ast.expr) else list(body)


def _annotations(node: ast.AST) -> list[ast.AST]:
    if isinstance(node, ast.AnnAssign):
        return [node.annotation]
    if isinstance(node, ast.arg) and node.annotation is not None:
        return [node.annotation]
    if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.returns is not None:
        return [node.returns]
    return []


def _names_an_error(func: ast.expr) -> bool:
    name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""
    return name.endswith(("Error", "Input", "Violation", "Exception", "NotFound", "Exists", "Conflict", "Mismatch"))


def _is_code(value: str) -> bool:
    """A rule name, an enum value, a key or a format: not prose (prose has white space)."""
    return bool(value) and not any(ch.isspace() for ch in value)


def _decimal_literal(node: ast.Call) -> Decimal | None:
    if not (isinstance(node.func, ast.Name) and node.func.id == "Decimal" and len(node.args) == 1):
        return None
    argument = node.args[0]
    if not (isinstance(argument, ast.Constant) and isinstance(argument.value, str)):
        return None
    try:
        value = Decimal(argument.value)
    except InvalidOperation:
        return None
    return value if value.is_finite() else None


def _is_condition(node: ast.AST, context: _Context) -> bool:
    parent = context.parent(node)
    if isinstance(parent, ast.If | ast.While | ast.IfExp) and parent.test is node:
        return True
    return isinstance(parent, ast.comprehension) and any(node is condition for condition in parent.ifs)


def _is_docstring(node: ast.AST, context: _Context) -> bool:
    statement = context.parent(node) if isinstance(node, ast.Constant) else node
    if not (isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Constant)):
        return False
    if not isinstance(statement.value.value, str):
        return False
    owner = context.parent(statement)
    body = getattr(owner, "body", None)
    return isinstance(body, list) and bool(body) and body[0] is statement
