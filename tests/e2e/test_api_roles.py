"""Who may do what, over HTTP: each role against each endpoint, and the bearer tokens.

The table below is written from the issue — admin: everything; manager: escalation,
write-off, pauses, policies (and what collectors do); collector: reminders, calls,
promises, disputes, notices; accountant: invoices, payments, credit notes, late
charges; auditor: reads everything, writes nothing — with application/access.py for
the routes the issue does not name (payment plans and consent with the collectors,
mediation with the managers, waivers with accountants and managers, notes and documents for every writer,
debtor records for accountants and managers, contacts for every writer).
"""

from __future__ import annotations

import hashlib
from typing import Any

import pytest

from tests.e2e.conftest import COMMANDS, ISSUE_3_TAGS, ROLES, Api, Request, assert_problem, concrete, schema_endpoints

pytestmark = pytest.mark.postgres

ADMIN = {"admin"}
COLLECTING = ADMIN | {"manager", "collector"}
ACCOUNTING = ADMIN | {"accountant"}
MANAGING = ADMIN | {"manager"}
WRITING = ADMIN | {"manager", "collector", "accountant"}

ALLOWED: dict[str, set[str]] = {
    "/v1/receivables": ACCOUNTING,
    "/v1/receivables/{receivable_id}/reminders": COLLECTING,
    "/v1/receivables/{receivable_id}/calls": COLLECTING,
    "/v1/receivables/{receivable_id}/promises": COLLECTING,
    "/v1/receivables/{receivable_id}/promises/broken": COLLECTING,
    "/v1/receivables/{receivable_id}/disputes": COLLECTING,
    "/v1/receivables/{receivable_id}/disputes/{dispute_number}/resolution": COLLECTING,
    "/v1/receivables/{receivable_id}/formal-notices": COLLECTING,
    "/v1/receivables/{receivable_id}/formal-notices/{notice_number}/acknowledgement": COLLECTING,
    "/v1/receivables/{receivable_id}/payment-plans": COLLECTING,
    "/v1/receivables/{receivable_id}/payment-plans/missed-instalments": COLLECTING,
    "/v1/receivables/{receivable_id}/payments": ACCOUNTING,
    "/v1/receivables/{receivable_id}/credit-notes": ACCOUNTING,
    "/v1/receivables/{receivable_id}/late-charges": ACCOUNTING,
    "/v1/receivables/{receivable_id}/late-charges/waivers": MANAGING | ACCOUNTING,
    "/v1/receivables/{receivable_id}/escalations": MANAGING,
    "/v1/receivables/{receivable_id}/write-off": MANAGING,
    "/v1/receivables/{receivable_id}/pauses": MANAGING,
    "/v1/receivables/{receivable_id}/pauses/resumption": MANAGING,
    "/v1/receivables/{receivable_id}/mediations": MANAGING,
    "/v1/receivables/{receivable_id}/mediations/end": MANAGING,
    "/v1/receivables/{receivable_id}/notes": WRITING,
    "/v1/receivables/{receivable_id}/documents": WRITING,
    "/v1/debtors": ADMIN | {"accountant", "manager"},
    "/v1/debtors/{debtor_id}/contacts": WRITING,
    "/v1/debtors/{debtor_id}/contacts/{contact_id}": WRITING,
    "/v1/debtors/{debtor_id}/address": WRITING,
    "/v1/debtors/{debtor_id}/name-rectification": ADMIN | {"accountant", "manager"},
    "/v1/debtors/{debtor_id}/credit-limit": MANAGING,
    "/v1/debtors/{debtor_id}/priority": MANAGING,
    "/v1/debtors/{debtor_id}/policy": MANAGING,
    "/v1/debtors/{debtor_id}/electronic-delivery-consent": COLLECTING,
    "/v1/debtors/{debtor_id}/insolvency": MANAGING,
    "/v1/debtors/{debtor_id}/claim-declarations": MANAGING,
    "/v1/debtors/{debtor_id}/erasure": MANAGING,
    "/v1/debtors/{debtor_id}/contacts/{contact_id}/erasure": MANAGING,
    "/v1/documents": WRITING,
}
ISSUE_3_READS = {
    "/healthz",
    "/readyz",
    "/v1/receivables",
    "/v1/receivables/{receivable_id}",
    "/v1/receivables/by-number/{invoice_number}",
    "/v1/receivables/{receivable_id}/journal",
    "/v1/debtors",
    "/v1/debtors/{debtor_id}",
    "/v1/debtors/{debtor_id}/journal",
    "/v1/debtors/{debtor_id}/credit-hold",
    "/v1/documents/{sha256}",
}
OPEN = {"/healthz", "/readyz"}
WEBHOOKS = {"/v1/webhooks/brevo/sms", "/v1/webhooks/brevo/email"}  # provider secret (401), off (404) while unset
SECRET_GUARDED = {"/v1/webhooks/lre"}  # the LRE provider's callback: 404 while no provider is configured


def footprint(api: Api, request: Request) -> object:
    """What a refused request must leave untouched: its aggregate's journal, the list it adds to, the document."""
    if request.aggregate is not None:
        return len(api.journal(request.aggregate[1], request.aggregate[0]))
    if request.content is not None:
        return api.get("admin", f"/v1/documents/{hashlib.sha256(request.content).hexdigest()}").status_code
    return api.get("admin", request.path, limit=1).json()["total"]


def test_the_role_table_names_every_read_and_write_of_issue_3s_resources(api: Api) -> None:
    writes = {path for method, path in schema_endpoints(api.app, tags=ISSUE_3_TAGS) if method == "POST"}

    reads = {path for method, path in schema_endpoints(api.app, tags=ISSUE_3_TAGS) if method == "GET"}

    assert set(ALLOWED) == writes
    assert reads == ISSUE_3_READS
    assert all("admin" in roles and "auditor" not in roles for roles in ALLOWED.values())


