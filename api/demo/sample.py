"""The sample ledger of ``relance demo``: a French firm's receivables at every stage, dated relative to today.

Menuiseries Vasseur, a joinery firm in Lyon, sells to builders, property companies,
shops and private customers. About thirty invoices of the last two hundred days go
through every step of product.md's process. Each step goes through the Ledger's use
cases, by a realistic actor, with the simulated clock set to when it happened, so that
``receivable show --as-of`` replays a realistic past.

Deterministic: the same calendar date (in the firm's time zone) gives the same ledger.
Ids derive from names, instants from the date and a time of day, so even the hashes repeat.
Documents (letters, invoices, agreements) are generated French texts; events record their
sha256, and the loader stores each one before the step that names it.
"""

from __future__ import annotations

import calendar
import hashlib
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from uuid import NAMESPACE_URL, UUID, uuid5
from zoneinfo import ZoneInfo

from application.commands import (
    AcknowledgeFormalNotice,
    AddContact,
    AddNote,
    AgreePaymentPlan,
    ApplyCreditNote,
    AssignPolicy,
    AttachDocument,
    BreakPromise,
    ChangeContact,
    ChangePriority,
    DebtorCommand,
    DeclareClaim,
    EndMediation,
    Escalate,
    InvoiceLateCharges,
    IssueInvoice,
    MissInstalment,
    NoteCall,
    OpenDispute,
    OpenInsolvency,
    PauseDunning,
    ReceivableCommand,
    RecordElectronicDeliveryConsent,
    RecordPayment,
    RecordPromise,
    RegisterDebtor,
    ResolveDispute,
    ResumeDunning,
    SendFormalNotice,
    SendReminder,
    SetCreditLimit,
    StartMediation,
    WaiveLateCharges,
    WriteOff,
)
from application.correspondence import Firm
from domain.debtor import Address
from domain.late_charges import Claim
from domain.receivable import receivable_id_for
from domain.values import Money, luhn_valid
from domain.vocabulary import (
    AcknowledgementOutcome,
    CallOutcome,
    CallPurpose,
    ContactRole,
    DebtorKind,
    DisputeOutcome,
    DisputeReason,
    DocumentKind,
    EscalationRoute,
    InsolvencyProcedure,
    NoticeChannel,
    PaymentMethod,
    Priority,
    ReminderChannel,
    ReminderStage,
)

HISTORY_DAYS = 200  # the sample's first invoice is a little younger than this
INSOLVENCY_JUDGMENT_AGO = 96  # days before today: one debtor went into receivership then
DEMO_NAMESPACE = uuid5(NAMESPACE_URL, "https://relance.invalid/demo")
CENT = Decimal("0.01")
VAT_RATE = Decimal("0.20")
INDEMNITY = Decimal("40.00")  # C. com. D441-5, professionals only
NOTICE_DELIVERY_DAYS = 2  # the deadline is 8 days after the expected receipt
NOTICE_DEADLINE_DAYS = 8
TEXT_MEDIA_TYPE = "text/plain; charset=utf-8"

FIRM = "Menuiseries Vasseur SAS"
FIRM_ADDRESS = "37 rue Paul Bert, 69003 Lyon"
FIRM_SIREN = "752418392"  # its Luhn key is checked by the tests

ERP = "erp-sync"  # the billing system pushing invoices
BANK = "bank-import"  # the morning import of yesterday's bank statement
ENGINE = "dunning-engine"  # automatic reminders under a policy
MANAGER = "marie.dupont"  # credit manager
ACCOUNTANT = "compta.sophie"  # accountant

Command = RegisterDebtor | DebtorCommand | IssueInvoice | ReceivableCommand


# ------------------------------------------------------------ small helpers


def with_luhn_key(digits: str) -> str:
    """``digits`` followed by the check digit that makes them pass the Luhn test (SIREN, SIRET)."""
    return next(digits + str(key) for key in range(10) if luhn_valid(digits + str(key)))


