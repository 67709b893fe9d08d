"""Routes that carry one command each, declared from a table: body → command → pipeline → answer.

Each row keeps what the OpenAPI shows of its route (path, body schema with its examples, summary,
answers) and names its command class; the roles admitted are the pipeline's own table, checked here
before the body is read as well. The endpoint is an ordinary function with a real signature, so
FastAPI documents and validates it as if it had been written out by hand.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, Response

from api.bootstrap import Services
from api.http.dependencies import ExpectedVersion, IdempotencyDep, ServicesDep, allow
from api.http.schemas import Body, CommandResult
from application.access import Principal
from application.pipeline import Outcome, roles_for

# Builds the command from the aggregate id, the body and the other path parameters.
Build = Callable[[UUID, Any, dict[str, Any]], Any]
# Renders the answer of a recorded (or idempotent) command.
Answer = Callable[[Services, Outcome], Response]


@dataclass(frozen=True)
class CommandRoute:
    name: str  # the endpoint's name: the OpenAPI operation id derives from it
    path: str
    command: type
    body: type[Body]
    summary: str
    build: Build | None = None  # default: command(aggregate_id, **body)
    path_parameters: dict[str, Any] = field(default_factory=dict)  # name → annotation, after the aggregate id
    responses: dict[int | str, dict[str, Any]] = field(default_factory=dict)


def declare(
    router: APIRouter,
    routes: list[CommandRoute],
    *,
    aggregate_id: str,
    answer: Answer,
    responses: dict[int | str, dict[str, Any]],
) -> None:
    for route in routes:
        router.add_api_route(
            route.path,
            _endpoint(route, aggregate_id, answer),
            methods=["POST"],
            status_code=201,
            summary=route.summary,
            responses={**responses, **route.responses},
            response_model=CommandResult,
        )


def _endpoint(route: CommandRoute, aggregate_id: str, answer: Answer) -> Callable[..., Response]:
    roles = roles_for(route.command)
    assert roles is not None, f"{route.command.__name__} is not a command"
    caller = Annotated[Principal, Depends(allow(roles))]
    build = route.build or _by_fields(route.command)

    def endpoint(**arguments: Any) -> Response:
        services: Services = arguments.pop("services")
        principal: Principal = arguments.pop("principal")
        expected: int | None = arguments.pop("expected")
        idempotency = arguments.pop("idempotency")
        body = arguments.pop("body")
        command = build(arguments.pop(aggregate_id), body, arguments)
        outcome = services.ledger.execute(
            command, principal=principal, expected_version=expected, idempotency=idempotency
        )
        return answer(services, outcome)

    keyword = inspect.Parameter.KEYWORD_ONLY
    parameters = [
        inspect.Parameter(aggregate_id, keyword, annotation=UUID),
        *(inspect.Parameter(name, keyword, annotation=hint) for name, hint in route.path_parameters.items()),
        inspect.Parameter("body", keyword, annotation=route.body),
        inspect.Parameter("services", keyword, annotation=ServicesDep),
        inspect.Parameter("principal", keyword, annotation=caller),
        inspect.Parameter("expected", keyword, annotation=ExpectedVersion),
        inspect.Parameter("idempotency", keyword, annotation=IdempotencyDep),
    ]
    endpoint.__signature__ = inspect.Signature(parameters, return_annotation=Response)  # type: ignore[attr-defined]
    endpoint.__name__ = endpoint.__qualname__ = route.name
    return endpoint


def _by_fields(command: type) -> Build:
    def build(aggregate_id: UUID, body: Any, path: dict[str, Any]) -> Any:
        return command(aggregate_id, **path, **body.model_dump())

    return build
