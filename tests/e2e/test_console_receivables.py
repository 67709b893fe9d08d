"""The console's list of receivables (Créances), over HTTP on PostgreSQL: search, filters, totals, sorts and
pages, in French formats, for every role (issue 18)."""

from __future__ import annotations

import html
import random
import re
from contextlib import closing
from decimal import Decimal
from typing import Any

import httpx

from api import formats
from tests.e2e.conftest import Api
from tests.support.console import person

ROW = re.compile(r'<td><a href="/creances/(?P<id>[0-9a-f-]{36})">(?P<number>[^<]+)</a></td>')


def a_siren(rng: random.Random) -> str:
    """Nine digits with their Luhn key: a SIREN no other test uses."""
    digits = [rng.randrange(10) for _ in range(8)]
    for key in range(10):
        candidate = [*digits, key]
        total = sum(d * 2 - 9 * (d * 2 > 9) if i % 2 else d for i, d in enumerate(reversed(candidate)))
        if total % 10 == 0:
            return "".join(map(str, candidate))
    raise AssertionError("unreachable")


def a_debtor(api: Api, name: str, siren: str | None = None) -> dict[str, Any]:
    return api.debtor(legal_name=api.unique(name), siren=siren or a_siren(random.Random(name)))


def listed(page: httpx.Response) -> list[str]:
    assert page.status_code in (200, 422), page.text
    return [m.group("number") for m in ROW.finditer(page.text)]


def text_of(page: httpx.Response) -> str:
    return html.unescape(page.text)


def test_a_search_finds_the_file_by_its_number_its_debtors_name_or_its_siren(api: Api) -> None:
    siren = a_siren(random.Random(18))
    debtor = a_debtor(api, "Scierie Gaëlle", siren)
    invoice = api.invoice(debtor["id"])
    with closing(person(api, "collector", "nina.search")) as client:
        by_number = client.get("/creances", params={"q": invoice["invoice_number"].lower()})
        assert listed(by_number) == [invoice["invoice_number"]]
        assert f'href="/creances/{invoice["id"]}"' in by_number.text
        assert f'href="/debiteurs/{debtor["id"]}"' in by_number.text
        by_name = client.get("/creances", params={"q": debtor["legal_name"].upper().replace("Ë", "E")})
        assert listed(by_name) == [invoice["invoice_number"]]
        by_siren = client.get("/creances", params={"q": f"{siren[:3]} {siren[3:6]} {siren[6:]}"})
        assert listed(by_siren) == [invoice["invoice_number"]]
        assert listed(client.get("/creances", params={"q": "aucune facture ne porte ce nom"})) == []


def test_each_filter_narrows_the_list_and_the_totals_follow(api: Api) -> None:
    debtor = a_debtor(api, "Charpentes Morel")
    late = api.invoice(debtor["id"], amount="1200.00", days_overdue=45)
    not_due = api.invoice(debtor["id"], amount="300.00", days_overdue=-5)
    disputed = api.invoice(debtor["id"], amount="3000.00", days_overdue=90)
    paid = api.invoice(debtor["id"], amount="800.00", days_overdue=20)
    api.ok("admin", f"/v1/receivables/{disputed['id']}/disputes", {"reason": "price", "opened_on": api.days(0)})
    api.ok("admin", f"/v1/receivables/{paid['id']}/payments", api.payment_body("800.00"))
    reminder = {"stage": "first", "channel": "email", "sent_on": api.days(0)}
    api.ok("admin", f"/v1/receivables/{late['id']}/reminders", reminder)
    numbers = {r["id"]: r["invoice_number"] for r in (late, not_due, disputed, paid)}

    def only(**params: str) -> set[str]:
        return set(listed(client.get("/creances", params={"debiteur": debtor["id"], **params})))

    with closing(person(api, "manager", "marc.filters")) as client:
        assert only() == set(numbers.values())
        assert only(statut="litige") == {numbers[disputed["id"]]}
        assert only(statut="soldee") == {numbers[paid["id"]]}
        assert only(etape="premiere") == {numbers[late["id"]]}
        assert only(montant_min="1 000,00") == {numbers[late["id"]], numbers[disputed["id"]]}
        assert only(montant_max="500") == {numbers[not_due["id"]], numbers[paid["id"]]}
        assert only(retard_min="60") == {numbers[disputed["id"]]}
        assert only(echues="1") == {numbers[late["id"]], numbers[disputed["id"]]}
        assert only(echues="1", montant_max="2000") == {numbers[late["id"]]}

        everything = text_of(client.get("/creances", params={"debiteur": debtor["id"]}))
        assert "4 créances" in everything
        assert formats.money(Decimal("5300.00")) in everything  # 1 200 + 300 + 3 000 + 800, TTC
        assert formats.money(Decimal("4500.00")) in everything  # what is still owed
        overdue = text_of(client.get("/creances", params={"debiteur": debtor["id"], "echues": "1"}))
        assert "2 créances" in overdue and formats.money(Decimal("4200.00")) in overdue


