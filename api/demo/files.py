"""The demo's invoices and the files they grow into: each step a command at the instant it happened."""

from __future__ import annotations

import calendar
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from uuid import UUID
from zoneinfo import ZoneInfo

from api.demo.parties import (
    ACCOUNTANT,
    BANK,
    ENGINE,
    FIRM,
    FIRM_ADDRESS,
    FIRM_SIREN,
    MANAGER,
    NOTICE_DEADLINE_DAYS,
    NOTICE_DELIVERY_DAYS,
    TEXT_MEDIA_TYPE,
    VAT_RATE,
    Command,
    DemoDebtor,
    cents,
    derived_digits,
    document,
    euros,
    french_date,
)
from application.commands import (
    AcknowledgeFormalNotice,
    AddNote,
    AgreePaymentPlan,
    ApplyCreditNote,
    AttachDocument,
    BreakPromise,
    ChangeAddress,
    ChangeContact,
    Escalate,
    InvoiceLateCharges,
    MissInstalment,
    NoteCall,
    OpenDispute,
    PauseDunning,
    RecordEmailBounce,
    RecordPayment,
    RecordPromise,
    RecordReturnedMail,
    ReportDelivery,
    ResolveDispute,
    ReturnLetter,
    SendFormalNotice,
    SendReminder,
)
from domain.late_charges import Claim
from domain.receivable import receivable_id_for
from domain.vocabulary import (
    AcknowledgementOutcome,
    CallOutcome,
    CallPurpose,
    DeliveryStatus,
    DisputeOutcome,
    DisputeReason,
    DocumentKind,
    EscalationRoute,
    NoticeChannel,
    PaymentMethod,
    ReminderChannel,
    ReminderStage,
)

# ------------------------------------------------------------------ invoices


@dataclass(frozen=True)
class Terms:
    label: str
    days: int
    end_of_month: bool = False

    def due(self, issued: date) -> date:
        day = issued + timedelta(days=self.days)
        if self.end_of_month:
            day = day.replace(day=calendar.monthrange(day.year, day.month)[1])
        return day


NET30 = Terms("30 jours date de facture", 30)
NET45 = Terms("45 jours date de facture", 45)
EOM30 = Terms("30 jours fin de mois", 30, end_of_month=True)
CONSUMER = Terms("Paiement à réception de facture, au plus tard sous 15 jours", 15)


@dataclass(frozen=True)
class Invoice:
    number: str
    debtor: DemoDebtor
    issued: date
    excl_vat: Decimal
    label: str
    terms: Terms
    order_reference: str | None
    penalty_rate: Decimal | None

    @property
    def id(self) -> UUID:
        return receivable_id_for(self.number)

    @property
    def due(self) -> date:
        return self.terms.due(self.issued)

    @property
    def vat(self) -> Decimal:
        return cents(self.excl_vat * VAT_RATE)

    @property
    def incl_vat(self) -> Decimal:
        return self.excl_vat + self.vat

    def document_sha256(self) -> str:
        """The invoice as sent, with the mentions L441-9 requires towards professionals."""
        lines = [
            f"FACTURE {self.number}",
            f"{FIRM}, {FIRM_ADDRESS}, SIREN {FIRM_SIREN}",
            f"Client : {self.debtor.legal_name}, {', '.join(self.debtor.address.lines)}, "
            f"{self.debtor.address.postal_code} {self.debtor.address.city}",
            f"Date : {french_date(self.issued)}   Échéance : {french_date(self.due)} ({self.terms.label})",
            self.label,
            f"Total HT {euros(self.excl_vat)}   TVA 20 % {euros(self.vat)}   Total TTC {euros(self.incl_vat)}",
        ]
        if self.debtor.professional:
            rate = f"{self.penalty_rate} %" if self.penalty_rate else "taux BCE majoré de 10 points"
            lines.append(
                f"Pénalités de retard : {rate}. Indemnité forfaitaire pour frais de recouvrement : 40 € "
                "(C. com. art. L441-10 et D441-5). Pas d'escompte pour paiement anticipé."
            )
        return document(*lines)


Story = Callable[["File"], None]


@dataclass(frozen=True)
class Sale:
    """One invoice of the sample: to whom, when, what, and what happened next."""

    debtor: str
    issue_ago: int
    excl_vat: str
    terms: Terms
    story: Story
    label: str
    order_reference: str | None = None
    penalty_rate: str | None = None


