"""What a dunning letter or e-mail says, as plain data: who writes, to whom, about which invoices.

The dunning run fills a ``Correspondence``; ``infrastructure/letters.py`` lays it out in French
(PDF letter, text and HTML e-mail). Nothing here reads a clock or a file: the date, the place and,
for a formal notice, the deadline and the late-charges computation travel in the value itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import Enum

from domain.debtor import Debtor
from domain.errors import InvalidInput
from domain.late_charges import ZERO, Claim
from domain.receivable import Receivable
from domain.vocabulary import DebtorKind

CHANNELS = ("email", "letter", "registered_letter", "electronic_registered_letter")


class DocumentKind(Enum):
    """The four documents; the value is the template name (legal.md §6, seeds: never « relance n° »)."""

    COURTESY = "courtesy"
    FIRST_REMINDER = "first_reminder"
    SECOND_REMINDER = "second_reminder"
    FORMAL_NOTICE = "formal_notice"


@dataclass(frozen=True)
class Firm:
    """The creditor, as its letterhead shows it."""

    name: str
    address_lines: tuple[str, ...]
    siren: str | None
    email: str | None
    phone: str | None
    iban: str | None
    signatory: str | None
    terms_of_sale_reference: str  # e.g. "nos conditions générales de vente"


@dataclass(frozen=True)
class Recipient:
    legal_name: str
    kind: DebtorKind
    address_lines: tuple[str, ...]
    siren: str | None
    contact_name: str | None
    email: str | None

    @property
    def is_consumer(self) -> bool:
        return self.kind is DebtorKind.CONSUMER

    @classmethod
    def of(cls, debtor: Debtor) -> Recipient:
        """The debtor as a letter addresses it: its accounts-payable contact first, then any contact with an e-mail."""
        if debtor.erased:
            raise InvalidInput("the debtor's personal data was erased: no letter can be addressed", rule="erased")
        contact = debtor.preferred_contact()
        address = debtor.address
        lines: tuple[str, ...] = ()
        if address is not None:
            country = () if address.country.upper() in ("FR", "FRANCE") else (address.country,)
            lines = (*address.lines, f"{address.postal_code} {address.city}", *country)
        return cls(
            legal_name=debtor.legal_name,
            kind=debtor.kind,
            address_lines=lines,
            siren=debtor.siren,
            contact_name=None if contact is None else contact.name,
            email=None if contact is None else contact.email,
        )


@dataclass(frozen=True)
class InvoiceLine:
    number: str
    issue_date: date
    due_date: date
    label: str
    amount_excl_vat: Decimal
    amount_incl_vat: Decimal
    outstanding: Decimal  # principal incl. VAT still unpaid
    days_past_due: int
    claim: Claim | None = None  # formal notices: the late-charges computation as of the letter's date

    @classmethod
    def of(cls, receivable: Receivable, on: date, claim: Claim | None = None) -> InvoiceLine:
        return cls(
            number=receivable.invoice_number,
            issue_date=receivable.issue_date,
            due_date=receivable.due_date,
            label=receivable.label,
            amount_excl_vat=receivable.amount_excl_vat,
            amount_incl_vat=receivable.amount_incl_vat,
            outstanding=receivable.outstanding,
            days_past_due=receivable.days_past_due(on),
            claim=claim,
        )

    @property
    def principal(self) -> Decimal:
        return self.outstanding if self.claim is None else self.claim.principal_outstanding

    @property
    def penalties(self) -> Decimal:
        return ZERO if self.claim is None else self.claim.penalties

    @property
    def indemnity(self) -> Decimal:
        return ZERO if self.claim is None else self.claim.indemnity

    @property
    def deducted(self) -> Decimal:
        """Charges already invoiced apart, waived or paid: what makes principal + penalties + indemnity ≠ total."""
        return ZERO if self.claim is None else self.principal + self.penalties + self.indemnity - self.claimed

    @property
    def claimed(self) -> Decimal:
        return self.outstanding if self.claim is None else self.claim.total

    @property
    def contractual_rate(self) -> bool:
        """The penalties use the rate agreed in the terms of sale (else ECB + 10 points, or the legal rate)."""
        return self.claim is not None and any(rule.code == "contractual_rate" for rule in self.claim.rules)


@dataclass(frozen=True)
class Correspondence:
    kind: DocumentKind
    firm: Firm
    recipient: Recipient
    invoices: tuple[InvoiceLine, ...]
    dated: date
    place: str | None
    reference: str  # our reference, e.g. "R-2026-000123"
    channel: str  # "email" | "letter" | "registered_letter" | "electronic_registered_letter"
    deadline: date | None = None  # formal notice: the date by which payment must be received
    previous_on: date | None = None  # optional: the date of the last reminder, quoted by the later letters

    def __post_init__(self) -> None:
        if not self.invoices:
            raise InvalidInput("a letter names at least one invoice", rule="letter_without_invoice")
        if self.channel not in CHANNELS:
            raise InvalidInput(f"channel: {self.channel!r} is not one of {', '.join(CHANNELS)}", rule="channel")
        if self.kind is DocumentKind.FORMAL_NOTICE:
            if self.deadline is None or self.deadline <= self.dated:
                raise InvalidInput("a formal notice needs a deadline after its date", rule="notice_deadline")
            if any(line.claim is None for line in self.invoices):
                raise InvalidInput(
                    "a formal notice states the amount claimed: every invoice needs its late-charges computation",
                    rule="notice_claim",
                )

    @property
    def is_consumer(self) -> bool:
        return self.recipient.is_consumer

    @property
    def total_outstanding(self) -> Decimal:
        return sum((line.outstanding for line in self.invoices), ZERO)

    @property
    def total_claimed(self) -> Decimal:
        """Principal plus the late charges when they were computed (formal notice), else the principal."""
        return sum((line.claimed for line in self.invoices), ZERO)

    @property
    def total_principal(self) -> Decimal:
        return sum((line.principal for line in self.invoices), ZERO)

    @property
    def total_penalties(self) -> Decimal:
        return sum((line.penalties for line in self.invoices), ZERO)

    @property
    def total_indemnity(self) -> Decimal:
        return sum((line.indemnity for line in self.invoices), ZERO)

    @property
    def total_deducted(self) -> Decimal:
        return sum((line.deducted for line in self.invoices), ZERO)

    @property
    def total_excl_vat(self) -> Decimal:
        return sum((line.amount_excl_vat for line in self.invoices), ZERO)

    @property
    def total_incl_vat(self) -> Decimal:
        return sum((line.amount_incl_vat for line in self.invoices), ZERO)

    @property
    def days_late(self) -> int:
        """The oldest delay among the invoices (0 before any due date)."""
        return max(line.days_past_due for line in self.invoices)

    @property
    def provisional(self) -> bool:
        """A period used a half-year rate not yet published (legal.md §1): the letters say so."""
        return any(line.claim is not None and line.claim.provisional for line in self.invoices)
