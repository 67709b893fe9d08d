"""The console's receivable page and its actions, over HTTP on PostgreSQL (issue 18)."""

from __future__ import annotations

import hashlib
import html
import re
from contextlib import closing
from datetime import date, timedelta
from typing import Any
from uuid import UUID

import httpx

from api import formats
from api.console.timeline import sentence
from tests.e2e.conftest import Api
from tests.e2e.test_api_dunning import mailing_api  # noqa: F401  (the fixture)
from tests.e2e.test_api_letters import a_letter_to_post
from tests.support.console import hidden, person
from tests.support.smtp_server import Inbox


def fr(day: date) -> str:
    return f"{day:%d/%m/%Y}"


def euros(amount: str) -> str:
    return formats.money(amount, "EUR")


def page_text(client: httpx.Client, receivable_id: str) -> str:
    answer = client.get(f"/creances/{receivable_id}")
    assert answer.status_code == 200, answer.text
    return html.unescape(answer.text)


def submit(
    client: httpx.Client,
    receivable_id: str,
    slug: str,
    data: dict[str, str],
    *,
    version: str | None = None,
    files: dict[str, Any] | None = None,
) -> httpx.Response:
    """Post the page's form ``slug`` as a browser would: its CSRF token and the version the page showed."""
    shown = client.get(f"/creances/{receivable_id}").text
    fields = {"csrf": hidden(shown, "csrf"), "version": version or hidden(shown, "version"), **data}
    return client.post(f"/creances/{receivable_id}/{slug}", data=fields, files=files)


def journal_types(api: Api, receivable_id: str) -> list[str]:
    return [entry["type"] for entry in api.journal(receivable_id)]


def error_beside(page: str, form: str, field: str) -> str:
    """The refusal shown beside a form's field."""
    found = re.search(rf'id="{form}-{field}-erreur">([^<]*)<', page)
    assert found, f"no error beside {form}/{field}"
    return html.unescape(found.group(1))


def test_the_timeline_shows_each_recorded_event_as_its_sentence(api: Api) -> None:
    invoice = api.invoice(amount="1200.00")
    rid, path = invoice["id"], f"/v1/receivables/{invoice['id']}"
    today = api.today
    api.ok("admin", f"{path}/reminders", {"stage": "first", "channel": "email", "sent_on": api.days(0)})
    api.ok("admin", f"{path}/calls", {"called_on": api.days(0), "purpose": "follow_up", "outcome": "reached",
                                      "notes": "paiera fin de mois"})  # fmt: skip
    api.ok("admin", f"{path}/promises", {"amount": "1200.00", "promised_date": api.days(5)})
    api.ok("admin", f"{path}/payments", api.payment_body("100.00", reference="VIR-TIMELINE"))
    notice = api.document(api.unique_pdf())
    api.ok("admin", f"{path}/formal-notices", {
        "channel": "registered_letter", "sent_on": api.days(0), "deadline": api.days(8), "principal": "1100.00",
        "interest": "12.50", "indemnity": "40.00", "document_sha256": notice, "tracking_number": "1A23456789012",
    })  # fmt: skip
    with closing(person(api, "auditor", "alice.lecture")) as client:
        page = page_text(client, rid)
    assert f"Relance par courriel envoyée le {fr(today)} par admin-desk (première relance)" in page
    assert (
        f"Appel noté par admin-desk le {fr(today)} (suivi du retard) : interlocuteur joint. « paiera fin de mois »"
        in page
    )
    assert f"Promesse de paiement notée par admin-desk : {euros('1200')} pour le {fr(today + timedelta(5))}" in page
    assert f"Paiement de {euros('100')} reçu par virement, valeur le {fr(today)}, référence VIR-TIMELINE" in page
    assert f"Mise en demeure n° 1 envoyée par lettre recommandée avec AR le {fr(today)} par admin-desk" in page
    history = api.services.ledger.store.history(UUID(rid))
    assert history is not None and len(history.events) == 6
    for event in history.events:  # every event, as the one mapping writes it
        assert sentence(event) in page, sentence(event)
    assert f'href="/creances/{rid}/documents/{notice}">Ouvrir la mise en demeure' in page
    assert f"{euros('1100')}" in page and "Reste dû" in page  # the header's outstanding
    assert "Prescription" in page and "Code de commerce L110-4" in page
    assert "Ce qui peut être réclamé" in page and "Indemnité forfaitaire de recouvrement" in page