# --------------------------------------------------------------- the plan


class Numbering:
    """What a step can only know when it runs: credit-note and late-charge invoice numbers, in
    date order, and the lawful claim on a receivable as the ledger stands (application/claims.py)."""

    def __init__(self, claim: Callable[[UUID, date], Claim] | None = None) -> None:
        self._last: Counter[tuple[str, int]] = Counter()
        self._claim = claim

    def claim(self, receivable_id: UUID, day: date) -> Claim:
        if self._claim is None:
            raise RuntimeError("this step needs the ledger's claim calculation")
        return self._claim(receivable_id, day)

    def next(self, prefix: str, day: date) -> str:
        self._last[(prefix, day.year)] += 1
        return f"{prefix}-{day.year}-{self._last[(prefix, day.year)]:04d}"


@dataclass(frozen=True)
class Step:
    instant: datetime
    order: int
    actor: str
    make: Callable[[Numbering], Command]


@dataclass
class Plan:
    today: date
    timezone: ZoneInfo
    steps: list[Step] = field(default_factory=list)

    def ago(self, days: int) -> date:
        return self.today - timedelta(days=days)

    def workday(self, day: date) -> date:
        """People, the bank and the dunning engine work Monday to Friday: a weekend step moves
        to the Monday, or back to the Friday when Monday is not yet past."""
        monday = next_working_day(day)
        return monday if monday < self.today else previous_working_day(day)

    def add(self, day: date, hhmm: str, actor: str, command: Command | Callable[[Numbering], Command]) -> None:
        instant = datetime.combine(day, time.fromisoformat(hhmm), tzinfo=self.timezone).astimezone(UTC)
        make = command if callable(command) else _constant(command)
        self.steps.append(Step(instant, len(self.steps), actor, make))

    def chronological(self) -> list[Step]:
        return sorted(self.steps, key=lambda step: (step.instant, step.order))


def _constant(command: Command) -> Callable[[Numbering], Command]:
    return lambda _numbering: command


