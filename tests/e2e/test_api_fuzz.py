"""The HTTP API under schemathesis: every operation, with the token of every role, on a demo ledger.

Each generated request goes to the app in process (ASGI) on a store holding the demo
ledger and its documents. About half of the well-formed ids in paths and bodies are
swapped for ids that exist, so that commands reach the domain's rules rather than 404.
Then, for every request:

* no response is a 5xx;
* the status, media type and headers are documented, and the body conforms to the
  documented schema;
* a refused request (4xx) records nothing; a command's 2xx records exactly the events it returns;
  and after the run every event the store gained was recorded by a 2xx response;
* a command answers with what a read right after it shows (same state, same ETag).

Bounded and deterministic: about 600 requests on SQLite (the schema's examples, the coverage
phase's valid values, 6 fuzzed cases per operation) and 200 on PostgreSQL, with a fixed seed,
no example database, a simulated clock and the demo recorded as of a fixed instant. The schema
is the app's own OpenAPI document. (schemathesis.pytest.from_fixture, which would build it from
a fixture, fails on pytest 9.2: it sets Function._nodeid, which pytest no longer has.)
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import re
import uuid
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, cast

import hypothesis
import psycopg
import pytest
import schemathesis
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat
from fastapi import FastAPI
from psycopg import sql
from pydantic import SecretStr
from schemathesis.python.asgi import get_client
from starlette.types import Receive, Scope, Send

from api.bootstrap import Services, build_services
from api.demo import demo_clock, load_demo
from api.http.app import create_app
from application.access import Role
from application.clock import SimulatedClock
from infrastructure.settings import Settings
from tests.support.throwaway_postgres import create_database

NOW = datetime(2026, 3, 18, 16, 45, tzinfo=UTC)  # the demo is recorded as if run at this instant
SEED = 20260318
# Fuzzed cases per operation, besides the schema's examples and the coverage phase (SQLite only);
# benchmarks/fuzz raises them for the long run.
SQLITE_EXAMPLES = int(os.environ.get("RELANCE_FUZZ_EXAMPLES", "6"))
POSTGRES_EXAMPLES = int(os.environ.get("RELANCE_FUZZ_POSTGRES_EXAMPLES", "3"))
ADMIN_SHARE = 0.4  # admin may do everything, so its requests reach the rules; the rest go to a role at random
TIMEZONE = "Europe/Paris"
UUID_TEXT = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", re.IGNORECASE)
SHA256_TEXT = re.compile(r"^[0-9a-f]{64}$")
EXCLUDED_CHECKS = [schemathesis.checks.positive_data_acceptance]


def openapi_document() -> dict[str, Any]:
    """The app's OpenAPI document; building the app opens no store (that happens at its start)."""
    document: dict[str, Any] = create_app(Settings(data_dir=Path("unused"), database_url=None)).openapi()
    return document


class AppUnderTest:
    """The ASGI app behind the module's schema: it hands each request to the app of the store being fuzzed.

    The schema is built at import (schemathesis collects one test per operation from it), before any
    store exists; each store's app runs its own lifespan when it starts (``start_api``).
    """

    def __init__(self) -> None:
        self.current: FastAPI | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            while (await receive())["type"] != "lifespan.shutdown":
                await send({"type": "lifespan.startup.complete"})
            await send({"type": "lifespan.shutdown.complete"})
            return
        assert self.current is not None, "no store is being fuzzed"
        await self.current(scope, receive, send)


APP = AppUnderTest()


def api_schema(*, coverage: bool) -> Any:
    """The schema, with a fixed seed. Fuzzing sends valid and invalid requests; the coverage phase adds
    boundary values of every parameter and one request per undocumented method (valid requests only,
    to keep the run to some hundreds of requests)."""
    config = {
        "seed": SEED,
        # The token is the run's (one per role, below); schemathesis's own auth checks still send
        # requests without it and with a wrong one, and expect a 401.
        "generation": {"database": "none", "deterministic": True, "with-security-parameters": False},
        "phases": {"coverage": {"enabled": coverage, "generation": {"mode": "positive"}}},
    }
    loaded = schemathesis.openapi.from_dict(OPENAPI, config=schemathesis.Config.from_dict(config))
    loaded.app = APP
    return loaded


