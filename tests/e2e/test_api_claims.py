"""Late charges over HTTP: the claim as of a date, the rate tables, and limitation filters."""

from __future__ import annotations

from datetime import date

from tests.e2e.conftest import Api, assert_problem


def test_the_claim_adds_default_penalties_and_the_fixed_indemnity_for_a_professional(fresh_api: Api) -> None:
    # Due 2026-05-01 (45 days before 2026-06-15): 45 days late at ECB 2.15 + 10 = 12.15 % (2026 H1).
    # 1200.00 × 12.15 % × 45 / 365 = 17.975342… → 17.98; indemnity 40.00; total 1257.98.
    invoice = fresh_api.invoice(amount="1200.00", days_overdue=45)

    claim = fresh_api.get("auditor", f"/v1/receivables/{invoice['id']}/claim").json()

    assert claim["principal_outstanding"] == "1200.00"
    assert claim["penalties"] == "17.98"
    assert claim["indemnity"] == "40.00"
    assert claim["total"] == "1257.98"
    assert [(p["start"], p["end"], p["days"], p["rate"]) for p in claim["periods"]] == [
        ("2026-05-02", "2026-06-15", 45, "12.15")
    ]
    assert claim["rules"], "the calculation names the rules it applied"


def test_a_claim_as_of_the_due_date_has_no_penalty_and_a_consumer_owes_no_indemnity(fresh_api: Api) -> None:
    professional = fresh_api.invoice(days_overdue=45)
    consumer = fresh_api.invoice(days_overdue=45, kind="consumer")

    at_due = fresh_api.get("admin", f"/v1/receivables/{professional['id']}/claim", as_of=professional["due_date"])
    consumer_claim = fresh_api.get("admin", f"/v1/receivables/{consumer['id']}/claim").json()

    assert at_due.json()["penalties"] == "0.00"
    assert at_due.json()["indemnity"] == "0.00"
    assert consumer_claim["indemnity"] == "0.00"
    assert consumer_claim["penalties"] == "0.00"  # no formal notice yet: moratory interest has not started
    assert consumer_claim["total"] == consumer_claim["principal_outstanding"]


def test_the_claim_of_an_unknown_receivable_is_404_and_needs_a_token(fresh_api: Api) -> None:
    unknown = "00000000-0000-4000-8000-000000000000"

    assert_problem(fresh_api.get("admin", f"/v1/receivables/{unknown}/claim"), 404)
    assert_problem(fresh_api.anonymous().get(f"/v1/receivables/{unknown}/claim"), 401)
    assert_problem(fresh_api.get("admin", f"/v1/receivables/{unknown}/claim", as_of="15/06/2026"), 422)


def test_an_administrator_publishes_a_half_year_once_and_other_roles_may_not(fresh_api: Api) -> None:
    body = {
        "half_year": "2026H2",
        "source": "Banque de France, taux directeurs; arrêté du 18 juin 2026",
        "ecb_mro": "2.15",
        "legal_consumer_creditor": "6.40",
        "legal_other": "2.55",
    }
    before = fresh_api.get("auditor", "/v1/rates").json()

    assert_problem(fresh_api.post("manager", "/v1/rates", body), 403)
    published = fresh_api.post("admin", "/v1/rates", body)
    again = fresh_api.post("admin", "/v1/rates", body)
    bad = fresh_api.post("admin", "/v1/rates", {**body, "half_year": "2026-2"})

    assert published.status_code == 201, published.text
    assert_problem(again, 409)
    assert_problem(bad, 422)
    after = fresh_api.get("auditor", "/v1/rates").json()
    assert len(after["half_years"]) == len(before["half_years"]) + 1
    register = [e for e in fresh_api.services.ledger.rate_register().publications if str(e.half_year) == "2026H2"]
    assert register and all(entry.published_by == "admin-desk" for entry in register)


def test_receivables_can_be_listed_by_limitation_date(fresh_api: Api) -> None:
    invoice = fresh_api.invoice(days_overdue=45)  # delivered 2026-04-01: five years to 2031-04-01
    limitation = date.fromisoformat(invoice["limitation"]["limitation_date"])

    after = fresh_api.get("accountant", "/v1/receivables", limitation_before=str(limitation.replace(year=2032))).json()
    before = fresh_api.get("accountant", "/v1/receivables", limitation_before=str(limitation)).json()

    assert limitation.year == 2031
    assert invoice["id"] in [row["id"] for row in after["items"]]
    assert invoice["id"] not in [row["id"] for row in before["items"]]
