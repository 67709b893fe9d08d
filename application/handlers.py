"""Use cases that create an aggregate: they decide on more than one aggregate's state (the debtor's kind
and erasure for an invoice, the rate table for its penalty floor, the published rates for new ones).
Every other command is decided by its own aggregate (``command.run``) in the pipeline."""

from __future__ import annotations

from typing import Any

from application.commands import IssueInvoice, PublishRates, RegisterDebtor
from application.pipeline import Creation, State
from domain.chain import ChainedAggregate
from domain.debtor import Debtor
from domain.errors import RuleViolation
from domain.rate_register import NewRate
from domain.rates import HalfYear, PenaltyRateFloor
from domain.receivable import Receivable
from domain.values import Money, Now
from domain.vocabulary import DebtorKind, RateKind


def register_debtor(ledger: State, command: RegisterDebtor, now: Now, actor: str) -> tuple[Debtor, None]:
    debtor = Debtor.register(
        debtor_id=command.debtor_id,
        legal_name=command.legal_name,
        kind=command.kind,
        address=command.address,
        siren_number=command.siren,
        siret_number=command.siret,
        sole_trader=command.sole_trader,
        now=now,
        actor=actor,
    )
    return debtor, None


def issue_invoice(ledger: State, command: IssueInvoice, now: Now, actor: str) -> tuple[Receivable, None]:
    debtor = ledger.debtor(command.debtor_id)
    if debtor.erased:
        raise RuleViolation("the debtor's personal data was erased", rule="debtor_not_erased")
    receivable = Receivable.issue(
        invoice_number=command.invoice_number,
        debtor_id=debtor.id,
        debtor_kind=debtor.kind,
        issue_date=command.issue_date,
        due_date=command.due_date,
        amount_excl_vat=Money(command.amount_excl_vat, command.currency),
        vat=Money(command.vat, command.currency),
        amount_incl_vat=Money(command.amount_incl_vat, command.currency),
        label=command.label,
        delivery_date=command.delivery_date,
        order_reference=command.order_reference,
        payment_terms=command.payment_terms,
        contractual_penalty_rate=command.contractual_penalty_rate,
        penalty_rate_floor=_penalty_rate_floor(ledger, command, debtor.kind),
        now=now,
        actor=actor,
    )
    return receivable, None


def _penalty_rate_floor(ledger: State, command: IssueInvoice, kind: DebtorKind) -> PenaltyRateFloor | None:
    """L441-10 II binds a contractual rate between professionals: 3 × the legal rate of the issue date."""
    if command.contractual_penalty_rate is None or kind is not DebtorKind.PROFESSIONAL:
        return None
    return PenaltyRateFloor.on(ledger.rate_table(), command.issue_date)


def publish_rates(ledger: State, command: PublishRates, now: Now, actor: str) -> tuple[ChainedAggregate[Any], None]:
    half_year = HalfYear.parse(command.half_year)
    given = (
        (RateKind.ECB_MRO, command.ecb_mro, command.ecb_effective_from or half_year.start),
        (RateKind.LEGAL_CONSUMER_CREDITOR, command.legal_consumer_creditor, half_year.start),
        (RateKind.LEGAL_OTHER, command.legal_other, half_year.start),
    )
    register = ledger.rate_register()
    register.publish(
        half_year=half_year,
        rates=[NewRate(kind, rate, effective_from) for kind, rate, effective_from in given if rate is not None],
        source=command.source,
        known=ledger.shipped_rates.merged_with(register.publications),
        now=now,
        actor=actor,
    )
    return register, None


CREATIONS: dict[type, Creation] = {
    RegisterDebtor: register_debtor,
    IssueInvoice: issue_invoice,
    PublishRates: publish_rates,
}