def cents(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def euros(value: Decimal) -> str:
    """French formatting for letters: ``12 345,60 €``."""
    whole, _, fraction = f"{cents(value):.2f}".partition(".")
    return f"{int(whole):,}".replace(",", "\u202f") + f",{fraction} €"


def french_date(day: date) -> str:
    return day.strftime("%d/%m/%Y")


GENERATED_DOCUMENTS: dict[str, bytes] = {}  # content-addressed memo: a hash always maps to its own bytes


def document(*lines: str) -> str:
    """The sha256 of a generated text document (UTF-8, one line each), kept for storing."""
    content = "\n".join(lines).encode("utf-8")
    digest = hashlib.sha256(content).hexdigest()
    GENERATED_DOCUMENTS[digest] = content
    return digest


def derived_digits(seed: str, count: int) -> str:
    """Stable pseudo-random digits (tracking numbers, references) derived from a seed."""
    return str(int(hashlib.sha256(seed.encode()).hexdigest(), 16))[-count:].zfill(count)


# ------------------------------------------------------------------ parties


@dataclass(frozen=True)
class DemoContact:
    role: ContactRole
    name: str
    email: str | None = None
    phone: str | None = None


@dataclass(frozen=True)
class DemoDebtor:
    key: str
    legal_name: str
    kind: DebtorKind
    address: Address
    contacts: tuple[DemoContact, ...]
    siren_base: str | None = None  # eight digits: the Luhn key is computed
    policy: str = "standard-b2b"
    credit_limit: Decimal | None = None

    @property
    def id(self) -> UUID:
        return uuid5(DEMO_NAMESPACE, f"debtor/{self.key}")

    @property
    def siren(self) -> str | None:
        return with_luhn_key(self.siren_base) if self.siren_base else None

    @property
    def siret(self) -> str | None:
        """The head office: NIC 0001 and its key."""
        return with_luhn_key(self.siren + "0001") if self.siren else None

    @property
    def professional(self) -> bool:
        return self.kind is DebtorKind.PROFESSIONAL

    def contact_id(self, index: int = 0) -> UUID:
        return uuid5(DEMO_NAMESPACE, f"contact/{self.key}/{index}")


def _company(
    key: str,
    name: str,
    siren_base: str,
    address: Address,
    *contacts: DemoContact,
    policy: str = "standard-b2b",
    credit_limit: Decimal | None = None,
) -> DemoDebtor:
    return DemoDebtor(key, name, DebtorKind.PROFESSIONAL, address, contacts, siren_base, policy, credit_limit)


def _person(key: str, name: str, address: Address, contact: DemoContact) -> DemoDebtor:
    return DemoDebtor(key, name, DebtorKind.CONSUMER, address, (contact,), policy="particuliers")


AP, SIGN, BUY, BOSS = (
    ContactRole.ACCOUNTS_PAYABLE,
    ContactRole.SIGNATORY,
    ContactRole.PURCHASING,
    ContactRole.MANAGEMENT,
)

# fmt: off
DEBTORS: dict[str, DemoDebtor] = {d.key: d for d in (
    _company("pharmacie", "SARL Pharmacie de la Croix-Rousse", "81740263",
             Address(["102 boulevard de la Croix-Rousse"], "69004", "Lyon", "FR"),
             DemoContact(SIGN, "Isabelle Nguyen", "contact@pharmacie-croixrousse.fr", "04 78 28 41 17")),
    _company("brc", "Bâtiments Rhône Construction SAS", "49327815",
             Address(["8 rue de la Soie", "Bâtiment B"], "69100", "Villeurbanne", "FR"),
             DemoContact(AP, "Nathalie Perrin", "compta.fournisseurs@brc-construction.fr", "04 72 34 18 60"),
             DemoContact(BUY, "Karim Benali", "k.benali@brc-construction.fr", "06 71 42 93 08"),
             credit_limit=Decimal("80000.00")),
    _company("moreau", "SARL Moreau Rénovation", "84163027",
             Address(["ZA des Grandes Terres", "12 rue Jean Moulin"], "69200", "Vénissieux", "FR"),
             DemoContact(AP, "Laetitia Roche", "compta@moreau-renovation.fr", "04 78 70 55 12"),
             DemoContact(BOSS, "Stéphane Moreau", "s.moreau@moreau-renovation.fr", "06 12 84 39 70")),
    _company("terreaux", "Foncière des Terreaux SAS", "53286104",
             Address(["5 place des Terreaux"], "69001", "Lyon", "FR"),
             DemoContact(AP, "Comptabilité fournisseurs", "factures@fonciere-terreaux.fr", "04 72 00 31 45"),
             DemoContact(BUY, "Hélène Marchand", "h.marchand@fonciere-terreaux.fr", "06 48 20 67 13")),
    _company("belvedere", "SARL Hôtel du Belvédère", "42918736",
             Address(["21 avenue d'Albigny"], "74000", "Annecy", "FR"),
             DemoContact(BOSS, "François Delmas", "direction@hotel-belvedere-annecy.fr", "04 50 23 61 88")),
    _company("saone", "Résidences Saône-Beaujolais SAS", "88025417",
             Address(["410 rue Nationale"], "69400", "Villefranche-sur-Saône", "FR"),
             DemoContact(BOSS, "Olivier Chapuis", "o.chapuis@residences-saone-beaujolais.fr", "04 74 65 20 39")),
    _company("dauphine", "SAS Agencement Cuisines Dauphiné", "79504382",
             Address(["17 avenue Alsace-Lorraine"], "38000", "Grenoble", "FR"),
             DemoContact(AP, "Camille Rey", "comptabilite@cuisines-dauphine.fr", "04 76 46 12 90"),
             credit_limit=Decimal("5000.00")),
    _company("fournier", "SARL Boulangerie Fournier", "45071839",
             Address(["3 rue de la République"], "38300", "Bourgoin-Jallieu", "FR"),
             DemoContact(BOSS, "Patrick Fournier", "boulangerie.fournier@orange.fr", "04 74 93 08 21"),
             policy="petits-montants"),
    _person("lefevre", "Julien Lefèvre", Address(["27 chemin de Crépieux"], "69300", "Caluire-et-Cuire", "FR"),
            DemoContact(SIGN, "Julien Lefèvre", "julien.lefevre@laposte.net", "06 63 18 40 25")),
    _person("bonnet", "Claire Bonnet", Address(["9 allée des Tilleuls"], "69130", "Écully", "FR"),
            DemoContact(SIGN, "Claire Bonnet", "claire.bonnet@gmail.com", "06 84 27 51 96")),
    _person("garnier", "Antoine Garnier",
            Address(["48 rue Commandant Charcot"], "69110", "Sainte-Foy-lès-Lyon", "FR"),
            DemoContact(SIGN, "Antoine Garnier", "a.garnier69@free.fr", "06 09 72 33 54")),
)}
# fmt: on


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
            document_sha256=self._reminder_text(stage, day),
            policy_id=self.debtor.policy,
            policy_version=version,
            rule=rule,
        )
        return self.add(day, "08:00", ENGINE, reminder)

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


