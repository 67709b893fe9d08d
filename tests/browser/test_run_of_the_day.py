"""La relance du jour in headless Chromium over PostgreSQL: a manager reads what would go, launches the run and
reads what went; a collector reads the proposal with no button to launch it. The module has its own store:
a run reminds every file due, whoever made it."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

import pytest
from selenium.webdriver.common.by import By

from tests.browser.conftest import Firm
from tests.browser.pages import Console
from tests.browser.stories import overdue_with_a_contact, session
from tests.e2e.conftest import Api

REPORT = re.compile(r"^/relances/[0-9a-f]{32}$")
LAUNCH = "Lancer la relance maintenant"


def fr(day: date) -> str:
    return f"{day:%d/%m/%Y}"


@pytest.fixture(scope="module")
def overdue(api: Api) -> dict[str, Any]:
    """An invoice five days past due, whose first reminder goes by e-mail today; yesterday's bank statement
    is imported (without it the run would send nothing unless forced)."""
    invoice = overdue_with_a_contact(api, "Charpente Girard SARL", amount="3400.00", days_overdue=5)
    statement = (
        f"Date;Montant;Référence;Libellé;Emetteur\n{api.days(-1)};150,00;VIR-1;VIR SEPA AUTRE CLIENT;SARL AUTRE\n"
    )
    imported = api.as_("accountant").post(
        "/v1/imports/payments", content=statement.encode(), headers={"Content-Type": "text/csv"}
    )
    assert imported.status_code == 200, imported.text
    return invoice


def test_a_manager_reads_what_would_go_launches_the_run_and_reads_what_went(
    api: Api, firm: Firm, browser: Console, overdue: dict[str, Any]
) -> None:
    number, journal = overdue["invoice_number"], api.journal(overdue["id"])
    browser.resume(session(api, "claire.moreau", "manager", name="Claire Moreau"))
    browser.open("/")
    browser.click("Voir la proposition")

    assert browser.path == "/relances" and browser.heading() == f"Relance du {fr(api.today)} : proposition"
    proposed = browser.part("envois")
    assert proposed.startswith("Ce qui partirait (1)")
    assert "Première relance E-mail Charpente Girard SARL" in proposed and number in proposed
    assert "3 400,00 € partirait" in proposed
    assert firm.inbox.received == [] and api.journal(overdue["id"]) == journal  # a proposal sends nothing

    browser.click(LAUNCH)
    assert REPORT.match(browser.path), browser.path
    assert browser.heading() == f"Relance du {fr(api.today)}" and "par claire.moreau" in browser.text()
    went = browser.part("envois")
    assert went.startswith("Envois (1)") and number in went and "envoyé, enregistré au dossier" in went
    (message,) = firm.inbox.messages()
    assert message["To"] == "jeanne.martin@example.fr" and number in message["Subject"]
    reminder = api.journal(overdue["id"])[-1]
    assert (reminder["type"], reminder["actor"], reminder["data"]["channel"]) == (
        "ReminderSent",
        "claire.moreau",
        "email",
    )


def test_a_collector_reads_the_proposal_but_has_no_button_to_launch_it(
    api: Api, browser: Console, overdue: dict[str, Any]
) -> None:
    browser.resume(session(api, "nadia.collect", "collector"))
    browser.open("/relances")
    assert browser.status == 200 and browser.heading() == f"Relance du {fr(api.today)} : proposition"
    assert browser.part("envois") and browser.part("taches")  # what would go and what people must do
    assert LAUNCH not in browser.buttons()
    assert browser.driver.find_elements(By.CSS_SELECTOR, "form[action='/relances']") == []
