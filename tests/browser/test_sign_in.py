"""Signing in, the lockout, signing out, each role's menu, the keyboard, the widths of a desk and of a
tablet, and pages that fetch nothing from elsewhere: the console in headless Chromium over PostgreSQL.
The tests about signing in use the form; the others come back with a session opened for them (``resume``)."""

from __future__ import annotations

import re

import pytest
from selenium.webdriver.common.keys import Keys

from tests.browser.pages import DESKTOP, TABLET, Console
from tests.browser.stories import Morning, busy_morning, session
from tests.e2e.conftest import Api
from tests.support.console import PASSWORD, account

WRONG = "Identifiant ou mot de passe incorrect."
LOCKED = "Trop d'essais infructueux : ce compte est bloqué pendant 15 minutes."
ENUM_NAME = re.compile(r"\b[A-Z][A-Za-z]+\.[A-Z][A-Z_]{2,}\b")  # DisputeReason.NON_CONFORMING: not French


@pytest.fixture(scope="module")
def morning(api: Api) -> Morning:
    """Debtors, invoices at every age, a promise, a dispute, a bank line: Aujourd'hui is not empty."""
    account(api, "claire.moreau", "manager", name="Claire Moreau")
    return busy_morning(api)


def test_a_person_signs_in_through_the_form_and_comes_back_where_they_were_going(api: Api, browser: Console) -> None:
    account(api, "paul.durand", "manager", name="Paul Durand")
    browser.open("/?vue=appels")
    assert browser.path == "/connexion?suite=%2F%3Fvue%3Dappels"
    assert browser.heading() == "Connexion"
    browser.fill("Identifiant", "paul.durand")
    browser.fill("Mot de passe", PASSWORD)
    browser.click("Se connecter")
    assert browser.path == "/?vue=appels"
    assert browser.heading().startswith("Aujourd'hui, ")
    assert "Paul Durand (responsable)" in browser.driver.find_element("css selector", "header").text
    # The session cookie is Secure and HttpOnly, and the browser sends it to http://127.0.0.1 (a secure
    # context for Chromium): the page above was served to the signed-in person.
    cookie = browser.driver.get_cookie("relance_session")
    assert cookie is not None and cookie["secure"] and cookie["httpOnly"]
    assert "relance_session" not in browser.driver.execute_script("return document.cookie")


def test_a_wrong_password_is_refused_in_french_and_opens_nothing(api: Api, browser: Console) -> None:
    account(api, "lea.martin", "accountant")
    browser.sign_in("lea.martin", "not the password at all")
    assert browser.status == 401
    assert browser.messages() == [WRONG]
    assert browser.field("Identifiant").get_attribute("value") == "lea.martin"
    assert browser.field("Mot de passe").get_attribute("value") == ""
    browser.open("/")
    assert browser.path == "/connexion" and browser.driver.get_cookie("relance_session") is None


def test_five_failures_lock_the_account_and_then_even_the_right_password_is_refused(api: Api, browser: Console) -> None:
    account(api, "max.bloque", "collector")
    for _ in range(4):
        browser.sign_in("max.bloque", "wrong password 123")
        assert browser.messages() == [WRONG]
    browser.sign_in("max.bloque", "wrong password 123")
    assert browser.messages()[0].startswith(LOCKED)
    browser.sign_in("max.bloque", PASSWORD)
    assert browser.path == "/connexion"
    assert browser.messages()[0].startswith(LOCKED)
    assert browser.driver.get_cookie("relance_session") is None


def test_signing_out_ends_the_session_and_the_back_button_shows_the_sign_in_page_not_the_data(
    api: Api, browser: Console, morning: Morning
) -> None:
    browser.sign_in("claire.moreau")
    assert "Menuiserie Martin SARL" in browser.text()
    browser.sign_out()
    assert browser.path == "/connexion" and browser.heading() == "Connexion"
    assert browser.driver.get_cookie("relance_session") is None
    browser.back()
    assert browser.heading() == "Connexion"
    assert "Menuiserie Martin SARL" not in browser.driver.page_source
    assert "Claire Moreau" not in browser.driver.page_source


MENU = ["Aujourd'hui", "Créances", "Rapports", "Preuves", "Politiques"]
WITHOUT_REPORTS = [item for item in MENU if item != "Rapports"]


