"""What every console page shares: the templates, the signed-in person, CSRF, French formats.

Pages are rendered on the server (Jinja2); forms post to the console, which builds the same commands as
the API and runs them through the same pipeline (``Ledger.execute``) with the person as principal.
"""

from __future__ import annotations

import hmac
from collections.abc import Callable, Mapping
from datetime import date, datetime
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote
from zoneinfo import ZoneInfo

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData

from api import formats
from api.bootstrap import ConsoleSession, Services
from api.console.paths import STATIC_PATH
from application.access import Role

TEMPLATES = Path(__file__).parent / "templates"
STATIC = Path(__file__).parent / "static"
SESSION_COOKIE = "relance_session"
SIGN_IN_COOKIE = "relance_sign_in"  # the sign-in form's CSRF token (double submit: no session yet)
PARIS = ZoneInfo("Europe/Paris")

ROLE_LABELS = {
    Role.ADMIN: "administrateur",
    Role.MANAGER: "responsable",
    Role.COLLECTOR: "chargé de recouvrement",
    Role.ACCOUNTANT: "comptable",
    Role.AUDITOR: "auditeur",
}


# ------------------------------------------------------------------ rendering


def _instant(value: datetime | str | None) -> str:
    """``05/12/2026 à 14:32``, Paris time."""
    if value is None or value == "":
        return "-"
    if isinstance(value, str):
        value = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return value.astimezone(PARIS).strftime("%d/%m/%Y à %H:%M")


def _day(value: date | str | None) -> str:
    return formats.day(value)


def _money(value: Any, currency: str | None = "EUR") -> str:
    return "-" if value is None or value == "" else formats.money(value, currency)


def _environment() -> Environment:
    environment = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(["html", "j2"]),
        undefined=StrictUndefined,  # a misspelt variable fails the test that renders it, never shows blank
        trim_blocks=True,
        lstrip_blocks=True,
    )
    environment.filters.update(money=_money, day=_day, instant=_instant, percent=formats.percent, urlquote=quote)
    environment.globals.update(role_labels=ROLE_LABELS, Role=Role, static=STATIC_PATH)
    return environment


ENVIRONMENT = _environment()


def render(
    request: Request, template: str, context: Mapping[str, Any] | None = None, *, status_code: int = 200
) -> HTMLResponse:
    person: ConsoleSession | None = getattr(request.state, "person", None)
    values = {
        "request": request,
        "person": person,
        "csrf": person.csrf_token if person else "",
        "path": request.url.path,
        "nav": navigation(person),
        **(context or {}),
    }
    return HTMLResponse(ENVIRONMENT.get_template(template).render(values), status_code=status_code)


def navigation(person: ConsoleSession | None) -> list[tuple[str, str]]:
    """The menu: what this person's role may open."""
    if person is None:
        return [("/verifier", "Vérifier une preuve")]
    items = [("/", "Aujourd'hui"), ("/creances", "Créances")]
    if person.principal.may(frozenset({Role.MANAGER, Role.ACCOUNTANT, Role.AUDITOR})):
        items.append(("/rapports", "Rapports"))
    items += [("/preuves", "Preuves"), ("/politiques", "Politiques")]
    return items


# ------------------------------------------------------------ who is signed in


class SignInRequired(Exception):
    """No live session: the browser goes to the sign-in page, then back where it was going."""

    def __init__(self, next_path: str) -> None:
        super().__init__(next_path)
        self.next_path = next_path


class ConsoleRefusal(Exception):
    """A page or action this person may not use, or a form without its CSRF token: an HTML error page."""

    def __init__(self, status: int, title: str, detail: str) -> None:
        super().__init__(detail)
        self.status = status
        self.title = title
        self.detail = detail


def services_of(request: Request) -> Services:
    services: Services = request.app.state.services
    return services


async def signed_in(request: Request) -> ConsoleSession:
    secret = request.cookies.get(SESSION_COOKIE)
    person = await run_in_threadpool(services_of(request).console_sessions().find, secret) if secret else None
    if person is None:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        raise SignInRequired(target if request.method == "GET" else "/")
    request.state.person = person
    request.state.actor = person.principal.name  # the request log names the person
    request.state.role = person.principal.role.value
    return person


Person = Annotated[ConsoleSession, Depends(signed_in)]


def requiring(roles: frozenset[Role]) -> Callable[..., Any]:
    """A dependency admitting these roles (and admin), as the API's ``allow``."""

    async def check(person: Person) -> ConsoleSession:
        if not person.principal.may(roles):
            raise ConsoleRefusal(403, "Accès refusé", "Votre rôle ne donne pas accès à cette page.")
        return person

    return check


async def checked_form(request: Request, person: Person) -> FormData:
    """The posted form, once its CSRF token is the session's."""
    form = await request.form()
    given = form.get("csrf")
    if not isinstance(given, str) or not hmac.compare_digest(given, person.csrf_token):
        raise ConsoleRefusal(
            403, "Formulaire expiré", "Ce formulaire a expiré ou ne vient pas de la console : rechargez la page."
        )
    return form


Form = Annotated[FormData, Depends(checked_form)]


def redirect(location: str) -> Response:
    return RedirectResponse(location, status_code=303)


def client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"
