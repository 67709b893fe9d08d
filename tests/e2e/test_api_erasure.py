"""POST /v1/debtors/{id}/erasure over HTTP: refused with 409 while a claim against the person is pursued
(nothing recorded), forced by a manager with a reason (recorded with what was pursued), refused to a
collector (403); a sole trader registered over HTTP is erased like a consumer, a company never."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import Api, assert_problem

pytestmark = pytest.mark.postgres


def test_an_erasure_while_an_invoice_is_open_is_409_naming_it_and_records_nothing(api: Api) -> None:
    person = api.debtor("consumer", legal_name="Denise Durand")["id"]
    invoice = api.invoice(person)["invoice_number"]

    refused = api.post("manager", f"/v1/debtors/{person}/erasure", {"reason": "Demande RGPD"})

    problem = assert_problem(refused, 409, "erasure_claim_pursued")
    assert f"{invoice} (open)" in problem["detail"]
    assert [e["type"] for e in api.journal(person, "debtors")] == ["DebtorRegistered"]
    assert api.get("auditor", f"/v1/debtors/{person}").json()["legal_name"] == "Denise Durand"


def test_a_manager_forces_the_erasure_with_a_reason_and_the_journal_records_what_was_pursued(api: Api) -> None:
    person = api.debtor("consumer", legal_name="Hugo Lambert")["id"]
    invoice = api.invoice(person)["invoice_number"]

    erased = api.ok("manager", f"/v1/debtors/{person}/erasure",
                    {"reason": "Créance abandonnée, décision de la direction", "force": True})  # fmt: skip

    assert erased["state"]["erased"] is True and erased["state"]["legal_name"] == "[effacé]"
    record = api.journal(person, "debtors")[-1]
    assert record["type"] == "DebtorErased"
    assert record["data"] == {
        "reason": "Créance abandonnée, décision de la direction", "forced": True, "pursued": [invoice]
    }  # fmt: skip


def test_a_collector_may_not_erase(api: Api) -> None:
    person = api.debtor("consumer")["id"]

    refused = api.post("collector", f"/v1/debtors/{person}/erasure", {"reason": "Demande RGPD", "force": True})

    assert_problem(refused, 403)
    assert [e["type"] for e in api.journal(person, "debtors")] == ["DebtorRegistered"]


def test_a_forced_erasure_without_a_reason_is_422(api: Api) -> None:
    person = api.debtor("consumer")["id"]
    api.invoice(person)

    refused = api.post("manager", f"/v1/debtors/{person}/erasure", {"reason": " ", "force": True})

    assert_problem(refused, 422)
    assert [e["type"] for e in api.journal(person, "debtors")] == ["DebtorRegistered"]


def test_a_sole_trader_is_registered_as_such_and_erased_once_nothing_is_pursued(api: Api) -> None:
    trader = api.debtor(legal_name="Jean Moreau, plombier", sole_trader=True)
    company = api.debtor()

    erased = api.ok("manager", f"/v1/debtors/{trader['id']}/erasure", {"reason": "Demande RGPD"})
    refused = api.post("manager", f"/v1/debtors/{company['id']}/erasure", {"reason": "Demande RGPD", "force": True})

    assert api.journal(trader["id"], "debtors")[0]["data"]["sole_trader"] is True
    assert "sole_trader" not in api.journal(company["id"], "debtors")[0]["data"]
    assert erased["state"]["erased"] is True
    assert_problem(refused, 409, "erase_natural_persons_only")


def test_a_consumer_registered_as_a_sole_trader_is_422(api: Api) -> None:
    refused = api.post("admin", "/v1/debtors", {
        "legal_name": "Jean Dupont", "kind": "consumer", "sole_trader": True,
        "address": {"lines": ["12 rue des Lilas"], "postal_code": "69003", "city": "Lyon", "country": "FR"},
    })  # fmt: skip

    assert_problem(refused, 422, "sole_trader_professional")


def test_a_manager_erases_one_contact_of_a_company_which_keeps_its_name_and_its_other_contacts(api: Api) -> None:
    company = api.debtor(legal_name="Menuiserie Roux SARL")["id"]
    clerk, other = api.contact(company), api.contact(company)

    erased = api.ok("manager", f"/v1/debtors/{company}/contacts/{clerk}/erasure", {"reason": "Demande RGPD"})
    refused = api.post("collector", f"/v1/debtors/{company}/contacts/{other}/erasure", {"reason": "Demande"})
    unknown = api.post("manager", f"/v1/debtors/{company}/contacts/{clerk}/erasure", {"reason": "Encore"})

    assert erased["state"]["legal_name"] == "Menuiserie Roux SARL"
    assert [c["contact_id"] for c in erased["state"]["contacts"]] == [other]
    assert api.journal(company, "debtors")[-1]["type"] == "ContactErased"
    assert_problem(refused, 403)
    assert_problem(unknown, 409, "contact_exists")
