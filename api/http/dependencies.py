"""Annotated dependency aliases: services, the authenticated principal, role checks, If-Match."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Annotated

from fastapi import Depends, Header, Request, Security
from fastapi.dependencies.models import Dependant
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic_core import PydanticCustomError
from starlette.concurrency import run_in_threadpool

from api.bootstrap import Services
from api.http.formats import documented_day, is_day
from api.http.problems import AuthError
from application.access import Principal, Role
from application.ledger import Ledger
from application.pipeline import IdempotencyKey

if TYPE_CHECKING:
    from api.http.hardening import FailedAuthentications

IF_MATCH = re.compile(r'^\s*(?:W/)?"(\d{1,18})"\s*$')
IF_MATCH_DOCUMENTED = r'^\s*(\*|(W/)?"[0-9]{1,18}")\s*$'  # what expected_version accepts, for the OpenAPI


# Dependencies that do no I/O are `async def`: FastAPI runs each sync dependency in the thread pool,
# a thread hand-off per dependency per request; only the routes block (and a token lookup, in the pool).
async def get_services(request: Request) -> Services:
    services: Services = request.app.state.services
    return services


ServicesDep = Annotated[Services, Depends(get_services)]


async def get_ledger(services: ServicesDep) -> Ledger:
    return services.ledger


LedgerDep = Annotated[Ledger, Depends(get_ledger)]


BEARER = HTTPBearer(
    auto_error=False,
    scheme_name="bearer",
    description="A token from `relance token create`; its name is the actor of every event it records.",
)


async def authenticated(
    request: Request,
    services: ServicesDep,
    _bearer: Annotated[HTTPAuthorizationCredentials | None, Security(BEARER)],  # declares the scheme in the OpenAPI
) -> Principal:
    header = request.headers.get("authorization")
    if not header:
        raise AuthError(401, "missing bearer token (Authorization: Bearer rl_…)", "unauthenticated")
    scheme, _, given = header.partition(" ")
    secret = given.strip()
    if scheme.lower() != "bearer" or not secret:
        raise AuthError(401, "malformed Authorization header: expected 'Bearer <token>'", "unauthenticated")
    failures: FailedAuthentications = request.app.state.auth_failures  # decision 0029
    address = request.client.host if request.client else "unknown"
    retry_after = failures.retry_after(address)
    if retry_after is not None:
        detail = f"too many failed authentications from this address: retry in {retry_after} s"
        raise AuthError(429, detail, "too_many_failed_authentications", retry_after=retry_after)
    # A token this worker holds costs no I/O (decision 0026); any other is looked up in the thread pool.
    principal = services.tokens.known(secret)
    if principal is None:
        principal = await run_in_threadpool(services.tokens.authenticate, secret)
    if principal is None:
        failures.failed(address)
        raise AuthError(401, "unknown or revoked token", "unauthenticated")
    request.state.actor = principal.name
    request.state.role = principal.role.value
    return principal


def allow(roles: frozenset[Role]) -> Callable[..., Awaitable[Principal]]:
    """A dependency admitting these roles (and admin); its principal is the events' actor."""
    names = ", ".join(sorted(r.value for r in roles | {Role.ADMIN}))

    async def check(principal: Annotated[Principal, Depends(authenticated)]) -> Principal:
        if not principal.may(roles):
            raise AuthError(403, f"role {principal.role.value} may not do this (allowed: {names})", "forbidden")
        return principal

    check.__name__ = f"allow_{'_'.join(sorted(r.value for r in roles))}"
    return check


async def expected_version(
    if_match: Annotated[
        str | None,
        Header(
            alias="If-Match",
            description='The ETag of the version you saw (e.g. "3"): the command fails with 412 if it moved on.',
            json_schema_extra={"pattern": IF_MATCH_DOCUMENTED},  # checked below, with rule if_match_format
        ),
    ] = None,
) -> int | None:
    if if_match is None or if_match.strip() == "*":
        return None
    match = IF_MATCH.match(if_match)
    if match is None:
        from domain.errors import InvalidInput

        raise InvalidInput('If-Match: expected an ETag such as "3"', rule="if_match_format")
    return int(match.group(1))


ExpectedVersion = Annotated[int | None, Depends(expected_version)]


async def idempotency_key(request: Request) -> IdempotencyKey | None:
    """The request's Idempotency-Key, as the idempotency middleware read it (scoped to the caller)."""
    given: IdempotencyKey | None = getattr(request.state, "idempotency", None)
    return given


IdempotencyDep = Annotated[IdempotencyKey | None, Depends(idempotency_key)]


async def refuse_unknown_query(request: Request) -> None:
    """A misspelt parameter (``?stauts=open``) is a 422, not silently ignored (bodies refuse
    unknown fields too). Applied to every route; the route declares what it accepts."""
    route = request.scope.get("route")
    if not isinstance(route, APIRoute) or route.path in OPEN_PROBES or not route.include_in_schema:
        return  # the console's pages (not in the OpenAPI) read what they know and ignore the rest
    known = _declared_query_parameters(route)
    unknown = sorted(set(request.query_params) - known)
    if unknown:
        from domain.errors import InvalidInput

        raise InvalidInput(f"unknown query parameter(s): {', '.join(unknown)}", rule="unknown_query_parameter")


async def refuse_malformed_query_dates(request: Request) -> None:
    """A date in the query string is ``YYYY-MM-DD`` as documented (pydantic alone reads ``as_of=0`` as
    1970-01-01): the same check as every date of a body (api.http.formats), before the route's own."""
    route = request.scope.get("route")
    if not isinstance(route, APIRoute):
        return
    errors = [
        {"type": error.type, "loc": ("query", name), "msg": error.message(), "input": value}
        for name in _declared_query_days(route)
        for value in request.query_params.getlist(name)
        if (error := _day_error(value)) is not None
    ]
    if errors:
        raise RequestValidationError(errors)


def _day_error(value: str) -> PydanticCustomError | None:
    try:
        documented_day(value)
    except PydanticCustomError as error:
        return error
    return None


OPEN_PROBES = frozenset({"/healthz", "/readyz"})  # load balancers may add what they like
_DECLARED: dict[int, frozenset[str]] = {}  # by route identity: routes live as long as the app


def _declared_query_parameters(route: APIRoute) -> frozenset[str]:
    key = id(route)
    if key not in _DECLARED:
        _DECLARED[key] = frozenset(_query_aliases(route.dependant))
    return _DECLARED[key]


_DAYS: dict[int, frozenset[str]] = {}


def _declared_query_days(route: APIRoute) -> frozenset[str]:
    key = id(route)
    if key not in _DAYS:
        _DAYS[key] = frozenset(_query_aliases(route.dependant, days_only=True))
    return _DAYS[key]


def _query_aliases(dependant: Dependant, *, days_only: bool = False) -> set[str]:
    """The route's own query parameters and those of its dependencies, recursively."""
    names = {f.alias for f in dependant.query_params if not days_only or is_day(f.field_info.annotation)}
    for sub in dependant.dependencies:
        names |= _query_aliases(sub, days_only=days_only)
    return names