# --------------------------------------------------------------- the stories
# Each story reads as the file's history, oldest step first. Offsets follow the
# default policy: courtesy at due-7, first reminder at due+5, second 15 days later,
# formal notice between due+35 and due+50, escalation once the deadline has passed.

R = ReminderStage
EMAIL, LETTER, SMS = ReminderChannel.EMAIL, ReminderChannel.LETTER, ReminderChannel.SMS
REACHED, NO_ANSWER, VOICEMAIL = CallOutcome.REACHED, CallOutcome.NO_ANSWER, CallOutcome.VOICEMAIL
FOLLOW_UP, PRE_DUE = CallPurpose.FOLLOW_UP, CallPurpose.PRE_DUE_CHECK
DAY = timedelta(days=1)


def not_yet_due(f: File) -> None:
    """Issued recently: nothing to do yet."""


def paid_on_time(f: File) -> None:
    order = document(f"Devis accepté — {f.invoice.order_reference} — {f.debtor.legal_name}")
    f.attach(f.issued(2), "10:05", DocumentKind.SIGNED_ORDER, "Devis signé valant bon de commande", order)
    f.pay(f.due(-3))


def paid_by_cheque_on_time(f: File) -> None:
    f.pay(f.due(-4), method=PaymentMethod.CHEQUE)


def paid_by_direct_debit(f: File) -> None:
    f.pay(f.due(), method=PaymentMethod.DIRECT_DEBIT)


def paid_after_courtesy(f: File) -> None:
    f.remind(R.COURTESY, f.due(-7))
    f.pay(f.due())


def paid_by_card_after_courtesy(f: File) -> None:
    f.remind(R.COURTESY, f.due(-4))
    f.pay(f.due(-2), method=PaymentMethod.CARD)


def paid_after_first_reminder(f: File) -> None:
    f.call(f.issued(7), "10:30", PRE_DUE, REACHED, "Facture bien reçue et validée par le conducteur de travaux.")
    f.remind(R.FIRST, f.due(5))
    f.pay(f.due(12))


def paid_after_second_reminder_with_late_charges(f: File) -> None:
    f.remind(R.COURTESY, f.due(-7))
    f.remind(R.FIRST, f.due(5))
    f.remind(R.SECOND, f.due(20), LETTER)
    f.call(f.due(22), "10:15", FOLLOW_UP, REACHED, "Paiement programmé au virement fournisseurs du 10 du mois.")
    value_date = f.on(f.due(27))
    recorded = f.pay(value_date)
    f.late_charges(recorded + 3 * DAY)
    reason = "Geste commercial pour un client historique : indemnité forfaitaire abandonnée, pénalités maintenues."
    f.add(recorded + 15 * DAY, "15:40", MANAGER, WaiveLateCharges(f.rid, Decimal("0.00"), INDEMNITY, reason))


def paid_by_cheque_after_second_reminder(f: File) -> None:
    f.remind(R.FIRST, f.due(5))
    f.remind(R.SECOND, f.due(20), LETTER)
    f.pay(f.due(24), method=PaymentMethod.CHEQUE)


def partially_paid_retention(f: File) -> None:
    f.remind(R.FIRST, f.due(5))
    retention = cents(f.invoice.incl_vat * Decimal("0.05"))
    recorded = f.pay(f.due(9), f.invoice.incl_vat - retention)
    note = (
        "Règlement à 95 % : le client applique la retenue de garantie de 5 % (loi n° 71-584 du 16 juillet 1971), "
        "libérable un an après la réception des travaux."
    )
    f.note(recorded, "10:20", ACCOUNTANT, note)
    reason = "Retenue de garantie de 5 % : exigible un an après la réception des travaux."
    f.pause(recorded, "10:25", reason, until=f.due(375))


def courtesy_before_due(f: File) -> None:
    delivery = document(f"Bon de livraison — {f.invoice.order_reference} — 24 blocs-portes EI30")
    f.attach(f.issued(1), "09:40", DocumentKind.DELIVERY_PROOF, "Bon de livraison signé sur chantier", delivery)
    f.call(f.issued(7), "11:00", PRE_DUE, REACHED, "Facture reçue ; rapprochement avec la commande en cours.")
    f.remind(R.COURTESY, f.due(-7))


