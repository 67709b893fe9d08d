"""The console as a person sees it in the browser: open a page, fill a field by its label, click a
button by its text, type on the keyboard, read the French messages. ``execute_script`` only reads what
the browser measured (layout, focus, resources loaded, response status); it never acts on the page.
"""

from __future__ import annotations

import base64
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from selenium.common.exceptions import WebDriverException
from selenium.webdriver import Chrome
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support.ui import Select, WebDriverWait

from tests.support.console import PASSWORD

DESKTOP = (1280, 900)
TABLET = (820, 1180)  # a tablet held upright
WAIT_SECONDS = 10
MESSAGES = ".error, .ok, .field-error, [role=alert]"
SESSION_COOKIE = "relance_session"


def _literal(text: str) -> str:
    """``text`` as an XPath string literal, whatever quotes it holds (French has apostrophes)."""
    if "'" not in text:
        return f"'{text}'"
    if '"' not in text:
        return f'"{text}"'
    return "concat(" + ', "\'", '.join(f"'{part}'" for part in text.split("'")) + ")"


def _plain(text: str) -> str:
    """Every run of spaces as one plain space (money is written ``1\u202f234,56\u00a0€``)."""
    return " ".join(text.split())


@dataclass
class Console:
    """One browser on one running console."""

    driver: Chrome  # Chromium: its DevTools commands size the viewport and take screenshots
    base_url: str
    downloads: Path  # where the browser saves what it downloads (its download.default_directory)

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
        return [_plain(element.text) for element in self.driver.find_elements(By.CSS_SELECTOR, MESSAGES)]

    def sections(self) -> list[str]:
        """The titles of the page's sections (``Appels à passer (3)``)."""
        return [title.text for title in self.driver.find_elements(By.CSS_SELECTOR, "main h2")]

    def menu(self) -> list[str]:
        links = self.driver.find_elements(By.CSS_SELECTOR, 'nav[aria-label="Menu principal"] a')
        return [link.text for link in links]

    # -- doing things

    def field(self, label: str, within: WebElement | None = None) -> WebElement:
        """The form field a ``<label for=…>`` with this text names (its own text: « (obligatoire) » aside);
        ``within``: the label inside this part of the page only (a form, when several have a « Montant »)."""
        text = _literal(label)
        xpath = f".//label[normalize-space()={text} or normalize-space(text())={text}]"
        found = (within or self.driver.find_element(By.TAG_NAME, "body")).find_element(By.XPATH, xpath)
        target = found.get_attribute("for")
        assert target, f"the label {label!r} names no field"
        return self.driver.find_element(By.ID, target)

    def fill(self, label: str, value: str, within: WebElement | None = None) -> None:
        field = self.field(label, within)
        field.clear()
        field.send_keys(value)

    def choose(self, label: str, option: str, within: WebElement | None = None) -> None:
        """Pick the option shown as ``option`` in the list a label names."""
        Select(self.field(label, within)).select_by_visible_text(option)

    def action(self, title: str) -> WebElement:
        """The receivable page's form under this title, unfolded as a click on its title does."""
        folded = self.driver.find_element(By.XPATH, f"//details[summary[normalize-space()={_literal(title)}]]")
        if folded.get_attribute("open") is None:
            folded.find_element(By.TAG_NAME, "summary").click()
        return folded

    def forms(self) -> list[str]:
        """The titles of the receivable page's forms the person is shown."""
        return [summary.text for summary in self.driver.find_elements(By.CSS_SELECTOR, "#actions details summary")]

    def timeline(self) -> list[str]:
        """The receivable's history as sentences, newest first."""
        return [_plain(p.text) for p in self.driver.find_elements(By.CSS_SELECTOR, "#journal li > p:first-of-type")]

    def part(self, element_id: str) -> str:
        """The text of one part of the page (``calls``: Aujourd'hui's calls), its spaces plain."""
        return _plain(self.driver.find_element(By.ID, element_id).text)

    def error_beside(self, label: str, within: WebElement | None = None) -> str:
        """The refusal a field is described by (``aria-describedby``), as a screen reader reads it."""
        field = self.field(label, within)
        described = field.get_attribute("aria-describedby")
        assert described and field.get_attribute("aria-invalid") == "true", f"no error beside {label!r}"
        return _plain(self.driver.find_element(By.ID, described).text)

    def facts(self) -> dict[str, str]:
        """The summary of a receivable page: « Reste dû » → « 765,44 € »."""
        pairs = self.driver.find_elements(By.CSS_SELECTOR, "#resume dl div")
        return {
            pair.find_element(By.TAG_NAME, "dt").text: _plain(pair.find_element(By.TAG_NAME, "dd").text)
            for pair in pairs
        }

    def button(self, text: str, within: WebElement | None = None) -> WebElement:
        text = _literal(text)
        return (within or self.driver.find_element(By.TAG_NAME, "html")).find_element(
            By.XPATH, f".//button[normalize-space()={text}] | .//a[normalize-space()={text}]"
            f" | .//input[@type='submit' and @value={text}]",
        )  # fmt: skip

    def buttons(self) -> list[str]:
        """The text of every button of the page."""
        return [button.text for button in self.driver.find_elements(By.TAG_NAME, "button")]

    def click(self, text: str, within: WebElement | None = None) -> None:
        """Click the button or link with this text and wait for the page it leads to."""
        self.navigating(self.button(text, within).click)

    def attach(self, label: str, path: Path) -> None:
        """Choose ``path`` in the file field a label names (as the file picker would)."""
        self.field(label).send_keys(str(path))

    def downloaded(self) -> Path:
        """The one file the browser downloaded since this test began, once it is complete."""
        deadline = time.monotonic() + WAIT_SECONDS
        while time.monotonic() < deadline:
            files = [path for path in self.downloads.iterdir() if path.is_file()]
            # While it downloads, Chromium writes a hidden .org.chromium.Chromium.* then a *.crdownload
            done = [path for path in files if not path.name.startswith(".") and not path.name.endswith(".crdownload")]
            if done and len(done) == len(files):
                assert len(done) == 1, done
                return done[0]
            time.sleep(0.05)
        raise AssertionError(f"nothing downloaded into {self.downloads} in {WAIT_SECONDS} s")

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

    def resume(self, secret: str) -> None:
        """Come back with a session opened earlier: the browser holds its cookie, as after signing in (the
        form itself is tested in test_sign_in.py; this spares each test its password's hashing)."""
        self.driver.execute_cdp_cmd(
            "Network.setCookie",
            {"name": SESSION_COOKIE, "value": secret, "url": self.base_url + "/", "secure": True, "httpOnly": True,
             "sameSite": "Lax"},
        )  # fmt: skip

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
