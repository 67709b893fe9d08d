"""The Debtor aggregate: who owes, how to reach them, and what stops all chasing.

Personal data (names, addresses, e-mails, phones) lives here and nowhere else, so
that a natural person's data (a consumer's, a sole trader's) can be erased without touching any
receivable's journal.
"""

from __future__ import annotations

import calendar
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from uuid import UUID

from domain.chain import ChainedAggregate, LedgerEvent, added_field, personal
from domain.errors import InvalidInput, RuleViolation
from domain.personal import ERASED
from domain.values import Money, Now, amount, currency, optional_sha256, optional_text, sha256, siren, siret, text
from domain.vocabulary import ContactRole, DebtorKind, InsolvencyProcedure, Priority, ReceivableStatus

CLAIM_DECLARATION_MONTHS = 2  # from the BODACC publication (legal.md §7)


@dataclass(frozen=True)
class Address:
    lines: list[str]
    postal_code: str
    city: str
    country: str


@dataclass(frozen=True)
class DebtorEvent(LedgerEvent):
    AGGREGATE_TYPE = "Debtor"


@dataclass(frozen=True)
class DebtorRegistered(DebtorEvent):
    legal_name: str = field(metadata=personal())
    kind: DebtorKind
    siren: str | None
    siret: str | None
    address: Address = field(metadata=personal())
    # A professional debtor who is a natural person (entrepreneur individuel): True, else absent.
    sole_trader: bool | None = added_field()


@dataclass(frozen=True)
class ContactAdded(DebtorEvent):
    contact_id: UUID
    role: ContactRole
    name: str = field(metadata=personal(subject="contact_id"))
    email: str | None = field(metadata=personal(subject="contact_id"))
    phone: str | None = field(metadata=personal(subject="contact_id"))


@dataclass(frozen=True)
class ContactChanged(DebtorEvent):
    contact_id: UUID
    role: ContactRole
    name: str = field(metadata=personal(subject="contact_id"))
    email: str | None = field(metadata=personal(subject="contact_id"))
    phone: str | None = field(metadata=personal(subject="contact_id"))
    reason: str | None = added_field(personal=True)  # why, e.g. a rectification the person asked for (GDPR art. 16)


@dataclass(frozen=True)
class CreditLimitSet(DebtorEvent):
    limit: Decimal
    currency: str


@dataclass(frozen=True)
class PriorityChanged(DebtorEvent):
    priority: Priority


@dataclass(frozen=True)
class PolicyAssigned(DebtorEvent):
    policy_id: str


@dataclass(frozen=True)
class ElectronicDeliveryConsented(DebtorEvent):
    consented_on: date
    proof_sha256: str | None


@dataclass(frozen=True)
class InsolvencyOpened(DebtorEvent):
    procedure: InsolvencyProcedure
    court: str
    judgment_date: date
    publication_date: date


@dataclass(frozen=True)
class ClaimDeclared(DebtorEvent):
    declared_on: date
    amount: Decimal
    administrator: str
    document_sha256: str | None


@dataclass(frozen=True)
class DebtorErased(DebtorEvent):
    # Not sealed: the erasure's own record must stay readable once the person's keys are destroyed (it is
    # asked without naming the person, docs/privacy.md).
    reason: str
    # Erased although claims against the person were still pursued (GDPR art. 17(3)(e)), by a manager's
    # decision: True and the invoice numbers pursued then; absent for an erasure nothing stood against.
    forced: bool | None = added_field()
    pursued: list[str] | None = added_field()  # noqa: RUF009  (its default is None: nothing shared)

    ERASES_PERSONAL_DATA = True  # the subject's keys are destroyed once it is recorded (application/sealing.py)


@dataclass(frozen=True)
class ContactErased(DebtorEvent):
    """A contact person's data erased on their own request (GDPR art. 17), the debtor kept: a company's
    accounts clerk who left, say. The contact's key is destroyed once this is recorded."""

    contact_id: UUID
    reason: str

    ERASES_SUBJECT = "contact_id"  # the field naming the person whose key is destroyed (application/sealing.py)


@dataclass(frozen=True)
class PursuedClaim:
    """A receivable of the debtor still pursued when an erasure is asked: neither settled nor written off
    (open, promised, disputed, in a payment plan, escalated to litigation). The application finds them."""

    invoice_number: str
    status: ReceivableStatus