def promised(f: File) -> None:
    f.remind(R.COURTESY, f.due(-7))
    f.remind(R.FIRST, f.due(5))
    f.call(f.due(9), "09:45", FOLLOW_UP, VOICEMAIL, "Message laissé au service comptable.")
    called = f.call(
        f.ago(4), "10:05", FOLLOW_UP, REACHED, "Le service comptable confirme un règlement au prochain cycle."
    )
    f.promise(called, "10:10", f.outstanding, f.ago(-6))


def broken_promise_unclaimed_notice_payment_order(f: File) -> None:
    delivery = document(f"Bon de livraison — {f.invoice.order_reference} — menuiseries PVC")
    f.attach(f.issued(), "09:30", DocumentKind.DELIVERY_PROOF, "Bon de livraison signé", delivery)
    f.remind(R.FIRST, f.due(5))
    f.call(f.due(9), "09:30", FOLLOW_UP, NO_ANSWER, "Pas de réponse au standard.")
    called = f.call(
        f.due(12), "14:00", FOLLOW_UP, REACHED, "Le gérant reconnaît la dette et promet de payer sous huit jours."
    )
    f.promise(called, "14:05", f.outstanding, called + 8 * DAY)
    broken = f.break_promise(called + 11 * DAY)
    f.add(broken, "09:15", MANAGER, SetCreditLimit(f.debtor.id, Money(Decimal("500.00"))))
    f.add(broken, "09:16", MANAGER, ChangePriority(f.debtor.id, Priority.HIGH))
    f.remind(R.SECOND, broken + DAY, LETTER)
    sent, _ = f.notice(f.due(36), NoticeChannel.REGISTERED_LETTER)
    # Presented two days later, kept fifteen days at the post office, then back to the sender.
    returned = sent + (NOTICE_DELIVERY_DAYS + 15) * DAY
    recorded = f.acknowledge(returned + 2 * DAY, AcknowledgementOutcome.UNCLAIMED, returned)
    note = (
        "Pli avisé non réclamé : la mise en demeure produit ses effets (Cass. 1re civ., 20 janv. 2021). "
        "Dossier transmis pour injonction de payer."
    )
    f.note(recorded, "11:20", MANAGER, note)
    reference = (
        f"Requête en injonction de payer, tribunal de commerce de Lyon, RG {derived_digits(f.invoice.number, 6)}"
    )
    f.escalate(recorded + 4 * DAY, EscalationRoute.PAYMENT_ORDER, reference)


def second_reminder_after_contact_change(f: File) -> None:
    f.remind(R.FIRST, f.due(5))
    notes = "La personne jointe n'est plus en charge de la comptabilité ; nouveau contact communiqué."
    called = f.call(f.due(8), "10:30", FOLLOW_UP, CallOutcome.WRONG_CONTACT, notes)
    new_contact = ChangeContact(
        f.debtor.id, f.debtor.contact_id(0), AP, "Sandrine Vidal", "s.vidal@moreau-renovation.fr", "04 78 70 55 14"
    )
    f.add(called, "10:40", MANAGER, new_contact)
    f.remind(R.SECOND, f.due(20), LETTER)


def disputed_then_credit_note(f: File) -> None:
    description = "Trois châssis ferment mal et la teinte ne correspond pas au RAL 7016 du devis."
    opened = f.dispute(f.issued(12), DisputeReason.NON_CONFORMING, description)
    reserves = document(f"Procès-verbal de réserves — {f.invoice.order_reference} — 3 châssis, teinte non conforme")
    f.attach(opened, "14:30", DocumentKind.OTHER, "Procès-verbal de réserves du client", reserves)
    visit = "Reprise des trois châssis effectuée sur site ; teinte confirmée non conforme, remise proposée."
    f.note(opened + 14 * DAY, "17:05", "thomas.roux", visit)
    credit = cents(f.invoice.incl_vat * Decimal("0.10"))
    resolved = f.resolve(opened + 28 * DAY, DisputeOutcome.SETTLED, "Accord : remise de 10 % sur la teinte.", credit)
    f.pay(resolved + 15 * DAY)


def disputed_open(f: File) -> None:
    f.remind(R.FIRST, f.due(5))
    difference = Decimal("1290.00")
    description = (
        "Le client conteste le prix de la serrure : le devis prévoyait une serrure trois points, "
        "la facture une serrure motorisée."
    )
    f.dispute(f.due(7), DisputeReason.PRICE, description, difference)
    f.pay(f.ago(9), f.outstanding - difference)  # the undisputed part


def credit_note_then_paid(f: File) -> None:
    credited = f.credit_note(f.issued(6), cents(Decimal("240.00") * (1 + VAT_RATE)))
    f.note(credited, "11:05", ACCOUNTANT, "Avoir pour double facturation du déplacement.")
    f.pay(f.due(-1))


