"""/v1/dunning-runs, /v1/worklist, /v1/policies and /v1/debtors/{id}/credit-hold over real HTTP on PostgreSQL,
with a real SMTP server on loopback."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from infrastructure.policy_files import shipped_policy_files
from tests.e2e.conftest import ROLES, Api, assert_problem, postgres_settings, running_api
from tests.support.smtp_server import Inbox, smtp_server

RUNNERS = {"admin", "manager"}
POLICY_EDITORS = {"admin", "manager"}


@pytest.fixture
def mailing_api(fresh_postgres_database: str, tmp_path: Path) -> Iterator[tuple[Api, Inbox]]:
    """A fresh API on PostgreSQL whose firm is configured and whose e-mails reach a loopback SMTP server."""
    with smtp_server() as (inbox, port):
        settings = postgres_settings(
            fresh_postgres_database, tmp_path, firm_name="Atelier Dupont SARL", firm_email="relances@dupont.example",
            firm_address="12 rue de la République | 69001 Lyon", smtp_host="127.0.0.1", smtp_port=port,
        )  # fmt: skip
        with running_api(settings) as api:
            yield api, inbox


def overdue_invoice_with_contact(api: Api, days_overdue: int) -> dict[str, Any]:
    debtor = api.debtor()
    api.contact(debtor["id"])
    invoice = api.invoice(debtor["id"], days_overdue=days_overdue)
    sha = api.document(api.unique_pdf())
    api.ok("admin", f"/v1/receivables/{invoice['id']}/documents",
           {"kind": "invoice", "document_sha256": sha, "media_type": "application/pdf"})  # fmt: skip
    return invoice


def test_a_dunning_run_over_http_sends_records_and_is_kept_as_a_report(mailing_api: tuple[Api, Inbox]) -> None:
    api, inbox = mailing_api
    invoice = overdue_invoice_with_contact(api, days_overdue=5)  # 2026-06-15 is a Monday, 12:00 in Paris
    response = api.post("manager", "/v1/dunning-runs", {"force": True})
    assert response.status_code == 201, response.text
    report = response.json()
    assert [(s["kind"], s["channel"], s["status"]) for s in report["sent"]] == [("first_reminder", "email", "recorded")]
    assert report["summary"]["events_recorded"] == 1 and len(inbox.received) == 1
    reminder = api.journal(invoice["id"])[-1]
    assert reminder["type"] == "ReminderSent" and reminder["actor"] == "manager-desk"
    assert reminder["data"]["rule"] == "first_reminder" and reminder["data"]["policy_id"] == "default"
    stored = api.get("auditor", f"/v1/dunning-runs/{report['run_id']}")
    assert stored.status_code == 200 and stored.json()["summary"] == report["summary"]
    assert api.get("auditor", "/v1/dunning-runs").json()[0]["run_id"] == report["run_id"]
    again = api.post("manager", "/v1/dunning-runs", {"force": True}).json()
    assert again["sent"] == [] and len(inbox.received) == 1


def test_a_run_without_fresh_bank_data_is_refused_in_its_report_and_records_nothing(
    mailing_api: tuple[Api, Inbox],
) -> None:
    api, inbox = mailing_api
    invoice = overdue_invoice_with_contact(api, days_overdue=5)
    report = api.ok("admin", "/v1/dunning-runs", {})
    assert [r["rule"] for r in report["refused"]] == ["bank_data_stale"]
    assert inbox.received == [] and api.journal(invoice["id"])[-1]["type"] == "DocumentAttached"


@pytest.mark.parametrize("role", ROLES)
def test_only_managers_and_admins_run_the_dunning(api: Api, role: str) -> None:
    response = api.post(role, "/v1/dunning-runs", {"dry_run": True})
    if role in RUNNERS:
        assert response.status_code == 201, response.text
        assert response.json()["dry_run"] is True
    else:
        assert_problem(response, 403)


@pytest.mark.parametrize(
    ("body", "field"),
    [({"date": "2999-01-01"}, "date"), ({"date": "not-a-date"}, "date"), ({"dry_run": True, "typo": 1}, "typo")],
)
def test_a_bad_run_request_is_a_422_problem(api: Api, body: dict[str, Any], field: str) -> None:
    response = api.post("manager", "/v1/dunning-runs", body)
    assert_problem(response, 422)
    assert field in response.text


def test_an_unknown_run_is_404(api: Api) -> None:
    assert_problem(api.get("auditor", "/v1/dunning-runs/0123456789abcdef"), 404)


def test_the_worklist_gives_the_calls_of_a_date_with_the_accounts_payable_contact(api: Api) -> None:
    invoice = overdue_invoice_with_contact(api, days_overdue=1)
    response = api.get("collector", "/v1/worklist", date=api.days(0))
    assert response.status_code == 200, response.text
    items = [i for i in response.json()["items"] if i["receivable_id"] == invoice["id"]]
    assert [(i["action"], i["rule"]) for i in items] == [("call", "courteous_call")]
    assert items[0]["contact"]["role"] == "accounts_payable" and items[0]["contact"]["phone"]
    assert_problem(api.get("collector", "/v1/worklist", date="31/12/2026"), 422)


def test_policies_are_listed_read_by_version_and_updated_by_managers_only(api: Api) -> None:
    listed = api.get("auditor", "/v1/policies").json()
    assert {p["id"] for p in listed} >= {"default", "light"}
    light = api.get("collector", "/v1/policies/light").json()
    changed = light["source"].replace(light["title"], "Petites factures")
    for role in sorted(set(ROLES) - POLICY_EDITORS):
        refused = api.as_(role).put("/v1/policies/light", content=changed, headers={"Content-Type": "application/toml"})
        assert_problem(refused, 403)
    response = api.as_("manager").put(
        "/v1/policies/light", content=changed, headers={"Content-Type": "application/toml"}
    )
    assert response.status_code == 200, response.text
    assert response.json()["version"] == light["version"] + 1 and response.json()["created_by"]
    assert api.get("auditor", "/v1/policies/light", version=light["version"]).json()["title"] == light["title"]
    versions = api.get("auditor", "/v1/policies/light/versions").json()
    assert [v["version"] for v in versions][-2:] == [light["version"], light["version"] + 1]


def test_an_invalid_policy_file_is_refused_with_its_line_and_no_version_is_added(api: Api) -> None:
    text = next(f for f in shipped_policy_files() if f.name == "light.toml").read_text(encoding="utf-8")
    broken = text.replace("offset_days = 5", "offset_days = cinq", 1)
    before = len(api.get("admin", "/v1/policies/light/versions").json())
    response = api.as_("admin").put("/v1/policies/light", content=broken, headers={"Content-Type": "application/toml"})
    assert_problem(response, 422)
    assert "line" in response.json()["detail"]
    wrong_type = api.as_("admin").put("/v1/policies/light", content=text, headers={"Content-Type": "application/json"})
    assert_problem(wrong_type, 422)
    assert len(api.get("admin", "/v1/policies/light/versions").json()) == before
    assert_problem(api.get("admin", "/v1/policies/nope"), 404)


def test_the_credit_hold_answers_yes_or_no_with_the_reason(api: Api) -> None:
    debtor = api.debtor()
    api.invoice(debtor["id"], amount="900.00", days_overdue=10)
    free = api.get("accountant", f"/v1/debtors/{debtor['id']}/credit-hold").json()
    assert (free["held"], free["reason"]) == (False, "no_limit")
    api.ok("manager", f"/v1/debtors/{debtor['id']}/credit-limit", {"limit": "500.00", "currency": "EUR"})
    held = api.get("auditor", f"/v1/debtors/{debtor['id']}/credit-hold").json()
    assert (held["held"], held["reason"], held["overdue"]) == (True, "over_limit", "900.00")
    assert_problem(api.get("admin", "/v1/debtors/00000000-0000-0000-0000-000000000001/credit-hold"), 404)
