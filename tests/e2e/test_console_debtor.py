"""A debtor's page in the console, over HTTP on PostgreSQL: identity, contacts, receivables, what halts
chasing it and its journal; its forms run the API's commands as the signed-in person (issue 18)."""

from __future__ import annotations

import html
import re
from contextlib import closing
from decimal import Decimal
from typing import Any

import httpx

from api import formats
from api.console.messages import french_reason
from domain.errors import VersionMismatch
from tests.e2e.conftest import Api, contact_body
from tests.support.console import hidden, person


def page_of(client: httpx.Client, debtor_id: str) -> httpx.Response:
    page = client.get(f"/debiteurs/{debtor_id}")
    assert page.status_code == 200, page.text
    return page


def form(page: httpx.Response, **fields: str) -> dict[str, str]:
    return {"csrf": hidden(page.text, "csrf"), "version": hidden(page.text, "version"), **fields}


def new_contact(**overrides: str) -> dict[str, str]:
    return {"name": "Claire Fontaine", "role": "accounts_payable", "email": "claire.fontaine@example.fr",
            "phone": "04 78 00 00 00", **overrides}  # fmt: skip


def visible(page: httpx.Response) -> str:
    """The page's text as read on screen: without its tags, entities decoded."""
    return html.unescape(re.sub(r"<[^>]+>", "", page.text))


def events(api: Api, debtor_id: str) -> list[dict[str, Any]]:
    return api.journal(debtor_id, "debtors")


def test_the_page_shows_identity_contacts_receivables_and_totals(api: Api) -> None:
    debtor = api.debtor(legal_name=api.unique("Ébénisterie Roux"))
    api.ok("admin", f"/v1/debtors/{debtor['id']}/contacts", contact_body(name="Jeanne Roux"))
    first = api.invoice(debtor["id"], amount="1500.00", days_overdue=40)
    second = api.invoice(debtor["id"], amount="250.50", days_overdue=-3)
    with closing(person(api, "auditor", "odile.reads")) as client:
        page = page_of(client, debtor["id"])
    text = html.unescape(page.text)
    assert debtor["legal_name"] in text and "professionnel" in text and "732829320" in text
    assert "12 rue des Lilas" in text and "69003 Lyon" in text
    assert "Jeanne Roux" in text and "comptabilité fournisseurs" in text and "jeanne.martin@example.fr" in text
    assert f'href="/creances/{first["id"]}"' in page.text and second["invoice_number"] in text
    assert "Créances (2)" in text and formats.money(Decimal("1750.50")) in text
    assert "40 j" in text and "Rien n'arrête les relances de ce débiteur." in text
    assert f"Débiteur « {debtor['legal_name']} » enregistré" in text
    assert "Contact ajouté par admin-desk : Jeanne Roux (comptabilité fournisseurs)" in text
    # an auditor reads, and has no form to fill
    assert "<form" not in page.text.split("</header>", 1)[1]
    assert 'name="version"' not in page.text


def test_a_contact_added_from_the_form_is_in_the_journal_with_the_person_as_actor(api: Api) -> None:
    debtor = api.debtor(legal_name=api.unique("Forge Martin"))
    with closing(person(api, "collector", "paul.contacts")) as client:
        page = page_of(client, debtor["id"])
        answer = client.post(f"/debiteurs/{debtor['id']}/contacts", data=form(page, **new_contact()))
        assert answer.status_code == 303
        assert answer.headers["location"] == f"/debiteurs/{debtor['id']}?fait=contact-ajoute"
        after = html.unescape(client.get(answer.headers["location"]).text)
    assert "Contact ajouté." in after and "Claire Fontaine" in after and "claire.fontaine@example.fr" in after
    last = events(api, debtor["id"])[-1]
    assert last["type"] == "ContactAdded" and last["actor"] == "paul.contacts"
    assert last["data"]["role"] == "accounts_payable" and set(last["data"]["name"]) == {"sealed"}  # a person's
    assert "Contact ajouté par paul.contacts : Claire Fontaine" in after  # the journal on the page names who


