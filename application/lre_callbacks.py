"""What the LRE provider reports after a submission: deposited, accepted, refused, not claimed in 15 days.

A callback only names a sending; what became of it is read back from the provider's API (a callback
is not signed, the API is authenticated), with its proof PDF, stored as a document. Deposit: the proof
is attached to each receivable the notice names. Accepted, refused, unclaimed: the notice's
acknowledgement, recorded by ``Letters.record_outcome`` as for a paper AR, the proof named in it. The
provider is the actor. A repeated callback records nothing new (decision 0100).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from uuid import UUID

from application.access import Principal, Role
from application.commands import AttachDocument
from application.dunning_dispatch import RECORDED, DocumentSink, Outbox
from application.ledger import Ledger
from application.letters import LetterOutcome, Letters
from application.registered_email import LRE_CHANNEL, LreStatus, RegisteredEmail
from domain.errors import NotFound, RuleViolation
from domain.receivable import Receivable
from domain.vocabulary import DocumentKind


@dataclass(frozen=True)
class CallbackResult:
    provider_id: str
    key: str
    status: str  # the provider's status now, or "waiting" before the deposit
    events: int  # recorded by this callback: 0 for a repeated one
    proof_sha256: str | None


class LreCallbacks:
    def __init__(
        self, ledger: Ledger, outbox: Outbox, documents: DocumentSink, provider: RegisteredEmail, letters: Letters
    ) -> None:
        self.ledger = ledger
        self.outbox = outbox
        self.documents = documents
        self.provider = provider
        self.letters = letters

    def receive(self, body: bytes, content_type: str) -> CallbackResult:
        """Record what the provider reports of the sending a callback names. Raises ProviderError when the
        provider cannot be asked (the callback is answered 503 and comes again)."""
        provider_id = self.provider.callback_sending_id(body, content_type)
        sending = self.provider.sending(provider_id)
        dispatch = self.outbox.get(sending.reference)
        if dispatch is None or dispatch.channel != LRE_CHANNEL:
            raise NotFound(f"no electronic registered letter {sending.reference}", rule="lre_sending_exists")
        if sending.status is None:
            return CallbackResult(provider_id, dispatch.key, "waiting", 0, None)
        if dispatch.status != RECORDED:
            raise RuleViolation(
                f"{dispatch.key}: the sending is not in the journal yet (the run records it)", rule="lre_not_recorded"
            )
        principal = Principal(f"lre:{self.provider.name}", self.provider.name, Role.COLLECTOR)
        proof = self._stored_proof(sending.proof)
        notices = self._notices(dispatch)
        if sending.status is LreStatus.SENT:
            events = self._attach_deposit_proof(notices, proof, provider_id, principal)
        elif all(notice.acknowledgement is not None for _, notice in notices):
            events = 0  # already recorded: a repeated callback
        else:
            outcome = LetterOutcome(sending.status.value)
            on = sending.on or self.ledger.now().today
            events = self.letters.record_outcome(
                dispatch.key, outcome, on=on, principal=principal, proof_sha256=proof
            ).events
        return CallbackResult(provider_id, dispatch.key, sending.status.value, events, proof)

    def _stored_proof(self, reference: str | None) -> str | None:
        if reference is None:
            return None
        content = self.provider.proof(reference)
        (sha,) = self.documents.put_many([(content, "application/pdf")], actor=self.provider.name)
        return sha

    def _notices(self, dispatch: Any) -> list[tuple[Receivable, Any]]:
        """The receivables whose formal notice this LRE is, with that notice."""
        found = []
        for step in dispatch.steps:
            receivable = self.ledger.receivable(UUID(step["receivable_id"]))
            notice = next((n for n in receivable.notices if n.document_sha256 == dispatch.document_sha256), None)
            if notice is not None:
                found.append((receivable, notice))
        return found

    def _attach_deposit_proof(
        self, notices: list[tuple[Receivable, Any]], proof: str | None, provider_id: str, principal: Principal
    ) -> int:
        if proof is None:
            return 0
        events = 0
        for receivable, _ in notices:
            if any(d.document_sha256 == proof for d in receivable.documents):
                continue  # a repeated callback
            description = f"Preuve de dépôt de la LRE ({self.provider.name}, n° {provider_id})"
            attach = AttachDocument(receivable.id, DocumentKind.OTHER, proof, "application/pdf", description)
            events += len(self.ledger.execute(attach, principal=principal).events)
        return events