@dataclass(frozen=True)
class MailReturned(DebtorEvent):
    """A letter came back undeliverable (« pli non distribuable »): the postal address is flagged."""

    returned_on: date
    document_sha256: str
    proof_sha256: str | None


@dataclass(frozen=True)
class AddressChanged(DebtorEvent):
    """A new postal address (a correction or a move): it clears a returned-mail flag."""

    address: Address = field(metadata=personal())
    reason: str | None = added_field(personal=True)  # why, e.g. a rectification the person asked for (GDPR art. 16)


@dataclass(frozen=True)
class DebtorNameRectified(DebtorEvent):
    """The debtor's name corrected (GDPR art. 16: a misspelt name, a sole trader's name): a new event, the
    name recorded before stays in the journal as it was. ``reason``: why, and at whose request."""

    legal_name: str = field(metadata=personal())
    reason: str = field(metadata=personal())


@dataclass(frozen=True)
class EmailBounced(DebtorEvent):
    """A message to this contact's e-mail address bounced for good (a hard bounce): no e-mail goes to that
    address again until the contact's e-mail is changed."""

    contact_id: UUID
    email: str = field(metadata=personal(subject="contact_id"))
    bounced_on: date
    detail: str | None = field(metadata=personal())  # the diagnostic, which often names the address


DEBTOR_EVENTS: tuple[type[DebtorEvent], ...] = (
    DebtorRegistered,
    ContactAdded,
    ContactChanged,
    CreditLimitSet,
    PriorityChanged,
    PolicyAssigned,
    ElectronicDeliveryConsented,
    InsolvencyOpened,
    ClaimDeclared,
    DebtorErased,
    ContactErased,
    MailReturned,
    AddressChanged,
    EmailBounced,
    DebtorNameRectified,
)


@dataclass
class Contact:
    contact_id: UUID
    role: ContactRole
    name: str
    email: str | None
    phone: str | None
    email_bounced_on: date | None = None  # a hard bounce on ``email``: no e-mail goes there until it changes


def _email(value: str | None) -> str | None:
    cleaned = optional_text(value, "email", max_length=254)
    if cleaned is not None and ("@" not in cleaned or " " in cleaned):
        raise InvalidInput("email: not an e-mail address", rule="email_format")
    return cleaned


