"""A day at the console, in headless Chromium over PostgreSQL: a collector's call from the morning list, an
accountant's payment and its refusal, an auditor's evidence bundle verified by someone with no account, two
people on the same file at once, and what each role is offered on a receivable's page.

One store for the module: each test makes its own debtors and invoices. People come back with a session
opened for them (``resume``), except the collector, who signs in through the form.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from selenium.webdriver.common.by import By

from api.bootstrap import MAX_DOCUMENT_BYTES, fingerprint
from tests.browser.conftest import FIRM_KEY
from tests.browser.pages import Console
from tests.browser.stories import overdue_with_a_contact, session
from tests.e2e.conftest import Api
from tests.support.console import account

CONFLICT = "Ce dossier a été modifié par quelqu'un d'autre depuis que vous l'avez ouvert : rien n'a été enregistré."


def fr(day: date) -> str:
    return f"{day:%d/%m/%Y}"


def journal(api: Api, receivable_id: str) -> list[tuple[str, str]]:
    """The file's journal as the API gives it: (event type, actor)."""
    return [(entry["type"], entry["actor"]) for entry in api.journal(receivable_id)]


def test_a_collector_notes_a_call_with_a_promise_from_the_morning_calls_list(api: Api, browser: Console) -> None:
    account(api, "marie.dupont", "collector", name="Marie Dupont")
    invoice = overdue_with_a_contact(api, "Ébénisterie Roux SARL", amount="1200.00", days_overdue=1)
    number, rid, promised = invoice["invoice_number"], invoice["id"], api.today + timedelta(days=2)
    browser.sign_in("marie.dupont")
    assert number in browser.part("calls") and "Ébénisterie Roux SARL" in browser.part("calls")

    browser.click(number)
    assert browser.path == f"/creances/{rid}" and browser.heading().startswith(f"Facture {number}")
    call = browser.action("Noter un appel")
    assert browser.field("Date de l'appel", call).get_attribute("value") == fr(api.today)  # today, already typed
    browser.choose("Résultat", "interlocuteur joint", call)
    browser.choose("Interlocuteur", "Jeanne Martin (comptabilité fournisseurs)", call)
    browser.fill("Ce qui a été dit", "Paiera par virement mercredi", call)
    browser.fill("Montant promis (facultatif)", "1 200,00", call)
    browser.fill("Payera le (facultatif)", fr(promised), call)
    browser.click("Enregistrer", call)

    assert browser.path == f"/creances/{rid}?fait=appel" and browser.messages() == ["Appel enregistré."]
    assert browser.timeline()[:2] == [
        f"Promesse de paiement notée par marie.dupont : 1 200,00 € pour le {fr(promised)}.",
        f"Appel noté par marie.dupont le {fr(api.today)} (suivi du retard) : interlocuteur joint. "
        "« Paiera par virement mercredi ».",
    ]
    facts = browser.facts()
    assert facts["Statut"] == "promesse de paiement" and facts["Promesse"] == f"1 200,00 € pour le {fr(promised)}"
    assert journal(api, rid)[-2:] == [("CallNoted", "marie.dupont"), ("PromiseToPayRecorded", "marie.dupont")]
    assert api.receivable(rid)["status"] == "promised"  # the dunning holds a promised file until its date

    browser.click("Aujourd'hui")
    assert number not in browser.part("calls")
    assert number in browser.part("promises")  # due in two days: among the promises to watch


def test_an_accountant_records_a_payment_in_french_then_a_refused_one_keeps_what_was_typed(
    api: Api, browser: Console
) -> None:
    invoice = api.invoice(api.debtor(legal_name="Plâtrerie Blanc SAS")["id"], amount="2000.00", days_overdue=20)
    rid = invoice["id"]
    browser.resume(session(api, "lea.compta", "accountant", name="Léa Compta"))
    browser.open(f"/creances/{rid}")
    payment = browser.action("Enregistrer un paiement")
    browser.fill("Montant", "1 234,56", payment)
    assert browser.field("Date de valeur", payment).get_attribute("value") == fr(api.today)
    browser.fill("Référence bancaire", "VIR-2026-0612", payment)
    browser.click("Enregistrer", payment)

    assert browser.messages() == ["Paiement enregistré."]
    assert browser.timeline()[0] == (
        f"Paiement de 1 234,56 € reçu par virement, valeur le {fr(api.today)}, référence VIR-2026-0612 ; "
        "enregistré par lea.compta."
    )
    assert (browser.facts()["Payé"], browser.facts()["Reste dû"]) == ("1 234,56 €", "765,44 €")
    recorded = api.journal(rid)
    assert recorded[-1]["type"] == "PaymentReceived" and recorded[-1]["data"]["amount"] == "1234.56"

    payment = browser.action("Enregistrer un paiement")
    browser.fill("Montant", "500,00", payment)
    browser.fill("Date de valeur", fr(api.today + timedelta(days=3)), payment)
    browser.choose("Moyen", "chèque", payment)
    browser.fill("Référence bancaire", "CHQ-8812", payment)
    browser.click("Enregistrer", payment)

    assert browser.status == 409
    payment = browser.action("Enregistrer un paiement")  # shown unfolded again, beside its refusal
    assert browser.error_beside("Date de valeur", payment).startswith("Cette date est dans le futur")
    kept = {label: browser.field(label, payment).get_attribute("value") for label in ("Montant", "Date de valeur")}
    assert kept == {"Montant": "500,00", "Date de valeur": fr(api.today + timedelta(days=3))}
    assert browser.field("Référence bancaire", payment).get_attribute("value") == "CHQ-8812"
    assert browser.field("Moyen", payment).get_attribute("value") == "cheque"
    assert browser.facts()["Reste dû"] == "765,44 €"
    assert len(api.journal(rid)) == len(recorded)  # nothing recorded


