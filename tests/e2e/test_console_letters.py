"""The console's Lettres à poster over HTTP on PostgreSQL (issue 18): the letters the run prepared, their print
batch and deposit list, their posting, what comes back and their withdrawal, with the person as actor; a
refused form says why in French and records nothing."""

from __future__ import annotations

import html
import io
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path
from typing import Any

import httpx
import pytest
from pypdf import PdfReader

from tests.e2e.conftest import PDF, Api, postgres_settings, running_api
from tests.e2e.test_api_dunning import overdue_invoice_with_contact
from tests.support.console import assert_no_inline_code, csrf, hidden, person
from tests.support.smtp_server import smtp_server


def shown(response: httpx.Response) -> str:
    """The page's text as a person reads it (Jinja writes ' as &#39;)."""
    return html.unescape(response.text)


@pytest.fixture
def letters_api(fresh_postgres_database: str, tmp_path: Path) -> Iterator[Api]:
    """A fresh API whose firm is configured and whose e-mails reach a loopback SMTP server."""
    with smtp_server() as (_, port):
        settings = postgres_settings(
            fresh_postgres_database, tmp_path, firm_name="Atelier Dupont SARL", firm_email="relances@dupont.example",
            firm_address="12 rue de la République | 69001 Lyon", smtp_host="127.0.0.1", smtp_port=port,
        )  # fmt: skip
        with running_api(settings) as api:
            yield api


def a_letter_to_post(api: Api) -> tuple[dict[str, Any], dict[str, Any]]:
    """An invoice reminded by e-mail, then fifteen days later its second reminder prepared as a letter."""
    invoice = overdue_invoice_with_contact(api, days_overdue=5)  # 2026-06-15, a Monday
    api.ok("manager", "/v1/dunning-runs", {"force": True})
    api.advance(15)
    api.ok("manager", "/v1/dunning-runs", {"force": True})
    (letter,) = api.get("collector", "/v1/letters").json()
    assert (letter["kind"], letter["channel"]) == ("second_reminder", "letter")
    return invoice, letter


def a_notice_to_post(api: Api) -> tuple[dict[str, Any], dict[str, Any]]:
    """Then that letter posted, and fifteen days later the formal notice prepared as a registered letter."""
    invoice, letter = a_letter_to_post(api)
    api.ok("collector", f"/v1/letters/{letter['key']}/posting", {"posted_on": api.days(0)})
    api.advance(15)
    api.ok("manager", "/v1/dunning-runs", {"force": True})
    (notice,) = api.get("collector", "/v1/letters").json()
    assert (notice["kind"], notice["channel"]) == ("formal_notice", "registered_letter")
    return invoice, notice


def types(api: Api, aggregate_id: str) -> list[str]:
    return [entry["type"] for entry in api.journal(aggregate_id)]


def french(day: str) -> str:
    year, month, dd = day.split("-")
    return f"{dd}/{month}/{year}"


def posting(client: httpx.Client, key: str, posted_on: str, tracking: str = "", **files: Any) -> httpx.Response:
    form = {"csrf": csrf(client, "/lettres"), "cle": key, "posted_on": posted_on, "tracking_number": tracking}
    return client.post("/lettres/depot", data=form, files=files or None)


def test_the_page_lists_each_letter_with_its_debtor_invoices_kind_channel_and_day(letters_api: Api) -> None:
    api = letters_api
    invoice, letter = a_letter_to_post(api)
    with closing(person(api, "collector", "nadia.collect")) as client:
        page = client.get("/lettres")

    assert page.status_code == 200, page.text
    assert invoice["invoice_number"] in page.text and f'href="/creances/{invoice["id"]}"' in page.text
    assert "Menuiserie Martin SARL" in shown(page) and "69003 Lyon" in shown(page)
    assert "Deuxième relance" in shown(page) and "Lettre simple" in shown(page)
    assert french(letter["prepared_on"]) in page.text and "à poster" in shown(page)
    assert 'href="/lettres/lot.pdf"' in page.text and 'href="/lettres/depot.csv"' in page.text
    assert hidden(page.text, "csrf") and f'value="{letter["key"]}"' in page.text
    assert_no_inline_code(page.text)


def test_a_letter_waiting_past_the_posting_delay_is_marked_late(letters_api: Api) -> None:
    api = letters_api
    a_letter_to_post(api)
    api.advance(4)  # posted within 3 days, by default
    with closing(person(api, "collector", "nadia.collect")) as client:
        page = client.get("/lettres")
    assert "en retard : 4 j" in shown(page) and "1 en retard" in shown(page)


