"""Late charges and limitation periods over the Ledger: the use cases and their read shapes.

``Claims`` loads the receivable (and its debtor, for insolvency), the rate table in use
(shipped data files plus the journal's publications) and hands them to the pure domain
computations with the firm's settings.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any
from uuid import UUID

from application.ledger import Ledger
from application.views import limitation_view
from domain.canonical import to_canonical_value
from domain.late_charges import CENT, PENALTY_MARGIN, ChargePolicy, Claim, ClaimFacts, compute_claim, shown
from domain.limitation import DEFAULT_ALERT_DAYS, Limitation, limitation_of
from domain.rates import FLOOR_MULTIPLIER, PublishedRate, RateTable
from domain.receivable import Receivable
from domain.vocabulary import RateKind


@dataclass(frozen=True)
class RatesReport:
    table: RateTable
    superseded: list[tuple[PublishedRate, PublishedRate]]  # (journal publication, data file entry)


class Claims:
    def __init__(
        self, ledger: Ledger, *, policy: ChargePolicy | None = None, alert_days: int = DEFAULT_ALERT_DAYS
    ) -> None:
        self.ledger = ledger
        self.policy = policy or ChargePolicy()
        self.alert_days = alert_days

    def claim(self, receivable_id: UUID, as_of: date) -> Claim:
        """What may be claimed on a receivable as of the end of ``as_of`` (payments by value date)."""
        return self.claim_of(self.ledger.receivable(receivable_id), as_of)

    def claim_of(self, receivable: Receivable, as_of: date) -> Claim:
        """The same for a receivable already loaded (e.g. replayed as recorded at some instant)."""
        debtor = self.ledger.debtor(receivable.debtor_id)
        judgment = None if debtor.insolvency is None else debtor.insolvency.judgment_date
        facts = ClaimFacts.of(receivable, insolvency_judgment_date=judgment)
        return compute_claim(facts, self.ledger.rate_table(), as_of, self.policy)

    def limitation(self, receivable_id: UUID, on: date | None = None) -> Limitation:
        receivable = self.ledger.receivable(receivable_id)
        return limitation_of(receivable, on=on or self.ledger.now().today, alert_days=self.alert_days)

    def limitation_before(self, day: date, *, on: date | None = None) -> list[tuple[Receivable, Limitation]]:
        """Open receivables whose limitation date falls strictly before ``day`` (time-barred ones
        included), soonest first. Suspended ones (mediation under way) have no date and are left out."""
        today = on or self.ledger.now().today
        found = []
        for receivable in self.ledger.receivables():
            if receivable.is_closed:
                continue
            limitation = limitation_of(receivable, on=today, alert_days=self.alert_days)
            if limitation.limitation_date is not None and limitation.limitation_date < day:
                found.append((receivable, limitation))
        found.sort(key=lambda pair: (pair[1].limitation_date or date.max, pair[0].invoice_number))
        return found

    def rates(self) -> RatesReport:
        publications = self.ledger.rate_register().publications
        return RatesReport(self.ledger.rate_table(), self.ledger.shipped_rates.superseded(publications))


# ------------------------------------------------------------------ views


def money(value: Decimal) -> str:
    return format(value.quantize(CENT), "f")


def claim_view(claim: Claim, *, receivable_id: UUID | None = None) -> dict[str, Any]:
    """The claim as JSON: money as strings with two decimals, period amounts to six decimals."""
    return to_canonical_value(
        {
            "receivable_id": receivable_id,
            "invoice_number": claim.invoice_number,
            "currency": claim.currency,
            "as_of": claim.as_of,
            "debtor_kind": claim.debtor_kind,
            "basis": claim.basis,
            "imputation": claim.policy.imputation,
            "rate_reading": claim.policy.reading,
            "principal_outstanding": money(claim.principal_outstanding),
            "penalties": money(claim.penalties),
            "penalties_exact": shown(claim.penalties_exact),
            "indemnity": money(claim.indemnity),
            "already_invoiced": money(claim.already_invoiced),
            "waived": money(claim.waived),
            "interest_paid": money(claim.interest_paid),
            "total": money(claim.total),
            "provisional": claim.provisional,
            "payment_terms_over_cap": claim.payment_terms_over_cap,
            "accrual_start": claim.accrual_start,
            "accrual_end": claim.accrual_end,
            "periods": [
                {
                    "start": p.start,
                    "end": p.end,
                    "days": p.days,
                    "base": money(p.base),
                    "rate": p.rate,
                    "amount": shown(p.amount),
                    "half_year": str(p.half_year),
                    "provisional": p.provisional,
                }
                for p in claim.periods
            ],
            "allocations": [
                {
                    "on": a.on,
                    "kind": a.kind,
                    "reference": a.reference,
                    "amount": money(a.amount),
                    "to_interest": money(a.to_interest),
                    "to_principal": money(a.to_principal),
                }
                for a in claim.allocations
            ],
            "rules": [{"code": r.code, "reference": r.reference, "text": r.text} for r in claim.rules],
        }
    )


def rates_view(report: RatesReport) -> dict[str, Any]:
    table = report.table
    half_years = sorted({e.half_year for e in table.entries()})
    rows = []
    for half_year in half_years:
        ecb = table.get(RateKind.ECB_MRO, half_year)
        other = table.get(RateKind.LEGAL_OTHER, half_year)
        rows.append(
            {
                "half_year": str(half_year),
                **{kind.value: _entry_view(table.get(kind, half_year)) for kind in RateKind},
                "default_penalty_rate": None if ecb is None else ecb.rate + PENALTY_MARGIN,
                "contractual_rate_floor": None if other is None else FLOOR_MULTIPLIER * other.rate,
            }
        )
    return to_canonical_value(
        {
            "half_years": rows,
            "superseded_publications": [
                {
                    **(_entry_view(published) or {}),
                    "half_year": str(published.half_year),
                    "data_file_rate": shipped.rate,
                }
                for published, shipped in report.superseded
            ],
        }
    )


def _entry_view(entry: PublishedRate | None) -> dict[str, Any] | None:
    if entry is None:
        return None
    return {
        "kind": entry.kind,
        "rate": entry.rate,
        "effective_from": entry.effective_from,
        "source": entry.source,
        "origin": entry.origin,
        "published_by": entry.published_by,
        "published_on": entry.published_on,
    }


def limitation_rows(pairs: Iterable[tuple[Receivable, Limitation]]) -> list[dict[str, Any]]:
    return [
        {"receivable_id": str(r.id), "invoice_number": r.invoice_number, **limitation_view(limitation)}
        for r, limitation in pairs
    ]
