"""Screenshots of the console's main pages, on a realistic store, saved into docs/screenshots/ (the
README shows them). A page that answers 404 is skipped: its screenshot comes once the page exists."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.browser.pages import DESKTOP, TABLET, Console
from tests.browser.stories import Morning, busy_morning
from tests.e2e.conftest import Api
from tests.support.console import account

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
PEOPLE = {"manager": ("claire.moreau", "Claire Moreau"), "auditor": ("hugo.lefevre", "Hugo Lefèvre")}


@dataclass(frozen=True)
class Page:
    name: str  # the file: docs/screenshots/<name>.png
    path: str  # may name {receivable_id} or {debtor_id}, the busiest file of the store
    role: str | None = "manager"  # None: seen before signing in


PAGES = (
    Page("connexion", "/connexion", None),
    Page("aujourdhui", "/"),
    Page("creances", "/creances"),
    Page("creance", "/creances/{receivable_id}"),
    Page("debiteur", "/debiteurs/{debtor_id}"),
    Page("rapports", "/rapports"),
    Page("preuves", "/preuves", "auditor"),
    Page("verifier", "/verifier", None),
    Page("politiques", "/politiques"),
    Page("lettres", "/lettres"),
    Page("relances", "/relances"),
)


@pytest.fixture(scope="module")
def morning(api: Api) -> Morning:
    for role, (username, name) in PEOPLE.items():
        account(api, username, role, name=name)
    return busy_morning(api)


def shown(api: Api, browser: Console, page: Page, morning: Morning) -> None:
    """The page as its person sees it; skipped while the console has no such page (asked first without
    signing in: a page that exists sends the anonymous to the sign-in form, one that does not is a 404)."""
    path = page.path.format(receivable_id=morning.receivable_id, debtor_id=morning.debtor_id)
    if api.anonymous().get(path).status_code == 404:
        pytest.skip(f"no page at {page.path} yet (404)")
    if page.role is not None:
        browser.sign_in(PEOPLE[page.role][0])
    browser.open(path)
    assert browser.status == 200, (path, browser.heading())


@pytest.mark.parametrize("page", PAGES, ids=[page.name for page in PAGES])
def test_each_main_page_is_saved_as_a_screenshot(api: Api, browser: Console, morning: Morning, page: Page) -> None:
    shown(api, browser, page, morning)
    target = SCREENSHOTS / f"{page.name}.png"
    browser.screenshot(target)
    assert target.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
    assert browser.overflow() == 0


@pytest.mark.parametrize("page", PAGES, ids=[page.name for page in PAGES])
def test_each_main_page_fits_a_tablet(api: Api, browser: Console, morning: Morning, page: Page) -> None:
    browser.resize(TABLET)
    shown(api, browser, page, morning)
    assert browser.overflow() == 0
    browser.resize(DESKTOP)
