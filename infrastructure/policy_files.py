"""Dunning policies as TOML files (docs/policies.md): read, checked, and refused with the line at fault.

The shipped policies live in ``infrastructure/policies/`` (package data); a firm adds its own in
``RELANCE_POLICY_DIR``. Unknown keys are errors: a misspelt ``until_dyas`` must not silently
leave a window open. Every refusal names the file, the line and the key, e.g.
``default.toml line 23: stages[4].action: 'formal-notice' is not one of call, reminder, ...``.
"""

from __future__ import annotations

import re
import tomllib
from datetime import time
from decimal import Decimal, InvalidOperation
from enum import Enum
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any, TypeVar

from domain.dunning_policy import Action, Anchor, Audience, Channel, Guardrails, InvalidPolicy, Policy, Stage
from domain.errors import InvalidInput
from domain.vocabulary import DebtorKind, Priority, ReminderStage

Key = str | int
KeyPath = tuple[Key, ...]
E = TypeVar("E", bound=Enum)

POLICY_KEYS = (
    "id",
    "version",
    "title",
    "audience",
    "sequential",
    "min_spacing_days",
    "promise_grace_days",
    "instalment_grace_days",
    "notice_deadline_days",
    "guardrails",
    "stages",
)
STAGE_KEYS = (
    "rule",
    "label",
    "action",
    "reminder_stage",
    "anchor",
    "offset_days",
    "until_days",
    "channels",
    "template",
    "audience",
)
AUDIENCE_KEYS = ("min_amount", "max_amount", "debtor_kinds", "priorities")
GUARDRAIL_KEYS = ("max_contacts_per_week", "working_hours", "working_days")
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
DEFAULT_CHANNELS = {Action.CALL: [Channel.PHONE.value], Action.ESCALATE: []}

TOML_ERROR_LINE = re.compile(r"\(at line (\d+), column \d+\)")
HEADER = re.compile(r"^\s*(\[\[?)\s*([^\[\]]+?)\s*\]\]?\s*(?:#.*)?$")
KEY_LINE = re.compile(
    r"^\s*((?:[A-Za-z0-9_-]+|\"[^\"]*\"|'[^']*')(?:\s*\.\s*(?:[A-Za-z0-9_-]+|\"[^\"]*\"|'[^']*'))*)\s*="
)
FIELD_PART = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)|\[(\d+)\]")


class PolicyFileError(InvalidInput):
    """A policy file that cannot be used; ``line`` is None when the fault has no line (an empty file)."""

    def __init__(self, source: str, line: int | None, reason: str) -> None:
        where = source if line is None else f"{source} line {line}"
        super().__init__(f"{where}: {reason}", rule="policy_file")
        self.source = source
        self.line = line
        self.reason = reason


def load_policy(text: str, source_name: str) -> Policy:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        found = TOML_ERROR_LINE.search(str(error))
        line = int(found.group(1)) if found else None
        raise PolicyFileError(source_name, line, TOML_ERROR_LINE.sub("", str(error)).strip()) from error
    try:
        return _policy(data)
    except InvalidPolicy as error:
        path = _parse_field(error.field)
        line = _KeyLines(text).locate(path)
        raise PolicyFileError(source_name, line, f"{error.field}: {error.reason}") from error


def shipped_policy_files() -> list[Traversable]:
    folder = resources.files("infrastructure") / "policies"
    return sorted((f for f in folder.iterdir() if f.name.endswith(".toml")), key=lambda f: f.name)


def shipped_policies() -> list[Policy]:
    return [load_policy(f.read_text(encoding="utf-8"), f.name) for f in shipped_policy_files()]


def load_policy_dir(path: Path) -> list[tuple[str, str]]:
    """The ``*.toml`` files of a firm's policy folder as (text, file name), each checked: one bad file stops."""
    if not path.is_dir():
        raise PolicyFileError(str(path), None, "not a folder of policy files")
    files = []
    for file in sorted(path.glob("*.toml")):
        try:
            text = file.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            raise PolicyFileError(file.name, None, f"cannot be read ({error})") from error
        load_policy(text, file.name)
        files.append((text, file.name))
    return files


# ---------------------------------------------------------------------- reading


