"""The console in a real browser: headless Chromium driven by Selenium, on the console served for real
by uvicorn over PostgreSQL, one database and one simulated clock per module.

The module's store is a configured firm's (``firm``): its name and address, e-mails to an SMTP server on
loopback, and a signing key, so that the dunning run sends and the evidence bundles are signed.

One browser per test process (under pytest-xdist, one per worker), started when a test first needs it;
each test starts with no cookie, at 1,280 × 900; what it downloads lands in its own directory. A test that
needs a second person at the same time asks ``another_browser`` for a second Chromium. Without Debian's
``chromium`` and ``chromium-driver`` the tests are skipped, saying what to install (``scripts/test``
installs them when run as root).
"""

from __future__ import annotations

import hashlib
import shutil
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from psycopg import sql
from selenium import webdriver
from selenium.webdriver.chrome.service import Service

from tests.browser.pages import DESKTOP, Console
from tests.e2e.conftest import Api, no_personal_data_in_the_logs, postgres_settings, running_api  # noqa: F401
from tests.support.smtp_server import Inbox, smtp_server
from tests.support.throwaway_postgres import with_dbname

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
ARGUMENTS = (
    "--headless=new",
    "--no-sandbox",  # root in a container has no user namespace for Chromium's sandbox
    "--disable-dev-shm-usage",  # /dev/shm is small in containers
    f"--window-size={DESKTOP[0]},{DESKTOP[1]}",
    "--force-device-scale-factor=1",  # screenshots the same on every machine
    "--lang=fr-FR",
    # Nothing leaves the machine: no update checks, safe browsing lists, sync or field trials.
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--no-default-browser-check",
)
# The same key on every run, so that its fingerprint in the screenshots does not change (a test key only).
FIRM_KEY = Ed25519PrivateKey.from_private_bytes(hashlib.sha256(b"relance: the browser tests' firm").digest())
FIRM = {
    "firm_name": "Atelier Dupont SARL",
    "firm_email": "relances@dupont.example",
    "firm_address": "12 rue de la République | 69001 Lyon",
}


@dataclass(frozen=True)
class Firm:
    """The module's console and API, and the mailbox its e-mails reach."""

    api: Api
    inbox: Inbox


def _missing() -> list[str]:
    return [str(path) for path in (CHROMIUM, CHROMEDRIVER) if not path.exists()]


def _chromium(downloads: Path) -> webdriver.Chrome:
    """A headless Chromium saving what it downloads into ``downloads``, without asking."""
    missing = _missing()
    if missing:
        pytest.skip(
            f"no browser for the console's tests: {', '.join(missing)} missing. Install Debian's chromium and "
            "chromium-driver (apt-get install chromium chromium-driver; scripts/test does it when run as root)"
        )
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for argument in ARGUMENTS:
        options.add_argument(argument)
    options.add_experimental_option(
        "prefs", {"download.default_directory": str(downloads), "download.prompt_for_download": False}
    )
    driver = webdriver.Chrome(options=options, service=Service(executable_path=str(CHROMEDRIVER)))
    driver.set_page_load_timeout(30)
    return driver


@pytest.fixture(scope="session")
def downloads(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("downloads")


@pytest.fixture(scope="session")
def chromium(downloads: Path) -> Iterator[webdriver.Chrome]:
    """Headless Chromium for this test process, quit at its end."""
    driver = _chromium(downloads)
    try:
        yield driver
    finally:
        driver.quit()


@pytest.fixture(scope="module")
def firm(postgres_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Firm]:
    """One configured firm over one PostgreSQL database for a whole module (tests make their own debtors and
    invoices and never assume an empty store or a fixed date: the clock only moves forward)."""
    folder = tmp_path_factory.mktemp("firm")
    key = folder / "firm.pem"
    key.write_bytes(
        FIRM_KEY.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    name = f"relance_browser_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        with smtp_server() as (inbox, port):
            settings = postgres_settings(
                with_dbname(postgres_url, name), folder / "data", smtp_host="127.0.0.1", smtp_port=port,
                signing_key_file=key, **FIRM,
            )  # fmt: skip
            with running_api(settings) as running:
                yield Firm(running, inbox)
    finally:
        with psycopg.connect(postgres_url, autocommit=True) as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


@pytest.fixture(scope="module")
def api(firm: Firm) -> Api:
    return firm.api


def _emptied(folder: Path) -> Path:
    """``folder`` with nothing in it: what a test finds there, its browser downloaded."""
    for path in folder.iterdir():
        if path.is_dir():
            shutil.rmtree(path)
        else:
            path.unlink()
    return folder


@pytest.fixture
def browser(chromium: webdriver.Chrome, api: Api, downloads: Path) -> Console:
    """The browser on this module's console, as a person who has not signed in yet."""
    chromium.execute_cdp_cmd("Network.clearBrowserCookies", {})
    chromium.get("about:blank")
    console = Console(chromium, api.base_url, _emptied(downloads))
    console.resize(DESKTOP)
    return console


@pytest.fixture
def another_browser(api: Api, tmp_path: Path) -> Iterator[Callable[[], Console]]:
    """A second Chromium on the same console (its own cookies: another person, or the same one elsewhere),
    started when the test asks for it and quit at its end."""
    started: list[webdriver.Chrome] = []

    def start() -> Console:
        driver = _chromium(tmp_path)
        started.append(driver)
        console = Console(driver, api.base_url, tmp_path)
        console.resize(DESKTOP)
        return console

    yield start
    for driver in started:
        driver.quit()
