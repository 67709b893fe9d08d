"""Preuves: a file's signed evidence bundle in one click, the firm's key and its published digests;
and the public verify page, where anyone uploads a bundle and sees each check.

Exporting a bundle publishes a fresh signed digest first (a row of the digest log), so the download is a
POST with the session's CSRF token, allowed to the roles of ``GET /v1/receivables/{id}/evidence``, and made
by the same exporter. The verify page needs no session: its form carries a double-submit token (a cookie
scoped to ``/verifier``, SameSite=Strict), as the sign-in form does.
"""

from __future__ import annotations

import hmac
import secrets
import unicodedata
import uuid
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData, UploadFile
from starlette.exceptions import HTTPException as StarletteHTTPException

from api.bootstrap import (
    MAX_DOCUMENT_BYTES,
    ConsoleSession,
    Services,
    Signer,
    SigningKeyError,
    TimestampError,
    build_exporter,
    fingerprint,
    load_signer,
)
from api.console.verify_report import Verification, verify_upload
from api.console.web import SESSION_COOKIE, ConsoleRefusal, Form, Person, render, requiring, services_of
from api.http.routers.evidence import EVIDENCE_ROLES, Evidence, get_evidence, zip_response
from application.evidence import Bundle
from domain.debtor import Debtor
from domain.errors import RuleViolation
from domain.receivable import Receivable

router = APIRouter(include_in_schema=False)

SHOWN = 20  # files listed for one search
DIGESTS_SHOWN = 10
VERIFY_PATH = "/verifier"
VERIFY_COOKIE = "relance_verify"  # the verify form's token (double submit: the page needs no session)
Exporter = Annotated[ConsoleSession, Depends(requiring(EVIDENCE_ROLES))]
TIMESTAMP_DOWN = (
    "L'autorité d'horodatage n'a pas répondu correctement : aucun condensat n'a été publié et aucun paquet produit. "
    "Réessayez plus tard."
)
CHOOSE = "Choisissez une facture ou un débiteur dans la liste."
EXPORT_REFUSALS = {
    "ledger_verifies": (409, "Registre non vérifié", "Le registre ne se vérifie pas : aucun condensat n'a été publié "
                        "et aucun paquet produit. Un administrateur doit lancer « relance ledger verify »."),
    "document_stored": (409, "Pièce manquante", "Une pièce citée par ce dossier n'est pas enregistrée : le paquet "
                        "serait incomplet. Déposez la pièce sur le dossier, puis téléchargez à nouveau le paquet."),
    "document_intact": (409, "Pièce altérée", "Une pièce enregistrée n'a plus l'empreinte qui la nomme : aucun "
                        "paquet n'a été produit. Signalez-le à un administrateur."),
}  # fmt: skip


# ------------------------------------------------------------------ Preuves


@router.get("/preuves", response_class=HTMLResponse)
def evidence_page(request: Request, person: Person, q: str = "") -> HTMLResponse:
    services = services_of(request)
    evidence = get_evidence(request, services)
    receivables, debtors = _search(services, q[:200])
    names = {str(d.id): d.legal_name or "[effacé]" for d in debtors}
    for receivable in receivables:
        key = str(receivable.debtor_id)
        if key not in names:
            names[key] = services.ledger.debtor(receivable.debtor_id).legal_name or "[effacé]"
    signer, key_problem = _signer_or_problem(evidence)
    return render(
        request,
        "evidence.html.j2",
        {
            "q": q,
            "receivables": receivables,
            "debtors": debtors,
            "debtor_names": names,
            "may_export": person.principal.may(EVIDENCE_ROLES),
            "public_key": signer.public_key_pem if signer else None,
            "key_fingerprint": fingerprint(signer.public_key_pem) if signer else None,
            "key_problem": key_problem,
            "digests": evidence.digests.page(limit=DIGESTS_SHOWN),
            "shown": SHOWN,
        },
    )