@pytest.mark.parametrize(
    ("role", "menu", "shown", "hidden"),
    [
        ("collector", WITHOUT_REPORTS, ["Appels à passer"], ["Lignes bancaires", "Relance du jour"]),
        ("manager", MENU, ["Relance du jour", "Appels à passer", "Lignes bancaires"], []),
        ("accountant", MENU, ["Lignes bancaires", "Litiges en attente"], ["Appels à passer", "Relance du jour"]),
        ("auditor", MENU, ["Relance du jour", "Lignes bancaires"], ["Réponses de débiteurs"]),
        ("admin", MENU, ["Relance du jour", "Appels à passer", "Lignes bancaires", "Réponses de débiteurs"], []),
    ],
)
def test_the_menu_and_the_morning_show_each_role_only_what_it_may(
    api: Api, browser: Console, role: str, menu: list[str], shown: list[str], hidden: list[str]
) -> None:
    browser.resume(session(api, f"{role}.menu", role))
    browser.open("/")
    assert browser.menu() == menu
    sections = browser.sections()
    for title in shown:
        assert any(section.startswith(title) for section in sections), (title, sections)
    for title in hidden:
        assert not any(section.startswith(title) for section in sections), (title, sections)


def test_a_collector_who_types_the_reports_address_sees_no_report(api: Api, browser: Console) -> None:
    browser.resume(session(api, "nadia.rapports", "collector"))
    browser.open("/rapports")
    # 404 until the reports page exists; then the role is refused (403), never a report.
    assert (browser.status, browser.heading()) in {(403, "Accès refusé"), (404, "Page introuvable")}


def test_the_sign_in_form_is_filled_and_sent_with_the_keyboard_alone_and_the_focus_shows(
    api: Api, browser: Console
) -> None:
    account(api, "nina.clavier", "collector", name="Nina Clavier")
    browser.open("/connexion")
    assert browser.focused()["id"] == "username"  # the cursor waits in the first field
    browser.keys("nina.clavier", Keys.TAB)
    focus = browser.focused()
    assert focus["id"] == "password"
    assert focus["visible"] and focus["outline"] == "solid" and focus["width"] == "3px"
    browser.keys(PASSWORD)
    browser.navigating(lambda: browser.keys(Keys.ENTER))
    assert browser.path == "/" and browser.heading().startswith("Aujourd'hui")
    # From the top of the page, Tab goes through the header in reading order, each stop outlined.
    stops = []
    for _ in range(len(browser.menu()) + 4):
        browser.keys(Keys.TAB)
        focus = browser.focused()
        assert focus["visible"] and focus["outline"] == "solid" and focus["width"] == "3px", focus
        stops.append(focus["text"])
        if focus["text"] == "Se déconnecter":
            break
    assert stops == ["Aller au contenu", "relance", *browser.menu(), "Se déconnecter"]
    browser.navigating(lambda: browser.keys(Keys.ENTER))
    assert browser.path == "/connexion" and browser.driver.get_cookie("relance_session") is None


@pytest.mark.parametrize("size", [DESKTOP, TABLET], ids=["1280px", "tablet"])
def test_nothing_is_wider_than_the_screen_at_1280_pixels_or_on_a_tablet(
    api: Api, browser: Console, morning: Morning, size: tuple[int, int]
) -> None:
    browser.resize(size)
    browser.open("/connexion")
    assert browser.overflow() == 0
    browser.resume(session(api, "claire.moreau", "manager"))
    browser.open("/")
    assert browser.driver.execute_script("return window.innerWidth") == size[0]
    assert browser.overflow() == 0
    assert browser.sticking_out() == []


def test_the_morning_speaks_french(api: Api, browser: Console, morning: Morning) -> None:
    browser.resume(session(api, "claire.moreau", "manager"))
    browser.open("/")
    text = browser.text()
    # (WebDriver reads a no-break space as a space)
    assert "prestation non conforme" in text and "850,40 €" in text and "17/06/2026" in text
    assert ENUM_NAME.findall(text) == []
    assert browser.driver.find_element("css selector", "html").get_attribute("lang") == "fr"


def test_pages_load_nothing_from_another_machine(api: Api, browser: Console, morning: Morning) -> None:
    origin = browser.base_url + "/"
    for path in ("/connexion", "/"):
        if path == "/":
            browser.resume(session(api, "claire.moreau", "manager"))
        browser.open(path)
        loaded = browser.resources()
        assert origin + "static/console.css" in loaded, loaded  # the Performance API saw the stylesheet
        assert [url for url in loaded + browser.linked() if not url.startswith(origin)] == []
