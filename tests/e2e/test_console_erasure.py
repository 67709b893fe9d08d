"""The debtor page's « Effacer les données personnelles (RGPD, art. 17) » form, over HTTP on PostgreSQL: a
manager erases a settled consumer (the page then reads [effacé]); a claim still pursued refuses it beside the
box that would force it, naming the invoices, and records nothing, unless that box is ticked; the box saying
the erasure is final must be ticked; a collector neither sees nor may post the form; a company has no form."""

from __future__ import annotations

import html
from contextlib import closing

import pytest

from tests.e2e.conftest import Api
from tests.e2e.test_console_debtor import events, form, page_of, visible
from tests.support.console import hidden, person

pytestmark = pytest.mark.postgres

FORM = "Effacer les données personnelles (RGPD, art. 17)"
REASON = "Demande de l'intéressée, courrier du 3 mars"


def settled_consumer(api: Api, name: str) -> str:
    debtor_id: str = api.debtor("consumer", legal_name=name)["id"]
    invoice = api.invoice(debtor_id, amount="120.00")
    api.ok("admin", f"/v1/receivables/{invoice['id']}/payments", api.payment_body("120.00"))
    return debtor_id


def test_a_manager_erases_a_settled_consumer_and_the_page_then_reads_erased(api: Api) -> None:
    name = api.unique("Lucie Moreau")
    debtor_id = settled_consumer(api, name)
    with closing(person(api, "manager", "marc.efface")) as client:
        page = page_of(client, debtor_id)
        assert FORM in html.unescape(page.text)
        answer = client.post(f"/debiteurs/{debtor_id}/effacement", data=form(page, reason=REASON, confirm="oui"))
        assert answer.status_code == 303, answer.text
        assert answer.headers["location"] == f"/debiteurs/{debtor_id}?fait=donnees-effacees"
        after = visible(client.get(answer.headers["location"]))
    assert "Données personnelles effacées." in after and "[effacé]" in after
    assert name not in after and FORM not in after  # erased once: the form is gone
    last = events(api, debtor_id)[-1]
    assert last["type"] == "DebtorErased" and last["actor"] == "marc.efface" and last["data"] == {"reason": REASON}


def test_a_claim_pursued_refuses_the_erasure_beside_the_force_box_and_records_nothing(api: Api) -> None:
    debtor_id = api.debtor("consumer", legal_name=api.unique("Hugo Lambert"))["id"]
    invoice = api.invoice(debtor_id)["invoice_number"]
    with closing(person(api, "manager", "marc.refuse")) as client:
        page = page_of(client, debtor_id)
        answer = client.post(f"/debiteurs/{debtor_id}/effacement", data=form(page, reason=REASON, confirm="oui"))
    assert answer.status_code == 409
    assert 'id="effacement-force-erreur"' in answer.text  # beside « Forcer malgré les créances poursuivies »
    text = html.unescape(answer.text)
    assert "Une créance contre cette personne est encore poursuivie" in text
    assert f"Factures poursuivies : {invoice} (en cours)." in text
    assert f'value="{REASON}"' in text and "<details open>" in answer.text
    assert 'id="effacement-confirm" name="confirm" value="oui" checked' in answer.text  # the box stays ticked
    assert [e["type"] for e in events(api, debtor_id)] == ["DebtorRegistered"]


def test_the_force_box_erases_despite_a_claim_pursued_and_the_journal_names_it(api: Api) -> None:
    debtor_id = api.debtor("consumer", legal_name=api.unique("Denise Durand"))["id"]
    invoice = api.invoice(debtor_id)["invoice_number"]
    with closing(person(api, "manager", "marc.force")) as client:
        page = page_of(client, debtor_id)
        answer = client.post(f"/debiteurs/{debtor_id}/effacement",
                             data=form(page, reason="Créance abandonnée", force="oui", confirm="oui"))  # fmt: skip
    assert answer.status_code == 303, answer.text
    assert events(api, debtor_id)[-1]["data"] == {"reason": "Créance abandonnée", "forced": True, "pursued": [invoice]}


