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

from collections import Counter
from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from api.demo.files import (
    File,
    Invoice,
    Plan,
    Sale,
    previous_working_day,
)
from api.demo.parties import (
    DEBTORS,
    ERP,
    FIRM,
    INSOLVENCY_JUDGMENT_AGO,
    MANAGER,
    TEXT_MEDIA_TYPE,
    DemoDebtor,
    document,
    euros,
    french_date,
)
from api.demo.stories import (
    DAY,
    SALES,
)
from application.commands import (
    AddContact,
    AssignPolicy,
    AttachDocument,
    DeclareClaim,
    IssueInvoice,
    OpenInsolvency,
    RecordElectronicDeliveryConsent,
    RegisterDebtor,
    SetCreditLimit,
)
from domain.values import Money
from domain.vocabulary import (
    DocumentKind,
    InsolvencyProcedure,
)

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


def demo_statement(today: date) -> tuple[bytes, date]:
    """The bank statement of the last working day, imported this morning: the demo's bank data is fresh,
    so its first dunning run proposes steps instead of refusing them all as stale."""
    value_date = previous_working_day(today - DAY)
    content = "\n".join(
        [f"Relevé de compte de démonstration (exemple fictif) — {FIRM}", f"Relevé du {french_date(value_date)}",
         "Aucune opération à rapprocher : les virements précédents sont déjà enregistrés."]
    )  # fmt: skip
    return content.encode("utf-8"), value_date
