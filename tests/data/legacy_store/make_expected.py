"""Records what a legacy store answers, with the code of the commit that wrote it (see README.md).

Run once, with that commit checked out: RELANCE_DATA_DIR=<store> python make_expected.py > expected.json
(there, ``build_claims`` and ``build_ledger`` were imported from ``infrastructure.bootstrap``). The test of the
legacy store computes the same ``snapshot`` with today's code and compares.
"""

from __future__ import annotations

import json
import sys
from datetime import date
from typing import Any

from application.views import claim_summary, limitation_view
from domain.canonical import to_canonical_value
from infrastructure.settings import Settings
from infrastructure.stores import build_claims, build_ledger

AS_OF = date(2026, 12, 31)


def snapshot(ledger: Any, claims: Any, as_of: date = AS_OF) -> dict[str, Any]:
    """Every receivable's and debtor's version, head, standing, claim and limitation, and journal hashes."""
    receivables = {}
    for receivable in sorted(ledger.receivables(), key=lambda r: r.invoice_number):
        receivables[str(receivable.id)] = {
            "invoice_number": receivable.invoice_number,
            "version": receivable.version,
            "head": receivable.head,
            "status": receivable.status.value,
            "stage": receivable.stage.value,
            "outstanding": str(receivable.outstanding),
            "paid": str(receivable.paid),
            "credited": str(receivable.credited),
            "claim": to_canonical_value(claim_summary(claims.claim_of(receivable, as_of))),
            "limitation": to_canonical_value(limitation_view(claims.limitation(receivable.id, as_of))),
            "journal": [entry.hash for entry in ledger.journal(receivable.id)],
        }
    debtors = {}
    for debtor_id in ledger.debtor_ids():
        debtor = ledger.debtor(debtor_id)
        debtors[str(debtor_id)] = {
            "version": debtor.version,
            "head": debtor.head,
            "erased": debtor.erased,
            "journal": [entry.hash for entry in ledger.journal(debtor_id)],
        }
    return {"as_of": as_of.isoformat(), "receivables": receivables, "debtors": debtors}


def main() -> None:
    settings = Settings()
    ledger = build_ledger(settings)
    json.dump(snapshot(ledger, build_claims(settings, ledger)), sys.stdout, indent=1)


if __name__ == "__main__":
    main()
