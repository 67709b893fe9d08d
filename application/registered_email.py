"""Electronic registered letters (LRE, eIDAS qualified) through a provider: the port and its rules.

When a provider is configured, the dunning run submits a formal notice going by
``electronic_registered_letter`` instead of leaving it on the list of letters to post. The
dispatch key is our reference at the provider: before submitting, the run looks the sending up
by that reference, so that a run killed after the provider accepted and before the journal
recorded it finishes without a second submission (decision 0100). What the provider reports
later (sent, delivered, refused, unclaimed) comes back through ``application/lre_callbacks.py``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import Enum
from typing import Any, Protocol
from uuid import UUID

from domain.debtor import Contact, Debtor
from domain.errors import RuleViolation
from domain.vocabulary import DebtorKind

LRE_CHANNEL = "electronic_registered_letter"


class LreStatus(Enum):
    """What the provider says became of a sending (the proof of each is a PDF it signs)."""

    SENT = "sent"  # deposited: the provider's proof of deposit; the recipient was notified
    DELIVERED = "delivered"  # the recipient accepted it: proof of receipt
    REFUSED = "refused"  # the recipient refused it
    UNCLAIMED = "unclaimed"  # not claimed within 15 days (CPCE L100): the notice stands


@dataclass(frozen=True)
class RegisteredLetter:
    """One letter to submit: the stored PDF, to one person, under our reference (the dispatch key)."""

    reference: str
    recipient_name: str
    recipient_company: str | None
    recipient_email: str
    consumer: bool
    subject: str
    pdf: bytes
    filename: str


@dataclass(frozen=True)
class Sending:
    """A sending as the provider knows it; ``status`` None while nothing was deposited yet."""

    provider_id: str
    reference: str
    status: LreStatus | None
    on: date | None  # the day of that status (deposit, acceptance, refusal, end of the 15 days)
    proof: str | None  # the provider's reference of that status's proof, for ``proof()``


class ProviderError(Exception):
    """The provider could not be reached or refused the call: nothing is recorded, the next run retries."""

    def __init__(self, message: str, *, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status  # the provider's HTTP status, when it answered


class RegisteredEmail(Protocol):
    """An LRE provider (infrastructure/ar24.py)."""

    name: str  # the actor of what its callbacks record

    def submit(self, letter: RegisteredLetter) -> str:
        """Submit the letter; returns the provider's id of the sending once the provider accepted it."""
        ...

    def find(self, reference: str) -> Sending | None:
        """The sending made under our reference, if any (a resumed run never submits twice)."""
        ...

    def sending(self, provider_id: str) -> Sending:
        """The sending as the provider reports it now (the authority a callback is checked against)."""
        ...

    def proof(self, proof: str) -> bytes:
        """The proof PDF the provider signed for one status."""
        ...

    def callback_sending_id(self, body: bytes, content_type: str) -> str:
        """The provider id a status callback is about (raises InvalidInput when it names none)."""
        ...


def lre_refusal(debtor: Debtor, day: date) -> tuple[str, str] | None:
    """Why an LRE cannot go to this debtor (the rule and its detail), or None: it needs an e-mail address and,
    for a consumer, consent to electronic delivery given on or before the day (CPCE L100)."""
    if debtor.erased or recipient_contact(debtor) is None:
        return "lre_no_email_address", "an electronic registered letter needs a contact with an e-mail address"
    consented = debtor.electronic_delivery_consented_on
    if debtor.kind is DebtorKind.CONSUMER and (consented is None or consented > day):
        return (
            "lre_consent_missing",
            "a consumer receives an electronic registered letter only with prior consent to electronic"
            " delivery (Code des postes et des communications électroniques, L100): send a registered letter",
        )
    return None


def recipient_contact(debtor: Debtor) -> Contact | None:
    return debtor.preferred_contact(with_email=True)


def submit_once(provider: RegisteredEmail, debtor: Debtor, dispatch: Any, pdf: bytes, subject: str) -> str:
    """The provider's id of the dispatch's sending: the one already made under its key, else a new submission.
    Raises ProviderError (nothing happened, or nothing we know of: the next run looks again) or RuleViolation."""
    found = provider.find(dispatch.key)
    if found is not None:
        return found.provider_id
    refusal = lre_refusal(debtor, dispatch.run_date)
    contact = debtor.contacts.get(UUID(dispatch.recipient)) if dispatch.recipient else None
    if refusal is not None or contact is None or not contact.email:
        rule, detail = refusal or ("lre_no_email_address", "the contact of this letter has no e-mail address")
        raise RuleViolation(detail, rule=rule)
    consumer = debtor.kind is DebtorKind.CONSUMER
    letter = RegisteredLetter(
        reference=dispatch.key, recipient_name=contact.name or debtor.legal_name,
        recipient_company=None if consumer else debtor.legal_name, recipient_email=contact.email,
        consumer=consumer, subject=subject, pdf=pdf, filename=f"{dispatch.kind.replace('_', '-')}.pdf",
    )  # fmt: skip
    return provider.submit(letter)