class Debtor(ChainedAggregate[DebtorEvent]):
    def __init__(self) -> None:
        super().__init__()
        self.legal_name = ""
        self.kind = DebtorKind.PROFESSIONAL
        self.sole_trader = False  # a professional who is a natural person (entrepreneur individuel)
        self.siren: str | None = None
        self.siret: str | None = None
        self.address: Address | None = None
        self.contacts: dict[UUID, Contact] = {}
        self.credit_limit: Money | None = None
        self.priority = Priority.NORMAL
        self.policy_id: str | None = None
        self.electronic_delivery_consented_on: date | None = None
        self.insolvency: InsolvencyOpened | None = None
        self.claims_declared: list[ClaimDeclared] = []
        self.erased = False
        self.erased_contacts: set[UUID] = set()  # never added again: their key is gone
        self.address_returned_on: date | None = None  # mail came back to this address: no letter goes there

    @property
    def claim_declaration_deadline(self) -> date | None:
        if self.insolvency is None:
            return None
        return add_months(self.insolvency.publication_date, CLAIM_DECLARATION_MONTHS)

    def preferred_contact(self, *, with_email: bool = False) -> Contact | None:
        """Whom letters, e-mails and calls go to: the accounts-payable contact first, then one with an
        e-mail, in a stable order; ``with_email`` keeps only contacts that have one that did not bounce."""
        contacts = [c for c in self.contacts.values() if (c.email and c.email_bounced_on is None) or not with_email]
        contacts.sort(key=lambda c: (c.role is not ContactRole.ACCOUNTS_PAYABLE, c.email is None, str(c.contact_id)))
        return contacts[0] if contacts else None

    @property
    def email_bounced_on(self) -> date | None:
        """The latest hard bounce of a contact's e-mail while no other contact can be e-mailed; else None."""
        if self.preferred_contact(with_email=True) is not None:
            return None
        bounced = [c.email_bounced_on for c in self.contacts.values() if c.email_bounced_on is not None]
        return max(bounced) if bounced else None

    @property
    def natural_person(self) -> bool:
        """A consumer or a sole trader: a data subject whose personal data may be erased (GDPR)."""
        return self.kind is DebtorKind.CONSUMER or self.sole_trader

    @property
    def in_insolvency(self) -> bool:
        return self.insolvency is not None

    # ---------------------------------------------------------------- commands

    @classmethod
    def register(
        cls,
        *,
        debtor_id: UUID,
        legal_name: str,
        kind: DebtorKind,
        address: Address,
        now: Now,
        actor: str,
        siren_number: str | None = None,
        siret_number: str | None = None,
        sole_trader: bool = False,
    ) -> Debtor:
        if sole_trader and kind is not DebtorKind.PROFESSIONAL:
            raise InvalidInput(
                "sole_trader: a sole trader is a professional debtor (kind professional)",
                rule="sole_trader_professional",
            )
        checked_siren = siren(siren_number) if siren_number else None
        checked_siret = siret(siret_number) if siret_number else None
        if kind is DebtorKind.PROFESSIONAL and checked_siren is None and checked_siret is None:
            raise InvalidInput(
                "siren: a professional debtor is identified by its SIREN or SIRET", rule="professional_siren"
            )
        if checked_siret and checked_siren and not checked_siret.startswith(checked_siren):
            raise InvalidInput("siret: does not belong to the given SIREN", rule="siret_matches_siren")
        if checked_siret and not checked_siren:
            checked_siren = checked_siret[:9]
        debtor = cls()
        debtor.id = debtor_id
        debtor._trigger(
            DebtorRegistered,
            now,
            actor,
            legal_name=text(legal_name, "legal_name", max_length=200),
            kind=kind,
            siren=checked_siren,
            siret=checked_siret,
            address=_checked_address(address),
            sole_trader=True if sole_trader else None,
        )
        return debtor

    def add_contact(
        self,
        *,
        contact_id: UUID,
        role: ContactRole,
        name: str,
        now: Now,
        actor: str,
        email: str | None = None,
        phone: str | None = None,
    ) -> ContactAdded:
        self._require_not_erased()
        if contact_id in self.contacts or contact_id in self.erased_contacts:
            raise RuleViolation(f"contact {contact_id} already exists", rule="contact_unique")
        return self._trigger(ContactAdded, now, actor, **_contact_fields(contact_id, role, name, email, phone))

    def change_contact(
        self,
        *,
        contact_id: UUID,
        role: ContactRole,
        name: str,
        now: Now,
        actor: str,
        email: str | None = None,
        phone: str | None = None,
        reason: str | None = None,
    ) -> ContactChanged:
        self._require_not_erased()
        if contact_id not in self.contacts:
            raise RuleViolation(f"no contact {contact_id} on this debtor", rule="contact_exists")
        fields = _contact_fields(contact_id, role, name, email, phone)
        return self._trigger(ContactChanged, now, actor, **fields, reason=_reason(reason))

    def set_credit_limit(self, *, limit: Money, now: Now, actor: str) -> CreditLimitSet:
        return self._trigger(
            CreditLimitSet,
            now,
            actor,
            limit=amount(limit.amount, "limit", allow_zero=True),
            currency=currency(limit.currency),
        )

    def change_priority(self, *, priority: Priority, now: Now, actor: str) -> PriorityChanged:
        if priority is self.priority:
            raise RuleViolation(f"priority is already {priority.value}", rule="priority_changes")
        return self._trigger(PriorityChanged, now, actor, priority=priority)

    def assign_policy(self, *, policy_id: str, now: Now, actor: str) -> PolicyAssigned:
        return self._trigger(PolicyAssigned, now, actor, policy_id=text(policy_id, "policy_id", max_length=100))

    def consent_to_electronic_delivery(
        self, *, consented_on: date, now: Now, actor: str, proof_sha256: str | None = None
    ) -> ElectronicDeliveryConsented:
        self._require_not_erased()
        if consented_on > now.today:
            raise RuleViolation("consented_on: in the future", rule="date_not_in_future")
        return self._trigger(
            ElectronicDeliveryConsented,
            now,
            actor,
            consented_on=consented_on,
            proof_sha256=optional_sha256(proof_sha256, "proof_sha256"),
        )

    def open_insolvency(
        self,
        *,
        procedure: InsolvencyProcedure,
        court: str,
        judgment_date: date,
        publication_date: date,
        now: Now,
        actor: str,
    ) -> InsolvencyOpened:
        if self.insolvency is not None:
            raise RuleViolation("insolvency proceedings are already recorded", rule="one_insolvency")
        if judgment_date > now.today or publication_date > now.today:
            raise RuleViolation("insolvency dates: in the future", rule="date_not_in_future")
        if publication_date < judgment_date:
            raise RuleViolation("publication_date: before the judgment", rule="date_order")
        return self._trigger(
            InsolvencyOpened,
            now,
            actor,
            procedure=procedure,
            court=text(court, "court", max_length=200),
            judgment_date=judgment_date,
            publication_date=publication_date,
        )

    def declare_claim(
        self,
        *,
        declared_on: date,
        declared: Money,
        administrator: str,
        now: Now,
        actor: str,
        document_sha256: str | None = None,
    ) -> ClaimDeclared:
        if self.insolvency is None:
            raise RuleViolation("a claim is declared in insolvency proceedings", rule="insolvency_open")
        if declared_on > now.today or declared_on < self.insolvency.judgment_date:
            raise RuleViolation("declared_on: between the judgment and today", rule="date_order")
        return self._trigger(
            ClaimDeclared,
            now,
            actor,
            declared_on=declared_on,
            amount=amount(declared.amount, "amount"),
            administrator=text(administrator, "administrator", max_length=200),
            document_sha256=optional_sha256(document_sha256, "document_sha256"),
        )

    def erase(
        self, *, reason: str, now: Now, actor: str, pursued: Sequence[PursuedClaim] = (), force: bool = False
    ) -> DebtorErased:
        """Erase a natural person's data. ``pursued``: the claims still pursued against them, found by the
        application; while there are some, erasure is refused (GDPR art. 17(3)(e)) unless ``force``d by a
        manager, with the reason, and the event then records what was pursued."""
        if not self.natural_person:
            raise RuleViolation(
                "only a natural person's personal data is erased (a consumer or a sole trader)",
                rule="erase_natural_persons_only",
            )
        self._require_not_erased()
        why = text(reason, "reason", max_length=1000)
        numbers = sorted({claim.invoice_number for claim in pursued})
        if numbers and not force:
            named = ", ".join(f"{c.invoice_number} ({c.status.value})" for c in sorted(pursued, key=_by_number))
            raise RuleViolation(
                f"a claim against this person is still pursued: {named}; erasure is refused (GDPR art. 17(3)(e)) "
                "unless a manager forces it with a reason",
                rule="erasure_claim_pursued",
            )
        if not numbers:
            return self._trigger(DebtorErased, now, actor, reason=why)
        return self._trigger(DebtorErased, now, actor, reason=why, forced=True, pursued=numbers)

    def erase_contact(self, *, contact_id: UUID, reason: str, now: Now, actor: str) -> ContactErased:
        """Erase one contact person's data (any debtor's contact is a natural person); the debtor is kept."""
        self._require_not_erased()
        if contact_id not in self.contacts:
            raise RuleViolation(f"no contact {contact_id} on this debtor", rule="contact_exists")
        why = text(reason, "reason", max_length=1000)
        return self._trigger(ContactErased, now, actor, contact_id=contact_id, reason=why)

    def record_returned_mail(
        self, *, returned_on: date, document_sha256: str, now: Now, actor: str, proof_sha256: str | None = None
    ) -> MailReturned:
        self._require_not_erased()
        if returned_on > now.today:
            raise RuleViolation("returned_on: in the future", rule="date_not_in_future")
        return self._trigger(
            MailReturned,
            now,
            actor,
            returned_on=returned_on,
            document_sha256=sha256(document_sha256, "document_sha256"),
            proof_sha256=optional_sha256(proof_sha256, "proof_sha256"),
        )

    def change_address(self, *, address: Address, now: Now, actor: str, reason: str | None = None) -> AddressChanged:
        self._require_not_erased()
        checked = _checked_address(address)
        if checked == self.address and self.address_returned_on is None:
            raise RuleViolation("the address is unchanged", rule="address_changed")
        return self._trigger(AddressChanged, now, actor, address=checked, reason=_reason(reason))

    def rectify_name(self, *, legal_name: str, reason: str, now: Now, actor: str) -> DebtorNameRectified:
        """Correct the debtor's name (art. 16 GDPR), checked as at registration, with why."""
        self._require_not_erased()
        checked = text(legal_name, "legal_name", max_length=200)
        if checked == self.legal_name:
            raise RuleViolation("legal_name: the name is unchanged", rule="name_changed")
        return self._trigger(
            DebtorNameRectified, now, actor, legal_name=checked, reason=text(reason, "reason", max_length=1000)
        )

    def record_email_bounce(
        self, *, contact_id: UUID, email: str, bounced_on: date, now: Now, actor: str, detail: str | None = None
    ) -> EmailBounced:
        """A hard bounce of a message sent to ``email``: the contact is flagged while that is its address."""
        self._require_not_erased()
        contact = self.contacts.get(contact_id)
        if contact is None:
            raise RuleViolation(f"no contact {contact_id} on this debtor", rule="contact_exists")
        if contact.email is None or contact.email.lower() != email.strip().lower():
            raise RuleViolation("the contact's e-mail address has changed since: nothing to flag",
                                rule="email_bounce_current_address")  # fmt: skip
        if contact.email_bounced_on is not None:
            raise RuleViolation("this e-mail address is already flagged as bouncing", rule="email_bounced_once")
        if bounced_on > now.today:
            raise RuleViolation("bounced_on: in the future", rule="date_not_in_future")
        return self._trigger(
            EmailBounced,
            now,
            actor,
            contact_id=contact_id,
            email=contact.email,
            bounced_on=bounced_on,
            detail=optional_text(detail, "detail", max_length=1000),
        )

    def _require_not_erased(self) -> None:
        if self.erased:
            raise RuleViolation("the debtor's personal data was erased", rule="debtor_not_erased")

    # ------------------------------------------------------------------ state

    def when(self, event: DebtorEvent) -> None:
        match event:
            case DebtorRegistered():
                self.legal_name = event.legal_name
                self.kind = event.kind
                self.siren = event.siren
                self.siret = event.siret
                self.address = event.address
                self.sole_trader = bool(event.sole_trader)
            case ContactAdded() | ContactChanged():
                previous = self.contacts.get(event.contact_id)
                same_address = previous is not None and previous.email == event.email
                self.contacts[event.contact_id] = Contact(
                    event.contact_id, event.role, event.name, event.email, event.phone,
                    previous.email_bounced_on if previous is not None and same_address else None,
                )  # fmt: skip
            case CreditLimitSet():
                self.credit_limit = Money(event.limit, event.currency)
            case PriorityChanged():
                self.priority = event.priority
            case PolicyAssigned():
                self.policy_id = event.policy_id
            case ElectronicDeliveryConsented():
                self.electronic_delivery_consented_on = event.consented_on
            case InsolvencyOpened():
                self.insolvency = event
            case ClaimDeclared():
                self.claims_declared.append(event)
            case MailReturned():
                self.address_returned_on = event.returned_on
            case AddressChanged():
                self.address = event.address
                self.address_returned_on = None
            case DebtorNameRectified():
                self.legal_name = event.legal_name
            case EmailBounced():
                self.contacts[event.contact_id].email_bounced_on = event.bounced_on
            case ContactErased():
                self.contacts.pop(event.contact_id, None)
                self.erased_contacts.add(event.contact_id)
            case DebtorErased():
                self.erased = True
                self.legal_name = ERASED  # what every view, letter, report and the console then show
                self.address = None
                self.contacts = {}


