"""Errors as RFC 9457 problem+json, from one table. Routes never catch domain errors."""

from __future__ import annotations

import re
import sqlite3
from typing import Any

import psycopg
import structlog
from eventsourcing.persistence import PersistenceError
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from api.errors import answer_for
from api.http.formats import FORMAT_RULES
from domain.errors import (
    DomainError,
)

PROBLEM_JSON = "application/problem+json"
RETRY_AFTER_SECONDS = "2"


log = structlog.get_logger("relance.api")


class AuthError(Exception):
    """401 (who are you?), 403 (not with this role) or 429 (too many failed authentications)."""

    def __init__(self, status: int, detail: str, code: str, retry_after: int | None = None) -> None:
        super().__init__(detail)
        self.status, self.detail, self.code, self.retry_after = status, detail, code, retry_after


def problem(
    request: Request,
    status: int,
    title: str,
    detail: str,
    code: str,
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> JSONResponse:
    # The console's pages answer people with a French HTML page instead (api/console/site.py).
    html = getattr(request.app.state, "html_problem", None)
    if html is not None and (page := html(request, status, title, detail)) is not None:
        page.headers.update(headers or {})
        return page
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
    return answer_for(error).status


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


PROBLEM_SCHEMA: dict[str, Any] = {
    "title": "Problem",
    "description": "RFC 9457 problem details; `rule` names the rule broken.",
    "type": "object",
    "required": ["type", "title", "status", "detail"],
    "properties": {
        "type": {"type": "string", "examples": ["urn:relance:problem:rule_violation"]},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "instance": {"type": "string"},
        "request_id": {"type": ["string", "null"]},
        "rule": {"type": ["string", "null"]},
        "errors": {"type": "array", "items": {"type": "object"}},
    },
    "additionalProperties": True,
}
PROBLEM_CONTENT = {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}}
AUTH_RESPONSES: dict[str, dict[str, Any]] = {
    "401": {
        "description": "Missing, malformed, unknown or revoked bearer token",
        "headers": {"WWW-Authenticate": {"schema": {"type": "string"}}},
    },
    "403": {"description": "The token's role may not do this"},
    "503": {
        "description": "The store is unavailable; retry later",
        "headers": {"Retry-After": {"schema": {"type": "string"}}},
    },
}


