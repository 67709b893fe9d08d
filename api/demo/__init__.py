"""``relance demo``: a sample firm's ledger, loaded through the application as the CLI drives it."""

from api.demo.loading import DemoSummary, DocumentSink, demo_clock, holds_demo, load_demo
from api.demo.parties import BANK, DEBTORS, FIRM_SIREN, TEXT_MEDIA_TYPE, sample_firm, with_luhn_key
from api.demo.sample import demo_statement

__all__ = [
    "BANK",
    "DEBTORS",
    "FIRM_SIREN",
    "TEXT_MEDIA_TYPE",
    "DemoSummary",
    "DocumentSink",
    "demo_clock",
    "demo_statement",
    "holds_demo",
    "load_demo",
    "sample_firm",
    "with_luhn_key",
]
