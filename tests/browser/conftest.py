"""The console in a real browser: headless Chromium driven by Selenium, on the console served for real
by uvicorn over PostgreSQL (the ``api`` fixture of tests/e2e: one database and one simulated clock per
module).

One browser per test process (under pytest-xdist, one per worker), started when a test first needs it;
each test starts with no cookie, at 1,280 × 900. Without Debian's ``chromium`` and ``chromium-driver``
the tests are skipped, saying what to install (``scripts/test`` installs them when run as root).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service

from tests.browser.pages import DESKTOP, Console
from tests.e2e.conftest import Api, api, no_personal_data_in_the_logs  # noqa: F401 (fixtures used here)

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


def _missing() -> list[str]:
    return [str(path) for path in (CHROMIUM, CHROMEDRIVER) if not path.exists()]


@pytest.fixture(scope="session")
def chromium() -> Iterator[webdriver.Chrome]:
    """Headless Chromium for this test process, quit at its end."""
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
    driver = webdriver.Chrome(options=options, service=Service(executable_path=str(CHROMEDRIVER)))
    driver.set_page_load_timeout(30)
    try:
        yield driver
    finally:
        driver.quit()


@pytest.fixture
def browser(chromium: webdriver.Chrome, api: Api) -> Console:  # noqa: F811 (the e2e fixture)
    """The browser on this module's console, as a person who has not signed in yet."""
    chromium.execute_cdp_cmd("Network.clearBrowserCookies", {})
    chromium.get("about:blank")
    console = Console(chromium, api.base_url)
    console.resize(DESKTOP)
    return console
