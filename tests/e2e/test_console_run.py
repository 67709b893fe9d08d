"""The console's dunning run over HTTP on PostgreSQL (issue 18): today's proposal is a dry run that records
nothing; a manager launches the run as POST /v1/dunning-runs does and reads its report in French; a collector
reads but does not launch."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path

import httpx
import pytest

from tests.e2e.conftest import Api, postgres_settings, running_api
from tests.e2e.test_api_dunning import overdue_invoice_with_contact
from tests.support.console import assert_no_inline_code, csrf, person
from tests.support.smtp_server import Inbox, smtp_server

REPORT = re.compile(r"^/relances/([0-9a-f]{32})$")


def shown(response: httpx.Response) -> str:
    """The page's text as a person reads it (Jinja writes ' as &#39;)."""
    return html.unescape(response.text)


@pytest.fixture
def run_api(fresh_postgres_database: str, tmp_path: Path) -> Iterator[tuple[Api, Inbox]]:
    """A fresh API whose firm is configured and whose e-mails reach a loopback SMTP server."""
    with smtp_server() as (inbox, port):
        settings = postgres_settings(
            fresh_postgres_database, tmp_path, firm_name="Atelier Dupont SARL", firm_email="relances@dupont.example",
            firm_address="12 rue de la République | 69001 Lyon", smtp_host="127.0.0.1", smtp_port=port,
        )  # fmt: skip
        with running_api(settings) as api:
            yield api, inbox


def notifications(api: Api) -> int:
    return api.services.ledger.recorder.max_notification_id() or 0


def launch(client: httpx.Client, **form: str) -> httpx.Response:
    return client.post("/relances", data={"csrf": csrf(client, "/relances"), **form})


def test_the_proposal_lists_what_the_run_would_do_and_records_nothing(run_api: tuple[Api, Inbox]) -> None:
    api, inbox = run_api
    invoice = overdue_invoice_with_contact(api, days_overdue=5)  # 2026-06-15, a Monday, at noon
    before = notifications(api)
    with closing(person(api, "collector", "nadia.collect")) as client:
        stale = client.get("/relances")
        forced = client.get("/relances", params={"forcer": "true"})

    assert stale.status_code == 200, stale.text
    assert "Relance du 15/06/2026 : proposition" in shown(stale)
    assert "Aucun relevé bancaire n'a été importé" in shown(stale)
    assert "Relevé bancaire absent ou trop ancien : rien ne part sans forcer l'envoi" in shown(stale)
    assert forced.status_code == 200, forced.text
    sending = shown(forced).split('id="envois"')[1].split("</section>")[0]
    assert "Ce qui partirait (1)" in sending and "Première relance" in sending and "E-mail" in sending
    assert "Menuiserie Martin SARL" in sending and invoice["invoice_number"] in sending
    assert "1\u202f200,00\u00a0€" in sending and "partirait" in sending
    assert notifications(api) == before and inbox.received == []
    assert api.services.run_reports.recent() == []  # a proposal is not a run: no report is kept
    assert_no_inline_code(forced.text)


def test_a_managers_launch_records_the_run_and_its_report_page_shows_it(run_api: tuple[Api, Inbox]) -> None:
    api, inbox = run_api
    invoice = overdue_invoice_with_contact(api, days_overdue=5)
    with closing(person(api, "manager", "paul.manager")) as client:
        page = client.get("/relances")
        assert 'action="/relances"' in page.text and "Lancer la relance maintenant" in shown(page)
        launched = launch(client, forcer="oui")
        assert launched.status_code == 303, launched.text
        found = REPORT.match(launched.headers["location"])
        assert found is not None
        report = client.get(launched.headers["location"])
        sha = re.search(r'href="/relances/documents/([0-9a-f]{64})"', report.text)
        assert sha is not None
        document = client.get(f"/relances/documents/{sha.group(1)}")

        again = launch(client, forcer="oui")
        second = client.get(again.headers["location"])

    assert (
        report.status_code == 200 and "Relance du 15/06/2026" in shown(report) and "par paul.manager" in shown(report)
    )
    assert "envoyé, enregistré au dossier" in shown(report) and invoice["invoice_number"] in report.text
    assert document.status_code == 200 and document.headers["content-type"].startswith("message/rfc822")
    reminder = api.journal(invoice["id"])[-1]
    assert reminder["type"] == "ReminderSent" and reminder["actor"] == "paul.manager"
    saved = api.services.run_reports.recent()
    assert (found.group(1), "paul.manager", False) in [(r["run_id"], r["actor"], r["dry_run"]) for r in saved]
    assert len(inbox.received) == 1  # the second launch sent nothing twice
    assert "Rien n'est parti." in shown(second) and "Autre(s) lancement(s) ce jour" in shown(second)
    assert api.journal(invoice["id"])[-1]["type"] == "ReminderSent" and len(saved) == 2


def test_a_collector_sees_no_launch_button_and_a_launch_is_refused(run_api: tuple[Api, Inbox]) -> None:
    api, inbox = run_api
    overdue_invoice_with_contact(api, days_overdue=5)
    with closing(person(api, "collector", "nadia.collect")) as client:
        page = client.get("/relances")
        refused = launch(client, forcer="oui")

    assert page.status_code == 200 and "Lancer la relance" not in shown(page) and 'action="/relances"' not in page.text
    assert refused.status_code == 403 and "Accès refusé" in shown(refused)
    assert api.services.run_reports.recent() == [] and inbox.received == []


def test_only_documents_a_run_report_names_are_served_and_only_to_people_signed_in(
    run_api: tuple[Api, Inbox],
) -> None:
    api, _ = run_api
    unnamed = api.document(api.unique_pdf())
    with closing(person(api, "auditor", "carl.audit")) as client:
        refused = client.get(f"/relances/documents/{unnamed}")
        unknown_run = client.get("/relances/0123456789abcdef0123456789abcdef")
    with httpx.Client(base_url=api.base_url, follow_redirects=False) as anonymous:
        signed_out = anonymous.get(f"/relances/documents/{unnamed}")

    assert refused.status_code == 404 and "Document introuvable" in shown(refused)
    assert unknown_run.status_code == 404 and "Relance introuvable" in shown(unknown_run)
    assert signed_out.status_code == 303 and signed_out.headers["location"].startswith("/connexion")
