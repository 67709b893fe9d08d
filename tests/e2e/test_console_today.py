"""Aujourd'hui's sections come from the process's index and worklist, not from replaying every file."""

from __future__ import annotations

import re
from contextlib import closing
from datetime import date, timedelta

from tests.e2e.conftest import Api
from tests.support.console import person


def section(page: str, anchor: str) -> str:
    found = re.search(rf'<section class="card" id="{anchor}">(.*?)</section>', page, re.S)
    assert found, f"no section {anchor}"
    return found.group(1)


def test_a_promise_falling_due_shows_with_its_amount_day_and_debtor_name_and_a_later_one_does_not(api: Api) -> None:
    debtor = api.debtor(legal_name="Boulangerie du Parc SARL")
    soon, later = api.invoice(debtor["id"]), api.invoice(debtor["id"])
    api.ok("collector", f"/v1/receivables/{soon['id']}/promises", {"amount": "1200.00", "promised_date": api.days(2)})
    api.ok("collector", f"/v1/receivables/{later['id']}/promises", {"amount": "1200.00", "promised_date": api.days(9)})
    with closing(person(api, "collector", "today.promises")) as client:
        promises = section(client.get("/").text, "promises")
    assert soon["invoice_number"] in promises and later["invoice_number"] not in promises
    assert "Boulangerie du Parc SARL" in promises and "1\u202f200,00\u00a0€" in promises
    assert date.fromisoformat(api.days(2)).strftime("%d/%m/%Y") in promises


def test_a_dispute_waiting_shows_with_its_reason_in_french(api: Api) -> None:
    invoice = api.invoice()
    api.ok("collector", f"/v1/receivables/{invoice['id']}/disputes", {"reason": "price", "opened_on": api.days(0)})
    with closing(person(api, "accountant", "today.disputes")) as client:
        disputes = section(client.get("/").text, "disputes")
    assert invoice["invoice_number"] in disputes and "prix contesté" in disputes


def test_a_file_near_its_limitation_date_shows_and_leaves_once_paid(api: Api) -> None:
    debtor = api.debtor()
    delivered = date.fromisoformat(api.days(0)) - timedelta(days=5 * 365 - 30)  # five years, less a month, ago
    body = api.invoice_body(debtor["id"])
    body.update(issue_date=delivered.isoformat(), delivery_date=delivered.isoformat(),
                due_date=(delivered + timedelta(days=30)).isoformat())  # fmt: skip
    old = api.ok("admin", "/v1/receivables", body)["state"]
    recent = api.invoice(debtor["id"])
    with closing(person(api, "manager", "today.limitation")) as client:
        near = section(client.get("/").text, "limitation")
        assert old["invoice_number"] in near and recent["invoice_number"] not in near
        assert "Code de commerce L110-4" in near
        api.ok("accountant", f"/v1/receivables/{old['id']}/payments", api.payment_body(old["amount_incl_vat"]))
        assert old["invoice_number"] not in section(client.get("/").text, "limitation")