def paused_then_resumed(f: File) -> None:
    f.pause(f.due(2), "09:50", "Attente de la levée des réserves par le maître d'œuvre.", until=f.due(30))
    pv = document(f"Procès-verbal de levée des réserves — {f.invoice.order_reference}")
    lifted = f.attach(f.due(16), "09:00", DocumentKind.OTHER, "Procès-verbal de levée des réserves", pv)
    f.add(lifted, "09:05", MANAGER, ResumeDunning(f.rid, "Réserves levées, procès-verbal signé."))
    reminded = f.remind(R.FIRST, lifted + DAY)
    f.pay(reminded + 9 * DAY)


def payment_plan_in_good_standing(f: File) -> None:
    f.remind(R.FIRST, f.due(5))
    f.remind(R.SECOND, f.due(20), LETTER)
    notes = "Trésorerie tendue hors saison : le gérant demande un échelonnement."
    called = f.call(f.due(23), "15:30", FOLLOW_UP, REACHED, notes)
    instalments = f.monthly(6, called + 17 * DAY)
    f.plan_payments(called + 7 * DAY, instalments)
    for due, value in instalments:
        if f.imported(due):
            f.pay(due, value, PaymentMethod.DIRECT_DEBIT)


def first_reminder_only(f: File) -> None:
    f.remind(R.FIRST, f.due(5))


def sms_reminder(f: File) -> None:
    f.remind(R.FIRST, f.due(5), SMS)


def before_insolvency(f: File) -> None:
    """The chasing of an invoice of a customer soon in receivership (``insolvency`` follows)."""
    f.remind(R.COURTESY, f.due(-7))
    if f.due(30) < f.ago(INSOLVENCY_JUDGMENT_AGO):
        f.remind(R.FIRST, f.due(5))
        f.remind(R.SECOND, f.due(20), LETTER)
        notes = (
            "Le client évoque des difficultés de trésorerie et une procédure en cours devant le tribunal de commerce."
        )
        f.call(f.due(24), "11:30", FOLLOW_UP, REACHED, notes)


def partial_promise_then_notice_agency(f: File) -> None:
    f.remind(R.COURTESY, f.due(-7))
    f.remind(R.FIRST, f.due(5))
    f.remind(R.SECOND, f.due(20), LETTER)
    called = f.call(f.due(24), "10:00", FOLLOW_UP, REACHED, "Promesse de régler la moitié sous dix jours.")
    half = cents(f.outstanding / 2)
    f.promise(called, "10:05", half, called + 10 * DAY)
    f.add(called, "10:10", MANAGER, ChangePriority(f.debtor.id, Priority.HIGH))
    f.pay(called + 9 * DAY, half)
    sent, deadline = f.notice(f.due(45), NoticeChannel.REGISTERED_LETTER)
    signed = sent + NOTICE_DELIVERY_DAYS * DAY  # the AR card, signed on delivery, comes back a few days later
    f.acknowledge(signed + 3 * DAY, AcknowledgementOutcome.DELIVERED, signed)
    agency = f"Recouvrement Alpes Contentieux, dossier RAC-{derived_digits(f.invoice.number, 5)}"
    f.escalate(deadline + 7 * DAY, EscalationRoute.COLLECTION_AGENCY, agency)


def promise_kept(f: File) -> None:
    f.remind(R.FIRST, f.due(5))
    called = f.call(f.due(8), "11:10", FOLLOW_UP, REACHED, "Oubli reconnu ; virement annoncé sous huit jours.")
    f.promise(called, "11:15", f.outstanding, called + 8 * DAY)
    f.pay(called + 6 * DAY)


def mediation_under_way(f: File) -> None:
    f.remind(R.FIRST, f.due(5))
    reminded = f.remind(R.SECOND, f.due(20), LETTER)
    reference = f"Médiation des entreprises, saisine ME-{derived_digits(f.invoice.number, 6)}"
    started = f.on(max(reminded, f.ago(5)))
    f.add(started, "14:00", MANAGER, StartMediation(f.rid, started, reference))


def written_off(f: File) -> None:
    f.remind(R.FIRST, f.due(5))
    f.remind(R.SECOND, f.due(20), LETTER)
    f.call(f.due(30), "16:10", FOLLOW_UP, NO_ANSWER, "Pas de réponse ; message laissé.")
    reason = "Créance de faible montant : le coût d'une procédure dépasserait l'enjeu."
    f.add(f.due(75), "17:00", MANAGER, WriteOff(f.rid, reason))


def consumer_notice_by_lre_small_claims(f: File) -> None:
    f.remind(R.FIRST, f.due(5))
    f.remind(R.SECOND, f.due(20), LETTER)
    f.call(f.due(25), "17:50", FOLLOW_UP, VOICEMAIL, "Message laissé sur la messagerie.")
    sent, deadline = f.notice(f.due(40), NoticeChannel.ELECTRONIC_REGISTERED_LETTER)
    accepted = f.on(sent + DAY)  # the LRE is accepted online: the provider's proof comes at once
    f.acknowledge(accepted, AcknowledgementOutcome.DELIVERED, accepted)
    reference = (
        f"Procédure simplifiée de recouvrement des petites créances, dossier CJ-{derived_digits(f.invoice.number, 6)}"
    )
    f.escalate(deadline + 8 * DAY, EscalationRoute.SMALL_CLAIMS, reference)


