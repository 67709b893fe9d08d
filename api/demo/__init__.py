"""``relance demo``: a sample firm's ledger, loaded through the application as the CLI drives it."""

from api.demo.loading import DemoSummary, DocumentSink, demo_clock, load_demo
from api.demo.sample import DEBTORS, FIRM_SIREN, with_luhn_key

__all__ = ["DEBTORS", "FIRM_SIREN", "DemoSummary", "DocumentSink", "demo_clock", "load_demo", "with_luhn_key"]
