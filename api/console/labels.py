"""The journal's closed lists of values, in French: what each status, stage, channel or outcome is called
on a console page. One table per vocabulary; a test checks that every value of each has its label."""

from __future__ import annotations

from enum import Enum
from typing import Any

from domain.vocabulary import (
    AcknowledgementOutcome,
    CallOutcome,
    CallPurpose,
    ContactRole,
    DebtorKind,
    DeliveryStatus,
    DisputeOutcome,
    DisputeReason,
    DocumentKind,
    DunningStage,
    EscalationRoute,
    InsolvencyProcedure,
    NoticeChannel,
    PaymentMethod,
    Priority,
    ReceivableStatus,
    ReminderChannel,
    ReminderStage,
)

STATUS = {
    ReceivableStatus.OPEN: "en cours",
    ReceivableStatus.PROMISED: "promesse de paiement",
    ReceivableStatus.IN_PAYMENT_PLAN: "échéancier en cours",
    ReceivableStatus.DISPUTED: "en litige",
    ReceivableStatus.ESCALATED: "au contentieux",
    ReceivableStatus.SETTLED: "soldée",
    ReceivableStatus.WRITTEN_OFF: "passée en perte",
}
STAGE = {
    DunningStage.NONE: "aucune relance",
    DunningStage.COURTESY: "rappel de courtoisie",
    DunningStage.FIRST_REMINDER: "première relance",
    DunningStage.SECOND_REMINDER: "deuxième relance",
    DunningStage.FORMAL_NOTICE: "mise en demeure",
    DunningStage.LITIGATION: "contentieux",
}
REMINDER_STAGE = {
    ReminderStage.COURTESY: "Rappel de courtoisie",
    ReminderStage.FIRST: "Première relance",
    ReminderStage.SECOND: "Deuxième relance",
}
REMINDER_CHANNEL = {
    ReminderChannel.EMAIL: "courriel",
    ReminderChannel.LETTER: "courrier",
    ReminderChannel.SMS: "SMS",
}
NOTICE_CHANNEL = {
    NoticeChannel.REGISTERED_LETTER: "lettre recommandée avec AR",
    NoticeChannel.ELECTRONIC_REGISTERED_LETTER: "lettre recommandée électronique",
    NoticeChannel.BAILIFF: "commissaire de justice",
}
CALL_PURPOSE = {
    CallPurpose.PRE_DUE_CHECK: "vérification avant échéance",
    CallPurpose.FOLLOW_UP: "suivi du retard",
}
CALL_OUTCOME = {
    CallOutcome.REACHED: "interlocuteur joint",
    CallOutcome.NO_ANSWER: "pas de réponse",
    CallOutcome.VOICEMAIL: "message laissé sur le répondeur",
    CallOutcome.WRONG_CONTACT: "mauvais interlocuteur",
}
DISPUTE_REASON = {
    DisputeReason.NOT_RECEIVED: "facture ou livraison non reçue",
    DisputeReason.NON_CONFORMING: "prestation non conforme",
    DisputeReason.PRICE: "prix contesté",
    DisputeReason.QUANTITY: "quantité contestée",
    DisputeReason.ALREADY_PAID: "déjà payée selon le débiteur",
    DisputeReason.OTHER: "autre motif",
}
DISPUTE_OUTCOME = {
    DisputeOutcome.REJECTED: "contestation rejetée, la créance reste due en entier",
    DisputeOutcome.UPHELD: "contestation fondée",
    DisputeOutcome.SETTLED: "accord transactionnel",
    DisputeOutcome.WITHDRAWN: "contestation retirée par le débiteur",
}
ACKNOWLEDGEMENT = {
    AcknowledgementOutcome.DELIVERED: "distribuée (AR signé)",
    AcknowledgementOutcome.UNCLAIMED: "pli avisé non réclamé",
    AcknowledgementOutcome.REFUSED: "refusée par le destinataire",
    AcknowledgementOutcome.UNDELIVERABLE: "non distribuable (retour à l'expéditeur)",
}
DELIVERY = {
    DeliveryStatus.DELIVERED: "remis au destinataire",
    DeliveryStatus.OPENED: "ouvert par le destinataire",
    DeliveryStatus.SOFT_BOUNCE: "non remis pour l'instant (erreur temporaire)",
    DeliveryStatus.HARD_BOUNCE: "non remis : adresse inexistante",
    DeliveryStatus.FAILED: "non remis",
}
PAYMENT_METHOD = {
    PaymentMethod.TRANSFER: "virement",
    PaymentMethod.DIRECT_DEBIT: "prélèvement",
    PaymentMethod.CARD: "carte bancaire",
    PaymentMethod.CHEQUE: "chèque",
    PaymentMethod.CASH: "espèces",
    PaymentMethod.OTHER: "autre moyen",
    PaymentMethod.PREPAYMENT: "acompte versé avant la facture",
}
ESCALATION_ROUTE = {
    EscalationRoute.PAYMENT_ORDER: "injonction de payer",
    EscalationRoute.SMALL_CLAIMS: "procédure simplifiée de recouvrement des petites créances",
    EscalationRoute.SUMMARY_PROCEEDINGS: "référé-provision",
    EscalationRoute.COLLECTION_AGENCY: "société de recouvrement",
    EscalationRoute.CREDIT_INSURER: "assureur-crédit",
}
DOCUMENT_KIND = {
    DocumentKind.INVOICE: "facture",
    DocumentKind.DELIVERY_PROOF: "preuve de livraison",
    DocumentKind.SIGNED_ORDER: "bon de commande signé",
    DocumentKind.ACKNOWLEDGEMENT_SCAN: "avis de réception numérisé",
    DocumentKind.OTHER: "document",
}
DEBTOR_KIND = {DebtorKind.PROFESSIONAL: "professionnel", DebtorKind.CONSUMER: "consommateur"}
CONTACT_ROLE = {
    ContactRole.ACCOUNTS_PAYABLE: "comptabilité fournisseurs",
    ContactRole.SIGNATORY: "signataire",
    ContactRole.PURCHASING: "achats",
    ContactRole.MANAGEMENT: "direction",
    ContactRole.OTHER: "autre",
}
PRIORITY = {Priority.LOW: "basse", Priority.NORMAL: "normale", Priority.HIGH: "haute", Priority.CRITICAL: "critique"}
INSOLVENCY = {
    InsolvencyProcedure.SAFEGUARD: "sauvegarde",
    InsolvencyProcedure.RECEIVERSHIP: "redressement judiciaire",
    InsolvencyProcedure.LIQUIDATION: "liquidation judiciaire",
}

TABLES: dict[type[Enum], dict[Any, str]] = {
    ReceivableStatus: STATUS,
    DunningStage: STAGE,
    ReminderStage: REMINDER_STAGE,
    ReminderChannel: REMINDER_CHANNEL,
    NoticeChannel: NOTICE_CHANNEL,
    CallPurpose: CALL_PURPOSE,
    CallOutcome: CALL_OUTCOME,
    DisputeReason: DISPUTE_REASON,
    DisputeOutcome: DISPUTE_OUTCOME,
    AcknowledgementOutcome: ACKNOWLEDGEMENT,
    DeliveryStatus: DELIVERY,
    PaymentMethod: PAYMENT_METHOD,
    EscalationRoute: ESCALATION_ROUTE,
    DocumentKind: DOCUMENT_KIND,
    DebtorKind: DEBTOR_KIND,
    ContactRole: CONTACT_ROLE,
    Priority: PRIORITY,
    InsolvencyProcedure: INSOLVENCY,
}


def label(value: Enum | None) -> str:
    """The French word for a value of the journal's vocabulary (``-`` for none)."""
    if value is None:
        return "-"
    return TABLES[type(value)].get(value, value.value)
