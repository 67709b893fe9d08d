"""Late charges (legal.md §1–4): what a firm may lawfully claim on one invoice at a date, line by line.

Pure: the invoice's facts, the rate table, the date and the firm's policy in; a ``Claim``
out, with every period (start, end, days, base, rate, amount) and the rules applied, so
that a judge can redo it by hand. Amounts are ``Decimal``; the period amounts keep full
precision; the penalties of the invoice are rounded half-up to the cent once, at the end.

Conventions (legal.md §1): day D accrues on the principal still unpaid after every
payment or credit note dated before D, so a payment on the due date stops everything and
one made the day after leaves one day; ``base × rate × days / 365``, 365 in leap years
too; periods are cut at each half-year boundary and at each change of the base.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal, localcontext
from enum import Enum
from itertools import pairwise

from domain.errors import InvalidInput
from domain.rates import AppliedRate, HalfYear, RateTable
from domain.receivable import Receivable
from domain.vocabulary import DebtorKind, RateKind

ZERO = Decimal("0.00")
CENT = Decimal("0.01")
DETAIL = Decimal("0.000001")
INDEMNITY = Decimal("40.00")  # Code de commerce D441-5
PENALTY_MARGIN = Decimal(10)  # Code de commerce L441-10 II: ECB rate + 10 points
YEAR_DAYS = 365  # legal.md §1: 365 in leap years too
ONE_DAY = timedelta(days=1)
PRECISION = 40  # significant digits of the exact period amounts (far beyond any cent)
PAYMENT = "payment"
CREDIT_NOTE = "credit_note"


class Imputation(Enum):
    PRINCIPAL_FIRST = "principal_first"  # Code civil 1342-10: the debtor names the invoice; principal first
    INTEREST_FIRST = "interest_first"  # Code civil 1343-1, once late charges have been claimed


class RateReading(Enum):
    PER_DAY = "per_day"  # each day at the rate of the half-year it falls in (the default)
    DELAY_START = "delay_start"  # the rate of the half-year in which the delay began, throughout


class ChargeBasis(Enum):
    PENALTIES = "late_payment_penalties"  # professional debtor: L441-10 II
    MORATORY_INTEREST = "moratory_interest"  # consumer: Code civil 1231-6, 1344-1


@dataclass(frozen=True)
class ChargePolicy:
    """The firm's settings for the computation (RELANCE_IMPUTATION, RELANCE_PENALTY_RATE_READING)."""

    imputation: Imputation = Imputation.PRINCIPAL_FIRST
    reading: RateReading = RateReading.PER_DAY


# -------------------------------------------------------------------- facts


@dataclass(frozen=True)
class Settlement:
    """Something that reduces the principal on a date: a payment (value date) or a credit note."""

    on: date
    amount: Decimal
    kind: str  # PAYMENT or CREDIT_NOTE
    reference: str


@dataclass(frozen=True)
class NoticeFact:
    sent_on: date
    claims_charges: bool  # the notice claimed interest or the indemnity


@dataclass(frozen=True)
class ChargesInvoice:
    number: str
    invoiced_on: date
    interest: Decimal
    indemnity: Decimal


@dataclass(frozen=True)
class Waiver:
    waived_on: date
    interest: Decimal
    indemnity: Decimal
    reason: str
    actor: str


# How an imported invoice without a due date says, in the payment terms it keeps, that the legal one applies.
LEGAL_DUE_DATE_NOTE = "Échéance absente de la facture"


