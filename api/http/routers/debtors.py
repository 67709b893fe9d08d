"""/v1/debtors: who owes, their contacts, credit limit, priority, and what halts chasing them."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, Query, Response
from pydantic import BaseModel, Field

from api.http.command_routes import CommandRoute, declare
from api.http.dependencies import IdempotencyDep, LedgerDep, ServicesDep, allow
from api.http.routers.receivables import COMMAND_RESPONSES, ETAG_HEADER
from api.http.schemas import Amount, Body, CommandResult, JournalRecord, Page, Sha256, ShortText, command_answer
from application import commands
from application.access import DEBTOR_RECORDS, READERS, Principal
from application.ledger import Ledger, Outcome
from application.views import debtor_view
from domain.credit_hold import credit_hold
from domain.debtor import Address, Debtor
from domain.values import Money
from domain.vocabulary import ContactRole, DebtorKind, InsolvencyProcedure, Priority

router = APIRouter(prefix="/v1/debtors", tags=["debtors"])

Reader = Annotated[Principal, Depends(allow(READERS))]
Recorder = Annotated[Principal, Depends(allow(DEBTOR_RECORDS))]


class AddressBody(Body):
    lines: Annotated[list[Annotated[str, Field(max_length=200)]], Field(min_length=1, max_length=4)]
    postal_code: Annotated[str, Field(max_length=20)]
    city: Annotated[str, Field(max_length=100)]
    country: Annotated[str, Field(min_length=2, max_length=2, examples=["FR"])] = "FR"


class DebtorBody(Body):
    legal_name: Annotated[str, Field(min_length=1, max_length=200, examples=["Menuiserie Martin SARL"])]
    kind: DebtorKind
    address: AddressBody
    siren: str | None = Field(default=None, max_length=11, examples=["732829320"])
    siret: str | None = Field(default=None, max_length=17)
    sole_trader: bool = Field(
        default=False,
        description="A professional debtor who is a natural person (entrepreneur individuel): its name and address "
        "are personal data, erasable like a consumer's (kind must be professional)",
    )
    debtor_id: UUID | None = Field(default=None, description="Optional: your own id for the debtor (default: new)")


class ContactBody(Body):
    role: ContactRole
    name: Annotated[str, Field(min_length=1, max_length=200)]
    email: str | None = Field(default=None, max_length=254)
    phone: str | None = Field(default=None, max_length=30)


WHY = "Why: e.g. a rectification the person asked for (GDPR art. 16); shown in the debtor's timeline"


class ContactChangeBody(ContactBody):
    reason: str | None = Field(default=None, max_length=1000, description=WHY)


class AddressChangeBody(AddressBody):
    reason: str | None = Field(default=None, max_length=1000, description=WHY)


class CreditLimitBody(Body):
    limit: Amount
    currency: Annotated[str, Field(pattern=r"^[A-Z]{3}$")] = "EUR"


class PriorityBody(Body):
    priority: Priority


class PolicyBody(Body):
    policy_id: Annotated[str, Field(min_length=1, max_length=100)]


class ConsentBody(Body):
    consented_on: date
    proof_sha256: Sha256 | None = None


class InsolvencyBody(Body):
    procedure: InsolvencyProcedure
    court: Annotated[str, Field(min_length=1, max_length=200, examples=["Tribunal de commerce de Lyon"])]
    judgment_date: date
    publication_date: date = Field(description="BODACC publication: the 2-month claim declaration runs from it")


class ClaimDeclarationBody(Body):
    declared_on: date
    amount: Amount
    administrator: Annotated[str, Field(min_length=1, max_length=200, description="Mandataire judiciaire")]
    document_sha256: Sha256 | None = None


class NameRectificationBody(Body):
    legal_name: Annotated[str, Field(min_length=1, max_length=200, examples=["Jeanne Martin-Durand"])]
    reason: Annotated[
        str,
        Field(min_length=1, max_length=1000, description="Why, and at whose request (GDPR art. 16)",
              examples=["À la demande de l'intéressée, courrier du 3 mars : nom d'usage"]),
    ]  # fmt: skip


class ErasureBody(Body):
    reason: ShortText
    force: bool = Field(
        default=False,
        description="Erase although claims against the person are still pursued (open invoice, payment plan, "
        "litigation; GDPR art. 17(3)(e)): a manager's decision, recorded with its reason and the invoices pursued. "
        "Without it such an erasure is refused (409, rule erasure_claim_pursued) and nothing is recorded",
    )


class ContactErasureBody(Body):
    reason: ShortText


def result(ledger: Ledger, outcome: Outcome) -> Response:
    debtor = outcome.aggregate if isinstance(outcome.aggregate, Debtor) else ledger.debtor(outcome.aggregate_id)
    return command_answer(outcome, debtor.version, debtor_view(debtor), location=f"/v1/debtors/{debtor.id}", status=201)


@router.post("", status_code=201, summary="DebtorRegistered", responses=COMMAND_RESPONSES, response_model=CommandResult)
def register_debtor(body: DebtorBody, ledger: LedgerDep, p: Recorder, idempotency: IdempotencyDep) -> Response:
    command = commands.RegisterDebtor(
        debtor_id=body.debtor_id or uuid.uuid4(),
        legal_name=body.legal_name,
        kind=body.kind,
        address=Address(**body.address.model_dump()),
        siren=body.siren,
        siret=body.siret,
        sole_trader=body.sole_trader,
    )
    return result(ledger, ledger.execute(command, principal=p, idempotency=idempotency))


@router.get("", summary="List debtors", response_model=Page)
def list_debtors(
    ledger: LedgerDep,
    _: Reader,
    kind: DebtorKind | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> Page:
    rows = [debtor_view(ledger.debtor(i)) for i in ledger.debtor_ids()]
    rows = [r for r in rows if kind is None or r["kind"] == kind.value]
    rows.sort(key=lambda row: (row["legal_name"], row["id"]))
    return Page(items=rows[offset : offset + limit], total=len(rows), limit=limit, offset=offset)


@router.get(
    "/{debtor_id}", summary="A debtor", responses={200: {"headers": ETAG_HEADER}, 404: {"description": "Unknown"}}
)
def get_debtor(debtor_id: UUID, ledger: LedgerDep, _: Reader, response: Response) -> dict[str, Any]:
    debtor = ledger.debtor(debtor_id)
    response.headers["ETag"] = f'"{debtor.version}"'
    return debtor_view(debtor)


class CreditHoldOut(BaseModel):
    debtor_id: UUID
    as_of: date
    held: bool = Field(description="Yes: the ERP should not ship on credit to this debtor")
    reason: str = Field(description="over_limit, insolvency, within_limit or no_limit", examples=["over_limit"])
    detail: str
    overdue: Decimal = Field(description="Principal incl. VAT past due and unpaid")
    overdue_receivables: int
    credit_limit: Decimal | None
    currency: str


@router.get(
    "/{debtor_id}/credit-hold",
    summary="Is this debtor on credit hold? Yes or no, with the reason (asked by the ERP before shipping)",
    response_model=CreditHoldOut,
    responses={404: {"description": "Unknown debtor"}},
)
def get_credit_hold(debtor_id: UUID, services: ServicesDep, _: Reader) -> CreditHoldOut:
    ledger = services.ledger
    debtor = ledger.debtor(debtor_id)
    today = ledger.now().today
    receivables = [
        ledger.receivable(e.receivable_id) for e in services.receivable_index().matching(debtor_id=debtor_id)
    ]
    hold = credit_hold(debtor, receivables, today)
    return CreditHoldOut(
        debtor_id=debtor_id, as_of=today, held=hold.held, reason=hold.reason, detail=hold.detail,
        overdue=hold.overdue, overdue_receivables=hold.overdue_receivables, credit_limit=hold.credit_limit,
        currency=hold.currency,
    )  # fmt: skip


@router.get("/{debtor_id}/journal", summary="Every event of the debtor as a canonical record with its hash")
def get_debtor_journal(debtor_id: UUID, ledger: LedgerDep, _: Reader) -> list[JournalRecord]:
    ledger.debtor(debtor_id)
    return [JournalRecord(**entry.record) for entry in ledger.journal(debtor_id)]


def _new_contact(debtor_id: UUID, body: ContactBody, _: dict[str, Any]) -> commands.AddContact:
    return commands.AddContact(debtor_id, contact_id=uuid.uuid4(), **body.model_dump())


def _address(debtor_id: UUID, body: AddressChangeBody, _: dict[str, Any]) -> commands.ChangeAddress:
    return commands.ChangeAddress(debtor_id, Address(**body.model_dump(exclude={"reason"})), reason=body.reason)


def _credit_limit(debtor_id: UUID, body: CreditLimitBody, _: dict[str, Any]) -> commands.SetCreditLimit:
    return commands.SetCreditLimit(debtor_id, limit=Money(body.limit, body.currency))


def _claim_declaration(debtor_id: UUID, body: ClaimDeclarationBody, _: dict[str, Any]) -> commands.DeclareClaim:
    return commands.DeclareClaim(
        debtor_id,
        declared_on=body.declared_on,
        amount=Money(body.amount, "EUR"),
        administrator=body.administrator,
        document_sha256=body.document_sha256,
    )


D = "/{debtor_id}"
C = commands

# fmt: off
COMMAND_ROUTES = [
    CommandRoute("add_contact", f"{D}/contacts", C.AddContact, ContactBody, "ContactAdded", build=_new_contact),
    CommandRoute("change_contact", f"{D}/contacts/{{contact_id}}", C.ChangeContact, ContactChangeBody, "ContactChanged",
                 path_parameters={"contact_id": UUID}),
    CommandRoute("change_address", f"{D}/address", C.ChangeAddress, AddressChangeBody,
                 "AddressChanged: a correction or a move (it clears the flag a returned letter set)", build=_address),
    CommandRoute("rectify_debtor_name", f"{D}/name-rectification", C.RectifyDebtorName, NameRectificationBody,
                 "DebtorNameRectified: the name corrected (GDPR art. 16), a new event; the journal keeps the old one"),
    CommandRoute("set_credit_limit", f"{D}/credit-limit", C.SetCreditLimit, CreditLimitBody, "CreditLimitSet",
                 build=_credit_limit),
    CommandRoute("change_priority", f"{D}/priority", C.ChangePriority, PriorityBody, "PriorityChanged"),
    CommandRoute("assign_policy", f"{D}/policy", C.AssignPolicy, PolicyBody, "PolicyAssigned"),
    CommandRoute("consent_to_electronic_delivery", f"{D}/electronic-delivery-consent",
                 C.RecordElectronicDeliveryConsent, ConsentBody, "ElectronicDeliveryConsented"),
    CommandRoute("open_insolvency", f"{D}/insolvency", C.OpenInsolvency, InsolvencyBody, "InsolvencyOpened"),
    CommandRoute("declare_claim", f"{D}/claim-declarations", C.DeclareClaim, ClaimDeclarationBody, "ClaimDeclared",
                 build=_claim_declaration),
    CommandRoute("erase_contact", f"{D}/contacts/{{contact_id}}/erasure", C.EraseContact, ContactErasureBody,
                 "ContactErased: one contact person's data (any debtor's contact is a natural person), the debtor "
                 "kept; the contact's key is destroyed", path_parameters={"contact_id": UUID}),
    CommandRoute("erase_debtor", f"{D}/erasure", C.EraseDebtor, ErasureBody,
                 "DebtorErased: a natural person's data (a consumer or a sole trader); refused while a claim against "
                 "them is pursued, unless forced with a reason"),
]
# fmt: on
declare(
    router,
    COMMAND_ROUTES,
    aggregate_id="debtor_id",
    answer=lambda services, outcome: result(services.ledger, outcome),
    responses=COMMAND_RESPONSES,
)