@pytest.mark.parametrize("template", sorted(ALLOWED))
def test_each_role_is_admitted_or_refused_with_403_recording_nothing(api: Api, template: str) -> None:
    for role in ROLES:
        request = COMMANDS[template](api)  # a file in the state the command needs, for each role
        before = footprint(api, request)

        response = request.send(api.as_(role))

        if role in ALLOWED[template]:
            assert response.status_code in (200, 201), (role, response.text)
            for event in response.json().get("events", []):
                assert event["actor"] == f"{role}-desk"
        else:
            problem = assert_problem(response, 403)
            assert problem["type"] == "urn:relance:problem:forbidden"
            assert role in problem["detail"]
            assert footprint(api, request) == before, role


@pytest.mark.parametrize("role", ROLES)
def test_every_role_reads_every_receivable_debtor_and_document(api: Api, role: str) -> None:
    receivable = api.invoice()
    ids = {"receivable_id": receivable["id"], "debtor_id": receivable["debtor_id"], "sha256": api.document(),
           "invoice_number": receivable["invoice_number"]}  # fmt: skip

    for template in sorted(ISSUE_3_READS):
        response = api.get(role, concrete(template, ids))

        assert response.status_code == 200, (template, response.text)


def test_the_auditor_is_refused_no_read_of_the_schema(api: Api) -> None:
    receivable = api.invoice()
    ids = {"receivable_id": receivable["id"], "debtor_id": receivable["debtor_id"], "sha256": api.document()}
    reads = sorted(path for method, path in schema_endpoints(api.app) if method == "GET")

    statuses = {template: api.get("auditor", concrete(template, ids)).status_code for template in reads}

    assert {template: status for template, status in statuses.items() if status in (401, 403, 500)} == {}


def test_the_events_a_token_records_carry_its_name_as_actor(api: Api) -> None:
    api.add_token("Camille (recouvrement)", "collector")
    rid = api.invoice()["id"]
    client = api.client(api.secrets["Camille (recouvrement)"])

    with client:
        response = client.post(f"/v1/receivables/{rid}/calls", json={
            "called_on": api.days(0), "purpose": "follow_up", "outcome": "no_answer",
        })  # fmt: skip

    assert response.status_code == 201, response.text
    assert [e["actor"] for e in api.journal(rid)] == ["admin-desk", "Camille (recouvrement)"]


# ------------------------------------------------------------ authentication


def refused_anonymously(response: Any) -> None:
    assert_problem(response, 401)
    assert response.headers["www-authenticate"].startswith("Bearer")
    assert response.json()["type"] == "urn:relance:problem:unauthenticated"


@pytest.mark.parametrize(
    "authorization",
    [
        None,
        "",
        "Bearer",
        "Basic YWRtaW46YWRtaW4=",
        "Token rl_abc",
        "rl_abc",
        "Bearer rl_unknown",
        "Bearer x",
    ],
)
def test_a_request_without_a_valid_bearer_token_is_401_on_reads_and_writes(api: Api, authorization: str | None) -> None:
    rid = api.invoice()["id"]
    headers = {} if authorization is None else {"Authorization": authorization}
    client = api.client(**headers)

    with client:
        read = client.get(f"/v1/receivables/{rid}")
        write = client.post(f"/v1/receivables/{rid}/notes", json={"text": "sneaky"})
        listing = client.get("/v1/debtors")
        upload = client.post("/v1/documents", content=api.unique_pdf(), headers={"Content-Type": "application/pdf"})

    for response in (read, write, listing, upload):
        refused_anonymously(response)
    assert len(api.journal(rid)) == 1


def test_only_health_and_readiness_are_open(api: Api) -> None:
    anonymous = api.anonymous()
    receivable = api.invoice()
    ids = {
        "receivable_id": receivable["id"],
        "debtor_id": receivable["debtor_id"],
        "sha256": api.document(),
        "contact_id": api.contact(receivable["debtor_id"]),
        "dispute_number": 1,
        "notice_number": 1,
    }

    for method, template in sorted(schema_endpoints(api.app)):
        response = anonymous.request(method, concrete(template, ids), json={} if method == "POST" else None)
        if template in OPEN:
            assert response.status_code == 200, template
        elif template in WEBHOOKS:
            assert response.status_code in (401, 404), (template, response.text)
        elif template in SECRET_GUARDED:
            assert_problem(response, 404, "lre_not_configured")
        else:
            refused_anonymously(response)


def test_a_revoked_token_is_refused_at_its_next_request(api: Api) -> None:
    secret = api.add_token("temp-accountant", "accountant")
    rid = api.invoice()["id"]
    client = api.client(secret)

    with client:
        before = client.get(f"/v1/receivables/{rid}")
        api.services.tokens.revoke("temp-accountant")
        after_read = client.get(f"/v1/receivables/{rid}")
        after_write = client.post(f"/v1/receivables/{rid}/payments", json=api.payment_body())

    assert before.status_code == 200
    refused_anonymously(after_read)
    refused_anonymously(after_write)
    assert len(api.journal(rid)) == 1


def test_a_token_is_stored_hashed_and_its_secret_shown_once(api: Api) -> None:
    secret = api.add_token("hash-check", "auditor")

    rows = api.services.database.fetch("SELECT token_hash, name FROM api_tokens WHERE name = %s", ("hash-check",))
    listed = api.services.tokens.list()

    assert rows == [(hashlib.sha256(secret.encode()).hexdigest(), "hash-check")]
    assert not any(secret in repr(token) for token in listed)
    assert secret.startswith("rl_")