def consumer_plan_missed(f: File) -> None:
    f.remind(R.FIRST, f.due(5))
    called = f.call(f.due(9), "17:30", FOLLOW_UP, REACHED, "La cliente demande à régler en quatre mensualités.")
    instalments = f.monthly(4, called + 11 * DAY)
    f.plan_payments(called + 3 * DAY, instalments)
    for due, value in instalments[:2]:
        f.pay(due, value)
    missed = f.miss(instalments[2][0] + 5 * DAY, 3)
    f.remind(R.SECOND, missed + 3 * DAY, LETTER)


def consumer_mediation_then_credit_note(f: File) -> None:
    opened = f.dispute(f.due(2), DisputeReason.NON_CONFORMING, "Lames disjointes et grincements dans le séjour.")
    reference = f"Médiateur de la consommation CM2C, dossier {derived_digits(f.invoice.number, 7)}"
    started = f.on(opened + 23 * DAY)
    f.add(started, "10:30", MANAGER, StartMediation(f.rid, started, reference))
    ended = f.on(started + 30 * DAY)
    outcome = "Accord de médiation : reprise des lames défectueuses et remise de 8 %."
    f.add(ended, "10:00", MANAGER, EndMediation(f.rid, ended, outcome))
    credit = cents(f.invoice.incl_vat * Decimal("0.08"))
    resolved = f.resolve(ended, DisputeOutcome.SETTLED, "Remise de 8 % selon l'accord de médiation.", credit)
    f.pay(resolved + 9 * DAY)


# fmt: off
SALES: tuple[Sale, ...] = (
    # debtor, issued days ago, amount excl. VAT, terms, story, label, order reference, contractual penalty rate
    Sale("pharmacie", 196, "18400.00", EOM30, paid_on_time,
         "Agencement de l'officine : comptoirs, linéaires et tiroirs (acompte 40 %)", "Devis D-{year}-0112"),
    Sale("pharmacie", 118, "27600.00", NET30, paid_after_courtesy,
         "Agencement de l'officine : solde à la réception des travaux", "Devis D-{year}-0112"),
    Sale("pharmacie", 12, "680.00", NET30, not_yet_due,
         "Contrat de maintenance annuelle de la porte automatique d'entrée"),
    Sale("brc", 182, "42350.00", NET45, paid_after_first_reminder,
         "Lot 05 menuiseries extérieures, Résidence Les Canuts : situation de travaux n° 3",
         "Marché BRC-{year}-017", "9.00"),
    Sale("brc", 152, "38900.00", NET45, paid_after_second_reminder_with_late_charges,
         "Lot 05 menuiseries extérieures, Résidence Les Canuts : situation de travaux n° 4",
         "Marché BRC-{year}-017", "9.00"),
    Sale("brc", 104, "36120.00", NET45, partially_paid_retention,
         "Lot 05 menuiseries extérieures, Résidence Les Canuts : situation de travaux n° 5",
         "Marché BRC-{year}-017", "9.00"),
    Sale("brc", 76, "29400.00", NET45, promised,
         "Lot 05 menuiseries extérieures, Résidence Les Canuts : situation de travaux n° 6",
         "Marché BRC-{year}-017", "9.00"),
    Sale("brc", 40, "14880.00", NET45, courtesy_before_due,
         "Fourniture de 24 blocs-portes coupe-feu EI30, Résidence Les Canuts", "Commande BRC-C-2291", "9.00"),
    Sale("moreau", 178, "8640.00", NET30, broken_promise_unclaimed_notice_payment_order,
         "Fourniture de menuiseries PVC, chantier Gratte-Ciel à Villeurbanne", "Commande MR-{year}-044"),
    Sale("moreau", 68, "3275.00", NET30, second_reminder_after_contact_change,
         "Fenêtres aluminium à rupture de pont thermique, chantier d'Oullins", "Commande MR-{year}-071"),
    Sale("moreau", 20, "290.00", NET30, not_yet_due,
         "Dépannage et réglage d'une porte de garage sectionnelle"),
    Sale("terreaux", 164, "21960.00", EOM30, disputed_then_credit_note,
         "Remplacement de 18 fenêtres bois-aluminium, 14 rue Sainte-Catherine", "Devis D-{year}-0147"),
    Sale("terreaux", 140, "2400.00", EOM30, credit_note_then_paid,
         "Entretien annuel des menuiseries des parties communes (6 immeubles)"),
    Sale("terreaux", 112, "5200.00", NET30, paused_then_resumed,
         "Garde-corps vitrés, terrasse du 6e étage, 22 quai Saint-Vincent", "Devis D-{year}-0203"),
    Sale("terreaux", 66, "6450.00", NET45, disputed_open,
         "Porte de hall sécurisée, 3 place des Terreaux", "Devis D-{year}-0187"),
    Sale("belvedere", 150, "28500.00", NET30, payment_plan_in_good_standing,
         "Rénovation des menuiseries des 32 chambres, phase 2", "Devis D-{year}-0095"),
    Sale("belvedere", 96, "3890.00", NET30, paid_by_direct_debit,
         "Stores bannes motorisés, terrasse du restaurant"),
    Sale("belvedere", 43, "4180.00", NET30, first_reminder_only,
         "Fourniture et pose de deux portes-fenêtres, salle du restaurant"),
    Sale("saone", 172, "33800.00", NET45, before_insolvency,
         "Menuiseries extérieures, Résidence Les Pierres Dorées : lot 1", "Marché RSB-{year}-03"),
    Sale("saone", 142, "12400.00", NET45, before_insolvency,
         "Menuiseries extérieures, Résidence Les Pierres Dorées : lot 2", "Marché RSB-{year}-03"),
    Sale("dauphine", 188, "11760.00", NET30, partial_promise_then_notice_agency,
         "Façades et plans de travail, lot cuisines de la résidence Europole", "Commande ACD-5520"),
    Sale("dauphine", 108, "1940.00", NET30, promise_kept,
         "Plans de travail stratifiés, showroom de Meylan", "Commande ACD-5588"),
    Sale("dauphine", 56, "6980.00", NET30, mediation_under_way,
         "Façades laquées, commande n° 2 de la résidence Europole", "Commande ACD-5631"),
    Sale("fournier", 198, "65.00", NET30, written_off,
         "Réparation de la porte du fournil"),
    Sale("fournier", 130, "1150.00", NET30, paid_by_cheque_after_second_reminder,
         "Habillage bois de la vitrine réfrigérée"),
    Sale("fournier", 92, "148.00", NET30, paid_by_cheque_on_time,
         "Remplacement d'une serrure trois points, porte de service"),
    Sale("lefevre", 140, "3150.00", CONSUMER, consumer_notice_by_lre_small_claims,
         "Fourniture et pose d'une porte d'entrée en aluminium", "Devis D-{year}-0131"),
    Sale("lefevre", 33, "185.00", CONSUMER, sms_reminder,
         "Réparation d'un volet roulant électrique"),
    Sale("bonnet", 166, "2450.00", CONSUMER, paid_by_card_after_courtesy,
         "Dressing sur mesure, chambre parentale", "Devis D-{year}-0121"),
    Sale("bonnet", 158, "9850.00", CONSUMER, consumer_plan_missed,
         "Cuisine équipée sur mesure : fourniture et pose", "Devis D-{year}-0124"),
    Sale("garnier", 124, "7360.00", CONSUMER, consumer_mediation_then_credit_note,
         "Parquet chêne massif, fourniture et pose (64 m²)", "Devis D-{year}-0160"),
    Sale("garnier", 9, "120.00", CONSUMER, not_yet_due,
         "Entretien annuel des fenêtres de toit"),
)
# fmt: on

