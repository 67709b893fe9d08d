"""POST /v1/debtors/{id}/name-rectification over HTTP (GDPR art. 16): the name corrected by a new event that
the journal keeps beside the old one; the debtor, the lists and the search follow the new name."""

from __future__ import annotations

from contextlib import closing

import pytest

from tests.e2e.conftest import Api, assert_problem
from tests.support.console import person

pytestmark = pytest.mark.postgres

REASON = "À la demande de l'intéressé (courrier du 12 juin) : nom mal orthographié"


def path(debtor_id: str) -> str:
    return f"/v1/debtors/{debtor_id}/name-rectification"


def test_a_rectified_name_is_recorded_kept_beside_the_old_in_the_journal_and_read_back(api: Api) -> None:
    old, new = api.unique("Jean Dupond"), api.unique("Jean Dupont")
    debtor = api.debtor("consumer", legal_name=old)
    etag = api.get("accountant", f"/v1/debtors/{debtor['id']}").headers["etag"]

    response = api.post("accountant", path(debtor["id"]), {"legal_name": new, "reason": REASON}, **{"If-Match": etag})

    assert response.status_code == 201, response.text
    result = response.json()
    assert [e["type"] for e in result["events"]] == ["DebtorNameRectified"]
    assert result["state"]["legal_name"] == new and response.headers["etag"] == '"2"'
    journal = api.journal(debtor["id"], "debtors")
    assert [r["type"] for r in journal] == ["DebtorRegistered", "DebtorNameRectified"]
    assert all("sealed" in r["data"]["legal_name"] for r in journal)  # both names kept, each sealed (personal)
    assert "sealed" in journal[1]["data"]["reason"] and journal[1]["actor"] == "accountant-desk"  # personal too
    assert api.opened_journal(debtor["id"])[1]["data"]["reason"] == REASON
    assert api.get("auditor", f"/v1/debtors/{debtor['id']}").json()["legal_name"] == new
    listed = api.get("auditor", "/v1/debtors", kind="consumer", limit=500).json()["items"]
    assert [row["legal_name"] for row in listed if row["id"] == debtor["id"]] == [new]


def test_the_search_finds_the_file_by_the_new_name_and_no_longer_by_the_old(api: Api) -> None:
    old, new = api.unique("Ferronnerie Laurant"), api.unique("Ferronnerie Laurent")
    debtor = api.debtor(legal_name=old)
    invoice = api.invoice(debtor["id"])
    with closing(person(api, "collector", "nina.rectified")) as client:
        assert invoice["invoice_number"] in client.get("/creances", params={"q": old}).text  # the index is built

        api.ok("manager", path(debtor["id"]), {"legal_name": new, "reason": "Kbis : nom exact"})

        assert invoice["invoice_number"] in client.get("/creances", params={"q": new}).text
        assert invoice["invoice_number"] not in client.get("/creances", params={"q": old}).text


def test_an_unchanged_name_a_stale_version_and_an_erased_consumer_are_refused_and_record_nothing(api: Api) -> None:
    name = api.unique("Lucie Moreau")
    debtor = api.debtor("consumer", legal_name=name)

    unchanged = api.post("accountant", path(debtor["id"]), {"legal_name": f" {name} ", "reason": REASON})
    stale = api.post("accountant", path(debtor["id"]), {"legal_name": "Lucie Moreau-Petit", "reason": REASON},
                     **{"If-Match": '"7"'})  # fmt: skip
    no_reason = api.post("accountant", path(debtor["id"]), {"legal_name": "Lucie Moreau-Petit", "reason": " "})
    api.ok("manager", f"/v1/debtors/{debtor['id']}/erasure", {"reason": "GDPR art. 17 request"})
    erased = api.post("accountant", path(debtor["id"]), {"legal_name": "Lucie Moreau-Petit", "reason": REASON})

    assert_problem(unchanged, 409, "name_changed")
    assert_problem(stale, 412)
    assert_problem(no_reason, 422, "text_required")
    assert_problem(erased, 409, "debtor_not_erased")
    assert [r["type"] for r in api.journal(debtor["id"], "debtors")] == ["DebtorRegistered", "DebtorErased"]


def test_a_collector_may_not_rectify_a_name(api: Api) -> None:
    debtor = api.debtor(legal_name=api.unique("Tuilerie Noel"))

    assert_problem(api.post("collector", path(debtor["id"]), {"legal_name": "Tuilerie Noël", "reason": REASON}), 403)
    assert len(api.journal(debtor["id"], "debtors")) == 1


def test_an_address_or_a_contact_changed_as_a_rectification_says_why_in_the_journal(api: Api) -> None:
    debtor = api.debtor("consumer", legal_name=api.unique("Rémi Blanc"))
    contact_id = api.contact(debtor["id"])
    new_address = {"lines": ["14 rue des Lilas"], "postal_code": "69003", "city": "Lyon", "reason": REASON}

    api.ok("collector", f"/v1/debtors/{debtor['id']}/address", new_address)
    api.ok("collector", f"/v1/debtors/{debtor['id']}/contacts/{contact_id}",
           {"role": "other", "name": "Rémi Blanc", "reason": "Numéro corrigé à sa demande"})  # fmt: skip

    assert all("sealed" in r["data"]["reason"] for r in api.journal(debtor["id"], "debtors")[-2:])  # personal
    journal = api.opened_journal(debtor["id"])
    assert [(r["type"], r["data"].get("reason")) for r in journal[-2:]] == [
        ("AddressChanged", REASON), ("ContactChanged", "Numéro corrigé à sa demande")]  # fmt: skip
    assert api.get("auditor", f"/v1/debtors/{debtor['id']}").json()["address"]["lines"] == ["14 rue des Lilas"]