OPENAPI = openapi_document()
schema = api_schema(coverage=True)
postgres_schema = api_schema(coverage=False)  # the smaller run
# Uploads: the documented binary media types go as raw bytes, like application/octet-stream.
schemathesis.serializer.alias(["application/pdf", "image/tiff", "message/rfc822"], "application/octet-stream")
schemathesis.serializer.alias(["application/toml"], "text/plain")


@dataclass
class Run:
    """What the run saw: statuses by role, and the events recorded by 2xx responses."""

    statuses: dict[Role, Counter[int]] = field(default_factory=lambda: defaultdict(Counter))
    events_by_2xx: int = 0
    operations: set[str] = field(default_factory=set)  # fuzzed ones
    reads_compared: int = 0  # command answers compared with a read


@dataclass
class FuzzedApi:
    app: FastAPI
    services: Services
    clock: SimulatedClock
    tokens: dict[Role, str]
    known: dict[str, list[Any]]  # path parameter or body field -> values that exist in the store
    events_at_start: int = 0
    run: Run = field(default_factory=Run)

    def events(self) -> int:
        return int(self.services.ledger.recorder.max_notification_id() or 0)


def settings(data_dir: Path, database_url: str | None = None) -> Settings:
    """Every setting that matters explicit, as a deployment has them (the shell's RELANCE_* must not leak in)."""
    url = None if database_url is None else SecretStr(database_url)
    key = Ed25519PrivateKey.generate().private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption())
    (data_dir / "firm-key.pem").write_bytes(key)
    return Settings(
        data_dir=data_dir,
        database_url=url,
        timezone=TIMEZONE,
        environment="development",
        signing_key_file=data_dir / "firm-key.pem",
    )


def start_api(settings: Settings) -> FuzzedApi:
    """The app over a store holding the demo ledger and its documents, with a token per role."""
    clock = demo_clock(NOW)
    services = build_services(settings, clock=clock)
    load_demo(services.ledger, clock, services.documents, now=NOW)
    clock.set(NOW)
    tokens = {
        role: services.tokens.create(name=f"fuzz-{role.value}", role=role, created_by="test_api_fuzz")[1]
        for role in Role
    }
    app = create_app(settings, services=services, clock=clock)
    with get_client(cast(Any, app)):  # runs the app's lifespan, which stays up until the process ends
        pass
    api = FuzzedApi(app, services, clock, tokens, known_values(services))
    api.events_at_start = api.events()
    return api


def stop_api(api: FuzzedApi) -> None:
    if APP.current is api.app:
        APP.current = None
    api.services.close()


def known_values(services: Services) -> dict[str, list[Any]]:
    ledger = services.ledger
    debtors = [ledger.debtor(debtor_id) for debtor_id in ledger.debtor_ids()]
    documents = sorted(
        {
            value
            for aggregate_id in [*ledger.receivable_ids(), *ledger.debtor_ids()]
            for entry in ledger.journal(aggregate_id)
            for key, value in entry.record["data"].items()
            if key.endswith("sha256") and value and services.documents.describe(value) is not None
        }
    )
    assert documents, "the demo stores the documents its events name"
    return {
        "receivable_id": [str(receivable_id) for receivable_id in ledger.receivable_ids()],
        "debtor_id": [str(debtor.id) for debtor in debtors],
        "contact_id": [str(contact_id) for debtor in debtors for contact_id in debtor.contacts],
        "sha256": documents,
        "document_sha256": documents,
        "proof_sha256": documents,
        "agreement_sha256": documents,
        "calculation_sha256": documents,
        "dispute_number": [1, 2],
        "notice_number": [1, 2],
    }