def test_a_refused_contact_form_shows_the_reason_beside_the_field_keeps_the_values_and_records_nothing(
    api: Api,
) -> None:
    debtor = api.debtor(legal_name=api.unique("Tuilerie Noël"))
    before = len(events(api, debtor["id"]))
    with closing(person(api, "accountant", "rita.refused")) as client:
        page = page_of(client, debtor["id"])
        typed = new_contact(email="pas-une-adresse", name="Hugo Bernard")
        answer = client.post(f"/debiteurs/{debtor['id']}/contacts", data=form(page, **typed))
    assert answer.status_code == 422
    assert 'id="contact-nouveau-email-erreur"' in answer.text  # beside the e-mail field
    assert 'value="pas-une-adresse"' in answer.text and 'value="Hugo Bernard"' in answer.text
    assert "rien n'a été enregistré" in html.unescape(answer.text)
    assert len(events(api, debtor["id"])) == before


def test_an_auditor_sees_no_form_and_is_refused_if_it_posts_one(api: Api) -> None:
    debtor = api.debtor(legal_name=api.unique("Serrurerie Petit"))
    before = len(events(api, debtor["id"]))
    with closing(person(api, "auditor", "alain.audit")) as client:
        page = page_of(client, debtor["id"])
        assert "Ajouter un contact" not in page.text and "Enregistrer le consentement" not in page.text
        posted = {"csrf": hidden(page.text, "csrf"), "version": "1", **new_contact()}
        answer = client.post(f"/debiteurs/{debtor['id']}/contacts", data=posted)
        consent = client.post(f"/debiteurs/{debtor['id']}/consentement", data={**posted, "consented_on": "01/06/2026"})
    assert answer.status_code == 403 and "Accès refusé" in answer.text
    assert consent.status_code == 403
    assert len(events(api, debtor["id"])) == before


def test_an_accountant_may_add_a_contact_but_not_record_consent(api: Api) -> None:
    debtor = api.debtor(legal_name=api.unique("Menuiserie Caron"))
    with closing(person(api, "accountant", "luc.compta")) as client:
        page = page_of(client, debtor["id"])
        assert "Ajouter un contact" in page.text and "Enregistrer le consentement" not in page.text
        refused = client.post(f"/debiteurs/{debtor['id']}/consentement", data=form(page, consented_on="01/06/2026"))
    assert refused.status_code == 403


def test_a_stale_version_gets_the_conflict_message_and_overwrites_nothing(api: Api) -> None:
    debtor = api.debtor(legal_name=api.unique("Carrelage Lopez"))
    with closing(person(api, "manager", "mia.stale")) as client:
        page = page_of(client, debtor["id"])
        api.ok("admin", f"/v1/debtors/{debtor['id']}/contacts", contact_body(name="Ajouté Ailleurs"))
        before = len(events(api, debtor["id"]))
        answer = client.post(f"/debiteurs/{debtor['id']}/contacts", data=form(page, **new_contact()))
    assert answer.status_code == 409
    message = french_reason(VersionMismatch("stale", rule="if_match"))[0]
    assert message in html.unescape(answer.text)
    assert len(events(api, debtor["id"])) == before
    assert "Ajouté Ailleurs" in html.unescape(answer.text)  # the page shows the other person's change


def test_a_contact_changed_from_its_form_is_recorded_with_the_person_as_actor(api: Api) -> None:
    debtor = api.debtor(legal_name=api.unique("Peinture Gauthier"))
    contact_id = api.contact(debtor["id"])
    with closing(person(api, "collector", "eva.change")) as client:
        page = page_of(client, debtor["id"])
        changed = new_contact(name="Jeanne Martin-Gauthier", role="signatory", phone="06 00 00 00 00")
        answer = client.post(f"/debiteurs/{debtor['id']}/contacts/{contact_id}", data=form(page, **changed))
        assert answer.status_code == 303
        after = html.unescape(client.get(answer.headers["location"]).text)
    last = events(api, debtor["id"])[-1]
    assert last["type"] == "ContactChanged" and last["actor"] == "eva.change"
    assert last["data"]["contact_id"] == contact_id and last["data"]["role"] == "signatory"
    assert "Contact modifié." in after and "Jeanne Martin-Gauthier" in after and "signataire" in after


