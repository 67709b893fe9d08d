"""What the administrator must fix before letters are right, said early and loudly.

Two things a letter cannot do without and the firm can only add by hand: the current half-year's
rates (a formal notice would carry the last published rate forward, legal.md §1) and, for
consumers, the consumer mediator the firm adheres to (Code de la consommation L612-1, L616-1).
``relance serve`` prints these at start-up, ``/readyz`` lists them in its details, and each dunning
run report carries them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from application.correspondence import Firm
from application.sepa_qr import iban_valid
from domain.rates import HalfYear, RateTable
from domain.vocabulary import RateKind

# The rates a firm's claims use (a firm is never a consumer creditor), with their `relance rates add` option.
RATE_OPTIONS = {RateKind.ECB_MRO: "--ecb-mro", RateKind.LEGAL_OTHER: "--legal-other"}
RATE_NAMES = {RateKind.ECB_MRO: "the ECB main refinancing rate", RateKind.LEGAL_OTHER: "the taux d'intérêt légal"}


@dataclass(frozen=True)
class ConfigurationWarning:
    rule: str  # rate_not_published, consumer_mediator_not_set, iban_invalid
    detail: str  # what is wrong, what it does to the letters, and the exact fix

    def view(self) -> dict[str, str]:
        return {"rule": self.rule, "detail": self.detail}


def missing_rates(table: RateTable, today: date) -> list[ConfigurationWarning]:
    """One warning when a rate of the current half-year is not in the table, naming the command to run."""
    half_year = HalfYear.of(today)
    missing = [kind for kind in RATE_OPTIONS if table.half_years(kind) and table.get(kind, half_year) is None]
    if not missing:
        return []
    carried = ", ".join(f"{RATE_NAMES[kind]} of {table.half_years(kind)[-1]}" for kind in missing)
    options = " ".join(f"{RATE_OPTIONS[kind]} RATE" for kind in missing)
    return [
        ConfigurationWarning(
            "rate_not_published",
            f"{' and '.join(RATE_NAMES[k] for k in missing)} for {half_year} not in the rate table: late charges "
            f"and formal notices apply {carried} instead, and say so. Once published, run: "
            f"relance rates add --half-year {half_year} {options} --source URL --actor NAME",
        )
    ]


def mediator_missing(firm: Firm | None) -> ConfigurationWarning | None:
    if firm is not None and firm.consumer_mediator:
        return None
    return ConfigurationWarning(
        "consumer_mediator_not_set",
        "no consumer mediator is set: letters and e-mails to consumers cannot name the one the firm adheres to "
        "(Code de la consommation L612-1, L616-1). Set RELANCE_FIRM_CONSUMER_MEDIATOR (name and address) and "
        "RELANCE_FIRM_CONSUMER_MEDIATOR_WEBSITE",
    )


def iban_invalid(firm: Firm | None) -> ConfigurationWarning | None:
    """An IBAN whose check digits fail: letters would print it, and no payment QR code can carry it."""
    if firm is None or firm.iban is None or iban_valid(firm.iban):
        return None
    return ConfigurationWarning(
        "iban_invalid",
        f"RELANCE_FIRM_IBAN {firm.iban!r} fails its check digits (ISO 13616): letters would print it and carry "
        "no SEPA payment QR code. Copy it again from the bank's RIB",
    )


def configuration_warnings(table: RateTable, today: date, firm: Firm | None) -> list[ConfigurationWarning]:
    found = [mediator_missing(firm), iban_invalid(firm)]
    return [*missing_rates(table, today), *(warning for warning in found if warning is not None)]
