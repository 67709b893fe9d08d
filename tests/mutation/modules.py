"""Which fast tests each module of ``domain/`` is mutated against (globs from the repository root).

Only unit and evidence tests that need no database: a mutant is run thousands of times.
"""

from __future__ import annotations

RECEIVABLE_TESTS = (
    "tests/unit/test_receivable_*.py",
    "tests/unit/test_late_charges_golden.py",
    "tests/unit/test_limitation.py",
)

MODULE_TESTS: dict[str, tuple[str, ...]] = {
    "canonical": ("tests/evidence/test_canonical_json.py", "tests/unit/test_canonical_*.py"),
    "chain": ("tests/evidence/test_event_hash_chain.py", "tests/unit/test_chain_*.py", "tests/unit/test_personal_*.py"),
    "merkle": ("tests/evidence/test_merkle_tree.py", "tests/unit/test_merkle_*.py"),
    "digest": ("tests/evidence/test_ledger_digest.py", "tests/unit/test_digest_*.py"),
    "late_charges": ("tests/unit/test_late_charges_*.py",),
    "limitation": ("tests/unit/test_limitation*.py",),
    "payment_matching": ("tests/unit/test_import_matching.py", "tests/unit/test_payment_matching_*.py"),
    "dunning": ("tests/unit/test_dunning_decisions.py", "tests/unit/test_dunning_*.py"),
    "dunning_policy": ("tests/unit/test_dunning_policy*.py", "tests/unit/test_policy_files.py"),
    "credit_hold": ("tests/unit/test_credit_hold.py",),
    "rates": ("tests/unit/test_rates*.py", "tests/unit/test_late_charges_golden.py"),
    "rate_register": ("tests/unit/test_rates*.py",),
    "values": ("tests/unit/test_values*.py", "tests/unit/test_debtor.py"),
    "debtor": (
        "tests/unit/test_debtor*.py",
        "tests/unit/test_credit_hold.py",
        "tests/unit/test_email_bounce.py",
        "tests/unit/test_personal_*.py",
    ),
    "receivable": RECEIVABLE_TESTS,
    "receivable_state": RECEIVABLE_TESTS,
    "receivable_standing": (*RECEIVABLE_TESTS, "tests/unit/test_credit_hold.py"),
    "receivable_payments": RECEIVABLE_TESTS,
    "receivable_disputes": RECEIVABLE_TESTS,
    "receivable_notices": RECEIVABLE_TESTS,
    "receivable_plans": RECEIVABLE_TESTS,
    "receivable_events": (*RECEIVABLE_TESTS, "tests/evidence/test_canonical_json.py"),
    "vocabulary": ("tests/unit/test_vocabulary*.py", *RECEIVABLE_TESTS, "tests/evidence/test_canonical_json.py"),
    "personal": ("tests/unit/test_personal_*.py", "tests/evidence/test_sealed_*.py"),
    "errors": ("tests/unit/test_receivable_invariants.py", "tests/unit/test_values*.py", "tests/unit/test_error_*.py"),
}