SAMPLE_STORY = broken_promise_unclaimed_notice_payment_order  # the file the summary suggests replaying


# ------------------------------------------------------------ debtor stories


def register(plan: Plan, debtor: DemoDebtor, day: date) -> None:
    """A new customer is created by the billing system on the morning of its first invoice."""
    plan.add(
        day,
        "07:00",
        ERP,
        RegisterDebtor(
            debtor.id, debtor.legal_name, debtor.kind, debtor.address, siren=debtor.siren, siret=debtor.siret
        ),
    )
    for index, c in enumerate(debtor.contacts):
        plan.add(
            day,
            f"07:0{index + 1}",
            ERP,
            AddContact(debtor.id, debtor.contact_id(index), c.role, c.name, c.email, c.phone),
        )
    if debtor.policy != "standard-b2b":
        plan.add(day, "07:05", ERP, AssignPolicy(debtor.id, debtor.policy))
    if debtor.credit_limit is not None:
        plan.add(day, "07:06", MANAGER, SetCreditLimit(debtor.id, Money(debtor.credit_limit)))
    if debtor.key == "lefevre":  # the quote he signed three weeks earlier carries his consent to LRE
        consent = document(
            f"{debtor.legal_name}, devis signé le {french_date(day - timedelta(days=21))} : j'accepte de recevoir "
            "les lettres recommandées par voie électronique (CPCE L100)."
        )
        plan.add(day, "07:07", MANAGER, RecordElectronicDeliveryConsent(debtor.id, day - timedelta(days=21), consent))