def test_a_call_with_a_promise_noted_from_the_form_names_the_person_and_pauses_dunning(api: Api) -> None:
    invoice = api.invoice(amount="1200.00")
    rid, promised = invoice["id"], api.today + timedelta(days=5)
    with closing(person(api, "collector", "marie.dupont")) as client:
        answer = submit(client, rid, "appel", {
            "called_on": fr(api.today), "outcome": "reached", "purpose": "follow_up", "contact_id": "",
            "notes": "Paiera par virement", "amount": "1 200,00", "promised_date": fr(promised),
        })  # fmt: skip
        assert answer.status_code == 303, answer.text
        assert answer.headers["location"] == f"/creances/{rid}?fait=appel"
        page = html.unescape(client.get(answer.headers["location"]).text)
    call, promise = api.journal(rid)[-2:]
    assert (call["type"], call["actor"], call["data"]["outcome"]) == ("CallNoted", "marie.dupont", "reached")
    assert (promise["type"], promise["actor"]) == ("PromiseToPayRecorded", "marie.dupont")
    assert promise["data"]["amount"] == "1200.00" and promise["data"]["promised_date"] == promised.isoformat()
    assert api.receivable(rid)["status"] == "promised"  # the dunning engine holds a promised file
    assert "Appel enregistré." in page and "promesse de paiement" in page
    assert f"Promesse de paiement notée par marie.dupont : {euros('1200')} pour le {fr(promised)}" in page


def test_a_refused_command_shows_the_french_reason_beside_its_field_and_records_nothing(api: Api) -> None:
    invoice = api.invoice(amount="1200.00")
    rid = invoice["id"]
    before = journal_types(api, rid)
    with closing(person(api, "accountant", "lea.compta")) as client:
        future = submit(client, rid, "paiement", {"amount": "1 500,00", "value_date": fr(api.today + timedelta(3)),
                                                   "method": "transfer", "bank_reference": "VIR-FUTUR"})  # fmt: skip
    assert future.status_code == 409
    page = html.unescape(future.text)
    assert error_beside(page, "paiement", "value_date").startswith("Cette date est dans le futur")
    assert 'value="1 500,00"' in page and 'value="VIR-FUTUR"' in page  # what was typed is kept
    with closing(person(api, "collector", "nadia.refus")) as client:
        too_much = submit(client, rid, "appel", {"called_on": fr(api.today), "outcome": "reached",
                                                 "purpose": "follow_up", "amount": "99 999,00",
                                                 "promised_date": fr(api.today + timedelta(5))})  # fmt: skip
        unreadable = submit(client, rid, "promesse", {"amount": "douze euros", "promised_date": "31/12/26"})
    assert too_much.status_code == 409
    assert error_beside(html.unescape(too_much.text), "appel", "amount") == (
        "La promesse dépasse le reste dû sur cette facture."
    )
    assert unreadable.status_code == 422
    assert "n'est pas un montant" in error_beside(html.unescape(unreadable.text), "promesse", "amount")
    assert journal_types(api, rid) == before  # not even the call of the refused call-with-promise


def test_a_stale_version_gets_the_conflict_message_and_records_nothing(api: Api) -> None:
    rid = api.invoice()["id"]
    with closing(person(api, "collector", "paul.lent")) as client:
        seen = hidden(client.get(f"/creances/{rid}").text, "version")
        api.ok("admin", f"/v1/receivables/{rid}/notes", {"text": "appel du client au standard"})  # meanwhile
        before = journal_types(api, rid)
        stale = submit(client, rid, "note", {"text": "ma note"}, version=seen)
        assert stale.status_code == 409
        page = html.unescape(stale.text)
        assert "modifié par quelqu'un d'autre" in page and "rien n'a été enregistré" in page
        assert "ma note" in page  # kept, to send again once the new version is read
        assert journal_types(api, rid) == before
        again = submit(client, rid, "note", {"text": "ma note"}, version=hidden(stale.text, "version"))
        assert again.status_code == 303
    assert api.opened_journal(rid)[-1]["data"]["text"] == "ma note"