@router.get("/preuves/cle-publique.pem", response_class=Response)
def public_key(request: Request, _: Person) -> Response:
    signer, problem = _signer_or_problem(get_evidence(request, services_of(request)))
    if signer is None:
        raise ConsoleRefusal(503, "Clé de signature indisponible", problem or "")
    headers = {"Content-Disposition": 'attachment; filename="cle-publique-relance.pem"'}
    return Response(signer.public_key_pem, media_type="application/x-pem-file", headers=headers)


@router.post("/preuves/paquet", response_class=Response)
def download_bundle(request: Request, person: Exporter, form: Form) -> Response:
    """The bundle of a receivable (``creance``) or of a debtor with all its receivables (``debiteur``)."""
    services = services_of(request)
    evidence = get_evidence(request, services)
    signer, problem = _signer_or_problem(evidence)
    if signer is None:
        raise ConsoleRefusal(503, "Clé de signature indisponible", problem or "")
    kind, target = _target(form.get("creance"), form.get("debiteur"))
    exporter = build_exporter(services.settings, services.ledger, services.database, signer)
    actor = person.principal.name
    try:
        if kind == "debtor":
            services.ledger.debtor(target)  # unknown: 404 before anything is signed
            bundle: Bundle = exporter.debtor_bundle(target, actor=actor, bundle_id=uuid.uuid4())
            return zip_response(bundle, f"debtor-{target}")
        receivable = services.ledger.receivable(target)
        bundle = exporter.receivable_bundle(receivable.id, actor=actor, bundle_id=uuid.uuid4())
        return zip_response(bundle, receivable.invoice_number)
    except TimestampError as error:
        raise ConsoleRefusal(503, "Horodatage indisponible", TIMESTAMP_DOWN) from error
    except RuleViolation as error:
        if error.rule not in EXPORT_REFUSALS:
            raise
        raise ConsoleRefusal(*EXPORT_REFUSALS[error.rule]) from error


def _target(receivable: Any, debtor: Any) -> tuple[str, UUID]:
    chosen = [(kind, value) for kind, value in (("receivable", receivable), ("debtor", debtor)) if value]
    if len(chosen) != 1 or not isinstance(chosen[0][1], str):
        raise ConsoleRefusal(422, "Dossier à choisir", CHOOSE)
    try:
        return chosen[0][0], UUID(chosen[0][1])
    except ValueError as error:
        raise ConsoleRefusal(422, "Dossier à choisir", CHOOSE) from error


def _signer_or_problem(evidence: Evidence) -> tuple[Signer | None, str | None]:
    try:
        return evidence.signer(), None
    except StarletteHTTPException:  # the API's 503 for a missing or unreadable key
        return None, (
            "La clé de signature de l'entreprise n'est pas configurée ou est illisible "
            "(RELANCE_SIGNING_KEY_FILE) : aucun paquet ne peut être signé."
        )


def _search(services: Services, typed: str) -> tuple[list[Receivable], list[Debtor]]:
    """Receivables by invoice number (or id), debtors by name, SIREN, SIRET (or id); a debtor's id lists its files."""
    typed = typed.strip()
    if not typed:
        return [], []
    ledger, index = services.ledger, services.receivable_index()
    try:
        wanted: UUID | None = UUID(typed)
    except ValueError:
        wanted = None
    folded, digits = _folded(typed), typed.replace(" ", "")
    debtors = []
    if wanted is not None or len(folded) >= 2:  # on the process's index: no debtor is replayed to search
        found = [
            d for d in index.debtors()
            if (d.debtor_id == wanted if wanted is not None
                else digits in (d.siren, d.siret) or (bool(d.legal_name) and folded in _folded(d.legal_name)))
        ]  # fmt: skip
        found.sort(key=lambda d: (d.legal_name or "", str(d.debtor_id)))
        debtors = [ledger.debtor(d.debtor_id) for d in found[:SHOWN]]
    if wanted is not None and debtors:
        entries = index.matching(debtor_id=wanted)
    else:
        entries = [e for e in index.matching() if e.receivable_id == wanted or folded in _folded(e.invoice_number)]
    return [ledger.receivable(e.receivable_id) for e in entries[:SHOWN]], debtors[:SHOWN]


