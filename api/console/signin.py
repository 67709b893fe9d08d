"""Connexion and déconnexion."""

from __future__ import annotations

import hmac
import secrets
from typing import Annotated

from fastapi import APIRouter, Request
from fastapi import Form as Field
from fastapi.responses import HTMLResponse, Response
from starlette.concurrency import run_in_threadpool

from api.bootstrap import SignInOutcome
from api.console.web import (
    SESSION_COOKIE,
    SIGN_IN_COOKIE,
    Form,
    client_address,
    redirect,
    render,
    services_of,
)

router = APIRouter(include_in_schema=False)


def _safe_next(target: str | None) -> str:
    """Back where the person was going, on this site only (no open redirect)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


def _sign_in_page(request: Request, *, next_path: str, error: str | None = None, username: str = "") -> HTMLResponse:
    token = secrets.token_urlsafe(24)
    response = render(
        request,
        "signin.html.j2",
        {"token": token, "next_path": next_path, "error": error, "username": username},
        status_code=200 if error is None else 401,
    )
    secure = services_of(request).settings.console_secure_cookies
    response.set_cookie(SIGN_IN_COOKIE, token, httponly=True, secure=secure, samesite="strict", path="/connexion")
    return response


@router.get("/connexion")
def sign_in_form(request: Request, suite: str | None = None) -> HTMLResponse:
    return _sign_in_page(request, next_path=_safe_next(suite))


@router.post("/connexion", response_model=None)
async def sign_in(
    request: Request,
    username: Annotated[str, Field(max_length=200)] = "",
    password: Annotated[str, Field(max_length=1000)] = "",
    token: Annotated[str, Field(max_length=200)] = "",
    suite: Annotated[str, Field(max_length=2000)] = "/",
) -> Response:
    next_path = _safe_next(suite)
    cookie = request.cookies.get(SIGN_IN_COOKIE, "")
    if not token or not cookie or not hmac.compare_digest(token, cookie):
        return _sign_in_page(request, next_path=next_path, error="Le formulaire a expiré : saisissez à nouveau.")
    services = services_of(request)
    sessions = services.console_sessions()
    address = client_address(request)
    result = await run_in_threadpool(sessions.sign_in, username, password, address=address)
    if result.outcome is SignInOutcome.LOCKED or (
        result.outcome is SignInOutcome.REFUSED and result.locked_until is not None
    ):
        minutes = sessions.rules.lockout.total_seconds() // 60
        error = (
            f"Trop d'essais infructueux : ce compte est bloqué pendant {minutes:.0f} minutes. "
            "Un administrateur peut le débloquer en changeant le mot de passe."
        )
        return _sign_in_page(request, next_path=next_path, error=error, username=username)
    if result.principal is None:
        error = "Identifiant ou mot de passe incorrect."
        return _sign_in_page(request, next_path=next_path, error=error, username=username)
    secret = await run_in_threadpool(sessions.open, result.principal, address=address)
    response = redirect(next_path)
    response.set_cookie(
        SESSION_COOKIE,
        secret,
        max_age=int(sessions.rules.lifetime.total_seconds()),
        httponly=True,
        secure=services.settings.console_secure_cookies,
        samesite="lax",  # a link from an e-mail opens the console signed in; forms carry a CSRF token
        path="/",
    )
    response.delete_cookie(SIGN_IN_COOKIE, path="/connexion")
    return response


@router.post("/deconnexion", response_model=None)
async def sign_out(request: Request, _: Form) -> Response:
    await run_in_threadpool(services_of(request).console_sessions().close, request.cookies.get(SESSION_COOKIE))
    response = redirect("/connexion")
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response
