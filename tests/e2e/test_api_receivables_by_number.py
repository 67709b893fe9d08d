"""GET /v1/receivables/by-number/{invoice_number}: an ERP addresses a receivable by the number it knows."""

from __future__ import annotations

from urllib.parse import quote

from tests.e2e.conftest import Api, assert_problem


def test_a_receivable_is_read_by_its_invoice_number_as_by_its_id(sqlite_api: Api) -> None:
    state = sqlite_api.invoice()

    by_number = sqlite_api.get("collector", f"/v1/receivables/by-number/{state['invoice_number']}")
    by_id = sqlite_api.get("collector", f"/v1/receivables/{state['id']}")

    assert by_number.status_code == 200, by_number.text
    assert by_number.json() == by_id.json()
    assert by_number.headers["etag"] == by_id.headers["etag"]


def test_an_invoice_number_with_a_slash_is_found_too(sqlite_api: Api) -> None:
    debtor = sqlite_api.debtor()["id"]
    body = sqlite_api.invoice_body(debtor) | {"invoice_number": "FA/2026/0042"}
    created = sqlite_api.ok("accountant", "/v1/receivables", body)["state"]

    response = sqlite_api.get("auditor", "/v1/receivables/by-number/FA/2026/0042")

    assert response.status_code == 200, response.text
    assert response.json()["id"] == created["id"]


def test_as_of_reads_the_past_by_number_too(sqlite_api: Api) -> None:
    recorded_on = sqlite_api.today
    state = sqlite_api.invoice()
    sqlite_api.advance(1)
    sqlite_api.ok("accountant", f"/v1/receivables/{state['id']}/payments", sqlite_api.payment_body("100.00"))

    path = f"/v1/receivables/by-number/{state['invoice_number']}"
    past = sqlite_api.get("auditor", path, as_of=recorded_on.isoformat())

    assert past.status_code == 200, past.text
    assert (past.json()["version"], past.json()["outstanding"]) == (1, state["outstanding"])


def test_an_unknown_invoice_number_is_a_404_naming_the_number_sent(sqlite_api: Api) -> None:
    response = sqlite_api.get("auditor", f"/v1/receivables/by-number/{quote('FA 2099 404')}")

    problem = assert_problem(response, 404, "receivable_exists")
    assert "'FA 2099 404'" in problem["detail"]


def test_reading_by_number_needs_a_token(sqlite_api: Api) -> None:
    state = sqlite_api.invoice()

    response = sqlite_api.anonymous().get(f"/v1/receivables/by-number/{state['invoice_number']}")

    assert response.status_code == 401
