"""Screenshots of the console's main pages, on a realistic store, saved into docs/screenshots/ (the
README shows them), each page also laid out at a tablet's width. A page that answers 404 is skipped: its
screenshot comes once the page exists."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from api.bootstrap import MAX_DOCUMENT_BYTES
from tests.browser.pages import DESKTOP, TABLET, Console
from tests.browser.stories import Morning, busy_morning, launched, session
from tests.e2e.conftest import Api

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
PEOPLE = {"manager": ("claire.moreau", "Claire Moreau"), "auditor": ("hugo.lefevre", "Hugo Lefèvre")}


@dataclass(frozen=True)
class Page:
    name: str  # the file: docs/screenshots/<name>.png
    path: str  # may name {receivable_id}, {debtor_id} (the busiest file of the store) or {run_id}
    role: str | None = "manager"  # None: seen before signing in
    verified: bool = False  # a bundle of the busiest file uploaded, its checks shown


PAGES = (
    Page("connexion", "/connexion", None),
    Page("aujourdhui", "/"),
    Page("creances", "/creances"),
    Page("creance", "/creances/{receivable_id}"),
    Page("debiteur", "/debiteurs/{debtor_id}"),
    Page("lettres", "/lettres"),
    Page("relances", "/relances"),
    Page("relance", "/relances/{run_id}"),
    Page("rapports", "/rapports"),
    Page("dso", "/rapports/dso-efficacite"),
    Page("preuves", "/preuves?q=Menuiserie", "auditor"),
    Page("verifier", "/verifier", None, verified=True),
    Page("politiques", "/politiques"),
    Page("politique", "/politiques/default"),
)


@pytest.fixture(scope="module")
def morning(api: Api) -> Morning:
    day = launched(api, busy_morning(api))
    api.services.read_models.catch_up()  # what the projections' worker does beside a PostgreSQL store
    return day


def shown(api: Api, browser: Console, page: Page, morning: Morning, folder: Path) -> None:
    """The page as its person sees it; skipped while the console has no such page (asked first without
    signing in: a page that exists sends the anonymous to the sign-in form, one that does not is a 404)."""
    path = page.path.format(receivable_id=morning.receivable_id, debtor_id=morning.debtor_id, run_id=morning.run_id)
    if api.anonymous().get(path).status_code == 404:
        pytest.skip(f"no page at {page.path} yet (404)")
    if page.role is not None:
        username, name = PEOPLE[page.role]
        browser.resume(session(api, username, page.role, name=name))
    browser.open(path)
    if page.verified:
        bundle = api.get("auditor", f"/v1/receivables/{morning.receivable_id}/evidence")
        assert bundle.status_code == 200, bundle.text
        uploaded = folder / f"evidence-{api.receivable(morning.receivable_id)['invoice_number']}.zip"
        uploaded.write_bytes(bundle.content)
        browser.attach(f"Paquet de preuves (.zip, {MAX_DOCUMENT_BYTES // (1024 * 1024)} Mo au plus)", uploaded)
        browser.click("Vérifier")
        assert "toutes les vérifications sont réussies" in browser.part("resultat")
    assert browser.status == 200, (path, browser.heading())


@pytest.mark.parametrize("page", PAGES, ids=[page.name for page in PAGES])
def test_each_main_page_is_saved_as_a_screenshot_and_fits_a_tablet(
    api: Api, browser: Console, morning: Morning, page: Page, tmp_path: Path
) -> None:
    shown(api, browser, page, morning, tmp_path)
    target = SCREENSHOTS / f"{page.name}.png"
    browser.screenshot(target)
    assert target.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
    assert browser.overflow() == 0
    browser.resize(TABLET)  # the same page, laid out again at a tablet's width
    assert browser.driver.execute_script("return window.innerWidth") == TABLET[0]
    assert browser.overflow() == 0
    browser.resize(DESKTOP)