def add_months(day: date, months: int) -> date:
    """Calendar months, as the law counts them: 15 January + 2 months = 15 March;
    a day the target month lacks falls back to its last day (31 December + 2 = 28/29 February)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _by_number(claim: PursuedClaim) -> str:
    return claim.invoice_number


def _checked_address(address: Address) -> Address:
    lines = [text(line, "address.lines", max_length=200) for line in address.lines]
    if not 1 <= len(lines) <= 4:
        raise InvalidInput("address.lines: one to four lines", rule="address_lines")
    country = text(address.country, "address.country", max_length=2).upper()
    if len(country) != 2 or not country.isalpha():
        raise InvalidInput("address.country: an ISO 3166 two-letter code", rule="country_format")
    return Address(
        lines=lines,
        postal_code=text(address.postal_code, "address.postal_code", max_length=20),
        city=text(address.city, "address.city", max_length=100),
        country=country,
    )


def _reason(value: str | None) -> str | None:
    return optional_text(value, "reason", max_length=1000)


def _contact_fields(
    contact_id: UUID, role: ContactRole, name: str, email: str | None, phone: str | None
) -> dict[str, object]:
    return {
        "contact_id": contact_id,
        "role": role,
        "name": text(name, "name", max_length=200),
        "email": _email(email),
        "phone": optional_text(phone, "phone", max_length=30),
    }