def chance_for(case: schemathesis.Case) -> random.Random:
    """Randomness drawn from the case itself: the same case always gets the same role and ids."""
    parts = [case.operation.label, case.path_parameters, case.query, case.headers, case.body]
    digest = hashlib.sha256(json.dumps(parts, sort_keys=True, default=stable_text).encode()).digest()
    return random.Random(digest)


def stable_text(value: object) -> str:
    """Bytes by content; anything else (e.g. schemathesis's "no body" marker) by type, never by address."""
    return value.hex() if isinstance(value, bytes) else type(value).__name__


def swap_in_known_values(case: schemathesis.Case, chance: random.Random, known: dict[str, list[Any]]) -> None:
    """Half of the time, each well-formed id is replaced by one that exists; malformed ones stay as they are."""
    containers: list[dict[str, Any]] = [case.path_parameters] if case.path_parameters else []
    if isinstance(case.body, dict):
        containers.append(case.body)
    for values in containers:
        for name, value in list(values.items()):
            if name in known and well_formed(value) and chance.random() < 0.5:
                values[name] = chance.choice(known[name])


def well_formed(value: Any) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return 1 <= value <= 10_000
    return isinstance(value, str) and bool(UUID_TEXT.match(value) or SHA256_TEXT.match(value))


def call(api: FuzzedApi, case: schemathesis.Case) -> None:
    """Send a generated case with a role and ids drawn from the case itself."""
    chance = chance_for(case)
    role = Role.ADMIN if chance.random() < ADMIN_SHARE else chance.choice(list(Role))
    swap_in_known_values(case, chance, api.known)
    send(api, case, role)
    api.run.operations.add(case.operation.label)


def send(api: FuzzedApi, case: schemathesis.Case, role: Role) -> schemathesis.Response:
    """Send the case with the role's token; check what it recorded, then the response against the schema."""
    api.clock.advance(timedelta(minutes=1))
    headers = {"Authorization": f"Bearer {api.tokens[role]}"}
    APP.current = api.app
    before = api.events()
    response = case.call(headers=headers)
    answered = api.events()
    recorded = answered - before
    api.run.statuses[role][response.status_code] += 1
    label = f"{case.operation.label} as {role.value} answered {response.status_code}"
    if 200 <= response.status_code < 300:
        if is_command_result(response):  # other answers (e.g. the rate tables after a publication) list none
            assert recorded == len(events_returned(response)), f"{label}: {recorded} events stored"
        api.run.events_by_2xx += recorded
        answered_as_read(api, case, response)
    else:
        assert recorded == 0, f"{label} and recorded {recorded} events"
    # Every default check (no 5xx, documented status, media type and headers, body schema, auth
    # really required, invalid input refused, 405 with its Allow header) except one: a request
    # that the schema admits may still break a rule the schema cannot say (a due date before the
    # issue date, amounts that do not add up, a document not uploaded yet), answered with 422.
    case.validate_response(response, headers=headers, excluded_checks=EXCLUDED_CHECKS)
    assert api.events() == answered, f"{case.operation.label}: the checks' own requests recorded events"
    return response


def answered_as_read(api: FuzzedApi, case: schemathesis.Case, response: schemathesis.Response) -> None:
    """A command answers with the file as a read right after it shows it: same state, same version (ETag)."""
    kind = case.operation.path.removeprefix("/v1/").split("/")[0]
    if kind not in ("receivables", "debtors") or not is_command_result(response):
        return
    result = response.json()
    parameter = f"{kind[:-1]}_id"
    read = schema[f"/v1/{kind}/{{{parameter}}}"]["GET"].Case(path_parameters={parameter: result["aggregate_id"]})
    again = read.call(headers={"Authorization": f"Bearer {api.tokens[Role.AUDITOR]}"})
    assert again.status_code == 200, again.text
    assert again.headers["etag"] == response.headers["etag"] == [f'"{result["version"]}"']
    assert {**result["state"], "as_of": None} == {"as_of": None, **again.json()}
    api.run.reads_compared += 1