def test_a_collector_does_not_see_the_payment_form_and_may_not_post_it(api: Api) -> None:
    rid = api.invoice()["id"]
    before = journal_types(api, rid)
    with closing(person(api, "collector", "jean.recouvre")) as client:
        page = page_text(client, rid)
        assert f'action="/creances/{rid}/appel"' in page
        assert f'action="/creances/{rid}/paiement"' not in page and f'action="/creances/{rid}/perte"' not in page
        payment = {"amount": "100,00", "value_date": fr(api.today), "method": "transfer", "bank_reference": "VIR-X"}
        refused = submit(client, rid, "paiement", payment)
    assert refused.status_code == 403 and "Votre rôle ne permet pas" in html.unescape(refused.text)
    assert journal_types(api, rid) == before


def test_an_auditor_sees_the_file_and_no_form(api: Api) -> None:
    rid = api.invoice()["id"]
    with closing(person(api, "auditor", "carl.lecteur")) as client:
        page = page_text(client, rid)
        assert "Historique du dossier" in page and "Actions" not in page
        assert f'action="/creances/{rid}/' not in page and 'name="version"' not in page
        token = hidden(page, "csrf")
        refused = client.post(f"/creances/{rid}/note", data={"csrf": token, "version": "1", "text": "lu"})
    assert refused.status_code == 403
    assert journal_types(api, rid) == ["InvoiceIssued"]


def test_a_document_joined_from_the_form_opens_as_a_pdf_and_only_the_file_s_documents_are_served(api: Api) -> None:
    rid, other = api.invoice()["id"], api.invoice()["id"]
    content = api.unique_pdf()
    sha = hashlib.sha256(content).hexdigest()
    with closing(person(api, "collector", "zoe.pieces")) as client:
        joined = submit(client, rid, "document", {"kind": "delivery_proof", "description": "bon signé"},
                        files={"file": ("livraison.pdf", content, "application/pdf")})  # fmt: skip
        assert joined.status_code == 303, joined.text
        page = page_text(client, rid)
        assert f'href="/creances/{rid}/documents/{sha}">Ouvrir preuve de livraison' in page
        opened = client.get(f"/creances/{rid}/documents/{sha}")
        elsewhere = client.get(f"/creances/{other}/documents/{sha}")  # stored, but not named by that file
        unknown = client.get(f"/creances/{rid}/documents/{'0' * 64}")
        big = b"%PDF-1.7\n" + b"0" * 1_500_000 + b"\n%%EOF\n"  # over the 1 MB of any other form
        scanned = submit(client, rid, "document", {"kind": "signed_order"},
                         files={"file": ("bon.pdf", big, "application/pdf")})  # fmt: skip
        not_pdf = submit(client, rid, "document", {"kind": "other"},
                         files={"file": ("faux.pdf", b"<html>not a pdf</html>", "application/pdf")})  # fmt: skip
    assert scanned.status_code == 303, scanned.text
    assert opened.status_code == 200 and opened.content == content
    assert opened.headers["content-type"] == "application/pdf"
    assert opened.headers["content-disposition"].startswith("inline")
    assert elsewhere.status_code == 404 and unknown.status_code == 404
    assert not_pdf.status_code == 422
    assert "Ce type de fichier n'est pas accepté" in error_beside(html.unescape(not_pdf.text), "document", "file")
    attached = api.journal(rid)[-2]
    assert attached["type"] == "DocumentAttached" and attached["actor"] == "zoe.pieces"
    assert attached["data"]["document_sha256"] == sha and attached["data"]["kind"] == "delivery_proof"


