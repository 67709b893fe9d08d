"""The demo's firm, its people and its customers (debtors and their contacts), and small helpers."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from uuid import NAMESPACE_URL, UUID, uuid5

from application.commands import (
    DebtorCommand,
    IssueInvoice,
    ReceivableCommand,
    RegisterDebtor,
)
from application.correspondence import Firm
from domain.debtor import Address
from domain.values import luhn_valid
from domain.vocabulary import (
    ContactRole,
    DebtorKind,
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