def _policy(data: dict[str, Any]) -> Policy:
    _known(data, POLICY_KEYS, ())
    fields: dict[str, Any] = {
        "id": _str(_required(data, "id", ()), ("id",)),
        "version": _int(data.get("version", 1), ("version",)),
        "title": _str(_required(data, "title", ()), ("title",)),
        "audience": _audience(data.get("audience", {}), ("audience",)),
        "stages": tuple(
            _stage(s, ("stages", i)) for i, s in enumerate(_list(_required(data, "stages", ()), ("stages",)))
        ),
        "guardrails": _guardrails(data.get("guardrails", {}), ("guardrails",)),
    }
    if "sequential" in data:
        fields["sequential"] = _bool(data["sequential"], ("sequential",))
    for name in ("min_spacing_days", "promise_grace_days", "instalment_grace_days", "notice_deadline_days"):
        if name in data:
            fields[name] = _int(data[name], (name,))
    return Policy(**fields)


def _stages(value: Any) -> tuple[Stage, ...]:
    return tuple(_stage(stage, ("stages", index)) for index, stage in enumerate(_list(value, ("stages",))))


def _stage(value: Any, path: KeyPath) -> Stage:
    data = _table(value, path)
    _known(data, STAGE_KEYS, path)
    action = _enum(Action, _required(data, "action", path), (*path, "action"))
    rule = _str(_required(data, "rule", path), (*path, "rule"))
    written = DEFAULT_CHANNELS[action] if "channels" not in data and action in DEFAULT_CHANNELS else None
    channels = _list(written if written is not None else _required(data, "channels", path), (*path, "channels"))
    reminder_stage = data.get("reminder_stage")
    return Stage(
        rule=rule,
        action=action,
        anchor=_enum(Anchor, _required(data, "anchor", path), (*path, "anchor")),
        offset_days=_int(_required(data, "offset_days", path), (*path, "offset_days")),
        until_days=None if "until_days" not in data else _int(data["until_days"], (*path, "until_days")),
        channels=tuple(_enum(Channel, c, (*path, "channels", i)) for i, c in enumerate(channels)),
        template=None if "template" not in data else _str(data["template"], (*path, "template")),
        reminder_stage=None
        if reminder_stage is None
        else _enum(ReminderStage, reminder_stage, (*path, "reminder_stage")),
        audience=_audience(data.get("audience", {}), (*path, "audience")),
        label=_str(data.get("label", rule), (*path, "label")),
    )


def _audience(value: Any, path: KeyPath) -> Audience:
    data = _table(value, path)
    _known(data, AUDIENCE_KEYS, path)
    kinds = _list(data.get("debtor_kinds", []), (*path, "debtor_kinds"))
    priorities = _list(data.get("priorities", []), (*path, "priorities"))
    return Audience(
        min_amount=_amount(data["min_amount"], (*path, "min_amount")) if "min_amount" in data else None,
        max_amount=_amount(data["max_amount"], (*path, "max_amount")) if "max_amount" in data else None,
        debtor_kinds=frozenset(_enum(DebtorKind, k, (*path, "debtor_kinds", i)) for i, k in enumerate(kinds)),
        priorities=frozenset(_enum(Priority, p, (*path, "priorities", i)) for i, p in enumerate(priorities)),
    )


def _guardrails(value: Any, path: KeyPath) -> Guardrails:
    data = _table(value, path)
    _known(data, GUARDRAIL_KEYS, path)
    defaults = Guardrails()
    hours = defaults.working_hours
    if "working_hours" in data:
        pair = _list(data["working_hours"], (*path, "working_hours"))
        if len(pair) != 2:
            raise _bad((*path, "working_hours"), 'two times, start and end, e.g. ["09:00", "18:00"]')
        hours = (_time(pair[0], (*path, "working_hours", 0)), _time(pair[1], (*path, "working_hours", 1)))
    days = defaults.working_days
    if "working_days" in data:
        names = _list(data["working_days"], (*path, "working_days"))
        days = frozenset(_weekday(n, (*path, "working_days", i)) for i, n in enumerate(names))
    contacts = data.get("max_contacts_per_week", defaults.max_contacts_per_week)
    return Guardrails(
        max_contacts_per_week=_int(contacts, (*path, "max_contacts_per_week")), working_hours=hours, working_days=days
    )


# ------------------------------------------------------------------- converters


def _bad(path: KeyPath, reason: str) -> InvalidPolicy:
    return InvalidPolicy(_format_field(path), reason)


def _known(data: dict[str, Any], keys: tuple[str, ...], path: KeyPath) -> None:
    for key in data:
        if key not in keys:
            raise _bad((*path, key), f"unknown key (expected one of {', '.join(keys)})")


def _required(data: dict[str, Any], key: str, path: KeyPath) -> Any:
    if key not in data:
        raise _bad((*path, key), "is required")
    return data[key]


