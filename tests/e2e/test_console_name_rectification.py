"""The debtor page's « Rectifier le nom » form (GDPR art. 16), over HTTP on PostgreSQL: it records the
rectification as the signed-in person, the timeline says the old and the new name; a refusal is shown in
French beside its field and records nothing; only who may register a debtor sees and may post it."""

from __future__ import annotations

import html
from contextlib import closing

import pytest

from tests.e2e.conftest import Api
from tests.e2e.test_console_debtor import events, form, page_of, visible
from tests.support.console import hidden, person

pytestmark = pytest.mark.postgres

REASON = "À la demande de l'intéressée, courrier du 12 juin"


def test_the_form_records_the_rectification_and_the_timeline_says_old_and_new_name(api: Api) -> None:
    old, new = api.unique("Jeanne Martn"), api.unique("Jeanne Martin")
    debtor = api.debtor("consumer", legal_name=old)
    with closing(person(api, "accountant", "sophie.rectifie")) as client:
        page = page_of(client, debtor["id"])
        assert "Rectifier le nom" in page.text
        answer = client.post(f"/debiteurs/{debtor['id']}/rectification-nom",
                             data=form(page, legal_name=new, reason=REASON))  # fmt: skip
        assert answer.status_code == 303, answer.text
        assert answer.headers["location"] == f"/debiteurs/{debtor['id']}?fait=nom-rectifie"
        after = visible(client.get(answer.headers["location"]))
    assert "Nom rectifié : l'ancien reste au journal." in after
    assert f"Nom rectifié : « {old} » → « {new} », par sophie.rectifie (motif : {REASON})" in after
    assert f"Débiteur « {old} » enregistré" in after  # the registration still says the name it recorded
    last = events(api, debtor["id"])[-1]
    assert last["type"] == "DebtorNameRectified" and last["actor"] == "sophie.rectifie"
    assert "sealed" in last["data"]["reason"] and "sealed" in last["data"]["legal_name"]  # both personal
    assert api.opened_journal(debtor["id"])[-1]["data"]["reason"] == REASON


def test_an_unchanged_name_is_refused_beside_its_field_with_the_values_typed_and_nothing_recorded(api: Api) -> None:
    name = api.unique("Paul Girard")
    debtor = api.debtor("consumer", legal_name=name)
    with closing(person(api, "manager", "marc.refuse")) as client:
        page = page_of(client, debtor["id"])
        answer = client.post(f"/debiteurs/{debtor['id']}/rectification-nom",
                             data=form(page, legal_name=name, reason="faute de frappe"))  # fmt: skip
        empty = client.post(f"/debiteurs/{debtor['id']}/rectification-nom",
                            data=form(page, legal_name="Paul Girardin", reason=""))  # fmt: skip
    assert answer.status_code == 409
    assert 'id="nom-legal_name-erreur"' in answer.text  # beside the name field
    assert "Le nom est inchangé : une rectification donne un nom différent." in html.unescape(answer.text)
    assert 'value="faute de frappe"' in answer.text and "<details open>" in answer.text
    assert empty.status_code == 422 and 'id="nom-reason-erreur"' in empty.text
    assert "Ce champ est obligatoire." in html.unescape(empty.text)
    assert [e["type"] for e in events(api, debtor["id"])] == ["DebtorRegistered"]


def test_a_collector_sees_no_name_form_and_is_refused_if_it_posts_one(api: Api) -> None:
    debtor = api.debtor(legal_name=api.unique("Serrurerie Petti"))
    with closing(person(api, "collector", "carla.collecte")) as client:
        page = page_of(client, debtor["id"])
        assert "Rectifier le nom" not in page.text
        posted = {"csrf": hidden(page.text, "csrf"), "version": "1", "legal_name": "Serrurerie Petit",
                  "reason": REASON}  # fmt: skip
        answer = client.post(f"/debiteurs/{debtor['id']}/rectification-nom", data=posted)
    assert answer.status_code == 403
    assert len(events(api, debtor["id"])) == 1


def test_an_erased_consumers_page_offers_no_rectification_and_its_timeline_shows_it_erased(api: Api) -> None:
    old = api.unique("Inès Faure")
    debtor = api.debtor("consumer", legal_name=old)
    api.ok(
        "accountant", f"/v1/debtors/{debtor['id']}/name-rectification", {"legal_name": "Inès Fauré", "reason": REASON}
    )
    api.ok("manager", f"/v1/debtors/{debtor['id']}/erasure", {"reason": "GDPR art. 17 request"})
    with closing(person(api, "manager", "marc.efface")) as client:
        text = visible(page_of(client, debtor["id"]))
    assert "Rectifier le nom" not in text
    assert "Nom rectifié par accountant-desk (données effacées)" in text
    assert old not in text and "Fauré" not in text