@dataclass(frozen=True)
class ClaimFacts:
    """What the calculation needs from a receivable (and its debtor), nothing more."""

    invoice_number: str
    debtor_kind: DebtorKind
    issue_date: date
    due_date: date
    amount_incl_vat: Decimal
    currency: str = "EUR"
    contractual_rate: Decimal | None = None
    settlements: tuple[Settlement, ...] = ()
    notices: tuple[NoticeFact, ...] = ()
    charges_invoices: tuple[ChargesInvoice, ...] = ()
    waivers: tuple[Waiver, ...] = ()
    disputes_opened: tuple[date, ...] = ()
    insolvency_judgment_date: date | None = None
    payment_terms_cap: date | None = None
    due_date_by_law: bool = False  # the invoice gave none: Code de commerce L441-10 I set it

    @classmethod
    def of(cls, receivable: Receivable, *, insolvency_judgment_date: date | None = None) -> ClaimFacts:
        payments = [Settlement(p.value_date, p.amount, PAYMENT, p.bank_reference) for p in receivable.payments]
        credits = [Settlement(c.issued_on, c.amount, CREDIT_NOTE, n) for n, c in receivable.credit_notes.items()]
        return cls(
            invoice_number=receivable.invoice_number,
            debtor_kind=receivable.debtor_kind,
            issue_date=receivable.issue_date,
            due_date=receivable.due_date,
            amount_incl_vat=receivable.amount_incl_vat,
            currency=receivable.currency,
            contractual_rate=receivable.contractual_penalty_rate,
            settlements=tuple(payments + credits),
            notices=tuple(
                NoticeFact(n.sent_on, n.claimed.interest > 0 or n.claimed.indemnity > 0) for n in receivable.notices
            ),
            charges_invoices=tuple(
                ChargesInvoice(c.charges_invoice_number, c.invoiced_on, c.interest, c.indemnity)
                for c in receivable.charges_invoiced
            ),
            waivers=tuple(Waiver(w.waived_on, w.interest, w.indemnity, w.reason, w.actor) for w in receivable.waivers),
            disputes_opened=tuple(d.opened_on for d in receivable.disputes),
            insolvency_judgment_date=insolvency_judgment_date,
            payment_terms_cap=receivable.payment_terms_cap,
            due_date_by_law=LEGAL_DUE_DATE_NOTE in (receivable.payment_terms or ""),
        )


# ------------------------------------------------------------------- result


@dataclass(frozen=True)
class Period:
    start: date
    end: date  # inclusive
    days: int
    base: Decimal  # principal incl. VAT unpaid during the period
    rate: Decimal  # annual percentage
    amount: Decimal  # base × rate × days / 36500, not rounded
    half_year: HalfYear
    provisional: bool  # the rate of an unpublished half-year, carried forward
    published_for: HalfYear | None = None  # the half-year whose published rate was applied; None: contractual


@dataclass(frozen=True)
class Allocation:
    """How one payment or credit note was applied (the imputation the calculation made)."""

    on: date
    kind: str
    reference: str
    amount: Decimal
    to_interest: Decimal
    to_principal: Decimal


@dataclass(frozen=True)
class Rule:
    code: str  # stable identifier, e.g. "default_rate"
    reference: str  # the article or source, e.g. "Code de commerce L441-10 II"
    text: str  # what it means for this invoice


@dataclass(frozen=True)
class Claim:
    invoice_number: str
    currency: str
    as_of: date
    debtor_kind: DebtorKind
    basis: ChargeBasis
    policy: ChargePolicy
    principal_outstanding: Decimal
    penalties_exact: Decimal
    penalties: Decimal  # rounded half-up once
    indemnity: Decimal
    already_invoiced: Decimal
    waived: Decimal
    interest_paid: Decimal  # paid by imputation under Code civil 1343-1
    total: Decimal
    accrual_start: date | None
    accrual_end: date | None
    periods: tuple[Period, ...]
    allocations: tuple[Allocation, ...]
    rules: tuple[Rule, ...]
    payment_terms_over_cap: bool

    @property
    def provisional(self) -> bool:
        return any(p.provisional for p in self.periods)


# -------------------------------------------------------------- computation


