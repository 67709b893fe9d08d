"""Console helpers for HTTP-level tests: accounts, a signed-in client, the CSRF token of a page.

httpx keeps cookies per client; the session cookie is Secure (sent over HTTPS only), so it is copied
into the client's jar by hand, as a browser on http://127.0.0.1 would send it.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import httpx

from application.access import Role

if TYPE_CHECKING:
    from tests.e2e.conftest import Api

PASSWORD = "correct horse battery staple"
HIDDEN = re.compile(r'<input type="hidden" name="(?P<name>csrf|token|version)" value="(?P<value>[^"]*)"')


def hidden(html: str, name: str) -> str:
    """The value of the first hidden field ``name`` of a page (csrf, token, version)."""
    for match in HIDDEN.finditer(html):
        if match.group("name") == name:
            return match.group("value")
    raise AssertionError(f"no hidden field {name!r} in the page")


def account(api: Api, username: str, role: str, *, name: str | None = None) -> str:
    """A console account (once per store); returns its username."""
    users = api.services.users
    try:
        users.get(username)
    except Exception:
        users.create(
            username=username, display_name=name or username.replace(".", " ").title(), role=Role(role),
            password=PASSWORD, created_by="tests",
        )  # fmt: skip
    return username


def sign_in_form(client: httpx.Client) -> str:
    page = client.get("/connexion")
    assert page.status_code == 200, page.text
    token = page.cookies.get("relance_sign_in")
    assert token, page.headers
    client.cookies.delete("relance_sign_in")
    client.cookies.set("relance_sign_in", token)
    return hidden(page.text, "token")


def sign_in(client: httpx.Client, username: str, password: str = PASSWORD, suite: str = "/") -> httpx.Response:
    token = sign_in_form(client)
    response = client.post(
        "/connexion", data={"username": username, "password": password, "token": token, "suite": suite}
    )
    if "relance_session" in response.cookies:
        secret = response.cookies["relance_session"]
        client.cookies.delete("relance_session")  # the jar's Secure copy, which httpx would not send over http
        client.cookies.set("relance_session", secret)
    return response


def person(api: Api, role: str, username: str | None = None) -> httpx.Client:
    """A client signed in as a new (or known) account of this role; the caller closes it."""
    name = account(api, username or f"{role}.console", role)
    client = httpx.Client(base_url=api.base_url, timeout=30, follow_redirects=False)
    response = sign_in(client, name)
    assert response.status_code == 303, response.text
    return client


def csrf(client: httpx.Client, path: str = "/") -> str:
    page = client.get(path)
    assert page.status_code == 200, page.text
    return hidden(page.text, "csrf")


INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)


def assert_no_inline_code(html: str) -> None:
    """What the CSP would block: a script written in the page, or a style attribute (files from /static only)."""
    assert not INLINE_SCRIPT.search(html), INLINE_SCRIPT.search(html)
    assert " style=" not in html