def test_a_posting_recorded_from_the_form_is_in_the_journal_with_the_person_as_actor_and_leaves_the_list(
    letters_api: Api,
) -> None:
    api = letters_api
    invoice, letter = a_letter_to_post(api)
    with closing(person(api, "collector", "nadia.collect")) as client:
        answer = posting(client, letter["key"], french(api.days(0)), recu=("depot.pdf", PDF, "application/pdf"))
        assert answer.status_code == 303, answer.text
        assert answer.headers["location"].startswith("/lettres?fait=depot&cle=")
        after = client.get(answer.headers["location"])

    reminder, receipt = api.journal(invoice["id"])[-2:]
    assert reminder["type"] == "ReminderSent" and reminder["data"]["channel"] == "letter"
    assert reminder["actor"] == "nadia.collect" and reminder["data"]["sent_on"] == api.days(0)
    assert receipt["type"] == "DocumentAttached" and receipt["actor"] == "nadia.collect"
    assert "Dépôt enregistré" in shown(after) and "Aucune lettre n'attend d'être postée." in shown(after)
    assert api.get("collector", "/v1/letters").json() == []


def test_a_wrong_tracking_number_is_refused_in_french_and_records_nothing(letters_api: Api) -> None:
    api = letters_api
    invoice, letter = a_notice_to_post(api)
    before = types(api, invoice["id"])
    with closing(person(api, "collector", "nadia.collect")) as client:
        missing = posting(client, letter["key"], french(api.days(0)))
        mistyped = posting(client, letter["key"], french(api.days(0)), "RR 123 456 789 FR")
        not_a_day = posting(client, letter["key"], "31/06/2026", "1A 234 567 8901 2")
        future = posting(client, letter["key"], french(api.days(1)), "1A 234 567 8901 2")

    assert missing.status_code == 422 and "Le numéro de suivi est obligatoire pour un recommandé" in shown(missing)
    assert mistyped.status_code == 422 and "ne passe pas sa clé de contrôle" in shown(mistyped)
    assert 'value="RR 123 456 789 FR"' in mistyped.text  # what was typed stays, beside the reason
    assert not_a_day.status_code == 422 and "« 31/06/2026 » n'est pas une date" in shown(not_a_day)
    assert future.status_code == 422 and "Cette date est dans le futur" in shown(future)
    assert types(api, invoice["id"]) == before
    assert [x["key"] for x in api.get("collector", "/v1/letters").json()] == [letter["key"]]

    with closing(person(api, "collector", "nadia.collect")) as client:
        right = posting(client, letter["key"], french(api.days(0)), "1A 234 567 8901 2")
    assert right.status_code == 303, right.text
    notice = api.journal(invoice["id"])[-1]
    assert notice["type"] == "FormalNoticeSent" and notice["actor"] == "nadia.collect"
    assert notice["data"]["tracking_number"] == "1A23456789012"


def test_the_batch_pdf_and_the_deposit_list_download_and_the_filled_list_records_the_postings(
    letters_api: Api,
) -> None:
    api = letters_api
    invoice, letter = a_letter_to_post(api)
    with closing(person(api, "manager", "paul.manager")) as client:
        batch = client.get("/lettres/lot.pdf")
        listing = client.get("/lettres/depot.csv")
        assert batch.status_code == 200 and batch.headers["content-type"] == "application/pdf"
        assert batch.headers["content-disposition"].startswith("attachment;")
        pages = PdfReader(io.BytesIO(batch.content)).pages
        assert "Liste de dépôt du" in pages[0].extract_text()
        assert listing.status_code == 200 and listing.headers["content-type"].startswith("text/csv")
        header, row = listing.content.decode("utf-8-sig").splitlines()
        assert letter["key"] in row and types(api, invoice["id"]).count("ReminderSent") == 1  # printing records nothing

        filled = f"{header}\r\n{row[:-1]}{french(api.days(0))};\r\n".encode("utf-8-sig")
        sent = client.post("/lettres/liste", data={"csrf": csrf(client, "/lettres")},
                           files={"liste": ("liste.csv", filled, "text/csv")})  # fmt: skip
        nothing_left = client.get("/lettres/lot.pdf")

    assert sent.status_code == 303 and sent.headers["location"] == "/lettres?fait=liste"
    assert api.journal(invoice["id"])[-1]["actor"] == "paul.manager"
    assert types(api, invoice["id"]).count("ReminderSent") == 2
    assert nothing_left.status_code == 404 and "Aucune lettre n'attend d'être imprimée." in shown(nothing_left)


