"""SQL injection and hostile strings in every string field of every command body and in every
query parameter: never a 5xx, a refused request leaves the stored rows exactly as they were,
and an accepted one stores the string verbatim."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import psycopg
import pytest

from tests.e2e.conftest import COMMANDS, Api, Request, concrete

HOSTILE = [
    "'; DROP TABLE ledger_events; --",
    "' OR '1'='1",
    "x\x00y",  # PostgreSQL text cannot hold NUL: must be a 422, never a 500
    "Robert'); DELETE FROM idempotency_keys WHERE ('1'='1",
    "%s %(id)s {table} $1 \\",
    "\u202egnp.exe\u202c \ufeff\u200b",  # right-to-left override, BOM, zero-width space
    "A" * 20_000,
]
NOTE_MAX_LENGTH = 4000  # domain: a note is at most 4,000 characters
TABLES = ("ledger_events", "idempotency_keys", "documents")


def string_paths(value: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    """The path of every string inside a JSON body."""
    if isinstance(value, str):
        yield path
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from string_paths(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from string_paths(item, (*path, index))


def replaced(value: Any, path: tuple[Any, ...], new: str) -> Any:
    if not path:
        return new
    head, rest = path[0], path[1:]
    if isinstance(value, dict):
        return {**value, head: replaced(value[head], rest, new)}
    return [replaced(item, rest, new) if i == head else item for i, item in enumerate(value)]


def holds(value: Any, text: str) -> bool:
    """Whether ``text`` is one of the strings inside ``value``."""
    if isinstance(value, str):
        return value == text
    if isinstance(value, dict):
        return any(holds(v, text) for v in value.values())
    if isinstance(value, list):
        return any(holds(v, text) for v in value)
    return False


def fingerprint(url: str) -> dict[str, tuple[int, str | None]]:
    """Row count and an md5 of every row of the tables a command writes."""
    prints = {}
    with psycopg.connect(url) as conn:
        for table in TABLES:
            try:
                row = conn.execute(
                    f"SELECT count(*), md5(string_agg(t::text, '|' ORDER BY t::text)) FROM {table} t"
                ).fetchone()
            except psycopg.errors.UndefinedTable:
                conn.rollback()
                continue
            assert row is not None
            prints[table] = (int(row[0]), row[1])
    return prints


def written(api: Api, request: Request, response: httpx.Response) -> Any:
    """What an accepted command stored: its aggregate's last journal record, opened (a person's data and the
    free texts are sealed in the journal, docs/privacy.md); for a debtor also its view."""
    if request.aggregate is not None:
        kind, aggregate_id = request.aggregate
    else:
        body = response.json()
        aggregate_id = body.get("state", body)["id"]
        kind = "receivables" if request.path == "/v1/receivables" else "debtors"
    record = api.opened_journal(aggregate_id)[-1]
    if kind != "debtors":
        return record
    return [record, api.get("admin", f"/v1/debtors/{aggregate_id}").json()]


@pytest.mark.postgres
@pytest.mark.parametrize("route", [r for r in COMMANDS if r != "/v1/documents"])
def test_hostile_strings_in_a_command_body_never_break_the_store(
    fresh_postgres_database: str, fresh_api: Api, route: str
) -> None:
    api, url = fresh_api, fresh_postgres_database
    request = COMMANDS[route](api)
    assert request.body is not None
    client = api.as_("admin")
    for path in string_paths(request.body):
        for text in HOSTILE:
            before = fingerprint(url)
            response = client.post(request.path, json=replaced(request.body, path, text))
            assert response.status_code < 500, (route, path, text[:40], response.status_code, response.text[:300])
            if response.status_code >= 400:
                assert fingerprint(url) == before, (route, path, text[:40], response.status_code)
            else:
                assert holds(written(api, request, response), text), (route, path, text[:40])


@pytest.mark.postgres
@pytest.mark.parametrize("text", HOSTILE, ids=range(len(HOSTILE)))
def test_a_hostile_string_in_every_query_parameter_is_answered_without_a_5xx_or_a_write(
    fresh_postgres_database: str, fresh_api: Api, text: str
) -> None:
    api, url = fresh_api, fresh_postgres_database
    receivable = api.invoice()
    ids = {"receivable_id": receivable["id"], "debtor_id": receivable["debtor_id"]}
    operations = [
        (path, [p["name"] for p in op.get("parameters", []) if p["in"] == "query"])
        for path, item in api.app.openapi()["paths"].items()
        for method, op in item.items()
        if method == "get"
    ]
    queried = 0
    before = fingerprint(url)
    failures = []
    for template, names in operations:
        for name in names:
            response = api.as_("admin").get(concrete(template, ids), params={name: text})
            if response.status_code >= 500:
                failures.append((template, name, response.status_code))
            queried += 1
    assert queried > 10
    assert failures == []
    assert fingerprint(url) == before


@pytest.mark.postgres
def test_a_hostile_note_is_stored_and_read_back_verbatim(fresh_api: Api) -> None:
    rid = fresh_api.invoice()["id"]
    for text in HOSTILE:
        events = len(fresh_api.journal(rid))
        response = fresh_api.post("collector", f"/v1/receivables/{rid}/notes", {"text": text})
        if len(text) > NOTE_MAX_LENGTH:
            assert response.status_code == 422, response.text
            assert len(fresh_api.journal(rid)) == events
            continue
        assert response.status_code == 201, response.text
        assert "sealed" in fresh_api.journal(rid)[-1]["data"]["text"]  # a free text is sealed (docs/privacy.md)
        assert fresh_api.opened_journal(rid)[-1]["data"]["text"] == text
        assert fresh_api.receivable(rid)["version"] == events + 1
