"""What a dunning letter or e-mail says, as plain data: who writes, to whom, about which invoices.

The dunning run fills a ``Correspondence``; ``infrastructure/letters.py`` lays it out in French
(PDF letter, text and HTML e-mail). Nothing here reads a clock or a file: the date, the place and,
for a formal notice, the deadline and the late-charges computation travel in the value itself.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import Enum
from urllib.parse import quote

from application.sepa_qr import epc_payload
from domain.debtor import Debtor
from domain.errors import InvalidInput
from domain.late_charges import ZERO, Claim
from domain.receivable import Receivable
from domain.vocabulary import DebtorKind

CHANNELS = ("email", "letter", "registered_letter", "electronic_registered_letter")
CIVILITIES = {
    "madame": "Madame", "mme": "Madame", "mademoiselle": "Madame", "mlle": "Madame",
    "monsieur": "Monsieur", "m": "Monsieur", "mr": "Monsieur",
}  # fmt: skip


class DocumentKind(Enum):
    """The four documents; the value is the template name (legal.md §6, seeds: never « relance n° »)."""

    COURTESY = "courtesy"
    FIRST_REMINDER = "first_reminder"
    SECOND_REMINDER = "second_reminder"
    FORMAL_NOTICE = "formal_notice"


@dataclass(frozen=True)
class Firm:
    """The creditor, as its letterhead shows it (Code de commerce R123-237: legal form, share capital,
    RCS and SIREN on a company's letters)."""

    name: str
    address_lines: tuple[str, ...]
    siren: str | None
    email: str | None
    phone: str | None
    iban: str | None
    signatory: str | None
    terms_of_sale_reference: str  # e.g. "nos conditions générales de vente"
    legal_form: str | None = None  # e.g. "SARL", "SAS"
    share_capital: str | None = None  # as printed, e.g. "10 000 €"
    rcs_city: str | None = None  # the registry's city: "RCS Lyon 552 100 554"
    place: str | None = None  # where letters are written: "Lyon, le 12 mars 2026"
    consumer_mediator: str | None = None  # Code de la consommation L612-1: name and address
    consumer_mediator_website: str | None = None
    bic: str | None = None  # printed beside the IBAN
    payment_link_template: str | None = None  # "https://pay.example/?ref={reference}&amount={amount}"

    def payment_link(self, *, reference: str, invoice_numbers: Sequence[str], amount: Decimal) -> str | None:
        """The firm's online payment page for this demand, from its template: ``{reference}``,
        ``{invoices}`` (numbers joined by commas) and ``{amount}`` (1234.56) URL-encoded; None without one."""
        if self.payment_link_template is None:
            return None
        values = {"reference": reference, "invoices": ",".join(invoice_numbers), "amount": f"{amount:.2f}"}
        return self.payment_link_template.format_map({k: quote(v, safe="") for k, v in values.items()})

    @property
    def legal_mentions(self) -> str:
        """« SARL au capital de 10 000 € — RCS Lyon 552 100 554 »: what R123-237 asks under the name."""
        parts = []
        if self.legal_form:
            parts.append(self.legal_form + (f" au capital de {self.share_capital}" if self.share_capital else ""))
        elif self.share_capital:
            parts.append(f"Capital de {self.share_capital}")
        if self.siren:
            grouped = " ".join((self.siren[0:3], self.siren[3:6], self.siren[6:])) if len(self.siren) == 9 else None
            parts.append(f"RCS {self.rcs_city} {grouped or self.siren}" if self.rcs_city else f"SIREN {self.siren}")
        return " — ".join(parts)


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

    @property
    def attention(self) -> str | None:
        """« À l'attention de … » under the name, unless the contact is the addressee herself."""
        if self.contact_name is None or _same_name(self.contact_name, self.legal_name):
            return None
        return self.contact_name

    @property
    def person(self) -> str | None:
        """Whom the letter speaks to: the named contact, else a consumer herself; None for a firm."""
        name = self.contact_name or (self.legal_name if self.is_consumer else None)
        return " ".join(name.split()) if name is not None and name.strip() else None

    @property
    def title(self) -> str | None:
        """« Madame » or « Monsieur » when the person's name is written with its civility (« Mme Claire
        Bonnet », « M. Paul Martin »); None when it is not known (decision 0069)."""
        if self.person is None:
            return None
        first = self.person.split(maxsplit=1)[0].rstrip(".").casefold()
        return CIVILITIES.get(first)

    @property
    def salutation(self) -> str:
        """How the letter opens: « Madame, », « Bonjour Paul Martin, », or « Madame, Monsieur, » for a firm
        without a named contact."""
        if self.title is not None:
            return f"{self.title},"
        if self.person is not None:
            return f"Bonjour {self.person},"
        return "Madame, Monsieur,"

    @property
    def closing_title(self) -> str | None:
        """The title repeated in the closing formula; None when the letter opened with the name."""
        if self.title is not None:
            return self.title
        return None if self.person is not None else "Madame, Monsieur"

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
    currency: str = "EUR"

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
            currency=receivable.currency,
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
    reference: str  # our reference, neutral: e.g. "20260312-4F1A9C2B" (never a reminder rank)
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
    def amount_asked(self) -> Decimal:
        """What the letter asks to pay: the sum claimed by a formal notice, the principal due otherwise."""
        return self.total_claimed if self.kind is DocumentKind.FORMAL_NOTICE else self.total_outstanding

    @property
    def payment_link(self) -> str | None:
        """The firm's payment page for what this document asks, when the firm has one."""
        numbers = [line.number for line in self.invoices]
        return self.firm.payment_link(reference=self.reference, invoice_numbers=numbers, amount=self.amount_asked)

    def payment_qr_text(self) -> str | None:
        """The SEPA transfer QR code's text (EPC069-12) for what the letter asks to pay, with its reference
        and invoice numbers; None without the firm's IBAN or when the guidelines allow none."""
        currencies = {line.currency for line in self.invoices}
        if self.firm.iban is None or len(currencies) != 1:
            return None
        numbers = " ".join(line.number for line in self.invoices)
        return epc_payload(
            beneficiary=self.firm.name, iban=self.firm.iban, amount=self.amount_asked, currency=currencies.pop(),
            remittance=f"{self.reference} {numbers}",
        )  # fmt: skip

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

    @property
    def has_periods(self) -> bool:
        """Late charges were computed over at least one period (the letter shows their table)."""
        return any(line.claim is not None and line.claim.periods for line in self.invoices)

    @property
    def carried_forward(self) -> list[CarriedRate]:
        """Each half-year whose rate was not yet published, with the published rate applied instead."""
        seen: dict[str, CarriedRate] = {}
        for line in self.invoices:
            for period in line.claim.periods if line.claim is not None else ():
                if period.provisional and period.published_for is not None:
                    key = str(period.half_year)
                    seen.setdefault(key, CarriedRate(key, str(period.published_for), period.rate))
        return sorted(seen.values(), key=lambda carried: carried.half_year)


@dataclass(frozen=True)
class CarriedRate:
    half_year: str  # e.g. "2026H2", not published at the letter's date
    published_for: str  # e.g. "2026H1", whose published rate was applied
    rate: Decimal  # the annual rate applied (for penalties: the ECB rate plus 10 points)


def _same_name(first: str, second: str) -> bool:
    return " ".join(first.casefold().split()) == " ".join(second.casefold().split())