def test_a_refused_deposit_list_names_its_lines_and_records_nothing(letters_api: Api) -> None:
    api = letters_api
    invoice, letter = a_letter_to_post(api)
    before = types(api, invoice["id"])
    day = french(api.days(0))
    lines = f"cle;date_depot;numero_suivi\r\n{letter['key']};{day};\r\nnot-a-letter;{day};\r\n"
    with closing(person(api, "collector", "nadia.collect")) as client:
        answer = client.post("/lettres/liste", data={"csrf": csrf(client, "/lettres")},
                             files={"liste": ("liste.csv", lines.encode("utf-8-sig"), "text/csv")})  # fmt: skip

    assert answer.status_code == 422
    assert "La liste de dépôt est refusée et rien n'a été enregistré" in shown(answer) and "line 3" in shown(answer)
    assert types(api, invoice["id"]) == before


def test_what_comes_back_is_recorded_from_the_form_and_a_simple_letter_has_no_acknowledgement(
    letters_api: Api,
) -> None:
    api = letters_api
    invoice, letter = a_letter_to_post(api)
    with closing(person(api, "collector", "nadia.collect")) as client:
        assert posting(client, letter["key"], french(api.days(0))).status_code == 303
    api.advance(3)  # the envelope comes back three days later (a new session: the first one has expired)
    with closing(person(api, "collector", "nadia.collect")) as client:
        form = {"csrf": csrf(client, "/lettres"), "cle": letter["key"], "on": french(api.days(0))}
        delivered = client.post("/lettres/retour", data={**form, "outcome": "delivered"})
        returned = client.post("/lettres/retour", data={**form, "outcome": "returned"},
                               files={"preuve": ("enveloppe.pdf", PDF, "application/pdf")})  # fmt: skip

    assert delivered.status_code == 409 and "Une lettre simple n'a pas d'accusé de réception" in shown(delivered)
    assert returned.status_code == 303, returned.text
    last = api.journal(invoice["id"])[-1]
    assert last["type"] == "LetterReturned" and last["actor"] == "nadia.collect"
    assert last["data"]["proof_sha256"]


def test_a_cancelled_letter_leaves_the_list_with_its_reason_noted_and_nothing_sent(letters_api: Api) -> None:
    api = letters_api
    invoice, letter = a_letter_to_post(api)
    before = types(api, invoice["id"])
    with closing(person(api, "collector", "nadia.collect")) as client:
        token = csrf(client, "/lettres")
        no_reason = client.post("/lettres/annulation", data={"csrf": token, "cle": letter["key"], "motif": " "})
        assert no_reason.status_code == 422 and "Indiquez pourquoi ce courrier ne part pas." in shown(no_reason)
        assert types(api, invoice["id"]) == before
        cancelled = client.post(
            "/lettres/annulation", data={"csrf": token, "cle": letter["key"], "motif": "Réglée par chèque hier"}
        )
        again = client.post("/lettres/annulation", data={"csrf": token, "cle": letter["key"], "motif": "encore"})

    assert cancelled.status_code == 303 and cancelled.headers["location"] == "/lettres?fait=annulation"
    note = api.opened_journal(invoice["id"])[-1]
    assert note["type"] == "NoteAdded" and note["actor"] == "nadia.collect"
    assert "retiré(e) avant envoi : Réglée par chèque hier" in note["data"]["text"]
    assert types(api, invoice["id"]).count("ReminderSent") == 1  # the e-mail only: the letter never went
    assert again.status_code == 409 and "Ce courrier a été annulé" in shown(again)
    assert api.get("collector", "/v1/letters").json() == []


def test_an_accountant_reads_the_list_but_has_no_form_and_cannot_post(letters_api: Api) -> None:
    api = letters_api
    invoice, letter = a_letter_to_post(api)
    with closing(person(api, "accountant", "lea.compta")) as client:
        page = client.get("/lettres")
        token = hidden(page.text, "csrf")
        refused = client.post(
            "/lettres/depot", data={"csrf": token, "cle": letter["key"], "posted_on": french(api.days(0))}
        )
    with closing(person(api, "collector", "nadia.collect")) as client:
        forged = client.post(
            "/lettres/depot", data={"csrf": "forged", "cle": letter["key"], "posted_on": french(api.days(0))}
        )

    assert page.status_code == 200 and invoice["invoice_number"] in page.text
    assert "Enregistrer le dépôt" not in shown(page) and 'action="/lettres/annulation"' not in page.text
    assert refused.status_code == 403 and "Accès refusé" in shown(refused)
    assert forged.status_code == 403 and "expiré" in shown(forged)
    assert types(api, invoice["id"]).count("ReminderSent") == 1
