"""The closed lists of values that events carry. Values are stable: they are in the journal.

Plain ``Enum``, not ``StrEnum``: the JSON encoder writes a str subclass as a bare string,
bypassing the registered transcoding, and it would come back from the store as ``str``.
"""

from __future__ import annotations

from enum import Enum


class DebtorKind(Enum):
    PROFESSIONAL = "professional"
    CONSUMER = "consumer"


class ReminderStage(Enum):
    COURTESY = "courtesy"
    FIRST = "first"
    SECOND = "second"


class ReminderChannel(Enum):
    EMAIL = "email"
    LETTER = "letter"
    SMS = "sms"


class CallPurpose(Enum):
    PRE_DUE_CHECK = "pre_due_check"
    FOLLOW_UP = "follow_up"


class CallOutcome(Enum):
    REACHED = "reached"
    NO_ANSWER = "no_answer"
    VOICEMAIL = "voicemail"
    WRONG_CONTACT = "wrong_contact"


class DisputeReason(Enum):
    NOT_RECEIVED = "not_received"
    NON_CONFORMING = "non_conforming"
    PRICE = "price"
    QUANTITY = "quantity"
    ALREADY_PAID = "already_paid"
    OTHER = "other"


class DisputeOutcome(Enum):
    REJECTED = "rejected"  # the claim stands in full
    UPHELD = "upheld"  # the debtor was right: usually a credit note
    SETTLED = "settled"  # an agreed compromise
    WITHDRAWN = "withdrawn"  # the debtor dropped it


class NoticeChannel(Enum):
    REGISTERED_LETTER = "registered_letter"
    ELECTRONIC_REGISTERED_LETTER = "electronic_registered_letter"
    BAILIFF = "bailiff"


class AcknowledgementOutcome(Enum):
    DELIVERED = "delivered"
    UNCLAIMED = "unclaimed"  # pli avisé non réclamé: the notice stands
    REFUSED = "refused"
    UNDELIVERABLE = "undeliverable"


class DeliveryStatus(Enum):
    """What a mail server or a provider later says of an e-mail or an SMS the journal records as sent."""

    DELIVERED = "delivered"
    OPENED = "opened"  # where the provider reports it
    SOFT_BOUNCE = "soft_bounce"  # a temporary failure: the provider may try again
    HARD_BOUNCE = "hard_bounce"  # the address or number does not exist: the step failed
    FAILED = "failed"  # refused or expired without a bounce (SMS): the step failed


FAILED_DELIVERIES = frozenset({DeliveryStatus.HARD_BOUNCE, DeliveryStatus.FAILED})


class PaymentMethod(Enum):
    TRANSFER = "transfer"
    DIRECT_DEBIT = "direct_debit"
    CARD = "card"
    CHEQUE = "cheque"
    CASH = "cash"
    OTHER = "other"
    PREPAYMENT = "prepayment"  # a deposit paid before the invoice, stated on it (Factur-X TotalPrepaidAmount)


class EscalationRoute(Enum):
    PAYMENT_ORDER = "payment_order"
    SMALL_CLAIMS = "small_claims"
    SUMMARY_PROCEEDINGS = "summary_proceedings"
    COLLECTION_AGENCY = "collection_agency"
    CREDIT_INSURER = "credit_insurer"


class DocumentKind(Enum):
    INVOICE = "invoice"
    DELIVERY_PROOF = "delivery_proof"
    SIGNED_ORDER = "signed_order"
    ACKNOWLEDGEMENT_SCAN = "acknowledgement_scan"
    OTHER = "other"


class InsolvencyProcedure(Enum):
    SAFEGUARD = "safeguard"  # sauvegarde
    RECEIVERSHIP = "receivership"  # redressement judiciaire
    LIQUIDATION = "liquidation"  # liquidation judiciaire


class ContactRole(Enum):
    ACCOUNTS_PAYABLE = "accounts_payable"
    SIGNATORY = "signatory"
    PURCHASING = "purchasing"
    MANAGEMENT = "management"
    OTHER = "other"


class Priority(Enum):
    LOW = "low"
    NORMAL = "normal"
    HIGH = "high"
    CRITICAL = "critical"


class ReceivableStatus(Enum):
    """Where a file stands, most decisive first (see ``Receivable.status``)."""

    OPEN = "open"
    PROMISED = "promised"
    IN_PAYMENT_PLAN = "in_payment_plan"
    DISPUTED = "disputed"
    ESCALATED = "escalated"
    SETTLED = "settled"
    WRITTEN_OFF = "written_off"


class DunningStage(Enum):
    """The furthest step of the process the file has reached."""

    NONE = "none"
    COURTESY = "courtesy"
    FIRST_REMINDER = "first_reminder"
    SECOND_REMINDER = "second_reminder"
    FORMAL_NOTICE = "formal_notice"
    LITIGATION = "litigation"


class RateKind(Enum):
    """The published rates legal.md tabulates per half-year (stable names: they are in the journal)."""

    ECB_MRO = "ecb_mro"  # ECB main refinancing operations rate in force on 1 January / 1 July
    LEGAL_CONSUMER_CREDITOR = "legal_rate_consumer_creditor"  # taux légal, creditor a non-professional person
    LEGAL_OTHER = "legal_rate_other"  # taux légal, all other cases (a firm as creditor)
