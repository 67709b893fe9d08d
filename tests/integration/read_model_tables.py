"""Every read-model row as text, to compare two states of the read models table by table."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from infrastructure.read_store import ReadStore

TABLES = {
    "rm_receivables": "receivable_id",
    "rm_reductions": "receivable_id, version",
    "rm_dunning_steps": "receivable_id, version",
    "rm_debtors": "debtor_id",
    "rm_audit": "notification_id",
    "projection_positions": "name",
}


def dump(read_store: ReadStore) -> dict[str, list[tuple[str, ...]]]:
    """Every row in key order (positions without their time stamp), values as text."""
    tables = {}
    for table, key in TABLES.items():
        columns = "name, position, version" if table == "projection_positions" else "*"
        rows = read_store.fetch(f"SELECT {columns} FROM {table} ORDER BY {key}")
        tables[table] = [tuple(_text(value) for value in row) for row in rows]
    return tables


def _text(value: Any) -> str:
    if isinstance(value, datetime):
        return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
    if isinstance(value, bool):
        return str(int(value))
    return "" if value is None else str(value)