def refine_openapi(app: FastAPI) -> None:
    """Complete FastAPI's OpenAPI document with what the routes really answer: the problems, as
    problem+json (401/403/503 wherever a token is required, 404 wherever a path names something,
    400 for an unparsable body, and the problem body for every error response without content);
    and optional parameters as absent rather than null (a header or query string cannot be null)."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            document = generate()
            document.setdefault("components", {}).setdefault("schemas", {})["Problem"] = PROBLEM_SCHEMA
            for item in document.get("paths", {}).values():
                for operation in item.values():
                    _refine_operation(operation)
        return app.openapi_schema or {}

    app.openapi = openapi  # type: ignore[method-assign]


def _refine_operation(operation: dict[str, Any]) -> None:
    for parameter in operation.get("parameters", []):
        schema = parameter.get("schema", {})
        alternatives = [s for s in schema.get("anyOf", []) if s != {"type": "null"}]
        if len(alternatives) == 1 and len(schema["anyOf"]) == 2:  # `X | None = None`: absent, never null
            del schema["anyOf"]
            schema.update(alternatives[0])
    responses: dict[str, Any] = operation.setdefault("responses", {})
    if operation.get("security"):  # the routes that depend on the bearer token (api.http.dependencies)
        for status, response in AUTH_RESPONSES.items():
            responses.setdefault(status, dict(response))
    if any(p.get("in") == "path" for p in operation.get("parameters", [])):
        responses.setdefault("404", {"description": "Not found"})
    if "requestBody" in operation:
        responses.setdefault("400", {"description": "The body cannot be parsed (e.g. not UTF-8 JSON)"})
    for status, response in responses.items():
        if status.isdigit() and int(status) >= 400:
            content = response.get("content")
            if not content or (set(content) == {"application/json"} and "HTTPValidationError" in str(content)):
                response["content"] = PROBLEM_CONTENT


def allowed_methods(request: Request) -> str | None:
    """Every method of the resource at this path, for a 405's ``Allow`` (the router lists only the methods
    of the first route whose path matched, e.g. ``POST`` alone for ``/v1/receivables``)."""
    methods: set[str] = set()
    for template, item in request.app.openapi().get("paths", {}).items():
        if re.fullmatch(re.sub(r"\\\{[^/]+?\\\}", "[^/]+", re.escape(template)), request.url.path):
            methods.update(method.upper() for method in item)
    if "GET" in methods:
        methods.add("HEAD")  # Starlette answers HEAD wherever it answers GET
    return ", ".join(sorted(methods)) or None


def install_problem_handlers(app: FastAPI) -> None:
    refine_openapi(app)

    @app.exception_handler(DomainError)
    async def domain_error(request: Request, error: DomainError) -> JSONResponse:
        status = status_for(error)
        title = {422: "Invalid input", 404: "Not found", 412: "Precondition failed"}.get(status, "Conflict")
        return problem(request, status, title, error.message, error.code, rule=error.rule)

    @app.exception_handler(AuthError)
    async def auth_error(request: Request, error: AuthError) -> JSONResponse:
        headers = {"WWW-Authenticate": 'Bearer realm="relance"'} if error.status == 401 else {}
        if error.retry_after is not None:
            headers["Retry-After"] = str(error.retry_after)
        title = {401: "Unauthorized", 429: "Too many requests"}.get(error.status, "Forbidden")
        return problem(request, error.status, title, error.detail, error.code, headers=headers or None)

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, error: RequestValidationError) -> JSONResponse:
        errors = [
            {"location": [str(p) for p in e.get("loc", ())], "message": str(e.get("msg", "")), "type": e.get("type")}
            for e in error.errors()
        ]
        detail = "; ".join(f"{'.'.join(e['location'])}: {e['message']}" for e in errors) or "invalid request"
        rule = next((e["type"] for e in errors if e["type"] in FORMAT_RULES), None)  # money and date formats
        return problem(request, 422, "Invalid input", detail, "invalid_input", errors=errors, rule=rule)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, error: StarletteHTTPException) -> JSONResponse:
        code = {404: "not_found", 405: "method_not_allowed", 413: "too_large", 415: "unsupported_media_type"}
        headers = dict(getattr(error, "headers", None) or {})
        if error.status_code == 405:
            headers["Allow"] = allowed_methods(request) or headers.get("Allow", "")
        return problem(
            request, error.status_code, str(error.detail), str(error.detail), code.get(error.status_code, "http_error"),
            headers=headers or None,
        )  # fmt: skip

    @app.exception_handler(Exception)
    async def unexpected(request: Request, error: Exception) -> JSONResponse:
        if isinstance(error, psycopg.DataError):  # e.g. a NUL character PostgreSQL text cannot hold
            return problem(
                request, 422, "Invalid input", "a value cannot be stored as given (invalid character or range)",
                "invalid_input", rule="invalid_value",
            )  # fmt: skip
        if is_store_outage(error):
            log.warning("store_unavailable", error_type=type(error).__name__)
            return problem(
                request, 503, "Service unavailable", "the store is unavailable; retry shortly", "store_unavailable",
                headers={"Retry-After": RETRY_AFTER_SECONDS},
            )  # fmt: skip
        log.exception("unexpected_error", error_type=type(error).__name__)
        from api.http.hardening import API_POLICY, SECURITY_HEADERS  # answered outside its middleware

        headers = {k.decode(): v.decode() for k, v in SECURITY_HEADERS}
        headers |= {"Content-Security-Policy": API_POLICY, "Cache-Control": "no-store"}
        return problem(request, 500, "Internal error", "an unexpected error was logged", "internal_error", headers)

    # A handler of ``Exception`` runs in Starlette's outermost middleware, which re-raises after
    # answering: the request log would say 500 without the request id, and uvicorn would log a
    # traceback. Store errors are answered inside the middlewares instead.
    for store_error in (psycopg.Error, PersistenceError, sqlite3.Error):
        app.add_exception_handler(store_error, unexpected)
