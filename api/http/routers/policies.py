"""/v1/policies: the dunning policies as data, every version kept."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request

from api.bootstrap import StoredPolicy
from api.http.dependencies import ServicesDep, allow
from api.http.hardening import MAX_POLICY_BYTES
from application.access import MANAGEMENT, READERS, Principal
from domain.dunning_policy import Policy
from domain.errors import InvalidInput

router = APIRouter(prefix="/v1/policies", tags=["policies"])

Manager = Annotated[Principal, Depends(allow(MANAGEMENT))]
Reader = Annotated[Principal, Depends(allow(READERS))]
PolicyId = Annotated[str, Path(pattern=r"^[a-z0-9][a-z0-9_-]{0,63}$")]

TOML_TYPES = ("application/toml", "text/plain", "application/x-toml", "text/x-toml")


def policy_view(stored: StoredPolicy) -> dict[str, Any]:
    policy: Policy = stored.policy
    return {
        "id": policy.id,
        "version": policy.version,
        "title": policy.title,
        "stages": [
            {
                "rule": s.rule,
                "action": s.action.value,
                "anchor": s.anchor.value,
                "offset_days": s.offset_days,
                "until_days": s.until_days,
                "channels": [c.value for c in s.channels],
                "template": s.template,
                "label": s.label,
            }
            for s in policy.stages
        ],
        "source": stored.source,
        "source_sha256": stored.source_sha256,
        "created_at": stored.created_at,
        "created_by": stored.created_by,
    }


@router.get("", summary="The current version of every dunning policy")
def list_policies(services: ServicesDep, _: Reader) -> list[dict[str, Any]]:
    return [policy_view(stored) for stored in services.policies.current()]


@router.get("/{policy_id}", summary="A policy: its current version, or ?version=N", responses={404: {}})
def get_policy(
    policy_id: PolicyId, services: ServicesDep, _: Reader, version: Annotated[int | None, Query(ge=1)] = None
) -> dict[str, Any]:
    return policy_view(services.policies.require(policy_id, version))


@router.get("/{policy_id}/versions", summary="Every version of a policy, oldest first", responses={404: {}})
def policy_versions(policy_id: PolicyId, services: ServicesDep, _: Reader) -> list[dict[str, Any]]:
    services.policies.require(policy_id)
    return [policy_view(stored) for stored in services.policies.history(policy_id)]


@router.put(
    "/{policy_id}",
    summary="Store a new version of a policy (TOML body); an invalid file is refused with its line and reason",
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"application/toml": {"schema": {"type": "string"}, "example": 'id = "light"\n…'}},
        }
    },
)
async def put_policy(policy_id: PolicyId, request: Request, services: ServicesDep, p: Manager) -> dict[str, Any]:
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media_type not in TOML_TYPES:
        raise InvalidInput("body: a TOML policy file is expected (Content-Type: application/toml)", rule="media_type")
    raw = await request.body()
    if len(raw) > MAX_POLICY_BYTES:
        raise InvalidInput(f"body: a policy file is at most {MAX_POLICY_BYTES} bytes", rule="policy_size")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise InvalidInput("body: the policy file must be UTF-8", rule="policy_encoding") from error
    stored = services.policies.put(policy_id, text, actor=p.name, now=services.ledger.now().instant)
    return policy_view(stored)