def insolvency(plan: Plan, files: list[File]) -> None:
    """Redressement judiciaire: chasing stops on every invoice, the claim is declared within two months."""
    debtor = files[0].debtor
    judgment = previous_working_day(plan.ago(INSOLVENCY_JUDGMENT_AGO))
    published = plan.workday(judgment + 10 * DAY)  # BODACC
    learnt = plan.workday(published + DAY)
    court = "Tribunal de commerce de Villefranche-Tarare"
    opened = OpenInsolvency(debtor.id, InsolvencyProcedure.RECEIVERSHIP, court, judgment, published)
    plan.add(learnt, "09:00", MANAGER, opened)
    reason = (
        f"Redressement judiciaire ouvert le {french_date(judgment)} (BODACC du {french_date(published)}) : "
        "poursuites individuelles interrompues (C. com. L622-21)."
    )
    for f in files:
        f.pause(learnt, "09:05", reason)
    total = sum((f.outstanding for f in files), Decimal("0.00"))
    administrator = "Me Laurent Berthier, mandataire judiciaire, Villefranche-sur-Saône"
    declaration = document(
        f"Déclaration de créance — {debtor.legal_name} — redressement judiciaire du {french_date(judgment)}",
        *(f"Facture {f.invoice.number} : {euros(f.outstanding)} TTC" for f in files),
        f"Total déclaré à titre chirographaire : {euros(total)}, adressé à {administrator}.",
    )
    declared = plan.workday(learnt + 15 * DAY)  # well within the two months after the BODACC
    plan.add(declared, "15:00", MANAGER, DeclareClaim(debtor.id, declared, Money(total), administrator, declaration))
    for f in files:
        f.note(declared, "15:05", MANAGER, "Créance déclarée au mandataire judiciaire par LRAR.", declaration)


DEBTOR_STORIES: dict[str, Callable[[Plan, list[File]], None]] = {"saone": insolvency}


def build_plan(today: date, timezone: ZoneInfo) -> tuple[Plan, list[tuple[Sale, Invoice]]]:
    """Every step of the sample, for a firm whose calendar date is ``today``."""
    plan = Plan(today, timezone)
    ordered = sorted(enumerate(SALES), key=lambda item: (-item[1].issue_ago, item[0]))
    numbers: Counter[int] = Counter()
    files: list[File] = []
    sold: list[tuple[Sale, Invoice]] = []
    registered: set[str] = set()
    for index, (_, sale) in enumerate(ordered):
        debtor, issued = DEBTORS[sale.debtor], previous_working_day(plan.ago(sale.issue_ago))
        numbers[issued.year] += 1
        invoice = Invoice(
            f"FA-{issued.year}-{numbers[issued.year]:04d}",
            debtor,
            issued,
            Decimal(sale.excl_vat),
            sale.label,
            sale.terms,
            sale.order_reference.format(year=issued.year) if sale.order_reference else None,
            Decimal(sale.penalty_rate) if sale.penalty_rate else None,
        )
        if debtor.key not in registered:
            registered.add(debtor.key)
            register(plan, debtor, issued)
        plan.add(issued, f"07:{30 + index % 30:02d}", ERP, _issue(invoice))
        plan.add(
            issued,
            f"07:{30 + index % 30:02d}",
            ERP,
            AttachDocument(
                invoice.id,
                DocumentKind.INVOICE,
                invoice.document_sha256(),
                TEXT_MEDIA_TYPE,
                f"Facture {invoice.number}",
            ),
        )
        file = File(plan, invoice)
        sale.story(file)
        files.append(file)
        sold.append((sale, invoice))
    for key, story in DEBTOR_STORIES.items():
        story(plan, [f for f in files if f.debtor.key == key])
    return plan, sold


def _issue(invoice: Invoice) -> IssueInvoice:
    return IssueInvoice(
        invoice_number=invoice.number,
        debtor_id=invoice.debtor.id,
        issue_date=invoice.issued,
        due_date=invoice.due,
        amount_excl_vat=invoice.excl_vat,
        vat=invoice.vat,
        amount_incl_vat=invoice.incl_vat,
        label=invoice.label,
        order_reference=invoice.order_reference,
        payment_terms=invoice.terms.label
        + ("" if invoice.debtor.professional else " ; pas de frais de recouvrement à la charge du client"),
        contractual_penalty_rate=invoice.penalty_rate,
    )


# ------------------------------------------------------------------- loading


def sample_firm() -> Firm:
    """The creditor signing the demo's letters while RELANCE_FIRM_NAME is unset: named as a sample, with no
    bank account and a reply address that cannot exist (decision 0086)."""
    return Firm(
        name=f"{FIRM} (exemple fictif de démonstration)",
        address_lines=tuple(FIRM_ADDRESS.split(", ")),
        siren=FIRM_SIREN,
        email="relances@menuiseries-vasseur.example",
        phone=None,
        iban=None,
        signatory="Marie Dupont, responsable du crédit client (exemple)",
        terms_of_sale_reference="nos conditions générales de vente",
    )


def demo_statement(today: date) -> tuple[bytes, date]:
    """The bank statement of the last working day, imported this morning: the demo's bank data is fresh,
    so its first dunning run proposes steps instead of refusing them all as stale."""
    value_date = previous_working_day(today - DAY)
    content = "\n".join(
        [f"Relevé de compte de démonstration (exemple fictif) — {FIRM}", f"Relevé du {french_date(value_date)}",
         "Aucune opération à rapprocher : les virements précédents sont déjà enregistrés."]
    )  # fmt: skip
    return content.encode("utf-8"), value_date