def _folded(text: str) -> str:
    """Case and accents ignored: « Société » finds « SOCIETE »."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c)).strip()


# ------------------------------------------------------------- the verify page


@router.get(VERIFY_PATH, response_class=HTMLResponse)
async def verify_form(request: Request) -> HTMLResponse:
    await _signed_in_if_any(request)
    return _verify_page(request)


@router.post(VERIFY_PATH, response_class=HTMLResponse)
async def verify(request: Request) -> HTMLResponse:
    await _signed_in_if_any(request)
    try:
        async with request.form(max_files=1, max_fields=4) as form:
            name, content = await _received(request, form)
    except StarletteHTTPException:  # a multipart body that does not parse
        return _verify_page(request, error="Le fichier n'a pas pu être reçu : choisissez-le à nouveau.", status=400)
    except _Refused as refused:
        return _verify_page(request, error=refused.message, status=refused.status)
    firm_key = await run_in_threadpool(_firm_public_key, services_of(request))
    result = await run_in_threadpool(verify_upload, content, firm_public_key=firm_key)
    return _verify_page(request, result=result, file_name=name, status=200 if result.readable else 422)


class _Refused(Exception):
    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.message, self.status = message, status


async def _received(request: Request, form: FormData) -> tuple[str, bytes]:
    """The uploaded file's name and bytes, once the form's token is its cookie's."""
    given, cookie = form.get("token"), request.cookies.get(VERIFY_COOKIE, "")
    if not isinstance(given, str) or not cookie or not hmac.compare_digest(given, cookie):
        raise _Refused("Le formulaire a expiré : choisissez à nouveau le fichier, puis « Vérifier ».", 403)
    upload = form.get("paquet")
    if not isinstance(upload, UploadFile) or not upload.filename:
        raise _Refused("Choisissez le fichier du paquet de preuves (.zip).", 422)
    content = await upload.read(MAX_DOCUMENT_BYTES + 1)
    if len(content) > MAX_DOCUMENT_BYTES:
        raise _Refused(f"Ce fichier dépasse {MAX_DOCUMENT_BYTES // (1024 * 1024)} Mo, la taille admise ici.", 413)
    if not content:
        raise _Refused("Ce fichier est vide : ce n'est pas un paquet de preuves.", 422)
    return upload.filename, content


def _verify_page(
    request: Request,
    *,
    error: str | None = None,
    result: Verification | None = None,
    file_name: str = "",
    status: int = 200,
) -> HTMLResponse:
    token = secrets.token_urlsafe(24)
    firm = _firm_public_key(services_of(request))
    response = render(
        request,
        "verify.html.j2",
        {
            "token": token,
            "error": error,
            "result": result,
            "file_name": file_name,
            "firm_fingerprint": fingerprint(firm) if firm else None,
            "limit_mb": MAX_DOCUMENT_BYTES // (1024 * 1024),
        },
        status_code=status,
    )
    secure = services_of(request).settings.console_secure_cookies
    response.set_cookie(VERIFY_COOKIE, token, httponly=True, secure=secure, samesite="strict", path=VERIFY_PATH)
    return response


def _firm_public_key(services: Services) -> str | None:
    """This firm's public key, when one is configured (the public page never creates one)."""
    try:
        return load_signer(services.settings, create=False).public_key_pem
    except SigningKeyError:
        return None


async def _signed_in_if_any(request: Request) -> None:
    """The page is public; a signed-in person still sees the console's menu."""
    secret = request.cookies.get(SESSION_COOKIE)
    if secret:
        person = await run_in_threadpool(services_of(request).console_sessions().find, secret)
        if person is not None:
            request.state.person = person
