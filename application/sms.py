"""The SMS channel: the gateway port, the mobile number a reminder goes to, and its text.

The text is short, courteous and in French; it names the invoice(s), the amount due and how to pay
(the firm's payment link when it has one, else its IBAN), signed with the firm's name, and nothing
more (no address, no contact name). It fits in two SMS segments, counted as the network counts them:
GSM 03.38 (7-bit, 160 characters, 153 per part) when every character is in that alphabet, else UCS-2
(70, 67 per part). Pure: no I/O, no clock.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Protocol

from application.correspondence import DocumentKind, Firm
from domain.debtor import Contact, Debtor
from domain.errors import DomainError, InvalidInput
from domain.receivable import Receivable
from domain.vocabulary import ContactRole

MAX_SEGMENTS = 2
MEDIA_TYPE = "text/plain; charset=utf-8"
GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENSION = frozenset("^{}\\[~]|€\f")  # two septets each: the escape, then the character
# What an SMS may write instead of a character outside GSM 03.38, so that a firm's « Forêt » does not turn
# the whole message into UCS-2 (half as many characters per segment). Used only when the exact text is too long.
TRANSLITERATION = str.maketrans(
    {
        "ê": "e",
        "ë": "e",
        "â": "a",
        "î": "i",
        "ï": "i",
        "ô": "o",
        "û": "u",
        "ü": "u",
        "ç": "c",
        "ÿ": "y",
        "À": "A",
        "Â": "A",
        "È": "E",
        "Ê": "E",
        "Ë": "E",
        "Î": "I",
        "Ï": "I",
        "Ô": "O",
        "Û": "U",
        "Ù": "U",
        "œ": "oe",
        "Œ": "OE",
        "’": "'",
        "‘": "'",
        "«": '"',
        "»": '"',
        "“": '"',
        "”": '"',
        "–": "-",
        "—": "-",
        "\u00a0": " ",
        "\u202f": " ",
        "…": "...",
    }
)


class SmsRefused(Exception):
    """The provider did not take the message (refused, unreachable, unexpected answer): nothing was sent."""


class SmsGateway(Protocol):
    def send(self, *, to: str, text: str, reference: str) -> str:
        """Hand the text to the provider for the number ``to`` (E.164); returns the provider's message id.
        Raises SmsRefused when the provider did not accept it."""
        ...


# ------------------------------------------------------------------- segments


@dataclass(frozen=True)
class Segments:
    encoding: str  # "gsm7" or "ucs2"
    count: int  # SMS parts on the network


def segments(text: str) -> Segments:
    """How many SMS the text takes. A two-septet character (``€``) or a surrogate pair is never split
    between two parts, as handsets and gateways do."""
    if all(c in GSM7_BASIC or c in GSM7_EXTENSION for c in text):
        units, single, part, encoding = [2 if c in GSM7_EXTENSION else 1 for c in text], 160, 153, "gsm7"
    else:
        units, single, part, encoding = [len(c.encode("utf-16-le")) // 2 for c in text], 70, 67, "ucs2"
    if sum(units) <= single:
        return Segments(encoding, 1 if units else 0)
    count, filled = 1, 0
    for unit in units:
        if filled + unit > part:
            count, filled = count + 1, 0
        filled += unit
    return Segments(encoding, count)


# ------------------------------------------------------------------- numbers

# Overseas mobile ranges written nationally as 06…: their country code is not +33 (ARCEP numbering plan).
OVERSEAS_MOBILE = {"690": "590", "691": "590", "694": "594", "696": "596", "697": "596", "692": "262",
                   "693": "262", "639": "262"}  # fmt: skip
OVERSEAS_CODES = frozenset(OVERSEAS_MOBILE.values())
SEPARATORS = re.compile(r"[\s.\-/()]")


def mobile_number(raw: str | None) -> str:
    """A French mobile number in E.164 (``+33612345678``, or ``+590690…`` overseas); InvalidInput saying why
    otherwise: a landline or a special-rate number cannot receive an SMS, a foreign number is not checked."""
    if raw is None or not raw.strip():
        raise InvalidInput("no telephone number", rule="phone_missing")
    number = SEPARATORS.sub("", raw.strip())
    if number.startswith("00"):
        number = "+" + number[2:]
    if not re.fullmatch(r"\+?[0-9]+", number):
        raise InvalidInput(f"not a telephone number: {raw!r}", rule="phone_invalid")
    if number.startswith("+"):
        code = next((c for c in ("33", *OVERSEAS_CODES) if number.startswith("+" + c)), None)
        if code is None:
            raise InvalidInput("not a French number: only French mobiles receive SMS", rule="phone_not_french")
        national = number[1 + len(code) :]
        national = national[1:] if len(national) == 10 and national.startswith("0") else national  # +33 (0)6…
    elif len(number) == 10 and number.startswith("0"):
        national, code = number[1:], None
    else:
        raise InvalidInput(f"not a French telephone number: {raw!r}", rule="phone_invalid")
    if len(national) != 9:
        raise InvalidInput(f"a French number has ten digits: {raw!r}", rule="phone_invalid")
    if national[0] not in "67":
        kind = "special-rate number" if national[0] == "8" else "landline"
        raise InvalidInput(f"a {kind} cannot receive an SMS", rule="phone_not_mobile")
    overseas = OVERSEAS_MOBILE.get(national[:3])
    return f"+{code or overseas or '33'}{national}"


def sms_recipient(debtor: Debtor) -> tuple[Contact, str] | str:
    """The contact an SMS goes to and its number, the accounts-payable contact first; else why there is none."""
    contacts = sorted(
        debtor.contacts.values(), key=lambda c: (c.role is not ContactRole.ACCOUNTS_PAYABLE, str(c.contact_id))
    )
    reasons: list[str] = []
    for contact in contacts:
        try:
            return contact, mobile_number(contact.phone)
        except DomainError as error:
            reasons.append(error.message)
    if not contacts:
        return "the debtor has no contact"
    return "no contact has a mobile number (" + "; ".join(dict.fromkeys(reasons)) + ")"


# ------------------------------------------------------------------- text


@dataclass(frozen=True)
class SmsInvoice:
    number: str
    outstanding: Decimal
    due_date: date
    currency: str = "EUR"


def amount(value: Decimal, currency: str = "EUR") -> str:
    """« 1 200,00 € » with plain spaces (a no-break space is not in GSM 03.38)."""
    whole, cents = f"{value:,.2f}".split(".")
    symbol = "€" if currency == "EUR" else currency
    return f"{whole.replace(',', ' ')},{cents} {symbol}"


def reminder_text(
    *,
    kind: str,
    firm_name: str,
    invoices: Sequence[SmsInvoice],
    iban: str | None = None,
    payment_link: str | None = None,
    phone: str | None = None,
) -> str:
    """The SMS of a courtesy, first or second reminder: the longest wording that fits in two segments: every
    invoice number, then the first two, then their count; with the courtesy sentence, then without; exact,
    then written in GSM 03.38."""
    if not invoices:
        raise InvalidInput("an SMS names at least one invoice", rule="sms_without_invoice")
    candidates = [
        _text(kind, firm, invoices, listed, iban, payment_link, phone, excuse)
        for listed in sorted({len(invoices), min(len(invoices), 2), 0}, reverse=True)
        for excuse in (True, False)
        for firm in (firm_name.strip(), firm_name.strip()[:40])
    ]
    for text in candidates:
        for variant in (text, text.translate(TRANSLITERATION)):
            if segments(variant).count <= MAX_SEGMENTS:
                return variant
    raise InvalidInput("the SMS does not fit in two segments", rule="sms_too_long")


def _text(
    kind: str,
    firm: str,
    invoices: Sequence[SmsInvoice],
    listed: int,
    iban: str | None,
    link: str | None,
    phone: str | None,
    excuse: bool,
) -> str:
    several = len(invoices) > 1
    total = amount(sum((i.outstanding for i in invoices), Decimal("0.00")), invoices[0].currency)
    numbers = [i.number for i in invoices]
    if listed == 0:
        named = f"{len(invoices)} factures (total {total})"
    elif listed < len(invoices):
        named = f"les factures {', '.join(numbers[:listed])} et {len(invoices) - listed} autre(s) (total {total})"
    elif several:
        named = f"les factures {', '.join(numbers)} (total {total})"
    else:
        named = f"la facture {numbers[0]} ({total})"
    it = "les" if several else "la"
    if kind == "courtesy":
        due = min(i.due_date for i in invoices)
        verb = "arrivent" if several else "arrive"
        opening = f"Bonjour, {named} {verb} à échéance le {due:%d/%m/%Y}."
        ask = f"Pour {it} régler"
        closing = " Si c'est déjà fait, merci de ne pas tenir compte de ce message." if excuse else ""
    else:
        verb = "restent impayées" if several else "reste impayée"
        if kind == "second_reminder":
            opening = f"Bonjour, malgré notre précédent rappel, {named} {verb}."
            ask = f"Merci de {it} régler sans tarder"
        else:
            opening = f"Bonjour, sauf erreur de notre part, {named} {verb}."
            ask = f"Merci de {it} régler"
        closing = " Si le règlement est parti, ne tenez pas compte de ce message." if excuse else ""
    if link:
        how = f" {ask} : {link}"  # no full stop after a link: a handset would take it into the address
    elif iban:
        reference = f"réf. {numbers[0]}" if not several else "en indiquant les factures payées"
        how = f" {ask} par virement : IBAN {_grouped(iban)}, {reference}."
    elif phone:
        how = f" {ask}, contactez-nous au {phone}."
    else:
        how = ""
    return f"{opening}{how}{closing}\n{firm}"


def _grouped(iban: str) -> str:
    compact = "".join(iban.split()).upper()
    return " ".join(compact[i : i + 4] for i in range(0, len(compact), 4))


def sms_document(
    kind: DocumentKind, firm: Firm, receivables: Sequence[Receivable], payment_link: str | None
) -> tuple[bytes, str]:
    """The SMS of the run's reminder as the document stored, hashed and sent: its UTF-8 text."""
    named = sorted(receivables, key=lambda r: (r.due_date, r.invoice_number))
    text = reminder_text(
        kind=kind.value, firm_name=firm.name, iban=firm.iban, payment_link=payment_link, phone=firm.phone,
        invoices=[SmsInvoice(r.invoice_number, r.outstanding, r.due_date, r.currency) for r in named],
    )  # fmt: skip
    return text.encode("utf-8"), MEDIA_TYPE