def test_an_auditor_s_bundle_from_preuves_is_verified_by_someone_signed_out(api: Api, browser: Console) -> None:
    invoice = overdue_with_a_contact(api, "Couverture Faure SARL", days_overdue=30)
    api.ok("accountant", f"/v1/receivables/{invoice['id']}/payments", api.payment_body("200.00"))
    number = invoice["invoice_number"]
    browser.resume(session(api, "hugo.audit", "auditor", name="Hugo Audit"))
    browser.open("/preuves")
    browser.fill("Numéro de facture ou débiteur (nom, SIREN, SIRET)", number)
    browser.click("Rechercher")
    browser.button(f"Télécharger le paquet de {number}").click()  # a download: the page stays
    bundle = browser.downloaded()
    assert bundle.name == f"evidence-{number}.zip" and bundle.read_bytes().startswith(b"PK")

    browser.sign_out()
    browser.open("/verifier")
    assert browser.menu() == ["Vérifier une preuve"] and browser.driver.get_cookie("relance_session") is None
    browser.attach(f"Paquet de preuves (.zip, {MAX_DOCUMENT_BYTES // (1024 * 1024)} Mo au plus)", bundle)
    browser.click("Vérifier")

    assert browser.status == 200
    result = browser.part("resultat")
    assert f"Résultat pour « {bundle.name} »" in result
    assert "Paquet intact : toutes les vérifications sont réussies." in result
    checks = browser.driver.find_elements(By.CSS_SELECTOR, "#resultat tr.check")
    assert len(checks) >= 5 and [c.get_attribute("class") for c in checks] == ["check passed"] * len(checks)
    assert {c.find_element(By.CSS_SELECTOR, ".outcome").text for c in checks} == {"✓ Réussie"}
    firm_key = FIRM_KEY.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    assert f"Empreinte de la clé qui a signé ce paquet {fingerprint(firm_key.decode())}" in result
    assert "Identique : ce paquet est signé avec la clé de cette entreprise." in result


def test_two_people_on_one_file_the_second_is_told_it_changed_and_its_note_is_not_recorded(
    api: Api, browser: Console, another_browser: Callable[[], Console]
) -> None:
    rid = api.invoice(api.debtor(legal_name="Serrurerie Gros SARL")["id"])["id"]
    first, second = browser, another_browser()
    first.resume(session(api, "paul.premier", "collector"))
    second.resume(session(api, "nina.seconde", "manager"))
    first.open(f"/creances/{rid}")
    second.open(f"/creances/{rid}")
    second_note = second.action("Ajouter une note")
    second.fill("Note", "Le client demande un duplicata.", second_note)

    first_note = first.action("Ajouter une note")
    first.fill("Note", "Rappel prévu jeudi.", first_note)
    first.click("Enregistrer", first_note)
    assert first.messages() == ["Note ajoutée."]
    second.click("Enregistrer", second_note)

    assert second.status == 409
    assert any(CONFLICT in message for message in second.messages()), second.messages()
    kept = second.field("Note", second.action("Ajouter une note")).get_attribute("value")
    assert kept == "Le client demande un duplicata."  # to send again once the file is read afresh
    notes = [entry["data"]["text"] for entry in api.opened_journal(rid) if entry["type"] == "NoteAdded"]
    assert notes == ["Rappel prévu jeudi."]
    assert second.timeline()[0] == f"Note de paul.premier le {fr(api.today)} : « Rappel prévu jeudi. »."


@pytest.fixture(scope="module")
def one_file(api: Api) -> dict[str, Any]:
    return api.invoice(api.debtor(legal_name="Vitrerie Noël SARL")["id"], days_overdue=10)


@pytest.mark.parametrize(
    ("role", "forms"),
    [
        (
            "collector",
            ["Noter un appel", "Enregistrer une promesse de paiement", "Ouvrir un litige", "Ajouter une note",
             "Joindre un document"],
        ),
        ("accountant", ["Enregistrer un paiement", "Imputer un avoir", "Ajouter une note", "Joindre un document"]),
        ("auditor", []),
    ],
)  # fmt: skip
def test_each_role_is_offered_on_a_receivable_only_the_forms_it_may_send(
    api: Api, browser: Console, one_file: dict[str, Any], role: str, forms: list[str]
) -> None:
    browser.resume(session(api, f"{role}.formulaires", role))
    browser.open(f"/creances/{one_file['id']}")
    assert browser.status == 200 and browser.timeline()  # the file and its history are there for every role
    assert browser.forms() == forms
    posting = browser.driver.find_elements(By.CSS_SELECTOR, "main form[method=post]")
    assert len(posting) == len(forms)  # nothing else on the page sends anything