def compute_claim(facts: ClaimFacts, rates: RateTable, as_of: date, policy: ChargePolicy | None = None) -> Claim:
    """What may be claimed on this invoice as of the end of ``as_of``, by value dates."""
    if as_of < facts.issue_date:
        raise InvalidInput(
            f"as_of: {as_of} is before the invoice was issued ({facts.issue_date})", rule="as_of_after_issue"
        )
    return _Calculation(facts, rates, as_of, policy or ChargePolicy()).run()


def round_cents(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def shown(value: Decimal) -> Decimal:
    """An exact amount as the detail shows it: six decimal places (the total is rounded from the exact sum)."""
    return value.quantize(DETAIL, rounding=ROUND_HALF_UP)


RateOf = Callable[[HalfYear], tuple[Decimal, bool, HalfYear | None]]  # rate, provisional, published for


class _Calculation:
    def __init__(self, facts: ClaimFacts, rates: RateTable, as_of: date, policy: ChargePolicy) -> None:
        self.facts, self.rates, self.as_of, self.policy = facts, rates, as_of, policy
        self.rules: list[Rule] = []
        self.periods: list[Period] = []
        self.allocations: list[Allocation] = []
        self.used: dict[tuple[RateKind, HalfYear], AppliedRate] = {}
        self.principal = facts.amount_incl_vat
        self.interest_paid = ZERO
        self.settlements = sorted(
            (s for s in facts.settlements if s.on <= as_of), key=lambda s: (s.on, s.kind, s.reference)
        )
        self.pending = list(self.settlements)
        self.waivers = [w for w in facts.waivers if w.waived_on <= as_of]
        self.invoices = [c for c in facts.charges_invoices if c.invoiced_on <= as_of]
        claims = [c.invoiced_on for c in self.invoices] + [
            n.sent_on for n in facts.notices if n.claims_charges and n.sent_on <= as_of
        ]
        self.claimed_on = min(claims, default=None)

    def run(self) -> Claim:
        basis, start, rate_of = self._basis()
        end = self._accrual_end()
        accruing = start is not None and start <= end
        if start is not None and accruing:
            for segment_start, segment_end in self._segments(start, end):
                self._settle_before(segment_start)
                self._accrue(segment_start, segment_end, rate_of)
        self._settle_before(self.as_of + ONE_DAY)
        self._rate_sources()
        self._imputation_rule()
        indemnity = self._indemnity()
        return self._claim(basis, indemnity, start if accruing else None, end if accruing else None)

    # ------------------------------------------------------------- basis

    def _basis(self) -> tuple[ChargeBasis, date | None, RateOf]:
        if self.facts.due_date_by_law:
            self._rule(
                "due_date_set_by_law",
                "Code de commerce L441-10 I",
                f"The invoice gave no due date: the legal one applies, the thirtieth day after the delivery "
                f"(or, without a delivery date, after the invoice date): {self.facts.due_date}.",
            )
        if self.facts.debtor_kind is DebtorKind.CONSUMER:
            return ChargeBasis.MORATORY_INTEREST, self._consumer_start(), self._legal_rate
        start = self.facts.due_date + ONE_DAY
        self._rule(
            "penalties_from_due_date",
            "Code de commerce L441-10 II",
            f"Late-payment penalties (pénalités de retard) run from the day after the due date "
            f"{self.facts.due_date}, without a reminder being needed: first day of delay {start}.",
        )
        if self.as_of < start:
            self._rule("not_late", "Code de commerce L441-10 II", f"As of {self.as_of} the invoice is not yet late.")
        if self.facts.contractual_rate is not None:
            rate = self.facts.contractual_rate
            self._rule(
                "contractual_rate",
                "Code de commerce L441-10 II",
                f"Rate agreed in the terms of sale: {rate} % a year (checked at issue against the floor of "
                "3 × the legal rate); a fixed rate, whatever the half-year.",
            )
            return ChargeBasis.PENALTIES, start, lambda _half_year: (rate, False, None)
        if self.policy.reading is RateReading.DELAY_START:
            first = HalfYear.of(start)
            self._rule(
                "default_rate",
                "Code de commerce L441-10 II",
                f"No rate agreed: ECB main refinancing operations rate + {PENALTY_MARGIN} points. Reading "
                f"'delay_start': the rate of the half-year in which the delay began ({first}) applies to every day.",
            )
            return ChargeBasis.PENALTIES, start, lambda _half_year: self._ecb_rate(first)
        self._rule(
            "default_rate",
            "Code de commerce L441-10 II",
            f"No rate agreed: ECB main refinancing operations rate + {PENALTY_MARGIN} points. Reading 'per_day': "
            "each day at the rate of its half-year (the ECB rate in force on 1 January, or on 1 July).",
        )
        return ChargeBasis.PENALTIES, start, self._ecb_rate

    def _consumer_start(self) -> date | None:
        self._rule(
            "consumer_no_penalties",
            "Code de commerce L441-10 II, D441-5; legal.md §4",
            "The debtor is a consumer: no L441-10 penalties and no 40 € indemnity; moratory interest only.",
        )
        if self.facts.contractual_rate is not None:
            self._rule(
                "consumer_contractual_rate_not_applied",
                "legal.md §4",
                f"The contractual penalty rate of the invoice ({self.facts.contractual_rate} %) is not applied "
                "to a consumer: the legal rate is.",
            )
        notices = sorted(n.sent_on for n in self.facts.notices if n.sent_on <= self.as_of)
        if not notices:
            self._rule(
                "no_formal_notice",
                "Code civil 1231-6, 1344-1",
                f"No formal notice (mise en demeure) sent by {self.as_of}: moratory interest has not started.",
            )
            return None
        start = max(notices[0], self.facts.due_date) + ONE_DAY
        self._rule(
            "moratory_interest",
            "Code civil 1231-6, 1344-1",
            f"Moratory interest at the taux d'intérêt légal, 'all other cases' column (the creditor is a "
            f"professional), from the formal notice sent on {notices[0]}: first day of interest {start}; "
            "each day at the rate of its half-year.",
        )
        return start

    def _ecb_rate(self, half_year: HalfYear) -> tuple[Decimal, bool, HalfYear | None]:
        applied = self._lookup(RateKind.ECB_MRO, half_year)
        return applied.rate + PENALTY_MARGIN, applied.provisional, applied.entry.half_year

    def _legal_rate(self, half_year: HalfYear) -> tuple[Decimal, bool, HalfYear | None]:
        applied = self._lookup(RateKind.LEGAL_OTHER, half_year)
        return applied.rate, applied.provisional, applied.entry.half_year

    def _lookup(self, kind: RateKind, half_year: HalfYear) -> AppliedRate:
        applied = self.rates.lookup(kind, half_year)
        self.used[(kind, half_year)] = applied
        return applied

    def _accrual_end(self) -> date:
        judgment = self.facts.insolvency_judgment_date
        if judgment is None or judgment > self.as_of:
            return self.as_of
        self._rule(
            "insolvency_stops_interest",
            "Code de commerce L622-28",
            f"Insolvency proceedings opened on {judgment}: the opening judgment stops interest and penalties; "
            f"they are counted up to {judgment}.",
        )
        return judgment

    # ----------------------------------------------------------- periods

    def _segments(self, start: date, end: date) -> list[tuple[date, date]]:
        cuts = {s.on + ONE_DAY for s in self.settlements if start < s.on + ONE_DAY <= end}
        half_year = HalfYear.of(start).next()
        while half_year.start <= end:
            cuts.add(half_year.start)
            half_year = half_year.next()
        bounds = [start, *sorted(cuts), end + ONE_DAY]
        return [(first, after - ONE_DAY) for first, after in pairwise(bounds)]

    def _accrue(self, start: date, end: date, rate_of: RateOf) -> None:
        if self.principal <= ZERO:
            return
        half_year = HalfYear.of(start)
        rate, provisional, published_for = rate_of(half_year)
        days = (end - start).days + 1
        with localcontext() as context:
            context.prec = PRECISION
            amount = self.principal * rate * days / Decimal(100 * YEAR_DAYS)
        self.periods.append(
            Period(start, end, days, self.principal, rate, amount, half_year, provisional, published_for)
        )

    def _settle_before(self, day: date) -> None:
        while self.pending and self.pending[0].on < day:
            self._apply(self.pending.pop(0))

    def _apply(self, settlement: Settlement) -> None:
        to_interest = ZERO
        if settlement.kind == PAYMENT and self._interest_first_on(settlement.on):
            accrued = round_cents(sum((p.amount for p in self.periods), ZERO))
            waived = sum((w.interest for w in self.waivers if w.waived_on <= settlement.on), ZERO)
            to_interest = min(settlement.amount, max(ZERO, accrued - waived - self.interest_paid))
        to_principal = settlement.amount - to_interest
        self.interest_paid += to_interest
        self.principal = max(ZERO, self.principal - to_principal)
        self.allocations.append(
            Allocation(
                settlement.on, settlement.kind, settlement.reference, settlement.amount, to_interest, to_principal
            )
        )

    def _interest_first_on(self, day: date) -> bool:
        return (
            self.policy.imputation is Imputation.INTEREST_FIRST
            and self.claimed_on is not None
            and day >= self.claimed_on
        )

    # ------------------------------------------------------------- rules

    def _rule(self, code: str, reference: str, text: str) -> None:
        self.rules.append(Rule(code, reference, text))

    def _rate_sources(self) -> None:
        for (kind, half_year), applied in sorted(self.used.items(), key=lambda item: (item[0][1], item[0][0].value)):
            entry = applied.entry
            name = "ECB main refinancing operations rate" if kind is RateKind.ECB_MRO else "taux d'intérêt légal"
            who = f", published by {entry.published_by} on {entry.published_on}" if entry.published_by else ""
            if applied.provisional:
                self._rule(
                    "provisional_rate",
                    f"{name} {half_year}",
                    f"PROVISIONAL: the {half_year} rate is not yet published; the {entry.rate} % of "
                    f"{entry.half_year} is carried forward until it is (source: {entry.source}{who}).",
                )
                continue
            self._rule(
                "rate_source",
                f"{name} {half_year}",
                f"{entry.rate} % in force since {entry.effective_from} (source: {entry.source}{who}).",
            )
        if self.periods:
            self._rule(
                "simple_interest",
                "Code de commerce L441-10 II; legal.md §1",
                "Simple interest on the principal incl. VAT still unpaid: base × rate × days / 365 (365 in leap "
                "years too). The base drops the day after each payment or credit note (value date); the charges "
                "bear no VAT and no interest. Rounded half-up to the cent once, on the invoice's total: "
                f"exact sum {shown(self._exact_total())} (six decimals shown) → {round_cents(self._exact_total())}.",
            )
        for day in sorted(d for d in self.facts.disputes_opened if d <= self.as_of):
            self._rule(
                "dispute_does_not_stop",
                "Code de commerce L441-10 II",
                f"A dispute opened on {day} does not stop penalties accruing in law; the firm may waive them.",
            )

    def _exact_total(self) -> Decimal:
        return sum((p.amount for p in self.periods), ZERO)

    def _imputation_rule(self) -> None:
        if self.policy.imputation is Imputation.INTEREST_FIRST and self.claimed_on is not None:
            self._rule(
                "imputation_interest_first",
                "Code civil 1343-1",
                f"Late charges were claimed on {self.claimed_on}: from then on a partial payment pays the "
                "interest accrued (rounded to the cent at the payment date) first, then the principal; "
                "earlier payments pay the principal.",
            )
            return
        waiting = (
            " The firm applies Code civil 1343-1 (interest first) once late charges are claimed: not yet the case."
            if self.policy.imputation is Imputation.INTEREST_FIRST
            else ""
        )
        self._rule(
            "imputation_principal_first",
            "Code civil 1342-10",
            f"A payment naming this invoice pays it, principal first.{waiting}",
        )

    def _indemnity(self) -> Decimal:
        if self.facts.debtor_kind is DebtorKind.CONSUMER or self.as_of <= self.facts.due_date:
            return ZERO
        paid_by_due = sum((s.amount for s in self.settlements if s.on <= self.facts.due_date), ZERO)
        if paid_by_due >= self.facts.amount_incl_vat:
            return ZERO
        judgment = self.facts.insolvency_judgment_date
        if judgment is not None and judgment <= self.as_of:
            self._rule(
                "no_indemnity_in_insolvency",
                "Code de commerce L441-10 II, D441-5; legal.md §2",
                f"The debtor is in insolvency proceedings since {judgment}: the 40 € indemnity is not claimable.",
            )
            return ZERO
        self._rule(
            "recovery_indemnity",
            "Code de commerce L441-10 II, D441-5",
            f"Fixed recovery indemnity (indemnité forfaitaire pour frais de recouvrement): {INDEMNITY} € for this "
            "invoice paid late, once, never split on a partial payment, no VAT.",
        )
        return INDEMNITY

    # ------------------------------------------------------------- total

    def _claim(self, basis: ChargeBasis, indemnity: Decimal, start: date | None, end: date | None) -> Claim:
        penalties_exact = self._exact_total()
        penalties = round_cents(penalties_exact)
        already_invoiced = sum((c.interest + c.indemnity for c in self.invoices), ZERO)
        waived = sum((w.interest + w.indemnity for w in self.waivers), ZERO)
        invoiced_interest = sum((c.interest for c in self.invoices), ZERO)
        paid_beyond_invoiced = max(ZERO, self.interest_paid - invoiced_interest)
        charges = max(ZERO, penalties + indemnity - waived - already_invoiced - paid_beyond_invoiced)
        for invoice in self.invoices:
            self._rule(
                "already_invoiced",
                "LateChargesInvoiced",
                f"Charges invoice {invoice.number} of {invoice.invoiced_on}: interest {invoice.interest}, "
                f"indemnity {invoice.indemnity}, deducted so that nothing is claimed twice.",
            )
        for waiver in self.waivers:
            self._rule(
                "waived",
                "LateChargesWaived",
                f"Waived on {waiver.waived_on} by {waiver.actor}: interest {waiver.interest}, indemnity "
                f"{waiver.indemnity} ({waiver.reason}).",
            )
        cap = self.facts.payment_terms_cap
        over_cap = cap is not None and self.facts.due_date > cap
        if over_cap:
            self._rule(
                "payment_terms_over_cap",
                "Code de commerce L441-10 I",
                f"The due date {self.facts.due_date} is more than 60 days after the invoice date (cap {cap}): "
                "agreed terms over the legal cap. Accepted and flagged; penalties still run from the agreed due date.",
            )
        self._rule(
            "total",
            "legal.md §1–2",
            "Total = principal outstanding + penalties + indemnity − waived − already invoiced"
            + (" − interest paid beyond what was invoiced" if paid_beyond_invoiced else "")
            + " (the charges part never below zero).",
        )
        return Claim(
            invoice_number=self.facts.invoice_number,
            currency=self.facts.currency,
            as_of=self.as_of,
            debtor_kind=self.facts.debtor_kind,
            basis=basis,
            policy=self.policy,
            principal_outstanding=self.principal,
            penalties_exact=penalties_exact,
            penalties=penalties,
            indemnity=indemnity,
            already_invoiced=already_invoiced,
            waived=waived,
            interest_paid=self.interest_paid,
            total=self.principal + charges,
            accrual_start=start,
            accrual_end=end,
            periods=tuple(self.periods),
            allocations=tuple(self.allocations),
            rules=tuple(self.rules),
            payment_terms_over_cap=over_cap,
        )