def _table(value: Any, path: KeyPath) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise _bad(path, f"expected a table, got {_kind(value)}")
    return value


def _list(value: Any, path: KeyPath) -> list[Any]:
    if not isinstance(value, list):
        raise _bad(path, f"expected a list, got {_kind(value)}")
    return value


def _str(value: Any, path: KeyPath) -> str:
    if not isinstance(value, str):
        raise _bad(path, f"expected a string, got {_kind(value)}")
    return value


def _int(value: Any, path: KeyPath) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise _bad(path, f"expected a whole number, got {_kind(value)}")
    return value


def _bool(value: Any, path: KeyPath) -> bool:
    if not isinstance(value, bool):
        raise _bad(path, f"expected true or false, got {_kind(value)}")
    return value


def _enum(kind: type[E], value: Any, path: KeyPath) -> E:
    for member in kind:
        if member.value == value:
            return member
    choices = ", ".join(str(m.value) for m in kind)
    raise _bad(path, f"{value!r} is not one of {choices}")


def _amount(value: Any, path: KeyPath) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise _bad(path, f'an amount is a whole number or a string such as "150.00", not {_kind(value)}')
    try:
        return Decimal(value)
    except InvalidOperation as error:
        raise _bad(path, f"{value!r} is not an amount") from error


def _time(value: Any, path: KeyPath) -> time:
    if isinstance(value, time):
        return value
    if isinstance(value, str):
        try:
            return time.fromisoformat(value)
        except ValueError:
            pass
    raise _bad(path, f'{value!r} is not a time of day such as "09:00"')


def _weekday(value: Any, path: KeyPath) -> int:
    if isinstance(value, str) and value.lower() in WEEKDAYS:
        return WEEKDAYS.index(value.lower())
    raise _bad(path, f"{value!r} is not one of {', '.join(WEEKDAYS)}")


def _kind(value: Any) -> str:
    names: dict[type, str] = {bool: "a boolean", int: "a number", float: "a decimal number", str: "a string"}
    names |= {list: "a list", dict: "a table"}
    return names.get(type(value), type(value).__name__)


def _format_field(path: KeyPath) -> str:
    text = ""
    for key in path:
        text += f"[{key}]" if isinstance(key, int) else (f".{key}" if text else key)
    return text


def _parse_field(field: str) -> KeyPath:
    return tuple(name or int(index) for name, index in FIELD_PART.findall(field))


# ---------------------------------------------------------------- line finding


class _KeyLines:
    """Where each table header and key sits in the text, by path: ``("stages", 3, "action")`` is the
    ``action =`` line after the fourth ``[[stages]]``. A path not written (a missing key, a value
    inside an inline table) falls back to its nearest written parent."""

    def __init__(self, text: str) -> None:
        self.lines: dict[KeyPath, int] = {}
        arrays: dict[tuple[str, ...], int] = {}
        section: KeyPath = ()
        in_string = False
        for number, line in enumerate(text.splitlines(), start=1):
            if in_string:
                in_string = _toggles_string(line, in_string)
                continue
            header = HEADER.match(line)
            if header:
                names = tuple(_unquote(n) for n in header.group(2).split("."))
                if header.group(1) == "[[":
                    arrays[names] = arrays.get(names, 0) + 1
                section = self._section(names, arrays)
                self.lines.setdefault(section, number)
                continue
            key = KEY_LINE.match(line)
            if key:
                parts = tuple(_unquote(k) for k in key.group(1).split("."))
                for size in range(1, len(parts) + 1):
                    self.lines.setdefault((*section, *parts[:size]), number)
                in_string = _toggles_string(line[key.end() :], in_string)

    @staticmethod
    def _section(names: tuple[str, ...], arrays: dict[tuple[str, ...], int]) -> KeyPath:
        path: list[Key] = []
        for size in range(1, len(names) + 1):
            path.append(names[size - 1])
            if names[:size] in arrays:
                path.append(arrays[names[:size]] - 1)
        return tuple(path)

    def locate(self, path: KeyPath) -> int | None:
        for size in range(len(path), 0, -1):
            if path[:size] in self.lines:
                return self.lines[path[:size]]
        return None


def _toggles_string(text: str, in_string: bool) -> bool:
    for quotes in ('"""', "'''"):
        if text.count(quotes) % 2:
            return not in_string
    return in_string


def _unquote(name: str) -> str:
    return name.strip().strip("\"'")
