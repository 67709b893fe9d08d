"""The HTTP API, served for real: uvicorn in a background thread over PostgreSQL (or SQLite),
an ``httpx`` client per role, and short builders for every command the API accepts.

``Api.hits`` records the (method, path template) of every 2xx answer, so a test can
compare what it exercised with the OpenAPI schema.
"""

from __future__ import annotations

import itertools
import re
import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest
import uvicorn
from fastapi import FastAPI
from psycopg import sql

from api.bootstrap import Services, build_services
from api.http.app import create_app
from application.access import Role
from application.clock import SimulatedClock
from infrastructure.settings import Settings
from tests.support.log_watch import leaks, watched_logs
from tests.support.throwaway_postgres import with_dbname

NOW = datetime(2026, 6, 15, 10, 0, tzinfo=UTC)  # 12:00 in Paris
TIMEZONE = "Europe/Paris"
ROLES = tuple(role.value for role in Role)
PDF = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + bytes(17)
VALID_SIREN = "732829320"
PROBLEM_FIELDS = {"type", "title", "status", "detail", "instance"}


# ------------------------------------------------------------------- server


@contextmanager
def serving(app: FastAPI) -> Iterator[str]:
    """Run ``app`` with uvicorn on a free port in a background thread; yields its base URL."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    # Accepted connections inherit it; without it each response waits ~40 ms for a delayed ACK.
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_config=None, lifespan="on", access_log=False)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(15)
        sock.close()


# --------------------------------------------------------------- endpoints


ISSUE_3_TAGS = frozenset({"health", "receivables", "debtors", "documents"})


def schema_endpoints(app: FastAPI, *, tags: frozenset[str] | None = None) -> set[tuple[str, str]]:
    """Every (METHOD, path template) of the OpenAPI schema; with ``tags``, those whose tags are all
    among them (issue 3's resources, leaving out e.g. the reports and evidence of later issues)."""
    return {
        (method.upper(), path)
        for path, item in app.openapi()["paths"].items()
        for method, operation in item.items()
        if tags is None or set(operation.get("tags", [])) <= tags
    }


def concrete(template: str, ids: dict[str, Any]) -> str:
    """A path of this template with the given ids (1 for any other parameter)."""
    return re.sub(r"\{([^/]+?)\}", lambda m: str(ids.get(m.group(1), 1)), template)


def template_matcher(templates: set[str]) -> Callable[[str], str | None]:
    """Map a concrete path to the schema's template (the most literal one when several match)."""
    compiled = [
        (re.compile("^" + re.sub(r"\\\{[^/]+?\\\}", "[^/]+", re.escape(t)) + "$"), t, t.count("{")) for t in templates
    ]

    def match(path: str) -> str | None:
        found = sorted((params, t) for pattern, t, params in compiled if pattern.match(path))
        return found[0][1] if found else None

    return match


_MATCHER: list[Callable[[str], str | None]] = []


def _matcher(app: FastAPI) -> Callable[[str], str | None]:
    """The template matcher, built once: every app of a test session has the same routes, and
    building the OpenAPI document takes a noticeable part of a second."""
    if not _MATCHER:
        _MATCHER.append(template_matcher({t for _, t in schema_endpoints(app)}))
    return _MATCHER[0]


# --------------------------------------------------------------------- api


@dataclass
class Api:
    """A running API with one token per role and builders for its commands."""

    base_url: str
    app: FastAPI
    services: Services
    clock: SimulatedClock
    secrets: dict[str, str] = field(default_factory=dict)
    hits: set[tuple[str, str]] = field(default_factory=set)
    responses: list[httpx.Response] = field(default_factory=list)
    _clients: dict[str, httpx.Client] = field(default_factory=dict)
    _counter: Iterator[int] = field(default_factory=itertools.count)

    def __post_init__(self) -> None:
        for role in ROLES:
            self.add_token(f"{role}-desk", role)
        self._template = _matcher(self.app)

    # -- tokens and clients

    def add_token(self, name: str, role: str) -> str:
        _, secret = self.services.tokens.create(name=name, role=Role(role), created_by="tests")
        self.secrets[name] = secret
        return secret

    def token(self, role: str) -> str:
        return self.secrets[f"{role}-desk"]

    def client(self, token: str | None = None, **headers: str) -> httpx.Client:
        """A new client (the caller closes it); ``token`` is a role or a raw secret."""
        if token is not None:
            secret = self.secrets.get(f"{token}-desk", token)
            headers = {"Authorization": f"Bearer {secret}", **headers}
        return httpx.Client(
            base_url=self.base_url, headers=headers, timeout=30, event_hooks={"response": [self._record]}
        )

    def as_(self, role: str) -> httpx.Client:
        if role not in self._clients:
            self._clients[role] = self.client(role)
        return self._clients[role]

    def anonymous(self) -> httpx.Client:
        if "" not in self._clients:
            self._clients[""] = self.client()
        return self._clients[""]

    def close(self) -> None:
        for client in self._clients.values():
            client.close()

    def _record(self, response: httpx.Response) -> None:
        self.responses.append(response)
        if 200 <= response.status_code < 300:
            template = self._template(response.request.url.path)
            if template is not None:
                self.hits.add((response.request.method, template))

    # -- plain requests

    def post(self, role: str, path: str, body: dict[str, Any] | None = None, **headers: str) -> httpx.Response:
        return self.as_(role).post(path, json=body, headers=headers)

    def get(self, role: str, path: str, **params: Any) -> httpx.Response:
        return self.as_(role).get(path, params=params)

    def ok(self, role: str, path: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
        response = self.post(role, path, body)
        assert response.status_code in (200, 201), (path, response.status_code, response.text)
        result: dict[str, Any] = response.json()
        return result

    # -- the clock

    @property
    def today(self) -> date:
        return self.services.ledger.now().today

    def days(self, offset: int) -> str:
        return (self.today + timedelta(days=offset)).isoformat()

    def advance(self, days: int) -> None:
        self.clock.advance(timedelta(days=days))

    # -- builders

    def unique(self, prefix: str) -> str:
        return f"{prefix}-{next(self._counter):04d}"

    def debtor(self, kind: str = "professional", **overrides: Any) -> dict[str, Any]:
        state: dict[str, Any] = self.ok("admin", "/v1/debtors", debtor_body(kind, **overrides))["state"]
        return state

    def contact(self, debtor_id: str) -> str:
        state = self.ok("admin", f"/v1/debtors/{debtor_id}/contacts", contact_body())["state"]
        contact_id: str = state["contacts"][-1]["contact_id"]
        return contact_id

    def invoice(
        self,
        debtor_id: str | None = None,
        *,
        amount: str = "1200.00",
        days_overdue: int = 45,
        kind: str = "professional",
    ) -> dict[str, Any]:
        """An invoice issued 30 days before its due date, ``days_overdue`` days ago."""
        body = self.invoice_body(debtor_id or self.debtor(kind)["id"], amount=amount, days_overdue=days_overdue)
        state: dict[str, Any] = self.ok("admin", "/v1/receivables", body)["state"]
        return state

    def invoice_body(self, debtor_id: str, *, amount: str = "1200.00", days_overdue: int = 45) -> dict[str, Any]:
        incl = Decimal(amount)
        excl = (incl / Decimal("1.2")).quantize(Decimal("0.01"))
        return {
            "invoice_number": self.unique("FA-2026"),
            "debtor_id": debtor_id,
            "issue_date": self.days(-days_overdue - 30),
            "due_date": self.days(-days_overdue),
            "amount_excl_vat": str(excl),
            "vat": str(incl - excl),
            "amount_incl_vat": amount,
            "label": "Pose de menuiseries",
            "payment_terms": "30 jours",
        }

    def payment_body(self, amount: str = "100.00", reference: str | None = None) -> dict[str, Any]:
        return {
            "amount": amount,
            "value_date": self.days(0),
            "method": "transfer",
            "bank_reference": reference or self.unique("VIR"),
        }

    def document(self, content: bytes = PDF, media_type: str = "application/pdf") -> str:
        response = self.as_("admin").post("/v1/documents", content=content, headers={"Content-Type": media_type})
        assert response.status_code in (200, 201), response.text
        sha: str = response.json()["sha256"]
        return sha

    def unique_pdf(self) -> bytes:
        return PDF + self.unique("%").encode() + b"\n"

    def journal(self, aggregate_id: str, kind: str = "receivables") -> list[dict[str, Any]]:
        response = self.get("admin", f"/v1/{kind}/{aggregate_id}/journal")
        assert response.status_code == 200, response.text
        records: list[dict[str, Any]] = response.json()
        return records

    def opened_journal(self, aggregate_id: str) -> list[dict[str, Any]]:
        """The journal as the console and the dossier read it: personal data and free texts opened (the HTTP
        journal holds them sealed, docs/privacy.md)."""
        return [entry.record for entry in self.services.ledger.journal(uuid.UUID(aggregate_id), opened=True)]

    def receivable(self, receivable_id: str) -> dict[str, Any]:
        response = self.get("admin", f"/v1/receivables/{receivable_id}")
        assert response.status_code == 200, response.text
        state: dict[str, Any] = response.json()
        return state


def debtor_body(kind: str = "professional", **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "legal_name": "Menuiserie Martin SARL" if kind == "professional" else "Jean Dupont",
        "kind": kind,
        "address": {"lines": ["12 rue des Lilas"], "postal_code": "69003", "city": "Lyon", "country": "FR"},
    }
    if kind == "professional":
        body["siren"] = VALID_SIREN
    return {**body, **overrides}


def contact_body(**overrides: Any) -> dict[str, Any]:
    return {
        "role": "accounts_payable",
        "name": "Jeanne Martin",
        "email": "jeanne.martin@example.fr",
        "phone": "+33 4 72 00 00 00",
        **overrides,
    }


# ------------------------------------------------------------------ commands


@dataclass(frozen=True)
class Request:
    """A ready-to-send command: the path, its JSON body (or raw content), and whose journal it writes."""

    path: str
    body: dict[str, Any] | None = None
    content: bytes | None = None
    content_type: str | None = None
    aggregate: tuple[str, str] | None = None  # ("receivables" | "debtors", id)

    def send(self, client: httpx.Client, **headers: str) -> httpx.Response:
        if self.content is not None:
            return client.post(
                self.path, content=self.content, headers={"Content-Type": self.content_type or "", **headers}
            )
        return client.post(self.path, json=self.body, headers=headers)


def receivable_command(build: Callable[[Api, str], tuple[str, dict[str, Any]]]) -> Callable[[Api], Request]:
    def prepare(api: Api) -> Request:
        receivable_id = api.invoice()["id"]
        suffix, body = build(api, receivable_id)
        return Request(f"/v1/receivables/{receivable_id}{suffix}", body, aggregate=("receivables", receivable_id))

    return prepare


def debtor_command(
    build: Callable[[Api, str], tuple[str, dict[str, Any]]], kind: str = "professional"
) -> Callable[[Api], Request]:
    def prepare(api: Api) -> Request:
        debtor_id = api.debtor(kind)["id"]
        suffix, body = build(api, debtor_id)
        return Request(f"/v1/debtors/{debtor_id}{suffix}", body, aggregate=("debtors", debtor_id))

    return prepare


def _broken_promise(api: Api, rid: str) -> tuple[str, dict[str, Any]]:
    api.ok("admin", f"/v1/receivables/{rid}/promises", {"amount": "300.00", "promised_date": api.days(1)})
    api.advance(2)
    return "/promises/broken", {"noted_on": api.days(0)}


def _resolution(api: Api, rid: str) -> tuple[str, dict[str, Any]]:
    api.ok("admin", f"/v1/receivables/{rid}/disputes", {"reason": "price", "opened_on": api.days(0)})
    return "/disputes/1/resolution", {"outcome": "rejected", "resolved_on": api.days(0), "comment": "price agreed"}


def _formal_notice(api: Api) -> dict[str, Any]:
    return {
        "channel": "registered_letter",
        "sent_on": api.days(0),
        "deadline": api.days(8),
        "principal": "1200.00",
        "interest": "12.50",
        "indemnity": "40.00",
        "document_sha256": api.document(api.unique_pdf()),
        "tracking_number": api.unique("1A"),
    }


def _acknowledgement(api: Api, rid: str) -> tuple[str, dict[str, Any]]:
    api.ok("admin", f"/v1/receivables/{rid}/formal-notices", _formal_notice(api))
    return "/formal-notices/1/acknowledgement", {"outcome": "delivered", "acknowledged_on": api.days(0)}


def _plan(api: Api, first_due: int) -> dict[str, Any]:
    return {
        "instalments": [
            {"due_date": api.days(first_due), "amount": "600.00"},
            {"due_date": api.days(first_due + 30), "amount": "600.00"},
        ]
    }


def _missed_instalment(api: Api, rid: str) -> tuple[str, dict[str, Any]]:
    api.ok("admin", f"/v1/receivables/{rid}/payment-plans", _plan(api, 1))
    api.advance(2)
    return "/payment-plans/missed-instalments", {"instalment_number": 1, "noted_on": api.days(0)}


def _waiver(api: Api, rid: str) -> tuple[str, dict[str, Any]]:
    api.ok("admin", f"/v1/receivables/{rid}/late-charges", _late_charges(api))
    return "/late-charges/waivers", {"interest": "12.50", "indemnity": "0", "reason": "goodwill gesture"}


def _late_charges(api: Api) -> dict[str, Any]:
    return {
        "interest": "12.50",
        "indemnity": "40.00",
        "charges_invoice_number": api.unique("FP-2026"),
        "invoiced_on": api.days(0),
    }


def _resumption(api: Api, rid: str) -> tuple[str, dict[str, Any]]:
    api.ok("admin", f"/v1/receivables/{rid}/pauses", {"reason": "negotiation"})
    return "/pauses/resumption", {"reason": "talks failed"}


def _mediation_end(api: Api, rid: str) -> tuple[str, dict[str, Any]]:
    api.ok("admin", f"/v1/receivables/{rid}/mediations", {"started_on": api.days(0)})
    return "/mediations/end", {"ended_on": api.days(0), "outcome": "no agreement"}


def _contact_change(api: Api, did: str) -> tuple[str, dict[str, Any]]:
    contact_id = api.contact(did)
    return f"/contacts/{contact_id}", contact_body(role="signatory")


def _contact_erasure(api: Api, did: str) -> tuple[str, dict[str, Any]]:
    return f"/contacts/{api.contact(did)}/erasure", {"reason": "demande de l'intéressé (RGPD art. 17)"}


def _claim(api: Api, did: str) -> tuple[str, dict[str, Any]]:
    api.ok("admin", f"/v1/debtors/{did}/insolvency", _insolvency(api))
    return "/claim-declarations", {"declared_on": api.days(0), "amount": "1200.00", "administrator": "Me Dupont"}


def _insolvency(api: Api) -> dict[str, Any]:
    return {
        "procedure": "receivership",
        "court": "Tribunal de commerce de Lyon",
        "judgment_date": api.days(-10),
        "publication_date": api.days(-5),
    }


def _new_invoice(api: Api) -> Request:
    return Request("/v1/receivables", api.invoice_body(api.debtor()["id"]))


def _new_debtor(api: Api) -> Request:
    return Request("/v1/debtors", debtor_body(siren=None, siret="73282932000074"))


def _new_document(api: Api) -> Request:
    return Request("/v1/documents", content=api.unique_pdf(), content_type="application/pdf")


R = receivable_command
D = debtor_command

COMMANDS: dict[str, Callable[[Api], Request]] = {
    "/v1/receivables": _new_invoice,
    "/v1/receivables/{receivable_id}/reminders": R(
        lambda api, rid: ("/reminders", {"stage": "first", "channel": "email", "sent_on": api.days(0)})
    ),
    "/v1/receivables/{receivable_id}/calls": R(
        lambda api, rid: (
            "/calls",
            {"called_on": api.days(0), "purpose": "follow_up", "outcome": "reached", "notes": "will pay"},
        )
    ),
    "/v1/receivables/{receivable_id}/promises": R(
        lambda api, rid: ("/promises", {"amount": "300.00", "promised_date": api.days(10)})
    ),
    "/v1/receivables/{receivable_id}/promises/broken": R(_broken_promise),
    "/v1/receivables/{receivable_id}/disputes": R(
        lambda api, rid: ("/disputes", {"reason": "price", "opened_on": api.days(0), "amount": "200.00"})
    ),
    "/v1/receivables/{receivable_id}/disputes/{dispute_number}/resolution": R(_resolution),
    "/v1/receivables/{receivable_id}/formal-notices": R(lambda api, rid: ("/formal-notices", _formal_notice(api))),
    "/v1/receivables/{receivable_id}/formal-notices/{notice_number}/acknowledgement": R(_acknowledgement),
    "/v1/receivables/{receivable_id}/payments": R(lambda api, rid: ("/payments", api.payment_body())),
    "/v1/receivables/{receivable_id}/credit-notes": R(
        lambda api, rid: (
            "/credit-notes",
            {"credit_note_number": api.unique("AV"), "amount": "50.00", "issued_on": api.days(0)},
        )
    ),
    "/v1/receivables/{receivable_id}/payment-plans": R(lambda api, rid: ("/payment-plans", _plan(api, 30))),
    "/v1/receivables/{receivable_id}/payment-plans/missed-instalments": R(_missed_instalment),
    "/v1/receivables/{receivable_id}/late-charges": R(lambda api, rid: ("/late-charges", _late_charges(api))),
    "/v1/receivables/{receivable_id}/late-charges/waivers": R(_waiver),
    "/v1/receivables/{receivable_id}/escalations": R(
        lambda api, rid: ("/escalations", {"route": "payment_order", "escalated_on": api.days(0), "reference": "IP-1"})
    ),
    "/v1/receivables/{receivable_id}/write-off": R(lambda api, rid: ("/write-off", {"reason": "debtor vanished"})),
    "/v1/receivables/{receivable_id}/pauses": R(
        lambda api, rid: ("/pauses", {"reason": "negotiation", "until": api.days(14)})
    ),
    "/v1/receivables/{receivable_id}/pauses/resumption": R(_resumption),
    "/v1/receivables/{receivable_id}/mediations": R(
        lambda api, rid: ("/mediations", {"started_on": api.days(0), "reference": "MED-1"})
    ),
    "/v1/receivables/{receivable_id}/mediations/end": R(_mediation_end),
    "/v1/receivables/{receivable_id}/notes": R(lambda api, rid: ("/notes", {"text": "visited the workshop"})),
    "/v1/receivables/{receivable_id}/documents": R(
        lambda api, rid: (
            "/documents",
            {
                "kind": "delivery_proof",
                "document_sha256": api.document(api.unique_pdf()),
                "media_type": "application/pdf",
            },
        )
    ),
    "/v1/debtors": _new_debtor,
    "/v1/debtors/{debtor_id}/contacts": D(lambda api, did: ("/contacts", contact_body())),
    "/v1/debtors/{debtor_id}/contacts/{contact_id}": D(_contact_change),
    "/v1/debtors/{debtor_id}/address": D(
        lambda api, did: ("/address", {"lines": ["9 quai Perrache"], "postal_code": "69002", "city": "Lyon"})
    ),
    "/v1/debtors/{debtor_id}/name-rectification": D(
        lambda api, did: ("/name-rectification", {"legal_name": api.unique("Nom rectifié"), "reason": "À sa demande"})
    ),
    "/v1/debtors/{debtor_id}/credit-limit": D(lambda api, did: ("/credit-limit", {"limit": "5000.00"})),
    "/v1/debtors/{debtor_id}/priority": D(lambda api, did: ("/priority", {"priority": "high"})),
    "/v1/debtors/{debtor_id}/policy": D(lambda api, did: ("/policy", {"policy_id": "large-accounts"})),
    "/v1/debtors/{debtor_id}/electronic-delivery-consent": D(
        lambda api, did: ("/electronic-delivery-consent", {"consented_on": api.days(0)}), kind="consumer"
    ),
    "/v1/debtors/{debtor_id}/insolvency": D(lambda api, did: ("/insolvency", _insolvency(api))),
    "/v1/debtors/{debtor_id}/claim-declarations": D(_claim),
    "/v1/debtors/{debtor_id}/contacts/{contact_id}/erasure": D(_contact_erasure),
    "/v1/debtors/{debtor_id}/erasure": D(lambda api, did: ("/erasure", {"reason": "GDPR request"}), kind="consumer"),
    "/v1/documents": _new_document,
}


# ------------------------------------------------------------------ fixtures


@pytest.fixture(scope="session", autouse=True)
def no_personal_data_in_the_logs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Every line the apps of this session log is kept; at the end, none may name a person, an
    e-mail, a telephone, an address or an IBAN of the demo or of these tests' builders."""
    with watched_logs(tmp_path_factory.mktemp("logs") / "app.log") as path:
        yield
    text = path.read_text(encoding="utf-8")
    leaked = leaks(text)
    if leaked:
        lines = [line for line in text.splitlines() if any(value in line for value in leaked)][:5]
        pytest.fail(f"personal data in the logs: {leaked}; e.g. {lines}")


@contextmanager
def running_api(settings: Settings, clock: SimulatedClock | None = None) -> Iterator[Api]:
    clock = clock or SimulatedClock(NOW)
    services = build_services(settings, clock=clock)
    try:
        app = create_app(settings, services=services, clock=clock)
        with serving(app) as base_url:
            api = Api(base_url, app, services, clock)
            try:
                yield api
            finally:
                api.close()
    finally:
        services.close()


# These tests send unknown and revoked tokens on purpose, all from 127.0.0.1 and on a clock that
# stands still: the limit of failed authentications (decision 0029) is raised out of their way;
# test_api_hardening checks it with its own app.
FAILED_AUTHENTICATIONS = 10_000


def postgres_settings(url: str, tmp_path: Path, **overrides: Any) -> Settings:
    fields = {"database_url": url, "data_dir": tmp_path, "timezone": TIMEZONE, "environment": "development"}
    return Settings(**{"auth_failures_per_minute": FAILED_AUTHENTICATIONS, **fields, **overrides})


def sqlite_settings(tmp_path: Path, **overrides: Any) -> Settings:
    fields = {"database_url": None, "data_dir": tmp_path, "timezone": TIMEZONE, "environment": "development"}
    return Settings(**{"auth_failures_per_minute": FAILED_AUTHENTICATIONS, **fields, **overrides})


@pytest.fixture
def fresh_api(fresh_postgres_database: str, tmp_path: Path) -> Iterator[Api]:
    """The API over a new, empty PostgreSQL database, at 2026-06-15 12:00 Paris time."""
    with running_api(postgres_settings(fresh_postgres_database, tmp_path)) as running:
        yield running


@pytest.fixture(scope="module")
def api(postgres_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Api]:
    """One API over one PostgreSQL database for a whole module: tests make their own debtors and
    invoices and never assume an empty store or a fixed date (the clock only moves forward)."""
    name = f"relance_e2e_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        with running_api(postgres_settings(with_dbname(postgres_url, name), tmp_path_factory.mktemp("api"))) as running:
            yield running
    finally:
        with psycopg.connect(postgres_url, autocommit=True) as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


@pytest.fixture
def sqlite_api(tmp_path: Path) -> Iterator[Api]:
    """The API over an embedded SQLite store in a temporary directory."""
    with running_api(sqlite_settings(tmp_path / "store")) as running:
        yield running


def new_id() -> str:
    return str(uuid.uuid4())


def assert_problem(response: httpx.Response, status: int, rule: str | None = None) -> dict[str, Any]:
    """An RFC 9457 problem with this status (and this rule, when given)."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json"), response.headers
    problem: dict[str, Any] = response.json()
    assert problem.keys() >= PROBLEM_FIELDS, problem
    assert problem["status"] == status
    assert problem["instance"] == response.request.url.path
    if rule is not None:
        assert problem.get("rule") == rule, problem
    return problem
