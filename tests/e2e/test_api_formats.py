"""Money and dates are accepted exactly as the API documents them (issue 15, items 2 and 20):
amounts as decimal strings with a point, dates as YYYY-MM-DD in ASCII digits. Anything looser
is a 422 saying what to send, and records nothing."""

from __future__ import annotations

from typing import Any

import pytest

from tests.e2e.conftest import Api, assert_problem


def refused_payment(api: Api, change: dict[str, Any]) -> dict[str, Any]:
    rid = api.invoice()["id"]
    response = api.post("accountant", f"/v1/receivables/{rid}/payments", {**api.payment_body(), **change})
    problem = assert_problem(response, 422)
    assert len(api.journal(rid)) == 1, "nothing recorded"
    return problem


@pytest.mark.parametrize(("number", "advice"), [(250.5, '"250.50"'), (250, '"250.00"'), (0.1, '"0.10"')])
def test_an_amount_sent_as_a_json_number_is_refused_with_the_string_to_send(
    sqlite_api: Api, number: float, advice: str
) -> None:
    problem = refused_payment(sqlite_api, {"amount": number})

    assert problem["rule"] == "amount_as_number"
    assert advice in problem["detail"], problem["detail"]
    assert problem["errors"][0]["location"] == ["body", "amount"]


def test_an_amount_with_a_decimal_comma_gets_a_hint_about_the_decimal_point(sqlite_api: Api) -> None:
    problem = refused_payment(sqlite_api, {"amount": "250,00"})

    assert problem["rule"] == "amount_format"
    assert 'decimal point, not a comma: "250.00"' in problem["detail"]


@pytest.mark.parametrize(
    "amount", ["1_000.00", "１.００", " 1.00", "1.00 ", "1 000.00", "1,000.00", "1e3", "+5", ".50", "5.", "", "NaN"]
)
def test_an_amount_looser_than_the_documented_format_is_refused(sqlite_api: Api, amount: str) -> None:
    problem = refused_payment(sqlite_api, {"amount": amount})

    assert problem["rule"] == "amount_format"
    assert '"1234.50"' in problem["detail"]


def test_a_french_date_is_refused_with_the_same_day_written_as_documented(sqlite_api: Api) -> None:
    problem = refused_payment(sqlite_api, {"value_date": "04/12/2026"})

    assert problem["rule"] == "date_format"
    assert 'dates are written YYYY-MM-DD: "2026-12-04", not "04/12/2026"' in problem["detail"]
    assert "invalid character in year" not in problem["detail"]


@pytest.mark.parametrize(
    "day", [0, "0", "20260412", "2026-04-12T00:00:00", "２０２６-０４-１２", " 2026-04-12", "2026-4-1"]
)
def test_a_date_looser_than_yyyy_mm_dd_is_refused_in_a_body(sqlite_api: Api, day: Any) -> None:
    problem = refused_payment(sqlite_api, {"value_date": day})

    assert problem["rule"] == "date_format"
    assert "YYYY-MM-DD" in problem["detail"]


def test_a_date_in_a_nested_body_is_checked_too(sqlite_api: Api) -> None:
    rid = sqlite_api.invoice()["id"]
    plan = {"instalments": [{"due_date": 0, "amount": "600.00"}, {"due_date": sqlite_api.days(30), "amount": 600}]}

    problem = assert_problem(sqlite_api.post("admin", f"/v1/receivables/{rid}/payment-plans", plan), 422)

    assert {e["type"] for e in problem["errors"]} == {"date_format", "amount_as_number"}


@pytest.mark.parametrize(
    ("path", "name"),
    [
        ("/v1/reports/aged-balance", "as_of"),
        ("/v1/receivables", "limitation_before"),
        ("/v1/audit", "from"),
        ("/v1/worklist", "date"),
    ],
)
@pytest.mark.parametrize("day", ["0", "1750000000", "04/12/2026", "2026-04-12T00:00:00", "２０２６-０４-１２"])
def test_a_date_in_the_query_string_is_yyyy_mm_dd_or_refused(sqlite_api: Api, path: str, name: str, day: str) -> None:
    response = sqlite_api.as_("admin").get(path, params={name: day})

    problem = assert_problem(response, 422, "date_format")
    assert problem["errors"][0]["location"] == ["query", name]


def test_documented_amounts_and_dates_are_still_accepted(sqlite_api: Api) -> None:
    rid = sqlite_api.invoice()["id"]
    report = sqlite_api.get("admin", "/v1/reports/aged-balance", as_of=sqlite_api.days(0))

    for amount in ("10", "10.5", "10.50"):
        response = sqlite_api.post("accountant", f"/v1/receivables/{rid}/payments", sqlite_api.payment_body(amount))
        assert response.status_code == 201, response.text
    assert report.status_code == 200, report.text


def test_the_openapi_says_amounts_are_strings_never_numbers(sqlite_api: Api) -> None:
    schemas = sqlite_api.app.openapi()["components"]["schemas"]

    amount = schemas["PaymentBody"]["properties"]["amount"]

    assert amount["type"] == "string" and "anyOf" not in amount
    assert amount["pattern"] == r"^[0-9]+(\.[0-9]{1,2})?$"
