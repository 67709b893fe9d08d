"""The console as a person sees it in the browser: open a page, fill a field by its label, click a
button by its text, type on the keyboard, read the French messages. ``execute_script`` only reads what
the browser measured (layout, focus, resources loaded, response status); it never acts on the page.
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from selenium.common.exceptions import WebDriverException
from selenium.webdriver import Chrome
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support.ui import WebDriverWait

from tests.support.console import PASSWORD

DESKTOP = (1280, 900)
TABLET = (820, 1180)  # a tablet held upright
WAIT_SECONDS = 10
MESSAGES = ".error, .ok, .field-error, [role=alert]"


def _literal(text: str) -> str:
    """``text`` as an XPath string literal, whatever quotes it holds (French has apostrophes)."""
    if "'" not in text:
        return f"'{text}'"
    if '"' not in text:
        return f'"{text}"'
    return "concat(" + ', "\'", '.join(f"'{part}'" for part in text.split("'")) + ")"


@dataclass
class Console:
    """One browser on one running console."""

    driver: Chrome  # Chromium: its DevTools commands size the viewport and take screenshots
    base_url: str

    # -- where we are

    def open(self, path: str) -> None:
        self.driver.get(self.base_url + path)

    @property
    def path(self) -> str:
        parts = urlsplit(self.driver.current_url)
        return parts.path + (f"?{parts.query}" if parts.query else "")

    @property
    def status(self) -> int:
        """The HTTP status of the page shown (the Navigation Timing entry's ``responseStatus``)."""
        status: int = self.driver.execute_script("return performance.getEntriesByType('navigation')[0].responseStatus")
        return status

    def heading(self) -> str:
        return self.driver.find_element(By.TAG_NAME, "h1").text

    def text(self) -> str:
        """What the page shows in its main part."""
        return self.driver.find_element(By.TAG_NAME, "main").text

    def messages(self) -> list[str]:
        """The errors and confirmations shown, in French."""
        return [element.text for element in self.driver.find_elements(By.CSS_SELECTOR, MESSAGES)]

    def sections(self) -> list[str]:
        """The titles of the page's sections (``Appels à passer (3)``)."""
        return [title.text for title in self.driver.find_elements(By.CSS_SELECTOR, "main h2")]

    def menu(self) -> list[str]:
        links = self.driver.find_elements(By.CSS_SELECTOR, 'nav[aria-label="Menu principal"] a')
        return [link.text for link in links]

    # -- doing things

    def field(self, label: str) -> WebElement:
        """The form field a ``<label for=…>`` with this text names."""
        found = self.driver.find_element(By.XPATH, f"//label[normalize-space()={_literal(label)}]")
        target = found.get_attribute("for")
        assert target, f"the label {label!r} names no field"
        return self.driver.find_element(By.ID, target)

    def fill(self, label: str, value: str) -> None:
        field = self.field(label)
        field.clear()
        field.send_keys(value)

    def button(self, text: str) -> WebElement:
        text = _literal(text)
        return self.driver.find_element(
            By.XPATH, f"//button[normalize-space()={text}] | //a[normalize-space()={text}]"
            f" | //input[@type='submit' and @value={text}]",
        )  # fmt: skip

    def click(self, text: str) -> None:
        """Click the button or link with this text and wait for the page it leads to."""
        self.navigating(self.button(text).click)

    def keys(self, *keys: str) -> None:
        """Type on the keyboard, into whatever has the focus (``Keys.TAB`` moves it)."""
        ActionChains(self.driver).send_keys(*keys).perform()

    def navigating(self, action: Callable[[], object]) -> None:
        """Run ``action`` and wait until the browser shows the next page (every action of the console
        loads a page: its forms post and its links open, with no script in between)."""
        before = self._document()
        action()
        wait = WebDriverWait(self.driver, WAIT_SECONDS, ignored_exceptions=(WebDriverException,))
        wait.until(lambda _: self._document() not in (before, None))

    def _document(self) -> float | None:
        """Which document is shown (its time origin), once it has loaded; None while loading."""
        origin: float | None = self.driver.execute_script(
            "return document.readyState === 'complete' ? performance.timeOrigin : null"
        )
        return origin

    def back(self) -> None:
        self.navigating(self.driver.back)

    def sign_in(self, username: str, password: str = PASSWORD) -> None:
        self.open("/connexion")
        self.fill("Identifiant", username)
        self.fill("Mot de passe", password)
        self.click("Se connecter")

    def sign_out(self) -> None:
        self.click("Se déconnecter")

    # -- what the browser measured

    def focused(self) -> dict[str, str]:
        """The element with the focus: its id, tag and how its outline is drawn."""
        found: dict[str, str] = self.driver.execute_script(
            "const e = document.activeElement, s = getComputedStyle(e);"
            "return {id: e.id, tag: e.tagName.toLowerCase(), text: e.innerText || e.value || '',"
            " outline: s.outlineStyle, width: s.outlineWidth, visible: e.matches(':focus-visible')}"
        )
        return found

    def overflow(self) -> int:
        """How many pixels the page is wider than its viewport (0: nothing scrolls sideways). The
        viewport is measured without its vertical scrollbar (``clientWidth``), which ``innerWidth`` counts."""
        excess: int = self.driver.execute_script(
            "const root = document.documentElement;"
            "return root.scrollWidth - Math.min(root.clientWidth, window.innerWidth)"
        )
        return excess

    def sticking_out(self) -> list[str]:
        """What sticks out of its card or section on the right (a table too wide for its box, even one
        its card lets scroll): ``"calls: TABLE"``, one per box."""
        found: list[str] = self.driver.execute_script(
            "const found = [];"
            "for (const box of document.querySelectorAll('main section, main .card')) {"
            "  const edge = box.getBoundingClientRect().right;"
            "  const out = [...box.querySelectorAll('*')].find(e => e.getBoundingClientRect().right > edge + 1);"
            "  if (out) found.push((box.id || box.className) + ': ' + out.tagName);"
            "}"
            "return found;"
        )
        return found

    def resources(self) -> list[str]:
        """Every URL the page loaded (stylesheets, images, scripts, fonts), as the browser recorded them."""
        names: list[str] = self.driver.execute_script(
            "return performance.getEntriesByType('resource').map(entry => entry.name)"
        )
        return names

    def linked(self) -> list[str]:
        """Every address the page would fetch by itself (href of link, src of script, img, iframe…)."""
        urls: list[str] = self.driver.execute_script(
            "return [...document.querySelectorAll('link[href]')].map(e => e.href)"
            ".concat([...document.querySelectorAll('[src]')].map(e => e.src))"
        )
        return urls

    def resize(self, size: tuple[int, int]) -> None:
        """A viewport of exactly ``size`` CSS pixels."""
        width, height = size
        self.driver.execute_cdp_cmd(
            "Emulation.setDeviceMetricsOverride",
            {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False},
        )

    def screenshot(self, path: Path) -> bool:
        """The whole page as a PNG (no caret, no focus ring); writes ``path`` only when it changed."""
        self.driver.execute_script("document.activeElement && document.activeElement.blur()")
        # The viewport's width (the page laid out without a vertical scrollbar, as captured) by the page's height.
        width, height = self.driver.execute_script("return [window.innerWidth, document.documentElement.scrollHeight]")
        clip = {"x": 0, "y": 0, "width": width, "height": height, "scale": 1}
        shot = self.driver.execute_cdp_cmd(
            "Page.captureScreenshot", {"format": "png", "captureBeyondViewport": True, "clip": clip}
        )
        png = base64.b64decode(shot["data"])
        if path.exists() and path.read_bytes() == png:
            return False
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(png)
        return True
