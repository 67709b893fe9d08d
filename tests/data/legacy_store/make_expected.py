"""Records what a legacy store answers, with the code of the commit that wrote it (see README.md).

Run once, with that commit checked out: RELANCE_DATA_DIR=<store> python make_expected.py > expected.json
"""

from __future__ import annotations

import json
import sys
from datetime import date

from application.views import claim_summary, limitation_view
from domain.canonical import to_canonical_value
from infrastructure.settings import Settings
from infrastructure.stores import build_claims, build_ledger

AS_OF = date(2026, 12, 31)


def main() -> None:
    settings = Settings()
    ledger = build_ledger(settings)
    claims = build_claims(settings, ledger)
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
            "claim": to_canonical_value(claim_summary(claims.claim_of(receivable, AS_OF))),
            "limitation": to_canonical_value(limitation_view(claims.limitation(receivable.id, AS_OF))),
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
    json.dump({"as_of": AS_OF.isoformat(), "receivables": receivables, "debtors": debtors}, sys.stdout, indent=1)


if __name__ == "__main__":
    main()