def test_the_list_speaks_french_dates_amounts_statuses_and_stages(api: Api) -> None:
    debtor = a_debtor(api, "Maçonnerie Ribeiro")
    invoice = api.invoice(debtor["id"], amount="12345.60", days_overdue=12)
    api.ok("admin", f"/v1/receivables/{invoice['id']}/disputes", {"reason": "quantity", "opened_on": api.days(0)})
    with closing(person(api, "accountant", "lea.formats")) as client:
        page = client.get("/creances", params={"q": invoice["invoice_number"]})
    text = text_of(page)
    due = invoice["due_date"]
    assert f"{due[8:10]}/{due[5:7]}/{due[:4]}" in text
    assert "12\u202f345,60\u00a0€" in text
    assert "12 j" in text and "en litige" in text and "aucune relance" in text
    assert "<script>" not in page.text and " style=" not in page.text  # no inline script or style


def test_the_list_sorts_by_outstanding_amount_both_ways(api: Api) -> None:
    debtor = a_debtor(api, "Plâtrerie Vidal")
    small, large, medium = (api.invoice(debtor["id"], amount=a) for a in ("150.00", "9000.00", "2500.00"))
    with closing(person(api, "collector", "sam.sorts")) as client:
        largest_first = listed(
            client.get("/creances", params={"debiteur": debtor["id"], "tri": "reste", "ordre": "desc"})
        )
        smallest_first = listed(client.get("/creances", params={"debiteur": debtor["id"], "tri": "reste"}))
    order = [large["invoice_number"], medium["invoice_number"], small["invoice_number"]]
    assert largest_first == order and smallest_first == order[::-1]


def test_fifty_receivables_a_page_numbered_page_x_of_y(api: Api) -> None:
    debtor = a_debtor(api, "Couverture Leroy")
    numbers = {api.invoice(debtor["id"], amount="100.00")["invoice_number"] for _ in range(53)}
    with closing(person(api, "auditor", "ana.pages")) as client:
        first = client.get("/creances", params={"debiteur": debtor["id"]})
        second = client.get("/creances", params={"debiteur": debtor["id"], "page": "2"})
    assert len(listed(first)) == 50 and len(listed(second)) == 3
    assert set(listed(first)) | set(listed(second)) == numbers
    assert "page 1 sur 2" in first.text and "page 2 sur 2" in second.text
    assert f"debiteur={debtor['id']}&amp;page=2" in first.text  # the next page keeps the filters
    assert "53 créances" in text_of(second)  # the totals cover every page


def test_a_value_that_is_no_amount_is_said_beside_its_field_and_the_rest_still_filters(api: Api) -> None:
    debtor = a_debtor(api, "Vitrerie Blanc")
    invoice = api.invoice(debtor["id"])
    with closing(person(api, "collector", "ines.typo")) as client:
        page = client.get("/creances", params={"debiteur": debtor["id"], "montant_min": "beaucoup"})
    assert page.status_code == 422
    assert 'id="montant_min-erreur"' in page.text and "« beaucoup » n'est pas un montant" in text_of(page)
    assert 'value="beaucoup"' in page.text
    assert listed(page) == [invoice["invoice_number"]]


def test_the_list_asks_for_a_sign_in_first(api: Api) -> None:
    with httpx.Client(base_url=api.base_url, follow_redirects=False) as client:
        answer = client.get("/creances", params={"q": "F"})
    assert answer.status_code == 303 and answer.headers["location"] == "/connexion?suite=%2Fcreances%3Fq%3DF"