def test_each_form_records_its_command_through_the_pipeline(api: Api) -> None:
    invoice = api.invoice(amount="1200.00")
    rid = invoice["id"]
    api.ok("admin", f"/v1/receivables/{rid}/formal-notices", {
        "channel": "registered_letter", "sent_on": api.days(0), "deadline": api.days(8), "principal": "1200.00",
        "interest": "12.50", "indemnity": "40.00", "document_sha256": api.document(api.unique_pdf()),
    })  # fmt: skip
    today, later = fr(api.today), fr(api.today + timedelta(days=10))
    steps: list[tuple[str, dict[str, str]]] = [
        ("promesse", {"amount": "200,00", "promised_date": later}),
        ("litige", {"reason": "price", "opened_on": today, "amount": "300", "description": "prix"}),
        ("resolution-litige", {"dispute_number": "1", "outcome": "upheld", "resolved_on": today,
                               "credit_note_number": "AV-CONSOLE-1", "credit_note_amount": "100,00"}),
        ("pause", {"reason": "négociation", "until": later}),
        ("reprise", {"reason": "négociation terminée"}),
        ("avoir", {"credit_note_number": "AV-CONSOLE-2", "amount": "50,00", "issued_on": today}),
        ("paiement", {"amount": "1.000,00", "value_date": today, "method": "cheque", "bank_reference": "CHQ-1"}),
        ("accuse-reception", {"notice_number": "1", "outcome": "delivered", "acknowledged_on": today}),
        ("contentieux", {"route": "payment_order", "escalated_on": today, "reference": "IP-1"}),
        ("note", {"text": "dossier transmis à l'avocat"}),
        ("perte", {"reason": "débiteur introuvable"}),
    ]  # fmt: skip
    with closing(person(api, "admin", "anne.admin")) as client:
        for slug, data in steps:
            answer = submit(client, rid, slug, data)
            assert answer.status_code == 303, (slug, html.unescape(answer.text)[-3000:])
        page = html.unescape(client.get(answer.headers["location"]).text)
    assert journal_types(api, rid)[2:] == [
        "PromiseToPayRecorded", "DisputeOpened", "DisputeResolved", "DunningPaused", "DunningResumed",
        "CreditNoteApplied", "PaymentReceived", "FormalNoticeAcknowledged", "EscalatedToLitigation", "NoteAdded",
        "WrittenOff",
    ]  # fmt: skip
    assert {e["actor"] for e in api.journal(rid)[2:]} == {"anne.admin"}
    assert api.journal(rid)[8]["data"]["amount"] == "1000.00"  # 1.000,00 read the French way
    assert "Créance passée en perte." in page and "Créance passée en perte le" in page
    assert f'action="/creances/{rid}/paiement"' not in page  # a closed file takes notes and documents only
    assert f'action="/creances/{rid}/note"' in page


def test_a_letter_prepared_by_the_run_is_recorded_as_posted_from_the_page(
    mailing_api: tuple[Api, Inbox],  # noqa: F811
) -> None:
    api, _ = mailing_api
    invoice, letter = a_letter_to_post(api)
    rid = invoice["id"]
    with closing(person(api, "collector", "remi.courrier")) as client:
        page = page_text(client, rid)
        assert "Deuxième relance par courrier préparée le" in page
        future = submit(
            client, rid, "courrier-poste", {"key": letter["key"], "posted_on": fr(api.today + timedelta(2))}
        )
        assert future.status_code == 422
        assert error_beside(html.unescape(future.text), "courrier-poste", "posted_on").startswith("Cette date")
        posted = submit(client, rid, "courrier-poste", {"key": letter["key"], "posted_on": fr(api.today)})
        assert posted.status_code == 303, posted.text
        after = html.unescape(client.get(posted.headers["location"]).text)
    reminder = api.journal(rid)[-1]
    assert reminder["type"] == "ReminderSent" and reminder["data"]["channel"] == "letter"
    assert reminder["actor"] == "remi.courrier"
    assert api.get("collector", "/v1/letters").json() == []
    assert "Courrier enregistré comme posté." in after and 'action="/creances/' + rid + '/courrier-poste"' not in after
