"""Politiques: the dunning policies (every role reads them), two versions compared, and a manager's edit.

An edit is saved by the store and validation of ``PUT /v1/policies/{id}``; the version the person opened
travels with the form, so a version saved meanwhile by someone else is reported, never built upon.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import HTMLResponse, Response

from api.bootstrap import ConsoleSession, StoredPolicy
from api.console import policy_text
from api.console.web import Form, Person, redirect, render, requiring, services_of
from api.http.hardening import MAX_POLICY_BYTES
from application.access import MANAGEMENT
from domain.errors import InvalidInput, VersionMismatch

router = APIRouter(include_in_schema=False)

PolicyId = Annotated[str, Path(pattern=r"^[a-z0-9][a-z0-9_-]{0,63}$")]
Editor = Annotated[ConsoleSession, Depends(requiring(MANAGEMENT))]


@router.get("/politiques", response_class=HTMLResponse)
def policies(request: Request, person: Person) -> HTMLResponse:
    current = services_of(request).policies.current()
    return render(request, "policies.html.j2", {"policies": current, "may_edit": person.principal.may(MANAGEMENT)})


@router.get("/politiques/{policy_id}", response_class=HTMLResponse)
def policy(
    request: Request,
    person: Person,
    policy_id: PolicyId,
    version: Annotated[int | None, Query(ge=1)] = None,
    enregistree: Annotated[int | None, Query(ge=1)] = None,
) -> HTMLResponse:
    store = services_of(request).policies
    shown = store.require(policy_id, version)
    history = store.history(policy_id)
    return render(
        request,
        "policy.html.j2",
        {
            **_described(shown),
            "history": history,
            "latest": history[-1].policy.version,
            "saved": enregistree,
            "may_edit": person.principal.may(MANAGEMENT),
        },
    )


@router.get("/politiques/{policy_id}/comparer", response_class=HTMLResponse)
def compare(
    request: Request,
    _: Person,
    policy_id: PolicyId,
    de: Annotated[int | None, Query(ge=1)] = None,
    a: Annotated[int | None, Query(ge=1)] = None,
) -> HTMLResponse:
    store = services_of(request).policies
    history = store.history(policy_id)
    if not history:
        store.require(policy_id)  # 404
    latest = history[-1].policy.version
    new_version = a or latest
    old_version = de or max(1, new_version - 1)
    old, new = store.require(policy_id, old_version), store.require(policy_id, new_version)
    return render(
        request,
        "policy_compare.html.j2",
        {
            "policy": new.policy,
            "old": old,
            "new": new,
            "history": history,
            "rows": policy_text.diff(old.source, new.source),
        },
    )


@router.get("/politiques/{policy_id}/modifier", response_class=HTMLResponse)
def edit_form(request: Request, _: Editor, policy_id: PolicyId) -> HTMLResponse:
    stored = services_of(request).policies.require(policy_id)
    return _edit_page(request, stored, source=stored.source, seen=stored.policy.version)


@router.post("/politiques/{policy_id}/modifier", response_model=None)
def save(request: Request, person: Editor, form: Form, policy_id: PolicyId) -> Response:
    services = services_of(request)
    store = services.policies
    latest = store.require(policy_id)
    source, seen = form.get("source"), _version(form.get("version"))
    if not isinstance(source, str):
        source = ""
    source = source.replace("\r\n", "\n")  # a browser's textarea sends CRLF; the stored text keeps the file's LF
    if seen is None:
        return _edit_page(request, latest, source=source, seen=latest.policy.version,
                          error="La version modifiée manque : rechargez la page.", status=422)  # fmt: skip
    if len(source.encode("utf-8")) > MAX_POLICY_BYTES:
        error = f"Politique refusée : le texte dépasse {MAX_POLICY_BYTES // 1024} Ko."
        return _edit_page(request, latest, source=source, seen=seen, error=error, status=413)
    now = services.ledger.now().instant
    try:
        stored = store.put(policy_id, source, actor=person.principal.name, now=now, expected_version=seen)
    except VersionMismatch as error:
        current = store.require(policy_id)  # the form now builds on it: saving again is a choice made knowingly
        return _edit_page(request, current, source=source, seen=current.policy.version,
                          error=policy_text.refusal(error), status=409, conflict=(seen, current))  # fmt: skip
    except InvalidInput as error:
        return _edit_page(request, latest, source=source, seen=seen, error=policy_text.refusal(error), status=422)
    return redirect(f"/politiques/{policy_id}?enregistree={stored.policy.version}")


def _version(value: Any) -> int | None:
    if isinstance(value, str) and value.isdigit() and len(value) <= 9:
        return int(value)
    return None


def _edit_page(
    request: Request,
    stored: StoredPolicy,
    *,
    source: str,
    seen: int,
    error: str | None = None,
    status: int = 200,
    conflict: tuple[int, StoredPolicy] | None = None,
) -> HTMLResponse:
    context = {"policy": stored.policy, "source": source, "seen": seen, "error": error, "conflict": conflict,
               "limit_kb": MAX_POLICY_BYTES // 1024}  # fmt: skip
    return render(request, "policy_edit.html.j2", context, status_code=status)


def _described(stored: StoredPolicy) -> dict[str, Any]:
    return {
        "stored": stored,
        "policy": stored.policy,
        "steps": policy_text.steps(stored.policy),
        "settings": policy_text.settings(stored.policy),
    }
