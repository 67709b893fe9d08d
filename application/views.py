"""Read shapes for the CLI and the API: plain dicts of canonical JSON values, never aggregates."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import TYPE_CHECKING, Any
from uuid import UUID

from domain.canonical import to_canonical_value
from domain.debtor import Debtor
from domain.late_charges import Claim
from domain.limitation import DEFAULT_ALERT_DAYS, Limitation, limitation_of
from domain.personal import ERASED
from domain.receivable import Receivable

if TYPE_CHECKING:
    from application.ledger import Ledger


def receivable_view(
    receivable: Receivable,
    *,
    today: date,
    limitation_alert_days: int = DEFAULT_ALERT_DAYS,
    claim: Claim | None = None,
) -> dict[str, Any]:
    """``claim``: what may be claimed as of ``today`` (application/claims.py), summarised when given."""
    promise = receivable.open_promise
    dispute = receivable.open_dispute
    plan = receivable.active_plan
    return to_canonical_value(
        {
            "id": receivable.id,
            "version": receivable.version,
            "head": receivable.head,
            "invoice_number": receivable.invoice_number,
            "debtor_id": receivable.debtor_id,
            "debtor_kind": receivable.debtor_kind,
            "label": receivable.label,
            "issue_date": receivable.issue_date,
            "delivery_date": receivable.delivery_date,
            "due_date": receivable.due_date,
            "currency": receivable.currency,
            "amount_excl_vat": receivable.amount_excl_vat,
            "vat": receivable.vat,
            "amount_incl_vat": receivable.amount_incl_vat,
            "contractual_penalty_rate": receivable.contractual_penalty_rate,
            "payment_terms": receivable.payment_terms,
            "payment_terms_cap": receivable.payment_terms_cap,
            "payment_terms_over_cap": receivable.payment_terms_over_cap,
            "status": receivable.status,
            "stage": receivable.stage,
            "days_past_due": receivable.days_past_due(today),
            "outstanding": receivable.outstanding,
            "paid": receivable.paid,
            "credited": receivable.credited,
            "credit_to_refund": receivable.credit_to_refund,
            "late_charges": {
                "interest_invoiced": receivable.interest_invoiced,
                "indemnity_invoiced": receivable.indemnity_invoiced,
                "interest_waived": receivable.interest_waived,
                "indemnity_waived": receivable.indemnity_waived,
                "outstanding": receivable.late_charges_outstanding,
            },
            "payments": [
                {
                    "amount": p.amount,
                    "value_date": p.value_date,
                    "method": p.method,
                    "bank_reference": p.bank_reference,
                    "version": p.version,
                }
                for p in receivable.payments
            ],
            "credit_notes": [
                {"number": n, "amount": c.amount, "issued_on": c.issued_on} for n, c in receivable.credit_notes.items()
            ],
            "open_dispute": None
            if dispute is None
            else {
                "number": dispute.number,
                "amount": dispute.amount,
                "reason": dispute.reason,
                "opened_on": dispute.opened_on,
            },
            "open_promise": None
            if promise is None
            else {"amount": promise.amount, "promised_date": promise.promised_date},
            "active_payment_plan": None
            if plan is None
            else {
                "number": plan.number,
                "agreed_on": plan.agreed_on,
                "instalments": [{"due_date": i.due_date, "amount": i.amount} for i in plan.instalments],
            },
            "formal_notices": [
                {
                    "number": n.number,
                    "channel": n.channel,
                    "sent_on": n.sent_on,
                    "deadline": n.deadline,
                    "claimed": n.claimed,
                    "acknowledgement": n.acknowledgement,
                    "acknowledged_on": n.acknowledged_on,
                }
                for n in receivable.notices
            ],
            "reminders": len(receivable.reminders),
            "calls": len(receivable.calls),
            "escalations": [{"route": e.route, "escalated_on": e.escalated_on} for e in receivable.escalations],
            "written_off": None
            if receivable.written_off is None
            else {"reason": receivable.written_off.reason, "amount": receivable.written_off.amount},
            "paused": None
            if receivable.pause is None
            else {
                "reason": receivable.pause.reason,
                "since": receivable.pause.paused_on,
                "until": receivable.pause.until,
            },
            "mediation_since": receivable.mediation_started_on,
            "limitation": limitation_view(limitation_of(receivable, on=today, alert_days=limitation_alert_days)),
            "claim": None if claim is None else claim_summary(claim),
            "documents": [d.document_sha256 for d in receivable.documents],
            "last_recorded_at": receivable.last_recorded_at,
        }
    )


def claim_summary(claim: Claim) -> dict[str, Any]:
    """The amounts of a claim, without its detail (``relance receivable claim`` gives the detail)."""
    return to_canonical_value(
        {
            "as_of": claim.as_of,
            "principal_outstanding": claim.principal_outstanding,
            "penalties": claim.penalties,
            "indemnity": claim.indemnity,
            "already_invoiced": claim.already_invoiced,
            "waived": claim.waived,
            "total": claim.total,
            "provisional": claim.provisional,
        }
    )


def limitation_view(limitation: Limitation) -> dict[str, Any]:
    """The limitation period (legal.md §5): its date, what last interrupted it, the alert."""
    last = limitation.last_interruption
    return to_canonical_value(
        {
            "years": limitation.years,
            "reference": limitation.reference,
            "starts_on": limitation.starts_on,
            "limitation_date": limitation.limitation_date,
            "last_interruption": None
            if last is None
            else {"on": last.on, "kind": last.kind, "reference": last.reference, "description": last.description},
            "suspended_since": limitation.suspended_since,
            "alert_days": limitation.alert_days,
            "alert_from": limitation.alert_from,
            "alert": limitation.alert,
            "time_barred": limitation.time_barred,
            "notes": list(limitation.notes),
        }
    )


def debtor_view(debtor: Debtor) -> dict[str, Any]:
    return to_canonical_value(
        {
            "id": debtor.id,
            "version": debtor.version,
            "legal_name": debtor.legal_name,
            "kind": debtor.kind,
            "siren": debtor.siren,
            "siret": debtor.siret,
            "address": debtor.address,
            "contacts": [
                {"contact_id": c.contact_id, "role": c.role, "name": c.name, "email": c.email, "phone": c.phone}
                for c in debtor.contacts.values()
            ],
            "credit_limit": None
            if debtor.credit_limit is None
            else {"amount": debtor.credit_limit.amount, "currency": debtor.credit_limit.currency},
            "priority": debtor.priority,
            "policy_id": debtor.policy_id,
            "electronic_delivery_consented_on": debtor.electronic_delivery_consented_on,
            "insolvency": None
            if debtor.insolvency is None
            else {
                "procedure": debtor.insolvency.procedure,
                "court": debtor.insolvency.court,
                "judgment_date": debtor.insolvency.judgment_date,
                "publication_date": debtor.insolvency.publication_date,
                "claim_declaration_deadline": debtor.claim_declaration_deadline,
                "claims_declared": len(debtor.claims_declared),
            },
            "erased": debtor.erased,
        }
    )


def debtor_names(ledger: Ledger, debtor_ids: Iterable[UUID | str | None]) -> dict[str, str]:
    """Each debtor's name by id (as text), ERASED for an erased person."""
    names: dict[str, str] = {}
    for debtor_id in debtor_ids:
        if debtor_id is not None and str(debtor_id) not in names:
            names[str(debtor_id)] = ledger.debtor(UUID(str(debtor_id))).legal_name or ERASED
    return names
