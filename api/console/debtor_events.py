"""A debtor's events as sentences in French, for its page's journal.

Once a consumer's personal data is erased, the events that hold it (name, contacts, address) are shown
as erased: the journal keeps them as recorded, for verification, the page does not repeat them.
"""

from __future__ import annotations

from api import formats
from api.console.labels import CONTACT_ROLE, DEBTOR_KIND, INSOLVENCY, PRIORITY
from domain.debtor import (
    AddressChanged,
    ClaimDeclared,
    ContactAdded,
    ContactChanged,
    CreditLimitSet,
    DebtorErased,
    DebtorEvent,
    DebtorRegistered,
    ElectronicDeliveryConsented,
    EmailBounced,
    InsolvencyOpened,
    MailReturned,
    PolicyAssigned,
    PriorityChanged,
)

ERASED = "(données effacées)"
PERSONAL = (DebtorRegistered, ContactAdded, ContactChanged, AddressChanged, EmailBounced)


def debtor_sentence(event: DebtorEvent, *, erased: bool = False) -> str:
    """What happened, in one French sentence (``erased``: the debtor's personal data is erased)."""
    if erased and isinstance(event, PERSONAL):
        return f"{_heading(event)} {ERASED}"
    return _sentence(event)


def _heading(event: DebtorEvent) -> str:
    return {
        DebtorRegistered: "Débiteur enregistré",
        ContactAdded: "Contact ajouté",
        ContactChanged: "Contact modifié",
        AddressChanged: "Adresse modifiée",
        EmailBounced: "Courriel d'un contact rejeté",
    }.get(type(event), "Événement")


def _sentence(event: DebtorEvent) -> str:
    match event:
        case DebtorRegistered():
            ids = ", ".join(f"{k} {v}" for k, v in (("SIREN", event.siren), ("SIRET", event.siret)) if v)
            return f"Débiteur enregistré : {event.legal_name} ({DEBTOR_KIND[event.kind]}{', ' + ids if ids else ''})."
        case ContactAdded() | ContactChanged():
            verb = "ajouté" if isinstance(event, ContactAdded) else "modifié"
            reach = ", ".join(v for v in (event.email, event.phone) if v)
            return f"Contact {verb} : {event.name} ({CONTACT_ROLE[event.role]}){' — ' + reach if reach else ''}."
        case CreditLimitSet():
            return f"Plafond d'encours fixé à {formats.money(event.limit, event.currency)}."
        case PriorityChanged():
            return f"Priorité passée à « {PRIORITY[event.priority]} »."
        case PolicyAssigned():
            return f"Politique de relance « {event.policy_id} » attribuée."
        case ElectronicDeliveryConsented():
            proof = " (preuve jointe)" if event.proof_sha256 else ""
            return f"Consentement aux envois électroniques donné le {formats.day(event.consented_on)}{proof}."
        case InsolvencyOpened():
            return (
                f"Procédure collective ouverte : {INSOLVENCY[event.procedure]}, {event.court}, jugement du "
                f"{formats.day(event.judgment_date)}, publié au BODACC le {formats.day(event.publication_date)}."
            )
        case ClaimDeclared():
            return (
                f"Créance de {formats.money(event.amount)} déclarée le {formats.day(event.declared_on)} "
                f"auprès de {event.administrator}."
            )
        case DebtorErased():
            return f"Données personnelles effacées : {event.reason}."
        case MailReturned():
            return f"Courrier revenu non distribué le {formats.day(event.returned_on)} : adresse à vérifier."
        case AddressChanged():
            address = event.address
            return f"Adresse modifiée : {', '.join(address.lines)}, {address.postal_code} {address.city}."
        case EmailBounced():
            return f"Courriel à {event.email} rejeté définitivement le {formats.day(event.bounced_on)}."
    return f"{type(event).__name__}."