def test_consent_to_electronic_delivery_is_recorded_from_its_form(api: Api) -> None:
    debtor = api.debtor("consumer", legal_name=api.unique("Lucie Moreau"))
    day = api.days(-2)
    french = f"{day[8:10]}/{day[5:7]}/{day[:4]}"
    with closing(person(api, "collector", "tom.consent")) as client:
        page = page_of(client, debtor["id"])
        assert "Aucun consentement enregistré" in page.text
        answer = client.post(f"/debiteurs/{debtor['id']}/consentement", data=form(page, consented_on=french))
        assert answer.status_code == 303
        after = html.unescape(client.get(answer.headers["location"]).text)
        refused = client.post(
            f"/debiteurs/{debtor['id']}/consentement",
            data=form(client.get(f"/debiteurs/{debtor['id']}"), consented_on="31/02/2026"),
        )
    last = events(api, debtor["id"])[-1]
    assert last["type"] == "ElectronicDeliveryConsented" and last["actor"] == "tom.consent"
    assert last["data"]["consented_on"] == day
    assert f"donné le {french}" in after
    assert refused.status_code == 422 and 'id="consentement-consented_on-erreur"' in refused.text
    assert len(events(api, debtor["id"])) == 2


def test_the_page_says_what_halts_chasing_the_debtor(api: Api) -> None:
    debtor = api.debtor(legal_name=api.unique("Plomberie Faure"))
    paused = api.invoice(debtor["id"])
    disputed = api.invoice(debtor["id"])
    api.ok("admin", f"/v1/receivables/{paused['id']}/pauses", {"reason": "négociation en cours", "until": api.days(14)})
    api.ok("admin", f"/v1/receivables/{disputed['id']}/disputes", {"reason": "price", "opened_on": api.days(0)})
    insolvency = {"procedure": "receivership", "court": "Tribunal de commerce de Lyon", "judgment_date": api.days(-10),
                  "publication_date": api.days(-5)}  # fmt: skip
    api.ok("admin", f"/v1/debtors/{debtor['id']}/insolvency", insolvency)
    with closing(person(api, "collector", "zoe.halts")) as client:
        text = visible(page_of(client, debtor["id"]))
    assert "Procédure collective (redressement judiciaire), Tribunal de commerce de Lyon" in text
    assert f"Relances suspendues sur {paused['invoice_number']}" in text and "négociation en cours" in text
    assert "1 créance en litige" in text
    assert "Procédure collective ouverte : redressement judiciaire" in text  # in the journal too


def test_an_unknown_debtor_is_a_french_not_found_page(api: Api) -> None:
    with closing(person(api, "collector", "rob.unknown")) as client:
        unknown = client.get("/debiteurs/00000000-0000-4000-8000-000000000000")
        malformed = client.get("/debiteurs/nimporte-quoi")
    assert unknown.status_code == 404 and "Page introuvable" in unknown.text
    assert malformed.status_code == 404 and "Page introuvable" in malformed.text


def test_a_contact_form_without_its_csrf_token_is_refused_and_records_nothing(api: Api) -> None:
    debtor = api.debtor(legal_name=api.unique("Vitrerie Perrin"))
    with closing(person(api, "manager", "ugo.forged")) as client:
        page = page_of(client, debtor["id"])
        forged = {**form(page, **new_contact()), "csrf": "forged"}
        answer = client.post(f"/debiteurs/{debtor['id']}/contacts", data=forged)
    assert answer.status_code == 403 and "expiré" in answer.text
    assert len(events(api, debtor["id"])) == 1
