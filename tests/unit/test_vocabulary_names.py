"""The names the journal records for every value of the vocabulary (product.md, evidence.md §2).

These strings are in stored events, their canonical records and their hashes: third parties read
them and the hashes depend on them, so a value is never renamed. Written out here from product.md's
event list, so that renaming one in code fails a test instead of silently forking the journal.
"""

from __future__ import annotations

from enum import Enum

import pytest

from domain import vocabulary
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
    RateKind,
    ReceivableStatus,
    ReminderChannel,
    ReminderStage,
)

RECORDED: dict[type[Enum], list[str]] = {
    AcknowledgementOutcome: ["delivered", "unclaimed", "refused", "undeliverable"],
    CallOutcome: ["reached", "no_answer", "voicemail", "wrong_contact"],
    CallPurpose: ["pre_due_check", "follow_up"],
    ContactRole: ["accounts_payable", "signatory", "purchasing", "management", "other"],
    DebtorKind: ["professional", "consumer"],
    DeliveryStatus: ["delivered", "opened", "soft_bounce", "hard_bounce", "failed"],
    DisputeOutcome: ["rejected", "upheld", "settled", "withdrawn"],
    DisputeReason: ["not_received", "non_conforming", "price", "quantity", "already_paid", "other"],
    DocumentKind: ["invoice", "delivery_proof", "signed_order", "acknowledgement_scan", "other"],
    DunningStage: ["none", "courtesy", "first_reminder", "second_reminder", "formal_notice", "litigation"],
    EscalationRoute: ["payment_order", "small_claims", "summary_proceedings", "collection_agency", "credit_insurer"],
    InsolvencyProcedure: ["safeguard", "receivership", "liquidation"],
    NoticeChannel: ["registered_letter", "electronic_registered_letter", "bailiff"],
    PaymentMethod: ["transfer", "direct_debit", "card", "cheque", "cash", "other", "prepayment"],
    Priority: ["low", "normal", "high", "critical"],
    RateKind: ["ecb_mro", "legal_rate_consumer_creditor", "legal_rate_other"],
    ReceivableStatus: ["open", "promised", "in_payment_plan", "disputed", "escalated", "settled", "written_off"],
    ReminderChannel: ["email", "letter", "sms"],
    ReminderStage: ["courtesy", "first", "second"],
}


@pytest.mark.parametrize("vocabulary_enum", list(RECORDED), ids=lambda e: e.__name__)
def test_each_value_keeps_the_name_the_journal_records(vocabulary_enum: type[Enum]) -> None:
    assert [member.value for member in vocabulary_enum] == RECORDED[vocabulary_enum]


def test_every_enumeration_of_the_vocabulary_is_pinned() -> None:
    defined = {
        obj
        for obj in vars(vocabulary).values()
        if isinstance(obj, type) and issubclass(obj, Enum) and obj.__module__ == vocabulary.__name__
    }

    assert defined == set(RECORDED)