class File:
    """One receivable's story, written as steps of the plan; tracks what is still owed.

    Every helper moves its day to a working day first (``Plan.workday``) and returns
    the day it used, so that a story can chain what follows from it.
    """

    def __init__(self, plan: Plan, invoice: Invoice) -> None:
        self.plan = plan
        self.invoice = invoice
        self.outstanding = invoice.incl_vat
        self.notices = 0
        self.last_reminder = ""  # the sha256 of the last reminder sent

    def due(self, days: int = 0) -> date:
        return self.invoice.due + timedelta(days=days)

    def issued(self, days: int = 0) -> date:
        return self.invoice.issued + timedelta(days=days)

    def ago(self, days: int) -> date:
        return self.plan.ago(days)

    def on(self, day: date) -> date:
        return self.plan.workday(day)

    @property
    def rid(self) -> UUID:
        return self.invoice.id

    @property
    def debtor(self) -> DemoDebtor:
        return self.invoice.debtor

    def add(self, day: date, hhmm: str, actor: str, command: Command | Callable[[Numbering], Command]) -> date:
        day = self.on(day)
        self.plan.add(day, hhmm, actor, command)
        return day

    # ------------------------------------------------------------ the steps

    def remind(self, stage: ReminderStage, day: date, channel: ReminderChannel = ReminderChannel.EMAIL) -> date:
        day = self.on(day)
        version = {"standard-b2b": 3, "particuliers": 2}.get(self.debtor.policy, 1)
        rule = {"courtesy": "due-7d", "first": "due+5d", "second": "first+15d"}[stage.value]
        template = f"{stage.value}-{channel.value}-{'pro' if self.debtor.professional else 'part'}-v2"
        reminder = SendReminder(
            self.rid,
            stage,
            channel,
            day,
            contact_id=self.debtor.contact_id(0),
            template_id=template,
            document_sha256=(sha := self._reminder_text(stage, day)),
            policy_id=self.debtor.policy,
            policy_version=version,
            rule=rule,
        )
        self.last_reminder = sha
        return self.add(day, "08:00", ENGINE, reminder)

    def delivery(self, day: date, status: DeliveryStatus, source: str, detail: str | None = None) -> date:
        """What the provider reported of the last reminder sent by e-mail or SMS."""
        day = self.on(day)
        reference = f"{source}-{self.last_reminder[:12]}"
        command = ReportDelivery(self.rid, self.last_reminder, status, day, source, reference, detail)
        return self.add(day, "08:05", ENGINE, command)

    def email_bounced(self, day: date, corrected_email: str) -> date:
        """The last reminder e-mail bounced (the server's DSN): the contact's address is flagged, the step is due
        again, and the collector corrects the address the next day."""
        day = self.on(day)
        detail = "smtp; 550 5.1.1 <adresse> : boîte aux lettres inconnue"
        self.delivery(day, DeliveryStatus.HARD_BOUNCE, "dsn", detail)
        contact = self.debtor.contacts[0]
        assert contact.email is not None
        bounce = RecordEmailBounce(self.debtor.id, self.debtor.contact_id(0), contact.email, day, detail)
        self.add(day, "08:06", ENGINE, bounce)
        corrected = self.on(day + timedelta(days=1))
        change = ChangeContact(self.debtor.id, self.debtor.contact_id(0), contact.role, contact.name, corrected_email,
                               contact.phone)  # fmt: skip
        self.add(corrected, "09:40", MANAGER, change)
        return corrected

    def letter_returned(self, day: date) -> date:
        """The last reminder letter came back « pli non distribuable »: the address is flagged, then corrected."""
        day = self.on(day)
        proof = document(f"Pli non distribuable — {self.invoice.number} — {french_date(day)}")
        self.add(day, "10:00", ACCOUNTANT, ReturnLetter(self.rid, self.last_reminder, day, proof))
        self.add(day, "10:01", ACCOUNTANT, RecordReturnedMail(self.debtor.id, day, self.last_reminder, proof))
        corrected = self.on(day + timedelta(days=1))
        address = self.debtor.address
        self.add(
            corrected,
            "09:30",
            MANAGER,
            ChangeAddress(self.debtor.id, replace(address, lines=[*address.lines[:1], "Service comptabilité"])),
        )
        return corrected

    def _reminder_text(self, stage: ReminderStage, day: date) -> str:
        """Never labelled "relance n° 1" (seed 000); terms and penalties recalled to professionals (seed 004)."""
        inv = self.invoice
        opening = {
            ReminderStage.COURTESY: "Sauf erreur de notre part, la facture ci-dessous arrive à échéance prochainement.",
            ReminderStage.FIRST: "Sauf erreur ou omission de notre part, la facture ci-dessous reste impayée.",
            ReminderStage.SECOND: "Malgré notre précédent courrier, la facture ci-dessous demeure impayée. "
            "Sans règlement de votre part, nous serons contraints de suspendre nos livraisons.",
        }[stage]
        penalties = (
            "Conformément à nos conditions générales de vente, des pénalités de retard et une indemnité "
            "forfaitaire de 40 € pour frais de recouvrement sont exigibles (C. com. L441-10)."
            if self.debtor.professional and stage is not ReminderStage.COURTESY
            else ""
        )
        return document(
            f"{FIRM} — {french_date(day)}",
            f"À l'attention de {self.debtor.contacts[0].name}, {self.debtor.legal_name}",
            opening,
            f"Facture {inv.number} du {french_date(inv.issued)}, échéance {french_date(inv.due)} : "
            f"{euros(self.outstanding)} TTC",
            penalties,
            "Si votre règlement a été effectué entre-temps, merci de ne pas tenir compte de ce message.",
        )

    def call(self, day: date, hhmm: str, purpose: CallPurpose, outcome: CallOutcome, notes: str) -> date:
        day = self.on(day)
        contact = self.debtor.contact_id(0)
        return self.add(day, hhmm, MANAGER, NoteCall(self.rid, day, purpose, outcome, contact, notes))

    def import_day(self, value_date: date) -> date:
        """The morning import of the statement of the previous working day."""
        return self.on(value_date + timedelta(days=1))

    def imported(self, value_date: date) -> bool:
        """Whether a transfer of that value date is in the ledger by now."""
        return value_date < self.import_day(value_date) < self.plan.today

    def pay(self, day: date, paid: Decimal | None = None, method: PaymentMethod = PaymentMethod.TRANSFER) -> date:
        """Transfers and direct debits come with the next bank import; cheques and cards are keyed in.

        Returns the day the payment was recorded."""
        day = self.on(day)
        value = self.outstanding if paid is None else paid
        self.outstanding -= value
        seed = f"{self.invoice.number}/{day}"
        if method in (PaymentMethod.TRANSFER, PaymentMethod.DIRECT_DEBIT):
            if not self.imported(day):
                raise ValueError(f"demo: a transfer of {day} is not imported yet")
            reference = (
                f"VIR SEPA {day:%Y%m%d} {self.invoice.number}"
                if method is PaymentMethod.TRANSFER
                else f"PRLV SEPA {day:%Y%m%d} RUM-VAS-{derived_digits(self.debtor.key, 6)}"
            )
            return self.add(self.import_day(day), "06:30", BANK, RecordPayment(self.rid, value, day, method, reference))
        reference = (
            f"CHQ {derived_digits(seed, 7)}" if method is PaymentMethod.CHEQUE else f"CB {derived_digits(seed, 6)}"
        )
        return self.add(day, "11:30", ACCOUNTANT, RecordPayment(self.rid, value, day, method, reference))

    def promise(self, day: date, hhmm: str, promised: Decimal, on: date) -> date:
        return self.add(day, hhmm, MANAGER, RecordPromise(self.rid, promised, on))

    def break_promise(self, day: date) -> date:
        day = self.on(day)
        return self.add(day, "09:10", MANAGER, BreakPromise(self.rid, day))

    def dispute(self, day: date, reason: DisputeReason, description: str, disputed: Decimal | None = None) -> date:
        day = self.on(day)
        return self.add(day, "14:20", MANAGER, OpenDispute(self.rid, reason, day, disputed, description))

    def resolve(self, day: date, outcome: DisputeOutcome, comment: str, credit: Decimal) -> date:
        """Resolved with a credit note, numbered when it is issued."""
        day = self.on(day)
        self.outstanding -= credit

        def command(numbers: Numbering) -> Command:
            return ResolveDispute(self.rid, 1, outcome, day, numbers.next("AV", day), credit, comment)

        return self.add(day, "15:00", MANAGER, command)

    def credit_note(self, day: date, credit: Decimal) -> date:
        day = self.on(day)
        self.outstanding -= credit

        def command(numbers: Numbering) -> Command:
            return ApplyCreditNote(self.rid, numbers.next("AV", day), credit, day)

        return self.add(day, "11:00", ACCOUNTANT, command)

    def notice(self, day: date, channel: NoticeChannel) -> tuple[date, date]:
        """A formal notice claiming what the law allows on the day it is sent (principal, penalties
        and, from professionals, 40 €), computed by the late-charges calculation when it runs.

        Returns the day it was sent and its deadline: eight days after the expected receipt."""
        day = self.on(day)
        inv = self.invoice
        deadline = day + timedelta(days=NOTICE_DELIVERY_DAYS + NOTICE_DEADLINE_DAYS)
        seed = f"{inv.number}/notice/{day}"
        registered = channel is NoticeChannel.REGISTERED_LETTER
        tracking = f"1A{derived_digits(seed, 11)}" if registered else f"LRE-{derived_digits(seed, 10)}"
        mode = "Lettre recommandée avec accusé de réception" if registered else "Lettre recommandée électronique"
        address = self.debtor.address
        debtor_name = self.debtor.legal_name
        rid = self.rid

        def command(numbers: Numbering) -> Command:
            # A consumer owes legal interest only from the notice (C. civ. 1231-6): nothing on the day it is sent.
            claim = numbers.claim(rid, day)
            principal, interest, indemnity = claim.principal_outstanding, claim.penalties, claim.indemnity
            letter = document(
                f"{FIRM}, {FIRM_ADDRESS}",
                f"{debtor_name}, {', '.join(address.lines)}, {address.postal_code} {address.city}",
                f"Lyon, le {french_date(day)}",
                f"{mode} n° {tracking}",
                "Objet : mise en demeure de payer",
                f"Malgré nos relances, la facture {inv.number} du {french_date(inv.issued)}, échue le "
                f"{french_date(inv.due)}, reste impayée.",
                f"Principal : {euros(principal)} ; pénalités de retard au {french_date(day)} : {euros(interest)} ; "
                f"indemnité forfaitaire : {euros(indemnity)} ; total : {euros(principal + interest + indemnity)}.",
                "Nous vous mettons en demeure de régler cette somme sous huit jours à compter de la réception de la "
                "présente. À défaut, nous engagerons sans autre avis une procédure de recouvrement judiciaire.",
            )
            return SendFormalNotice(
                rid, channel, day, deadline, principal, interest, indemnity, letter, tracking_number=tracking
            )

        self.notices += 1
        self.add(day, "16:00", MANAGER, command)
        return day, deadline

    def acknowledge(self, recorded: date, outcome: AcknowledgementOutcome, on: date) -> date:
        recorded = self.on(recorded)
        proof = document(f"Preuve de distribution — {self.invoice.number} — {outcome.value} — {french_date(on)}")
        self.add(recorded, "11:15", ACCOUNTANT, AcknowledgeFormalNotice(self.rid, self.notices, outcome, on, proof))
        return self.attach(recorded, "11:16", DocumentKind.ACKNOWLEDGEMENT_SCAN, "Avis de réception numérisé", proof)

    def plan_payments(self, day: date, instalments: list[tuple[date, Decimal]]) -> date:
        day = self.on(day)
        terms = "; ".join(f"{french_date(d)} : {euros(a)}" for d, a in instalments)
        agreement = document(
            f"Échéancier de paiement — facture {self.invoice.number}",
            f"Entre {FIRM} et {self.debtor.legal_name}, signé le {french_date(day)}.",
            f"Le débiteur reconnaît devoir {euros(self.outstanding)} et s'engage à régler : {terms}.",
            "Le défaut de paiement d'une seule échéance rend la totalité de la dette exigible.",
        )
        return self.add(day, "16:30", MANAGER, AgreePaymentPlan(self.rid, instalments, agreement))

    def monthly(self, count: int, first: date) -> list[tuple[date, Decimal]]:
        """Equal instalments on working days about a month apart, the last one taking the rounding."""
        share = cents(self.outstanding / count)
        amounts = [share] * (count - 1) + [self.outstanding - share * (count - 1)]
        return [(next_working_day(first + timedelta(days=30 * n)), value) for n, value in enumerate(amounts)]

    def miss(self, day: date, number: int) -> date:
        day = self.on(day)
        return self.add(day, "08:30", MANAGER, MissInstalment(self.rid, number, day))

    def late_charges(self, day: date) -> date:
        """Bill the penalties and the indemnity as the late-charges calculation gives them that day."""
        day = self.on(day)
        inv = self.invoice
        rid = self.rid

        def command(numbers: Numbering) -> Command:
            claim = numbers.claim(rid, day)
            periods = [
                f"du {french_date(p.start)} au {french_date(p.end)} : {p.days} j × {euros(p.base)} × {p.rate} % / 365"
                f" = {p.amount:.6f} €"
                for p in claim.periods
            ]
            calculation = document(
                f"Calcul des pénalités de retard — facture {inv.number} — au {french_date(day)}",
                *periods,
                f"Pénalités (arrondies une fois) : {euros(claim.penalties)} ; "
                f"indemnité forfaitaire (C. com. D441-5) : {euros(claim.indemnity)}",
            )
            number = numbers.next("FP", day)
            return InvoiceLateCharges(rid, claim.penalties, claim.indemnity, number, day, calculation)

        return self.add(day, "10:40", ACCOUNTANT, command)

    def escalate(self, day: date, route: EscalationRoute, reference: str) -> date:
        day = self.on(day)
        return self.add(day, "11:00", MANAGER, Escalate(self.rid, route, day, reference))

    def pause(self, day: date, hhmm: str, reason: str, until: date | None = None) -> date:
        return self.add(day, hhmm, MANAGER, PauseDunning(self.rid, reason, until))

    def note(self, day: date, hhmm: str, actor: str, text: str, document_sha256: str | None = None) -> date:
        return self.add(day, hhmm, actor, AddNote(self.rid, text, document_sha256))

    def attach(self, day: date, hhmm: str, kind: DocumentKind, description: str, sha256: str) -> date:
        return self.add(day, hhmm, ACCOUNTANT, AttachDocument(self.rid, kind, sha256, TEXT_MEDIA_TYPE, description))


def next_working_day(day: date) -> date:
    return day + timedelta(days=7 - day.weekday()) if day.weekday() >= 5 else day


def previous_working_day(day: date) -> date:
    return day - timedelta(days=day.weekday() - 4) if day.weekday() >= 5 else day