def is_command_result(response: schemathesis.Response) -> bool:
    if not response.headers.get("content-type", [""])[0].startswith("application/json"):
        return False
    body = response.json()
    return isinstance(body, dict) and {"aggregate_id", "version", "state", "events"} <= body.keys()


def events_returned(response: schemathesis.Response) -> list[Any]:
    return list(response.json()["events"]) if is_command_result(response) else []


def every_event_came_from_a_2xx(api: FuzzedApi) -> None:
    assert api.events() - api.events_at_start == api.run.events_by_2xx
    every_operation = {f"{method.upper()} {path}" for path, item in OPENAPI["paths"].items() for method in item}
    if api.run.operations == every_operation:  # a whole run, not a selection (pytest -k)
        assert set(api.run.statuses) == set(Role), "every role made requests"
        assert api.run.reads_compared > 0, "some commands were carried out"


# ------------------------------------------------------------------ SQLite


@pytest.fixture(scope="module")
def fuzzed_sqlite(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FuzzedApi]:
    api = start_api(settings(tmp_path_factory.mktemp("fuzz")))
    yield api
    try:
        every_event_came_from_a_2xx(api)
    finally:
        stop_api(api)


@schema.parametrize()
@hypothesis.settings(max_examples=SQLITE_EXAMPLES, derandomize=True, database=None, deadline=None)
def test_an_operation_answers_as_documented_for_every_role_and_a_refusal_records_nothing(
    case: schemathesis.Case, fuzzed_sqlite: FuzzedApi
) -> None:
    call(fuzzed_sqlite, case)


@pytest.mark.parametrize(
    "identifier",
    [{"siret": "07:06"}, {"siren": "²²²²²²²²²"}, {"siret": "٧٣٢٨٢٩٣٢٠٠٠٠٧٤"}],
    ids=["siret-with-a-colon", "siren-of-superscripts", "siret-of-arabic-digits"],
)
def test_a_siren_or_siret_that_is_not_ascii_digits_is_refused_as_invalid_input(
    identifier: dict[str, str], fuzzed_sqlite: FuzzedApi
) -> None:
    """Found by the run above: "07:06" as a SIRET was a 500 (its Luhn key was computed before its digits
    were checked), so was a SIREN of "²", which str.isdigit admits; a valid SIRET written in Arabic-Indic
    digits (٧٣٢٨٢٩٣٢٠٠٠٠٧٤ is 73282932000074) was recorded as it was."""
    body = {
        "legal_name": "Menuiserie Martin SARL",
        "kind": "professional",
        "address": {"lines": ["12 rue des Lilas"], "postal_code": "69003", "city": "Lyon"},
        **identifier,
    }
    response = send(fuzzed_sqlite, schema["/v1/debtors"]["POST"].Case(body=body), Role.ADMIN)
    assert response.status_code == 422
    assert response.json()["rule"] == f"{next(iter(identifier))}_format"


# -------------------------------------------------------------- PostgreSQL


@pytest.fixture(scope="module")
def fuzzed_postgres(postgres_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[FuzzedApi]:
    name = f"relance_fuzz_{uuid.uuid4().hex[:12]}"
    url = create_database(postgres_url, name)
    api = start_api(settings(tmp_path_factory.mktemp("fuzz-pg"), url))
    yield api
    try:
        every_event_came_from_a_2xx(api)
    finally:
        stop_api(api)
        with psycopg.connect(postgres_url, autocommit=True) as connection:
            connection.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


@pytest.mark.postgres
@postgres_schema.parametrize()
@hypothesis.settings(max_examples=POSTGRES_EXAMPLES, derandomize=True, database=None, deadline=None)
def test_on_postgresql_an_operation_answers_as_documented_and_a_refusal_records_nothing(
    case: schemathesis.Case, fuzzed_postgres: FuzzedApi
) -> None:
    call(fuzzed_postgres, case)