def test_the_confirmation_box_unticked_is_refused_in_french_and_records_nothing(api: Api) -> None:
    debtor_id = settled_consumer(api, api.unique("Paul Girard"))
    before = len(events(api, debtor_id))
    with closing(person(api, "admin", "ada.confirme")) as client:
        page = page_of(client, debtor_id)
        unticked = client.post(f"/debiteurs/{debtor_id}/effacement", data=form(page, reason=REASON))
        no_reason = client.post(f"/debiteurs/{debtor_id}/effacement", data=form(page, reason=" ", confirm="oui"))
    assert unticked.status_code == 422 and 'id="effacement-confirm-erreur"' in unticked.text
    assert "Cochez « Je comprends que l'effacement est définitif » pour effacer" in html.unescape(unticked.text)
    assert no_reason.status_code == 422 and 'id="effacement-reason-erreur"' in no_reason.text
    assert "Le motif est obligatoire." in html.unescape(no_reason.text)
    assert len(events(api, debtor_id)) == before


def test_a_collector_sees_no_erasure_form_and_is_refused_if_it_posts_one(api: Api) -> None:
    debtor_id = settled_consumer(api, api.unique("Inès Faure"))
    with closing(person(api, "collector", "carla.efface")) as client:
        page = page_of(client, debtor_id)
        assert FORM not in html.unescape(page.text)
        posted = {"csrf": hidden(page.text, "csrf"), "version": hidden(page.text, "version"), "reason": REASON,
                  "force": "oui", "confirm": "oui"}  # fmt: skip
        answer = client.post(f"/debiteurs/{debtor_id}/effacement", data=posted)
    assert answer.status_code == 403 and "Accès refusé" in html.unescape(answer.text)
    assert events(api, debtor_id)[-1]["type"] != "DebtorErased"


def test_a_company_has_no_erasure_form_and_a_post_is_refused_with_the_rule_in_french(api: Api) -> None:
    debtor_id = api.debtor(legal_name=api.unique("Serrurerie Petit"))["id"]
    with closing(person(api, "manager", "marc.societe")) as client:
        page = page_of(client, debtor_id)
        assert FORM not in html.unescape(page.text)
        answer = client.post(f"/debiteurs/{debtor_id}/effacement",
                             data=form(page, reason=REASON, force="oui", confirm="oui"))  # fmt: skip
    assert answer.status_code == 409
    assert "Seules les données d'une personne physique" in html.unescape(answer.text)
    assert [e["type"] for e in events(api, debtor_id)] == ["DebtorRegistered"]


def test_a_stale_version_is_a_conflict_and_erases_nothing(api: Api) -> None:
    debtor_id = settled_consumer(api, api.unique("Jeanne Martin"))
    with closing(person(api, "manager", "marc.perime")) as client:
        page = page_of(client, debtor_id)
        api.ok("accountant", f"/v1/debtors/{debtor_id}/name-rectification",
               {"legal_name": api.unique("Jeanne Martin-Durand"), "reason": "courrier"})  # fmt: skip
        answer = client.post(f"/debiteurs/{debtor_id}/effacement", data=form(page, reason=REASON, confirm="oui"))
    assert answer.status_code == 409
    assert "modifié par quelqu'un d'autre" in html.unescape(answer.text)
    assert events(api, debtor_id)[-1]["type"] == "DebtorNameRectified"


def test_a_manager_erases_one_contact_of_a_company_and_the_company_stays(api: Api) -> None:
    company = api.debtor(legal_name=api.unique("Scierie Roux"))["id"]
    clerk = api.contact(company)
    with closing(person(api, "manager", "marc.contact")) as client:
        page = page_of(client, company)
        assert "Effacer ce contact" in html.unescape(page.text)
        unticked = client.post(f"/debiteurs/{company}/contacts/{clerk}/effacement", data=form(page, reason=REASON))
        answer = client.post(f"/debiteurs/{company}/contacts/{clerk}/effacement",
                             data=form(page, reason=REASON, confirm="oui"))  # fmt: skip
        assert answer.status_code == 303, answer.text
        after = visible(client.get(answer.headers["location"]))
    assert unticked.status_code == 422 and f'id="effacement-contact-{clerk}-confirm-erreur"' in unticked.text
    assert "Données du contact effacées." in after and "Aucun contact enregistré." in after
    assert [e["type"] for e in events(api, company)][-1] == "ContactErased"
