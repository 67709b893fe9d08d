"""Open invoices from an accounting export (CSV); columns in docs/imports.md."""

from __future__ import annotations

import hashlib
from decimal import Decimal

from application.imports import DebtorFields, ImportFileError, InvoiceFile, InvoiceRow
from domain.debtor import Address
from domain.errors import InvalidInput
from domain.values import siren, siret
from domain.vocabulary import DebtorKind
from infrastructure.import_files.text_fields import Row, decode, rows

CANONICAL = (
    "invoice_number", "issue_date", "due_date", "amount_excl_vat", "vat", "amount_incl_vat", "currency", "label",
    "payment_terms", "order_reference", "debtor_name", "debtor_kind", "debtor_siren", "debtor_siret",
    "debtor_address", "debtor_postal_code", "debtor_city", "debtor_country",
)  # fmt: skip
ALIASES = {
    **{name: name for name in CANONICAL},
    # The French headers accounting software writes.
    "numero_facture": "invoice_number",
    "n_facture": "invoice_number",
    "facture": "invoice_number",
    "n_piece": "invoice_number",  # Sage: "N° pièce"
    "numero_piece": "invoice_number",
    "date_facture": "issue_date",
    "date_emission": "issue_date",
    "date_echeance": "due_date",
    "echeance": "due_date",
    "montant_ht": "amount_excl_vat",
    "tva": "vat",
    "montant_tva": "vat",
    "montant_ttc": "amount_incl_vat",
    "devise": "currency",
    "libelle": "label",
    "conditions_paiement": "payment_terms",
    "reference_commande": "order_reference",
    "client": "debtor_name",
    "raison_sociale": "debtor_name",
    "siren": "debtor_siren",
    "siret": "debtor_siret",
    "type_client": "debtor_kind",
    "adresse": "debtor_address",
    "code_postal": "debtor_postal_code",
    "ville": "debtor_city",
    "pays": "debtor_country",
}
REQUIRED = ("invoice_number", "issue_date", "due_date", "amount_incl_vat", "debtor_name")
SOLE_TRADER = frozenset({"sole_trader", "entrepreneur individuel", "ei"})
KINDS = {
    "professional": DebtorKind.PROFESSIONAL,
    "professionnel": DebtorKind.PROFESSIONAL,
    "consumer": DebtorKind.CONSUMER,
    "particulier": DebtorKind.CONSUMER,
    "sole_trader": DebtorKind.PROFESSIONAL,  # a professional who is a natural person
    "entrepreneur individuel": DebtorKind.PROFESSIONAL,
    "ei": DebtorKind.PROFESSIONAL,
}


def read_invoices_csv(content: bytes) -> InvoiceFile:
    """Every line checked before any is recorded; the first fault refuses the file."""
    parsed = list(rows(decode(content), ALIASES, REQUIRED))
    if not parsed:
        raise ImportFileError("line 2", "no invoice in the file", rule="import_empty")
    columns = set(parsed[0].cells)
    if not {"amount_excl_vat", "vat"} & columns:
        raise ImportFileError("line 1", "missing column(s): amount_excl_vat or vat", rule="import_missing_columns")
    invoices = tuple(_invoice(row) for row in parsed)
    return InvoiceFile("csv", hashlib.sha256(content).hexdigest(), invoices)


def _invoice(row: Row) -> InvoiceRow:
    incl = row.decimal("amount_incl_vat")
    excl = row.decimal("amount_excl_vat", required=False)
    vat = row.decimal("vat", required=False, allow_zero=True)
    assert incl is not None
    if excl is None and vat is None:
        raise ImportFileError(row.location, "amount_excl_vat or vat is needed", rule="import_value_required")
    excl = excl if excl is not None else incl - (vat or Decimal("0"))
    vat = vat if vat is not None else incl - excl
    issue_date, due_date = row.day("issue_date"), row.day("due_date")
    assert issue_date is not None and due_date is not None
    number = row.text("invoice_number")
    return InvoiceRow(
        location=row.location, invoice_number=number, issue_date=issue_date, due_date=due_date,
        amount_excl_vat=excl, vat=vat, amount_incl_vat=incl, debtor=_debtor(row),
        label=row.text("label", required=False) or f"Facture {number}",
        currency=(row.text("currency", required=False) or "EUR").upper(),
        payment_terms=row.text("payment_terms", required=False) or None,
        order_reference=row.text("order_reference", required=False) or None,
    )  # fmt: skip


def _debtor(row: Row) -> DebtorFields:
    kind_text = row.text("debtor_kind", required=False).lower() or "professional"
    if kind_text not in KINDS:
        expected = "professional, sole_trader (entrepreneur individuel) or consumer"
        raise ImportFileError(f"{row.location}, column debtor_kind", f"{kind_text!r}: {expected}")
    kind = KINDS[kind_text]
    siren_text, siret_text = row.text("debtor_siren", required=False), row.text("debtor_siret", required=False)
    try:
        checked_siren = siren(siren_text) if siren_text else None
        checked_siret = siret(siret_text) if siret_text else None
    except InvalidInput as error:
        raise ImportFileError(row.location, error.message, rule=error.rule) from error
    if kind is DebtorKind.PROFESSIONAL and not (checked_siren or checked_siret):
        raise ImportFileError(
            f"{row.location}, column debtor_siren", "a professional debtor is identified by its SIREN",
            rule="import_value_required",
        )  # fmt: skip
    address = None
    if row.text("debtor_address", required=False):
        address = Address(
            lines=[part.strip() for part in row.text("debtor_address").split("|") if part.strip()],
            postal_code=row.text("debtor_postal_code"),
            city=row.text("debtor_city"),
            country=(row.text("debtor_country", required=False) or "FR").upper(),
        )
    sole_trader = kind_text in SOLE_TRADER
    return DebtorFields(row.text("debtor_name"), kind, checked_siren, checked_siret, address, sole_trader)
