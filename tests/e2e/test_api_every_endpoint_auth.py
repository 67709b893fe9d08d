"""Every endpoint of the OpenAPI description against every role, and against missing, malformed
and revoked tokens: the role table below is the specification (admin is admitted everywhere).

A refused request is 401 or 403 with a problem+json body and records nothing. A new route
must be added here: the table has to name exactly the endpoints the API serves.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.e2e.conftest import ROLES, Api, assert_problem, concrete, schema_endpoints

EVERYONE: frozenset[str] = frozenset(ROLES) - {"admin"}
ADMIN_ONLY: frozenset[str] = frozenset()
OPEN = {("GET", "/healthz"), ("GET", "/readyz"), ("POST", "/v1/webhooks/brevo/sms")}  # the webhook: its own secret
# Not an API token: the provider's own secret (401 when wrong, 404 while unset), tested in test_api_mail.py.
OWN_SECRET = {("POST", "/v1/webhooks/brevo/email")}
# A provider's callback: no bearer token, a secret in its URL (test_api_lre_webhooks); 404 while unconfigured.
SECRET_GUARDED = {("POST", "/v1/webhooks/lre")}

ROLE_TABLE: dict[tuple[str, str], Any] = {
    ("GET", "/v1/audit"): frozenset({"auditor", "manager"}),
    ("GET", "/v1/debtors"): EVERYONE,
    ("GET", "/v1/debtors/{debtor_id}"): EVERYONE,
    ("GET", "/v1/debtors/{debtor_id}/access-export"): frozenset({"auditor", "manager"}),
    ("GET", "/v1/debtors/{debtor_id}/credit-hold"): EVERYONE,
    ("GET", "/v1/debtors/{debtor_id}/evidence"): frozenset({"auditor", "manager"}),
    ("GET", "/v1/debtors/{debtor_id}/journal"): EVERYONE,
    ("GET", "/v1/documents/{sha256}"): EVERYONE,
    ("GET", "/v1/dunning-runs"): EVERYONE,
    ("GET", "/v1/dunning-runs/{run_id}"): EVERYONE,
    ("GET", "/v1/imports/unmatched"): frozenset({"accountant", "auditor", "manager"}),
    ("GET", "/v1/ledger/digests"): EVERYONE,
    ("GET", "/v1/letters"): EVERYONE,
    ("GET", "/v1/letters/batch.pdf"): EVERYONE,
    ("GET", "/v1/letters/deposit-list.csv"): EVERYONE,
    ("GET", "/v1/ledger/public-key"): EVERYONE,
    ("GET", "/v1/policies"): EVERYONE,
    ("GET", "/v1/policies/{policy_id}"): EVERYONE,
    ("GET", "/v1/policies/{policy_id}/versions"): EVERYONE,
    ("GET", "/v1/rates"): EVERYONE,
    ("GET", "/v1/receivables"): EVERYONE,
    ("GET", "/v1/receivables/by-number/{invoice_number}"): EVERYONE,
    ("GET", "/v1/receivables/{receivable_id}"): EVERYONE,
    ("GET", "/v1/receivables/{receivable_id}/claim"): EVERYONE,
    ("GET", "/v1/receivables/{receivable_id}/evidence"): frozenset({"auditor", "manager"}),
    ("GET", "/v1/receivables/{receivable_id}/journal"): EVERYONE,
    ("GET", "/v1/reports/aged-balance"): frozenset({"accountant", "auditor", "manager"}),
    ("GET", "/v1/reports/credit-holds"): frozenset({"accountant", "auditor", "manager"}),
    ("GET", "/v1/reports/dso"): frozenset({"accountant", "auditor", "manager"}),
    ("GET", "/v1/reports/effectiveness"): frozenset({"accountant", "auditor", "manager"}),
    ("GET", "/v1/worklist"): EVERYONE,
    ("POST", "/v1/debtors"): frozenset({"accountant", "manager"}),
    ("POST", "/v1/debtors/{debtor_id}/address"): frozenset({"accountant", "collector", "manager"}),
    ("POST", "/v1/debtors/{debtor_id}/claim-declarations"): frozenset({"manager"}),
    ("POST", "/v1/debtors/{debtor_id}/contacts"): frozenset({"accountant", "collector", "manager"}),
    ("POST", "/v1/debtors/{debtor_id}/contacts/{contact_id}"): frozenset({"accountant", "collector", "manager"}),
    ("POST", "/v1/debtors/{debtor_id}/credit-limit"): frozenset({"manager"}),
    ("POST", "/v1/debtors/{debtor_id}/electronic-delivery-consent"): frozenset({"collector", "manager"}),
    ("POST", "/v1/debtors/{debtor_id}/erasure"): frozenset({"manager"}),
    ("POST", "/v1/debtors/{debtor_id}/contacts/{contact_id}/erasure"): frozenset({"manager"}),
    ("POST", "/v1/debtors/{debtor_id}/insolvency"): frozenset({"manager"}),
    ("POST", "/v1/debtors/{debtor_id}/name-rectification"): frozenset({"accountant", "manager"}),
    ("POST", "/v1/debtors/{debtor_id}/policy"): frozenset({"manager"}),
    ("POST", "/v1/debtors/{debtor_id}/priority"): frozenset({"manager"}),
    ("POST", "/v1/documents"): frozenset({"accountant", "collector", "manager"}),
    ("POST", "/v1/dunning-runs"): frozenset({"manager"}),
    ("POST", "/v1/imports/invoices"): frozenset({"accountant"}),
    ("POST", "/v1/imports/payments"): frozenset({"accountant"}),
    ("POST", "/v1/imports/unmatched/{line_id}/allocation"): frozenset({"accountant"}),
    ("POST", "/v1/ledger/digests"): frozenset({"auditor", "manager"}),
    ("POST", "/v1/letters/postings"): frozenset({"collector", "manager"}),
    ("POST", "/v1/letters/{key}/cancellation"): frozenset({"collector", "manager"}),
    ("POST", "/v1/letters/{key}/outcome"): frozenset({"collector", "manager"}),
    ("POST", "/v1/letters/{key}/posting"): frozenset({"collector", "manager"}),
    ("POST", "/v1/mail/fetch"): frozenset({"manager"}),
    ("POST", "/v1/mail/replies/handled"): frozenset({"collector", "manager"}),
    ("POST", "/v1/rates"): ADMIN_ONLY,
    ("POST", "/v1/receivables"): frozenset({"accountant"}),
    ("POST", "/v1/receivables/{receivable_id}/calls"): frozenset({"collector", "manager"}),
    ("POST", "/v1/receivables/{receivable_id}/credit-notes"): frozenset({"accountant"}),
    ("POST", "/v1/receivables/{receivable_id}/disputes"): frozenset({"collector", "manager"}),
    ("POST", "/v1/receivables/{receivable_id}/disputes/{dispute_number}/resolution"): frozenset(
        {"collector", "manager"}
    ),
    ("POST", "/v1/receivables/{receivable_id}/documents"): frozenset({"accountant", "collector", "manager"}),
    ("POST", "/v1/receivables/{receivable_id}/escalations"): frozenset({"manager"}),
    ("POST", "/v1/receivables/{receivable_id}/formal-notices"): frozenset({"collector", "manager"}),
    ("POST", "/v1/receivables/{receivable_id}/formal-notices/{notice_number}/acknowledgement"): frozenset(
        {"collector", "manager"}
    ),
    ("POST", "/v1/receivables/{receivable_id}/late-charges"): frozenset({"accountant"}),
    ("POST", "/v1/receivables/{receivable_id}/late-charges/waivers"): frozenset({"accountant", "manager"}),
    ("POST", "/v1/receivables/{receivable_id}/mediations"): frozenset({"manager"}),
    ("POST", "/v1/receivables/{receivable_id}/mediations/end"): frozenset({"manager"}),
    ("POST", "/v1/receivables/{receivable_id}/notes"): frozenset({"accountant", "collector", "manager"}),
    ("POST", "/v1/receivables/{receivable_id}/pauses"): frozenset({"manager"}),
    ("POST", "/v1/receivables/{receivable_id}/pauses/resumption"): frozenset({"manager"}),
    ("POST", "/v1/receivables/{receivable_id}/payment-plans"): frozenset({"collector", "manager"}),
    ("POST", "/v1/receivables/{receivable_id}/payment-plans/missed-instalments"): frozenset({"collector", "manager"}),
    ("POST", "/v1/receivables/{receivable_id}/payments"): frozenset({"accountant"}),
    ("POST", "/v1/receivables/{receivable_id}/promises"): frozenset({"collector", "manager"}),
    ("POST", "/v1/receivables/{receivable_id}/promises/broken"): frozenset({"collector", "manager"}),
    ("POST", "/v1/receivables/{receivable_id}/reminders"): frozenset({"collector", "manager"}),
    ("POST", "/v1/receivables/{receivable_id}/write-off"): frozenset({"manager"}),
    ("PUT", "/v1/policies/{policy_id}"): frozenset({"manager"}),
}


def events_recorded(api: Api) -> int:
    return int(api.services.ledger.recorder.max_notification_id() or 0)


@pytest.fixture(scope="module")
def ids(api: Api) -> dict[str, Any]:
    receivable = api.invoice()
    return {
        "receivable_id": receivable["id"],
        "debtor_id": receivable["debtor_id"],
        "sha256": api.document(),
        "contact_id": api.contact(receivable["debtor_id"]),
        "dispute_number": 1,
        "notice_number": 1,
        "policy_id": "light",
        "run_id": "0" * 32,
        "line_id": "0" * 32,
        "key": "2026-06-15/nobody/formal_notice/registered_letter",
    }


def send(client: Any, method: str, template: str, ids: dict[str, Any]) -> Any:
    return client.request(method, concrete(template, ids), json={} if method in ("POST", "PUT") else None)


def test_the_role_table_names_exactly_the_endpoints_the_api_serves(api: Api) -> None:
    assert set(ROLE_TABLE) | OPEN | OWN_SECRET | SECRET_GUARDED == schema_endpoints(api.app)
    assert all("auditor" not in roles for (method, path), roles in ROLE_TABLE.items() if method != "GET"
               and path != "/v1/ledger/digests")  # fmt: skip


@pytest.mark.parametrize(("method", "template"), sorted(ROLE_TABLE))
def test_each_role_is_admitted_or_refused_with_403_and_a_refusal_records_nothing(
    api: Api, ids: dict[str, Any], method: str, template: str
) -> None:
    allowed = ROLE_TABLE[(method, template)] | {"admin"}
    for role in ROLES:
        before = events_recorded(api)
        response = send(api.as_(role), method, template, ids)
        if role in allowed:
            assert response.status_code not in (401, 403), (role, response.text)
        else:
            assert_problem(response, 403)
            assert events_recorded(api) == before, (role, method, template)


@pytest.mark.parametrize(("method", "template"), sorted(ROLE_TABLE))
def test_a_missing_malformed_or_revoked_token_is_refused_with_401_on_every_endpoint(
    api: Api, ids: dict[str, Any], method: str, template: str
) -> None:
    name = f"revoked-{method}-{template}".replace("/", "_")[:100]
    revoked = api.add_token(name, "admin")
    api.services.tokens.revoke(name)
    before = events_recorded(api)
    for headers in ({}, {"Authorization": "Bearer"}, {"Authorization": "Basic YWRtaW46YWRtaW4="},
                    {"Authorization": f"Bearer {revoked}"}):  # fmt: skip
        with api.client(**headers) as client:
            assert_problem(send(client, method, template, ids), 401)
    assert events_recorded(api) == before


@pytest.mark.parametrize(("method", "template"), sorted(SECRET_GUARDED))
def test_a_provider_callback_is_not_found_while_its_provider_is_not_configured_whatever_the_token(
    api: Api, ids: dict[str, Any], method: str, template: str
) -> None:
    before = events_recorded(api)
    for client in (api.anonymous(), api.as_("admin")):
        assert_problem(send(client, method, template + "?secret=guess", ids), 404, "lre_not_configured")
    assert events_recorded(api) == before
