"""Errors as RFC 9457 problem+json, from one table. Routes never catch domain errors."""

from __future__ import annotations

import sqlite3
from typing import Any

import structlog
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from domain.errors import (
    AlreadyExists,
    DomainError,
    InvalidInput,
    NotFound,
    RuleViolation,
    VersionConflict,
    VersionMismatch,
)

PROBLEM_JSON = "application/problem+json"
RETRY_AFTER_SECONDS = "2"

STATUS_BY_ERROR: dict[type[DomainError], int] = {
    InvalidInput: 422,
    NotFound: 404,
    AlreadyExists: 409,
    RuleViolation: 409,
    VersionConflict: 409,
    VersionMismatch: 412,
}

log = structlog.get_logger("relance.api")


class AuthError(Exception):
    """401 (who are you?) or 403 (not with this role)."""

    def __init__(self, status: int, detail: str, code: str) -> None:
        super().__init__(detail)
        self.status, self.detail, self.code = status, detail, code


def problem(
    request: Request,
    status: int,
    title: str,
    detail: str,
    code: str,
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> JSONResponse:
    body = {
        "type": f"urn:relance:problem:{code}",
        "title": title,
        "status": status,
        "detail": detail,
        "instance": request.url.path,
        "request_id": getattr(request.state, "request_id", None),
        **extra,
    }
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


def status_for(error: DomainError) -> int:
    for error_class in type(error).__mro__:
        if error_class in STATUS_BY_ERROR:
            return STATUS_BY_ERROR[error_class]
    return 409


def is_store_outage(error: BaseException) -> bool:
    """Connection refused, pool exhausted, lock timeout, database locked: retry later."""
    module = type(error).__module__
    name = type(error).__name__
    if module.startswith("psycopg") and name in {
        "OperationalError",
        "PoolTimeout",
        "InterfaceError",
        "LockNotAvailable",
    }:
        return True
    if module.startswith("eventsourcing") and name in {"OperationalError", "InterfaceError", "DatabaseError"}:
        return True
    return isinstance(error, sqlite3.OperationalError)


def install_problem_handlers(app: FastAPI) -> None:
    @app.exception_handler(DomainError)
    async def domain_error(request: Request, error: DomainError) -> JSONResponse:
        status = status_for(error)
        title = {422: "Invalid input", 404: "Not found", 412: "Precondition failed"}.get(status, "Conflict")
        return problem(request, status, title, error.message, error.code, rule=error.rule)

    @app.exception_handler(AuthError)
    async def auth_error(request: Request, error: AuthError) -> JSONResponse:
        headers = {"WWW-Authenticate": 'Bearer realm="relance"'} if error.status == 401 else None
        title = "Unauthorized" if error.status == 401 else "Forbidden"
        return problem(request, error.status, title, error.detail, error.code, headers=headers)

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, error: RequestValidationError) -> JSONResponse:
        errors = [
            {"location": [str(p) for p in e.get("loc", ())], "message": str(e.get("msg", "")), "type": e.get("type")}
            for e in error.errors()
        ]
        detail = "; ".join(f"{'.'.join(e['location'])}: {e['message']}" for e in errors) or "invalid request"
        return problem(request, 422, "Invalid input", detail, "invalid_input", errors=errors)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, error: StarletteHTTPException) -> JSONResponse:
        code = {404: "not_found", 405: "method_not_allowed", 413: "too_large", 415: "unsupported_media_type"}
        return problem(
            request, error.status_code, str(error.detail), str(error.detail), code.get(error.status_code, "http_error"),
            headers=getattr(error, "headers", None),
        )  # fmt: skip

    @app.exception_handler(Exception)
    async def unexpected(request: Request, error: Exception) -> JSONResponse:
        if is_store_outage(error):
            log.warning("store_unavailable", error_type=type(error).__name__)
            return problem(
                request, 503, "Service unavailable", "the store is unavailable; retry shortly", "store_unavailable",
                headers={"Retry-After": RETRY_AFTER_SECONDS},
            )  # fmt: skip
        log.exception("unexpected_error", error_type=type(error).__name__)
        return problem(request, 500, "Internal error", "an unexpected error was logged", "internal_error")
